"""Conditioning for `seisdiff sample`: each waveform whole, on its own time axis, through the model's filters.

Window selection (around the strong motion) is for training stores only (ARCHITECTURE, invariant 7).
A record group (1 trace, or the 3 components of one station for a 3-component model) goes through
the training path of `preprocess.condition` with the window = the whole record:
  demean + linear detrend → cosine taper (`taper_fraction` each end, at most the training window's:
  `whole_taper_fraction`) → resample to the model's rate
  (polyphase FIR, first sample at the same time; duration n/fs_in kept: round(n·fs_model/fs_in)
  samples, the resampler's last sample dropped or a zero added when its count differs) → `margin_s`
  of zeros each side → zero-phase Butterworth band-pass (`band_hz`, order) → margins dropped →
  float32 broadband → lowpass = the documented low-pass of the stored broadband
  (`condition.lowpass_of_stored`, the training conditioning filter).
Every step is linear in amplitude; no sample is shifted.

Conditioning store (records of different lengths): broadband, lowpass (N, C, L) with L the longest
record, shorter ones zero-padded at the end; columns `n_samples` (int64: the record's own length at
the model's rate), `start_time` (ISO-8601 of the first sample, '' when the file has none, e.g. AT2; a 3-component
record's: its files' common time span's, `groups.aligned`),
`event_date` (YYYY-MM-DD, the event's date as the header gives it: an AT2's line 2, the origin's UTC date;
'' when unknown or a 3-component record's files give different dates: `groups.group_metadata`; no start
time), `network`, `station`, `location`, `channel` (a 3-component record: the three
channel codes joined by ','), `component` (H1, H2, Z, H or ?, 'H1,H2,Z' for a triplet: `groups.group_component`, as `preprocess` writes
it; the model's vertical flag), `quantity_in_file` (acceleration | velocity | displacement), `units_in_file` (a triplet whose
files differ: each component's in channel order, joined by ',', units by ' | ': `per_component`), `event`,
`source_file`, `region` (`preprocess.regions`, '' when unknown: the level model's test, engine/hf_level.py),
magnitude/distance_km/vs30_mps/kappa_s from the file header (NaN when unknown), `distance_kind`
("hypocentral": the header's, or from `--hypocenter` and the station's coordinates; '' when no distance),
pga_broadband/pga_lowpass, `source_identity` (each record's input files: resolved path|size|mtime_ns).
Record ids: the reader's ids (no window suffix); a file whose id an earlier file of this run has (one
station's recordings of two events, named alike) is `<its folder>.<id>`, as `preprocess` names it.

The store is a cache of one run's conditioning: its attribute `conditioned_from` holds what its values
depend on besides the files (--units, --quantity, the event of --hypocenter/--magnitude, the model's
preprocessing and components, the seisdiff version, the reading of component names:
`components.COMPONENT_READING_VERSION`, a 3-component store's `readings.TRIPLET_ALIGNMENT_VERSION`). A later run
reuses it only when that matches and no file changed (`source_identity`); else it is rebuilt from the inputs, with
one line saying why.

A conditioning beyond any recorded ground motion gets one warning line naming the likely unit error
(`level_warning`), as `verify` judges stores: a triplet's, of the component farthest beyond, from its file's unit.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from seisdiff import G_MPS2, __version__
from seisdiff.dsp.resample import snap_rate
from seisdiff.errors import InputError, UserError
from seisdiff.io.atomic import fsync_folder
from seisdiff.io.readings import STORE_ALIGNMENT_ATTR, STORE_READING_ATTR, reading_versions, triplet_alignment
from seisdiff.io.formats.renadic import join_parts
from seisdiff.io.readers import find_inputs, read
from seisdiff.io.record import Record
from seisdiff.io.store import create_store, open_store, pad_to_length, unfinished_store
from seisdiff.io.quantity import unit_factor_si
from seisdiff.io.units import canonical_unit
from seisdiff.io.validate import PLAUSIBLE_PEAK_MPS2, check_record, demeaned_peak_mps2, likely_unit
from seisdiff.preprocess.condition import (PreprocessConfig, broadband_of_segments, clean_and_resample,
                                           lowpass_of_stored)
from seisdiff.preprocess.regions import record_region
from seisdiff.preprocess.groups import (CHANNEL_ORDER, group_component, group_metadata,
                                        location_code, single_groups, triplet_groups)
from seisdiff.preprocess.metadata import COLUMNS, PLACE_COLUMNS, lookup

# Beyond any recorded ground motion: a raw peak above seisdiff.io.validate.PLAUSIBLE_PEAK_MPS2[1]
# (50 m/s² ≈ 5.1 g; the largest accelerations ever recorded are about 4 g, 2008 Iwate–Miyagi IWTH25),
# or a low band above 20 m/s² at a 1 Hz crossover: the strongest near-fault pulses (PGV ≈ 3 m/s at
# periods of 1 s and longer) reach at most 2π·PGV/T ≈ 19 m/s² below 1 Hz (the limit grows with the
# crossover, as a pulse's acceleration grows with its frequency).
MAX_RAW_PEAK_MPS2 = PLAUSIBLE_PEAK_MPS2[1]
MAX_LOWBAND_PEAK_MPS2_AT_1HZ = 20.0
MIN_PERIODS_OF_CROSSOVER = 2.0   # shorter records hold no low band to condition on
WHOLE_TAPER = "taper_fraction, at most the window's"   # `whole_taper_fraction`; a cache without it is rebuilt



def samples_at(n: int, fs_in_hz: float, fs_hz: float) -> int:
    """Samples of a record of n samples at fs_in_hz once at fs_hz: round(duration·fs_hz), halves up."""
    return int(math.floor(n * float(fs_hz) / float(fs_in_hz) + 0.5))


def condition_whole(acc_mps2: np.ndarray, sampling_rate_hz: float, cfg: PreprocessConfig,
                    lowband_input: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(C, n) raw acceleration, m/s², at sampling_rate_hz → (broadband, lowpass), each (C, m) float32 m/s² at
    cfg.sampling_rate_hz, m = samples_at(n, sampling_rate_hz, cfg.sampling_rate_hz) (see the module docstring).
    lowband_input: the input is already a low band cut at the model's crossover (a simulation delivered
    low-passed there; `sample --lowband-input`): its band-passed self is the conditioning, not filtered again (a
    second cut would leave 1–1.3 Hz nearly empty: docs/MEASUREMENTS.md, "A scenario against BSSA14")."""
    fs = cfg.sampling_rate_hz
    m = samples_at(np.shape(acc_mps2)[-1], sampling_rate_hz, fs)
    taper = whole_taper_fraction(np.shape(acc_mps2)[-1], sampling_rate_hz, cfg)
    x = clean_and_resample(acc_mps2, sampling_rate_hz, dataclasses.replace(cfg, taper_fraction=taper))
    margin = int(round(cfg.margin_s * fs))
    padded = np.zeros(x.shape[:-1] + (m + 2 * margin,))
    keep = min(m, x.shape[-1])
    padded[..., margin:margin + keep] = x[..., :keep]
    broadband = broadband_of_segments(padded[None], dataclasses.replace(cfg, length=m))[0]   # one segment, whole
    return broadband, (broadband.copy() if lowband_input else lowpass_of_stored(broadband, cfg))


