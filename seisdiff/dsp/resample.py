"""Rational-ratio resampling along the last axis with anti-alias filtering (numba, batched).

Convention: exactly `scipy.signal.resample_poly(x, up, down, axis=-1)` with its defaults — a
linear-phase FIR low-pass `firwin(2·h + 1, 1/max(up, down), window=("kaiser", 5.0))` with
h = 10·max(up, down), cutoff at the lower of the two Nyquist frequencies (−6 dB there), gain `up`,
centred on each output sample, and zeros assumed outside the record. Output sample j sits at time
j/fs_out from the first input sample; the output has ceil(n·up/down) samples.
"""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
from numba import njit, prange
from scipy import signal

from seisdiff.dsp.baseline import PARALLEL_MIN_RECORDS, as_records, serial_twin

# Largest up or down factor accepted: h grows as 20·max(up, down) + 1 taps.
_MAX_FACTOR = 1000
# Outputs accumulated together: the block and its inputs stay in L1 across all taps.
_BLOCK = 256


def rational_factors(fs_in_hz, fs_out_hz):
    """(up, down), coprime integers with fs_out_hz / fs_in_hz = up / down."""
    if not (fs_in_hz > 0 and fs_out_hz > 0):
        raise ValueError(f"resample: sampling rates must be positive, got {fs_in_hz} → {fs_out_hz} Hz")
    ratio = fs_out_hz / fs_in_hz
    frac = Fraction(ratio).limit_denominator(_MAX_FACTOR)
    # Header rates like 1/0.005 = 200.00000000000003 Hz are accepted: only a ratio that no fraction
    # with small terms reproduces is refused.
    if abs(float(frac) - ratio) > 1e-9 * ratio or max(frac.numerator, frac.denominator) > _MAX_FACTOR:
        raise ValueError(f"resample: {fs_in_hz} Hz → {fs_out_hz} Hz is not a ratio up/down of integers "
                         f"≤ {_MAX_FACTOR}; choose a rational output rate")
    return frac.numerator, frac.denominator


def snap_rate(fs_in_hz, fs_out_hz, rtol=1e-4):
    """The input rate to resample fs_in_hz from, to fs_out_hz: fs_in_hz itself when `rational_factors`
    takes it; else the nearest rate fs_out_hz·down/up, up and down ≤ _MAX_FACTOR with the smallest down,
    within rtol of it (header time steps are printed rounded: DT= .0033333 s is 300 Hz, not 300.003 Hz;
    the time axis stretches by at most rtol). ValueError (naming the rates) when there is none."""
    fs_in_hz, fs_out_hz = float(fs_in_hz), float(fs_out_hz)
    try:
        rational_factors(fs_in_hz, fs_out_hz)
        return fs_in_hz
    except ValueError:
        if not (np.isfinite(fs_in_hz) and fs_in_hz > 0 and np.isfinite(fs_out_hz) and fs_out_hz > 0):
            raise ValueError(f"sampling rate {fs_in_hz:g} Hz → {fs_out_hz:g} Hz: rates must be positive") from None
    ratio = fs_out_hz / fs_in_hz
    for down in range(1, _MAX_FACTOR + 1):
        up = round(ratio * down)
        if 1 <= up <= _MAX_FACTOR and abs(up / down - ratio) <= rtol * ratio:
            return fs_out_hz * down / up
    raise ValueError(f"sampling rate {fs_in_hz:g} Hz: no ratio up/down of integers ≤ {_MAX_FACTOR} takes it to "
                     f"{fs_out_hz:g} Hz (within {rtol:g})")


@functools.lru_cache(maxsize=32)
def _polyphase(up, down):
    """Anti-alias FIR split into `up` phases, each reversed: (up, n_taps) float64, and half_len."""
    half_len = 10 * max(up, down)
    h = signal.firwin(2 * half_len + 1, 1.0 / max(up, down), window=("kaiser", 5.0)) * up
    n_taps = -(-h.size // up)
    phases = np.zeros((up, n_taps))
    for p in range(up):
        taps = h[p::up]
        phases[p, n_taps - taps.size:] = taps[::-1]
    return phases, half_len


@njit(cache=True, parallel=True, fastmath={"contract"})
def _resample_records(x, phases, half_len, up, down, out):
    m, n_in = x.shape
    n_out = out.shape[1]
    n_taps = phases.shape[1]
    # Zeros around the record (resample_poly's convention) remove all bounds tests from the sums.
    pad = n_taps + 1
    n_cols = (n_in + 2 * pad + down - 1) // down
    for r in prange(m):
        # Padded input split into `down` interleaved columns: cols[d, c] = padded[c·down + d], so
        # outputs spaced `up` apart read consecutive samples of one column (vectorizable sums).
        cols = np.zeros((down, n_cols))
        for d in range(down):
            first = (d - pad) % down
            c = (first + pad) // down
            for i in range(first, n_in, down):
                cols[d, c] = x[r, i]
                c += 1
        acc = np.empty(_BLOCK)
        for rho in range(min(up, n_out)):
            # Outputs j = rho + up·J share one phase p:
            # out[j] = Σ_u phases[p, u]·padded[base + J·down + u] = Σ_u phases[p, u]·cols[·, · + J].
            n_j = (n_out - rho + up - 1) // up
            c0 = rho * down + half_len
            p = c0 % up
            base = c0 // up - n_taps + 1 + pad
            for j0 in range(0, n_j, _BLOCK):
                nb = min(_BLOCK, n_j - j0)
                acc[:nb] = 0.0
                for u in range(n_taps):
                    g = phases[p, u]
                    col = cols[(base + u) % down, (base + u) // down + j0:]
                    for jj in range(nb):
                        acc[jj] += g * col[jj]
                for jj in range(nb):
                    out[r, rho + up * (j0 + jj)] = acc[jj]


# A few records: serial and GIL-free (see baseline.serial_twin).
_resample_one = serial_twin(_resample_records, fastmath={"contract"})


def resample(x, fs_in, fs_out):
    """Resample x (..., n) from fs_in Hz to fs_out Hz (any ratio up/down of integers ≤ 1000),
    anti-alias filtered; returns (..., ceil(n·up/down)) in x's unit and float dtype (float64 sums).
    Equal rates return a copy."""
    up, down = rational_factors(float(fs_in), float(fs_out))
    rec = as_records(x)
    shape = np.shape(x)[:-1]
    if up == down == 1:
        return rec.copy().reshape(np.shape(x))
    phases, half_len = _polyphase(up, down)
    n_out = -(-rec.shape[1] * up // down)
    out = np.empty((rec.shape[0], n_out), dtype=rec.dtype)
    (_resample_records if rec.shape[0] >= PARALLEL_MIN_RECORDS else _resample_one)(rec, phases, half_len, up, down, out)
    return out.reshape(shape + (n_out,))
