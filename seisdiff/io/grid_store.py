"""The output of a station-grid run (`engine.grid_sample`): a Zarr v3 group of the input's layout,
written and committed block by block, so a rerun resumes; per-station files on request.

`open_grid` (io.grid) reads it back like any input grid.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from seisdiff.dsp.bssa14 import HYPOCENTRAL
from seisdiff.errors import UserError
from seisdiff.io.at2 import ascii_text
from seisdiff.io.atomic import fsync_all, fsync_folder, fsync_tree
from seisdiff.io.components import component_axis, sign_unknown
from seisdiff.io.export import band_code, export_records
from seisdiff.io.fingerprint import compare, fingerprint
from seisdiff.io.grid import LAYOUT, GridSource
from seisdiff.io.grid_backends import as_strings

OUTPUT_SCHEMA = "seisdiff-grid/1"
FILE_FORMATS = ("mseed", "sac", "at2")
HEADER_WIDTHS = {"mseed": (2, 5), "sac": (8, 8)}    # (network, station) characters their headers hold


class GridWriter:
    """The output of a grid run: a Zarr v3 group of the input's layout, written block by block.

    Layout: `acceleration` float32 (S, C, L) m/s² (dimension_names station, component, time; chunks of
    one block of stations, uncompressed); `station`, `network`, `lat`, `lon`, `vs30_mps`, `distance_km`,
    `distance_kind` ("hypocentral": from `--hypocenter`; "" without one), `magnitude` (S,); `component` (C,);
    `committed` uint8 (n_blocks,), one chunk per block; `skipped` str (S,), why the run skipped a station's input
    ('' none; its rows are NaN), one chunk per block. Group attributes: units='m/s^2', dt_s, sampling_rate_hz,
    start_time, components, layout, block_stations, n_blocks, schema, source, settings, skipped_stations
    ({station: reason}, `publish_skipped`).
    `open_grid` reads it back like any input grid.

    Commit: a block's signal chunk is written (zarr's LocalStore writes each file atomically: temporary
    name, then rename), its per-station files too, and only then its `committed` chunk becomes 1; the
    block's chunk files are synced to disk before (station files as written, `io.atomic`), its `committed`
    chunk after, so after a power loss no block is marked committed over data that is not there. A run
    killed at any point leaves blocks either committed whole or not committed (redone by the next run;
    their unwritten samples read as NaN). Blocks are chunks, so ranks writing different blocks never
    touch the same file.
    """

    def __init__(self, path: Path, group):
        self.path = Path(path)
        self.group = group
        self.attrs = dict(group.attrs)
        self.block_stations = int(self.attrs["block_stations"])
        self.n_blocks = int(self.attrs["n_blocks"])
        self.n_stations = int(group["acceleration"].shape[0])
        self.components = list(self.attrs["components"])
        self.stations = as_strings(group["station"][:])
        self.network = as_strings(group["network"][:])
        self._file_stems: list[str] | None = None
        hypo = (self.attrs.get("settings") or {}).get("hypocenter") or [np.nan] * 3
        self.hypocentre = dict(zip(("hypo_lat", "hypo_lon", "hypo_depth_km"), hypo))    # `--hypocenter`
        self.station_places = {key: group[name][:] for key, name in   # read once: (S,) each
                               (("sta_lat", "lat"), ("sta_lon", "lon"), ("magnitude", "magnitude")) if name in group}

    def places(self, i: int) -> dict:
        """Station i's coordinates, the event's hypocentre and magnitude, where known: the numbers SAC headers
        carry (`io.export.PLACE_FIELDS`)."""
        return {**self.hypocentre, **{key: values[i] for key, values in self.station_places.items()}}

    def file_stems(self) -> list[str]:
        """The per-station file-name stems (`station_file_stems` of the whole station table)."""
        if self._file_stems is None:
            self._file_stems = station_file_stems(self.stations)
        return self._file_stems

    def block_range(self, b: int) -> tuple[int, int]:
        lo = b * self.block_stations
        return lo, min(lo + self.block_stations, self.n_stations)

    def committed(self) -> set[int]:
        return {int(b) for b in np.flatnonzero(self.group["committed"][:])}

    def write_block(self, b: int, acc_mps2: np.ndarray, files: tuple[Path, str] | None = None,
                    skipped=None) -> None:
        """Write block b ((n, C, L) m/s²), its per-station files when `files` = (folder, fmt), then commit it.
        A trace all NaN is one the run skipped: it gets no file. skipped: (n,) why each station was skipped
        (wholly or some components), '' for none; recorded in the array `skipped` with the block."""
        lo, hi = self.block_range(b)
        acc = np.asarray(acc_mps2, dtype=np.float32)
        if acc.shape != (hi - lo, *self.group["acceleration"].shape[1:]):
            raise ValueError(f"block {b}: shape {acc.shape}, expected {(hi - lo, *self.group['acceleration'].shape[1:])}")
        self.group["acceleration"][lo:hi] = acc
        if files is not None:
            folder, fmt = files
            stems = self.file_stems()
            for i in range(hi - lo):
                made = np.flatnonzero(~np.isnan(acc[i]).all(axis=-1))          # the generated components
                if len(made):
                    write_station_files(folder, fmt, acc[i][made], float(self.attrs["sampling_rate_hz"]),
                                        str(self.stations[lo + i]), str(self.network[lo + i]),
                                        [self.components[j] for j in made],
                                        str(self.attrs.get("start_time", "")), file_stem=stems[lo + i],
                                        places=self.places(lo + i), grid_components=self.components)
        if skipped is not None and (any(skipped) or "skipped" in self.group):
            self._skipped_array()[lo:hi] = np.asarray([str(r) for r in skipped], dtype=str)
        # the block's data on disk before its marker (station files are synced as written, `io.atomic`)
        fsync_tree([self._chunk_file(name, b) for name in ("acceleration", "skipped") if name in self.group], self.path)
        self.group["committed"][b:b + 1] = np.ones(1, np.uint8)
        fsync_tree([self._chunk_file("committed", b)], self.path)

    def _chunk_file(self, name: str, b: int) -> Path:
        """The file of block b's chunk of the array `name` (one chunk per block along its first axis)."""
        arr = self.group[name]
        return self.path / arr.path / arr.metadata.encode_chunk_key((b,) + (0,) * (arr.ndim - 1))

    def _skipped_array(self):
        """The per-station array `skipped` (one chunk per block), made in an output that predates it."""
        if "skipped" not in self.group:
            try:
                _skipped_array(self.group, self.n_stations, self.block_stations)
            except Exception:       # another rank made it first (zarr raises its own type)
                if "skipped" not in self.group:
                    raise
        return self.group["skipped"]

    def skipped_stations(self) -> dict[str, str]:
        """{station: why it was skipped} over the committed blocks."""
        if "skipped" not in self.group:
            return {}
        reasons = as_strings(self.group["skipped"][:])
        done = self.committed()
        return {str(self.stations[i]): str(r) for i, r in enumerate(reasons)
                if r and i // self.block_stations in done}

    def publish_skipped(self) -> dict[str, str]:
        """Copy `skipped_stations` into the group attribute of that name (when it changed); returns it.
        Ranks each publish at their end: the array is exact at every moment, the attribute once all ended."""
        listed = self.skipped_stations()
        if dict(self.group.attrs).get("skipped_stations", {}) != listed:
            self.group.attrs["skipped_stations"] = listed
        return listed


def station_files_dir(out: Path, fmt: str) -> Path:
    """Folder of the per-station files of output `out` in format fmt: `<out stem>_<fmt>` beside it."""
    out = Path(out)
    return out.parent / f"{out.name.removesuffix('.zarr')}_{fmt}"


def write_station_files(folder: Path, fmt: str, acc_mps2: np.ndarray, sampling_rate_hz: float, station: str,
                        network: str, components: list[str], start_time: str,
                        file_stem: str | None = None, places: dict | None = None,
                        grid_components: list[str] | None = None) -> list[Path]:
    """One station's (C, L) m/s² as files (`io.export.export_records`): mseed → `<stem>.mseed` (C traces,
    float64 m/s², channels `mseed_channel_codes`); sac (nm/s², idep=IACC) and at2 (g) →
    `<stem>_<component>.<ext>`. Start time and codes as the grid's. Each file appears whole. The stem is
    `file_stem` (GridWriter passes `station_file_stems` of its table, unique per station), else the
    station name made a file name as there. places: the station's and event's coordinates and magnitude
    (`io.export.PLACE_FIELDS`, NaN unknown), which SAC headers carry, with each component's orientation where its
    name states one (a simulation's z beside x and y none: `io.components.sign_unknown`, judged among
    grid_components, the grid's every component, else `components`: a station whose x and y were skipped keeps its
    z's sign unknown)."""
    if fmt not in FILE_FORMATS:
        raise UserError(f"unknown per-station format {fmt!r}; choose one of {', '.join(FILE_FORMATS)}")
    safe = file_stem or _file_name(ascii_text(station)) or "station"
    siblings = list(components) if grid_components is None else list(grid_components)
    meta = {"station": station, "network": network, "start_time": start_time, **(places or {})}
    if fmt == "mseed":
        return export_records(folder, fmt, np.asarray(acc_mps2)[None], sampling_rate_hz, [safe],
                              meta=[{**meta, "channel": ",".join(mseed_channel_codes(components, sampling_rate_hz))}])
    return export_records(folder, fmt, acc_mps2, sampling_rate_hz, [f"{safe}_{_file_name(c)}" for c in components],
                          meta=[{**meta, "channel": c, **({"vertical_sign": "unknown"} if sign_unknown(c, siblings)
                                                           else {})} for c in components])


_mapping_said: set[tuple[str, ...]] = set()


def mseed_channel_codes(components, sampling_rate_hz: float) -> list[str]:
    """Distinct miniSEED channel codes (3 characters) for the grid's component names: the names themselves
    when all fit and differ (ignoring case); else each name recognised as an axis by itself or its last
    word or after a quantity (`io.components.component_axis`: x/e/east → E, y/n/north → N, z/u/up/down → Z: 'vel_x',
    'east', 'vz', 'vel.down', 'velnorth'; SEED's Z is the vertical whatever its sign) becomes band + 'N' (accelerometer) + the
    axis (`io.export.band_code`: FN* from 1000 samples/s, CN* 250–1000, HN* 80–250, BN* 10–80, MN* above 1–10, LN*
    0.5–1, VN* 0.05–0.5, then UN*, RN*, PN*), said once in a line on stderr, and the rest are cut to 3 characters
    (export warns). UserError when the codes are still not distinct."""
    names = [str(c) for c in components]
    fit = all(len(c) <= 3 and not re.search(r"[.,\s]", c) for c in names)
    if fit and len({c.upper() for c in names}) == len(names):
        return names
    band = band_code(sampling_rate_hz)
    axes = [component_axis(c) for c in names]
    codes = [f"{band}N{a}" if a else re.sub(r"[.,\s]", "_", c) for c, a in zip(names, axes)]
    cut = [c[:3].upper() for c in codes]
    if len(set(cut)) < len(cut):
        same = [f"{n!r}" for n, c in zip(names, cut) if cut.count(c) > 1]
        raise UserError(f"components {', '.join(same)} would get the same miniSEED channel code "
                        f"({', '.join(c for c in cut)}: 3 characters); rename them in the grid (E/N/Z, x/y/z, "
                        "east/north/up, or distinct 3-character codes) or choose --format sac or at2")
    if any(axes) and tuple(names) not in _mapping_said:
        _mapping_said.add(tuple(names))
        print("grid: miniSEED channel codes: " + ", ".join(f"{n} as {c}" for n, c, a in zip(names, codes, axes) if a),
              file=sys.stderr)
    return codes


def check_header_station_codes(stations, networks, fmt: str) -> None:
    """UserError (one line) when two stations would carry the same network and station codes in the headers
    of their `fmt` files: the names in ASCII cut to HEADER_WIDTHS[fmt] characters, as `io.export` writes
    them ('STA00001' and 'STA00002' are both STA00 in miniSEED), so the files could not be told apart
    once read (their file names differ)."""
    net_width, sta_width = HEADER_WIDTHS[fmt]
    first: dict[tuple[str, str], str] = {}
    clash = []
    for station, network in zip(stations, networks):
        code = (ascii_text(network)[:net_width], ascii_text(station)[:sta_width])
        if code in first:
            clash.append((first[code], str(station), code))
        else:
            first[code] = str(station)
    if clash:
        a, b, (net, sta) = clash[0]
        label = {"mseed": "miniSEED", "sac": "SAC"}[fmt]
        raise UserError(f"stations {a!r} and {b!r}{f' (and {len(clash) - 1} more)' if len(clash) > 1 else ''} "
                        f"would carry the same {label} codes {net}.{sta} ({label} headers hold {sta_width} characters "
                        f"of a station name): give the stations names that differ within {sta_width} characters "
                        "(a --stations CSV whose names are not the grid's is taken in its order) or choose "
                        f"{'--format sac (8 characters) or ' if fmt == 'mseed' else ''}--format at2 (whole names)")


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(text)).lstrip(".")