def whole_taper_fraction(n: int, sampling_rate_hz: float, cfg: PreprocessConfig) -> float:
    """The share of a whole record of n samples at sampling_rate_hz tapered at each end: cfg.taper_fraction of
    its length up to the training window's (cfg.length samples at cfg.sampling_rate_hz: 2.05 s for the
    default's 41 s), no more. A share of any length would reach into a transient's motion as quiet is added
    around it: a simulation's 240 s output whose motion starts 5 s in lost up to 21 % of its low band's peak
    to a 12 s taper, and its generated high band 0.1–0.27 ln with it (the level model reads the low band).
    Records up to the window's length keep cfg.taper_fraction exactly."""
    window_n = cfg.length * float(sampling_rate_hz) / cfg.sampling_rate_hz      # the window, in input samples
    if n <= window_n:
        return cfg.taper_fraction
    return cfg.taper_fraction * (window_n - 1.0) / (n - 1.0)


def usable_rate(rec: Record, cfg: PreprocessConfig) -> float:
    """The sampling rate to condition rec at: its own, or the exact rate a header's rounded time step stands
    for (`dsp.resample.snap_rate`: DT= .0033333 s → 300 Hz); InputError when it carries no crossover or
    resamples to the model's rate by no small ratio."""
    fs = rec.sampling_rate_hz
    if fs < 2.5 * cfg.lowpass_hz:
        raise InputError(rec.source_file or rec.record_id,
                         f"sampled at {fs:g} Hz, too coarse to carry the model's {cfg.lowpass_hz:g} Hz crossover; "
                         f"give a record sampled at ≥ {2.5 * cfg.lowpass_hz:g} Hz")
    try:
        return snap_rate(fs, cfg.sampling_rate_hz)
    except ValueError as exc:
        raise InputError(rec.source_file or rec.record_id,
                         f"{exc}; resample the file to a rate such as {cfg.sampling_rate_hz:g} Hz, or correct "
                         "its header's time step") from None


