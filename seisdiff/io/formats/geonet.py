"""GNS Science (GeoNet, New Zealand) accelerograms: V1A uncorrected and V2A corrected, 3 components
stacked in one file.

Per component: 16 text lines (1 `Uncorrected|Corrected accelerogram … GNS Science`, 2 `Site WTMC
42 37 10S  173 03 13E`, 8 origin `2016 November 13  11:02:56 UT`, 9 `Epicentre 42 41 33S 173 01 19E
… Depth 15km Mw 7.82`, 11 `Raw readings in units of 1.00 mm/s/s at intervals of 0.005 s`
(V2A: `Instrument corrected data at 0.020 sec intervals`), 13 `Component N28W` (or `Up`),
14 `Acceleration: Peak … mm/s/s`); then 10 header lines of 10 numbers: 4 integer lines
(line 1 cols 9–10 and line 2 cols 9–10 the first sample's year, month, day, hour; line 2 col 7 the
depth km; line 4 cols 4–6 the acceleration, velocity and displacement sample counts, cols 9–10 the
first sample's minute and millisecond), 6 real lines (line 2: station lat, lon, epicentre lat, lon,
magnitude — latitudes without sign, the hemisphere is in the text; line 3 col 6: Δt s). The
acceleration follows, 10 per line (F8.1), then in V2A the velocity and displacement blocks.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from seisdiff.errors import InputError, UserError
from seisdiff.io.formats.common import (channel_records, event_id, event_metadata, iso_utc, orientation,
                                        read_text_latin1, stacked_blocks)
from seisdiff.io.formats.cosmos import fixed_width_values
from seisdiff.io.record import Record
from seisdiff.io.units import canonical_unit, to_mps2_factor

NAME = "geonet"
NETWORK = "NZ"
TEXT_LINES, NUMERIC_LINES, PER_LINE, WIDTH = 16, 10, 10, 8
_FIRST = re.compile(r"^\s*(Uncorrected|Corrected) accelerogram\b.*\bGNS Science", re.I)
_UNITS = re.compile(r"units of\s+([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s+(\S+)", re.I)
_ACC_LINE = re.compile(r"^\s*Acceleration:.*?\d\s+([a-z]+/s(?:/s|\^?2|ec2|\*\*2))", re.I)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_DMS = r"(\d{1,3})\s+(\d{1,2})\s+(\d{1,2}(?:\.\d*)?)\s*([NSEW])"
_MONTHS = {m: k for k, m in enumerate(("january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"), 1)}


def sniff(head: str, path: Path) -> bool:
    """True when line 1 reads `Uncorrected|Corrected accelerogram … GNS Science`."""
    return bool(_FIRST.match(head.split("\n", 1)[0]))


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per component block (acceleration only), acc in m/s² from the unit the block
    declares (`units of 1.00 mm/s/s`, else the `Acceleration: … mm/s/s` line; `units` is not used).
    InputError for a damaged block, an unknown unit or a sample count that disagrees with the data."""
    path = Path(path)
    blocks = stacked_blocks(path, read_text_latin1(path).splitlines(), _read_block)
    if not blocks:
        raise InputError(path, "empty GeoNet file; expected three component blocks")
    return channel_records(path, blocks, network=NETWORK)


def _read_block(path: Path, lines: list[str], i: int) -> tuple[dict, int]:
    """One component block starting at line `i`: (fields, index of the line after the block)."""
    text = lines[i:i + TEXT_LINES]
    if len(text) < TEXT_LINES or not _FIRST.match(text[0]):
        raise InputError(path, f"line {i + 1} should start a GeoNet component block (`… accelerogram … "
                               "GNS Science`): truncated or damaged file")
    numeric = _numeric_header(path, lines[i + TEXT_LINES:i + TEXT_LINES + NUMERIC_LINES])
    ints, reals = numeric[:4], numeric[4:]
    nacc, nvel, ndisp = (int(v) for v in ints[3][3:6])
    if nacc <= 0:
        nacc = int(ints[3][0])
    dt_s = reals[2][5] or _interval(text)
    if not dt_s or dt_s <= 0:
        raise InputError(path, "GeoNet header gives no sampling interval (real line 3, col 6): damaged file")
    unit = _unit(path, text)

    start = i + TEXT_LINES + NUMERIC_LINES
    acc_lines = lines[start:start + math.ceil(nacc / PER_LINE)]
    acc = fixed_width_values(path, acc_lines, nacc, WIDTH, "GeoNet acceleration")
    end = start + sum(math.ceil(n / PER_LINE) for n in (nacc, nvel, ndisp) if n > 0)
    if end > len(lines):
        raise InputError(path, "GeoNet velocity/displacement blocks end early: truncated file")
    if end < len(lines) and lines[end].strip() and not _FIRST.match(lines[end]):
        raise InputError(path, f"line {end + 1}: more samples than the header counts declare "
                               "(header count disagrees with the data)")

    component = text[12].split()[1] if len(text[12].split()) > 1 else ""
    station = text[1].split()[1] if len(text[1].split()) > 1 else ""
    sta_lat, sta_lon = _dms_pair(text[1])
    hypo_lat, hypo_lon = _dms_pair(text[8])
    # the decimal values carry more digits; their signs come from the text's hemispheres
    sta_lat, sta_lon = _signed(reals[1][0], sta_lat), _signed(reals[1][1], sta_lon)
    hypo_lat, hypo_lon = _signed(reals[1][2], hypo_lat), _signed(reals[1][3], hypo_lon)
    magnitude, magnitude_type = _magnitude(text[8], reals[1][4])
    depth = re.search(r"Depth\s+(\d+(?:\.\d*)?)\s*km", text[8], re.I)
    origin = _origin(text[7])
    metadata = event_metadata(magnitude=magnitude, magnitude_type=magnitude_type, hypo_lat=hypo_lat,
                              hypo_lon=hypo_lon, hypo_depth_km=float(depth.group(1)) if depth else None,
                              sta_lat=sta_lat, sta_lon=sta_lon, origin_time=origin)
    metadata["orientation"] = orientation(component)
    return {"acc_mps2": acc * to_mps2_factor(unit), "rate_hz": 1.0 / dt_s, "unit": unit,
            "station": station, "component": component, "event": event_id(origin),
            "start_time": _start_time(ints), "metadata": metadata}, end


