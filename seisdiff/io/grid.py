"""Station grids as simulations write them: one array (stations, components, time), read in blocks.

Files: a Zarr group (v3 or v2, a folder), HDF5 (h5py), NetCDF-4 (an HDF5 file, read with h5py) or
NetCDF-3 classic (scipy.io.netcdf_file, memory-mapped). The convention (spellings accepted in brackets):

  data array   the one 2-D/3-D float array named `acceleration` [acc, accel], `velocity` [vel, veloc],
               `displacement` [disp, displ], or `data` [waveforms, seismograms, traces]; without such a
               name, the only float array with 2 or 3 dimensions. Layout (station, component, time); a
               2-D array is (station, time), one component. Dimension names, where the file has them
               (Zarr v3 dimension_names, xarray `_ARRAY_DIMENSIONS`, NetCDF dimensions, HDF5 dimension
               scales: a label, the scale's NAME or its dataset's name), may put the axes in another order
               when all are recognisable (station [stations, sta, receiver, site, …], component [channel,
               comp, …], time [t, sample, npts, …]); a 2-D array may so be (time, station).
  missing      attributes `_FillValue` / `missing_value` of the data array (raw values, before
               scale_factor/add_offset), where given: samples equal to one are missing, like NaN; so are
               samples outside its `valid_range` [min, max] / `valid_min` / `valid_max` (CF 2.5.1, raw
               values too; valid_range beside a valid_min/valid_max that disagrees is refused).
  units        attribute `units` [unit] of the data array (else of the group), REQUIRED, never guessed:
               an acceleration unit (seisdiff.io.units: g, m/s^2, cm/s^2, …), a velocity unit (m/s,
               cm/s, …) or a displacement unit (m, cm, …). Velocity and displacement are differentiated
               to m/s² once, here (seisdiff.io.quantity.to_acceleration_mps2, its accuracy stated
               there). An attribute `quantity` or the array's name, when given, must agree with the unit;
               a unit given again (`unit`) must name the same quantity and scale; the group's, where the
               array gives its own, is outranked by it (one line on stderr where they differ).
  time step    attribute (array, else group) `dt_s` [dt, delta, time_step_s, sampling_interval_s], s,
               or `sampling_rate_hz` [sampling_rate, fs_hz, fs], Hz; or a 1-D coordinate array
               `time` [t, times] (or the HDF5 dimension scale on the array's time axis made with that NAME,
               in a dataset of that name, or on an axis with that label)
               of evenly spaced times in s (or CF units '<s|ms|us|ns|min|h|d …> since <date>': ISO or as
               UDUNITS writes it, '2007-7-16 1:13:22 +0:00'; a date that cannot be read is refused); a
               `time` without units (or in the unit 1: '1', 'count') holding the sample indices 0…N−1 (or 1…N)
               is an index, read beside a time step attribute and refused without one. Times stored too
               coarsely to give their step (float32 far from zero: 1e5 s rounds to 0.0078 s; integers whose
               steps differ, rounded to one unit: 300 Hz in ms, 3 or 4 ms apart; their rounding over N−1 steps
               beyond 1e-5 of the step) are refused without a time step attribute and checked only to their
               rounding beside one. Each time must lie within its rounding, or one step, of the even grid of the
               first time and the mean step: times whose rate changes within the record (3 ms, then 4 ms apart) are
               refused; float32 times summed step by step (drifting < 1 sample) are read at their mean step.
               Where several are given (spellings, rate and step, the coordinate) they must agree (to less than
               one sample over the record), else the file is refused naming both: one of them would stretch the
               output in time; the group's, where the array gives its own, is outranked by it (a solver's step;
               one line on stderr). REQUIRED.
  start time   attribute `start_time` [starttime, start_time_utc, time_of_first_sample], ISO-8601 UTC
               (naive = UTC); or the CF reference date of the `time` coordinate plus its first value, as
               stored (one line on stderr where it is stored coarser than half a sample: float32 at 1.6e7 s).
               Where several are given (spellings, the CF date) they must agree (half a sample); the group's,
               where the array gives its own, is outranked by it (one line on stderr). Optional ('' when absent).
  components   attribute `components` [component_names, channels] (a list or 'E,N,Z'), or a string
               array `component` [components, channel, channels] of length C; default C0, C1, ….
  stations     arrays of length S: names `station` [stations, station_name, station_code, name,
               code], `lat` [latitude, station_lat, sta_lat], `lon` [longitude, station_lon, sta_lon],
               optional `vs30_mps` [vs30], `network` [net]; at the root or in a subgroup `stations`
               [station_table]. Or a CSV given separately with a header naming the same columns; a CSV
               whose names the file also has is matched by name (any row order). Names must be unique;
               lat/lon are required.
  network      attribute `network` (optional, one code for all stations).

`open_grid(path, …)` checks all of this before anything is read or written, and refuses a file that
breaks it with one line (file, what is wrong, what to do). `GridSource.read_block(lo, hi)` reads only
stations lo..hi (memory ∝ block size × components × samples), converted to float64 m/s².
The file formats are `io.grid_backends`, the station table `io.grid_stations`; the output of a grid run
(same layout, readable here) is written by `io.grid_store`.
"""
from __future__ import annotations

import math
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.formats.common import hypocentral_distance_km, iso_utc
from seisdiff.io.grid_backends import Backend, Node, as_strings, file_signature, first_attr, open_backend
from seisdiff.io.grid_stations import StationTable, read_station_table

LAYOUT = ("station", "component", "time")
DATA_NAMES = {"acceleration": "acceleration", "acc": "acceleration", "accel": "acceleration",
              "velocity": "velocity", "vel": "velocity", "veloc": "velocity",
              "displacement": "displacement", "disp": "displacement", "displ": "displacement",
              "data": None, "waveforms": None, "seismograms": None, "traces": None}