def level_warning(raw_peak_mps2: float, lowband_peak_mps2: float, lowpass_hz: float,
                  units_in_file: str = "", quantity: str = "",
                  advice: str = "check --units or the file's header") -> str | None:
    """None for a plausible ground motion; else one line: what is implausible and the likely unit error
    (`validate.likely_unit`, the table the readers use), from the unit the file declared (m/s² when it
    declared none), ending with `advice`. raw_peak_mps2: demeaned peak of the input as read;
    lowband_peak_mps2: peak of its conditioning (the model's low-pass)."""
    low_limit = MAX_LOWBAND_PEAK_MPS2_AT_1HZ * max(1.0, float(lowpass_hz))
    excess = max(raw_peak_mps2 / MAX_RAW_PEAK_MPS2, lowband_peak_mps2 / low_limit)
    if not excess > 1.0:
        return None
    raw = f"peak {raw_peak_mps2:.3g} m/s² ({raw_peak_mps2 / G_MPS2:.3g} g), " if raw_peak_mps2 > 0 else ""
    what = (f"{raw}low band {lowband_peak_mps2:.3g} m/s²: beyond any recorded ground motion (peaks ≤ {MAX_RAW_PEAK_MPS2:g} m/s², low band below "
            f"{lowpass_hz:g} Hz ≤ {low_limit:g} m/s²)")
    quantity, unit = _declared(units_in_file, quantity)
    guess = likely_unit(excess * MAX_RAW_PEAK_MPS2 * 0.999, unit, quantity) if unit else None
    if guess and guess != "counts":
        return f"{what}; looks like {guess} read as {unit}: {advice}"
    return f"{what}: a unit error (raw counts?); {advice}"


def group_level_warning(group, lowpass_mps2: np.ndarray, lowpass_hz: float) -> str | None:
    """`level_warning` of a record group (lowpass_mps2: its conditioning, (C, n) m/s²) judged on the component
    farthest beyond a recorded ground motion, with that component's file and declared unit ('<file>: …'; a
    3-component record's '<file> <channel>: …'); None when every component is plausible."""
    raw = [demeaned_peak_mps2(a) for a in group.acc_mps2]
    low = [float(np.abs(x).max()) for x in lowpass_mps2]
    limit = MAX_LOWBAND_PEAK_MPS2_AT_1HZ * max(1.0, float(lowpass_hz))
    worst = max(range(len(raw)), key=lambda i: max(raw[i] / MAX_RAW_PEAK_MPS2, low[i] / limit))
    rec = group.records[worst]
    line = level_warning(raw[worst], low[worst], lowpass_hz, rec.units_in_file, rec.metadata.get("quantity", ""))
    if line is None:
        return None
    return f"{rec.source_file}{f' {rec.component}' if len(group.records) > 1 else ''}: {line}"


def _declared(units_in_file: str, quantity: str = "") -> tuple[str, str]:
    """(quantity, unit) of a reader's units_in_file ('cm/s^2', 'nm/s (SAC idep=IVEL)', …); unit '' when unknown."""
    token = str(units_in_file).split(" (")[0].strip() or "m/s^2"
    named = re.match(r"(acceleration|velocity|displacement) in (\S+)", token)   # 'velocity in nm/s (SAC …)'
    if named:
        quantity, token = named.groups()
    for q in ([quantity] if quantity else []) + ["acceleration", "velocity", "displacement"]:
        try:
            if q == "acceleration":
                return q, canonical_unit(token)
            unit_factor_si(q, token)
            return q, token
        except UserError:
            continue
    return quantity or "acceleration", ""


