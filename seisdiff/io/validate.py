"""Sanity checks of one Record before it is stored or used as conditioning."""
from __future__ import annotations

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.record import Record


def check_record(rec: Record, min_duration_s: float = 10.0) -> None:
    """Raise InputError(rec.source_file, reason) when the record cannot be used: nonpositive or
    non-finite sampling rate, no samples, NaN/inf samples, all samples zero, or shorter than
    `min_duration_s` seconds. Returns None when it can."""
    path = rec.source_file or rec.record_id
    acc = np.asarray(rec.acc_mps2)
    label = f"record {rec.record_id}: " if rec.source_file and rec.record_id not in rec.source_file else ""
    rate_hz = rec.sampling_rate_hz
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(path, f"{label}sampling rate {rate_hz} Hz is not positive")
    if acc.ndim != 1 or acc.size == 0:
        raise InputError(path, f"{label}no samples (shape {acc.shape})")
    bad = ~np.isfinite(acc)
    if bad.any():
        raise InputError(path, f"{label}{int(bad.sum())} NaN/inf samples (first at index {int(bad.argmax())})")
    if not acc.any():
        raise InputError(path, f"{label}all samples are zero")
    if rec.duration_s < min_duration_s:
        raise InputError(path, f"{label}only {rec.duration_s:.2f} s long; at least {min_duration_s:g} s are needed")
