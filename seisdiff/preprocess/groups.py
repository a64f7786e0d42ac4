"""Grouping traces into store records: one trace each (C=1) or three components (C=3).

Three-component records gather the traces of one event and station at one sampling rate and order
them H1 (north–south-like), H2 (east–west-like), Z (vertical) — `CHANNEL_ORDER` — on their common time span
where the files give their start times (`aligned`). A channel read in several segments (a file with gaps) gives one
record per time span where all three have data (`gap_spans`).
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from seisdiff.io.components import component_kind
from seisdiff.io.formats.common import iso_utc, utc_moment
from seisdiff.io.record import Record

CHANNEL_ORDER = ["H1 (N-S, 000/360/180, ...)", "H2 (E-W, 090/270, ...)", "Z (up)"]
_KIKNET_SENSOR = re.compile(r"(?:NS|EW|UD)([12])")


@dataclass
class Group:
    group_id: str                # store record id stem (window suffix added later)
    records: list[Record]        # 1 or 3 traces, in channel order
    acc_mps2: np.ndarray         # (C, n) m/s², traces cut to a common span (`aligned`)
    sampling_rate_hz: float
    start_time: str = ""         # ISO-8601 of acc_mps2's first sample ('' when unknown)
    warnings: list[str] = field(default_factory=list)   # lines for stderr (offsets not whole samples)


# how triplet_groups places three traces in time is versioned: readings.TRIPLET_ALIGNMENT_VERSION (bump it when
# `aligned` places them otherwise; stores and conditioning caches record it)
# a start-time offset this close to a whole number of samples is taken as whole without a word
WHOLE_SAMPLE_TOLERANCE = 0.01
# three traces whose common span is shorter than this fraction of the longest are one record all the same (when the span
# is at least the minimum duration, as a gap's spans are), with one line saying how much of which channel is left out
MIN_COMMON_SPAN_FRACTION = 0.5
# a station's traces this far apart (seconds without data) are separate recordings (other events), not segments of one
SEPARATE_RECORDINGS_S = 60.0


def single_groups(records: list[Record]) -> list[Group]:
    """Every trace a record (C = 1)."""
    return [Group(r.record_id, [r], r.acc_mps2[None, :], r.sampling_rate_hz, r.start_time) for r in records]


# what a header says of the event, read from each file of a 3-component record alike: each is known when the files
# that give it agree (a file that does not give it says nothing), unknown when they disagree; the fields of a tuple
# are unknown together when one of them is given differently (a hypocentre, a distance and its kind)
EVENT_FIELDS = ("event_date", "origin_time", "magnitude", ("hypo_lat", "hypo_lon", "hypo_depth_km"),
                ("distance_km", "distance_kind"))


def group_metadata(group: Group) -> tuple[dict, list[str]]:
    """(metadata, lines) of a record group: its first trace's metadata with each EVENT_FIELDS field the one its
    traces' files give (any of them, not only the first's); fields they give differently are dropped (unknown, not
    the first file's), with one line naming the files and the values they give."""
    meta = dict(group.records[0].metadata)
    disagreements = []
    for fields in EVENT_FIELDS:
        given = {k: _given(group.records, k) for k in (fields if isinstance(fields, tuple) else (fields,))}
        for k in given:
            meta.pop(k, None)
        split = [_shown(k, values) for k, values in given.items() if len(values) > 1]
        disagreements += split
        if not split:
            meta.update({k: next(iter(values)) for k, values in given.items() if values})
    if not disagreements:
        return meta, []
    return meta, [f"{group.group_id}: its files disagree on the {' and the '.join(disagreements)}: left unknown for "
                  "the record; check that they record one event"]


def _shown(key: str, values: dict) -> str:
    """'event_date (A.AT2: 2004-02-04; B.AT2, C.AT2: 2004-02-03)' of _given's {value: files}."""
    return f"{key} (" + "; ".join(", ".join(files) + f": {value}" for value, files in values.items()) + ")"


def _given(records: list[Record], key: str) -> dict:
    """{value: [files that give it]} of metadata[key] over records (not given: absent, '' or NaN)."""
    given = defaultdict(list)
    for rec in records:
        value = rec.metadata.get(key)
        if value is not None and value != "" and value == value:      # value == value: not NaN
            given[value].append(os.path.basename(rec.source_file) or rec.record_id)
    return given


def record_kind(rec: Record) -> str:
    """component_kind of the record's name; where the name says nothing, 'Z' or 'H' as its reader
    found it (metadata["orientation"]), else '?'. A reader's 'Z' (e.g. a StationXML dip) also wins
    over a SEED numeric channel (HN1 may be vertical)."""
    kind = component_kind(rec.component)
    found = rec.metadata.get("orientation", "?")
    numeric_seed = bool(re.fullmatch(r"[A-Z]{2}[0-9]", rec.component.strip().upper()))
    if kind == "?" or (found == "Z" and numeric_seed):
        return found
    return kind


def group_component(group: Group) -> str:
    """A store's `component` of a record group: 'H1,H2,Z' for a triplet (its channel order); else the trace's
    record_kind ('H1', 'H2', 'Z', 'H' or '?'). `preprocess` and `sample`'s whole-record conditioning alike."""
    return "H1,H2,Z" if len(group.records) == 3 else record_kind(group.records[0])


def location_code(rec: Record) -> str:
    """The SEED location code of a record whose id ends in NET.STA.LOC.CHA (ObsPy formats), else ''."""
    parts = rec.record_id.split(".")
    if len(parts) >= 4 and (parts[-4], parts[-3], parts[-1]) == (rec.network, rec.station, rec.component):
        return parts[-2]
    return rec.metadata.get("location", "")


def sensor(rec: Record) -> str:
    """Which of a station's sensors recorded the trace: its SEED location code, KiK-net's 1 (borehole) or 2
    (surface) after the channel (NS1, UD2), else ''."""
    kiknet = _KIKNET_SENSOR.fullmatch(rec.component.strip().upper())
    return location_code(rec) + (kiknet.group(1) if kiknet else "")


def triplet_groups(records: list[Record], min_span_s: float = 0.0) -> tuple[list[Group], list[tuple[Record, str]]]:
    """Group traces by (event, station, network, sensor, rate) into 3-component records: two sensors at
    one station (location codes 00 and 10, KiK-net's borehole and surface) make two records. A channel in
    several segments (gaps: `gap_spans`) gives one record per time span where all three have data, of at least
    min_span_s seconds.

    Returns (groups, skipped) where skipped holds (record, reason) for incomplete or ambiguous sets.
    """
    by_key = defaultdict(list)
    for rec in records:
        by_key[(rec.event, rec.station or rec.record_id, rec.network, sensor(rec), rec.sampling_rate_hz)].append(rec)
    groups, skipped = [], []
    for recs in by_key.values():
        kinds = _triplet_kinds(recs)
        spans = gap_spans(recs, min_span_s) if kinds is None else None
        if kinds is None and spans is None:
            found = ", ".join(sorted(f"{r.component or '?'}" for r in recs))
            for r in recs:
                skipped.append((r, _lacking(r, recs) or f"incomplete three-component set ({found}); need H1, H2 and Z "
                                f"of one event and station{_segmented(recs)} — use --components each to keep it"))
            continue
        used = {(r.record_id, r.source_file) for _, ordered, _ in spans or [] for r in ordered}   # cut copies
        skipped += [(r, _lacking(r, recs) or "no time span where it and the station's other two components have "
                     f"data{_segmented(recs)}") for r in recs if spans and (r.record_id, r.source_file) not in used]
        for suffix, ordered, short in spans or [("", [kinds["H1"], kinds["H2"], kinds["Z"]], "")]:
            placed = short or aligned(ordered, min_span_s)
            if isinstance(placed, str):
                skipped += [(r, placed) for r in ordered]
                continue
            acc, start_time, warnings = placed
            stem = _common_stem([r.record_id for r in ordered]) + suffix
            warnings += [f"{stem}: {line}" for line in [mixed_sensors(ordered)] if line]
            if suffix:
                warnings.append(f"{stem}: {acc.shape[-1] / ordered[0].sampling_rate_hz:.6g} s where all three "
                                f"components have data ({_split_channels(recs)}): a record of its own")
            groups.append(Group(stem, ordered, acc, ordered[0].sampling_rate_hz, start_time, warnings))
    sensors = defaultdict(set)   # a stem's sensors: one sensor's recordings of two events keep their stem
    for g in groups:
        sensors[g.group_id].add(sensor(g.records[0]))
    for g in groups:   # KiK-net's IWTH25….NS1 and ….NS2 share a stem: the sensor tells them apart
        if len(sensors[g.group_id]) > 1 and sensor(g.records[0]):
            g.group_id = f"{g.group_id}_{sensor(g.records[0])}"
    return groups, skipped


def _lacking(rec: Record, recs: list[Record]) -> str:
    """Why rec is no three-component record when a station's channels come in several traces (else ''): the
    recording it belongs to (`_recordings`: separate recordings, e.g. of other events, lie more than
    SEPARATE_RECORDINGS_S apart) lacks a channel, which merging a channel's traces cannot give."""
    if not _split_channels(recs):
        return ""
    recordings = _recordings(recs)
    recording = next((r for r in recordings if any(rec is other for other in r)), [])
    kinds = {record_kind(r) for r in recording}
    lacking = [k for k in ("H1", "H2", "Z") if k not in kinds]
    if not recording or not lacking or not kinds <= {"H1", "H2", "Z"}:
        return ""
    channels = ", ".join(sorted({_channel_id(r) for r in recording}))
    apart = (f" (the station's other traces are more than {SEPARATE_RECORDINGS_S:g} s away: separate recordings, "
             "not segments to merge)") if len(recordings) > 1 else ""
    return (f"the set lacks a channel for the recording at {recording[0].start_time}: {channels} but no "
            f"{' or '.join(lacking)}{apart} — use --components each to keep it")


def _recordings(recs: list[Record]) -> list[list[Record]]:
    """A station's traces in separate recordings, each in order of start time: a trace starting more than
    SEPARATE_RECORDINGS_S after every earlier one has ended begins a new recording; [] when a start time is
    unknown."""
    starts = [utc_moment(r.start_time) for r in recs]
    if None in starts:
        return []
    recordings, last_end = [], None
    for t, rec in sorted(zip(starts, recs), key=lambda seg: seg[0]):
        if last_end is None or (t - last_end).total_seconds() > SEPARATE_RECORDINGS_S:
            recordings.append([])
        recordings[-1].append(rec)
        end = _end((t, rec), rec.sampling_rate_hz)
        last_end = end if last_end is None else max(last_end, end)
    return recordings


def _segmented(recs: list[Record]) -> str:
    """'; XX.STA..HNE in 2 traces (…): …' for the channels of a station's traces read in several segments (a gap or
    an overlap in the file: ids `<id>_<start time>`) or files, with what to do; '' when none is."""
    split = _split_channels(recs)
    if not split:
        return ""
    return (f"; {split} (a file's segments around gaps or overlaps, or recordings of other events), not placeable "
            "as one record per time span where all three have data (an overlap, no start times, or no such span): "
            "merge each channel's segments into one trace first, filling the gaps (e.g. ObsPy st.merge(fill_value=0))")


def _split_channels(recs: list[Record]) -> str:
    """'XX.STA..HNE in 2 traces, …' for the channels that several of recs are of; '' when none."""
    counts = Counter(_channel_id(r) for r in recs)
    return ", ".join(f"{code} in {n} traces" for code, n in counts.items() if n > 1)


def _channel_id(rec: Record) -> str:
    """NET.STA.LOC.CHA of a trace (its id without a segment's `_<start time>`)."""
    return ".".join((rec.network, rec.station, location_code(rec), rec.component))


def gap_spans(recs: list[Record], min_span_s: float = 0.0) -> list[tuple[str, list[Record], str]] | None:
    """For one station's traces whose channels come in segments (a file with gaps: each channel H1, H2 and Z
    in one or more segments that do not overlap, each with its start time): one (id suffix '_<span start>', the
    three traces cut to the span in channel order, '' or the reason it is not a record) per time span where all
    three have data, nothing filled in; the reason when that span is shorter than min_span_s. A span whose files
    no other span uses (a station's recordings of several events, in their own files) is their traces whole, with
    no suffix: the id they have on their own (`_span`). None for any other set (incomplete, overlapping, unknown
    start times)."""
    by_kind = defaultdict(list)
    for rec in recs:
        by_kind[record_kind(rec)].append(rec)
    if sorted(by_kind) != ["H1", "H2", "Z"] or all(len(v) == 1 for v in by_kind.values()) \
            or any(utc_moment(r.start_time) is None for r in recs):
        return None
    fs = recs[0].sampling_rate_hz
    spans = {k: sorted(((utc_moment(r.start_time), r) for r in v), key=lambda seg: seg[0]) for k, v in by_kind.items()}
    for segments in spans.values():
        if any(b[0] < _end(a, fs) - timedelta(seconds=0.5 / fs) for a, b in zip(segments, segments[1:])):
            return None                                              # an overlap: which data holds?
    found = []
    for h1 in spans["H1"]:
        for h2 in spans["H2"]:
            for z in spans["Z"]:
                start, end = max(seg[0] for seg in (h1, h2, z)), min(_end(seg, fs) for seg in (h1, h2, z))
                if (end - start).total_seconds() > 0.5 / fs:
                    found.append((start, end, [h1, h2, z]))
    found = _apart(found, fs)
    uses = Counter(file for _, _, segments in found for file in {rec.source_file for _, rec in segments})
    return [_span(start, end, segments, fs, min_span_s, whole=all(uses[rec.source_file] == 1 for _, rec in segments))
            for start, end, segments in found] or None


def _apart(found: list, fs: float) -> list:
    """(start, end, segments) spans in order of start, each starting where the earlier ones end when they overlap
    (segments of a channel overlapping by under half a sample), so that neighbouring spans, cut with the same
    rounding at that moment, share no sample; a span left shorter than half a sample is dropped."""
    apart, last_end = [], None
    for start, end, segments in sorted(found, key=lambda span: span[0]):
        start = max(start, last_end) if last_end is not None else start
        last_end = max(last_end, end) if last_end is not None else end
        if (end - start).total_seconds() > 0.5 / fs:
            apart.append((start, end, segments))
    return apart


def span_samples(seconds: float, fs: float) -> int:
    """Samples at fs of a time span of `seconds`: round(seconds·fs), halves up, the rule by which a record's samples
    are counted at the model's rate (`whole.samples_at`), taken once for the span and given to each of its three
    traces. Each trace's start and end rounded apart (halves to even) gave the traces not starting the span one sample
    less at half-sample offsets: a span of 7753 samples at 200 Hz (38.765 s) was cut to 7752 (3876 at 100 Hz, where
    the span's own trace alone gives 3877)."""
    return int(math.floor(seconds * fs + 0.5))


def _end(segment: tuple[datetime, Record], fs: float) -> datetime:
    """When a (start, record) segment's data ends: its last sample's time + one sampling interval."""
    return segment[0] + timedelta(seconds=len(segment[1].acc_mps2) / fs)


def _span(start: datetime, end: datetime, segments: list, fs: float, min_span_s: float,
          whole: bool = False) -> tuple[str, list[Record], str]:
    """(suffix, the (start, record) segments' records cut to start–end, '' or why the span is no record).
    whole: no other span uses these traces' files (a station's recording of one event among its others'): no
    suffix and the traces uncut, the record the three would make on their own (`aligned`), under the id they
    would have on their own, so that giving another event's files too does not store the record again."""
    seconds = (end - start).total_seconds()
    short = "" if seconds >= min_span_s else (
        f"{', '.join(sorted({_channel_id(rec) for _, rec in segments}))}: {seconds:.6g} s from {start.isoformat()} "
        f"where all three components have data (between gaps), shorter than {min_span_s:g} s: not made a record")
    if whole:
        return "", [rec for _, rec in segments], short
    cut, n = [], span_samples(seconds, fs)
    for t, rec in segments:
        k0 = round((start - t).total_seconds() * fs)
        moment = t + timedelta(seconds=k0 / fs)
        cut.append(dataclasses.replace(rec, acc_mps2=rec.acc_mps2[k0:k0 + n], start_time=iso_utc(moment)))
    return f"_{start.strftime('%Y%m%dT%H%M%S.%f')}", cut, short


# a SEED channel code: band code, instrument code, orientation (SEED manual, appendix A); KiK-net's NS1, EW1, UD1
# and other networks' component names are none
_SEED_CHANNEL = re.compile(r"[FGDCESHBMLVURPTQAO][A-Z][A-Z0-9]")


def mixed_sensors(ordered: list[Record]) -> str | None:
    """One line when the three traces of a record are not of one sensor, as their files say: different quantities
    (acceleration with velocity) or, all three being SEED channel codes, different band/instrument codes (HN? with
    HH?); else None."""
    quantities = [r.metadata.get("quantity", "acceleration") for r in ordered]
    codes = [r.component.strip().upper() for r in ordered]
    instruments = [c[:2] for c in codes] if all(_SEED_CHANNEL.fullmatch(c) for c in codes) else [""] * 3
    if len(set(quantities)) == 1 and len(set(instruments)) == 1:
        return None
    shown = ", ".join(f"{r.component} ({q})" for r, q in zip(ordered, quantities))
    return (f"its components {shown} come from different instruments, not one sensor: the record mixes their "
            "responses; check the files, or use --components each to keep each")


def aligned(ordered: list[Record], min_span_s: float = 0.0) -> tuple[np.ndarray, str, list[str]] | str:
    """(acc (3, n) m/s², start time, warning lines) of three traces of one rate on their common time span, or the
    reason (one line) not to make them one record.

    Where every file gives its start time, the span runs from the latest start to the earliest end: each trace is
    shifted by a whole number of samples, its offset from that start rounded. A residual offset under half a
    sample is ignored (nothing is interpolated); one more than WHOLE_SAMPLE_TOLERANCE of a sample from a whole
    number gets one line naming the files and their offsets. The start time is that of the first trace (in
    channel order) starting the span, to within half a sample. A common span shorter than min_span_s seconds, or
    none (traces that share no time): the reason, naming the files and their spans; one shorter than
    MIN_COMMON_SPAN_FRACTION of the longest trace is kept, with one line saying how much of each channel is left
    out (as `gap_spans` keeps a gapped channel's spans of at least min_span_s). Where a start time is unknown,
    the traces are cut to the shortest from their first samples, and the start is the first's."""
    starts = [utc_moment(r.start_time) for r in ordered]
    if None in starts:
        n = min(len(r.acc_mps2) for r in ordered)
        return np.stack([r.acc_mps2[:n] for r in ordered]), ordered[0].start_time, []
    fs = ordered[0].sampling_rate_hz
    latest = max(starts)
    offsets = [(latest - t).total_seconds() * fs for t in starts]   # samples of each trace before the span
    shifts = [max(0, round(o)) for o in offsets]
    n = min(len(r.acc_mps2) - k for r, k in zip(ordered, shifts))
    short = _short_common_span(ordered, n, fs, min_span_s)
    if short:
        return short
    warnings = [line for line in [_left_out(ordered, shifts, n, fs, latest)] if line]
    if any(abs(o - round(o)) > WHOLE_SAMPLE_TOLERANCE + 1e-9 for o in offsets):
        shown = ", ".join(f"{_name(r)}: {_samples_shown(o)}" for r, o in zip(ordered, offsets))
        warnings.append(f"{shown} samples (at {fs:g} Hz) before the components' common start {latest.isoformat()}: "
                        "not whole samples; each trace is shifted by its offset rounded to whole samples")
    start_time = ordered[shifts.index(0)].start_time
    return np.stack([r.acc_mps2[k:k + n] for r, k in zip(ordered, shifts)]), start_time, warnings


def _samples_shown(offset: float) -> str:
    """An offset in samples to 0.01 of a sample (WHOLE_SAMPLE_TOLERANCE), however many: 1000.4, 0.4, 0."""
    return f"{offset:.2f}".rstrip("0").rstrip(".")


def _short_common_span(ordered: list[Record], n: int, fs: float, min_span_s: float) -> str:
    """Why three traces sharing n samples are no record (they share no time, or less than min_span_s), else ''."""
    if n > 0 and n / fs >= min_span_s:
        return ""
    spans = "; ".join(f"{_name(r)}: {r.start_time} + {r.duration_s:.6g} s" for r in ordered)
    shared = "share no time" if n <= 0 else f"share {n / fs:.6g} s, shorter than the minimum duration {min_span_s:g} s"
    return (f"the three components {shared} ({spans}): not made one record; check that they belong together, "
            "or use --components each to keep each")


def _left_out(ordered: list[Record], shifts: list[int], n: int, fs: float, latest: datetime) -> str:
    """One line saying how much of each trace the common span of n samples leaves out, when it is shorter than
    MIN_COMMON_SPAN_FRACTION of the longest trace; else ''."""
    longest = max(len(r.acc_mps2) for r in ordered)
    if n >= MIN_COMMON_SPAN_FRACTION * longest:
        return ""
    left = [(r, k, len(r.acc_mps2) - k - n) for r, k in zip(ordered, shifts)]
    shown = ", ".join(f"{_name(r)}: {(before + after) / fs:.6g} s of {len(r.acc_mps2) / fs:.6g} s "
                      f"({before / fs:.6g} s before, {after / fs:.6g} s after)" for r, before, after in left
                      if before + after)
    return (f"the three components share {n / fs:.6g} s from {latest.isoformat()}, less than "
            f"{MIN_COMMON_SPAN_FRACTION:.0%} of the longest; the record is that span, leaving out {shown}; "
            "use --components each to keep each whole")


def _name(rec: Record) -> str:
    """'stag.mseed HNN': a trace's file and channel (one file may hold all three channels); its id without a file."""
    file = os.path.basename(rec.source_file)
    return f"{file} {rec.component}".strip() if file else rec.record_id


def _triplet_kinds(recs: list[Record]) -> dict | None:
    """{'H1', 'H2', 'Z': record} for three traces (record_kind; one horizontal known only as 'H'
    takes the place the other two leave), else None."""
    if len(recs) != 3:
        return None
    kinds = [record_kind(r) for r in recs]
    if kinds.count("H") == 1 and "Z" in kinds:
        missing = {"H1", "H2"} - set(kinds)
        if len(missing) == 1:
            kinds[kinds.index("H")] = missing.pop()
    if sorted(kinds) != ["H1", "H2", "Z"]:
        return None
    return dict(zip(kinds, recs))


def _common_stem(ids: list[str]) -> str:
    stem = os.path.commonprefix(ids).rstrip("_-. ")
    return stem or ids[0]
