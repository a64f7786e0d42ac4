"""Taiwan CWB/CWA TSMIP ASCII accelerograms: three components per file, times in Taiwan time (UTC+8).

Layout: 22 header lines prefixed `#` (one blank) — `#Origin Time(GMT+08): 2018/02/06-23:50:42`,
`#EpicenterLongitude(E)`, `#EpicenterLatitude(N)`, `#Depth(km)`, `#Magnitude(Ml)`, `#StationCode`,
`#StationLongitude(E)`, `#StationLatitude(N)`, `#StartTime(GMT+08)`, `#RecordLength(sec)`,
`#SampleRate(Hz)`, `#AmplitudeUnit:  gal. DCoffset(corr)`, `#DataSequence: Time U(+); N(+); E(+)` —
then four columns `time U N E`, the accelerations in the declared unit (gal).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.formats.common import (column_records, event_metadata, header_float, number_rows, read_text_latin1,
                                        to_utc, unit_or_given)
from seisdiff.io.record import Record
from seisdiff.io.units import to_mps2_factor

NAME = "cwb"
NETWORK = "TW"  # the TSMIP network code; the file itself does not name it
UTC_OFFSET_HOURS = 8.0
_KEY = re.compile(r"^#\s*([^:]+?)\s*:\s*(.*?)\s*$")


def sniff(head: str, path: Path) -> bool:
    """True for a TSMIP header: `#Origin Time(GMT+08)` and `#StationCode:` lines."""
    return bool(re.search(r"^#\s*Origin Time\(GMT\+0?8\)", head, re.M)) and "#StationCode:" in head


def read(path: Path, units: str | None = None) -> list[Record]:
    """Three Records (one per column after `time`, in file order U, N, E), acc in m/s² converted from
    `#AmplitudeUnit`; `units` is used only when the header has no unit line. InputError for a
    missing/unknown unit or sample rate, a partial row, or a row count that disagrees with
    RecordLength × SampleRate or with the time column."""
    path = Path(path)
    text = read_text_latin1(path)
    header, body = _split(text)
    declared = header.get("AmplitudeUnit")
    word = ((declared or "").split() or [""])[0].rstrip(".")   # "gal. DCoffset(corr)" → "gal"
    unit = unit_or_given(path, declared, units, [word],
                         "the TSMIP #AmplitudeUnit line", "gal")
    rate_hz = header_float(header.get("SampleRate(Hz)"))
    if not rate_hz or rate_hz <= 0:
        raise InputError(path, "no positive #SampleRate(Hz) in the TSMIP header; the file is damaged")
    labels = re.findall(r"([A-Za-z]+)\s*\(", header.get("DataSequence", "")) or ["U", "N", "E"]
    columns = 1 + len(labels)
    data = number_rows(path, body, columns, "TSMIP")
    _check_count(path, header, data, rate_hz)
    acc_mps2 = data[:, 1:] * to_mps2_factor(unit)

    origin = _time(header, "Origin Time")
    metadata = event_metadata(
        magnitude=header_float(header.get(_key_like(header, "Magnitude"))),
        magnitude_type=_paren(_key_like(header, "Magnitude")).replace("Ml", "ML"),
        hypo_lat=header_float(header.get(_key_like(header, "EpicenterLatitude"))),
        hypo_lon=header_float(header.get(_key_like(header, "EpicenterLongitude"))),
        hypo_depth_km=header_float(header.get("Depth(km)")),
        sta_lat=header_float(header.get(_key_like(header, "StationLatitude"))),
        sta_lon=header_float(header.get(_key_like(header, "StationLongitude"))),
        origin_time=origin,
    )
    start = _time(header, "StartTime")
    return column_records(path, acc_mps2, labels, sampling_rate_hz=rate_hz, station=header.get("StationCode", ""),
                          network=NETWORK, origin=origin, start=start, unit=unit, metadata=metadata)


def _split(text: str) -> tuple[dict, str]:
    """(header {key: value} of the `#KEY: value` lines, the data text after the last `#` line)."""
    lines = text.split("\n")
    last = max((i for i, line in enumerate(lines[:100]) if line.startswith("#")), default=-1)
    header = {}
    for line in lines[: last + 1]:
        found = _KEY.match(line)
        if found:
            header[found.group(1)] = found.group(2)
    return header, "\n".join(lines[last + 1:])


def _key_like(header: dict, prefix: str) -> str:
    """The header key that starts with `prefix` (e.g. 'Magnitude' → 'Magnitude(Ml)'), or ''."""
    return next((key for key in header if key.startswith(prefix)), "")


def _paren(key: str) -> str:
    found = re.search(r"\(([^)]*)\)", key)
    return found.group(1) if found else ""


def _check_count(path: Path, header: dict, data: np.ndarray, rate_hz: float) -> None:
    n = data.shape[0]
    length_s = header_float(header.get("RecordLength(sec)"))
    if length_s and round(length_s * rate_hz) != n:
        raise InputError(path, f"header says {length_s:g} s at {rate_hz:g} Hz = {round(length_s * rate_hz)} "
                               f"samples but the file holds {n} rows (truncated or damaged file?)")
    # the time column must step by 1/rate: a dropped block of rows shows here
    expected_end_s = (n - 1) / rate_hz
    if n > 1 and abs(data[-1, 0] - data[0, 0] - expected_end_s) > 1.5 / rate_hz:
        raise InputError(path, f"time column runs {data[0, 0]:g}–{data[-1, 0]:g} s but {n} rows at "
                               f"{rate_hz:g} Hz span {expected_end_s:g} s: rows missing or wrong SampleRate")


def _time(header: dict, prefix: str) -> datetime | None:
    """The header time `YYYY/MM/DD-HH:MM:SS[.fff]` under key `prefix(GMT+08)` as aware UTC, or None."""
    key = _key_like(header, prefix)
    found = re.match(r"(\d{4})/(\d{1,2})/(\d{1,2})[-\sT]+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)", header.get(key, ""))
    if not found:
        return None
    offset = re.search(r"GMT([+-]\d+(?:\.\d+)?)", key)
    year, month, day, hour, minute = (int(g) for g in found.groups()[:5])
    seconds = float(found.group(6))
    try:
        local = datetime(year, month, day, hour, minute) + timedelta(seconds=seconds)
    except ValueError:
        return None
    return to_utc(local, float(offset.group(1)) if offset else UTC_OFFSET_HOURS)