def config_for_model(spec: dict | None, ckpt_path) -> PreprocessConfig:
    """The checkpoint's training preprocessing settings (ckpt["store"]) as a PreprocessConfig;
    UserError when the checkpoint does not record them."""
    if not spec:
        raise UserError(f"{ckpt_path}: the checkpoint does not record its training data's sampling rate, window "
                        "and filters, so waveform files cannot be prepared for it; pass as --cond a store made "
                        "by `seisdiff preprocess` with the training settings")
    known = {f.name for f in fields(PreprocessConfig)}
    given = dict(spec.get("preprocess") or {})
    given.update({"sampling_rate_hz": spec["sampling_rate_hz"], "lowpass_hz": spec["lowpass_hz"],
                  "length": spec["length"], "band_hz": spec["band_hz"]})
    return PreprocessConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if k in known})


def store_level_warnings(store, rows, limit: int = 10) -> list[str]:
    """Warnings (at most `limit`) for the records `rows` of a conditioning store whose low band
    (column pga_lowpass) is beyond any recorded ground motion (`level_warning`)."""
    if "pga_lowpass" not in store.columns:
        return []
    peak = store.column("pga_lowpass")[rows]
    bad = np.flatnonzero([level_warning(0.0, float(p), store.lowpass_hz) is not None for p in peak])[:limit]
    return [f"{store.record_ids[rows[i]]}: {level_warning(0.0, float(peak[i]), store.lowpass_hz)}" for i in bad]


@dataclass
class Prepared:
    store: object                                   # the conditioning Store
    skipped: list = field(default_factory=list)     # (file, reason)
    warnings: list = field(default_factory=list)    # (record id, line)
    notes: list = field(default_factory=list)       # lines: the store was rebuilt, and why


MADE_FROM = "conditioned_from"   # store attribute: the settings a conditioning store was made with
IDENTITY = "source_identity"     # column: each record's input files as `file_identity` gives them


def file_identity(path) -> str:
    """'resolved path|size|mtime_ns' of an input file (a changed file has another); '' when it cannot be read."""
    try:
        resolved = Path(path).resolve()
        st = resolved.stat()
    except OSError:
        return ""
    return f"{resolved}|{st.st_size}|{st.st_mtime_ns}"


def made_from(cfg: PreprocessConfig, n_channels: int, units, quantity, event, lowband_input: bool = False) -> dict:
    """Everything a conditioning store's values depend on besides its input files (as JSON gives it back)."""
    return json.loads(json.dumps({"units": units, "quantity": quantity, "event": event or None,
                                  "n_channels": int(n_channels), "preprocess": cfg.as_attrs(),
                                  "taper": WHOLE_TAPER, "seisdiff": __version__,
                                  **reading_versions(n_channels),
                                  **({"lowband_input": True} if lowband_input else {})}))


def _stale(out: Path, settings: dict, identities: dict, length: int) -> str | None:
    """Why the conditioning store `out` cannot take this run's records (None: it can: made with `settings`,
    its records' files unchanged (`identities`: record id → identity), every record among this run's and
    of the store's length). UserError when `out` is something else than a conditioning store."""
    if not out.exists():
        return None
    attrs = None
    if (out / "zarr.json").is_file():
        try:
            attrs = dict(json.loads((out / "zarr.json").read_text()).get("attributes") or {})
        except (ValueError, AttributeError):
            attrs = {}
    entries = {p.name for p in out.iterdir()} if out.is_dir() else {"?"}
    if not entries:
        return None
    if unfinished_store(out):                                           # create_store killed before its attrs
        return "left incomplete by an interrupted run"
    if not (attrs or {}).get("whole_records"):
        raise UserError(f"{out}: exists and is no conditioning store of `sample` (it would be replaced); move it "
                        "away or choose another --out")
    old = attrs.get(MADE_FROM)
    if old is None:
        return "does not record the settings it was made with"
    if old != settings:
        keys = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        shown = {"units": "--units", "quantity": "--quantity", "event": "--hypocenter/--magnitude",
                 "preprocess": "the model's preprocessing", "n_channels": "the model's components",
                 "lowband_input": "--lowband-input", "taper": "an end taper of another length",
                 STORE_READING_ATTR: f"the reading of component names: version {old.get(STORE_READING_ATTR, 1)}, "
                                     f"now {settings.get(STORE_READING_ATTR)}",
                 STORE_ALIGNMENT_ATTR: f"three-component records placed in time with "
                                       f"{triplet_alignment(old.get(STORE_ALIGNMENT_ATTR, 1))}, now "
                                       f"{triplet_alignment(settings.get(STORE_ALIGNMENT_ATTR))}"}
        return f"was made with other settings ({', '.join(shown.get(k, k) for k in keys)})"
    store = open_store(out)
    had = dict(zip(store.record_ids.tolist(), store.column(IDENTITY).tolist())) if IDENTITY in store.columns else {}
    changed = sorted(rid for rid, ident in had.items() if rid in identities and identities[rid] != ident)
    if changed:
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        return f"input file of {changed[0]}{more} changed since it was conditioned"
    if set(had) - set(identities):
        return f"holds {len(set(had) - set(identities))} record(s) of inputs not given now"
    if store.length != length:
        return f"holds records of {store.length} samples at most, this run's {length}"
    if any(c not in store.columns for c in WHOLE_COLUMNS):
        return f"was made without the column(s) {', '.join(c for c in WHOLE_COLUMNS if c not in store.columns)}"
    return None