DT_S_ATTRS = ("dt_s", "dt", "delta", "time_step_s", "sampling_interval_s")
RATE_HZ_ATTRS = ("sampling_rate_hz", "sampling_rate", "fs_hz", "fs")
START_ATTRS = ("start_time", "starttime", "start_time_utc", "time_of_first_sample")
UNIT_ATTRS = ("units", "unit")
COMPONENT_ATTRS = ("components", "component_names", "channels")
TIME_NAMES = ("time", "t", "times")
COMPONENT_NAMES = ("component", "components", "channel", "channels")
DIM_ROLES = {
    "station": {"station", "stations", "sta", "receiver", "receivers", "site", "sites", "nsta", "nstations",
                "n_stations", "trace", "traces"},
    "component": {"component", "components", "comp", "channel", "channels", "cmp", "ncomp", "n_components"},
    "time": {"time", "t", "times", "sample", "samples", "nt", "npts", "n_samples", "time_step"},
}
# seconds per unit of a time coordinate, as CF/UDUNITS spell them (UDUNITS: h = hr = hour, d = day = 86,400 s; xarray
# writes datetime64 times as integer milli-, micro- or nanoseconds since the first one where the step is no whole second)
_CF_UNITS_S = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "millisecond": 1e-3,
               "milliseconds": 1e-3, "min": 60.0, "minute": 60.0, "minutes": 60.0,
               "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
               "d": 86400.0, "day": 86400.0, "days": 86400.0,
               "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "microsecond": 1e-6, "microseconds": 1e-6,
               "ns": 1e-9, "nanosecond": 1e-9, "nanoseconds": 1e-9}


class GridSource:
    """A station grid opened for block reads. Signals come out as float64 m/s² at `sampling_rate_hz`.

    n_stations (= len), n_components, n_samples; dt_s, sampling_rate_hz; start_time (ISO UTC or '');
    units (as the file declares), quantity (acceleration | velocity | displacement); components (C,)
    names; stations (StationTable); magnitude, hypocenter (lat, lon, depth_km) given at opening;
    variable: the data array's name.
    """

    def __init__(self, path, backend: Backend, data: Node, perm: tuple[int, ...] | None,
                 units: str, quantity: str, dt_s: float, start_time: str, components: list[str],
                 stations: StationTable, hypocenter=None, magnitude=None):
        self.path = Path(path)
        self._backend, self._data, self._perm = backend, data, perm
        self.variable = data.name                     # the data array's name in the file
        self.units, self.quantity = units, quantity
        self.dt_s, self.start_time = dt_s, start_time
        self.components, self.stations = components, stations
        self.hypocenter = None if hypocenter is None else tuple(float(v) for v in hypocenter)
        self.magnitude = None if magnitude is None else float(magnitude)
        shape = data.shape if perm is None else tuple(data.shape[p] for p in perm)
        if len(shape) == 2:
            shape = (shape[0], 1, shape[1])
        self.n_stations, self.n_components, self.n_samples = shape
        self._scale = float(data.attrs.get("scale_factor", 1.0))
        self._offset = float(data.attrs.get("add_offset", 0.0))
        self._missing = missing_values(data.attrs)
        self._valid = valid_limits(self.path, data.attrs)
        self._distance = None

    def __len__(self) -> int:
        return self.n_stations

    @property
    def sampling_rate_hz(self) -> float:
        return 1.0 / self.dt_s

    @property
    def duration_s(self) -> float:
        return self.n_samples * self.dt_s

    def read_block(self, lo: int, hi: int) -> np.ndarray:
        """Stations lo..hi-1 → (n, C, T) float64 acceleration in m/s² (only those stations are read).
        A trace with any non-finite or missing sample (NaN, inf, the array's _FillValue / missing_value, a
        value outside its valid_range / valid_min / valid_max) comes back all NaN (`nonfinite_traces` finds
        them); the others are read as if it were not there."""
        lo, hi = max(0, int(lo)), min(int(hi), self.n_stations)
        if self._perm is None:
            raw = self._data.read(slice(lo, hi))
        else:
            key = [slice(None)] * len(self._perm)
            key[self._perm[0]] = slice(lo, hi)
            raw = np.transpose(self._data.read(tuple(key)), self._perm)
        raw = raw.reshape(raw.shape[0], 1, raw.shape[1]) if raw.ndim == 2 else raw
        x = np.asarray(raw, dtype=np.float64)
        if len(self._missing):                            # the file's own marks of missing samples
            marks = self._missing.astype(raw.dtype) if raw.dtype.kind == "f" else self._missing
            x[np.isin(raw, marks)] = np.nan
        x[outside_valid(raw, *self._valid)] = np.nan
        if self._scale != 1.0 or self._offset != 0.0:
            x = x * self._scale + self._offset
        bad = nonfinite_traces(x)
        if bad.any():
            x[bad] = 0.0                         # differentiated apart from the others, then marked
            acc = self.to_mps2(x)
            acc[bad] = np.nan
            return acc
        return self.to_mps2(x)

    def to_mps2(self, samples: np.ndarray) -> np.ndarray:
        """Samples in the file's units and quantity → float64 acceleration in m/s²."""
        from seisdiff.io.quantity import to_acceleration_mps2
        from seisdiff.io.units import to_mps2_factor

        if self.quantity == "acceleration":
            return np.asarray(samples, np.float64) * to_mps2_factor(self.units)
        return to_acceleration_mps2(samples, self.sampling_rate_hz, self.quantity, self.units)

    @property
    def distance_km(self) -> np.ndarray:
        """(S,) hypocentral distance of every station from `hypocenter`, km (NaN without one)."""
        if self._distance is None:
            if self.hypocenter is None:
                self._distance = np.full(self.n_stations, np.nan)
            else:
                self._distance = np.array([hypocentral_distance_km(*self.hypocenter, la, lo)
                                           for la, lo in zip(self.stations.lat, self.stations.lon)])
        return self._distance

    def columns(self, lo: int = 0, hi: int | None = None) -> dict[str, np.ndarray]:
        """Model metadata of stations lo..hi: magnitude, distance_km (km), vs30_mps (m/s), hypo_depth_km (the
        level model's, km); NaN = unknown."""
        hi = self.n_stations if hi is None else hi
        mag = np.nan if self.magnitude is None else self.magnitude
        depth_km = np.nan if self.hypocenter is None else self.hypocenter[2]
        return {"magnitude": np.full(hi - lo, mag), "distance_km": self.distance_km[lo:hi].copy(),
                "vs30_mps": self.stations.vs30_mps[lo:hi].astype(np.float64),
                "hypo_depth_km": np.full(hi - lo, depth_km)}

    def metadata(self, i: int) -> dict:
        """Station i: station, network, sta_lat, sta_lon, vs30_mps, magnitude, distance_km, hypo_*,
        start_time (numbers NaN-free: unknown ones are left out)."""
        meta = {"station": str(self.stations.names[i]), "network": str(self.stations.network[i]),
                "start_time": self.start_time, "sta_lat": float(self.stations.lat[i]),
                "sta_lon": float(self.stations.lon[i])}
        extra = {"vs30_mps": float(self.stations.vs30_mps[i]), "distance_km": float(self.distance_km[i]),
                 "magnitude": np.nan if self.magnitude is None else self.magnitude}
        if self.hypocenter is not None:
            extra.update(zip(("hypo_lat", "hypo_lon", "hypo_depth_km"), self.hypocenter))
        meta.update({k: v for k, v in extra.items() if math.isfinite(v)})
        return meta

    def describe(self) -> str:
        return (f"{self.path.name}: {self.n_stations} stations × {self.n_components} components × "
                f"{self.n_samples} samples at {self.sampling_rate_hz:g} Hz ({self.quantity} in {self.units})"
                f"{', start ' + self.start_time if self.start_time else ''}")

    def close(self):
        self._data = None
        self._backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def missing_values(attrs: dict) -> np.ndarray:
    """The raw sample values an array's attributes `_FillValue` and `missing_value` (CF: one value or a
    list) declare missing; the finite ones (NaN is found as NaN anyway)."""
    values = []
    for key in ("_FillValue", "missing_value"):
        given = attrs.get(key)
        for v in (given if isinstance(given, (list, tuple)) else [given]):
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                pass
    values = np.array(values, np.float64)
    return values[np.isfinite(values)]


