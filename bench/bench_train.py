"""Training throughput of the small model on CPU (L = 4096), and the data loader against what a step needs.

Groups:
  "train_step_small_8x4096": one optimizer step (forward, loss, backward, AdamW) — baseline: the loss
      written inline in PyTorch (noise add, target, weighted MSE as separate ops); candidate: the engine's
      `train_step` on `seisdiff.kernels` (on CPU the kernels dispatch to their PyTorch reference, so the
      ratio is ~1 here; the fused Triton path is for CUDA). Both give the same loss and gradients.
  "loader_16x4096": one batch of 16 records in model units — baseline: one store read per record (the
      old project's loader); candidate: `BatchLoader` (block reads, records held in memory). Its
      extra_info has `loader_over_step` = loader records/s ÷ training-step records/s (goal ≥ 10).
Each group's check runs once, before either side is timed: the same step's loss (rel 1e-5) and updated weights
(rtol 1e-4, atol 1e-6: float32, the same ops but a fused-vs-separate order; a wrong target or weight moves the
loss by percents), and the loader's first batch equal, bit for bit, to the per-record reads of the same records.
"""
import itertools
import time

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from seisdiff.dsp import lowpass
from seisdiff.engine.config import MODEL_SIZES, DataConfig, TrainConfig
from seisdiff.engine.data import BatchLoader
from seisdiff.engine.diffusion import step_seed
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import fit_scaling
from seisdiff.engine.schedule import CosineSchedule, alpha_sigma_from_logsnr, min_snr_weight
from seisdiff.engine.train import Runtime, train_step
from seisdiff.io.store import create_store, open_store
from seisdiff.kernels import reference

N_RECORDS, LENGTH, STEP_BATCH, LOADER_BATCH = 256, 4096, 8, 16
CFG = TrainConfig(model=MODEL_SIZES["small"], batch_size=STEP_BATCH)
RUNTIME = Runtime(rank=0, world_size=1, device=torch.device("cpu"), owns_group=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    rng = np.random.default_rng(0)
    bb = (0.01 * rng.standard_normal((N_RECORDS, 1, LENGTH))).astype(np.float32)
    path = tmp_path_factory.mktemp("bench_train") / "s.zarr"
    create_store(path, sampling_rate_hz=100.0, length=LENGTH, lowpass_hz=1.0).append(
        bb, lowpass(bb, 100.0, 1.0), [f"r{i}" for i in range(N_RECORDS)])
    return open_store(path)


@pytest.fixture(scope="module")
def scaler(store):
    return fit_scaling(store, np.arange(N_RECORDS))


@pytest.fixture(scope="module")
def batch(store, scaler):
    loader = BatchLoader(store, np.arange(N_RECORDS), scaler, DataConfig(), STEP_BATCH, seed=0)
    return next(loader.epoch(0))


def _setup():
    torch.manual_seed(0)
    model = UNet1d(CFG.model)
    opt = torch.optim.AdamW(model.parameters(), lr=CFG.lr)
    return model, opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)


def _inline_step(model, micro_batches, opt, step):
    """The same step with the loss as plain PyTorch ops (no kernels)."""
    opt.zero_grad(set_to_none=True)
    (mb,) = micro_batches
    seed = step_seed(CFG.seed, step, 0)
    t = torch.rand(mb["x0"].shape[0], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    logsnr = CosineSchedule().logsnr(t)
    alpha, sigma = (c.float()[:, None, None] for c in alpha_sigma_from_logsnr(logsnr))
    eps = reference.noise(seed, mb["x0"].shape, "cpu")
    x_t = alpha * mb["x0"] + sigma * eps
    pred = model(x_t, (-0.5 * logsnr).float(), mb["cond"], mb["scalars"])
    weight = min_snr_weight(logsnr, "v", CFG.min_snr_gamma).float()
    loss = (weight * (pred - (alpha * eps - sigma * mb["x0"])).square().mean(dim=(1, 2))).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), CFG.grad_clip)
    opt.step()
    return float(loss.detach())


def _engine_step(model, micro_batches, opt, sched, step):
    return train_step(model, micro_batches, opt, sched, CFG, CosineSchedule(), step, RUNTIME)[0]


