"""High-frequency spectral decay κ of an accelerogram (Anderson & Hough, 1984), in seconds.

Above the source corner frequency the Fourier amplitude spectrum of acceleration falls as
A(f) = A0·exp(−π κ f): κ gathers the site's attenuation (κ0) and the path's (grows with distance).
It sets how much energy a record carries at 10–25 Hz for a given low-frequency level, which the
< 1 Hz conditioning cannot tell (MODEL_CARD.md: the held-out events differ by ~0.02 s), so it is a
conditioning input the user may give (`kappa_s` in a metadata CSV) and that preprocessing can
measure on training records (`preprocess --measure-kappa`).

Estimator: the power spectrum |rfft(x)/fs|², divided by the squared gain of the broadband's zero-phase
Butterworth low-pass when its corner is given, averaged in 1 Hz bins over KAPPA_BAND_HZ (and over
channels, as mean log power); κ = −slope/π of the least-squares line through the bins' half-log powers
against frequency. NaN where the band is not below 0.9 × Nyquist or the record is all zero.
"""
from __future__ import annotations

import numpy as np

KAPPA_BAND_HZ = (8.0, 20.0)  # above the corner of M ≳ 4 events, below the 30 Hz broadband corner
BIN_HZ = 1.0


def kappa_s(x, sampling_rate_hz: float, band_hz=KAPPA_BAND_HZ, lowpass_hz: float | None = None, filter_order: int = 4,
            per_record_axes: int = 1) -> np.ndarray:
    """κ in s of records x (…, L) sampled at sampling_rate_hz; the last `per_record_axes` axes (time included)
    form one record, e.g. 2 for (n, C, L) → (n,). lowpass_hz/filter_order: the zero-phase Butterworth
    low-pass the record went through (e.g. the store's upper band corner), divided out. Float64."""
    x = np.asarray(x, np.float64)
    lo_hz, hi_hz = map(float, band_hz)
    if hi_hz > 0.9 * sampling_rate_hz / 2 or lo_hz <= 0 or hi_hz - lo_hz < 2 * BIN_HZ:
        return np.full(x.shape[:x.ndim - per_record_axes], np.nan)
    spec = np.fft.rfft(x, axis=-1) / sampling_rate_hz
    freqs_hz = np.fft.rfftfreq(x.shape[-1], 1.0 / sampling_rate_hz)
    power = np.abs(spec) ** 2
    if lowpass_hz is not None:
        power /= (1.0 / (1.0 + (freqs_hz / lowpass_hz) ** (2 * filter_order))) ** 2
    edges = np.arange(lo_hz, hi_hz + 1e-9, BIN_HZ)
    bins = [b for a, c in zip(edges[:-1], edges[1:]) if (b := (freqs_hz >= a) & (freqs_hz < c)).any()]
    centres = np.array([freqs_hz[b].mean() for b in bins])
    with np.errstate(divide="ignore"):
        log_amp = 0.5 * np.stack([np.log(power[..., b].mean(axis=-1)) for b in bins], axis=-1)
    if per_record_axes > 1:
        log_amp = log_amp.mean(axis=tuple(range(-per_record_axes, -1)))
    fc = centres - centres.mean()
    with np.errstate(invalid="ignore"):  # an all-zero record: −inf − (−inf) → NaN, returned as NaN
        slope = ((log_amp - log_amp.mean(axis=-1, keepdims=True)) * fc).sum(axis=-1) / (fc ** 2).sum()
    kappa = -slope / np.pi
    return np.where(np.isfinite(kappa), kappa, np.nan)
