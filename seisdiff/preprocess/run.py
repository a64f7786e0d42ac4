"""`seisdiff preprocess`: files → records (m/s²) → conditioned windows → store, resumably.

Good input is never lost and bad input never stops the run: each unusable file or record gets one
line (file, reason) in the summary and in `STORE/preprocess_report.csv`. Records are appended in
batches, each an atomic commit, and record ids already in the store are skipped, so a re-run over
the same inputs adds nothing twice and a killed run is completed by the next one. A record id that
another source file (other parent folder or file name) holds already is stored as `<folder>.<id>`.
The store records the version of the reading of component names its records were made with (attribute
`component_reading`, `components.COMPONENT_READING_VERSION`) and, with --components 3, of how a triplet's channels are
placed in time (`triplet_alignment`, `readings.TRIPLET_ALIGNMENT_VERSION`), and how a window shorter than 40 s is
placed in its record (`window_placement`, `condition.WINDOW_PLACEMENT_VERSION`); appending to a store made with another
one (or before stores recorded it) says so in one line, since its records then mix two. Appending with other
settings (the store's `preprocess` attribute) is refused where they change stored samples (`_other_settings`), and
said in one line where they only choose which windows and records are made.
"""
from __future__ import annotations

import csv
import io as _io
import os
import re
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm import tqdm

from seisdiff import __version__
from seisdiff.dsp.kappa import kappa_s
from seisdiff.errors import InputError, UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.readings import STORE_READING_ATTR, other_component_reading, reading_versions
from seisdiff.io.formats.renadic import is_part, join_parts
from seisdiff.io.readers import find_inputs, read
from seisdiff.io.store import create_store
from seisdiff.io.validate import check_record
from seisdiff.preprocess.condition import (ONSET_WINDOW_MIN_S, SHORT_WINDOW_PLACEMENTS, STORE_PLACEMENT_ATTR,
                                           WINDOW_PLACEMENT_VERSION, PreprocessConfig, filter_segments,
                                           placement_matters, placement_version, prepare_group, split_window_id,
                                           window_record_id)
from seisdiff.preprocess.events import csv_event_names, folder_events, name_by_folder, rename_events
from seisdiff.preprocess.groups import (CHANNEL_ORDER, Group, group_component, group_metadata, single_groups,
                                        triplet_groups)
from seisdiff.preprocess.metadata import COLUMNS, EVENT_KEY, PLACE_COLUMNS, load_metadata_csvs, lookup
from seisdiff.preprocess.regions import record_region

REPORT_NAME = "preprocess_report.csv"
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)  # reader threads
READ_AHEAD = 8                                  # files read ahead of the conditioning, per reader thread
REPORT_FIELDS = ["file", "status", "reason", "record_ids"]
# PreprocessConfig settings that only choose which windows and records a run makes, or fill an unknown κ: every
# window and value a store holds is what either run gives it, and nothing reads them back from the `preprocess`
# attribute (`sample` prepares waveform files by the filter, taper and margin; evaluate reads the rate and length),
# so appending with another one is said in one line. Any other setting changes stored samples (create_store compares
# the rate, crossover, band and length; `_other_settings` the filter order, taper, margin and pre-event lead, and
# any setting added later): appending with another one is refused.
CHOICE_SETTINGS = ("windows", "min_window_arias_fraction", "min_duration_s", "measure_kappa")


@dataclass
class Summary:
    files: int = 0
    records_in: int = 0          # traces read
    stored: int = 0              # windows appended this run
    already: int = 0             # groups found in the store already (resume)
    skipped: list = field(default_factory=list)   # (file, reason)
    seconds: float = 0.0
    store_records: int = 0       # records in the store after the run
    unmatched_events: list = field(default_factory=list)  # events of a per-event metadata CSV no input names
    undecided_events: list = field(default_factory=list)  # header events a metadata CSV names in two ways (lines)

    def lines(self) -> list[str]:
        rate = self.stored / self.seconds if self.seconds > 0 else 0.0
        out = [f"files: {self.files}  traces read: {self.records_in}  records stored: {self.stored}  "
               f"already in store: {self.already}  skipped: {len(self.skipped)}",
               f"time: {self.seconds:.1f} s  ({rate:.1f} records/s)  store now holds {self.store_records} records"]
        out += [f"  skipped {file}: {reason}" for file, reason in self.skipped]
        out += [f"  metadata: event '{name}' matches no input record's event; check its spelling against "
                f"the events in the files" for name in self.unmatched_events]
        out += [f"  {line}" for line in self.undecided_events]
        return out


