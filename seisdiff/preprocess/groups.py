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

from seisdiff.io.record import Record

CHANNEL_ORDER = ["H1 (N-S, 000/360/180, ...)", "H2 (E-W, 090/270, ...)", "Z (up)"]
_AZIMUTH = re.compile(r"-?(\d{1,3})$")
_COMPASS = re.compile(r"([NS])(\d{1,2}(?:\.\d+)?)([EW])")               # N28W, S32E, N00E
_VERTICAL = re.compile(r"(UD|U-D|U|UP|V|Z|VERT|VERTICAL|DWN|DN|DOWN)[12]?")  # KiK-net UD1/UD2
_KIKNET = re.compile(r"^(NS|EW)[12]$")                                        # NS1 borehole, NS2 surface
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


def component_kind(component: str) -> str:
    """'Z', 'H1', 'H2' or '?' from a component/channel name alone.

    Verticals first (UD, U, U-D, UP, V, Z, VERT, DWN, SEED ??Z; KiK-net's UD1/UD2); H1, H2 as named; KiK-net's
    borehole/surface digit dropped (NS2 → NS); SEED HN1 → H1, HN2 → H2 (HN3 says nothing); compass
    azimuths (N28W, S32E) and PEER ones (000, 090, 360) give H1 within 45° of north–south, else H2;
    N/NS → H1, E/EW → H2. L (longitudinal) and T (transverse) point along and across the instrument's
    reference, not to a fixed direction: L → H1 and T → H2 only to order a triplet."""
    name = component.strip().upper().replace("_", "-").replace(" ", "")
    if _VERTICAL.fullmatch(name) or name.endswith("UP") or (len(name) == 3 and name[:2].isalpha() and name[-1] == "Z"):
        return "Z"
    if name in ("H1", "H2"):  # the store's own channel names (simulate writes H1, H2, V), not azimuths 1°, 2°
        return name
    name = _KIKNET.sub(r"\1", name)
    if len(name) == 3 and name[:2].isalpha() and name[-1] in "123":  # SEED channels HN1, HN2 (HN3: unknown)
        return {"1": "H1", "2": "H2"}.get(name[-1], "?")
    compass = _COMPASS.fullmatch(name)
    if compass:  # N28W = -28°, S32E = 148°
        north, deg, east = compass.groups()
        deg = float(deg) if north == "N" else 180 - float(deg)
        return _from_azimuth(deg if east == "E" else -deg)
    azimuth = _AZIMUTH.search(name)
    if azimuth:  # PEER azimuths: 000/180/360 north-south-like, 090/270 east-west-like
        return _from_azimuth(float(azimuth.group(1)))
    if name == "L" or name.endswith(("NS", "N-S", "N")):
        return "H1"
    if name == "T" or name.endswith(("EW", "E-W", "E")):
        return "H2"
    return "?"


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


def _from_azimuth(deg: float) -> str:
    """'H1' within 45° of north–south, else 'H2'."""
    return "H1" if min(deg % 180, 180 - deg % 180) < 45 else "H2"


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
