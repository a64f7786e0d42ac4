"""Records against a ground-motion model: `seisdiff evaluate --gmm bssa14 --generated STORE --out DIR`.

A scenario simulation has no recording to compare with: the field judges its broadband by a ground-motion
model (the SCEC Broadband Platform's GMPE comparison). For every station of a store that knows its records'
`magnitude` and `distance_km` (a `sample` output, or a `preprocess` store of real records, which gives the same
comparison for the recordings), or of a station grid (one `sample` wrote, its hypocentre and magnitude from its
settings; any other with `hypocenter` and `magnitude` given), this takes the horizontal motion — RotD50 PSA (5 %)
of the station's two horizontals (a one-component store: paired by event, network, station, location, instrument
and window; a three-component store: channels H1, H2; a grid: its first two horizontal components), the one
horizontal where the other is missing — and its residual ln(observed / BSSA14 median) at each period (0 = PGA), in g. One realization per
station (the first) and strong-motion windows only (`hf_level.strong_motion_windows`: a coda window is no ground
motion of its own).

Distances: BSSA14 takes the Joyner–Boore distance R_JB; a store's `distance_km` becomes it by its `distance_kind`
(`bssa14.rjb_estimate_km`; metrics.json's `distance_kinds` counts the stations of each): an R_JB or epicentral
distance as given, an R_rup as given (warned); the hypocentral distance (headers, `sample --hypocenter`, grids),
like one of unknown kind (a store written before the column; warned, counted), as the epicentral distance
√(R² − depth²) (R where the depth is unknown): a point source. Near the rupture of a large earthquake the true
R_JB is shorter, the model's
prediction at it stronger than at the epicentral distance, so there the residuals lean positive (Ridgecrest
M 7.1's recordings: +0.57 ln over 0.05–1 s; the same distances serve the real and the generated records alike).
With a rupture given (`--src FILE`, the Broadband Platform's simple source description, `io.bbp_src`) R_JB is each
station's distance to its surface projection (`dsp.fault`; coordinates: a grid's station table, a store's sta_lat,
sta_lon, one clear line where a station has none), the magnitude, the hypocentre's depth and the mechanism (from the
rake, `bssa14.mechanism_from_rake`) are the src's; metrics.json and report.md say which distance was used
(Ridgecrest's recordings with an approximate 50 km rupture: −0.01 instead of +0.57, docs/MEASUREMENTS.md). An output
of `sample --src` recorded its rupture in its settings (`src`, `src_path`): it is compared with it unasked
(`source=False`, `evaluate --gmm --point-source`: as a point source).
Vs30 from the store's `vs30_mps` (a grid's station table), else `vs30_default_mps`. BSSA14 describes shallow
crustal earthquakes: stations of one deeper than 40 km are counted and named in a warning.
Summaries per period: the mean residual (bias, ln), its sd over stations, the mean of the model's own total
sigma, and the share of stations within ±1 model sigma (a population like the model's: about 0.68); the same
over the PSA band 0.05–1 s (the high frequencies) and by distance bin. The bias holds the event terms: for one
scenario it says how strong its earthquake is for its magnitude, not only how good the generation is.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from seisdiff import G_MPS2
from seisdiff.dsp import bssa14, psa, rotd50, rotd50_peak
from seisdiff.dsp.bssa14 import rjb_estimate_km
from seisdiff.engine.hf_level import strong_motion_windows
from seisdiff.engine.scaling import metadata_columns
from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.store import Store, open_store, require_records
from seisdiff.preprocess.condition import split_window_id

PERIODS_S = (0.0, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)   # 0: PGA
BAND_S = (0.05, 1.0)                       # the high frequencies, as `evaluate`'s PSA band
DISTANCE_BINS_KM = (0.0, 10.0, 30.0, 100.0, 300.0, np.inf)
VS30_DEFAULT_MPS = 760.0
BLOCK_RECORDS = 256
MODELS = ("bssa14",)


def station_motions(store: Store, periods_s=PERIODS_S, required=("magnitude", "distance_km"),
                    max_stations: int | None = None) -> dict:
    """The horizontal motion of each station of `store` (first realization, strong-motion windows, records with the
    `required` columns known; the first max_stations of them, None: all): {"record_id" (k,) of its first horizontal, "psa_g" (k, P) RotD50 or
    single-horizontal PSA in g (period 0: PGA), "paired" (k,) bool, "magnitude", "distance_km", "hypo_depth_km",
    "vs30_mps" (k,), "event" (k,)}."""
    n = len(store)
    columns = {c: store.column(c) for c in store.columns}
    for needed in required:
        if needed not in columns or not np.isfinite(np.asarray(columns[needed], np.float64)).any():
            raise UserError(f"{store.path}: no `{needed}` column with values; a comparison with a ground-motion "
                            "model needs each record's magnitude and distance (`sample --hypocenter … --magnitude …`,"
                            " or `preprocess --metadata`)")
    source = columns.get("source_record_id", store.record_ids)
    realization = np.asarray(columns.get("realization", np.zeros(n)), np.int64)
    keep = strong_motion_windows(source) & (realization == realization.min())
    for needed in required:
        keep &= np.isfinite(np.asarray(columns[needed], np.float64))
    pairs = _pairs(store, columns, source, keep)[:max_stations]
    warnings = [] if _three_component(store) else [line for missing, line in (
        ("station" not in columns, "no `station` column: each record is compared alone, no horizontal pair formed"),
        ("component" not in columns and "channel" not in columns,
         "no `component` or `channel` column: every record is taken for a horizontal (a vertical among them biases "
         "the comparison)")) if missing]
    periods = np.asarray(periods_s, np.float64)
    out, paired = [], []
    for lo in range(0, len(pairs), BLOCK_RECORDS):
        psa_g, both = _pair_psa_g(store, pairs[lo:lo + BLOCK_RECORDS], periods)
        out.append(psa_g)
        paired.append(both)
    first = pairs[:, 0] if len(pairs) else np.zeros(0, np.int64)
    value = lambda c: np.asarray(columns[c], np.float64)[first] if c in columns else np.full(len(first), np.nan)
    return {"record_id": store.record_ids[first], "psa_g": np.concatenate(out) if out else np.zeros((0, len(periods))),
            "paired": np.concatenate(paired) if paired else np.zeros(0, bool), "magnitude": value("magnitude"),
            "distance_km": value("distance_km"), "hypo_depth_km": value("hypo_depth_km"), "vs30_mps": value("vs30_mps"),
            "distance_kind": np.asarray(columns.get("distance_kind", np.array([""] * n)), dtype=str)[first],  # (k,)
            "event": np.asarray(columns.get("event", np.array([""] * n)), dtype=str)[first], "warnings": warnings}


def grid_motions(path, periods_s=PERIODS_S, hypocenter=None, magnitude=None, max_stations: int | None = None) -> dict:
    """`station_motions` of a station grid (`io.grid`): every station's first two horizontal components (by name,
    `io.components.vertical_flag`; one: that one; the first max_stations stations, None: all). hypocenter (lat, lon, depth_km), magnitude: the event's; None: those
    of the `sample` run that wrote the grid (its settings), else unknown (refused)."""
    from seisdiff.io.components import vertical_flag
    from seisdiff.io.grid import open_grid

    settings = _grid_settings(path)
    hypocenter = hypocenter if hypocenter is not None else settings.get("hypocenter")
    magnitude = magnitude if magnitude is not None else settings.get("magnitude")
    if hypocenter is None or magnitude is None:
        raise UserError(f"{path}: a grid without its event's hypocentre and magnitude; give --hypocenter LAT LON "
                        "DEPTH_KM and --magnitude M")
    periods = np.asarray(periods_s, np.float64)
    with open_grid(path, hypocenter=hypocenter, magnitude=magnitude) as grid:
        horizontal = np.flatnonzero(vertical_flag(grid.components) == 0)[:2]
        if not len(horizontal):
            raise UserError(f"{path}: none of its components {grid.components} is a horizontal one by name")
        psa_g, paired = [], []
        k = len(grid) if max_stations is None else min(len(grid), max_stations)
        for lo in range(0, k, BLOCK_RECORDS):
            block = grid.read_block(lo, min(lo + BLOCK_RECORDS, k))
            second = block[:, horizontal[1]] if len(horizontal) > 1 else None
            values, both = _psa_g(block[:, horizontal[0]], second, np.full(len(block), second is not None),
                                  grid.sampling_rate_hz, periods)
            psa_g.append(values)
            paired.append(both)
        cols = grid.columns(0, k)
        return {"record_id": np.asarray(grid.stations.names, dtype=str)[:k], "psa_g": np.concatenate(psa_g),
                "paired": np.concatenate(paired), "magnitude": cols["magnitude"],
                "distance_km": cols["distance_km"], "hypo_depth_km": cols["hypo_depth_km"], "vs30_mps": cols["vs30_mps"],
                "distance_kind": np.full(k, bssa14.HYPOCENTRAL),        # from the hypocentre: `GridSource`
                "event": np.full(k, grid.path.name), "warnings": []}


def _grid_settings(path) -> dict:
    """The `settings` attribute of a grid `sample` wrote (a Zarr group), else {}."""
    try:
        return json.loads((Path(path) / "zarr.json").read_text()).get("attributes", {}).get("settings", {}) or {}
    except (OSError, ValueError, AttributeError):
        return {}


def _pairs(store: Store, columns: dict, source, keep) -> np.ndarray:
    """(k, 2) int rows: (record of the first horizontal, record of the second or −1) per station. A three-component
    store (channels H1, H2, Z) holds both in one record (its channels 0 and 1: the second is the record itself); a
    one-channel store's horizontal records are paired by event, network, station, location, instrument (a SEED
    channel's first two letters: HN, HH) and window, the columns the store has (CI.PSD and PG.PSD are two stations)."""
    rows = np.flatnonzero(keep)
    if _three_component(store):
        return np.column_stack([rows, rows])
    vertical = metadata_columns(columns).get("vertical", np.zeros(len(store)))
    rows = rows[~(vertical[rows] == 1)]
    station = np.asarray(columns.get("station", store.record_ids), dtype=str)
    blank = np.array([""] * len(store))
    event, network, location = (np.asarray(columns.get(c, blank), dtype=str) for c in ("event", "network", "location"))
    instrument = np.array([c[:2] if len(c) == 3 else "" for c in np.asarray(columns.get("channel", blank), dtype=str)])
    window = np.array([str(split_window_id(s)[1]) for s in source])
    groups: dict[tuple, list[int]] = {}
    for i in rows:
        key = (event[i], network[i], station[i], location[i], instrument[i], window[i])
        groups.setdefault(key, []).append(int(i))
    return np.array(sorted((g[0], g[1] if len(g) > 1 else -1) for g in groups.values()), np.int64).reshape(-1, 2)