def valid_limits(path, attrs: dict) -> tuple[float, float]:
    """(lowest, highest) raw sample value an array's CF attributes `valid_range` ([min, max]), `valid_min`,
    `valid_max` allow (CF 2.5.1: values outside are missing); (-inf, inf) where none is given. InputError for one
    that is not numbers, an empty range, or valid_range beside a valid_min/valid_max that disagrees with it (CF
    allows only one of them: readers differ in which one wins)."""
    limits = [-math.inf, math.inf]
    given = attrs.get("valid_range")
    if given is not None:
        values = given if isinstance(given, (list, tuple)) else [given]
        if len(values) != 2:
            raise InputError(path, f"attribute valid_range = {given!r} is not two numbers [min, max]; fix it "
                                   "or remove it")
        limits = [_limit(path, "valid_range", v) for v in values]
    for i, key in enumerate(("valid_min", "valid_max")):
        if attrs.get(key) is None:
            continue
        v = _limit(path, key, attrs[key])
        if given is not None and v != limits[i]:
            raise InputError(path, f"attribute valid_range = {limits[0]:g}..{limits[1]:g} but {key} = {v:g}; "
                                   "CF allows one of them: remove the wrong one")
        limits[i] = v
    if not limits[0] <= limits[1]:
        raise InputError(path, f"the valid range {limits[0]:g}..{limits[1]:g} (valid_range / valid_min / "
                               "valid_max) is empty: every sample would be missing; fix the attributes")
    return limits[0], limits[1]


def _limit(path, key, value) -> float:
    try:
        v = float(value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value)
    except (TypeError, ValueError):
        v = math.nan
    if math.isnan(v):
        raise InputError(path, f"attribute {key} = {value!r} is not a number; fix it or remove it")
    return v


def outside_valid(raw: np.ndarray, lowest: float, highest: float) -> np.ndarray:
    """Where raw samples lie outside [lowest, highest] (compared in the raw type, as the limits are stored in
    it: a float32 grid's 0.1 is not beyond a valid_max of 0.1)."""
    if lowest == -math.inf and highest == math.inf:
        return np.zeros(raw.shape, bool)
    if raw.dtype.kind == "f":
        with np.errstate(over="ignore"):
            lowest, highest = raw.dtype.type(lowest), raw.dtype.type(highest)
    return (raw < lowest) | (raw > highest)


def nonfinite_traces(block: np.ndarray) -> np.ndarray:
    """(n, C) bool: the traces of a (n, C, T) block holding any NaN or inf sample."""
    return ~np.isfinite(block).all(axis=-1)


def looks_like_grid(path) -> bool:
    """Whether `path` is a station-grid file (HDF5/NetCDF signature, or a Zarr group that is not a
    seisdiff record store) rather than a store or waveform files; its layout is checked by `open_grid`."""
    path = Path(path)
    if path.is_dir():
        if (path / "zarr.json").is_file():
            import json

            try:
                attrs = json.loads((path / "zarr.json").read_text()).get("attributes", {})
            except PermissionError:          # the CLI's line: the file cannot be read as you, what to do
                raise
            except (OSError, ValueError):
                return False
            return "n_records" not in attrs          # a seisdiff store commits with n_records
        return (path / ".zgroup").is_file()
    return file_signature(path) in ("hdf5", "netcdf3")


