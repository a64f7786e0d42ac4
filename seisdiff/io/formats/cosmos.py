"""COSMOS strong-motion format v01.20, processed volumes V1c (uncorrected) and V2c (corrected).

Layout, per channel (files may stack several channels, e.g. CGS `CE23837.V1C` holds three):
  N text lines (line 1 says `(Format v01.20 with 13 text lines)`): 3 `Hypocenter: lat lon H= km Mw=`,
  4 `Origin: … UTC`, 5 `Statn No: … Code:NET-STA …`, 8 `Rcrd start time: … UTC`, 13 the value that
  means "unknown" (`-999`);
  `100 Integer-header values follow on 10 lines, Format= (10I8)` and the integers;
  `100 Real-header values follow on N lines, Format= (…)` and the reals;
  `N Comment line(s) follow, each starting with a "|"` (`|<SCNL>STA.CHA.NET.LOC` among them);
  `N acceleration pts, approx S secs, units=cm/sec2(04),Format=(1E15.6)` and the samples; V2c files
  may follow with velocity and displacement sections; `End-of-data for …` closes a channel.
Header indices used (1-based, as in the COSMOS tables): I(2) quantity (1 acceleration), I(3) units
code, I(11) network code, I(40–45) start year, Julian day, month, day, hour, minute, I(54) sensor
azimuth (400–402 vertical); R(1–2) station lat/lon, R(10–12) hypocentre lat/lon/depth (km),
R(13–16) Mw, Ms, ML, other magnitude, R(30) start second, R(34)/R(62) sampling interval (s / ms).
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.formats.common import (channel_records, event_id, event_metadata, iso_utc, orientation,
                                        read_text_latin1, stacked_blocks)
from seisdiff.io.record import Record
from seisdiff.io.units import canonical_unit, to_mps2_factor

NAME = "cosmos"

_FIRST_LINE = re.compile(r"\(Format v\s*\d+\.\d+ with\s+(\d+) text lines\)", re.I)
_COUNT_LINE = re.compile(r"^\s*(\d+)\s+(Integer-header|Real-header|Comment)", re.I)
_DATA_LINE = re.compile(r"^\s*(\d+)\s+([A-Za-z]+)\s+pts\b", re.I)
_FORMAT = re.compile(r"Format\s*=\s*\(\s*(\d*)\s*[FEGDI](\d+)(?:\.\d+)?\s*\)", re.I)
_UNITS_TEXT = re.compile(r"units\s*=\s*([^(,]*)", re.I)
_UNITS_CODE = re.compile(r"\((\d+)\)\s*,?\s*Format", re.I)
# COSMOS table 2 (physical units) — acceleration codes only; anything else is refused
_UNIT_CODES = {2: "g", 4: "cm/s^2", 10: "cm/s^2"}
_VERTICAL_AZIMUTHS = {400: "Up", 401: "Down", 402: "Vert"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?")


def sniff(head: str, path: Path) -> bool:
    """True when line 1 carries the COSMOS marker `(Format vNN.NN with N text lines)` and the
    integer-header count line follows."""
    first = head.split("\n", 1)[0]
    return bool(_FIRST_LINE.search(first)) and "Integer-header values" in head


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per channel (acceleration only; V2c velocity/displacement sections are skipped),
    acc in m/s² converted from each data line's `units=` text and code (`units` is not used: COSMOS
    always declares its unit). InputError for a damaged layout, a unit that is not acceleration or
    unknown, or a sample count that disagrees with the header."""
    path = Path(path)
    channels = stacked_blocks(path, read_text_latin1(path).splitlines(), _read_channel)
    if not channels:
        raise InputError(path, "empty COSMOS file; expected at least one channel")
    return channel_records(path, channels)


