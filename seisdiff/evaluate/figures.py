"""Evaluation figures (PNG, matplotlib Agg canvas, no pyplot state). Signals in m/s².

Each function draws one figure and writes it to `path`; `systems` maps a name ("model", "lf_only",
"stochastic") to what that system produced, drawn in a fixed colour per name.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from seisdiff.io.atomic import atomic_path

COLORS = {"real": "black", "model": "tab:blue", "lf_only": "tab:gray", "stochastic": "tab:orange"}
DPI = 110


def _save(fig: Figure, path) -> Path:
    """Write fig to path as PNG, atomically (an interrupted run leaves the previous figure whole)."""
    FigureCanvasAgg(fig)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    return Path(path)


def waveforms(path, real_mps2, generated_mps2, real_env_mps2, generated_env_mps2, sampling_rate_hz: float,
              record_ids) -> Path:
    """Overlay of real and generated acceleration (k, L) m/s² with their envelopes (k, L), one
    panel per record."""
    k = len(real_mps2)
    fig = Figure(figsize=(9, 2.2 * k))
    t_s = np.arange(real_mps2.shape[-1]) / sampling_rate_hz
    for i in range(k):
        ax = fig.add_subplot(k, 1, i + 1)
        ax.plot(t_s, real_mps2[i], color=COLORS["real"], lw=0.5, label="real")
        ax.plot(t_s, generated_mps2[i], color=COLORS["model"], lw=0.5, alpha=0.8, label="generated")
        ax.plot(t_s, real_env_mps2[i], color=COLORS["real"], lw=1.2, ls="--", label="real envelope")
        ax.plot(t_s, generated_env_mps2[i], color=COLORS["model"], lw=1.2, ls="--",
                label="generated envelope")
        ax.set_title(str(record_ids[i]), fontsize=9)
        ax.set_ylabel("acceleration (m/s²)")
        if i == 0:
            ax.legend(fontsize=7, ncol=4, loc="upper right")
    ax.set_xlabel("time (s)")
    return _save(fig, path)


def record_spectra(path, period_s, freq_hz, records: list[dict], lowpass_hz: float,
                   titles=("PSA", "FAS")) -> Path:
    """One row per record: PSA (m/s², 5 % damping) and smoothed FAS (m/s) of the real record, of
    each realization of the model (thin) and their geometric mean (thick), and of the stochastic
    baseline. records: dicts with record_id, real_psa (P,), real_fas (F,), model_psa (k, P),
    model_fas (k, F), stochastic_psa (P,), stochastic_fas (F,) (see report.record_spectra); titles:
    what the two panels show (e.g. "RotD50 PSA", "FAS, horizontals' geometric mean")."""
    k = len(records)
    fig = Figure(figsize=(10, 2.8 * k))
    for i, rec in enumerate(records):
        for j, (key, x, xlabel, ylabel, cross) in enumerate((
                ("psa", period_s, "period (s)", "PSA 5 % (m/s²)", 1.0 / lowpass_hz),
                ("fas", freq_hz, "frequency (Hz)", "FAS (m/s)", lowpass_hz))):
            ax = fig.add_subplot(k, 2, 2 * i + j + 1)
            runs = np.asarray(rec[f"model_{key}"])
            for r, curve in enumerate(runs):
                ax.plot(x, curve, color=COLORS["model"], lw=0.5, alpha=0.35,
                        label="model realizations" if r == 0 else None)
            with np.errstate(divide="ignore"):
                ax.plot(x, np.exp(np.log(runs).mean(axis=0)), color=COLORS["model"], lw=1.8,
                        label=f"model, geometric mean of {len(runs)}")
            ax.plot(x, rec[f"stochastic_{key}"], color=COLORS["stochastic"], lw=1.0, label="stochastic")
            ax.plot(x, rec[f"real_{key}"], color=COLORS["real"], lw=1.4, label="real")
            ax.axvline(cross, color="black", ls=":", lw=1.0, label="crossover")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
            ax.set_title(f"{rec['record_id']}: {titles[j]}", fontsize=9)
            ax.set_ylabel(ylabel)
            if i == k - 1:
                ax.set_xlabel(xlabel)
            if i == 0 and j == 0:
                ax.legend(fontsize=7)
    return _save(fig, path)


def _bias_panel(ax, x, systems, band, crossover_x, as_ratio: bool):
    """Bias curves (or exp(−bias) ratios) with the 90 % band of the model."""
    for name, summary in systems.items():
        y = np.exp(-summary["bias"]) if as_ratio else summary["bias"]
        ax.plot(x, y, color=COLORS.get(name), lw=1.8 if name == "model" else 1.2, label=name)
        if name == "model":
            lo, hi = summary["ci90_lo"], summary["ci90_hi"]
            lo, hi = (np.exp(-hi), np.exp(-lo)) if as_ratio else (lo, hi)
            ax.fill_between(x, lo, hi, color=COLORS["model"], alpha=0.25, label="model 90 % CI")
    ax.axhline(1.0 if as_ratio else 0.0, color="black", lw=0.8)
    ax.axvspan(*band, color="green", alpha=0.07, label="headline band")
    ax.axvline(crossover_x, color="black", ls=":", lw=1.0, label="crossover")
    ax.set_xscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def psa_bias(path, period_s, systems: dict, band_s, lowpass_hz: float) -> Path:
    """PSA bias ln(real/generated) vs period (s), 90 % CI of the model; systems: name → summary."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    _bias_panel(ax, period_s, systems, band_s, 1.0 / lowpass_hz, as_ratio=False)
    ax.set_xlabel("period (s)")
    ax.set_ylabel("PSA bias ln(real / generated)")
    ax.set_ylim(-3, 3)
    return _save(fig, path)