def run_preprocess(inputs: list[str], out: str | Path, cfg: PreprocessConfig | None = None, *,
                   metadata_csv=None, units: str | None = None, quantity: str | None = None,
                   components: str = "each", workers: int | None = None, batch_records: int = 256,
                   progress: bool = True, event_from: str = "auto") -> Summary:
    """Preprocess INPUT files/folders/globs into the store `out`. Returns the run's summary.
    `units`/`quantity`: what files that declare neither hold (seisdiff.io.read).
    `event_from` (auto | header | folder) says where each record's event name comes from
    (seisdiff.preprocess.events)."""
    cfg = cfg or PreprocessConfig()
    t0 = time.perf_counter()
    summary = Summary()
    paths, missing = find_inputs(inputs)
    summary.skipped += [(str(p), reason) for p, reason in missing]
    summary.files = len(paths)
    by_folder = folder_events(inputs, paths, event_from)
    metadata = load_metadata_csvs([metadata_csv] if isinstance(metadata_csv, (str, Path)) else metadata_csv)
    n_channels = 1 if components == "each" else 3
    writer = create_store(out, sampling_rate_hz=cfg.sampling_rate_hz, length=cfg.length,
                          n_channels=n_channels, lowpass_hz=cfg.lowpass_hz, band_hz=cfg.band_hz,
                          filter_order=cfg.filter_order, producer=f"seisdiff {__version__} preprocess",
                          extra_attrs={"preprocess": cfg.as_attrs(),
                                       "channels": CHANNEL_ORDER if n_channels == 3 else ["single trace"],
                                       **_versions(n_channels, cfg.length, cfg.sampling_rate_hz)})
    _refuse_other_maker(out, writer)
    settings_line = _other_settings(out, writer, cfg)   # refused where stored samples would differ
    if settings_line:
        print(settings_line, file=sys.stderr)
    reading_line = _other_reading_line(out, writer)   # said once, when this run first appends to such a store
    existing = writer.existing_ids
    owners = _store_owners(writer)   # group id → its source file(s) ('' unknown), the store's then this run's
    windows = _stored_windows(writer.record_ids)   # group id → its record ids in the store (the report's)
    # the CSV's event names for the header events of the files it lists (this run's and the store's), for the
    # records of those events it does not list: one earthquake, one event name
    listed = [p for p in paths if p.resolve() not in by_folder] + [
        Path(f) for src in owners.values() for f in src.split(";") if f]
    event_names, summary.undecided_events = csv_event_names(listed, metadata) if any(
        "event" in entry for entry in metadata.values()) else ({}, [])
    placed = set()                   # group ids this run has placed
    report_rows = []

    def skip(file, reason):
        summary.skipped.append((str(file), reason))
        report_rows.append({"file": str(file), "status": "skipped", "reason": reason, "record_ids": ""})

    def place(g: Group) -> Group | None:
        """g under its own id, or `<folder>.<id>` when another source has that one; None (reported)
        when both are taken or this run placed the same source's id already."""
        source = ";".join(r.source_file for r in g.records)
        key = _source_key(source)
        alternative = f"{key.split('/')[0]}.{g.group_id}"
        for gid in (g.group_id, alternative):
            owner = owners.setdefault(gid, source)
            if owner and _source_key(owner) != key:
                continue
            if gid in placed:
                skip(source, f"record id {gid} comes twice: {owner} gave it already in this run")
                return None
            owners[gid] = source
            placed.add(gid)
            return g if gid == g.group_id else replace(g, group_id=gid)
        skip(source, f"record id {g.group_id} is taken by {owners[g.group_id]} and {alternative} by "
                     f"{owners[alternative]}: rename the file or its folder, or preprocess it into another store")
        return None

    def flush(groups: list[Group]):
        nonlocal reading_line
        groups = [g for g in map(place, groups) if g is not None]
        new = [g for g in groups if f"{g.group_id}_w0" not in existing]
        summary.already += len(groups) - len(new)
        stored = _store_groups(new, writer, cfg, metadata, skip) if new else {}
        for g in groups:
            ids = stored.get(g.group_id)
            if ids is None and any(g is n for n in new):
                continue  # skipped inside _store_groups, already reported
            status = "stored" if ids is not None else "already stored"
            for r in g.records:
                report_rows.append({"file": r.source_file, "status": status, "reason": "",
                                    "record_ids": " ".join(ids or windows.get(g.group_id) or [f"{g.group_id}_w0"])})
        n_new = sum(len(v) for v in stored.values())
        if n_new and reading_line:
            print(reading_line, file=sys.stderr)
            reading_line = None
        summary.stored += n_new
        existing.update(i for v in stored.values() for i in v)

    bar = tqdm(total=len(paths), desc="preprocess", unit="file", disable=None if progress else True)
    pending, held, parts, events_read = [], [], [], set()
    workers = workers or DEFAULT_WORKERS
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # the AT2 parser releases the GIL
        read_ahead = bounded_map(pool, lambda p: _read_checked(p, units, cfg, quantity), paths, READ_AHEAD * workers)
        for path, result in zip(paths, read_ahead):
            bar.update(1)
            if isinstance(result, InputError):
                skip(result.path, result.reason)
                continue
            result, bad = result
            for exc in bad:  # one unusable trace: reported, the file's other traces kept
                skip(exc.path, exc.reason)
            if path.resolve() in by_folder:
                name_by_folder(result, by_folder[path.resolve()])
            else:
                rename_events(result, event_names)
            summary.records_in += len(result) + len(bad)
            events_read.update(name.strip().lower() for r in result
                               for name in (r.event, r.metadata.get("event_in_file", "")) if name)
            if is_part(path):   # RENADIC parte1, parte2 …: joined into one record once all are read
                parts += result
                continue
            if components == "each":
                pending += single_groups(result)
                if len(pending) >= batch_records:
                    flush(pending)
                    pending = []
            else:
                held += result
            bar.set_postfix(stored=summary.stored, skipped=len(summary.skipped))
    bar.close()
    if parts:
        joined = join_parts(parts)
        if components == "each":
            pending += single_groups(joined)
        else:
            held += joined
    if components != "each":
        groups, incomplete = triplet_groups(held, min_span_s=cfg.min_duration_s)
        for rec, reason in incomplete:
            skip(rec.source_file, reason)
        for line in (line for g in groups for line in g.warnings):
            print(f"preprocess: warning: {line}", file=sys.stderr)
        pending = groups
    for i in range(0, len(pending), batch_records):
        flush(pending[i:i + batch_records])
    _write_report(Path(out) / REPORT_NAME, report_rows)
    summary.unmatched_events = sorted(entry["name"] for k, entry in metadata.items()
                                      if k.startswith(EVENT_KEY) and k[len(EVENT_KEY):] not in events_read)
    summary.seconds = time.perf_counter() - t0
    summary.store_records = len(writer)
    return summary


