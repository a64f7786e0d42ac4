"""ESM / ITACA ASCII accelerograms (Engineering Strong-Motion database): one component per file.

Layout: 64 `KEY: value` header lines (EVENT_DATE_YYYYMMDD, EVENT_TIME_HHMMSS, EVENT_LATITUDE_DEGREE,
EVENT_LONGITUDE_DEGREE, EVENT_DEPTH_KM, MAGNITUDE_W, MAGNITUDE_L, NETWORK, STATION_CODE,
STATION_LATITUDE_DEGREE, STATION_LONGITUDE_DEGREE, VS30_M/S, DATE_TIME_FIRST_SAMPLE_YYYYMMDD_HHMMSS,
SAMPLING_INTERVAL_S, NDATA, STREAM, UNITS, …), then NDATA values, one a line, in UNITS (cm/s^2).
`*.C.ACC.ASC` files are corrected (band-passed), `*RawAcc*` files uncorrected; both read the same.
Dates come as `20190728` / `160908` or, in AFAD-supplied files, `2010/11/14` / `23:08:25.75` and a
first sample `14/11/2010 23:09:19.300`; all are UTC.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.formats.common import (event_id, event_metadata, header_float, iso_utc, orientation, rate_hz,
                                        read_text_latin1, unit_or_given)
from seisdiff.io.record import Record
from seisdiff.io.units import to_mps2_factor

NAME = "esm"
_KEY = re.compile(r"^([A-Z][A-Z0-9_/^.]*):[ \t]?(.*?)\s*$")
_HEADER_LINES = 64


def sniff(head: str, path: Path) -> bool:
    """True for an ESM header: starts with `EVENT_NAME:` and has the DATE_TIME_FIRST_SAMPLE key."""
    return head.lstrip().startswith("EVENT_NAME:") and "DATE_TIME_FIRST_SAMPLE_YYYYMMDD_HHMMSS:" in head


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record, acc in m/s² converted from the header's UNITS (`units` only where UNITS is blank).
    InputError for unknown/missing units, a bad SAMPLING_INTERVAL_S/NDATA, non-numeric values or a
    value count that differs from NDATA."""
    path = Path(path)
    lines = read_text_latin1(path).split("\n")
    header, n_header = _header(lines)
    if "NDATA" not in header or "SAMPLING_INTERVAL_S" not in header:
        raise InputError(path, "ESM header lacks NDATA or SAMPLING_INTERVAL_S: truncated or damaged header")
    declared = header.get("UNITS", "")
    unit = unit_or_given(path, declared, units, [declared], "the ESM header UNITS", "cm/s^2")
    dt_s, npts = header_float(header["SAMPLING_INTERVAL_S"]), header_float(header["NDATA"])
    if not dt_s or dt_s <= 0 or not npts or npts <= 0 or npts != int(npts):
        raise InputError(path, f"header gives SAMPLING_INTERVAL_S={header['SAMPLING_INTERVAL_S']!r}, "
                               f"NDATA={header['NDATA']!r}: both must be positive")
    acc_mps2 = _values(path, "\n".join(lines[n_header:]), int(npts)) * to_mps2_factor(unit)

    origin = _origin(header)
    start = _first_sample(header.get("DATE_TIME_FIRST_SAMPLE_YYYYMMDD_HHMMSS", ""))
    magnitude, magnitude_type = _magnitude(header)
    stream = header.get("STREAM", "")
    metadata = event_metadata(
        magnitude=magnitude, magnitude_type=magnitude_type,
        hypo_lat=header_float(header.get("EVENT_LATITUDE_DEGREE")),
        hypo_lon=header_float(header.get("EVENT_LONGITUDE_DEGREE")),
        hypo_depth_km=header_float(header.get("EVENT_DEPTH_KM")),
        sta_lat=header_float(header.get("STATION_LATITUDE_DEGREE")),
        sta_lon=header_float(header.get("STATION_LONGITUDE_DEGREE")),
        vs30_mps=header_float(header.get("VS30_M/S")),
        origin_time=origin,
    )
    metadata["orientation"] = orientation(stream)
    # corrected (`.C.ACC.ASC`) files carry their band-pass corners; raw ones leave them blank
    metadata["corrected"] = header_float(header.get("LOW_CUT_FREQUENCY_HZ")) is not None
    return [Record(
        acc_mps2=acc_mps2,
        sampling_rate_hz=rate_hz(dt_s),
        record_id=path.stem if path.suffix.lower() == ".asc" else path.name,
        station=header.get("STATION_CODE", ""),
        component=stream,
        event=event_id(origin),
        network=header.get("NETWORK", ""),
        start_time=iso_utc(start) if start else "",
        source_file=str(path),
        units_in_file=unit,
        metadata=metadata,
    )]


def _header(lines: list[str]) -> tuple[dict, int]:
    """({KEY: value}, number of header lines): the leading `KEY: value` lines (64 in the format)."""
    header = {}
    n = 0
    for n, line in enumerate(lines[: _HEADER_LINES + 8]):
        found = _KEY.match(line)
        if not found:
            return header, n
        header[found.group(1)] = found.group(2)
    return header, n + 1


def _values(path: Path, body: str, npts: int) -> np.ndarray:
    values = parse_numbers(body, npts)  # numba fast path; None when it meets anything unusual
    if values is None:
        try:
            values = np.array(body.split(), dtype=np.float64)
        except ValueError:
            bad = next(t for t in body.split() if not _is_number(t))
            raise InputError(path, f"non-numeric value {bad!r} in the ESM data block") from None
    if values.size != npts:
        raise InputError(path, f"header says NDATA={npts} but the file holds {values.size} values "
                               "(truncated or damaged file?)")
    return values


def _is_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _magnitude(header: dict) -> tuple[float | None, str]:
    """(magnitude, type): MAGNITUDE_W when given, else MAGNITUDE_L."""
    for key, kind in (("MAGNITUDE_W", "Mw"), ("MAGNITUDE_L", "ML")):
        value = header_float(header.get(key))
        if value is not None:
            return value, kind
    return None, ""


def _origin(header: dict) -> datetime | None:
    """EVENT_DATE_YYYYMMDD + EVENT_TIME_HHMMSS ('20190728' '160908' or '2010/11/14' '23:08:25.75')."""
    return _first_sample(f"{header.get('EVENT_DATE_YYYYMMDD', '')} {header.get('EVENT_TIME_HHMMSS', '')}")


def _first_sample(text: str) -> datetime | None:
    """A UTC datetime from `20190728_160919.870`, `2010/11/14 23:08:25.75`, `14/11/2010 23:09:19.300`
    or `20190728 160908`; None when the text is none of them."""
    text = text.strip()
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})[_ T]+(\d{2}):?(\d{2}):?(\d{2}(?:\.\d*)?)", text)
    slashed = re.fullmatch(r"(\d{1,4})[/-](\d{1,2})[/-](\d{1,4})[_ T]+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)", text)
    if compact:
        year, month, day = (int(g) for g in compact.groups()[:3])
        found = compact
    elif slashed:
        a, month, b = (int(g) for g in slashed.groups()[:3])
        year, day = (a, b) if len(slashed.group(1)) == 4 else (b, a)  # YYYY/MM/DD or DD/MM/YYYY
        found = slashed
    else:
        return None
    try:
        moment = datetime(year, month, day, int(found.group(4)), int(found.group(5)), tzinfo=timezone.utc)
    except ValueError:
        return None
    return moment + timedelta(seconds=float(found.group(6)))


