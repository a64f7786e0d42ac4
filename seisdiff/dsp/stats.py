"""Per-record summary statistics along the last axis (numba, batched over leading axes)."""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from seisdiff.dsp.baseline import as_records


@njit(cache=True, parallel=True)
def _stats_records(x, mean, std, lo, hi, pga, rms, argpga):
    m, n = x.shape
    for r in prange(m):
        total = 0.0
        total_sq = 0.0
        v_lo = np.inf
        v_hi = -np.inf
        peak = -1.0
        i_peak = 0
        for i in range(n):
            v = np.float64(x[r, i])
            total += v
            total_sq += v * v
            v_lo = min(v_lo, v)
            v_hi = max(v_hi, v)
            if abs(v) > peak:
                peak = abs(v)
                i_peak = i
        mu = total / n
        # Second read, while the record is still in cache: centred sums keep the variance exact
        # for records with a large offset (Σx² − n·μ² would cancel).
        dev = 0.0
        for i in range(n):
            d = x[r, i] - mu
            dev += d * d
        mean[r] = mu
        std[r] = np.sqrt(dev / n)
        lo[r] = v_lo
        hi[r] = v_hi
        pga[r] = peak
        rms[r] = np.sqrt(total_sq / n)
        argpga[r] = i_peak


def record_stats(x):
    """Statistics of each record of x (..., n), n ≥ 1, in x's unit, as float64 arrays of shape (...,):
    mean, std (population, ddof = 0), min, max, pga (max |x|), rms (√mean x²) and argmax_abs (int64,
    first index of the largest |x|, i.e. the sample of the PGA). Same as the NumPy reductions."""
    rec = as_records(x)
    if rec.shape[1] == 0:
        raise ValueError("record_stats: records are empty (n = 0)")
    m = rec.shape[0]
    names = ("mean", "std", "min", "max", "pga", "rms")
    out = {name: np.empty(m) for name in names}
    out["argmax_abs"] = np.empty(m, dtype=np.int64)
    _stats_records(rec, *(out[name] for name in names), out["argmax_abs"])
    shape = np.shape(x)[:-1]
    return {name: a.reshape(shape) for name, a in out.items()}