def _refuse_other_maker(out, writer) -> None:
    """UserError when `out` is a store `preprocess` did not make: `simulate`'s (attribute `simulation`), `sample`'s
    output (`sampling`) or whole-record conditioning (`whole_records`), or one without a `preprocess` attribute (every
    store `preprocess` makes has one): this run's records would sit under its attributes, which describe its own."""
    attrs = writer.attrs
    maker = ("`simulate` made" if "simulation" in attrs else "`sample` generated" if "sampling" in attrs else
             "`sample` conditioned whole" if attrs.get("whole_records") else
             None if isinstance(attrs.get("preprocess"), dict) else "another tool wrote (no `preprocess` attribute)")
    if maker:
        raise UserError(f"{out}: holds {len(writer)} records {maker}, not a training store of `preprocess`; this "
                        "run's records would sit under its attributes: give another --out")


def _other_settings(out, writer, cfg: PreprocessConfig) -> str | None:
    """UserError when the store's records were made with settings that change stored samples other than `cfg`'s
    (its `preprocess` attribute; a setting it lacks, added since, as its default); the warning line when only
    CHOICE_SETTINGS differ; None when alike, and for an empty store, which takes this run's settings."""
    stored = writer.attrs["preprocess"]
    ours, default = cfg.as_attrs(), PreprocessConfig().as_attrs()
    theirs = {**default, **stored}
    differ = [k for k in ours if theirs[k] != ours[k] and k not in _moot(cfg, theirs)]
    if not differ:
        return None
    if len(writer) == 0:
        made = {"preprocess": ours, "filter": {**writer.attrs.get("filter", {}), "order": int(cfg.filter_order)}}
        writer.group.attrs.update(made)
        writer.attrs.update(made)
        return None
    samples = [k for k in differ if k not in CHOICE_SETTINGS]
    keys = samples or differ
    was, now = (", ".join(f"{k} {values[k]}" for k in keys) for values in (theirs, ours))
    if samples:
        raise UserError(f"{out}: its {len(writer)} stored records were preprocessed with {was}, this run asks for "
                        f"{now}, which changes the stored samples, and the store's `preprocess` attribute (how "
                        "`sample` prepares files for a model trained on it) would describe only part of it; run with "
                        "the same settings, or give another --out")
    return (f"preprocess: warning: {out}: its {len(writer)} stored records were made with {was}, this run's with "
            f"{now}: records appended now follow this run's, records stored already are not remade, and the "
            "store's `preprocess` attribute keeps the first run's values; to have one setting throughout, preprocess "
            "all the inputs into a new store (another --out)")


