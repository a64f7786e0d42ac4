"""Schedules (closed forms), the 1-D U-Net (any length, channels, NaN metadata, conditioning paths)
and the Denoiser's VE ↔ VP conventions (an oracle network must give back x0 exactly)."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from seisdiff.engine.config import ModelConfig
from seisdiff.engine.denoiser import Denoiser
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import (CosineSchedule, alpha_sigma_from_logsnr, karras_sigmas, min_snr_weight,
                                      ve_from_vp, vp_from_ve, x0_from_prediction)
from seisdiff.kernels import reference

TINY = ModelConfig(channels=(8, 16, 16), down_factors=(4, 2), groups=4, emb_dim=32, heads=2)


def test_cosine_schedule_closed_forms():
    sched = CosineSchedule(-15.0, 15.0)
    t = torch.linspace(0, 1, 101, dtype=torch.float64)
    logsnr = sched.logsnr(t)
    assert logsnr.dtype == torch.float64
    assert float(logsnr[0]) == pytest.approx(15.0, abs=1e-9) and float(logsnr[-1]) == pytest.approx(-15.0, abs=1e-9)
    assert bool((logsnr[1:] < logsnr[:-1]).all())
    assert float(sched.logsnr(0.5)) == pytest.approx(0.0, abs=1e-12)         # symmetric truncation
    torch.testing.assert_close(sched.t_from_logsnr(logsnr), t, rtol=0, atol=1e-12)
    alpha, sigma = sched.alpha_sigma(t)
    torch.testing.assert_close(alpha**2 + sigma**2, torch.ones_like(t), rtol=0, atol=1e-14)
    torch.testing.assert_close(torch.log(alpha**2 / sigma**2), logsnr, rtol=0, atol=1e-9)
    # untruncated cosine: alpha = cos(pi t / 2) (Nichol & Dhariwal)
    wide = CosineSchedule(-80.0, 80.0)
    a, _ = wide.alpha_sigma(torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64))
    np.testing.assert_allclose(a.numpy(), np.cos(np.pi / 2 * np.array([0.25, 0.5, 0.75])), atol=1e-9)


def test_ve_vp_conversions_and_grids():
    sigma_ve = torch.logspace(-3, 3, 25, dtype=torch.float64)
    alpha, sigma = vp_from_ve(sigma_ve)
    torch.testing.assert_close(alpha**2 + sigma**2, torch.ones_like(sigma_ve), rtol=0, atol=1e-14)
    torch.testing.assert_close(ve_from_vp(alpha, sigma), sigma_ve, rtol=1e-13, atol=0)
    a2, s2 = alpha_sigma_from_logsnr(-2 * torch.log(sigma_ve))
    torch.testing.assert_close(a2, alpha, rtol=1e-12, atol=0)
    sched = CosineSchedule()
    grid = sched.sigmas_ve(10)
    assert grid.shape == (11,) and grid[-1] == 0 and float(grid[0]) == pytest.approx(sched.sigma_ve_max)
    assert bool((grid[1:] < grid[:-1]).all())
    k = karras_sigmas(8, 0.002, 80.0, rho=7.0)
    assert k.shape == (9,) and k[-1] == 0
    assert float(k[0]) == pytest.approx(80.0) and float(k[-2]) == pytest.approx(0.002)
    mid = (80.0 ** (1 / 7) + 3 / 7 * (0.002 ** (1 / 7) - 80.0 ** (1 / 7))) ** 7   # Karras eq. 5, i = 3
    assert float(k[3]) == pytest.approx(mid, rel=1e-12)


@pytest.mark.parametrize("target", ["eps", "v", "x0"])
def test_min_snr_weights_are_one_x0_space_loss(target):
    """weight_target·|pred − target|² = min(SNR, γ)·|x0_hat − x0|² for any prediction."""
    torch.manual_seed(0)
    b = 6
    logsnr = torch.linspace(-6, 6, b, dtype=torch.float64)
    alpha, sigma = alpha_sigma_from_logsnr(logsnr)
    x0, x_t_noise = torch.randn(b, 1, 32, dtype=torch.float64), torch.randn(b, 1, 32, dtype=torch.float64)
    x_t = alpha[:, None, None] * x0 + sigma[:, None, None] * x_t_noise
    eps = x_t_noise
    true = {"eps": eps, "x0": x0, "v": alpha[:, None, None] * eps - sigma[:, None, None] * x0}[target]
    pred = true + 0.1 * torch.randn_like(true)
    lhs = min_snr_weight(logsnr, target, 5.0) * (pred - true).square().mean(dim=(1, 2))
    x0_hat = x0_from_prediction(pred, x_t, alpha, sigma, target)
    rhs = torch.clamp(torch.exp(logsnr), max=5.0) * (x0_hat - x0).square().mean(dim=(1, 2))
    torch.testing.assert_close(lhs, rhs, rtol=1e-10, atol=0)
    torch.testing.assert_close(x0_from_prediction(true, x_t, alpha, sigma, target), x0, rtol=0, atol=1e-12)


def _randomise_outputs(model: nn.Module) -> None:
    # zero-initialised output layers make a fresh model output 0: give them weights to test the paths
    torch.manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.Conv1d) and not m.weight.abs().sum():
            nn.init.normal_(m.weight, std=0.1)


@pytest.mark.parametrize("length,n_channels", [(4097, 1), (300, 3), (64, 1)])
def test_any_length_keeps_shape(length, n_channels):
    cfg = ModelConfig(**{**TINY.__dict__, "n_channels": n_channels})
    model = UNet1d(cfg)
    _randomise_outputs(model)
    x, cond = torch.randn(2, n_channels, length), torch.randn(2, n_channels, length)
    out = model(x, torch.tensor([0.0, 1.0]), cond, torch.randn(2, 4))
    assert out.shape == (2, n_channels, length) and torch.isfinite(out).all()


def test_conditioning_paths_and_missing_metadata():
    model = UNet1d(TINY).eval()
    _randomise_outputs(model)
    x, cond = torch.randn(2, 1, 256), torch.randn(2, 1, 256)
    scalars = torch.tensor([[0.5, float("nan"), 0.2, float("nan")], [0.5, 0.1, float("nan"), float("nan")]])
    with torch.no_grad():
        base = model(x, torch.zeros(2), cond, scalars)
        assert torch.isfinite(base).all()                                     # NaN = unknown, masked
        alone = model(x[1:], torch.zeros(1), cond[1:], scalars[1:])           # records do not mix
        torch.testing.assert_close(alone, base[1:], rtol=1e-4, atol=1e-5)
        assert (model(x, torch.zeros(2), -cond, scalars) - base).abs().max() > 1e-4
        assert (model(x, torch.full((2,), 2.0), cond, scalars) - base).abs().max() > 1e-4
        other = scalars.clone()
        other[:, 0] = -1.5                                                    # log-scale matters
        assert (model(x, torch.zeros(2), cond, other) - base).abs().max() > 1e-4
        # an unknown value is not the same as a known zero
        zero = torch.nan_to_num(scalars, nan=0.0)
        assert (model(x, torch.zeros(2), cond, zero) - base).abs().max() > 1e-6


class Oracle(nn.Module):
    """Returns the exact target for known x0, from the VP input and ln(sigma_ve) it is given."""

    def __init__(self, x0, target):
        super().__init__()
        self.x0, self.target = x0, target

    def forward(self, x_t, log_sigma_ve, cond, scalars):
        alpha, sigma = vp_from_ve(torch.exp(log_sigma_ve.double()))
        a, s = alpha[:, None, None], sigma[:, None, None]
        eps = (x_t.double() - a * self.x0) / s
        return {"eps": eps, "x0": self.x0, "v": a * eps - s * self.x0}[self.target].float()


@pytest.mark.parametrize("target", ["eps", "v", "x0"])
def test_denoiser_returns_x0_for_an_oracle(target):
    x0 = torch.randn(3, 1, 100, dtype=torch.float64)
    denoiser = Denoiser(Oracle(x0, target), CosineSchedule(), Scaler(), target)
    for sigma_ve in (0.05, 1.0, 20.0):
        eps = reference.noise(5, x0.shape, "cpu").double()
        x_ve = (x0 + sigma_ve * eps).float()
        x0_hat = denoiser(x_ve, sigma_ve, torch.zeros(3, 1, 100), torch.zeros(3, 4))
        tol = 1e-5 * (1 + sigma_ve)
        torch.testing.assert_close(x0_hat.double(), x0, rtol=0, atol=tol)
    # per-record noise levels (B,) work too
    x0_hat = denoiser(x0.float(), torch.tensor([1e-3, 1e-2, 1e-1]), torch.zeros(3, 1, 100), torch.zeros(3, 4))
    assert x0_hat.shape == x0.shape and math.isfinite(float(x0_hat.sum()))
