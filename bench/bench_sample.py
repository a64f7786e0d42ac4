"""Sampling on CPU: records/s per sampler and step count, model FLOP/s, PSA and FAS bias against DDPM-1000.

Groups (one torch thread: the machine is shared, and two threads on a busy 2-core box ran 5–20× slower):
  "sample_small_4x1024": `generate` (scaling, sampling, back to m/s²; no merge, the same for all) of 4 records of
      1024 samples with the small model — baseline: DDPM, 1000 evaluations; candidates: DDIM and
      DPM-Solver++ at 10, 25 and 50, DDPM at 100 (the CLI default). The model has fresh weights (the
      speed does not depend on them):
      its zero-initialised output layer predicts v = 0, which makes it the exact denoiser of x0 ~ N(0, I)
      in model units, so every sampler must return unit-std samples — the check that baseline and
      candidates agree. extra_info: records_per_s, evaluations, speedup (baseline time / candidate
      time), gflop_per_evaluation (FlopCounterMode), gflop_per_s and peak_fraction (of a nominal CPU
      peak: cores × clock × FP32 FLOP per cycle of its widest FMA).
  "sample_quality_tiny_8x512": a tiny model trained 600 steps on synthetic records — baseline: DDPM-1000;
      candidate: the CLI default (DDPM, 100 evaluations); 8 records × 6 realizations each, no merge.
      extra_info: the candidate's PSA (0.05–1 s) and FAS (1–25 Hz) bias against the baseline
      (`compare_samplers`' measures) and their noise floor (DDPM-1000 against itself with other noise).
Checks run outside the timings and before them: the baseline's (unit std within 0.05: 1000 ancestral steps of
the exact denoiser, 16k samples) before the baseline is timed, and each candidate's (unit std within 0.15, and
within 0.15 of the baseline's) on its own first run, which is its warm-up, before it is timed; the quality
group's `compare_samplers` before either side is timed.
"""
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from seisdiff.engine.config import MODEL_SIZES, TrainConfig
from seisdiff.engine.denoiser import Denoiser
from seisdiff.engine.generate import generate
from seisdiff.engine.model import UNet1d
from seisdiff.engine.samplers import DEFAULT_SAMPLER, DEFAULT_STEPS
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.evaluate.samplers import compare_samplers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synth import accelerogram, train_tiny  # noqa: E402
from test_scaling import make_store  # noqa: E402


FS, LOWPASS_HZ = 100.0, 1.0
N_SPEED, L_SPEED = 4, 1024
CANDIDATES = [(s, n) for s in ("ddim", "dpmpp") for n in (10, 25, 50)] + [("ddpm", 100)]
_baseline_seconds: dict[str, float] = {}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def nominal_peak_gflops() -> float:
    """Cores × clock (GHz, /proc/cpuinfo) × FP32 FLOP/cycle: 64 with AVX-512 (2 FMA units × 16 lanes × 2), else 32."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    mhz = [float(line.split(":")[1]) for line in info.splitlines() if line.startswith("cpu MHz")]
    per_cycle = 64 if "avx512f" in info else 32
    return (os.cpu_count() or 1) * (max(mhz) / 1e3 if mhz else 2.0) * per_cycle


@pytest.fixture(scope="module")
def small():
    cfg = TrainConfig(model=MODEL_SIZES["small"])
    torch.manual_seed(0)
    denoiser = Denoiser(UNet1d(cfg.model), CosineSchedule(), Scaler(global_factor=5.0), cfg.target).eval()
    denoiser.requires_grad_(False)
    cond = np.stack([accelerogram(s, n=L_SPEED, pga=0.01 * (s + 1)) for s in range(N_SPEED)])[:, None]
    from seisdiff.dsp import lowpass

    cond = lowpass(cond, FS, LOWPASS_HZ).astype(np.float32)
    with torch.no_grad(), FlopCounterMode(display=False) as flops:
        x = torch.zeros(N_SPEED, 1, L_SPEED)
        denoiser(x, 1.0, x, torch.zeros(N_SPEED, 4))
    return denoiser, cfg, cond, flops.get_total_flops()


def _run(small, sampler, steps):
    denoiser, cfg, cond, _ = small
    ids = [f"r{i}" for i in range(N_SPEED)]
    out = dict(((rid, k), acc) for rid, k, acc in generate(
        denoiser, denoiser.scaler, cfg, cond, ids, steps=steps, sampler=sampler, batch_size=N_SPEED,
        sampling_rate_hz=FS, lowpass_hz=LOWPASS_HZ, lf_merge=False))
    x_model = np.stack([out[(rid, 0)] for rid in ids]) / np.exp(denoiser.scaler.log_scale(cond))[:, None, None]
    return float(x_model.std())


def _speed_info(benchmark, small, sampler, steps, role):
    from seisdiff.engine.samplers import evaluations, intervals_for

    evals = evaluations(sampler, intervals_for(sampler, steps))
    seconds = benchmark.stats.stats.median
    flops = small[3] * evals
    benchmark.extra_info.update({
        "role": role, "sampler": sampler, "evaluations": evals, "records_per_s": N_SPEED / seconds,
        "gflop_per_evaluation": small[3] / 1e9, "gflop_per_s": flops / 1e9 / seconds,
        "peak_fraction": flops / 1e9 / seconds / nominal_peak_gflops(), "nominal_peak_gflops": nominal_peak_gflops()})
    return seconds


def _check_baseline(small):
    std = _run(small, "ddpm", 1000)
    assert std == pytest.approx(1.0, abs=0.05), f"DDPM-1000 std {std:.3f}, not 1"
    return std


def _check_candidate(small, checked, sampler, steps):
    """The candidate's std (its first run: the warm-up) against 1 and against the baseline's."""
    base = checked("sample_small_4x1024", lambda: _check_baseline(small))
    std = _run(small, sampler, steps)
    # discretisation error of a 10-step first-order solver: ~12 %
    assert std == pytest.approx(1.0, abs=0.15) and std == pytest.approx(base, abs=0.15), \
        f"{sampler}-{steps} std {std:.3f}, DDPM-1000's {base:.3f}"
    return std


@pytest.mark.benchmark(group="sample_small_4x1024")
def test_sample_ddpm_1000(benchmark, small, checked):
    benchmark.extra_info["std"] = checked("sample_small_4x1024", lambda: _check_baseline(small))
    benchmark.pedantic(lambda: _run(small, "ddpm", 1000), rounds=1, iterations=1)
    _baseline_seconds["small"] = _speed_info(benchmark, small, "ddpm", 1000, "baseline")


@pytest.mark.benchmark(group="sample_small_4x1024")
@pytest.mark.parametrize("sampler,steps", CANDIDATES)
def test_sample_fast(benchmark, small, sampler, steps, checked):
    benchmark.extra_info["std"] = checked(f"sample_small_4x1024 {sampler}-{steps}",
                                          lambda: _check_candidate(small, checked, sampler, steps))
    benchmark.pedantic(lambda: _run(small, sampler, steps), rounds=3, iterations=1)   # the check was the warm-up
    seconds = _speed_info(benchmark, small, sampler, steps, "candidate")
    if "small" in _baseline_seconds:
        benchmark.extra_info["speedup"] = _baseline_seconds["small"] / seconds


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny model trained 600 steps on 40 synthetic records; 8 held-out records to condition on."""
    store = make_store(tmp_path_factory.mktemp("bench_sample") / "s.zarr", n=48, length=512)
    model, schedule, scaler, cfg = train_tiny(store, np.arange(40), steps=600)
    denoiser = Denoiser(model.eval().requires_grad_(False), schedule, scaler, cfg.target)
    held = slice(40, 48)
    meta = {k: store.column(k)[held] for k in ("magnitude", "distance_km")}
    return denoiser, cfg, store.read(40, 48)["lowpass"], store.record_ids[held].tolist(), meta