def _moot(cfg: PreprocessConfig, theirs: dict) -> set[str]:
    """Settings that make no difference to a store of cfg's length and rate: the pre-event lead of windows shorter
    than ONSET_WINDOW_MIN_S (placed by their Arias intensity), the share a later window must hold where neither run
    cuts one."""
    moot = {"pre_event_s"} if placement_matters(cfg.length, cfg.sampling_rate_hz) else set()
    return moot | ({"min_window_arias_fraction"} if cfg.windows == 1 and theirs["windows"] == 1 else set())


def _other_reading_line(out, writer) -> str | None:
    """The warning line for appending to a store whose records' channels were read otherwise than this run reads them
    (`readings.other_component_reading`: their component names, a triplet's placing in time) or whose short windows
    were placed otherwise (`_other_placement`); None when alike.
    Stored records are not rewritten; a store holding none yet takes this run's versions."""
    said = "; their ".join(line for line in (other_component_reading(writer.attrs), _other_placement(writer)) if line)
    if not said:
        return None
    if len(writer) == 0:
        versions = _versions(writer.n_channels, writer.length, writer.sampling_rate_hz)
        writer.group.attrs.update(versions)
        writer.attrs.update(versions)
        return None
    return (f"preprocess: warning: {out}: its {len(writer)} stored records' {said}; records appended now follow "
            "this run's, and the store mixes both; to have one, preprocess all the inputs into a new store "
            "(another --out)")


def _versions(n_channels: int, length: int, sampling_rate_hz: float) -> dict:
    """The versions a training store of n_channels and windows of `length` samples at sampling_rate_hz records: how
    its records were read (`readings.reading_versions`) and, for windows shorter than ONSET_WINDOW_MIN_S (where it
    matters), how they were placed in their records (condition.WINDOW_PLACEMENT_VERSION)."""
    placed = {STORE_PLACEMENT_ATTR: WINDOW_PLACEMENT_VERSION} if placement_matters(length, sampling_rate_hz) else {}
    return {**reading_versions(n_channels), **placed}


