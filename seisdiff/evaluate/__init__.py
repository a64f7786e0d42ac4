"""Evaluation: ground-motion metrics, spectra, goodness of fit, baselines, figures.

`compute_all(x, sampling_rate_hz)` gives every per-record metric the report uses (per channel;
`compute_three_component` for H1, H2, Z records: the horizontals' — RotD50 PSA, geometric mean of the
rest, mean of durations — and the vertical's apart, `<metric>_vertical`); the functions below are the
pieces (all batched along leading axes, physical units in, float64 out).
"""
from seisdiff.dsp.intensity import arias_intensity, arias_time, cav, husid, significant_duration
from seisdiff.dsp.response import psa, response_spectra, rotd50
from seisdiff.evaluate.metrics import (
    DEFAULT_FREQS_HZ,
    DEFAULT_PERIODS_S,
    compute_all,
    compute_three_component,
    envelope,
    envelope_correlation,
    lowband_consistency,
    pga,
    pgd,
    pgv,
)
from seisdiff.evaluate.spectra import fas, konno_ohmachi, log_freqs, smoothed_fas

__all__ = [
    "psa", "response_spectra", "rotd50",
    "arias_intensity", "arias_time", "husid", "significant_duration", "cav",
    "pga", "pgv", "pgd", "envelope", "envelope_correlation", "lowband_consistency",
    "compute_all", "compute_three_component", "DEFAULT_PERIODS_S", "DEFAULT_FREQS_HZ",
    "fas", "konno_ohmachi", "smoothed_fas", "log_freqs",
]
