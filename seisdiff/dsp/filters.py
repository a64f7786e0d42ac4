"""Zero-phase Butterworth filters along the last axis (PLACEHOLDER: SciPy; to be replaced by numba).

Convention: forward–backward (filtfilt) with odd padding of 3·(2·len(sos)+1) samples, exactly as
`scipy.signal.sosfiltfilt`; the effective order is twice the design order.
"""
from __future__ import annotations

import numpy as np
from scipy import signal


def _sosfiltfilt(sos, x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    return signal.sosfiltfilt(sos, x.astype(np.float64), axis=-1).astype(dtype)


def lowpass(x, fs, fc, order=4):
    """Zero-phase Butterworth low-pass of x (..., n) sampled at fs Hz, cutoff fc Hz. Same dtype out."""
    return _sosfiltfilt(signal.butter(order, fc, "lowpass", fs=fs, output="sos"), x)


def highpass(x, fs, fc, order=4):
    """Zero-phase Butterworth high-pass of x (..., n) sampled at fs Hz, cutoff fc Hz. Same dtype out."""
    return _sosfiltfilt(signal.butter(order, fc, "highpass", fs=fs, output="sos"), x)


def bandpass(x, fs, lo, hi, order=4):
    """Zero-phase Butterworth band-pass of x (..., n) between lo and hi Hz. Same dtype out."""
    return _sosfiltfilt(signal.butter(order, [lo, hi], "bandpass", fs=fs, output="sos"), x)
