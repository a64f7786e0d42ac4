"""Hilbert envelopes and their correlation: the envelope measure shared by evaluation and the
training diagnostics (units of the input; times in s, rates in Hz)."""
from __future__ import annotations

import numpy as np
from scipy.signal import hilbert


def _moving_mean(y, width):
    """(..., n) centred moving mean of y over `width` samples, over fewer at the ends."""
    n = y.shape[-1]
    running = np.zeros(y.shape[:-1] + (n + 1,))
    np.cumsum(y, axis=-1, out=running[..., 1:])
    i = np.arange(n)
    lo = np.maximum(i - (width - 1) // 2, 0)
    hi = np.minimum(i + width // 2 + 1, n)
    return (running[..., hi] - running[..., lo]) / (hi - lo)


def envelope(x, sampling_rate_hz, smooth_s=1.0):
    """Hilbert envelope |x + iH(x)| of x (..., n) sampled at sampling_rate_hz Hz, smoothed by a centred moving
    mean of smooth_s seconds. Returns (..., n) float64 in the units of x."""
    x = np.asarray(x, dtype=np.float64)
    return _moving_mean(np.abs(hilbert(x, axis=-1)), max(1, int(round(smooth_s * sampling_rate_hz))))


def pearson(a, b):
    """(...,) Pearson correlation of a and b (..., n) along the last axis (NaN if one is constant)."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=-1) / np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))


def envelope_correlation(x, y, sampling_rate_hz, smooth_s=1.0):
    """Pearson correlation (...,) of the smoothed envelopes of x and y (..., n, broadcastable)
    sampled at sampling_rate_hz Hz; 1 for identical envelope shapes whatever their scale."""
    return pearson(envelope(x, sampling_rate_hz, smooth_s), envelope(y, sampling_rate_hz, smooth_s))
