"""Samplers against closed forms: a Gaussian x0 ~ N(0, s²) has the exact denoiser x0_hat = s²/(s²+σ²)·x
and the exact probability-flow map x0 = x_T·s/sqrt(s² + σ_T²); the DDPM step is the VP posterior
q(x_s | x_t, x0) of Ho et al. (2020, eq. 7); noise is drawn per record."""
import math

import numpy as np
import pytest
import torch

from seisdiff.engine import samplers
from seisdiff.engine.schedule import CosineSchedule, vp_from_ve

ODE = {"ddim": samplers.sample_ddim, "dpmpp": samplers.sample_dpmpp_2m, "heun": samplers.sample_heun}


class GaussianToy:
    """Stands in for a Denoiser: the exact x0 estimate for x0 ~ N(0, s²), on the cosine schedule's range."""

    def __init__(self, s: float):
        self.s = s
        self.schedule = CosineSchedule()
        self.sigma_min, self.sigma_max = self.schedule.sigma_ve_min, self.schedule.sigma_ve_max
        self.calls = 0

    def __call__(self, x, sigma):
        self.calls += 1
        return x * (self.s**2 / (self.s**2 + sigma**2))


def _ode_error(sampler: str, steps: int, s: float) -> float:
    """Relative error of the sampler's x0 against the exact ODE solution from the same x_T."""
    toy = GaussianToy(s)
    sigmas = samplers.get_sigmas(sampler, steps, toy)
    x_T = torch.ones(1, 1, 1, dtype=torch.float64) * float(sigmas[0])
    exact = float(sigmas[0]) * s / math.sqrt(s**2 + float(sigmas[0]) ** 2)
    return abs(float(ODE[sampler](toy, x_T, sigmas)) / exact - 1.0)


@pytest.mark.parametrize("s", [0.7, 0.1])
def test_ode_samplers_converge_to_the_exact_map(s):
    errors = {name: [_ode_error(name, steps, s) for steps in (10, 20, 40)] for name in ODE}
    for name, (e10, e20, e40) in errors.items():
        assert e40 < e20 < e10, (name, errors[name])
    # first order: halving the step halves the error; DPM-Solver++ and Heun: faster
    assert 1.6 < errors["ddim"][1] / errors["ddim"][2] < 2.4
    assert errors["dpmpp"][2] < 0.01 and errors["heun"][2] < 0.1 and errors["ddim"][2] < 0.2
    assert errors["dpmpp"][1] < errors["ddim"][1] / 3


@pytest.mark.parametrize("sampler,steps", [("ddpm", 1000), ("ddim", 100), ("dpmpp", 25), ("heun", 49)])
def test_sampled_std_matches_the_data_std(sampler, steps):
    s, n_records = 0.7, 200
    toy = GaussianToy(s)
    generators = [torch.Generator().manual_seed(1000 + i) for i in range(n_records)]
    x0 = samplers.sample(sampler, toy, samplers.get_sigmas(sampler, steps, toy), generators, (n_records, 1, 64))
    assert x0.shape == (n_records, 1, 64) and x0.dtype == torch.float32
    # 12 800 draws: the std estimate's own error is ~0.6 %; DDPM with a point estimate of x0 loses a
    # little variance per step, ODE samplers miss the exact map by their discretisation error
    assert float(x0.std()) == pytest.approx(s, rel=0.03)


@pytest.mark.parametrize("sampler", samplers.SAMPLERS)
@pytest.mark.parametrize("steps", [1, 10, 25])
def test_steps_count_model_evaluations(sampler, steps):
    toy = GaussianToy(0.5)
    sigmas = samplers.get_sigmas(sampler, steps, toy)
    samplers.sample(sampler, toy, sigmas, [torch.Generator().manual_seed(0)], (1, 1, 4))
    assert toy.calls == samplers.evaluations(sampler, len(sigmas) - 1) <= steps
    if sampler != "heun":
        assert toy.calls == steps
    else:                                   # 2n − 1 evaluations for n intervals
        assert toy.calls == steps - (1 - steps % 2)


@pytest.mark.parametrize("grid", samplers.GRIDS)
def test_grids_descend_to_zero(grid):
    toy = GaussianToy(1.0)
    sigmas = samplers.get_sigmas("ddim", 12, toy, grid)
    assert sigmas.dtype == torch.float64 and len(sigmas) == 13 and sigmas[-1] == 0.0
    assert torch.all(sigmas[1:] < sigmas[:-1])
    top = toy.sigma_max if grid == "schedule" else samplers.TOP_SIGMA
    assert float(sigmas[0]) == pytest.approx(top, rel=1e-12)
    assert float(sigmas[-2]) >= toy.sigma_min * (1 - 1e-12)
    with pytest.raises(ValueError, match="unknown sampler"):
        samplers.get_sigmas("euler", 10, toy)


def test_ddpm_step_is_the_vp_posterior():
    """One ancestral step from σ_t to σ_s with x0_hat fixed: x_s = mean + std·z with z the record's own
    draw; converted to VP (× α_s) it must be q(x_s | x_t, x0) of Ho et al. (2020), eq. 7."""
    sigma_t, sigma_s = 2.0, 0.6
    x_t = torch.randn(1, 1, 16, dtype=torch.float64)
    x0 = torch.randn(1, 1, 16, dtype=torch.float64)
    sigmas = torch.tensor([sigma_t, sigma_s], dtype=torch.float64)
    outs, draws = [], []
    for seed in (3, 4):
        outs.append(samplers.sample_ddpm(lambda x, s: x0, x_t, sigmas, [torch.Generator().manual_seed(seed)]))
        draws.append(torch.randn(1, 16, generator=torch.Generator().manual_seed(seed)).double())
    std_ve = ((outs[0] - outs[1]) / (draws[0] - draws[1])).mean()
    mean_ve = outs[0] - std_ve * draws[0]
    (a_t, s_t), (a_s, s_s) = vp_from_ve(sigma_t), vp_from_ve(sigma_s)
    a_ts, var_ts = a_t / a_s, s_t**2 - (a_t / a_s) ** 2 * s_s**2
    vp_mean = (a_ts * s_s**2 / s_t**2) * (a_t * x_t) + (a_s * var_ts / s_t**2) * x0   # x_t in VP = α_t·x_ve
    torch.testing.assert_close(a_s * mean_ve, vp_mean, rtol=1e-6, atol=1e-7)  # float32 noise
    assert float(a_s * std_ve) == pytest.approx(math.sqrt(var_ts * s_s**2 / s_t**2), rel=1e-6)


def test_noise_is_drawn_per_record():
    """A record's sample is the same alone or batched with others (ancestral noise included)."""
    toy = GaussianToy(0.5)
    sigmas = samplers.get_sigmas("ddpm", 30, toy)
    together = samplers.sample("ddpm", toy, sigmas, [torch.Generator().manual_seed(s) for s in (7, 8, 9)], (3, 2, 5))
    alone = samplers.sample("ddpm", toy, sigmas, [torch.Generator().manual_seed(8)], (1, 2, 5))
    torch.testing.assert_close(together[1:2], alone, rtol=0, atol=0)
    assert not np.allclose(together[0].numpy(), together[1].numpy())
