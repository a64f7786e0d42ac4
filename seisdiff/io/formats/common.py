"""What every native-format reader shares: header metadata in one vocabulary, distances, record ids.

Record.metadata keys (all optional; numbers in the units their names carry):
    magnitude, magnitude_type ("Mw", "ML", "Mj", …), hypo_lat, hypo_lon (degrees), hypo_depth_km,
    sta_lat, sta_lon (degrees), sta_elevation_m, distance_km (hypocentral) and distance_kind ("hypocentral",
    `dsp.bssa14.DISTANCE_KINDS`: the store's column of that name), vs30_mps,
    origin_time (ISO-8601 UTC), event_date (YYYY-MM-DD: the origin's UTC date; PEER AT2: line 2's date, which has
    no time of day; never a start time), orientation ("H" horizontal, "Z" vertical, "?" neither the header nor
    the name says: `orientation`)
Record.event: the header's event identity, `event_id(origin_time)`; preprocess may name events by folder.
Record.start_time: ISO-8601 UTC of the first sample ('' when the header has none or it is unreliable).
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from obspy.geodetics import gps2dist_azimuth

from seisdiff.dsp.bssa14 import HYPOCENTRAL
from seisdiff.errors import InputError, UserError
from seisdiff.io.components import component_kind
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.record import Record
from seisdiff.io.units import canonical_unit

_ORIENTATION_OF_KIND = {"Z": "Z", "H1": "H", "H2": "H", "H": "H"}


def hypocentral_distance_km(hypo_lat, hypo_lon, hypo_depth_km, sta_lat, sta_lon) -> float:
    """sqrt(epicentral² + depth²), the epicentral distance on the WGS84 ellipsoid (km); NaN when any
    input is missing."""
    values = (hypo_lat, hypo_lon, hypo_depth_km, sta_lat, sta_lon)
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return math.nan
    epicentral_m, _, _ = gps2dist_azimuth(float(hypo_lat), float(hypo_lon), float(sta_lat), float(sta_lon))
    return math.hypot(epicentral_m / 1000.0, float(hypo_depth_km))


def event_metadata(*, magnitude=None, magnitude_type="", hypo_lat=None, hypo_lon=None, hypo_depth_km=None,
                   sta_lat=None, sta_lon=None, vs30_mps=None, origin_time: datetime | None = None) -> dict:
    """Record.metadata from what a header gives (None = not given); distance_km is computed here."""
    meta = {}
    for key, value in (("magnitude", magnitude), ("hypo_lat", hypo_lat), ("hypo_lon", hypo_lon),
                       ("hypo_depth_km", hypo_depth_km), ("sta_lat", sta_lat), ("sta_lon", sta_lon),
                       ("vs30_mps", vs30_mps)):
        if value is not None and math.isfinite(float(value)):
            meta[key] = float(value)
    if magnitude_type:
        meta["magnitude_type"] = magnitude_type
    distance = hypocentral_distance_km(hypo_lat, hypo_lon, hypo_depth_km, sta_lat, sta_lon)
    if math.isfinite(distance):
        meta["distance_km"], meta["distance_kind"] = distance, HYPOCENTRAL
    if origin_time is not None:
        meta["origin_time"] = iso_utc(origin_time)
        meta["event_date"] = event_date(origin_time)
    return meta


def event_date(moment: datetime) -> str:
    """The UTC date of a moment (naive means UTC) as 'YYYY-MM-DD', the store's column `event_date`."""
    return iso_utc(moment)[:10]


def to_utc(local: datetime, utc_offset_hours: float) -> datetime:
    """A naive local time (e.g. JST = UTC+9, Taiwan = UTC+8) as an aware UTC datetime."""
    return (local - timedelta(hours=utc_offset_hours)).replace(tzinfo=timezone.utc)