def _remove_store(out: Path) -> None:
    """Delete the conditioning store out: renamed first (atomic), so an interrupted removal leaves no half
    store at out; a leftover of an earlier interrupted removal goes too."""
    doomed = out.with_name(out.name + ".stale")
    shutil.rmtree(doomed, ignore_errors=True)
    out.rename(doomed)
    fsync_folder(out.parent)        # the rename on disk before a new store is built at out
    shutil.rmtree(doomed, ignore_errors=True)


def prepare_conditioning(inputs: list[str], out, cfg: PreprocessConfig, *, n_channels: int = 1,
                         units: str | None = None, quantity: str | None = None, rank: int = 0, world: int = 1,
                         progress: bool = True, event: dict | None = None, lowband_input: bool = False) -> Prepared:
    """Read the waveform files/folders/globs `inputs` (this rank's share: files[rank::world]), condition
    each record group whole and append the groups not yet there to the store `out` (created with
    L = the longest record; re-runs with the same inputs add nothing). event: the files' event's metadata
    (magnitude, hypo_lat, hypo_lon, hypo_depth_km; `preprocess.metadata`), for what their headers do not
    give: a record with the station's coordinates and no distance gets its hypocentral distance, and
    records whose files name no event are that event's (GIVEN_EVENT: the level model places each station
    among them, `engine.hf_level`). lowband_input: the files hold a low band already cut at the crossover
    (`condition_whole`). UserError when no file is usable."""
    files, problems = find_inputs(inputs)
    result = Prepared(None, [(str(p), r) for p, r in problems])
    records: list[Record] = []
    seen: dict[str, str] = {}
    identity: dict[str, str] = {}       # record id → its file's identity, taken before reading it
    min_s = MIN_PERIODS_OF_CROSSOVER / cfg.lowpass_hz
    for path in tqdm(files[rank::world], desc="conditioning", unit="file", disable=None if progress else True):
        before = file_identity(path)
        try:
            got = read(path, units=units, quantity=quantity)
        except InputError as exc:
            result.skipped.append((exc.path, exc.reason))
            continue
        result.notes += segment_notes(path, got, three=n_channels == 3)
        for rec in got:
            try:  # each trace on its own: a dead or too short one does not lose its file's good ones
                check_record(rec, min_duration_s=min_s)
                rec.sampling_rate_hz = usable_rate(rec, cfg)
            except InputError as exc:
                named = len(got) == 1 or exc.reason.startswith("record ")
                result.skipped.append((exc.path, exc.reason if named else f"record {rec.record_id}: {exc.reason}"))
                continue
            if rec.record_id in seen:   # one station's file of another event, named alike: `<folder>.<id>`
                taken = f"{Path(path).parent.name}.{rec.record_id}"   # (as `preprocess` names it)
                if taken in seen or not Path(path).parent.name:
                    result.skipped.append((str(path), f"record id {rec.record_id} already comes from "
                                           f"{seen[rec.record_id]}" + (f" and {taken} from {seen[taken]}" if
                                           taken in seen else "") + "; rename the file or its folder, or "
                                           "sample it into another --out"))
                    continue
                rec.record_id = taken
            seen[rec.record_id] = str(path)
            identity[rec.record_id] = before
            records.append(rec)
    records = _joined_parts(records, identity)
    if n_channels == 1:
        groups = single_groups(records)
    else:
        groups, incomplete = triplet_groups(records, min_span_s=min_s)
        result.skipped += [(r.source_file, reason) for r, reason in incomplete]
    conditioned = []
    merged = {g.group_id: group_metadata(g) for g in groups}   # the event as each group's files give it, not its first
    for g in groups:
        result.warnings += [(g.group_id, line) for line in g.warnings + merged[g.group_id][1]]
        bb, lp = condition_whole(g.acc_mps2, g.sampling_rate_hz, cfg, lowband_input)
        conditioned.append((g, bb, lp))
        line = group_level_warning(g, lp, cfg.lowpass_hz)
        if line:
            result.warnings.append((g.group_id, line))
    if not conditioned:
        reasons = "; ".join(f"{f}: {r}" for f, r in result.skipped[:3]) or "no input file"
        raise UserError(f"no usable waveform among --cond {' '.join(map(str, inputs))} ({reasons})")
    length = max(bb.shape[-1] for _, bb, _ in conditioned)
    # the store is a cache of this run's conditioning: reused only when made with the same settings from
    # the same (unchanged) files; else made again (it holds nothing the inputs do not give again)
    out, settings = Path(out), made_from(cfg, n_channels, units, quantity, event, lowband_input)
    idents = {g.group_id: ";".join(identity[r.record_id] for r in g.records) for g, _, _ in conditioned}
    reason = _stale(out, settings, idents, length)
    if reason:
        _remove_store(out)
        result.notes.append(f"{out}: {reason}; rebuilding it from the inputs")
    writer = create_store(out, sampling_rate_hz=cfg.sampling_rate_hz, length=length, n_channels=n_channels,
                          lowpass_hz=cfg.lowpass_hz, band_hz=cfg.band_hz, filter_order=cfg.filter_order,
                          producer=f"seisdiff {__version__} sample (whole-record conditioning)",
                          extra_attrs={"preprocess": cfg.as_attrs(), "whole_records": True, MADE_FROM: settings,
                                       "channels": CHANNEL_ORDER if n_channels == 3 else ["single trace"]})
    new = [c for c in conditioned if c[0].group_id not in writer.existing_ids]
    if new:
        columns = _columns(new, [merged[g.group_id][0] for g, _, _ in new], event) | {
            IDENTITY: np.array([idents[g.group_id] for g, _, _ in new], dtype=str)}
        writer.append(*_block(new, length), [g.group_id for g, _, _ in new], columns)
    result.store = open_store(out)
    return result


