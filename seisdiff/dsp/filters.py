"""Zero-phase Butterworth filters along the last axis (numba, batched over leading axes).

Convention: exactly `scipy.signal.sosfiltfilt(sos, x, axis=-1)` with its defaults —
  * each record is extended at both ends by odd reflection (2·x[0] − x[k] before,
    2·x[−1] − x[−1−k] after) over padlen = 3·(2·n_sections + 1 − min(#(b2 = 0), #(a2 = 0)))
    samples, e.g. 15 for an order-4 low-pass (2 sections), 27 for an order-4 band-pass (4 sections);
  * the forward pass starts from the step-response steady state `sosfilt_zi(sos)` times the first
    padded sample, the backward pass from the same state times the last forward output;
  * the padding is cut off again, so the output has the input's length.
The magnitude response is |H|² of the design (effective order doubled, −6 dB at the cutoff) with zero
phase. ObsPy's `filter(..., zerophase=True)` differs: no padding and a zero initial state, so the
first and last seconds of a record differ from ours.
"""
from __future__ import annotations

import functools

import numpy as np
from numba import njit, prange
from scipy import signal

from seisdiff.dsp.baseline import as_records
from seisdiff.errors import UserError

# Records filtered together: the recursion is serial in time but independent across records, so one
# time step advances _LANES records with vector instructions (16 measured fastest: 8 leaves the
# vector loop underused, 32 overflows L2 with the (n_pad, _LANES) buffer).
_LANES = 16


class SignalTooShortError(UserError, ValueError):
    """A record is not longer than the filter's edge padding."""


@njit(cache=True)
def _cascade(sos, zi, buf, z0, z1, forward):
    """Run the sections over buf (n_pad, lanes) in place, in one time direction."""
    n_pad, lanes = buf.shape
    t = 0 if forward else n_pad - 1
    step = 1 if forward else -1
    for s in range(sos.shape[0]):
        for lane in range(lanes):
            z0[s, lane] = zi[s, 0] * buf[t, lane]
            z1[s, lane] = zi[s, 1] * buf[t, lane]
    for _ in range(n_pad):
        row = buf[t]
        for s in range(sos.shape[0]):
            b0, b1, b2, a1, a2 = sos[s, 0], sos[s, 1], sos[s, 2], sos[s, 4], sos[s, 5]
            # Row views (not 3-D indexing) let LLVM prove the lane loop vectorizable.
            w0 = z0[s]
            w1 = z1[s]
            for lane in range(lanes):
                x_in = row[lane]
                y = b0 * x_in + w0[lane]
                w0[lane] = b1 * x_in - a1 * y + w1[lane]
                w1[lane] = b2 * x_in - a2 * y
                row[lane] = y
        t += step


@njit(cache=True, parallel=True)
def _sosfiltfilt_records(sos, zi, x, edge, out):
    m, n = x.shape
    lanes = max(1, min(_LANES, m))  # one long record gets a narrow buffer, not _LANES times its size
    n_blocks = (m + lanes - 1) // lanes
    for block in prange(n_blocks):
        r0 = block * lanes
        n_used = min(lanes, m - r0)
        # Time-major buffer: lane = record, so each time step reads one contiguous vector.
        buf = np.empty((n + 2 * edge, lanes))
        buf[:, n_used:] = 0.0  # idle lanes of the last block still run: keep them finite
        z0 = np.empty((sos.shape[0], lanes))
        z1 = np.empty((sos.shape[0], lanes))
        for lane in range(n_used):
            first = np.float64(x[r0 + lane, 0])
            last = np.float64(x[r0 + lane, n - 1])
            for k in range(1, edge + 1):
                buf[edge - k, lane] = 2.0 * first - x[r0 + lane, k]
                buf[edge + n - 1 + k, lane] = 2.0 * last - x[r0 + lane, n - 1 - k]
        for i in range(n):
            for lane in range(n_used):
                buf[edge + i, lane] = x[r0 + lane, i]
        _cascade(sos, zi, buf, z0, z1, True)
        _cascade(sos, zi, buf, z0, z1, False)
        # Square tiles keep both sides of the transposition in L1.
        for i0 in range(0, n, lanes):
            for lane in range(n_used):
                for i in range(i0, min(n, i0 + lanes)):
                    out[r0 + lane, i] = buf[edge + i, lane]