def _check_quality(tiny):
    """compare_samplers' rows (reference, noise floor, the default) and its seconds; raises unless the default's
    ensemble PSA sits within 0.05 (ln units) of DDPM-1000's on average, beyond the noise floor's own bias."""
    denoiser, cfg, cond, ids, meta = tiny
    start = time.perf_counter()
    rows = compare_samplers(denoiser, denoiser.scaler, cfg, cond, ids, FS, candidates=[(DEFAULT_SAMPLER, DEFAULT_STEPS)],
                            realizations=6, batch_size=48, metadata=meta)
    floor, cand = rows[1], rows[2]
    assert cand["mean_abs_psa_bias"] < 0.05 + floor["mean_abs_psa_bias"], rows
    return rows, time.perf_counter() - start


@pytest.mark.benchmark(group="sample_quality_tiny_8x512")
def test_quality_ddpm_1000(benchmark, tiny, checked):
    checked("sample_quality_tiny_8x512", lambda: _check_quality(tiny))
    denoiser, cfg, cond, ids, meta = tiny
    benchmark.extra_info["role"] = "baseline"
    benchmark.pedantic(lambda: sum(1 for _ in generate(denoiser, denoiser.scaler, cfg, cond, ids, realizations=6,
                                                       steps=1000, sampler="ddpm", batch_size=48, lf_merge=False,
                                                       metadata=meta)), rounds=1, iterations=1)
    benchmark.extra_info["records_per_s"] = len(ids) * 6 / benchmark.stats.stats.median


@pytest.mark.benchmark(group="sample_quality_tiny_8x512")
def test_quality_default_sampler(benchmark, tiny, checked):
    rows, compare_seconds = checked("sample_quality_tiny_8x512", lambda: _check_quality(tiny))
    denoiser, cfg, cond, ids, meta = tiny
    floor, cand = rows[1], rows[2]
    benchmark.extra_info.update({
        "role": "candidate", "sampler": DEFAULT_SAMPLER, "evaluations": cand["evaluations"],
        **{f"{stat}_{key}_bias": cand[f"{stat}_{key}_bias"] for stat in ("max_abs", "mean_abs") for key in ("psa", "fas")},
        **{f"noise_floor_{stat}_{key}_bias": floor[f"{stat}_{key}_bias"]
           for stat in ("max_abs", "mean_abs") for key in ("psa", "fas")},
        "compare_seconds": compare_seconds})
    benchmark.pedantic(lambda: sum(1 for _ in generate(denoiser, denoiser.scaler, cfg, cond, ids, realizations=6,
                                                       steps=DEFAULT_STEPS, sampler=DEFAULT_SAMPLER, batch_size=48,
                                                       lf_merge=False, metadata=meta)), rounds=3, iterations=1)
    benchmark.extra_info["records_per_s"] = len(ids) * 6 / benchmark.stats.stats.median
