"""Gradient accumulation and data parallelism change only how a step's batch is cut, not what it computes:
each record draws its noise and its diffusion time from (one seed per step, its index in the step's whole
batch), so k micro-batches of b records on each of W processes give the gradient of one batch of W·k·b.
Processes are simulated in one process (DDP averages the ranks' gradients; tests/test_ddp.py runs gloo)."""
import contextlib

import numpy as np
import pytest
import torch
from synth import make_store

from seisdiff.engine.config import ModelConfig, TrainConfig
from seisdiff.engine.data import BatchLoader
from seisdiff.engine.diagnostics import batch_report
from seisdiff.engine.diffusion import draw_times, forward_loss, step_seed
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import fit_scaling
from seisdiff.engine.schedule import CosineSchedule, alpha_sigma_from_logsnr
from seisdiff.engine.train import Runtime, train_step
from seisdiff.kernels import reference

BATCH = 4
STEP = 3


class _Replica(torch.nn.Module):
    """The model as one DDP process holds it: `no_sync` is all train_step asks of DDP."""

    def __init__(self, model):
        super().__init__()
        self.module = model

    def forward(self, *args):
        return self.module(*args)

    def no_sync(self):
        return contextlib.nullcontext()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("accum") / "s.zarr", n=8, length=128)
    cfg = TrainConfig(model=ModelConfig(channels=(8, 16), down_factors=(4,), groups=4, emb_dim=32, heads=2),
                      batch_size=BATCH, grad_clip=1e9)   # no clipping: the raw gradient is compared
    cfg.model.n_channels = 1
    return store, cfg, fit_scaling(store, np.arange(len(store)))


def _gradient(setup, world_size: int, grad_accum: int) -> torch.Tensor:
    """The gradient of one optimizer step (step STEP, the epoch's first batch), averaged over the ranks
    as DDP does, flattened; the weights are the same (seed 0) on every rank and run."""
    store, cfg, scaler = setup
    cfg.grad_accum = grad_accum
    grads = []
    for rank in range(world_size):
        loader = BatchLoader(store, np.arange(len(store)), scaler, cfg.data, BATCH, cfg.seed, rank, world_size,
                             grad_accum)
        micro_batches = next(iter(loader.epoch(0)))
        torch.manual_seed(0)
        model = _Replica(UNet1d(cfg.model))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
        train_step(model, micro_batches, optimizer, scheduler, cfg, CosineSchedule(), STEP,
                   Runtime(rank, world_size, torch.device("cpu"), owns_group=False))
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    return torch.stack(grads).mean(dim=0)


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("world_size, grad_accum", [(1, 2), (1, 4), (2, 1), (2, 2), (4, 1)])
def test_micro_batches_and_ranks_give_the_gradient_of_one_batch(setup, monkeypatch, backend, world_size,
                                                                 grad_accum):
    """Before: micro-batch j of rank r drew its noise and times from its own seed step_seed(seed, step,
    r·k + j): the gradient of k = 2 (or 2 ranks) differed from one batch's by 3.1 times its norm (cosine 0.51;
    1.05 and 0.77 at k = 4); now by 2e-7."""
    monkeypatch.setenv("SEISDIFF_KERNELS", backend)
    one_batch = _gradient(setup, 1, 1)
    split = _gradient(setup, world_size, grad_accum)
    assert float((split - one_batch).norm() / one_batch.norm()) < 1e-5
    torch.testing.assert_close(split, one_batch, rtol=1e-4, atol=1e-6 * float(one_batch.abs().max()))


def test_one_micro_batch_keeps_the_noise_and_times_of_before(setup):
    """grad_accum 1 on one process: the step's seed is step_seed(seed, step, 0) and record i draws the
    noise and time it drew before per-record offsets (counters from record 0, t the first B uniforms)."""
    store, cfg, scaler = setup
    (mb,) = next(iter(BatchLoader(store, np.arange(len(store)), scaler, cfg.data, BATCH, cfg.seed).epoch(0)))
    seed = step_seed(cfg.seed, STEP, 0)
    torch.manual_seed(0)
    terms = forward_loss(UNet1d(cfg.model), mb["x0"], mb["cond"], mb["scalars"], seed, CosineSchedule(), "v")
    t = torch.rand(BATCH, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    alpha, sigma = (c.float() for c in alpha_sigma_from_logsnr(CosineSchedule().logsnr(t)))
    assert torch.equal(terms.alpha, alpha) and torch.equal(terms.sigma, sigma)
    eps = reference.noise(seed, mb["x0"].shape, "cpu")
    assert torch.equal(terms.x_t, alpha.view(-1, 1, 1) * mb["x0"] + sigma.view(-1, 1, 1) * eps)


def test_a_micro_batch_draws_the_times_and_noise_of_its_rows_in_the_whole_batch(setup):
    """forward_loss on rows 2… of a batch at record_offset 2 is rows 2… of forward_loss on the batch; the
    diagnostics score the micro-batch's own target (its noise at its offset)."""
    store, cfg, scaler = setup
    (mb,) = next(iter(BatchLoader(store, np.arange(len(store)), scaler, cfg.data, BATCH, cfg.seed).epoch(0)))
    seed, model = step_seed(cfg.seed, STEP, 0), UNet1d(cfg.model)
    whole = forward_loss(model, mb["x0"], mb["cond"], mb["scalars"], seed, CosineSchedule(), "v", reduction="none")
    part = forward_loss(model, mb["x0"][2:], mb["cond"][2:], mb["scalars"][2:], seed, CosineSchedule(), "v",
                        reduction="none", record_offset=2)
    assert torch.equal(part.alpha, whole.alpha[2:]) and torch.equal(part.x_t, whole.x_t[2:])
    torch.testing.assert_close(part.loss, whole.loss[2:], rtol=1e-5, atol=0)
    report, _ = batch_report(part, mb["x0"][2:], mb["cond"][2:], 1.0, "v")
    target = reference.diffusion_target(mb["x0"][2:], part.alpha, part.sigma, seed, "v", record_offset=2)
    assert report["target_std"] == pytest.approx(float(target.std()), rel=1e-6)
    assert report["noise_std"] == pytest.approx(float(reference.noise(seed, (2, 1, 128), "cpu", 2).std()), rel=1e-6)


@pytest.mark.parametrize("n_records, record_offset", [(2, 2), (20, 17), (64, 200)])
def test_times_of_a_micro_batch_are_its_rows_of_the_whole_batch(n_records, record_offset):
    """draw_times relies on torch's CPU generator drawing uniforms one by one (no vectorised path that
    would make a prefix depend on the length)."""
    seed = step_seed(0, STEP, 0)
    whole = draw_times(seed, record_offset + n_records)
    assert torch.equal(draw_times(seed, n_records, record_offset), whole[record_offset:])
    assert torch.equal(draw_times(seed, record_offset), whole[:record_offset])
