"""Samplers (k-diffusion style): pure functions over a descending VE noise grid, model units throughout.

Every sampler takes `denoise(x_ve, sigma_ve) -> x0_hat` (a closure over the conditioning; x_ve
(B, C, L), sigma_ve a Python float), the initial state x = sigmas[0]·noise (B, C, L) and the grid
`sigmas` (n + 1,) float64, descending, ending with 0; it returns the sample x0 (B, C, L). Grid
arithmetic is done in float64 Python floats; the state keeps its dtype.

Cost in model evaluations for a grid of n intervals: n for ddpm, ddim and dpmpp; 2n − 1 for heun (a
second evaluation on every interval but the last, which ends at sigma = 0). `get_sigmas(sampler,
steps, denoiser)` builds the grid that costs at most `steps` evaluations: heun gets (steps + 1) // 2
intervals, i.e. steps − 1 evaluations for an even `steps`.

Randomness (initial noise, ancestral noise) is drawn per record from its own torch.Generator, so a
record's sample never depends on which other records share its batch.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from seisdiff.engine.schedule import karras_sigmas

SAMPLERS = ("dpmpp", "ddim", "ddpm", "heun")
# the default of `sample`, of `generate` and of training's generation check: DDPM, 100 evaluations, the
# sampler of the model card's goals (the comparison behind it: docs/MEASUREMENTS.md, "Sampler")
DEFAULT_SAMPLER = "ddpm"
STEPS_FOR = {"ddpm": 100, "ddim": 25, "dpmpp": 25, "heun": 25}  # each sampler's steps unless told
DEFAULT_STEPS = STEPS_FOR[DEFAULT_SAMPLER]
GRIDS = ("schedule", "karras", "logsnr")
# the grid each sampler uses unless told otherwise: DDPM/DDIM on the training schedule's uniform-t grid
# (as trained and published), DPM-Solver++ uniform in lambda = −ln sigma (its authors' choice; on the
# Gaussian toy of tests/test_samplers.py the most accurate for both large and small signal scales),
# Heun on the EDM grid (Karras et al. 2022, rho = 7)
DEFAULT_GRID = {"ddpm": "schedule", "ddim": "schedule", "dpmpp": "logsnr", "heun": "karras"}
# EDM's sigma_max for unit-variance data: above it the marginal is noise to within 1/80² in variance,
# so the karras and logsnr grids start there rather than spend steps near the schedule's top (~1800)
TOP_SIGMA = 80.0

Denoise = Callable[[torch.Tensor, float], torch.Tensor]


def randn_records(shape, generators: list[torch.Generator], device=None, dtype=torch.float32) -> torch.Tensor:
    """(B, *shape[1:]) standard normal, row b drawn on the CPU from generators[b] (device-independent)."""
    rows = [torch.randn(tuple(shape[1:]), generator=g, dtype=torch.float32) for g in generators]
    return torch.stack(rows).to(device=device, dtype=dtype)


def sample_ddpm(denoise: Denoise, x: torch.Tensor, sigmas: torch.Tensor, generator: list[torch.Generator]) -> torch.Tensor:
    """Ancestral sampling with the exact DDPM posterior q(x_s | x_t, x0_hat) in VE form (the reference).

    generator: one torch.Generator per record (row of x).
    """
    for s, s_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist()):
        x0_hat = denoise(x, s)
        ratio2 = (s_next / s) ** 2
        x = x0_hat + ratio2 * (x - x0_hat)
        if s_next > 0:
            x = x + s_next * math.sqrt(1.0 - ratio2) * randn_records(x.shape, generator, x.device, x.dtype)
    return x


def ddim_step(x0_hat: torch.Tensor, x: torch.Tensor, ratio) -> torch.Tensor:
    """One deterministic DDIM step in VE form from x at sigma to sigma·ratio (a float, or (B,) per record)."""
    r = torch.as_tensor(ratio, dtype=x.dtype, device=x.device).reshape(-1, *([1] * (x.ndim - 1)))
    return x0_hat + r * (x - x0_hat)


def sample_ddim(denoise: Denoise, x: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) = Euler steps of the probability-flow ODE in VE form."""
    for s, s_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist()):
        x = ddim_step(denoise(x, s), x, s_next / s)
    return x


