"""Noise schedules in float64 (as NVlabs/edm): the cosine VP schedule, the EDM (Karras) sigma grid,
conversions between the VP form x_t = alpha·x0 + sigma·eps and the VE form x_ve = x0 + sigma_ve·eps
(x_ve = x_t / alpha, sigma_ve = sigma / alpha), and min-SNR-γ loss weights.

All quantities are in model units; t ∈ [0, 1] (0 = clean, 1 = pure noise); logSNR = ln(alpha²/sigma²).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from seisdiff.kernels.reference import TARGETS  # what the network predicts; defined beside the kernels that use it


def _f64(x) -> torch.Tensor:
    return torch.as_tensor(x).to(torch.float64)


@dataclass(frozen=True)
class CosineSchedule:
    """Cosine VP schedule, logSNR(t) = -2 ln tan(π/2 · t) truncated to [logsnr_min, logsnr_max]."""

    logsnr_min: float = -15.0  # at t = 1
    logsnr_max: float = 15.0   # at t = 0

    @property
    def _t_range(self) -> tuple[float, float]:
        lo = math.atan(math.exp(-0.5 * self.logsnr_max))
        hi = math.atan(math.exp(-0.5 * self.logsnr_min))
        return lo, hi

    def logsnr(self, t) -> torch.Tensor:
        """logSNR at t (any shape) → float64, decreasing from logsnr_max to logsnr_min."""
        lo, hi = self._t_range
        return -2.0 * torch.log(torch.tan(lo + _f64(t) * (hi - lo)))

    def t_from_logsnr(self, logsnr) -> torch.Tensor:
        """Inverse of `logsnr` (float64)."""
        lo, hi = self._t_range
        return (torch.atan(torch.exp(-0.5 * _f64(logsnr))) - lo) / (hi - lo)

    def alpha_sigma(self, t) -> tuple[torch.Tensor, torch.Tensor]:
        """VP coefficients (alpha, sigma) at t, float64, alpha² + sigma² = 1."""
        return alpha_sigma_from_logsnr(self.logsnr(t))

    def sigma_ve(self, t) -> torch.Tensor:
        """VE noise level sigma/alpha at t (float64)."""
        return torch.exp(-0.5 * self.logsnr(t))

    @property
    def sigma_ve_min(self) -> float:
        return math.exp(-0.5 * self.logsnr_max)

    @property
    def sigma_ve_max(self) -> float:
        return math.exp(-0.5 * self.logsnr_min)

    def sigmas_ve(self, n: int) -> torch.Tensor:
        """(n + 1,) float64 VE noise grid for n sampling steps, uniform in t from 1 down, ending with 0."""
        t = torch.linspace(1.0, 0.0, n + 1, dtype=torch.float64)[:-1]
        return torch.cat([self.sigma_ve(t), torch.zeros(1, dtype=torch.float64)])


def karras_sigmas(n: int, sigma_min: float, sigma_max: float, rho: float = 7.0) -> torch.Tensor:
    """(n + 1,) float64 EDM VE noise grid (Karras et al. 2022, eq. 5), descending, ending with 0."""
    ramp = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    inv_max, inv_min = sigma_max ** (1.0 / rho), sigma_min ** (1.0 / rho)
    sigmas = (inv_max + ramp * (inv_min - inv_max)) ** rho
    return torch.cat([sigmas, torch.zeros(1, dtype=torch.float64)])


def alpha_sigma_from_logsnr(logsnr) -> tuple[torch.Tensor, torch.Tensor]:
    """(alpha, sigma) float64 with alpha² = sigmoid(logSNR), sigma² = sigmoid(-logSNR)."""
    logsnr = _f64(logsnr)
    return torch.sigmoid(logsnr).sqrt(), torch.sigmoid(-logsnr).sqrt()


def vp_from_ve(sigma_ve) -> tuple[torch.Tensor, torch.Tensor]:
    """VE noise level → VP (alpha, sigma), float64: alpha = 1/sqrt(1 + sigma_ve²), sigma = sigma_ve·alpha."""
    sigma_ve = _f64(sigma_ve)
    alpha = torch.rsqrt(1.0 + sigma_ve**2)
    return alpha, sigma_ve * alpha


def ve_from_vp(alpha, sigma) -> torch.Tensor:
    """VP (alpha, sigma) → VE noise level sigma/alpha (float64)."""
    return _f64(sigma) / _f64(alpha)


def min_snr_weight(logsnr, target: str, gamma: float = 5.0) -> torch.Tensor:
    """Min-SNR-γ weight (Hang et al. 2023) for a squared error on `target` ∈ {eps, v, x0}, float64.

    Each weight makes the loss equal min(SNR, γ)·|x0_hat − x0|², whatever the network predicts.
    """
    snr = torch.exp(_f64(logsnr))
    clipped = torch.clamp(snr, max=gamma)
    if target == "x0":
        return clipped
    if target == "eps":
        return clipped / snr
    if target == "v":
        return clipped / (snr + 1.0)
    raise ValueError(f"unknown diffusion target {target!r}; expected one of {TARGETS}")


def x0_from_prediction(pred, x_t, alpha, sigma, target: str):
    """Clean-signal estimate from a network prediction of `target` at VP (alpha (B,), sigma (B,))."""
    a = alpha.to(pred.dtype).reshape(-1, *([1] * (pred.ndim - 1)))
    s = sigma.to(pred.dtype).reshape(-1, *([1] * (pred.ndim - 1)))
    if target == "x0":
        return pred
    if target == "eps":
        return (x_t - s * pred) / a
    if target == "v":  # v = alpha·eps − sigma·x0
        return a * x_t - s * pred
    raise ValueError(f"unknown diffusion target {target!r}; expected one of {TARGETS}")
