"""BHRC (Iran Strong Motion Network) VOL1DS files: CSMIP-like Volume layout, 3 channels stacked.

Per channel (seisdiff.io.formats.csmip): 13 text lines — line 1 `* VOL1DS FILE:  5520/01` (the
station code before `/`), line 3 `Origin Time : 2012/08/11   12:23:16` (UTC), line 5 the component
letter (L, T or V), line 7 `COMP L1`, line 8 `Ahar  Station   38.474 N 47.059 E   Altitude 1360m
Azimuth L 352   T 82`, line 9 `Epicenter 38.520 N 46.860 E   FD 12 Km mb  Ms  Mw6.1  M  ML`,
line 11 `NO. OF POINTS =  15616      DURATION =  78.080`, line 12 `UNITS ARE SECONDS AND G/10` —
then 7 integer lines, 7 real lines and the samples, 10 a line (10E13.6), then a `/&` line.

Sampling rate: NO. OF POINTS / DURATION (78.080 s for 15616 points is 200 Hz: DURATION = N·dt).
The start of the samples is not given (README: unreliable), so start_time is ''.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from seisdiff.errors import InputError
from seisdiff.io.formats import csmip
from seisdiff.io.formats.common import channel_records, event_id, event_metadata
from seisdiff.io.record import Record

NAME = "bhrc"
NETWORK = "I1"  # the BHRC network code; the file does not name it
_ORIENTATION = {"L": "H", "T": "H", "V": "Z"}


def sniff(head: str, path: Path) -> bool:
    """True when the first line starts `* VOL…DS FILE:` and a header line starts `COMP `."""
    return bool(re.match(r"\* VOL\d\w* FILE:", head)) and bool(re.search(r"^COMP\s", head, re.M))


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per channel (file order), acc in m/s² from the declared unit (`units` is not
    used). InputError for a missing/unknown unit, a sample count that disagrees with `NO. OF
    POINTS`, or a damaged header."""
    path = Path(path)
    channels = [_read_channel(path, start, block)
                for start, block in csmip.split_channels(csmip.read_lines(path))]
    if not channels:
        raise InputError(path, "no channel in the file; it is empty or not a BHRC VOL1DS file")
    return channel_records(path, channels, network=NETWORK)


def _read_channel(path: Path, start: int, block: list[str]) -> dict:
    if len(block) < csmip.HEADER_ROWS_V1 + 1:
        raise InputError(path, f"channel starting on line {start + 1} is cut short ({len(block)} lines)")
    text = block[:csmip.TEXT_ROWS_V1]
    header = "\n".join(text)
    npts = csmip.header_int(path, header, r"NO\.\s*OF\s*POINTS\s*=\s*(\d+)", "`NO. OF POINTS =` count")
    duration_s = csmip.header_float(header, r"DURATION\s*=\s*([\d.]+)")
    if not duration_s or duration_s <= 0:
        raise InputError(path, f"no positive `DURATION =` in the channel header from line {start + 1}")
    unit, factor = csmip.declared_unit(path, csmip.units_line(path, text))
    first = csmip.HEADER_ROWS_V1
    values = csmip.fixed_width_numbers(path, block[first:], 13, 10, start + first + 1)
    csmip.check_count(path, values.size, npts, "channel data", start + first + 1)

    component = text[4].strip().upper()
    if component not in _ORIENTATION:
        comp = re.search(r"^COMP\s+([LTV])", header, re.M | re.I)
        if comp is None:
            raise InputError(path, f"no component (L, T or V) in the channel header from line {start + 1}")
        component = comp.group(1).upper()
    station = re.match(r"\* VOL\d\w* FILE:\s*([^/\s]+)", text[0])
    sta = re.search(r"Station\s+([\d.]+)\s*([NS])\s+([\d.]+)\s*([EW])", header, re.I)
    epi = re.search(r"Epicenter\s+([\d.]+)\s*([NS])\s+([\d.]+)\s*([EW])(?:\s+FD\s+([\d.]+)\s*Km)?", header, re.I)
    magnitude, magnitude_type = _magnitude(header)
    origin = _origin(header)
    metadata = event_metadata(
        magnitude=magnitude, magnitude_type=magnitude_type,
        hypo_lat=csmip.signed(epi.group(1), epi.group(2)) if epi else None,
        hypo_lon=csmip.signed(epi.group(3), epi.group(4)) if epi else None,
        hypo_depth_km=float(epi.group(5)) if epi and epi.group(5) else None,
        sta_lat=csmip.signed(sta.group(1), sta.group(2)) if sta else None,
        sta_lon=csmip.signed(sta.group(3), sta.group(4)) if sta else None,
        origin_time=origin)
    metadata["orientation"] = _ORIENTATION[component]
    return {"acc_mps2": values * factor, "rate_hz": csmip.nice_rate_hz(npts / duration_s), "unit": unit,
            "station": station.group(1) if station else "", "component": component,
            "event": event_id(origin), "metadata": metadata}


def _magnitude(header: str) -> tuple[float | None, str]:
    """(magnitude, type) from line 9's `mb5.6 Ms5.9 Mw6.1 M ML` (blank fields = not given): Mw
    preferred, then ML, Ms, mb (as the DMG, COSMOS and SMC readers), not the first one written."""
    found = {m.group(1): float(m.group(2)) for m in re.finditer(r"\b(Mw|Ms|mb|ML)\s?(\d+(?:\.\d+)?)", header)}
    kind = next((k for k in ("Mw", "ML", "Ms", "mb") if found.get(k, 0) > 0), None)
    return (found[kind], kind) if kind else (None, "")


def _origin(header: str) -> datetime | None:
    """`Origin Time : 2012/08/11   12:23:16` (UTC) as a naive UTC datetime, or None."""
    match = re.search(r"Origin Time\s*:\s*(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})", header, re.I)
    if match is None:
        return None
    try:
        return datetime(*(int(g) for g in match.groups()))
    except ValueError:
        return None
