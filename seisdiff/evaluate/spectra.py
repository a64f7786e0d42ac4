"""Fourier amplitude spectra and Konno–Ohmachi smoothing, batched along leading axes, float64.

The Konno–Ohmachi window is normalised (a weighted mean, as ObsPy's `normalize=True`) and may be
centred on any frequencies, so spectra of records of different lengths land on one common grid.
The smoothing is one matrix product with a (K, F) weight matrix shared by all records.
"""
from __future__ import annotations

import numpy as np


def log_freqs(f_lo, f_hi, n):
    """n log-spaced frequencies (n,) in Hz from f_lo to f_hi inclusive."""
    return np.geomspace(f_lo, f_hi, n)


def fas(x, sampling_rate_hz):
    """One-sided Fourier amplitude spectrum of x (..., n) m/s² sampled at sampling_rate_hz Hz.

    Returns (freqs_hz (F,), amplitude (..., F) float64 in m/s), F = n // 2 + 1, amplitude |FFT|/sampling_rate_hz:
    a sine of amplitude A lasting T s on a frequency of the grid peaks at A·T/2.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.fft.rfftfreq(x.shape[-1], 1.0 / sampling_rate_hz), np.abs(np.fft.rfft(x, axis=-1)) / sampling_rate_hz


def _konno_ohmachi_weights(freqs_hz, center_freqs_hz, b):
    """(K, F) rows summing to 1: [sin(b·log10(f/fc)) / (b·log10(f/fc))]⁴, zero at f = 0."""
    f = np.asarray(freqs_hz, dtype=np.float64)
    fc = np.asarray(center_freqs_hz, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = b * np.log10(f[None, :] / fc[:, None])
        w = (np.sin(arg) / arg) ** 4
    w[arg == 0.0] = 1.0
    w[:, f <= 0.0] = 0.0
    total = w.sum(axis=1, keepdims=True)
    if not np.all(total > 0):
        raise ValueError("a Konno–Ohmachi centre frequency has no spectral samples in its window")
    return w / total


def konno_ohmachi(freqs_hz, spectra, center_freqs_hz, b=40):
    """Konno–Ohmachi smoothing (bandwidth b) of spectra (..., F) sampled at freqs_hz (F,) Hz,
    evaluated at center_freqs_hz (K,) Hz (positive, at most the top of freqs_hz).
    Returns (..., K) float64, same units as spectra."""
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    center_freqs_hz = np.atleast_1d(np.asarray(center_freqs_hz, dtype=np.float64))
    if np.any(center_freqs_hz <= 0) or np.any(center_freqs_hz > freqs_hz.max()):
        raise ValueError(
            f"centre frequencies must lie in (0, {freqs_hz.max():g}] Hz, "
            f"got {center_freqs_hz.min():g}–{center_freqs_hz.max():g} Hz"
        )
    weights = _konno_ohmachi_weights(freqs_hz, center_freqs_hz, b)
    return np.asarray(spectra, dtype=np.float64) @ weights.T


def smoothed_fas(x, sampling_rate_hz, center_freqs_hz, b=40):
    """Konno–Ohmachi-smoothed FAS (..., K) float64 in m/s of x (..., n) m/s² sampled at sampling_rate_hz Hz,
    at center_freqs_hz (K,) Hz (at most sampling_rate_hz/2)."""
    freqs_hz, amplitude = fas(x, sampling_rate_hz)
    return konno_ohmachi(freqs_hz, amplitude, center_freqs_hz, b)