def fixed_width_values(path: Path, lines: list[str], npts: int, width: int, what: str) -> np.ndarray:
    """`npts` float64 values from Fortran fixed-width data lines (`width` characters per field;
    fields may touch, e.g. `-1.6419E+1-1.6347E+1`). InputError when the lines hold text or a count
    other than `npts` (truncated file, or a header count that disagrees with the data)."""
    values = parse_numbers("\n".join(lines), npts)
    if values is None:
        # the tokenizer gives up on positive fields that touch: slice the fixed columns instead
        longest = max((len(line) for line in lines), default=0)
        longest += -longest % width
        padded = np.array([line.ljust(longest).encode("latin-1") for line in lines], dtype=f"S{longest}")
        fields = np.char.strip(padded.view(f"S{width}").ravel())
        fields = fields[fields != b""]
        try:
            values = np.char.replace(np.char.replace(fields, b"D", b"E"), b"d", b"e").astype(np.float64)
        except ValueError:
            raise InputError(path, f"non-numeric text in the {what} data block; the file is damaged") from None
    if values.size != npts:
        raise InputError(path, f"{what}: header says {npts} samples but the data block holds "
                               f"{values.size if values.size <= npts else 'more'} (truncated or damaged file?)")
    return values


def _read_channel(path: Path, lines: list[str], i: int) -> tuple[dict, int]:
    """One channel starting at line `i`: (fields dict, index of the line after the channel)."""
    found = _FIRST_LINE.search(lines[i])
    if not found:
        raise InputError(path, f"line {i + 1} should start a COSMOS channel `(Format v01.20 with 13 "
                               f"text lines)`; found {lines[i][:40].strip()!r}: damaged or mis-stacked file")
    ntext = int(found.group(1))
    text = lines[i:i + ntext]
    i += ntext
    unknown = _unknown_value(text)
    ints, i = _header_block(path, lines, i, "Integer-header")
    reals, i = _header_block(path, lines, i, "Real-header")
    comments, i = _comments(path, lines, i)
    ints = [None if v == unknown else int(v) for v in ints]
    reals = [None if v == unknown or not math.isfinite(v) else v for v in reals]
    if len(ints) < 60 or len(reals) < 63:
        raise InputError(path, f"COSMOS header has {len(ints)} integers and {len(reals)} reals; "
                               "expected 100 each: damaged file")

    acc, unit = None, ""
    while i < len(lines) and _DATA_LINE.match(lines[i]):
        quantity = _DATA_LINE.match(lines[i]).group(2).lower()
        values, unit_here, i = _data_section(path, lines, i)
        if quantity.startswith("acc") and acc is None:
            acc, unit = values, unit_here
        while i < len(lines) and lines[i].lstrip().lower().startswith("end-of-data"):
            i += 1
        # what follows must be another section, the next channel or the end of the file
        if i < len(lines) and lines[i].strip() and not (_DATA_LINE.match(lines[i]) or _FIRST_LINE.search(lines[i])):
            raise InputError(path, f"line {i + 1}: more data than the `pts` count declares "
                                   "(header count disagrees with the data)")
    if acc is None:
        if ints[1] not in (None, 1):
            raise InputError(path, "COSMOS channel holds no acceleration (velocity or displacement "
                                   "only); seisdiff needs an acceleration file (V1c/V2c acc)")
        raise InputError(path, "COSMOS channel has no `N acceleration pts` data line: truncated file")

    rate_hz = _rate_hz(path, reals)
    scnl = _scnl(comments)
    network, station = _code(text)
    if scnl:
        station, network = scnl[0] or station, scnl[2] or network
    component = scnl[1] if scnl and scnl[1] else _azimuth_label(ints[53], text)
    origin = _origin(text)
    magnitude, magnitude_type = _magnitude(reals, text)
    metadata = event_metadata(magnitude=magnitude, magnitude_type=magnitude_type, hypo_lat=reals[9],
                              hypo_lon=reals[10], hypo_depth_km=reals[11], sta_lat=reals[0],
                              sta_lon=reals[1], origin_time=origin)
    metadata["orientation"] = _orientation(ints[53], component)
    return {"acc_mps2": acc * to_mps2_factor(unit), "rate_hz": rate_hz, "unit": unit,
            "station": station, "network": network, "component": component,
            "event": event_id(origin), "start_time": _start_time(ints, reals, text),
            "metadata": metadata}, i