def station_file_stems(stations) -> list[str]:
    """One file-name stem per station, all distinct, also ignoring case (file systems that ignore it):
    the name in ASCII (`at2.ascii_text`: 'Åre' → 'Are') with characters other than letters, digits,
    '.', '_', '-' as '_'; stations whose stems coincide ('A B' and 'A_B' → 'A_B') all get
    '_<station index>' appended ('A_B_0', 'A_B_1'), so each run names them the same. UserError when an
    appended index meets another station's own name."""
    stems = [_file_name(ascii_text(s)) or "station" for s in stations]
    seen = Counter(s.lower() for s in stems)
    stems = [s if seen[s.lower()] == 1 else f"{s}_{i}" for i, s in enumerate(stems)]
    seen = Counter(s.lower() for s in stems)
    clash = [(i, str(stations[i])) for i, s in enumerate(stems) if seen[s.lower()] > 1]
    if clash:
        raise UserError(f"stations {', '.join(f'#{i} {name!r}' for i, name in clash[:4])} would write files "
                        "of the same name; rename one in the grid's station table")
    return stems


def station_table_sha256(names, lat, lon, vs30_mps) -> str:
    """sha256 (hex) of a station table's names, lat, lon and vs30 (float64; NaN for unknown vs30)."""
    import hashlib

    h = hashlib.sha256()
    h.update("\x00".join(str(n) for n in names).encode("utf-8"))
    for values in (lat, lon, vs30_mps):
        h.update(np.ascontiguousarray(np.asarray(values, np.float64)).tobytes())
    return h.hexdigest()


