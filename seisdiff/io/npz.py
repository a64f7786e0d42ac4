"""The old project's `.npz` records: `signal_broadband` (in g there) with `fs` or `dt`.

Only `signal_broadband` is read, at the scale it is stored: a stored PGA (`pga_*`) is never applied,
that "denormalization" was the old project's 1000x bug (see SCALE_BUGS_FIXED.md). The files carry no
unit, so `units=` is required.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.record import Record
from seisdiff.io.units import UNITS_HELP, canonical_unit, to_mps2_factor


def read_npz(path, units: str | None = None) -> list[Record]:
    """Records from an old-project `.npz`: `signal_broadband` (n,) → one Record with id = file stem,
    (k, n) → k Records `<stem>_<i>`; acc_mps2 = samples × factor(units). InputError (a UserError)
    without `units`, and for a damaged file, a missing key or a missing/nonpositive `fs`/`dt`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            names = list(data.files)
            contents = {key: data[key] for key in names if key in ("signal_broadband", "fs", "dt")}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(path, f"cannot be read as .npz ({exc})") from exc
    if "signal_broadband" not in contents:   # before the unit: a grid saved as .npz is not a unit problem
        raise InputError(path, f"no 'signal_broadband' array in the .npz (it holds {', '.join(names) or 'nothing'}): "
                               "not an old-project record; a station grid is read from HDF5, NetCDF or Zarr "
                               "(README, Sampling: 'Station grids'), not .npz")
    if units is None:
        raise InputError(path, f".npz files declare no unit; pass --units (the old project stored g). {UNITS_HELP}")
    try:
        unit, factor = canonical_unit(units), to_mps2_factor(units)
    except UserError:
        raise InputError(path, f"unknown --units {units!r}; {UNITS_HELP}") from None
    rate_hz = _rate_hz(path, contents)
    signals = np.atleast_2d(np.asarray(contents["signal_broadband"], dtype=np.float64))
    if signals.ndim != 2:
        raise InputError(path, f"'signal_broadband' has shape {signals.shape}; expected (n,) or (k, n)")
    ids = [path.stem] if len(signals) == 1 else [f"{path.stem}_{i}" for i in range(len(signals))]
    return [
        Record(acc_mps2=signal * factor, sampling_rate_hz=rate_hz, record_id=record_id,
               source_file=str(path), units_in_file=unit)
        for signal, record_id in zip(signals, ids)
    ]


def _rate_hz(path: Path, contents: dict) -> float:
    try:
        if "fs" in contents:
            rate_hz = float(contents["fs"])
        elif "dt" in contents:
            dt_s = float(contents["dt"])
            rate_hz = 1.0 / dt_s if dt_s > 0 else 0.0
        else:
            raise InputError(path, "no 'fs' or 'dt' in the .npz: the sampling rate is unknown")
    except (TypeError, ValueError):
        raise InputError(path, "'fs'/'dt' in the .npz is not a single number") from None
    if not np.isfinite(rate_hz) or rate_hz <= 0:
        raise InputError(path, "the sampling rate in the .npz ('fs' or 1/'dt') is not positive")
    return rate_hz