def _padlen(sos):
    """scipy's default edge padding for sosfiltfilt (odd-order designs have b2 = a2 = 0)."""
    n_taps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * n_taps


def sosfiltfilt(sos, x):
    """Zero-phase filter of x (..., n) with second-order sections sos (n_sections, 6), a0 = 1.

    Same result as `scipy.signal.sosfiltfilt(sos, x, axis=-1)` (see the module docstring), in x's unit;
    float32 in gives float32 out, float64 (or integers) gives float64; accumulation is float64.
    Raises SignalTooShortError (a ValueError) when n ≤ the padding length.
    """
    sos = np.array(sos, dtype=np.float64)  # a writable copy: one numba specialization, any input
    if sos.ndim != 2 or sos.shape[1] != 6 or not np.all(sos[:, 3] == 1.0):
        raise ValueError("sos must have shape (n_sections, 6) with sos[:, 3] == 1")
    rec = as_records(x)
    edge = _padlen(sos)
    if rec.shape[1] <= edge:
        raise SignalTooShortError(
            f"record of {rec.shape[1]} samples is too short for this {len(sos)}-section zero-phase "
            f"filter: it needs more than {edge} samples (edge padding); use longer records"
        )
    out = np.empty_like(rec)
    _sosfiltfilt_records(sos, signal.sosfilt_zi(sos), rec, edge, out)
    return out.reshape(np.shape(x))


def butter_sos(kind, order, cutoffs_hz, sampling_rate_hz):
    """Butterworth second-order sections (n_sections, 6) for kind 'lowpass' | 'highpass' |
    'bandpass', cutoffs_hz a tuple of one or two frequencies in Hz, sampling rate sampling_rate_hz."""
    return _butter_sos(kind, int(order), tuple(float(f) for f in cutoffs_hz), float(sampling_rate_hz)).copy()


@functools.lru_cache(maxsize=64)
def _butter_sos(kind, order, cutoffs_hz, sampling_rate_hz):
    if not all(0.0 < f < sampling_rate_hz / 2.0 for f in cutoffs_hz):
        raise ValueError(f"{kind} cutoff(s) {cutoffs_hz} Hz must lie strictly between 0 and the "
                         f"Nyquist frequency {sampling_rate_hz / 2.0} Hz")
    wn = cutoffs_hz[0] if len(cutoffs_hz) == 1 else list(cutoffs_hz)
    sos = signal.butter(order, wn, kind, fs=sampling_rate_hz, output="sos")
    sos.flags.writeable = False
    return sos


def lowpass(x, sampling_rate_hz, lowpass_hz, order=4):
    """Zero-phase Butterworth low-pass of x (..., n) sampled at sampling_rate_hz, cutoff lowpass_hz
    (−6 dB). Same shape, unit and float dtype out."""
    return sosfiltfilt(_butter_sos("lowpass", int(order), (float(lowpass_hz),), float(sampling_rate_hz)), x)


def highpass(x, sampling_rate_hz, highpass_hz, order=4):
    """Zero-phase Butterworth high-pass of x (..., n) sampled at sampling_rate_hz, cutoff highpass_hz
    (−6 dB). Same shape, unit and float dtype out."""
    return sosfiltfilt(_butter_sos("highpass", int(order), (float(highpass_hz),), float(sampling_rate_hz)), x)


def bandpass(x, sampling_rate_hz, lo, hi, order=4):
    """Zero-phase Butterworth band-pass of x (..., n) sampled at sampling_rate_hz between lo and hi Hz (−6 dB
    edges; 2·order poles). Same shape, unit and float dtype out."""
    return sosfiltfilt(_butter_sos("bandpass", int(order), (float(lo), float(hi)), float(sampling_rate_hz)), x)