def open_grid(path, stations_csv=None, hypocenter=None, magnitude=None, variable: str | None = None) -> GridSource:
    """Open and check a station grid (see the module docstring for the convention).

    stations_csv: a CSV station table used instead of (or matched by name against) the file's own.
    hypocenter: (lat, lon, depth_km) filling each station's hypocentral distance; magnitude: the event's
    magnitude given to every station. variable: the data array's name when the file holds several.
    Raises InputError (one line) for anything that breaks the convention; reads no signal samples.
    """
    path = Path(path)
    backend = open_backend(path)
    try:
        source = _open(path, backend, stations_csv, hypocenter, magnitude, variable)
    except BaseException:
        backend.close()
        raise
    return source


def _open(path, backend, stations_csv, hypocenter, magnitude, variable):
    nodes = backend.nodes()
    data, name_quantity = _data_node(path, nodes, variable, backend.groups)
    attrs = {**backend.attrs, **data.attrs}          # the array's own attributes win
    perm = _permutation(path, data)
    shape = data.shape if perm is None else tuple(data.shape[p] for p in perm)
    n_stations, n_samples = shape[0], shape[-1]
    n_components = shape[1] if len(shape) == 3 else 1
    _check_axes(path, data, n_stations, n_components, n_samples)      # before names are counted along them
    places = ((f"the array {data.name!r}", data.attrs), ("the file's root", backend.attrs))
    units, quantity = _units(path, attrs, name_quantity, data.name, places)
    dt_s, cf_start, cf_rounding_s = _time_step(path, places, _time_coordinate(nodes, data, perm), n_samples)
    start_time = _agreed_start(path, _start_times(path, places), cf_start, dt_s, cf_rounding_s)
    components = _components(path, attrs, nodes, n_components, data.name)
    stations = read_station_table(path, nodes, attrs, n_stations, stations_csv, data.name)
    if hypocenter is not None:
        lat, lon, depth = (float(v) for v in hypocenter)
        if not (-90 <= lat <= 90 and -180 <= lon <= 360 and 0 <= depth <= 800):
            raise UserError(f"--hypocenter {lat} {lon} {depth}: give LAT (−90..90) LON (degrees) DEPTH_KM (0..800)")
    if magnitude is not None and not 0.0 < float(magnitude) < 10.0:
        raise UserError(f"--magnitude {magnitude}: give a moment magnitude between 0 and 10")
    return GridSource(path, backend, data, perm, units, quantity, dt_s, start_time, components, stations,
                      hypocenter, magnitude)


def _check_axes(path, data, n_stations, n_components, n_samples) -> None:
    if n_samples < 3:
        raise InputError(path, f"the array has {n_samples} samples per trace; a station grid needs whole traces")
    if n_samples < n_components:
        raise InputError(path, f"{data.name!r} {list(data.shape)} reads as {n_stations} stations × {n_components} "
                               f"components × {n_samples} samples: fewer samples than components, so its axes are in "
                               "another order; name its dimensions (station, component, time: Zarr dimension_names, "
                               "NetCDF dimensions, HDF5 dimension scales) or write it in that order")


def _data_node(path, nodes, variable, groups=()):
    if variable is not None:
        node = nodes.get(variable.lower())
        if node is None:
            raise InputError(path, f"no array {variable!r}; it holds {', '.join(n.name for n in nodes.values())}")
        return node, DATA_NAMES.get(variable.lower())
    named = [n for key, n in nodes.items() if key in DATA_NAMES and len(n.shape) in (2, 3)]
    if len(named) > 1:
        raise InputError(path, f"several data arrays ({', '.join(n.name for n in named)}); say which one "
                               "(variable=…)")
    if named:
        return named[0], DATA_NAMES[named[0].name.lower()]
    candidates = [n for n in nodes.values() if len(n.shape) in (2, 3) and n.dtype.kind == "f"
                  and "/" not in n.name]
    if len(candidates) != 1:
        found = ", ".join(f"{n.name}{list(n.shape)}" for n in nodes.values()) or "no array at its root"
        if groups:
            found += f"; groups {', '.join(groups[:3])}{', …' if len(groups) > 3 else ''} ({len(groups)}), not read"
        raise InputError(path, f"no station-grid array found (it holds {found}); a station grid is one array "
                               "(station, component, time) at the root: name it 'acceleration', 'velocity', "
                               "'displacement' or 'data'")
    return candidates[0], None


def _permutation(path, data: Node):
    """Axis order of the data array as (station, component, time) indices ((station, time) for a 2-D
    array), None for the documented one."""
    dims = data.dims
    if not dims or len(dims) != len(data.shape) or len(data.shape) not in (2, 3):
        return None
    roles = [_dim_role(names) for names in (data.dim_aliases or [(d,) for d in dims])]
    layout = LAYOUT if len(dims) == 3 else ("station", "time")
    if None in roles or set(roles) != set(layout):
        return None                                    # unrecognised names: the documented order
    perm = tuple(roles.index(r) for r in layout)
    return None if perm == tuple(range(len(layout))) else perm



def _dim_role(names) -> str | None:
    """'station', 'component' or 'time' by the first of a dimension's names that says one; None if none does."""
    for name in names:
        role = [r for r, known in DIM_ROLES.items() if str(name).lower() in known]
        if role:
            return role[0]
    return None