def _numeric_header(path: Path, lines: list[str]) -> list[list[float]]:
    rows = []
    for line in lines:
        try:
            # F8.x fields: a wide negative value may touch its neighbour, so match numbers, not tokens
            row = [float(v) for v in _NUMBER.findall(line)]
        except ValueError:
            row = []
        if len(row) != 10:
            raise InputError(path, "GeoNet numeric header must be 10 lines of 10 numbers: damaged file")
        rows.append(row)
    if len(rows) != NUMERIC_LINES:
        raise InputError(path, "GeoNet numeric header incomplete: truncated file")
    return rows


def _unit(path: Path, text: list[str]) -> str:
    """Canonical acceleration unit: `units of 1.00 mm/s/s` (the scale must be 1) or, in V2A, the unit
    of the `Acceleration: peak … mm/s/s` line."""
    declared = None
    for line in text:
        found = _UNITS.search(line)
        if found:
            if float(found.group(1)) != 1.0:
                raise InputError(path, f"GeoNet readings in units of {found.group(1)} {found.group(2)}: "
                                       "only a unit scale of 1.00 is supported")
            declared = found.group(2)
            break
    if declared is None:
        for line in text:
            found = _ACC_LINE.match(line)
            if found:
                declared = found.group(1)
                break
    if declared is None:
        raise InputError(path, "GeoNet block declares no acceleration unit (`units of 1.00 mm/s/s` or "
                               "`Acceleration: peak … mm/s/s`); the file is incomplete")
    try:
        return canonical_unit(declared)
    except UserError:
        raise InputError(path, f"GeoNet block declares unknown unit {declared!r}; expected mm/s/s") from None


def _interval(text: list[str]) -> float | None:
    found = re.search(r"intervals? (?:of\s+)?(\d*\.\d+)|at\s+(\d*\.\d+)\s*sec", " ".join(text), re.I)
    return float(found.group(1) or found.group(2)) if found else None


def _dms_pair(line: str) -> tuple[float | None, float | None]:
    """(lat, lon) in signed degrees from `42 37 10S  173 03 13E` in a text line (None if absent)."""
    found = re.findall(_DMS, line)
    if len(found) < 2:
        return None, None
    out = []
    for deg, minutes, seconds, hemisphere in found[:2]:
        value = float(deg) + float(minutes) / 60 + float(seconds) / 3600
        out.append(-value if hemisphere in "SW" else value)
    return out[0], out[1]


def _signed(decimal: float, from_text: float | None) -> float | None:
    """The header's unsigned decimal degrees with the text's sign; the text value if they disagree."""
    if from_text is None:
        return None
    if decimal and abs(abs(decimal) - abs(from_text)) < 0.01:
        return math.copysign(abs(decimal), from_text)
    return from_text


def _magnitude(line: str, header_value: float) -> tuple[float | None, str]:
    found = re.search(r"\b(M[a-zA-Z]?)\s+(\d+(?:\.\d*)?)\s*$", line.strip())
    if found:
        return float(found.group(2)), found.group(1) if found.group(1) != "M" else ""
    return (header_value, "") if 0 < header_value < 10 else (None, "")


def _origin(line: str) -> datetime | None:
    """Origin time from text line 8 `2016 November 13         11:02:56 UT` (UTC)."""
    found = re.match(r"^\s*(\d{4})\s+([A-Za-z]+)\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)\s*UT", line)
    if not found or found.group(2).lower() not in _MONTHS:
        return None
    return datetime(int(found.group(1)), _MONTHS[found.group(2).lower()], int(found.group(3)),
                    int(found.group(4)), int(found.group(5)), tzinfo=timezone.utc) \
        + timedelta(seconds=float(found.group(6)))


def _start_time(ints: list[list[float]]) -> str:
    """First sample (UTC): year, month (int line 1 cols 9–10), day, hour (line 2 cols 9–10),
    minute, millisecond (line 4 cols 9–10); '' when they do not make a date."""
    try:
        start = datetime(int(ints[0][8]), int(ints[0][9]), int(ints[1][8]), int(ints[1][9]), int(ints[3][8]),
                         tzinfo=timezone.utc) + timedelta(milliseconds=ints[3][9])
    except (ValueError, OverflowError):
        return ""
    return iso_utc(start)