def _joined_parts(records: list[Record], identity: dict) -> list[Record]:
    """RENADIC `…parte1`, `…parte2` … files of one record joined into one record, as `preprocess` joins them
    (`join_parts`: `angol1002271parte1_NS` + `…parte2_NS` → `angol1002271_NS`), so that it is conditioned and
    generated whole, not as pieces tapered at the cut; `identity` gains the joined record's (its parts')."""
    joined = join_parts(records)
    by_file = {str(Path(r.source_file)): identity.get(r.record_id, "") for r in records}
    for rec in joined:
        parts = rec.metadata.get("source_parts")
        if parts and rec.record_id not in identity:
            folder = Path(rec.source_file).parent
            identity[rec.record_id] = ";".join(by_file.get(str(folder / name), "") for name in parts)
    return joined


def segment_notes(path, records: list[Record], three: bool = False) -> list[str]:
    """One line per channel that the file `path` holds in several segments (miniSEED with gaps or overlaps,
    read as one record each, `<id>_<start time>`): each is generated as its own record, on its own time
    axis, so the outputs have the input's gaps and overlap where it does (with other high frequencies).
    three (a 3-component model): each time span where all three components have data is its own record
    (`groups.gap_spans`)."""
    by_code: dict[tuple, list[Record]] = {}
    for rec in records:
        code = (rec.network, rec.station, location_code(rec), rec.component)
        by_code.setdefault(code, []).append(rec)
    lines = []
    for code, segments in by_code.items():
        if len(segments) < 2 or not all(r.start_time for r in segments):
            continue
        segments = sorted(segments, key=lambda r: datetime.fromisoformat(r.start_time))
        joints = []
        for a, b in zip(segments, segments[1:]):
            end = datetime.fromisoformat(a.start_time).timestamp() + a.duration_s
            gap_s = datetime.fromisoformat(b.start_time).timestamp() - end
            joints.append(f"a gap of {gap_s:.3g} s ending at {b.start_time}" if gap_s >= 0 else   # where b starts
                          f"an overlap of {-gap_s:.3g} s from {b.start_time}")
        shown = "; ".join(joints[:3]) + (f"; {len(joints) - 3} more" if len(joints) > 3 else "")
        each = ("each time span where all three components have data is generated as its own three-component "
                "record on its own time axis" if three else
                f"each is generated as its own record on its own time axis ({segments[0].record_id}, …)")
        lines.append(f"{path}: {'.'.join(code)} comes in {len(segments)} segments ({shown}): {each}; to get one "
                     f"output, merge the file's segments into one trace first (e.g. ObsPy Stream.merge)")
    return lines


