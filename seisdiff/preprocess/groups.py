"""Grouping traces into store records: one trace each (C=1) or three components (C=3).

Three-component records gather the traces of one event and station at one sampling rate and order
them H1 (north–south-like), H2 (east–west-like), Z (vertical) — `CHANNEL_ORDER`.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from seisdiff.io.record import Record

CHANNEL_ORDER = ["H1 (N-S, 000/360/180, ...)", "H2 (E-W, 090/270, ...)", "Z (up)"]
_AZIMUTH = re.compile(r"-?(\d{1,3})$")


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
    """'Z', 'H1', 'H2' or '?' from a component/channel name (EW, NS, UD, 090, 360, HNZ, ...)."""
    name = component.strip().upper().replace("_", "-")
    if name in ("UD", "Z", "V", "VERT", "DWN") or name.endswith("UP") or (len(name) == 3 and name[-1] == "Z"):
        return "Z"
    if len(name) == 3 and name[:2].isalpha() and name[-1] in "12":  # SEED channels HN1, HN2
        return "H1" if name[-1] == "1" else "H2"
    azimuth = _AZIMUTH.search(name)
    if azimuth:  # PEER azimuths: 000/180/360 north-south-like, 090/270 east-west-like
        return "H1" if min(int(azimuth.group(1)) % 180, 180 - int(azimuth.group(1)) % 180) < 45 else "H2"
    if name.endswith(("NS", "N-S", "N")):
        return "H1"
    if name.endswith(("EW", "E-W", "E")):
        return "H2"
    return "?"


def triplet_groups(records: list[Record]) -> tuple[list[Group], list[tuple[Record, str]]]:
    """Group traces by (event, station, network, rate) into 3-component records.

    Returns (groups, skipped) where skipped holds (record, reason) for incomplete or ambiguous sets.
    """
    by_key = defaultdict(list)
    for rec in records:
        by_key[(rec.event, rec.station or rec.record_id, rec.network, rec.sampling_rate_hz)].append(rec)
    groups, skipped = [], []
    for recs in by_key.values():
        kinds = {component_kind(r.component): r for r in recs}
        if len(recs) != 3 or set(kinds) != {"H1", "H2", "Z"}:
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
    return groups, skipped


def _common_stem(ids: list[str]) -> str:
    stem = os.path.commonprefix(ids).rstrip("_-. ")
    return stem or ids[0]
