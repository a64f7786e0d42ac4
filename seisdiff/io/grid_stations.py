"""The station table of a station grid: name, lat, lon (required), vs30_mps, network (optional), one
row per station of the array, in its order.

From arrays of the grid (at the root or in a subgroup `stations` [station_table]; spellings in
STATION_COLUMNS) or from a CSV given separately, whose header names the same columns; a CSV whose
station names the file also has is matched by name (any row order), else taken in the array's order:
when the file has no names, when its names are a numeric index (`station` = 0, 1, 2 …) or none of them
is in the CSV (one line says so); a CSV that names only some of the file's stations is refused.
Names must be unique and non-empty; lat/lon finite. Anything else: InputError, one line.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.grid_backends import STATION_GROUPS, as_strings, first_attr

STATION_COLUMNS = {
    "name": ("station", "stations", "station_name", "station_code", "name", "code", "sta"),
    "lat": ("lat", "latitude", "station_lat", "sta_lat", "stla"),
    "lon": ("lon", "longitude", "station_lon", "sta_lon", "stlo"),
    "vs30_mps": ("vs30_mps", "vs30"),
    "network": ("network", "net"),
}
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


@dataclass
class StationTable:
    """Per-station columns, each (S,): names str, lat/lon degrees, vs30_mps m/s (NaN unknown),
    network str ('' unknown)."""
    names: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    vs30_mps: np.ndarray
    network: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


def read_station_table(path, nodes, attrs, n_stations, stations_csv, data_name) -> StationTable:
    """The table of a grid at `path` with `n_stations` stations: its own arrays (`nodes`, backend
    arrays by name), merged with `stations_csv` when given; `attrs` may hold one `network` code for all."""
    own = {}
    for group in STATION_GROUPS:
        prefix = f"{group}/" if group else ""
        for column, names in STATION_COLUMNS.items():
            if column in own:
                continue
            found = [nodes[prefix + n] for n in names if prefix + n in nodes
                     and len(nodes[prefix + n].shape) in (1, 2) and nodes[prefix + n].shape[0] > 0]
            if column in ("name", "network"):   # a string array first: `station` is often a numeric index
                found.sort(key=lambda node: node.dtype.kind not in "SUO" and "str" not in str(node.dtype).lower())
            if found:
                own[column] = (found[0].name, found[0])
    for column, (name, node) in own.items():
        if node.shape[0] != n_stations:
            raise InputError(path, f"the station table's '{name}' has {node.shape[0]} rows but {data_name!r} has "
                                   f"{n_stations} stations; the table must list every station of the array, in order")
    table = {c: (as_strings(node.read()) if c in ("name", "network") else _numbers(path, name, node))
             for c, (name, node) in own.items()}
    if stations_csv is not None:
        table = _merge_csv(path, Path(stations_csv), table, n_stations, data_name)
    missing = [c for c in ("name", "lat", "lon") if c not in table]
    if missing:
        raise InputError(path, f"no station {', '.join(missing)} (arrays 'station', 'lat', 'lon' of length "
                               f"{n_stations}); add them to the file or pass a station CSV (name,lat,lon[,vs30])")
    names = np.char.strip(table["name"].astype(str))
    if len(set(names.tolist())) != len(names) or (names == "").any():
        dup = sorted({n for n in names.tolist() if (names == n).sum() > 1 or not n})[:3]
        raise InputError(path, f"station names are not unique and non-empty (e.g. {dup}); fix the station table")
    for c in ("lat", "lon"):
        if not np.isfinite(table[c]).all():
            raise InputError(path, f"station {c} has missing values; every station needs lat and lon")
    if (np.abs(table["lat"]) > 90).any():
        raise InputError(path, "station latitudes outside −90..90; are lat and lon swapped?")
    _, net = first_attr(attrs, ("network",))
    network = table.get("network", np.full(n_stations, str(net or "")))
    vs30 = table.get("vs30_mps", np.full(n_stations, np.nan))
    return StationTable(names, table["lat"], table["lon"], np.where(vs30 > 0, vs30, np.nan), network.astype(str))


def _numbers(path, name, node) -> np.ndarray:
    """(S,) float64 of a numeric station column; a column vector (S, 1), as MATLAB and Fortran codes write
    one, is read as (S,); any other 2-D array is refused."""
    values = node.read().astype(np.float64)
    if values.ndim == 2:
        if values.shape[1] != 1:
            raise InputError(path, f"the station table's '{name}' is {list(values.shape)}: give one value per "
                                   "station (a 1-D array)")
        values = values[:, 0]
    return values


def _merge_csv(path, csv_path: Path, own: dict, n_stations: int, data_name) -> dict:
    if not csv_path.is_file():
        raise UserError(f"{csv_path}: station table not found")
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(row for row in f if row.strip() and not row.lstrip().startswith("#")))
    if not rows:
        raise InputError(csv_path, "empty station table; give a header name,lat,lon[,vs30] and one row per station")
    header = [h.strip().lower() for h in rows[0]]
    columns = {}
    for column, names in STATION_COLUMNS.items():
        idx = next((header.index(n) for n in names if n in header), None)
        if idx is not None:
            columns[column] = idx
    if not {"name", "lat", "lon"} <= set(columns):
        raise InputError(csv_path, f"header {rows[0]} lacks a station name, lat or lon column; "
                                   "write a header such as name,lat,lon,vs30")
    body = rows[1:]
    if len(body) != n_stations:
        raise InputError(csv_path, f"station table has {len(body)} rows but {path.name}:{data_name} has "
                                   f"{n_stations} stations; give exactly one row per station of the array")
    table = {}
    for column, idx in columns.items():
        cells = [r[idx].strip() if idx < len(r) else "" for r in body]
        if column in ("name", "network"):
            table[column] = np.array(cells, dtype=str)
        else:
            try:
                table[column] = np.array([float(c) if c else np.nan for c in cells])
            except ValueError as exc:
                raise InputError(csv_path, f"column {rows[0][idx]!r}: {exc}; give numbers") from None
    if "name" in own:                                   # the file names its stations: match by name
        file_names = np.char.strip(own["name"].astype(str))
        index = {n: i for i, n in enumerate(table["name"].tolist())}
        absent = [n for n in file_names.tolist() if n not in index]
        numeric = all(_NUMBER.fullmatch(n) for n in file_names.tolist())
        if absent and (numeric or len(absent) == len(file_names)):   # an index, or other names: the array's order
            why = "are a numeric index" if numeric else "are none of the table's"
            print(f"{csv_path.name}: the station names of {path.name} ({', '.join(file_names[:3].tolist())}"
                  f"{', ...' if len(file_names) > 3 else ''}) {why}; its rows are taken in the array's order",
                  file=sys.stderr)
            return {**own, **table}
        if absent:
            raise InputError(csv_path, f"stations {absent[:3]} of {path.name} are not in the table "
                                       f"({len(absent)} missing); the table must list the array's stations")
        order = np.array([index[n] for n in file_names.tolist()])
        table = {c: v[order] for c, v in table.items()}
    return {**own, **table}