def fas_ratio(path, freq_hz, systems: dict, band_hz, lowpass_hz: float) -> Path:
    """Geometric-mean FAS ratio generated/real (= exp(−bias)) vs frequency (Hz)."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    _bias_panel(ax, freq_hz, systems, band_hz, lowpass_hz, as_ratio=True)
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e1)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("FAS ratio generated / real")
    return _save(fig, path)


def scatter(path, real, systems: dict, quantity: str, units: str) -> Path:
    """Generated vs real per record (log–log, 1:1 line); real (N,), systems: name → (N,)."""
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot(1, 1, 1)
    values = [np.asarray(real)] + [np.asarray(v) for v in systems.values()]
    positive = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values])
    lims = (positive.min() / 2, positive.max() * 2) if positive.size else (1e-3, 1.0)
    for name, gen in systems.items():
        ax.scatter(real, gen, s=12, alpha=0.7, color=COLORS.get(name), label=name)
    ax.plot(lims, lims, color="black", lw=0.8, label="1:1")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lims)
    ax.set_ylim(lims)
    ax.set_xlabel(f"real {quantity} ({units})")
    ax.set_ylabel(f"generated {quantity} ({units})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def duration_histogram(path, real_s, systems: dict, quantity: str = "D5–95") -> Path:
    """Histograms of a significant duration (s): real (N,) and systems: name → (N,)."""
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot(1, 1, 1)
    series = {"real": _finite(real_s), **{name: _finite(v) for name, v in systems.items()}}
    everything = np.concatenate(list(series.values()))
    lo, hi = (everything.min(), everything.max()) if everything.size else (0.0, 1.0)
    bins = np.linspace(0.9 * lo, 1.1 * hi + 1e-3, 25)
    for name, values in series.items():
        ax.hist(values, bins=bins, histtype="step", lw=2.0 if name == "real" else 1.3,
                color=COLORS.get(name), label=name)
    ax.set_xlabel(f"{quantity} (s)")
    ax.set_ylabel("records")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[np.isfinite(values)]


def gmm_residuals(path_period, path_distance, periods_s, residual_ln, sigma_ln, rjb_km, band_s) -> tuple[Path, Path]:
    """Residuals ln(observed/predicted) (k, P) of k stations against a ground-motion model (`evaluate.gmm`):
    by period (each station thin, their mean and ±1 sd, the model's ±1 sigma shaded; period 0, PGA, drawn at
    the shortest period's left) and by R_JB (km) at PGA, the shortest period of the band and 1 s (±1 sigma
    shaded)."""
    periods = np.asarray(periods_s, np.float64)
    spectral = periods > 0
    x = np.where(spectral, periods, periods[spectral].min() / 1.6)
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot(1, 1, 1)
    for r in residual_ln[:200]:
        ax.plot(x, r, color=COLORS["model"], lw=0.3, alpha=0.3)
    mean, sd = residual_ln.mean(axis=0), residual_ln.std(axis=0)
    ax.fill_between(x, -sigma_ln.mean(axis=0), sigma_ln.mean(axis=0), color="0.85", label="model's ±1 sigma")
    ax.errorbar(x, mean, yerr=sd, color="black", lw=1.5, capsize=3, label="mean ± sd over stations")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.axvspan(*band_s, color="tab:orange", alpha=0.08, label=f"PSA band {band_s[0]:g}–{band_s[1]:g} s")
    ax.set_xscale("log")
    ax.set_xlabel("period (s); leftmost: PGA")
    ax.set_ylabel("ln(observed / predicted)")
    ax.set_title(f"{len(residual_ln)} stations against the ground-motion model")
    ax.legend(fontsize=7, loc="lower left")
    by_period = _save(fig, path_period)

    picks = [j for j in (int(np.argmin(np.abs(periods - t))) for t in (0.0, band_s[0], 1.0))]
    picks = list(dict.fromkeys(picks))
    fig = Figure(figsize=(4 * len(picks), 3.5))
    for i, j in enumerate(picks):
        ax = fig.add_subplot(1, len(picks), i + 1)
        order = np.argsort(rjb_km)
        ax.fill_between(np.maximum(rjb_km[order], 0.5), -sigma_ln[order, j], sigma_ln[order, j], color="0.85")
        ax.scatter(np.maximum(rjb_km, 0.5), residual_ln[:, j], s=10, color=COLORS["model"])
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("R_JB (km)")
        ax.set_ylabel("ln(observed / predicted)")
        ax.set_title("PGA" if periods[j] == 0 else f"PSA {periods[j]:g} s")
    return by_period, _save(fig, path_distance)
