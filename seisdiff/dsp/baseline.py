"""Baseline correction and end tapering along the last axis (numba, batched over leading axes).

Every function takes x of shape (..., n) in any unit (m/s² for accelerograms) and returns a new
array of the same shape and unit; float32 stays float32, float64 stays float64, anything else comes
back as float64. Sums are accumulated in float64.
"""
from __future__ import annotations

import math
import types

import numpy as np
from numba import njit, prange


def as_records(x):
    """View x (..., n) as C-contiguous records (m, n), float32 kept, anything else as float64."""
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError("expected an array with a time axis (..., n), got a scalar")
    out_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    n_records = int(np.prod(x.shape[:-1]))  # not reshape(-1, n): that fails for empty records
    return np.ascontiguousarray(x.reshape(n_records, x.shape[-1]), dtype=out_dtype)


@njit(cache=True, parallel=True)
def _remove_trend(x, linear, out):
    m, n = x.shape
    t_mid = 0.5 * (n - 1)
    # Σ(i − t_mid)² in closed form: the centred time axis makes slope and mean independent.
    t_sq = n * (n * n - 1.0) / 12.0
    for r in prange(m):
        mean = 0.0
        tx = 0.0
        for i in range(n):
            v = np.float64(x[r, i])
            mean += v
            tx += (i - t_mid) * v
        mean /= max(n, 1)
        slope = tx / t_sq if linear and t_sq > 0.0 else 0.0
        for i in range(n):
            out[r, i] = x[r, i] - (mean + slope * (i - t_mid))


PARALLEL_MIN_RECORDS = 8  # fewer records: the serial kernels below are faster


def serial_twin(kernel, **options):
    """A serial, GIL-free twin of the parallel numba `kernel` (same Python code), cached under its own name.

    For a few records: free of the thread-pool start that parallel kernels pay per call, and without the
    GIL, so callers can run many single records side by side in threads. numba's on-disk cache is keyed by
    the function's name and argument types, not by parallel/nogil: a twin of the same function would load
    the parallel kernel compiled by an earlier process (numba's workqueue layer then aborts the process when
    two threads run it) or leave its serial code to the parallel kernel."""
    py = kernel.py_func
    twin = types.FunctionType(py.__code__, py.__globals__, f"{py.__name__}_serial", py.__defaults__, py.__closure__)
    twin.__qualname__ = f"{py.__qualname__}_serial"
    return njit(cache=True, nogil=True, **options)(twin)


# A few records: the serial twin (see `serial_twin`).
_remove_trend_one = serial_twin(_remove_trend)


def demean(x):
    """x (..., n) minus its mean along the last axis (same shape, unit and float dtype)."""
    rec = as_records(x)
    out = np.empty_like(rec)
    (_remove_trend if rec.shape[0] >= PARALLEL_MIN_RECORDS else _remove_trend_one)(rec, False, out)
    return out.reshape(np.shape(x))


def detrend(x):
    """x (..., n) minus its least-squares straight line along the last axis, as
    `scipy.signal.detrend(x, type="linear")` (same shape, unit and float dtype)."""
    rec = as_records(x)
    out = np.empty_like(rec)
    (_remove_trend if rec.shape[0] >= PARALLEL_MIN_RECORDS else _remove_trend_one)(rec, True, out)
    return out.reshape(np.shape(x))


def tukey_ramp(n, fraction):
    """Rising half of the taper: weights (width+1,) for samples 0..width, float64.

    Identical to the first samples of `scipy.signal.windows.tukey(n, alpha=2·fraction)`:
    width = floor(alpha·(n−1)/2) and w[i] = ½·(1 + cos(π·(2i/(alpha·(n−1)) − 1))).
    """
    alpha = 2.0 * fraction
    if n <= 1 or alpha <= 0.0:
        return np.ones(0)
    width = int(math.floor(alpha * (n - 1) / 2.0))
    i = np.arange(width + 1, dtype=np.float64)
    return 0.5 * (1.0 + np.cos(np.pi * (-1.0 + 2.0 * i / alpha / (n - 1))))


@njit(cache=True, parallel=True)
def _apply_taper(x, ramp, out):
    m, n = x.shape
    k = ramp.shape[0]
    for r in prange(m):
        for i in range(n):
            out[r, i] = x[r, i]
        # The mirrored ramp (tukey's w3) equals the rising one read backwards from the last sample.
        for i in range(k):
            out[r, i] = x[r, i] * ramp[i]
            out[r, n - 1 - i] = x[r, n - 1 - i] * ramp[i]


_apply_taper_one = serial_twin(_apply_taper)


def cosine_taper(x, fraction=0.05):
    """x (..., n) multiplied by a Tukey (cosine-edged) window along the last axis.

    `fraction` (0 ≤ fraction ≤ 0.5) is the share of the record tapered at EACH end, so the window is
    `scipy.signal.windows.tukey(n, alpha=2·fraction)` (fraction = 0.5 gives a Hann window): it is 0
    at the first and last sample and rises as a half cosine over floor(fraction·(n−1)) + 1 samples.
    ObsPy's `taper(max_percentage=p, type="cosine")` uses its own (different) edge convention.
    Returns the same shape, unit and float dtype.
    """
    if not 0.0 <= fraction <= 0.5:
        raise ValueError(f"cosine_taper: fraction must be within [0, 0.5] (per end), got {fraction}")
    rec = as_records(x)
    ramp = tukey_ramp(rec.shape[1], fraction)
    out = np.empty_like(rec)
    (_apply_taper if rec.shape[0] >= PARALLEL_MIN_RECORDS else _apply_taper_one)(rec, ramp, out)
    return out.reshape(np.shape(x))