def grid_identity(source: GridSource, stations_csv=None) -> dict:
    """What makes `source` the grid an output was made from (`create_grid_output` compares it on resume):
    its resolved path, data array, units, start time, station table (`station_table_sha256`) and the
    --stations CSV's content (sha256; None without one)."""
    import hashlib

    table = source.stations
    return {"source": str(Path(source.path).resolve()), "variable": str(getattr(source, "variable", "")),
            "units": source.units, "start_time": source.start_time,
            "stations_sha256": station_table_sha256(table.names, table.lat, table.lon, table.vs30_mps),
            "stations_csv_sha256": None if stations_csv is None
            else hashlib.sha256(Path(stations_csv).read_bytes()).hexdigest()}


def _stored_identity(group, attrs: dict) -> dict:
    """The identity of an output made before outputs recorded it: what it stores of its grid."""
    return {"source": attrs.get("source"), "units": attrs.get("source_units"), "start_time": attrs.get("start_time"),
            "stations_sha256": station_table_sha256(as_strings(group["station"][:]), group["lat"][:],
                                                    group["lon"][:], group["vs30_mps"][:])}


def create_grid_output(out, source: GridSource, *, n_samples: int, sampling_rate_hz: float, block_stations: int,
                       settings: dict, resume_keys=(), resume_defaults: dict | None = None,
                       identity_key: str | None = None) -> GridWriter:
    """Open the output `out` of a run over `source`, creating it when absent (atomically: built under a
    temporary name, then renamed, so concurrent ranks agree on one). An existing output must have been
    made from a grid of the same shape with the same `settings[k]` for k in resume_keys (UserError
    otherwise; a key an older output lacks counts as resume_defaults[k]). identity_key: the settings entry
    holding `grid_identity` of the source; an output made from another grid (any of its fields differ;
    an older output without it: the fields it stores) is one UserError ('holds another grid's output').
    Station table, start time and component names are the source's."""
    import zarr

    if settings.get("station_format") == "mseed":     # refuse clashing channel codes before any work
        mseed_channel_codes(source.components, sampling_rate_hz)
    if settings.get("station_format") in HEADER_WIDTHS:   # … and clashing station codes
        check_header_station_codes(source.stations.names, source.stations.network, settings["station_format"])
    out = Path(out)
    if not (out / "zarr.json").is_file():
        if identity_key is not None:      # what the grid's files hold: a resume checks it (`io.fingerprint`)
            settings = {**settings, identity_key: {**settings[identity_key], "content": fingerprint(source.path)}}
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"{out}: exists and is not a grid output (creating one would delete it); choose another --out")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _build(tmp, source, n_samples, sampling_rate_hz, block_stations, settings)
            fsync_all(tmp)                       # on disk before its name is (a power loss: no name on a partial output)
            try:
                if out.is_dir():
                    out.rmdir()                  # an empty folder the user made
                os.rename(tmp, out)
                fsync_folder(out.parent)         # the rename itself
            except OSError:
                if not (out / "zarr.json").is_file():   # not another rank's output: a real failure
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        group = zarr.open_group(str(out), mode="r+")
    except Exception as exc:   # zarr raises several types for a damaged group
        raise UserError(f"{out}: not a readable grid output ({type(exc).__name__}); choose another --out") from None
    attrs = dict(group.attrs)
    if attrs.get("schema") != OUTPUT_SCHEMA:
        raise UserError(f"{out}: a Zarr group that is not a seisdiff grid output; choose another --out")
    old = attrs.get("settings", {})
    if identity_key is not None:
        now = _jsonable(settings[identity_key])
        there = old.get(identity_key) or _stored_identity(group, attrs)
        differ = [k for k in there if k in now and there[k] != now[k]]
        if differ:
            shown = "; ".join(f"{k.removesuffix('_sha256')} differ" if k.endswith("_sha256")
                              else f"{k}: {there[k]!r} vs {now[k]!r}" for k in differ)
            raise UserError(f"{out}: holds another grid's output (there vs now: {shown}); choose another --out "
                            "or remove it")
        changed = compare(there["content"], source.path)[0] if "content" in there else None
        if changed:
            raise UserError(f"{out}: was started from another version of its grid ({source.path}: {changed}); "
                            f"resuming would mix realizations of both: choose another --out, or remove it to start again")
    from seisdiff.io.sinks import setting_change

    defaults = resume_defaults or {}
    diffs = [setting_change(k, old.get(k, defaults.get(k)), _jsonable(settings.get(k))) for k in resume_keys
             if old.get(k, defaults.get(k)) != _jsonable(settings.get(k))]
    if diffs:
        raise UserError(f"{out}: was made with other settings (there vs now: {'; '.join(diffs)}); use the same "
                        "input and options to resume, or another --out")
    return GridWriter(out, group)


