"""Write generated accelerograms as one file per record: PEER AT2 (g), miniSEED (m/s²), SAC (nm/s²)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from seisdiff.errors import UserError
from seisdiff.io.record import Record

SUFFIXES = {"at2": ".AT2", "mseed": ".mseed", "sac": ".sac"}


def export_records(out_dir, fmt: str, acc_mps2, sampling_rate_hz: float, names: list[str]) -> list[Path]:
    """Write acc_mps2 (n, L) in m/s² at `sampling_rate_hz` to `out_dir/<name><suffix>` for fmt in
    at2 (.AT2, g), mseed (.mseed, float64 m/s²) or sac (.sac, float32 nm/s², idep=IACC); each file
    appears whole or not at all (written to a temporary name, then renamed). Returns the n paths."""
    if fmt not in SUFFIXES:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(SUFFIXES)}")
    acc = np.asarray(acc_mps2, dtype=np.float64)
    if acc.ndim != 2 or len(acc) != len(names):
        raise UserError(f"export needs acc_mps2 of shape (n, L) and n names; got {acc.shape} and {len(names)} names")
    if len(set(names)) != len(names) or any(not n or Path(n).name != n or n.startswith(".") for n in names):
        raise UserError("export names must be unique plain file names (no folders, not hidden)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for signal, name in zip(acc, names):
        path = out_dir / f"{name}{SUFFIXES[fmt]}"
        temporary = out_dir / f".{path.name}.{os.getpid()}.tmp"
        try:
            _write(temporary, fmt, Record(acc_mps2=signal, sampling_rate_hz=sampling_rate_hz, record_id=name))
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        paths.append(path)
    return paths


def _write(path: Path, fmt: str, rec: Record) -> None:
    if fmt == "at2":
        from seisdiff.io.at2 import write_at2

        write_at2(path, rec.acc_mps2, rec.sampling_rate_hz, rec.record_id)
    elif fmt == "mseed":
        from seisdiff.io.obspy_io import write_mseed

        write_mseed(path, [rec])
    else:
        from seisdiff.io.obspy_io import write_sac

        write_sac(path, rec)