def _unknown_value(text: list[str]) -> float:
    """The header's "unknown" sentinel (text line 13, `…unknown/unspecified:   -999, -999.0`)."""
    for line in text:
        if "unknown" in line.lower():
            found = _NUMBER.findall(line.split(":")[-1])
            if found:
                return float(found[0])
    return -999.0


def _header_block(path: Path, lines: list[str], i: int, kind: str) -> tuple[list[float], int]:
    """The values of an `N Integer-header/Real-header values follow on M lines` block."""
    found = _COUNT_LINE.match(lines[i]) if i < len(lines) else None
    if not found or found.group(2).lower() != kind.lower():
        raise InputError(path, f"line {i + 1}: expected the COSMOS `{kind} values follow` line: damaged file")
    count = int(found.group(1))
    nlines = re.search(r"on\s+(\d+)\s+lines", lines[i], re.I)
    nlines = int(nlines.group(1)) if nlines else math.ceil(count / (10 if kind.startswith("I") else 5))
    values = [float(v) for v in _NUMBER.findall(" ".join(lines[i + 1:i + 1 + nlines]))]
    if len(values) != count:
        raise InputError(path, f"COSMOS {kind} block holds {len(values)} values, not {count}: damaged file")
    return values, i + 1 + nlines


def _comments(path: Path, lines: list[str], i: int) -> tuple[list[str], int]:
    found = _COUNT_LINE.match(lines[i]) if i < len(lines) else None
    if not found or not found.group(2).lower().startswith("comment"):
        raise InputError(path, f"line {i + 1}: expected the COSMOS `N Comment line(s) follow` line")
    count = int(found.group(1))
    return lines[i + 1:i + 1 + count], i + 1 + count


def _data_section(path: Path, lines: list[str], i: int) -> tuple[np.ndarray, str, int]:
    """(values, canonical unit or '' for non-acceleration, next line index) of one `N … pts` section."""
    head = lines[i]
    npts = int(_DATA_LINE.match(head).group(1))
    quantity = _DATA_LINE.match(head).group(2).lower()
    fmt = _FORMAT.search(head)
    if not fmt:
        raise InputError(path, f"line {i + 1}: no `Format=(…)` on the COSMOS data line: damaged file")
    per_line, width = int(fmt.group(1) or 1), int(fmt.group(2))
    nlines = math.ceil(npts / per_line)
    block = lines[i + 1:i + 1 + nlines]
    unit = _unit(path, head) if quantity.startswith("acc") else ""
    values = fixed_width_values(path, block, npts, width, f"COSMOS {quantity}")
    return values, unit, i + 1 + nlines


def _unit(path: Path, head: str) -> str:
    """Canonical acceleration unit from `units=cm/sec2(04)` (text and code must agree)."""
    text = _UNITS_TEXT.search(head)
    text = text.group(1).strip().rstrip(".").strip() if text else ""
    code = _UNITS_CODE.search(head)
    code = int(code.group(1)) if code else None
    from_text = from_code = None
    if text:
        try:
            from_text = canonical_unit(text)
        except UserError:
            from_text = None
    if code is not None:
        from_code = _UNIT_CODES.get(code)
    if from_text and from_code and from_text != from_code:
        raise InputError(path, f"COSMOS data line declares units={text!r} but code ({code:02d}) means "
                               f"{from_code}; fix the header")
    unit = from_text or from_code
    if not text and code is None:
        raise InputError(path, "COSMOS data line declares no units= (text or code); the unit of the "
                               "samples is unknown: fix the header")
    if not unit:
        raise InputError(path, f"COSMOS data line declares units={text!r} code {code}, not an acceleration "
                               "unit seisdiff knows (g, cm/sec2, gal); convert the file to acceleration")
    return unit


def _rate_hz(path: Path, reals: list) -> float:
    if reals[61] and reals[61] > 0:  # R(62): sampling interval of this volume, ms
        return 1000.0 / reals[61]
    if reals[33] and reals[33] > 0:  # R(34): sampling interval, s
        return 1.0 / reals[33]
    raise InputError(path, "COSMOS real header gives no sampling interval (R(62) ms / R(34) s): damaged file")