def iso_utc(moment: datetime) -> str:
    """ISO-8601 with microseconds, UTC ('2018-01-24T10:51:19.090000+00:00'); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def utc_moment(iso: str) -> datetime | None:
    """The aware UTC datetime of an ISO-8601 time as `iso_utc` writes a Record's start_time (naive means UTC);
    None when it is empty or unreadable."""
    try:
        moment = datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def event_id(origin_time: datetime | None) -> str:
    """The event name a header gives: its origin time in UTC to the second, 'YYYYmmddTHHMMSS'."""
    if origin_time is None:
        return ""
    if origin_time.tzinfo is not None:
        origin_time = origin_time.astimezone(timezone.utc).replace(tzinfo=None)
    return origin_time.strftime("%Y%m%dT%H%M%S")


def orientation(label: str) -> str:
    """'Z' (vertical) or 'H' (horizontal) as `components.component_kind` reads a component label (the one reading
    of names: KiK-net's UD2 and DWN are verticals, N28W and 090 horizontals), '?' where the label says neither
    (HN3, C0). A reader whose header says more (a COSMOS orientation code, an SMC vertical angle, a StationXML
    dip) gives that instead."""
    return _ORIENTATION_OF_KIND.get(component_kind(label), "?")


def record_ids(stem: str, components: list[str]) -> list[str]:
    """Unique record ids for the traces of one file: the stem alone for a single trace, else
    `<stem>_<component>` (component spaces removed; `_<k>` appended where labels repeat)."""
    if len(components) == 1:
        return [stem]
    ids = [f"{stem}_{c.replace(' ', '').replace('/', '')}" if c.strip() else f"{stem}_{k}"
           for k, c in enumerate(components)]
    if len(set(ids)) < len(ids):
        ids = [f"{i}_{k}" for k, i in enumerate(ids)]
    return ids


def labelled_magnitude(text: str) -> tuple[float | None, str]:
    """(magnitude, type) from labels such as `MS=6.6(NEIC), MW=6.4(CIT)` or `ML= 0.00 MW= 8.8` in a header:
    Mw preferred, then ML, then Ms; zero or negative values are not given; (None, '') when none is."""
    found = {}
    for m in re.finditer(r"\b(MW|ML|MS)\s*=\s*(\d+(?:\.\d+)?)", text, re.I):
        if float(m.group(2)) > 0:
            found.setdefault(m.group(1).upper(), float(m.group(2)))
    for key, name in (("MW", "Mw"), ("ML", "ML"), ("MS", "Ms")):
        if key in found:
            return found[key], name
    return None, ""


def header_float(text) -> float | None:
    """The first word of a header value as a float; None when it is blank or not a number."""
    try:
        return float(str(text).split()[0])
    except (ValueError, IndexError, TypeError):
        return None


def rate_hz(dt_s: float) -> float:
    """Sampling rate from a header's time step; a step written as 0.005000 gives 200 Hz exactly."""
    rate = 1.0 / dt_s
    return float(round(rate)) if abs(rate - round(rate)) < 1e-6 * rate else rate


def unit_or_given(path, declared: str | None, units: str | None, candidates: list[str], where: str,
                  expected: str) -> str:
    """The canonical acceleration unit a header declares: the first of `candidates` (spellings taken
    from the `declared` text) that is a known unit. A blank declaration takes the user's `units`;
    without them, or when no candidate is known, InputError naming `where` and the `expected` unit."""
    if declared is None or not declared.strip():
        if units:
            return canonical_unit(units)
        raise InputError(path, f"{where} declares no unit; pass it (--units {expected})")
    for candidate in candidates:
        try:
            return canonical_unit(candidate.strip())
        except UserError:
            continue
    raise InputError(path, f"unknown unit {declared!r} in {where}; expected {expected} (acceleration)")


def number_rows(path, body: str, columns: int, what: str) -> np.ndarray:
    """A whitespace-separated data block as an (n, columns) float64 array (the numba parser, or
    NumPy where it gives up); InputError for text in the block or a partial last row."""
    values = parse_numbers(body, len(body) // 2 + 1)
    if values is None:
        try:
            values = np.array(body.split(), dtype=np.float64)
        except ValueError:
            raise InputError(path, f"non-numeric text in the {what} data block; the file is damaged") from None
    if values.size == 0 or values.size % columns:
        raise InputError(path, f"{values.size} values in the {what} data block, not rows of {columns}: "
                               "truncated or damaged file")
    return values.reshape(-1, columns)


def column_records(path, acc_mps2: np.ndarray, labels: list[str], *, sampling_rate_hz: float, station: str,
                   network: str, origin: datetime | None, start: datetime | None, unit: str,
                   metadata: dict) -> list[Record]:
    """One Record per column of acc_mps2 (n, C) in m/s², labelled by `labels` (C component names),
    sharing the station, event and header metadata of one file."""
    ids = record_ids(Path(path).stem, labels)
    return [
        Record(acc_mps2=np.ascontiguousarray(acc_mps2[:, k]), sampling_rate_hz=sampling_rate_hz,
               record_id=ids[k], station=station, component=label, event=event_id(origin), network=network,
               start_time=iso_utc(start) if start else "", source_file=str(path), units_in_file=unit,
               metadata={**metadata, "orientation": orientation(label)})
        for k, label in enumerate(labels)
    ]


def read_text_latin1(path) -> str:
    """A text file's content (Latin-1: every byte decodes; the formats' own text is ASCII or Latin-1)."""
    try:
        return Path(path).read_bytes().decode("latin-1")
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from exc


def stacked_blocks(path, lines: list[str], read_one) -> list[dict]:
    """The channel blocks of a file that stacks them (COSMOS, GeoNet): `read_one(path, lines, i)`
    returns (channel dict, index after it); blank lines between blocks are skipped."""
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block, i = read_one(path, lines, i)
        blocks.append(block)
    return blocks


def channel_records(path, channels: list[dict], network: str = "") -> list[Record]:
    """Records from per-channel dicts (acc_mps2, rate_hz, station, component, unit, metadata, and
    where the header has them event, network, start_time) read from one file; ids from `record_ids`;
    `network` for channels that name none."""
    ids = record_ids(Path(path).stem, [c["component"] for c in channels])
    return [Record(acc_mps2=c["acc_mps2"], sampling_rate_hz=c["rate_hz"], record_id=rid, station=c["station"],
                   component=c["component"], event=c.get("event", ""), network=c.get("network", network),
                   start_time=c.get("start_time", ""), source_file=str(path), units_in_file=c["unit"],
                   metadata=c["metadata"])
            for c, rid in zip(channels, ids)]