def _three_component(store: Store) -> bool:
    """Whether the store's records hold the channels H1, H2, Z."""
    names = [str(c).split()[0] for c in store.attrs.get("channels", [])]
    return store.n_channels == 3 and names[:2] == ["H1", "H2"]


def _pair_psa_g(store: Store, part: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_psa_g` of the stations `part` (`_pairs` rows): RotD50 of the pair, else the single horizontal's."""
    paired = part[:, 1] >= 0
    rows = np.unique(part[part >= 0])
    block = store.read(int(rows[0]), int(rows[-1]) + 1, fields=("broadband",))["broadband"].astype(np.float64)
    first = block[part[:, 0] - rows[0], 0]
    if _three_component(store):
        second = block[part[:, 0] - rows[0], 1]
    else:
        second = np.where(paired[:, None], block[np.where(paired, part[:, 1], part[:, 0]) - rows[0], 0], 0.0)
    return _psa_g(first, second, paired, store.sampling_rate_hz, periods)


def _psa_g(first, second, paired, sampling_rate_hz: float, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((k, P) PSA in g (period 0: PGA), (k,) paired) of horizontals first, second (k, L) m/s²: RotD50 where paired
    (k,) and both are finite, else the finite one's own (NaN where neither is)."""
    ok_first = np.isfinite(first).all(axis=-1)
    ok_second = paired & np.isfinite(second).all(axis=-1) if second is not None else np.zeros(len(first), bool)
    if second is not None:
        first = np.where((~ok_first & ok_second)[:, None], second, first)    # a pair with one dead trace: the other
    paired = ok_first & ok_second
    psa_periods = periods[periods > 0]
    spectral = np.empty((len(first), len(psa_periods)))
    if paired.any():
        spectral[paired] = rotd50(first[paired], second[paired], sampling_rate_hz, psa_periods)
    if (~paired).any():
        spectral[~paired] = psa(first[~paired], sampling_rate_hz, psa_periods)
    out = np.empty((len(first), len(periods)))
    out[:, periods > 0] = spectral
    peak = np.abs(first).max(axis=-1)
    if paired.any():
        peak[paired] = rotd50_peak(first[paired], second[paired])
    out[:, periods == 0] = peak[:, None]
    return out / G_MPS2, paired


def compare(store_path, out_dir, model: str = "bssa14", periods_s=PERIODS_S, vs30_default_mps: float = VS30_DEFAULT_MPS,
            mechanism: str = "U", attenuation: str = "global", hypocenter=None, magnitude=None, source=None,
            max_stations: int | None = None) -> dict:
    """Residuals ln(observed/predicted) of the stations of the store or grid at store_path (`station_motions`,
    `grid_motions`; a grid's hypocenter (lat, lon, depth_km) and magnitude, None: its `sample` settings') against
    `model`'s median, summarised (module docstring); writes DIR/metrics.json, DIR/report.md and two figures.
    source: a BBP simple source description (.src path): the earthquake's rupture (`finite_fault`), its magnitude,
    mechanism and hypocentre used instead; None: the rupture `sample --src` recorded in the output's settings, else a
    point source; False: a point source. max_stations: compare the first that many stations (None: all). Returns the
    metrics."""
    if model not in MODELS:
        raise UserError(f"--gmm {model}: one of {', '.join(MODELS)}")
    from seisdiff.io.bbp_src import source_event
    from seisdiff.io.grid import looks_like_grid

    src, recorded, src_warnings = _rupture(store_path, source, hypocenter, magnitude)
    if src is not None:
        mechanism = bssa14.mechanism_from_rake(src.rake_deg)
    grid = looks_like_grid(store_path)
    if not grid and src is None and (hypocenter is not None or magnitude is not None):
        given = " and ".join(name for name, v in (("--hypocenter", hypocenter), ("--magnitude", magnitude)) if v is not None)
        raise UserError(f"{given}: for a station grid (or checked against a rupture, --src); {store_path} is a store, "
                        "whose records' own magnitude and distance_km are compared: drop it, or give the store's records "
                        "theirs (`preprocess --metadata`, `sample --hypocenter … --magnitude …`)")
    if grid:
        event = (hypocenter, magnitude) if src is None else source_event(src)   # the src's hypocentre, magnitude
        motions = grid_motions(store_path, periods_s, *event, max_stations=max_stations)
    else:
        required = ("magnitude", "distance_km") if src is None else ()      # with a src: its magnitude, R_JB
        store = require_records(open_store(store_path), "compare with a ground-motion model")
        motions = station_motions(store, periods_s, required, max_stations)
    if not len(motions["psa_g"]):
        raise UserError(f"{store_path}: no horizontal strong-motion record with a magnitude and a distance to compare")
    periods = np.asarray(periods_s, np.float64)
    vs30 = np.where(np.isfinite(motions["vs30_mps"]), motions["vs30_mps"], vs30_default_mps)
    distance = rjb_estimate_km(motions["distance_km"], motions["distance_kind"], motions["hypo_depth_km"])
    if src is not None:                                  # a finite fault: R_JB from the rupture, the src's event
        motions, distance = finite_fault(store_path, motions, src)
    ln_median, sigma = bssa14.predict(motions["magnitude"], distance, vs30, periods, mechanism, attenuation)
    with np.errstate(divide="ignore"):
        residual = np.log(motions["psa_g"]) - ln_median
    ok = np.isfinite(residual).all(axis=1)
    result = _summary(residual[ok], sigma[ok], distance[ok], periods)
    kinds, kind_warnings = ({}, []) if src is not None else \
        bssa14.distance_kinds_used(motions["distance_kind"][ok], noun="stations")   # a src: R_JB from its fault
    result.update({
        "gmm": "BSSA14", "mechanism": mechanism, "attenuation": attenuation, "store": str(store_path),
        "residual": "ln(observed/predicted), observed: RotD50 PSA (5 %) of the horizontals, g",
        "distance": bssa14.describe_kinds(kinds), "distance_kinds": kinds,
        "n_stations": int(ok.sum()), "n_single_horizontal": int((~motions["paired"][ok]).sum()),
        "n_vs30_default": int((~np.isfinite(motions["vs30_mps"][ok])).sum()), "vs30_default_mps": vs30_default_mps,
        "n_out_of_range": int(bssa14.out_of_range(motions["magnitude"][ok], distance[ok], vs30[ok]).sum()),
        "n_deeper_than_model_km": int((motions["hypo_depth_km"][ok] > bssa14.MAX_HYPO_DEPTH_KM).sum()),
        "warnings": motions["warnings"] + kind_warnings + src_warnings,
        "events": _events(motions, ok)})
    if src is not None:
        result.update(_source_summary(src, recorded))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "metrics.json", json.dumps(result, indent=1, allow_nan=False))
    from seisdiff.evaluate import figures

    figures.gmm_residuals(out / "gmm_residual_period.png", out / "gmm_residual_distance.png", periods, residual[ok],
                          sigma[ok], distance[ok], BAND_S)
    write_text_atomic(out / "report.md", report(result))
    return result


RECORDED = "the `sample` run's --src, from its settings"


def _rupture(store_path, source, hypocenter, magnitude) -> tuple:
    """(the SimpleSource to compare with or None, whether it is the one the `sample` run that wrote store_path recorded
    (`sample --src`), warnings): `source` (a .src path) when given, else the recorded one, else None (a point source;
    also for source=False). UserError where a given magnitude or hypocentre disagrees with it."""
    from seisdiff.io.bbp_src import from_settings, source_event, to_settings

    settings = _run_settings(store_path) if source is not False else {}
    recorded = from_settings(settings["src"], settings.get("src_path", "")) if settings.get("src") else None
    if source is False or (source is None and recorded is None):
        return None, False, []
    if source is None:
        source_event(recorded, hypocenter, magnitude, note=f"{RECORDED} is used; --src FILE gives another")
        return recorded, True, []
    src = _read_source(source, hypocenter, magnitude)
    differs = recorded is not None and to_settings(recorded) != to_settings(src)
    return src, False, [f"--src {src.path} is not the rupture `sample` was run with ({recorded.path}): --src is used"
                        ] if differs else []


def _run_settings(path) -> dict:
    """The settings `sample` recorded in the output at path: a grid's attribute `settings`, a store's `sampling`; {}."""
    try:
        attrs = json.loads((Path(path) / "zarr.json").read_text()).get("attributes", {}) or {}
        return dict(attrs.get("settings") or attrs.get("sampling") or {})
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _read_source(path, hypocenter, magnitude):
    """The SimpleSource at path; UserError where a given magnitude or hypocentre disagrees with it."""
    from seisdiff.io.bbp_src import read_src, source_event

    src = read_src(path)
    source_event(src, hypocenter, magnitude)
    return src


def finite_fault(store_path, motions: dict, src) -> tuple[dict, np.ndarray]:
    """(motions with the src's magnitude and hypocentre depth, (k,) R_JB km from its rupture) of the stations of
    `motions` (`station_motions`, `grid_motions` of store_path), their coordinates from the grid's station table or
    the store's sta_lat/sta_lon columns; UserError for a station without them or a store of several events."""
    from seisdiff.dsp import fault
    from seisdiff.io.bbp_src import MAGNITUDE_TOLERANCE

    events = sorted({str(e) for e in motions["event"]} - {""})
    if len(events) > 1:
        raise UserError(f"{store_path}: {len(events)} events ({', '.join(events[:3])}{', …' if len(events) > 3 else ''})"
                        f" and one rupture, {src.path}; compare a store of the src's earthquake alone")
    lat, lon = _station_coordinates(store_path, motions["record_id"])
    missing = ~(np.isfinite(lat) & np.isfinite(lon))
    if missing.any():
        raise UserError(f"{store_path}: {int(missing.sum())} of {len(lat)} stations without coordinates (e.g. "
                        f"{motions['record_id'][missing][0]}); R_JB from {src.path} needs each station's sta_lat, "
                        "sta_lon (a station grid's table; a store `preprocess` or `sample` wrote from files whose headers "
                        "place the station, or with a --metadata station list; a store written before the columns: "
                        "preprocess its files into a new store, as a re-run into it adds nothing); without a rupture "
                        "(--src, or the one `sample --src` recorded) a point source is compared")
    k = len(lat)
    updated = dict(motions, magnitude=np.full(k, src.magnitude), hypo_depth_km=np.full(k, src.hypo_depth_km))
    stored = np.asarray(motions["magnitude"], np.float64)
    if np.isfinite(stored).any() and abs(float(np.nanmedian(stored)) - src.magnitude) > MAGNITUDE_TOLERANCE:
        updated["warnings"] = list(motions["warnings"]) + [
            f"the store's magnitude M{float(np.nanmedian(stored)):g} differs from {src.path}'s M{src.magnitude:g} "
            "(the src's is used)"]
    return updated, fault.rjb_km(src, lat, lon)


def _station_coordinates(store_path, record_ids) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) (k,) degrees of the stations named by record_ids (`station_motions`: a store's record of the
    first horizontal; `grid_motions`: a grid's station); NaN where unknown."""
    from seisdiff.io.grid import looks_like_grid, open_grid

    if looks_like_grid(store_path):
        with open_grid(store_path) as grid:
            names = np.asarray(grid.stations.names, dtype=str)
            lat, lon = np.asarray(grid.stations.lat, np.float64), np.asarray(grid.stations.lon, np.float64)
    else:
        store = open_store(store_path)
        names = np.asarray(store.record_ids, dtype=str)
        nan = np.full(len(store), np.nan)
        lat, lon = (np.asarray(store.column(c), np.float64) if c in store.columns else nan for c in ("sta_lat", "sta_lon"))
    row = {name: i for i, name in enumerate(names)}
    index = np.array([row[str(r)] for r in record_ids], np.int64)
    return lat[index], lon[index]


def _source_summary(src, recorded: bool = False) -> dict:
    """metrics.json's account of a finite fault: which distance, the src's rupture (recorded: the one the `sample` run
    recorded in its settings, not given to `evaluate`)."""
    return {"distance": f"R_JB from {src.path} (a finite fault{f'; {RECORDED}' if recorded else ''})",
            "source": {"path": src.path, "from": RECORDED if recorded else "--src", "magnitude": src.magnitude, "fault_length_km": src.fault_length_km,
                       "fault_width_km": src.fault_width_km, "depth_to_top_km": src.depth_to_top_km,
                       "strike_deg": src.strike_deg, "dip_deg": src.dip_deg, "rake_deg": src.rake_deg,
                       "lat_top_center_deg": src.lat_top_center_deg, "lon_top_center_deg": src.lon_top_center_deg,
                       "hypo_depth_km": round(src.hypo_depth_km, 4)}}


def _events(motions: dict, ok) -> list[dict]:
    """[{event, magnitude, n_stations}] of the stations compared."""
    events = motions["event"][ok]
    return [{"event": str(e), "magnitude": float(np.median(motions["magnitude"][ok][events == e])),
             "n_stations": int((events == e).sum())} for e in sorted(set(events.tolist()))]


def _summary(residual, sigma, distance_km, periods) -> dict:
    """Per-period and band summaries (lists, JSON-ready; NaN-free: a statistic of no station is None)."""
    band = (periods >= BAND_S[0]) & (periods <= BAND_S[1])
    fin = lambda x: None if not np.isfinite(x) else round(float(x), 4)
    sd = lambda x: np.std(x, ddof=1) if len(x) > 1 else np.nan
    per_period = lambda f: [fin(f(residual[:, j], sigma[:, j])) for j in range(len(periods))]
    by_distance = []
    for lo, hi in zip(DISTANCE_BINS_KM[:-1], DISTANCE_BINS_KM[1:]):
        inside = (distance_km >= lo) & (distance_km < hi)
        if inside.any():
            by_distance.append({"rjb_km": [lo, None if np.isinf(hi) else hi], "n_stations": int(inside.sum()),
                                "pga_bias_ln": fin(residual[inside, periods == 0].mean()) if (periods == 0).any() else None,
                                "band_bias_ln": fin(residual[inside][:, band].mean()) if band.any() else None})
    return {"periods_s": periods.tolist(), "band_s": list(BAND_S),
            "bias_ln": per_period(lambda r, s: r.mean()), "sd_ln": per_period(lambda r, s: sd(r)),
            "gmm_sigma_ln": per_period(lambda r, s: s.mean()),
            "within_1_sigma": per_period(lambda r, s: np.mean(np.abs(r) <= s)),
            "band_bias_ln": fin(residual[:, band].mean()) if band.any() else None,
            "band_sd_ln": fin(np.mean([sd(residual[:, j]) for j in np.flatnonzero(band)])) if band.any() else None,
            "band_gmm_sigma_ln": fin(sigma[:, band].mean()) if band.any() else None,
            "band_within_1_sigma": fin(np.mean(np.abs(residual[:, band]) <= sigma[:, band])) if band.any() else None,
            "by_distance": by_distance}


def report(result: dict) -> str:
    """report.md: what was compared, the band's summary, the per-period table, the distance bins, the figures."""
    lines = [f"# {result['store']} against {result['gmm']}", "",
             f"- {result['n_stations']} stations ({result['n_single_horizontal']} with one horizontal), events: "
             + "; ".join(f"{e['event'] or '(unnamed)'} M{e['magnitude']:.1f} ({e['n_stations']})" for e in result["events"]),
             f"- residual {result['residual']}; {result['distance']}; mechanism {result['mechanism']}, "
             f"attenuation {result['attenuation']}",
             *([_source_line(result["source"])] if "source" in result else []),
             f"- Vs30: the store's; {result['n_vs30_default']} stations without one took {result['vs30_default_mps']:g} m/s;"
             f" {result['n_out_of_range']} stations outside the model's M, R_JB, Vs30 ranges"
             + (f"; {result['n_deeper_than_model_km']} of an earthquake deeper than {bssa14.MAX_HYPO_DEPTH_KM:g} km, "
                "which this shallow crustal model does not describe (intraslab events are stronger)"
                if result["n_deeper_than_model_km"] else ""),
             f"- PSA band {result['band_s'][0]:g}–{result['band_s'][1]:g} s: bias {_fmt(result['band_bias_ln'], '+.3f')} "
             f"ln, sd {_fmt(result['band_sd_ln'], '.3f')} ln (the model's sigma {_fmt(result['band_gmm_sigma_ln'], '.3f')}), "
             f"{_fmt(result['band_within_1_sigma'], '.0%')} within ±1 sigma (a population like the model's: 68 %)",
             *(f"- warning: {w}" for w in result.get("warnings", [])), "",
             "| period (s) | bias ln(obs/pred) | sd | model sigma | within ±1 sigma |", "|---:|---:|---:|---:|---:|"]
    for j, t in enumerate(result["periods_s"]):
        cell = lambda key, spec: _fmt(result[key][j], spec)
        lines.append(f"| {'PGA' if t == 0 else f'{t:g}'} | {cell('bias_ln', '+.3f')} | {cell('sd_ln', '.3f')} | "
                     f"{cell('gmm_sigma_ln', '.3f')} | {cell('within_1_sigma', '.2f')} |")
    lines += ["", "| R_JB (km) | stations | PGA bias | band bias |", "|---|---:|---:|---:|"]
    for b in result["by_distance"]:
        hi = "∞" if b["rjb_km"][1] is None else f"{b['rjb_km'][1]:g}"
        lines.append(f"| {b['rjb_km'][0]:g}–{hi} | {b['n_stations']} | {_fmt(b['pga_bias_ln'], '+.3f')} | "
                     f"{_fmt(b['band_bias_ln'], '+.3f')} |")
    lines += ["", "![residual by period](gmm_residual_period.png)", "", "![residual by distance](gmm_residual_distance.png)", ""]
    return "\n".join(lines)


def _source_line(source: dict) -> str:
    """report.md's line on a finite fault's rupture."""
    return (f"- rupture: M{source['magnitude']:g}, {source['fault_length_km']:g} × {source['fault_width_km']:g} km, strike "
            f"{source['strike_deg']:g}°, dip {source['dip_deg']:g}°, rake {source['rake_deg']:g}°, top edge "
            f"{source['depth_to_top_km']:g} km deep centred at {source['lat_top_center_deg']:g}, "
            f"{source['lon_top_center_deg']:g}; hypocentre {source['hypo_depth_km']:g} km deep"
            + (f" ({source['from']})" if source.get("from", "--src") != "--src" else ""))


def _fmt(value, spec: str) -> str:
    """value formatted by spec; '—' for None (a statistic of no station, or an sd of one)."""
    return "—" if value is None else format(value, spec)