def sample_dpmpp_2m(denoise: Denoise, x: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022), multistep second order in lambda = −ln sigma_ve."""
    sig = sigmas.tolist()
    old_x0, h_last = None, None
    for s, s_next in zip(sig[:-1], sig[1:]):
        x0_hat = denoise(x, s)
        if s_next == 0:                      # the last step lands on the denoiser's estimate
            return x0_hat
        h = math.log(s / s_next)
        d = x0_hat
        if old_x0 is not None:
            r = h_last / h
            d = (1.0 + 1.0 / (2.0 * r)) * x0_hat - (1.0 / (2.0 * r)) * old_x0
        x = (s_next / s) * x - math.expm1(-h) * d
        old_x0, h_last = x0_hat, h
    return x


def sample_heun(denoise: Denoise, x: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """EDM's deterministic Heun sampler (Karras et al. 2022, Alg. 1): 2n − 1 evaluations for n intervals."""
    for s, s_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist()):
        d = (x - denoise(x, s)) / s
        x_next = x + (s_next - s) * d
        if s_next > 0:
            d_next = (x_next - denoise(x_next, s_next)) / s_next
            x_next = x + (s_next - s) * 0.5 * (d + d_next)
        x = x_next
    return x


def intervals_for(sampler: str, steps: int) -> int:
    """Grid intervals whose sampling costs at most `steps` model evaluations."""
    _check(sampler)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    return (steps + 1) // 2 if sampler == "heun" else steps


def evaluations(sampler: str, intervals: int) -> int:
    """Model evaluations of `sampler` over a grid of `intervals` intervals."""
    _check(sampler)
    return 2 * intervals - 1 if sampler == "heun" else intervals


def get_sigmas(sampler: str, steps: int, denoiser, grid: str | None = None) -> torch.Tensor:
    """(n + 1,) float64 VE grid for `sampler` costing at most `steps` evaluations of `denoiser`
    (which provides `schedule.sigmas_ve(n)`, `sigma_min`, `sigma_max`). grid: schedule (uniform in
    the training schedule's t) | karras (EDM, rho = 7) | logsnr (uniform in ln sigma); default per
    sampler: DEFAULT_GRID."""
    n = intervals_for(sampler, steps)
    grid = grid or DEFAULT_GRID[sampler]
    top = min(denoiser.sigma_max, TOP_SIGMA)
    if grid == "schedule":
        return denoiser.schedule.sigmas_ve(n)
    if grid == "karras":
        return karras_sigmas(n, denoiser.sigma_min, top)
    if grid == "logsnr":
        log_sigmas = torch.linspace(math.log(top), math.log(denoiser.sigma_min), n, dtype=torch.float64)
        return torch.cat([torch.exp(log_sigmas), torch.zeros(1, dtype=torch.float64)])
    raise ValueError(f"unknown noise grid {grid!r}; expected one of {GRIDS}")


def sample(sampler: str, denoise: Denoise, sigmas: torch.Tensor, generators: list[torch.Generator],
           shape, device=None) -> torch.Tensor:
    """Sample x0 (B, C, L) = shape with `sampler`, starting from sigmas[0]·noise drawn per record."""
    _check(sampler)
    x = float(sigmas[0]) * randn_records(shape, generators, device)
    if sampler == "ddpm":
        return sample_ddpm(denoise, x, sigmas, generators)
    return {"ddim": sample_ddim, "dpmpp": sample_dpmpp_2m, "heun": sample_heun}[sampler](denoise, x, sigmas)


def _check(sampler: str) -> None:
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of {SAMPLERS}")
