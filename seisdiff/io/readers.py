"""`read(path)`: any supported waveform file → Records in m/s²; `find_inputs`: files, folders, globs."""
from __future__ import annotations

import glob
import os
from pathlib import Path

from seisdiff.errors import InputError, UserError
from seisdiff.io.record import Record

# Folder expansion skips what is plainly not a waveform (notes, tables, stores, hidden files);
# a file named explicitly is always tried.
_NOT_WAVEFORMS = {".md", ".csv", ".json", ".toml", ".yaml", ".yml", ".py", ".pdf", ".png", ".log",
                  ".xml"}  # StationXML/QuakeML beside the data: read by the readers that need them


def read(path, units: str | None = None, quantity: str | None = None) -> list[Record]:
    """Records (acc_mps2 float64 in m/s²) from one file, by content, whatever the extension: PEER AT2
    (by header; VELOCITY/DISPLACEMENT files and .VT2/.DT2 differentiated), the old project's .npz (a
    zip), a network's native format (seisdiff.io.formats), or anything ObsPy reads.
    `units` is the unit of files that declare none (see seisdiff.io.units.UNITS_HELP); `quantity`
    (acceleration | velocity | displacement; None = acceleration) what their samples are, `units`
    then being a unit of that quantity (seisdiff.io.quantity.UNITS_HELP). Velocity and displacement
    are differentiated once, here (seisdiff.io.quantity; the method and its accuracy are stated
    there). What a file declares wins over `units` and `quantity` (AT2 header, native formats,
    StationXML), except in SAC, where an explicit `units` overrules idep (seisdiff.io.obspy_io).
    InputError naming the file when it is missing, empty, damaged, of unknown format or of unknown
    units. The records are not checked for NaN, zeros or duration: use
    seisdiff.io.validate.check_record."""
    path = Path(path)
    quantity = _checked_quantity(quantity)
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.stat().st_size == 0:
        raise InputError(path, "empty file")
    from seisdiff.io.at2 import looks_like_at2, read_at2
    from seisdiff.io.formats import detect, read_head

    head = read_head(path)      # the first 4 KiB, read once for every format's detection
    if path.suffix.lower() == ".npz" and head.startswith("PK"):   # the old project's .npz: a zip archive
        from seisdiff.io.npz import read_npz

        if quantity is None:
            return read_npz(path, units)
        _need_units(path, quantity, units)
        return _differentiated(path, read_npz(path, "m/s^2"), quantity, units)
    if looks_like_at2(head):
        return read_at2(path)
    native = detect(path, head)
    if native is not None:
        return native.read(path, units)
    from seisdiff.io.obspy_io import read_obspy

    try:
        return read_obspy(path, units, quantity=quantity)
    except InputError as exc:   # a damaged *.AT2/.VT2/.DT2: the AT2 reader says what is wrong with it
        if path.suffix.lower() in (".at2", ".vt2", ".dt2") and exc.reason.startswith("unknown format"):
            return read_at2(path)
        raise


def _checked_quantity(quantity: str | None) -> str | None:
    """None for acceleration; the quantity otherwise; UserError for anything else."""
    from seisdiff.io.quantity import QUANTITIES

    if quantity is None or quantity == "acceleration":
        return None
    if quantity not in QUANTITIES:
        raise UserError(f"unknown quantity {quantity!r}; give one of {', '.join(QUANTITIES)}")
    return quantity


def _need_units(path: Path, quantity: str, units: str | None) -> None:
    from seisdiff.io.quantity import UNITS_HELP

    if units is None:
        raise InputError(path, f"the file holds {quantity} and declares no unit; pass --units "
                               f"({UNITS_HELP[quantity]})")


def _differentiated(path: Path, records: list[Record], quantity: str, units: str | None) -> list[Record]:
    """Records read at unit factor 1 (samples as written) → acceleration in m/s² from `quantity` in `units`."""
    from seisdiff.io.quantity import to_acceleration_mps2

    _need_units(path, quantity, units)
    try:
        for rec in records:
            rec.acc_mps2 = to_acceleration_mps2(rec.acc_mps2, rec.sampling_rate_hz, quantity, units)
            rec.units_in_file = units
            rec.metadata["quantity"] = quantity
    except UserError as exc:
        raise InputError(path, str(exc)) from None
    return records


def find_inputs(inputs: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand input arguments into (files, problems): a file is kept as is, a folder gives its files
    recursively (sorted; hidden files, notes/tables and .zarr stores skipped), a glob pattern its
    matches (`**` recursive). problems lists (input, reason) for inputs that name nothing.
    Files appear once, in the order given."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for item in inputs:
        path = Path(item)
        if path.exists():
            matches = [path]
        elif glob.has_magic(item):
            matches = [Path(m) for m in sorted(glob.glob(item, recursive=True))]
            if not matches:
                problems.append((item, "no file matches this pattern"))
        else:
            matches = []
            problems.append((item, "no such file or folder"))
        for match in matches:
            if match.is_dir() and match.suffix.lower() == ".zarr":
                problems.append((str(match), "is a Zarr store, not a waveform file or folder"))
            elif match.is_dir():
                for found in _folder_files(match):
                    add(found)
            elif match.is_file():
                add(match)
    return files, problems


def _folder_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.lower().endswith(".zarr"))
        found += [Path(root) / n for n in sorted(names)
                  if not n.startswith(".") and Path(n).suffix.lower() not in _NOT_WAVEFORMS]
    return found