def _skipped_array(group, n_stations: int, block_stations: int):
    """`skipped` (S,) str: why the run skipped a station ('' none), one chunk per block (ranks apart)."""
    return group.create_array("skipped", shape=(n_stations,), chunks=(block_stations,), dtype=str,
                              dimension_names=("station",))


def _jsonable(value):
    return json.loads(json.dumps(value))


def _build(path: Path, source: GridSource, n_samples, sampling_rate_hz, block_stations, settings):
    import zarr

    from seisdiff import __version__

    n, c = source.n_stations, source.n_components
    n_blocks = -(-n // block_stations)
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    acc = group.create_array("acceleration", shape=(n, c, n_samples), chunks=(block_stations, c, n_samples),
                             dtype="float32", fill_value=np.nan, compressors=None,
                             dimension_names=LAYOUT)
    acc.attrs.update({"units": "m/s^2", "quantity": "acceleration"})
    table = source.stations
    cols = source.columns()
    kind = np.where(np.isfinite(cols["distance_km"]), HYPOCENTRAL, "")     # `GridSource.distance_km` is hypocentral
    for name, values in (("station", table.names), ("network", table.network), ("component", np.array(source.components)),
                         ("distance_kind", kind)):
        arr = group.create_array(name, shape=(len(values),), dtype=str,
                                 dimension_names=("component",) if name == "component" else ("station",))
        arr[:] = np.asarray(values, dtype=str)
    for name, values in (("lat", table.lat), ("lon", table.lon), ("vs30_mps", table.vs30_mps),
                         ("distance_km", cols["distance_km"]), ("magnitude", cols["magnitude"])):
        arr = group.create_array(name, shape=(n,), dtype="float64", fill_value=np.nan, dimension_names=("station",))
        arr[:] = np.asarray(values, np.float64)
    group.create_array("committed", shape=(n_blocks,), chunks=(1,), dtype="uint8", fill_value=0)
    _skipped_array(group, n, block_stations)
    group.attrs.update({
        "schema": OUTPUT_SCHEMA, "units": "m/s^2", "quantity": "acceleration",
        "dt_s": 1.0 / sampling_rate_hz, "sampling_rate_hz": sampling_rate_hz, "start_time": source.start_time,
        "components": list(source.components), "layout": list(LAYOUT), "n_stations": n,
        "block_stations": int(block_stations), "n_blocks": n_blocks, "source": str(source.path.resolve()),
        "source_units": source.units, "source_quantity": source.quantity,
        "producer": f"seisdiff {__version__} sample (grid)", "settings": _jsonable(settings)})