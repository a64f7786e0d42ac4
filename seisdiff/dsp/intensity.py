"""Energy-based intensity measures of acceleration traces: Arias intensity, Husid curve,
significant durations, cumulative absolute velocity. Batched along leading axes, float64.

Integrals are trapezoidal over the samples, time is measured from the first sample, and a
Husid crossing falls between samples by linear interpolation.
"""
from __future__ import annotations

import numpy as np

from seisdiff import G_MPS2


def _cumulative(y, sampling_rate_hz):
    """(..., n) trapezoidal running integral of y (..., n) sampled at sampling_rate_hz, starting at 0."""
    out = np.zeros(y.shape)
    np.cumsum(0.5 * (y[..., 1:] + y[..., :-1]) / sampling_rate_hz, axis=-1, out=out[..., 1:])
    return out


def _cumulative_arias(x, sampling_rate_hz):
    """(..., n) running Arias intensity in m/s of x (..., n) in m/s²."""
    acc = np.asarray(x, dtype=np.float64)
    return np.pi / (2.0 * G_MPS2) * _cumulative(acc * acc, sampling_rate_hz)


def arias_intensity(x, sampling_rate_hz):
    """Arias intensity π/(2g)·∫a²dt (...,) in m/s of x (..., n) in m/s² sampled at sampling_rate_hz."""
    return _cumulative_arias(x, sampling_rate_hz)[..., -1]


def husid(x, sampling_rate_hz):
    """Normalized running Arias intensity (..., n), non-decreasing from 0 to 1, of x (..., n) m/s²
    at sampling_rate_hz. NaN for a record without energy."""
    running = _cumulative_arias(x, sampling_rate_hz)
    total = running[..., -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, running / total, np.nan)


def _crossing_times(curve, sampling_rate_hz, fraction):
    """(...,) s: first time the non-decreasing curve (..., n) reaches `fraction`, interpolated."""
    reached = curve >= fraction
    k = np.argmax(reached, axis=-1)[..., None]
    after = np.take_along_axis(curve, k, axis=-1)[..., 0]
    before = np.take_along_axis(curve, np.maximum(k - 1, 0), axis=-1)[..., 0]
    k = k[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(after > before, (fraction - before) / (after - before), 1.0)
    t = np.where(k > 0, (k - 1 + frac) / sampling_rate_hz, 0.0)
    return np.where(reached.any(axis=-1), t, np.nan)


def arias_time(x, sampling_rate_hz, fraction):
    """Time (...,) in s after the first sample at which the Husid curve of x (..., n) m/s² at sampling_rate_hz
    first reaches `fraction` (0–1), interpolated between samples. NaN for a record without energy."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    return _crossing_times(husid(x, sampling_rate_hz), sampling_rate_hz, fraction)


def significant_duration(x, sampling_rate_hz, lo=0.05, hi=0.95):
    """Significant duration (...,) in s between the Husid fractions lo and hi (D5-95 by default)
    of x (..., n) m/s² at sampling_rate_hz. NaN for a record without energy."""
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"need 0 <= lo < hi <= 1, got lo={lo}, hi={hi}")
    curve = husid(x, sampling_rate_hz)
    return _crossing_times(curve, sampling_rate_hz, hi) - _crossing_times(curve, sampling_rate_hz, lo)


def cav(x, sampling_rate_hz):
    """Cumulative absolute velocity ∫|a|dt (...,) in m/s of x (..., n) m/s² at sampling_rate_hz."""
    return _cumulative(np.abs(np.asarray(x, dtype=np.float64)), sampling_rate_hz)[..., -1]
