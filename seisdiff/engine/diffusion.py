"""The diffusion training loss (model units), on the fused kernels of `seisdiff.kernels`.

One call draws t ~ U(0, 1) per record, noises x0 with `add_noise` and scores the network with
`diffusion_loss` (min-SNR-γ weighted); the noise is regenerated from `seed` inside the kernels and
never stored. `seed` fixes everything random in the call, so a step can be replayed exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seisdiff.engine.schedule import CosineSchedule, alpha_sigma_from_logsnr, min_snr_weight
from seisdiff.kernels import add_noise, diffusion_loss


def step_seed(seed: int, step: int, micro: int) -> int:
    """Seed in [0, 2**63) for micro-batch `micro` (global index over processes) of optimizer step `step`."""
    return int(np.random.SeedSequence([seed, step, micro]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass
class LossTerms:
    """One forward pass: loss (scalar, or (B,) with reduction "none"), and what diagnostics inspect."""

    loss: torch.Tensor
    x_t: torch.Tensor      # (B, C, L) noisy input, model units
    pred: torch.Tensor     # (B, C, L) network output (the target's estimate)
    alpha: torch.Tensor    # (B,) float32 VP coefficients
    sigma: torch.Tensor
    seed: int


def forward_loss(model, x0: torch.Tensor, cond: torch.Tensor, scalars: torch.Tensor, seed: int,
                 schedule: CosineSchedule, target: str = "v", gamma: float = 5.0, t: torch.Tensor | None = None,
                 reduction: str = "mean") -> LossTerms:
    """Diffusion loss of `model` on clean x0 (B, C, L) given cond (B, C, L) and scalars (B, S), model units.

    t (B,) in [0, 1]: noise levels (default: uniform draws from `seed`). The network sees the VP noisy
    input x_t = alpha·x0 + sigma·eps and ln(sigma_ve) = -logSNR/2, and predicts `target` (eps | v | x0).
    """
    if t is None:
        t = torch.rand(x0.shape[0], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    logsnr = schedule.logsnr(t)
    alpha, sigma = (c.float().to(x0.device) for c in alpha_sigma_from_logsnr(logsnr))
    weight = min_snr_weight(logsnr, target, gamma).float().to(x0.device)
    x_t = add_noise(x0, alpha, sigma, seed)
    pred = model(x_t, (-0.5 * logsnr).float().to(x0.device), cond, scalars.to(x0.device))
    loss = diffusion_loss(pred, x0, alpha, sigma, weight, seed, target=target, reduction=reduction)
    return LossTerms(loss, x_t, pred, alpha, sigma, seed)


@torch.no_grad()
def validation_loss(model, batches: list[dict], seed: int, schedule: CosineSchedule, target: str,
                    gamma: float, n_levels: int = 4, device="cpu") -> float:
    """Mean weighted loss over validation batches at `n_levels` fixed, stratified noise levels each."""
    total, count = 0.0, 0
    for i, batch in enumerate(batches):
        x0, cond = batch["x0"].to(device), batch["cond"].to(device)
        for k in range(n_levels):
            t = torch.full((x0.shape[0],), (k + 0.5) / n_levels, dtype=torch.float64)
            terms = forward_loss(model, x0, cond, batch["scalars"], step_seed(seed, i, k), schedule, target,
                                 gamma, t=t, reduction="none")
            total += float(terms.loss.sum())
            count += x0.shape[0]
    return total / max(count, 1)
