"""What every native-format reader shares: header metadata in one vocabulary, distances, record ids.

Record.metadata keys (all optional; numbers in the units their names carry):
    magnitude, magnitude_type ("Mw", "ML", "Mj", …), hypo_lat, hypo_lon (degrees), hypo_depth_km,
    sta_lat, sta_lon (degrees), sta_elevation_m, distance_km (hypocentral), vs30_mps,
    origin_time (ISO-8601 UTC), orientation ("H" horizontal, "Z" vertical)
Record.event: the header's event identity, `event_id(origin_time)`; preprocess may name events by folder.
Record.start_time: ISO-8601 UTC of the first sample ('' when the header has none or it is unreliable).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from obspy.geodetics import gps2dist_azimuth


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
        meta["distance_km"] = distance
    if origin_time is not None:
        meta["origin_time"] = iso_utc(origin_time)
    return meta


def to_utc(local: datetime, utc_offset_hours: float) -> datetime:
    """A naive local time (e.g. JST = UTC+9, Taiwan = UTC+8) as an aware UTC datetime."""
    return (local - timedelta(hours=utc_offset_hours)).replace(tzinfo=timezone.utc)


def iso_utc(moment: datetime) -> str:
    """ISO-8601 with microseconds, UTC ('2018-01-24T10:51:19.090000+00:00'); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def event_id(origin_time: datetime | None) -> str:
    """The event name a header gives: its origin time in UTC to the second, 'YYYYmmddTHHMMSS'."""
    if origin_time is None:
        return ""
    if origin_time.tzinfo is not None:
        origin_time = origin_time.astimezone(timezone.utc).replace(tzinfo=None)
    return origin_time.strftime("%Y%m%dT%H%M%S")


def orientation(label: str) -> str:
    """'Z' for a vertical component label (Z, UD, UP, DN, V, VERT, HNZ, …), else 'H'."""
    s = label.strip().upper()
    if s in {"UP", "DN", "DOWN", "UD", "U-D", "V", "VRT", "VERT", "VERTICAL", "Z", "U"} or s.endswith("Z") \
            or s.startswith(("UP", "VERT")) or s.endswith(("-UP", " UP", "-DN")):
        return "Z"
    return "H"


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