def _units(path, attrs, name_quantity, data_name, places=()):
    """(units as declared, quantity) of the data array (its own attribute, else the root's); every other unit it
    gives (each spelling) that names a ground-motion unit must name the same quantity and scale; the root's, where
    the array gives its own, are outranked (`_outrank_root`)."""
    from seisdiff.io.quantity import QUANTITIES

    key, unit = first_attr(places[0][1] if places else {}, UNIT_ATTRS)   # the array's own, else the merged
    if unit is None:
        key, unit = first_attr(attrs, UNIT_ATTRS)
    if unit is None:
        raise InputError(path, f"the array {data_name!r} declares no units; add a 'units' attribute (g, m/s^2, "
                               "cm/s^2, m/s, cm/s, m, …): units are never guessed")
    unit = str(unit).strip()
    found = _unit_scale(unit)
    if found is None:
        raise InputError(path, f"units {unit!r} is not an acceleration (g, m/s^2, cm/s^2, …), velocity (m/s, "
                               "cm/s, …) or displacement (m, cm, …) unit; fix the 'units' attribute")
    scaled = [[(where, str(v).strip(), _unit_scale(str(v).strip())) for where, _, v in _every_attr(place, UNIT_ATTRS)]
              for place in (places[:1], places[1:])]
    given = _outrank_root(path, *([(w, (u, sc)) for w, u, sc in vals if sc] for vals in scaled), what="units",
                          same=lambda a, b: _same_scale(a[1][1], b[1][1]))
    _check_units_agree(path, unit, found, [(where, None, u) for where, (u, _) in given])
    _, declared = first_attr(attrs, ("quantity",))
    for said, where in ((declared, "its 'quantity' attribute"), (name_quantity, "its name")):
        if said and str(said).lower() in QUANTITIES and str(said).lower() != found[0]:
            raise InputError(path, f"the array {data_name!r} is {str(said).lower()} by {where} but its units "
                                   f"{unit!r} are {found[0]}; fix the units or the quantity")
    return unit, found[0]


def _unit_scale(unit: str) -> tuple[str, float] | None:
    """(quantity, factor to SI: m/s², m/s or m) of a ground-motion unit; None for anything else."""
    from seisdiff.io.quantity import unit_factor_si
    from seisdiff.io.units import to_mps2_factor

    try:
        return "acceleration", float(to_mps2_factor(unit))
    except UserError:
        pass
    for quantity in ("velocity", "displacement"):
        try:
            return quantity, float(unit_factor_si(quantity, unit))
        except UserError:
            pass
    return None


_SI = {"acceleration": "m/s²", "velocity": "m/s", "displacement": "m"}


def _same_scale(a: tuple[str, float], b: tuple[str, float]) -> bool:
    """Whether two (quantity, factor to SI) of `_unit_scale` are one unit ('m/s^2' and 'm s-2')."""
    return a[0] == b[0] and math.isclose(a[1], b[1], rel_tol=1e-9)


def _check_units_agree(path, unit: str, found: tuple[str, float], given) -> None:
    """InputError when another unit attribute given names a ground-motion unit of another quantity or scale
    (read with either, the output would be off by their ratio); ones that are no such unit are not read."""
    first = None
    for where, _, other in given:
        scale = _unit_scale(str(other).strip())
        if scale is None:
            continue
        if first is None:
            first = where                   # the one read (the same lookup order)
            continue
        if not _same_scale(scale, found):
            raise InputError(path, f"{first} says {unit!r} ({found[0]}, {found[1]:g} {_SI[found[0]]}) but {where} "
                                   f"{str(other).strip()!r} ({scale[0]}, {scale[1]:g} {_SI[scale[0]]}); make them agree "
                                   "(correct or remove the wrong one): read with either, the output would be off "
                                   "by their ratio")


# a CF/UDUNITS reference date as Fortran and C codes write it: fields unpadded ('2007-7-16 1:13:22'), a zone
# after a space ('+0:00', '-6', 'UTC')
_UDUNITS_DATE = re.compile(r"^(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?"
                           r"\s*(?:Z|UTC|GMT|([+-]?)(\d{1,2})(?::?(\d{2}))?)?$", re.I)


def _cf_time(units: str):
    """CF time units '<unit> since <date>' → (seconds per unit, reference datetime UTC); (factor, None) for
    units without a date; (factor, '') for a date that cannot be read."""
    s = str(units).strip()
    m = re.match(r"^\s*(\w+)\s+since\s+(.+)$", s, re.I)
    if m:
        factor = _CF_UNITS_S.get(m.group(1).lower())
        if factor is None:
            return None, None
        return factor, _parse_time(m.group(2)) or _udunits_date(m.group(2)) or ""
    return _CF_UNITS_S.get(s.lower()), None


def _udunits_date(text) -> datetime | None:
    m = _UDUNITS_DATE.match(str(text).strip())
    if m is None:
        return None
    y, mo, d, h, mi, sec, sign, zh, zm = m.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
    zone = timedelta(hours=int(zh or 0), minutes=int(zm or 0)) * (-1 if sign == "-" else 1)
    return moment + timedelta(seconds=float(sec or 0)) - zone


_UTC_SUFFIX = re.compile(r"(?:Z|\s+(?:UTC|GMT))$", re.I)


def _parse_time(text) -> datetime | None:
    s = _UTC_SUFFIX.sub("+00:00", str(text).strip())     # 'Z', 'z' (ISO-8601, RFC 3339), ' UTC', ' utc'
    if re.match(r"^\d{4}-\d{2}-\d{2} \d", s):
        s = s.replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(s)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _every_attr(places, names) -> list[tuple[str, str, object]]:
    """(where, key, value) of every one of `names` given at each place ((label, attrs): the array's, the root's),
    name by name, the array's before the root's: the first is the one a lookup in the merged attributes finds."""
    found = []
    for name in names:
        for label, attrs in places:
            key, value = first_attr(attrs, (name,))
            if value is not None:
                found.append((f"attribute {key} of {label}", key, value))
    return found