def _other_placement(writer) -> str | None:
    """How a training store's windows were placed otherwise than this seisdiff places them, as a clause following
    "its records' " (condition.SHORT_WINDOW_PLACEMENTS); None where alike, and where its windows are
    ONSET_WINDOW_MIN_S or longer, which every version places alike. A store without STORE_PLACEMENT_ATTR: as
    `condition.placement_version` infers it."""
    if not placement_matters(writer.length, writer.sampling_rate_hz):
        return None
    attrs = writer.attrs
    version = placement_version(attrs)
    if version == WINDOW_PLACEMENT_VERSION:
        return None
    how = (f"with version {version}" if STORE_PLACEMENT_ATTR in attrs or STORE_READING_ATTR in attrs else
           "by an older seisdiff, which did not record its version of the window placement, taken as version 1")
    return (f"windows ({writer.length} samples at {writer.sampling_rate_hz:g} Hz, shorter than "
            f"{ONSET_WINDOW_MIN_S:g} s) were placed in their records {how}{_placement(version)}, this "
            f"seisdiff's with version {WINDOW_PLACEMENT_VERSION}{_placement(WINDOW_PLACEMENT_VERSION)}: the same "
            "record may give a window of other samples")


def _placement(version) -> str:
    """' (what version `version` of the window placement does with a short window)', '' for one unknown here."""
    return f" ({SHORT_WINDOW_PLACEMENTS[version]})" if version in SHORT_WINDOW_PLACEMENTS else ""


def _store_owners(writer) -> dict[str, str]:
    """{group id: source_file column} of the records in the store ('' where it holds no source)."""
    ids = writer.record_ids
    sources = writer.column("source_file") if "source_file" in writer.columns else [""] * len(ids)
    return {re.sub(r"_w\d+$", "", rid): str(src) for rid, src in zip(ids, sources)}


def _stored_windows(record_ids) -> dict[str, list[str]]:
    """{group id: the record ids of its windows} of the records in the store."""
    windows: dict[str, list[str]] = {}
    for rid in record_ids.tolist():
        windows.setdefault(split_window_id(rid)[0], []).append(rid)
    return windows


def _source_key(source: str) -> str:
    """Parent folder + file name of each ';'-joined source file: the same file read from another working
    directory has the same key."""
    keys = []
    for file in source.split(";"):
        path = Path(os.path.normpath(file))
        if len(path.parts) < 2 or path.parts[-2] == "..":
            path = Path(os.path.abspath(file))
        keys.append("/".join(path.parts[-2:]))
    return ";".join(keys)


def bounded_map(pool, fn, items, ahead: int):
    """`pool.map(fn, items)` in order, with at most `ahead` items submitted beyond the one being yielded:
    Executor.map submits every item at once, so on tens of thousands of files the readers would hold every
    record in memory while the conditioning catches up."""
    items, pending = iter(items), deque()
    for item in islice(items, max(1, ahead)):
        pending.append(pool.submit(fn, item))
    while pending:
        result = pending.popleft().result()
        for item in islice(items, 1):
            pending.append(pool.submit(fn, item))
        yield result


def _read_checked(path: Path, units: str | None, cfg: PreprocessConfig, quantity: str | None = None):
    """(usable records, [InputError for each unusable one]) of one file, each record checked on its
    own; an InputError (returned, not raised) when the file itself is unusable."""
    try:
        good, bad = [], []
        for rec in read(path, units=units, quantity=quantity):
            try:
                check_record(rec, min_duration_s=cfg.min_duration_s)
                good.append(rec)
            except InputError as exc:
                bad.append(exc)
        return good, bad
    except InputError as exc:
        return exc
    except Exception as exc:  # a reader bug must not lose the other files: report it as this file's
        return InputError(path, f"unreadable ({exc.__class__.__name__}: {exc})")