def _block(conditioned: list, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(broadband, lowpass) (n, C, length) float32 m/s², each record zero-padded to the store's length."""
    return (np.stack([pad_to_length(bb, length) for _, bb, _ in conditioned]),
            np.stack([pad_to_length(lp, length) for _, _, lp in conditioned]))


# columns a conditioning store made before them lacks: such a cache is made again, so outputs carry them
# (`component`: the model's vertical flag, `groups.group_component` as `preprocess` writes it; `event_date`)
WHOLE_COLUMNS = ("component", "event_date")
GIVEN_EVENT = "given event"   # the event of files that name none, when `sample --hypocenter/--magnitude` gives it


UNITS_JOIN = " | "   # between a 3-component record's units_in_file: a reader's unit text may hold ',' and ';'


def per_component(values: list[str], join: str = ",") -> str:
    """A record's column of its components' values: the one value they share, else each component's, in channel
    order, joined by `join` (as `channel` joins the codes)."""
    return values[0] if len(set(values)) == 1 else join.join(values)


def _columns(conditioned: list, merged: list[dict], event: dict | None = None) -> dict:
    """The store columns of the (group, broadband, lowpass) records `conditioned`, merged: each group's metadata
    (`groups.group_metadata`: the event as its files give it, not its first file's)."""
    groups = [g for g, _, _ in conditioned]
    first = [g.records[0] for g in groups]
    meta = [lookup({}, [g.group_id], r.metadata.get("rsn"), r.event, m, station=r.station,
                   network=r.network, default_event=event) for g, r, m in zip(groups, first, merged)]
    text = lambda values: np.array(values, dtype=str)
    columns = {name: np.array([m[name] for m in meta], dtype=np.float64) for name in COLUMNS}
    columns.update({
        "distance_kind": text([m["distance_kind"] for m in meta]),
        "n_samples": np.array([bb.shape[-1] for _, bb, _ in conditioned], dtype=np.int64),
        "start_time": text([g.start_time for g in groups]),      # a triplet's: its common span's
        "event_date": text([m.get("event_date", "") for m in merged]),
        "network": text([r.network for r in first]),
        "station": text([r.station for r in first]),
        "location": text([location_code(r) for r in first]),
        "channel": text([",".join(x.component for x in g.records) for g in groups]),
        "component": text([group_component(g) for g in groups]),
        "quantity_in_file": text([per_component([x.metadata.get("quantity", "acceleration") for x in g.records])
                                  for g in groups]),
        "units_in_file": text([per_component([x.units_in_file for x in g.records], UNITS_JOIN) for g in groups]),
        "event": text([r.event or (GIVEN_EVENT if event else "") for r in first]),
        "source_file": text([";".join(x.source_file for x in g.records) for g in groups]),
        "region": text([m.get("region") or record_region(m, r.network)   # the record's places: its files', --hypocenter
                        for m, r in zip(meta, first)]),
    })
    for name in PLACE_COLUMNS:   # where the station and the event are (degrees): SAC outputs carry them
        columns[name] = np.array([m[name] for m in meta], dtype=np.float64)
    return columns


