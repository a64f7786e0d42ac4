"""Training diagnostics: scale and health checks of one batch (model units), and a generation
check on validation records (with `sample`'s default sampler; converted to m/s² by the scaler)
against the real records.

The checks are those the old project lacked when its signals were silently rescaled: a noise/signal
std ratio far from 1, constant predictions, zero or exploding gradients.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from seisdiff.engine import samplers
from seisdiff.engine.diffusion import LossTerms
from seisdiff.engine.samplers import DEFAULT_SAMPLER, DEFAULT_STEPS
from seisdiff.kernels import reference

GEN_PERIODS_S = np.geomspace(0.05, 5.0, 20)  # PSA periods of the generation check, s


def _summary(name: str, x: torch.Tensor) -> dict:
    x = x.detach().float()
    return {f"{name}_min": float(x.min()), f"{name}_max": float(x.max()), f"{name}_std": float(x.std())}


def batch_report(terms: LossTerms, x0: torch.Tensor, cond: torch.Tensor, grad_norm: float,
                 target: str) -> tuple[dict, list[str]]:
    """Ranges and stds (model units) of the noisy input, conditioning, target and prediction, the
    prediction's number of unique values, the gradient norm and std(eps)/std(x0); plus warnings."""
    eps = reference.noise(terms.seed, x0.shape, x0.device, terms.record_offset)
    tgt = reference.diffusion_target(x0, terms.alpha, terms.sigma, terms.seed, target, terms.record_offset)
    report = {**_summary("noisy", terms.x_t), **_summary("cond", cond), **_summary("target", tgt),
              **_summary("pred", terms.pred), "pred_unique": int(torch.unique(terms.pred.detach()).numel()),
              "grad_norm": float(grad_norm), "signal_std": float(x0.std()), "noise_std": float(eps.std())}
    report["noise_signal_ratio"] = report["noise_std"] / max(report["signal_std"], 1e-30)
    warnings = []
    if report["pred_std"] < 1e-6:
        warnings.append(f"model predicts CONSTANT values (std {report['pred_std']:.2e} < 1e-6)")
    if report["grad_norm"] < 1e-8:
        warnings.append(f"gradients are ZERO (norm {report['grad_norm']:.2e}): the model is not learning")
    elif not math.isfinite(report["grad_norm"]) or report["grad_norm"] > 1e3:
        warnings.append(f"gradients are EXPLODING (norm {report['grad_norm']:.3g})")
    ratio = report["noise_signal_ratio"]
    if not 0.1 <= ratio <= 10.0:
        warnings.append(f"noise/signal std ratio {ratio:.3g} is off by more than 10x: check the data scale")
    return report, warnings


@torch.no_grad()
def quick_sample(denoiser, cond_model: torch.Tensor, scalars: torch.Tensor, sampler: str = DEFAULT_SAMPLER,
                 steps: int = DEFAULT_STEPS, seed: int = 0) -> torch.Tensor:
    """x0 (B, C, L) model units with one of `samplers` (record i draws its noise from seed + i)."""
    sigmas = samplers.get_sigmas(sampler, steps, denoiser)
    generators = [torch.Generator().manual_seed(seed + i) for i in range(cond_model.shape[0])]
    return samplers.sample(sampler, lambda x, s: denoiser(x, s, cond_model, scalars), sigmas, generators,
                           cond_model.shape, cond_model.device)


def generation_report(denoiser, broadband_mps2: np.ndarray, lowpass_mps2: np.ndarray, scalars_meta: dict,
                      sampling_rate_hz: float, steps: int = DEFAULT_STEPS, seed: int = 0, png_path: Path | None = None,
                      device="cpu", sampler: str = DEFAULT_SAMPLER) -> dict:
    """Generate from the lowpass of a few real records (n, C, L) m/s² and compare with their broadband:
    median PGA ratio (generated/real), mean envelope correlation, PSA bias ln(real/generated) averaged
    over records (per period and its mean absolute value). Optionally a PNG of both."""
    from seisdiff.dsp import psa
    from seisdiff.dsp.envelope import envelope_correlation

    scaler = denoiser.scaler
    cond, log_scale = scaler.cond_to_model(torch.from_numpy(lowpass_mps2))
    scalars = scaler.scalars(log_scale, **scalars_meta)
    x0 = quick_sample(denoiser, cond.to(device), scalars.to(device), sampler, steps, seed).cpu()
    gen_mps2 = scaler.to_physical(x0, log_scale).numpy().astype(np.float64)
    real_mps2 = broadband_mps2.astype(np.float64)
    pga_ratio = np.abs(gen_mps2).max(-1) / np.maximum(np.abs(real_mps2).max(-1), 1e-30)
    env = envelope_correlation(gen_mps2, real_mps2, sampling_rate_hz)
    psa_gen, psa_real = psa(gen_mps2, sampling_rate_hz, GEN_PERIODS_S), psa(real_mps2, sampling_rate_hz, GEN_PERIODS_S)
    bias = np.log(np.maximum(psa_real, 1e-30) / np.maximum(psa_gen, 1e-30)).reshape(-1, len(GEN_PERIODS_S)).mean(0)
    report = {"gen_pga_ratio_median": float(np.median(pga_ratio)), "gen_envelope_corr": float(np.nanmean(env)),
              "gen_psa_bias_abs_mean": float(np.abs(bias).mean()), "gen_psa_bias": bias.round(4).tolist(),
              "gen_psa_periods_s": GEN_PERIODS_S.round(4).tolist()}
    if png_path is not None:
        _plot(png_path, real_mps2, gen_mps2, lowpass_mps2, psa_real, psa_gen, sampling_rate_hz)
    return report


def _plot(path, real, gen, lowpass, psa_real, psa_gen, sampling_rate_hz) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(real)
    fig, axes = plt.subplots(n, 2, figsize=(11, 2.2 * n), squeeze=False, gridspec_kw={"width_ratios": [3, 1]})
    t = np.arange(real.shape[-1]) / sampling_rate_hz
    for i in range(n):
        ax = axes[i, 0]
        ax.plot(t, real[i, 0], lw=0.6, label="real")
        ax.plot(t, gen[i, 0], lw=0.6, alpha=0.8, label="generated")
        ax.plot(t, lowpass[i, 0], lw=1.0, color="k", label="low-pass")
        ax.set_ylabel("m/s²")
        axes[i, 1].loglog(GEN_PERIODS_S, psa_real[i, 0], label="real")
        axes[i, 1].loglog(GEN_PERIODS_S, psa_gen[i, 0], label="generated")
        axes[i, 1].set_ylabel("PSA m/s²")
    axes[0, 0].legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("time, s")
    axes[-1, 1].set_xlabel("period, s")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