def _prepare(group: Group, cfg: PreprocessConfig):
    """Segments of one group, or the reason it cannot be conditioned."""
    try:
        return prepare_group(group.acc_mps2, group.sampling_rate_hz, cfg)
    except (ValueError, FloatingPointError) as exc:
        return str(exc)


def _store_groups(groups: list[Group], writer, cfg: PreprocessConfig, metadata: dict, skip) -> dict:
    """Condition a batch of groups and append all their windows in one commit.

    Returns {group_id: [record ids stored]}."""
    segments, owners = [], []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # numba kernels release the GIL
        prepared = list(pool.map(lambda g: _prepare(g, cfg), groups))
    for g, seg in zip(groups, prepared):
        if isinstance(seg, str):
            for r in g.records:
                skip(r.source_file, f"cannot condition record: {seg}")
            continue
        segments.append(seg)
        owners += [(g, w) for w in range(len(seg))]
    if not segments:
        return {}
    broadband, lowpass = filter_segments(np.concatenate(segments), cfg)
    ids = [window_record_id(g.group_id, w) for g, w in owners]
    first = [g.records[0] for g, _ in owners]
    merged = {id(g): group_metadata(g) for g, _ in owners}   # the event as the group's files give it
    for g in {id(g): g for g, _ in owners}.values():
        for line in merged[id(g)][1]:
            print(f"preprocess: warning: {line}", file=sys.stderr)
    meta = [lookup(metadata, [g.group_id, r.record_id, r.metadata.get("record_id_in_file")], r.metadata.get("rsn"),
                   r.event, merged[id(g)][0], station=r.station, network=r.network)
            for (g, _), r in zip(owners, first)]
    columns = {name: np.array([m[name] for m in meta], dtype=np.float64) for name in COLUMNS + PLACE_COLUMNS}
    if cfg.measure_kappa:
        measured = kappa_s(broadband, cfg.sampling_rate_hz, lowpass_hz=cfg.band_hz[1],
                           filter_order=cfg.filter_order, per_record_axes=2)
        columns["kappa_s"] = np.where(np.isnan(columns["kappa_s"]), measured, columns["kappa_s"])
    columns.update({
        "distance_kind": np.array([m["distance_kind"] for m in meta], dtype=str),
        "event": np.array([m.get("event", r.event) for m, r in zip(meta, first)], dtype=str),
        "station": np.array([r.station for r in first], dtype=str),
        "component": np.array([group_component(g) for g, _ in owners], dtype=str),
        "region": np.array([m.get("region") or record_region(m, r.network)   # the record's places: its files', the CSV's
                            for m, r in zip(meta, first)], dtype=str),
        "source_file": np.array([";".join(x.source_file for x in g.records) for g, _ in owners], dtype=str),
    })
    writer.append(broadband, lowpass, ids, columns)
    stored = {}
    for (g, _), rid in zip(owners, ids):
        stored.setdefault(g.group_id, []).append(rid)
    return stored


def _write_report(path: Path, rows: list[dict]) -> None:
    """Merge this run's rows into the report (latest line per file and status wins), atomically. A file's
    "stored" line names the records of all its traces (a CWB or miniSEED file of three: three ids). A file found
    in the store already keeps the report's line; it gets a "stored" line where the report has none: a killed
    run committed its records and was stopped before it wrote the report."""
    merged = {}
    if path.exists():
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                merged[(row["file"], row["reason"])] = row
    stored = {}   # (file, reason) → its stored rows of this run, each trace's
    for row in rows:
        if row["status"] in ("stored", "already stored"):
            stored.setdefault((row["file"], row["reason"]), []).append(row)
        else:
            merged[(row["file"], row["reason"])] = row
    for key, group in stored.items():
        if key in merged and all(row["status"] == "already stored" for row in group):
            continue
        ids = dict.fromkeys(rid for row in group for rid in row["record_ids"].split())
        merged[key] = {**group[0], "status": "stored", "record_ids": " ".join(ids)}
    buf = _io.StringIO()
    out = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
    out.writeheader()
    out.writerows(merged.values())
    write_text_atomic(path, buf.getvalue())
