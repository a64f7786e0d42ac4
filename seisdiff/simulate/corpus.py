"""Corpora of stochastic accelerograms (m/s²) with their metadata, and their PEER AT2 export (in g).

Scenarios: events of `records_per_event` records; an event draws Mw uniformly in
`magnitude_range`, each record draws its distance and Vs30 log-uniformly in their ranges, and its
site κ0 log-uniformly in `kappa0_range_s` (from a stream of its own, so a fixed κ0 leaves the
records as they were). Every
event and record has its own random stream derived from (seed, index), so record k is the same
whatever `n_records` is, and a resumed run can skip records without shifting the others.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from seisdiff import G_MPS2
from seisdiff.io.at2 import dt_text
from seisdiff.io.atomic import atomic_path, write_text_atomic
from seisdiff.simulate.stochastic import simulate_motion, simulate_three_component

COMPONENTS = {1: ("H1",), 3: ("H1", "H2", "V")}
METADATA_COLUMNS = ("record_id", "magnitude", "distance_km", "distance_kind", "vs30_mps", "site_kappa0_s", "event")
DISTANCE_KIND = "rupture"   # `distance_km` is the closest distance to the rupture (simulate/stochastic.py)
# site_kappa0_s is the simulator's site term only; the conditioning field kappa_s is the record's whole
# high-frequency decay (site + path), measured by `preprocess --measure-kappa`


EVENT_PREFIX = "SIMEV"  # every simulated event is named SIMEV<index>


def is_simulated(events) -> np.ndarray:
    """(n,) bool: which of the event names (n,) are this simulator's (EVENT_PREFIX)."""
    return np.char.startswith(np.asarray(events, dtype=str), EVENT_PREFIX)


def record_id(index: int) -> str:
    """Id of the `index`-th simulated record, e.g. SIM000123."""
    return f"SIM{index:06d}"


def _rng(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))


def _log_uniform(rng, lo_hi) -> float:
    lo, hi = lo_hi
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def simulate_corpus(n_records: int, magnitude_range=(5.0, 7.5), distance_km_range=(10.0, 200.0),
                    vs30_range=(250.0, 760.0), fs_hz: float = 100.0, n_samples: int = 8192,
                    seed: int = 0, n_components: int = 1, records_per_event: int = 4,
                    skip_ids: Iterable[str] = (), kappa0_range_s=(0.04, 0.04),
                    wave_trains: bool = False) -> Iterator[dict]:
    """Yield one dict per record, in index order, for records not in `skip_ids`:
    record_id (str), event (str), acc_mps2 ((n_components, n_samples) float64, m/s²; components as
    in COMPONENTS), magnitude (Mw), distance_km, vs30_mps (m/s), site_kappa0_s (s), fs_hz.
    wave_trains: P, S and late trains instead of one envelope (`stochastic` module docstring)."""
    if n_components not in COMPONENTS:
        raise ValueError(f"n_components must be 1 or 3, not {n_components}")
    skip = set(skip_ids)
    for index in range(n_records):
        rid = record_id(index)
        if rid in skip:
            continue
        event_index = index // records_per_event
        magnitude = float(_rng(seed, 0, event_index).uniform(*magnitude_range))
        rng = _rng(seed, 1, index)
        distance_km = _log_uniform(rng, distance_km_range)
        vs30_mps = _log_uniform(rng, vs30_range)
        kappa0_s = _log_uniform(_rng(seed, 2, index), kappa0_range_s)
        if n_components == 3:
            acc = simulate_three_component(magnitude, distance_km, vs30_mps, fs_hz, n_samples, rng, kappa_s=kappa0_s,
                                           wave_trains=wave_trains)
        else:
            acc = simulate_motion(magnitude, distance_km, vs30_mps, fs_hz, n_samples, rng, kappa_s=kappa0_s,
                                  wave_trains=wave_trains)[None]
        yield {"record_id": rid, "event": f"{EVENT_PREFIX}{event_index:05d}", "acc_mps2": acc,
               "magnitude": magnitude, "distance_km": distance_km, "vs30_mps": vs30_mps,
               "site_kappa0_s": kappa0_s, "fs_hz": fs_hz}


def at2_text(acc_mps2: np.ndarray, fs_hz: float, magnitude: float, distance_km: float,
             vs30_mps: float, component: str, event: str, station: str) -> str:
    """PEER NGA AT2 file text (new-style header, units g, 5 values per line) of acc_mps2 (n,) m/s².

    Line 2 is PEER's `event, date, station, component`, which the AT2 reader takes by position: the
    event (SIMEV…, as in metadata.csv), an empty date (a simulation has none), the station (the record
    id, one per record: its three components share it and no other record does) and the component.
    M, R and Vs30 go in the title line, which readers ignore, and in metadata.csv."""
    acc_g = np.asarray(acc_mps2, dtype=float) / G_MPS2
    dt = dt_text(fs_hz)                   # PEER's 4 decimals (.0100), more where they are needed: 1/DT is the rate
    header = [f"PEER NGA STRONG MOTION DATABASE RECORD LAYOUT, SIMULATED: M{magnitude:.2f}, "
              f"R={distance_km:.1f} km, VS30={vs30_mps:.0f}",
              f"{event}, , {station}, {component}",
              "ACCELERATION TIME SERIES IN UNITS OF G",
              f"NPTS={acc_g.size:7d}, DT={dt:>8s} SEC"]
    rows = [acc_g[i:i + 5] for i in range(0, acc_g.size, 5)]
    body = ["".join(f"{v:15.7E}" for v in row) for row in rows]
    return "\n".join(header + body) + "\n"


def write_at2_corpus(out_dir, records: Iterable[dict]) -> list[Path]:
    """Write each record of `records` (dicts from `simulate_corpus`) as one AT2 file per component,
    `<record_id>_<component>.AT2` in g, plus `metadata.csv` keyed by file stem (METADATA_COLUMNS), which keeps
    the rows of AT2 files an earlier run left in out_dir. Returns the AT2 paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, rows = [], []
    for rec in records:
        acc = rec["acc_mps2"]
        for component, trace in zip(COMPONENTS[acc.shape[0]], acc):
            path = out_dir / f"{rec['record_id']}_{component}.AT2"
            write_text_atomic(path, at2_text(trace, rec["fs_hz"], rec["magnitude"], rec["distance_km"],
                                             rec["vs30_mps"], component, rec["event"], rec["record_id"]),
                              encoding="ascii")
            paths.append(path)
            rows.append([path.stem, f"{rec['magnitude']:.4f}", f"{rec['distance_km']:.4f}", DISTANCE_KIND,
                         f"{rec['vs30_mps']:.2f}", f"{rec.get('site_kappa0_s', 0.04):.4f}", rec["event"]])
    written = {row[0] for row in rows}
    kept = [row for row in _existing_rows(out_dir) if row[0] not in written]
    with atomic_path(out_dir / "metadata.csv") as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(METADATA_COLUMNS)
        writer.writerows(sorted(kept + rows))
    return paths


def _existing_rows(out_dir: Path) -> list[list[str]]:
    """Rows of an earlier run's metadata.csv in out_dir (METADATA_COLUMNS order) whose AT2 file is still
    there: a run that rewrites only some of the files keeps the others' metadata."""
    try:
        with open(out_dir / "metadata.csv", newline="") as fh:
            table = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [[row.get(col) or (DISTANCE_KIND if col == "distance_kind" else "") for col in METADATA_COLUMNS] for row in table
            if row.get("record_id") and (out_dir / f"{row['record_id']}.AT2").is_file()]
