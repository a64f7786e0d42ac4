"""Grouping traces into store records: one trace each (C=1) or three components (C=3).

Three-component records gather the traces of one event and station at one sampling rate and order
them H1 (north–south-like), H2 (east–west-like), Z (vertical) — `CHANNEL_ORDER`.
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from seisdiff.io.components import component_kind
from seisdiff.io.record import Record

CHANNEL_ORDER = ["H1 (N-S, 000/360/180, ...)", "H2 (E-W, 090/270, ...)", "Z (up)"]
_KIKNET_SENSOR = re.compile(r"(?:NS|EW|UD)([12])")


@dataclass
class Group:
    group_id: str                # store record id stem (window suffix added later)
    records: list[Record]        # 1 or 3 traces, in channel order
    acc_mps2: np.ndarray         # (C, n) m/s², traces cut to a common length
    sampling_rate_hz: float


def single_groups(records: list[Record]) -> list[Group]:
    """Every trace a record (C = 1)."""
    return [Group(r.record_id, [r], r.acc_mps2[None, :], r.sampling_rate_hz) for r in records]


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


def triplet_groups(records: list[Record]) -> tuple[list[Group], list[tuple[Record, str]]]:
    """Group traces by (event, station, network, sensor, rate) into 3-component records: two sensors at
    one station (location codes 00 and 10, KiK-net's borehole and surface) make two records.

    Returns (groups, skipped) where skipped holds (record, reason) for incomplete or ambiguous sets.
    """
    by_key = defaultdict(list)
    for rec in records:
        by_key[(rec.event, rec.station or rec.record_id, rec.network, sensor(rec), rec.sampling_rate_hz)].append(rec)
    groups, skipped = [], []
    for recs in by_key.values():
        kinds = _triplet_kinds(recs)
        if kinds is None:
            found = ", ".join(sorted(f"{r.component or '?'}" for r in recs))
            for r in recs:
                skipped.append((r, f"incomplete three-component set ({found}); need H1, H2 and Z "
                                   "of one event and station — use --components each to keep it"))
            continue
        ordered = [kinds["H1"], kinds["H2"], kinds["Z"]]
        n = min(len(r.acc_mps2) for r in ordered)
        acc = np.stack([r.acc_mps2[:n] for r in ordered])
        groups.append(Group(_common_stem([r.record_id for r in ordered]), ordered, acc,
                            ordered[0].sampling_rate_hz))
    stems = Counter(g.group_id for g in groups)
    for g in groups:   # KiK-net's IWTH25….NS1 and ….NS2 share a stem: the sensor tells them apart
        if stems[g.group_id] > 1 and sensor(g.records[0]):
            g.group_id = f"{g.group_id}_{sensor(g.records[0])}"
    return groups, skipped


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