def _outrank_root(path, at_array: list, at_root: list, same, what: str) -> list:
    """The (where, value) given at the array, else those given at the file's root. The array's attributes describe
    the array; a root one that disagrees (a solver's time step beside the output's, the units of coordinates) is not
    read, and one line on stderr names both. Values given at one place must agree: the callers refuse them."""
    if not at_array:
        return at_root
    for where, value in at_root:
        if not same((where, value), at_array[0]):
            print(f"grid {path}: {where} ({_shown(value)}) differs from {at_array[0][0]} ({_shown(at_array[0][1])}): "
                  f"the array's {what} is read; remove the root's if it describes the array", file=sys.stderr)
    return at_array


def _shown(value) -> str:
    return str(value[0]) if isinstance(value, tuple) else f"{value:g} s" if isinstance(value, float) else str(value)


def _time_coordinate(nodes, data: Node, perm) -> Node | None:
    """The time coordinate: the 1-D array named time [t, times], else the HDF5 dimension scale attached to the data
    array's time axis when one of that axis' names is one of those: the scale's NAME (h5py make_scale("time"),
    netCDF-4), its dataset's name, or the dimension's label (dims[i].label = "time" beside a scale made without a
    NAME, in a dataset t_s)."""
    named = next((nodes[n] for n in TIME_NAMES if n in nodes and len(nodes[n].shape) == 1), None)
    if named is not None or not data.dim_scales:
        return named
    axis = len(data.shape) - 1 if perm is None else perm[-1]
    scale = data.dim_scales[axis]
    if scale is None or len(scale.shape) != 1:
        return None
    names = {str(scale.attrs.get("NAME", "")).strip().lower(), scale.name.rsplit("/", 1)[-1].lower()}
    names |= {str(n).strip().lower() for n in (data.dim_aliases[axis] if data.dim_aliases else ())}
    return scale if names & set(TIME_NAMES) else None


def _time_step(path, places, time: Node | None, n_samples) -> tuple[float, str, float]:
    """(dt in s, start time from a CF time coordinate or '', that start's rounding in s). Every time step given (each
    spelling and as a rate at the array, else at the root, `_outrank_root`; as the time coordinate `time`) must agree
    with the first."""
    steps = [[(where, _positive(path, key, dt)) for where, key, dt in _every_attr(place, DT_S_ATTRS)]
             + [(where, 1.0 / _positive(path, key, rate)) for where, key, rate in _every_attr(place, RATE_HZ_ATTRS)]
             for place in (places[:1], places[1:])]
    values = [(where, v, 0.0) for where, v in _outrank_root(
        path, *steps, what="time step", same=lambda a, b: abs(a[1] - b[1]) <= 1e-6 * b[1])]
    cf_start, cf_rounding_s = "", 0.0
    raw = None if time is None else time.read()          # once: 1-D, its length the samples'
    if time is not None and _sample_indices(path, time, raw, n_samples, given_step=bool(values)):
        time = None                            # indices beside a time step: the coordinate tells no time
    if time is not None and time.shape[0] >= 2:
        dt_time, rounding_s, cf_start, cf_rounding_s = _coordinate_step(path, time, raw, n_samples,
                                                                        values[0][:2] if values else None)
        values.append(("the time coordinate", dt_time, rounding_s))
    if not values:
        raise InputError(path, "no time step: add an attribute dt_s (seconds; also dt, delta) or "
                               "sampling_rate_hz, or a 'time' coordinate in seconds")
    ref_name, ref, _ = values[0]
    for name, v, rounding in values[1:]:
        if abs(v - ref) > max(1e-6 * ref + rounding, MAX_TIME_OFFSET_SAMPLES * ref / max(n_samples - 1, 1)):
            raise InputError(path, f"{ref_name} gives a time step of {ref:g} s but {name} {v:g} s; "
                                   "make them agree (correct or remove the wrong one): read with either, the "
                                   "output would be stretched or squeezed in time")
    return ref, cf_start, cf_rounding_s


# a time coordinate gives its step to (its values' rounding)/(N−1); beyond this share of the step it is too coarse to
# be the time step (float32 1e5 + k·0.01 s: 0.0100022 s, 99.978 Hz), and a time step attribute is needed beside it
COARSE_STEP_SHARE = 1e-5


