"""The diffusion training loss (model units), on the fused kernels of `seisdiff.kernels`.

One call draws t ~ U(0, 1) per record, noises x0 with `add_noise` and scores the network with
`diffusion_loss` (min-SNR-γ weighted); the noise is regenerated from `seed` inside the kernels and
never stored. `seed` fixes everything random in the call, so a step can be replayed exactly.
A training step has one seed (`step_seed(seed, step, 0)`) and every record draws its time and noise
from it and from its index in the step's whole batch (`record_offset` + its row), so cutting the batch
into micro-batches (grad_accum) or over processes (torchrun) changes nothing they draw: k micro-batches
of b records give the gradient of one batch of k·b, to float rounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seisdiff.engine.schedule import CosineSchedule, alpha_sigma_from_logsnr, min_snr_weight
from seisdiff.kernels import add_noise, diffusion_loss


# the training noise stream, recorded in checkpoints ("noise_stream"; absent: 1): 1, micro-batch j of rank r drew its
# times and noise from step_seed(seed, step, r·grad_accum + j); 2, every record of the step's whole batch from
# step_seed(seed, step, 0) by its index in the batch (`record_offset`). The two agree where world size × grad_accum is 1.
NOISE_STREAM = 2


def step_seed(seed: int, step: int, micro: int) -> int:
    """Seed in [0, 2**63) for stream `micro` of step `step`: a training step uses stream 0 for all its
    micro-batches (`record_offset` tells their records apart); validation, one stream per noise level."""
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
    record_offset: int = 0  # index of record 0 in the step's whole batch (its noise: reference.noise)


def forward_loss(model, x0: torch.Tensor, cond: torch.Tensor, scalars: torch.Tensor, seed: int,
                 schedule: CosineSchedule, target: str = "v", gamma: float = 5.0, t: torch.Tensor | None = None,
                 reduction: str = "mean", record_offset: int = 0) -> LossTerms:
    """Diffusion loss of `model` on clean x0 (B, C, L) given cond (B, C, L) and scalars (B, S), model units.

    t (B,) in [0, 1]: noise levels (default: `draw_times`). The network sees the VP noisy input
    x_t = alpha·x0 + sigma·eps and ln(sigma_ve) = -logSNR/2, and predicts `target` (eps | v | x0).
    record_offset: the index of x0's record 0 in the step's whole batch (0: x0 is the whole batch); the
    times and the noise of a record depend on (seed, record_offset + its row) only.
    """
    if t is None:
        t = draw_times(seed, x0.shape[0], record_offset)
    logsnr = schedule.logsnr(t)
    alpha, sigma = (c.float().to(x0.device) for c in alpha_sigma_from_logsnr(logsnr))
    weight = min_snr_weight(logsnr, target, gamma).float().to(x0.device)
    x_t = add_noise(x0, alpha, sigma, seed, record_offset=record_offset)
    pred = model(x_t, (-0.5 * logsnr).float().to(x0.device), cond, scalars.to(x0.device))
    loss = diffusion_loss(pred, x0, alpha, sigma, weight, seed, target=target, reduction=reduction,
                          record_offset=record_offset)
    return LossTerms(loss, x_t, pred, alpha, sigma, seed, record_offset)


def draw_times(seed: int, n_records: int, record_offset: int = 0) -> torch.Tensor:
    """Diffusion times t (n_records,) float64 in [0, 1) of records record_offset … record_offset +
    n_records − 1 of a step's whole batch: uniforms number record_offset on of the stream seeded with
    `seed` (torch's CPU generator draws them one by one, so a prefix does not depend on the length)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(record_offset + n_records, generator=gen, dtype=torch.float64)[record_offset:]


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