def _scnl(comments: list[str]) -> tuple[str, str, str, str] | None:
    """(station, channel, network, location) from a `|<SCNL>STA.CHA.NET.LOC` comment, or None."""
    for line in comments:
        found = re.search(r"<SCNL>\s*(\S+)", line)
        if found:
            parts = found.group(1).split(".") + ["", "", "", ""]
            return tuple(p.strip() for p in parts[:4])
    return None


def _code(text: list[str]) -> tuple[str, str]:
    """(network, station) from text line 5 `Statn No: … Code:NET-STA`."""
    found = re.search(r"Code:\s*([A-Za-z0-9]+)-\s*(\S+)", text[4] if len(text) > 4 else "")
    return (found.group(1), found.group(2)) if found else ("", "")


def _orientation(azimuth: int | None, component: str) -> str:
    """'Z' for a vertical sensor azimuth I(54) (400-402) or a vertical name; else what the name says
    (`common.orientation`), and where it says nothing (HN3, a structure's HN4), 'H' for a horizontal azimuth 0-360."""
    named = orientation(component)
    if azimuth in _VERTICAL_AZIMUTHS or named == "Z":
        return "Z"
    return "H" if named == "?" and azimuth is not None and 0 <= azimuth <= 360 else named


def _azimuth_label(azimuth: int | None, text: list[str]) -> str:
    if azimuth in _VERTICAL_AZIMUTHS:
        return _VERTICAL_AZIMUTHS[azimuth]
    if azimuth is not None and 0 <= azimuth <= 360:
        return f"{azimuth:03d}"
    found = re.search(r"Chan\s+\S+:\s*(\S+)", text[8] if len(text) > 8 else "")
    return found.group(1) if found else ""


def _origin(text: list[str]) -> datetime | None:
    """Origin time from text line 4 `Origin: 2020/05/15 11:03:27    UTC` (None when not given)."""
    line = text[3] if len(text) > 3 else ""
    found = re.search(r"(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)\s*(UTC|GMT)", line)
    if not found:
        return None
    y, mo, d, h, mi = (int(found.group(k)) for k in range(1, 6))
    return datetime(y, mo, d, h, mi, tzinfo=timezone.utc) + timedelta(seconds=float(found.group(6)))


def _magnitude(reals: list, text: list[str]) -> tuple[float | None, str]:
    """(magnitude, type): R(13) Mw, R(15) ML, R(14) Ms, R(16) other; else text line 3 `Mw=7.0`."""
    for index, kind in ((12, "Mw"), (14, "ML"), (13, "Ms"), (15, "")):
        if reals[index] is not None and 0 < reals[index] < 10:
            return reals[index], kind
    found = re.search(r"\b(M[wWlLsS]?)\s*=\s*(\d+(?:\.\d*)?)", text[2] if len(text) > 2 else "")
    if found:
        kind = found.group(1)
        return float(found.group(2)), {"Mw": "Mw", "MW": "Mw", "Ml": "ML", "ML": "ML"}.get(kind, kind)
    return None, ""


def _start_time(ints: list, reals: list, text: list[str]) -> str:
    """ISO UTC of the first sample from I(40) year, I(42–45) month, day, hour, minute, R(30) second;
    '' when a field is unknown, text line 8 does not say the time is UTC or leaves the seconds blank."""
    line = text[7] if len(text) > 7 else ""
    if not re.search(r"\b(UTC|GMT)\b", line) or re.search(r":\s+\.\d", line):
        return ""  # not UTC, or the seconds are blank (`02:33:  .0 UTC`): the time is unreliable
    fields = [ints[k] for k in (39, 41, 42, 43, 44)]
    if any(v is None for v in fields):
        return ""
    second = reals[29] if reals[29] is not None else 0.0
    try:
        start = datetime(*(int(v) for v in fields), tzinfo=timezone.utc) + timedelta(seconds=second)
    except ValueError:
        return ""
    return iso_utc(start)