def _coordinate_step(path, time: Node, raw: np.ndarray, n_samples, given_step):
    """(its time step in s, that step's rounding in s, its CF start time or '', that start's rounding in s) of a time
    coordinate holding times (`raw`, its values as read). Times stored with a precision (np.spacing of the largest, in
    their dtype) too coarse to give their step (`COARSE_STEP_SHARE`) are refused without a time step attribute
    (`given_step`: (where, s), the first one given) and checked only to their precision beside one: each step
    (`_time_rounding`) and each time (`_check_even`)."""
    given_step_s = given_step[1] if given_step else None
    if time.shape[0] != n_samples:
        raise InputError(path, f"the time coordinate has {time.shape[0]} values but the traces {n_samples} "
                               "samples; make them match")
    units = "s" if _no_unit(time.attrs.get("units")) else time.attrs["units"]   # times without units: s
    factor, reference = _cf_time(units)
    if factor is None:
        raise InputError(path, f"the time coordinate's units {units!r} are not seconds "
                               "(or '<seconds|ms|us|ns|minutes|hours|days> since <ISO date>'); fix them or give a dt_s "
                               "attribute")
    if reference == "":
        raise InputError(path, f"the time coordinate's units {units!r} name no date that can be "
                               "read (e.g. 'seconds since 2019-07-06 03:19:53.04'); fix them, or write them in "
                               "seconds and give a start_time attribute")
    # integer times are exact: their steps are taken from the integers (int64 ns or ms since 1970 as float64 are
    # rounded to 256 ns and 0.24 µs, which would read as an uneven step); the first time apart for the CF start
    whole = raw.dtype.kind in "iu"
    t = (raw.astype(np.int64) - np.int64(raw[0]) if whole else raw).astype(np.float64) * factor
    first_s = float(raw[0]) * factor if whole else float(t[0])
    if not np.isfinite(t).all():
        raise InputError(path, f"the time coordinate {time.name!r} holds {np.count_nonzero(~np.isfinite(t))} NaN or "
                               "infinite times; give every sample its time, or remove the coordinate and give dt_s")
    dt_time = float((t[-1] - t[0]) / (len(t) - 1))
    rounding_s, precision_s = _time_rounding(raw, t, factor)
    coarse = not precision_s <= COARSE_STEP_SHARE * abs(given_step_s or dt_time) * (len(t) - 1)
    increasing = dt_time > 0 or coarse and given_step_s is not None and t[-1] >= t[0]   # to its rounding
    if not increasing or np.abs(np.diff(t) - dt_time).max() > 1e-6 * dt_time + 1e-9 + rounding_s:
        raise InputError(path, "the time coordinate is not evenly spaced and increasing; resample the grid "
                               "to a constant time step")
    _check_even(path, t, dt_time, precision_s, given_step)
    if coarse and given_step_s is None:
        stored = f"whole {str(units).split()[0]} ({raw.dtype})" if whole else \
            f"{raw.dtype} up to {float(np.abs(t).max()):g} s"
        raise InputError(path, f"the time coordinate {time.name!r} holds times too coarse for their step: as "
                               f"{stored} they are rounded to {precision_s:.2g} s, so their step ({dt_time:.6g} s) is "
                               f"off by up to {precision_s / (len(t) - 1):.2g} s; "
                               "add a dt_s (seconds) or sampling_rate_hz attribute to the array, or store the times "
                               f"{'in a finer unit' if whole else 'as float64'}")
    cf_start = "" if reference is None else iso_utc(reference + timedelta(seconds=first_s))
    # the start's own rounding: a float first time's spacing, not the largest's (float32 from 65,500 s: 0.0039 s, where
    # the times past 65,536 s are rounded to 0.0078 s); integers rounded to a unit: half of it
    first_precision_s = float(np.spacing(np.abs(raw[0]))) * factor if raw.dtype.kind == "f" else precision_s
    return dt_time, rounding_s / (len(t) - 1), cf_start, first_precision_s / 2


# A time less than one step from its place on the even grid labels the same sample: times summed in float32 (t += dt)
# drift so (0.86 samples over 12000 at 100 Hz) while the solver's step stayed constant: they are read at their mean
# step, or with a time step attribute whose grid ends less than one step from theirs (`_time_step`)
MAX_TIME_OFFSET_SAMPLES = 1.0


def _check_even(path, t: np.ndarray, dt_time: float, precision_s: float, given_step) -> None:
    """InputError (one line: the time furthest off, by how much in s and samples, and the time step attribute
    `given_step` ((where, s) or None) it disagrees with) where a time lies beyond its rounding (`precision_s`, one
    unit or float spacing: the fit's two ends and the time itself, each to half of it) of the even grid of the first
    time and the mean step `dt_time`, and at least MAX_TIME_OFFSET_SAMPLES steps. Steps each within their rounding of
    the mean (`_time_rounding`: one unit per step) let a rate that changes within the record pass: 3 ms, then 4 ms
    steps beside dt_s = 3.5 ms."""
    off_s = t - t[0] - np.arange(len(t)) * dt_time
    float_s = 4 * np.finfo(np.float64).eps * np.abs(t).max()          # t − t0 − k·dt computed in float64
    allowed_s = max(precision_s + (len(t) - 1) / 2 * (1e-6 * dt_time + 1e-9) + float_s,
                    MAX_TIME_OFFSET_SAMPLES * dt_time)       # labels rounded as they were summed: the same samples
    k = int(np.argmax(np.abs(off_s)))
    if abs(off_s[k]) <= allowed_s:
        return
    said = (f"the time coordinate is not evenly spaced: its time {k} ({t[k] - t[0]:g} s after its first) is "
            f"{off_s[k]:+.3g} s ({_samples_shown(off_s[k] / dt_time)} samples) from the even grid of its mean step "
            f"({dt_time:.6g} s), beyond its rounding or one step ({allowed_s:.2g} s): its rate changes within the "
            "record")
    if given_step is None:
        raise InputError(path, f"{said}; resample the grid to a constant time step")
    raise InputError(path, f"{said}, so read with {given_step[0]} ({given_step[1]:g} s) sample {k} would come out at "
                           f"{k * given_step[1]:g} s, not at its time; correct the times (or remove the coordinate) if "
                           "the attribute is right, else resample the grid to a constant time step")


def _samples_shown(samples: float) -> str:
    """An offset in samples as the refusal shows it: to a tenth under 10 (+1.1, never +1 for one past the one step
    allowed), whole beyond (-71)."""
    return f"{samples:+.1f}" if abs(samples) < 10 else f"{samples:+.0f}"


def _time_rounding(raw: np.ndarray, t: np.ndarray, factor: float) -> tuple[float, float]:
    """(allowance of one step in s, precision of one time in s) of a time coordinate's stored values `raw` (`t`: in s).
    Float times are rounded to their spacing in their dtype (float32: ~6e-8 of their size, 4e-6 s at 60 s; the
    allowance two values' rounding). Integer times whose steps differ are rounded to one unit (300 Hz in ms: 3 or 4 ms
    apart): one unit a step, and the step read over N−1 steps off by one unit; integer times of one step are exact."""
    if raw.dtype.kind == "f":
        precision_s = float(np.spacing(np.abs(raw).max())) * factor
        return 2 * float(np.finfo(raw.dtype).eps) * float(np.abs(t).max()), precision_s
    steps = np.diff(raw.astype(np.int64))
    if (steps == steps[0]).all():
        return 0.0, 0.0
    return factor * len(t) / (len(t) - 1), factor