@pytest.fixture(scope="module")
def step_records_per_s(batch):
    model, opt, sched = _setup()
    _engine_step(model, batch, opt, sched, 0)
    start = time.perf_counter()
    for step in range(1, 4):
        _engine_step(model, batch, opt, sched, step)
    return 3 * STEP_BATCH / (time.perf_counter() - start)


def _check_step(batch):
    (m1, o1, s1), (m2, o2, _) = _setup(), _setup()
    assert _engine_step(m1, batch, o1, s1, 0) == pytest.approx(_inline_step(m2, batch, o2, 0), rel=1e-5)
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        torch.testing.assert_close(p1, p2, rtol=1e-4, atol=1e-6)          # same update


@pytest.mark.benchmark(group="train_step_small_8x4096")
def test_train_step_inline_torch(benchmark, batch, checked):
    checked("train_step_small_8x4096", lambda: _check_step(batch))
    model, opt, _ = _setup()
    benchmark.extra_info["role"] = "baseline"
    counter = itertools.count()
    benchmark.pedantic(lambda: _inline_step(model, batch, opt, next(counter)), rounds=4, warmup_rounds=1)
    benchmark.extra_info["records_per_s"] = STEP_BATCH / benchmark.stats.stats.median


@pytest.mark.benchmark(group="train_step_small_8x4096")
def test_train_step_engine(benchmark, batch, checked):
    checked("train_step_small_8x4096", lambda: _check_step(batch))
    model, opt, sched = _setup()
    with FlopCounterMode(display=False) as flops:
        _engine_step(model, batch, opt, sched, 0)
    benchmark.extra_info["role"] = "candidate"
    counter = itertools.count(1)
    benchmark.pedantic(lambda: _engine_step(model, batch, opt, sched, next(counter)), rounds=4, warmup_rounds=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info["records_per_s"] = STEP_BATCH / median
    benchmark.extra_info["gflop_per_step"] = flops.get_total_flops() / 1e9
    benchmark.extra_info["gflop_per_s"] = flops.get_total_flops() / 1e9 / median


def _per_record_batch(store, scaler, rows):
    """The old way: one store read per record, then the same conversion."""
    bb = np.concatenate([store.read(int(i), int(i) + 1)["broadband"] for i in rows])
    lp = np.concatenate([store.read(int(i), int(i) + 1)["lowpass"] for i in rows])
    return scaler.to_model(bb, lp)


def _loader(store, scaler):
    return BatchLoader(store, np.arange(N_RECORDS), scaler, DataConfig(flip_polarity=False), LOADER_BATCH, seed=0)


def _check_loader(store, scaler):
    (first,) = next(_loader(store, scaler).epoch(0))
    order = np.random.default_rng([0, 0, 0]).permutation(N_RECORDS)[:LOADER_BATCH]
    x0, _, log_scale = _per_record_batch(store, scaler, order)            # same records, same values
    np.testing.assert_array_equal(first["x0"].numpy(), x0)
    np.testing.assert_array_equal(first["log_scale"].numpy(), log_scale)


@pytest.mark.benchmark(group="loader_16x4096")
def test_loader_per_record_reads(benchmark, store, scaler, checked):
    checked("loader_16x4096", lambda: _check_loader(store, scaler))
    rows = itertools.cycle(np.random.default_rng(0).permutation(N_RECORDS).reshape(-1, LOADER_BATCH))
    benchmark.extra_info["role"] = "baseline"
    benchmark.pedantic(lambda: _per_record_batch(store, scaler, next(rows)), rounds=5, warmup_rounds=1)
    benchmark.extra_info["records_per_s"] = LOADER_BATCH / benchmark.stats.stats.median


@pytest.mark.benchmark(group="loader_16x4096")
def test_loader_block_in_memory(benchmark, store, scaler, step_records_per_s, checked):
    checked("loader_16x4096", lambda: _check_loader(store, scaler))
    steps = itertools.chain.from_iterable(_loader(store, scaler).epoch(e) for e in itertools.count())
    benchmark.extra_info["role"] = "candidate"
    benchmark.pedantic(lambda: next(steps), rounds=20, warmup_rounds=2)
    loader_rate = LOADER_BATCH / benchmark.stats.stats.median
    benchmark.extra_info["records_per_s"] = loader_rate
    benchmark.extra_info["step_records_per_s"] = step_records_per_s
    benchmark.extra_info["loader_over_step"] = loader_rate / step_records_per_s