def _sample_indices(path, time: Node, raw: np.ndarray, n_samples: int, given_step: bool) -> bool:
    """Whether a time coordinate (`raw`, its values as read) without units, or in the unit 1 (`_unit_one`: CF's '1',
    UDUNITS' 'count'), holds the sample indices 0…N−1 (or 1…N), not times; InputError when it does and no time step
    is given beside it (read as seconds it would make dt = 1 s, a grid refused later as too coarse with no word of
    why)."""
    units = time.attrs.get("units")
    if not (_no_unit(units) or _unit_one(units)) or time.shape[0] != n_samples or n_samples < 2:
        return False
    first = raw[0] if raw.dtype.kind in "iuf" else None
    if first not in (0, 1) or not np.array_equal(raw, np.arange(first, first + n_samples)):
        return False
    if not given_step:
        said = ("has no units", " (read as seconds: a time step of 1 s)") if _no_unit(units) else \
            (f"is a number (units {str(units).strip()!r})", "")
        raise InputError(path, f"the time coordinate {time.name!r} {said[0]} and holds the sample indices "
                               f"{first:g}…{first + n_samples - 1:g}, not times{said[1]}; "
                               "add a dt_s (seconds) or sampling_rate_hz attribute to the array, or give the "
                               "coordinate its times and units (e.g. 'seconds since 2019-07-06 03:19:53.04')")
    return True


def _no_unit(units) -> bool:
    """Whether a coordinate's `units` attribute says nothing: absent, empty or blank (an empty string names no unit)."""
    return units is None or not str(units).strip()


def _unit_one(units) -> bool:
    """Whether `units` is the unit 1, a plain number, as CF and UDUNITS write it: '1' ('1.0'), 'count', 'counts'
    (not a scaled one: 'percent', '100')."""
    text = str(units).strip().lower()
    try:
        return float(text) == 1.0
    except ValueError:
        return text in ("count", "counts")


def _positive(path, key, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise InputError(path, f"attribute {key} = {value!r} is not a positive number; fix it")
    return v


def _start_times(path, places) -> list[list[tuple[str, str]]]:
    """[at the array, at the root]: (where, ISO UTC) of every start-time attribute given there (each spelling)."""
    found = [[], []]
    for i, place in enumerate((places[:1], places[1:])):
        for where, key, value in _every_attr(place, START_ATTRS):
            moment = _parse_time(value)
            if moment is None:
                raise InputError(path, f"{where} = {value!r} is not an ISO-8601 time "
                                       "(e.g. 2019-07-06T03:19:53.04Z); fix it or remove it")
            found[i].append((where, iso_utc(moment)))
    return found


def _agreed_start(path, attr_starts: list[list[tuple[str, str]]], cf_start: str, dt_s: float,
                  cf_rounding_s: float = 0.0) -> str:
    """The start time given by the attributes (the array's, else the root's: `_outrank_root`) and/or the time
    coordinate's CF date; where several are given they must agree within half a sample (and the coordinate's
    rounding, `cf_rounding_s`: float32 times far from zero; the first attribute's is read). The coordinate's start read
    alone, as stored, is said on stderr where its rounding exceeds half a sample (float32 at 1.6e7 s: ±0.5 s)."""
    apart_s = lambda a, b: abs((_parse_time(a[1]) - _parse_time(b[1])).total_seconds())   # noqa: E731
    given = _outrank_root(path, *attr_starts, what="start time", same=lambda a, b: apart_s(a, b) <= dt_s / 2)
    given = [(where, start, 0.0) for where, start in given]
    given = given + ([("the time coordinate's first time", cf_start, cf_rounding_s)] if cf_start else [])
    if not given:
        return ""
    (ref_where, ref, ref_rounding_s), others = given[0], given[1:]
    if ref_rounding_s > dt_s / 2:                   # the coordinate's start alone, coarser than half a sample
        print(f"grid {path}: the start time {ref} is the time coordinate's first time, stored only to "
              f"±{ref_rounding_s:.2g} s (more than half a sample, {dt_s / 2:g} s); give a start_time attribute, "
              "or store the times as float64, to give it exactly", file=sys.stderr)
    for where, start, rounding_s in others:
        off_s = (_parse_time(ref) - _parse_time(start)).total_seconds()
        if abs(off_s) > dt_s / 2 + rounding_s:
            raise InputError(path, f"{ref_where} {ref} is {off_s:+g} s from {where} {start}; make them agree "
                                   "(correct or remove the wrong one)")
    return ref


def _components(path, attrs, nodes, n_components, data_name) -> list[str]:
    node = next((nodes[n] for n in COMPONENT_NAMES if n in nodes), None)
    _, given = first_attr(attrs, COMPONENT_ATTRS)
    if node is not None:
        names = as_strings(node.read()).tolist()
    elif given is not None:
        names = [s.strip() for s in given.split(",")] if isinstance(given, str) else [str(s) for s in given]
    else:
        return [f"C{j}" for j in range(n_components)]
    if len(names) != n_components:
        raise InputError(path, f"{len(names)} component names ({', '.join(names)}) for {n_components} components "
                               f"of {data_name!r}; give one name per component")
    if len(set(names)) != len(names) or any(not n for n in names):
        raise InputError(path, f"component names {names} are not unique and non-empty; fix them")
    return names

