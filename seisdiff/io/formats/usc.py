"""USC (Los Angeles basin network, University of Southern California) Volume I files: analog records,
one component per file, `time acc` pairs.

Layout (seisdiff.io.formats.csmip): 13 text lines, each with a line number in columns 73-74 (and
`VOL1` after it in some files) — line 1 `FILE 0 OF UNCORRECTED ACCELEROGRAM DATA OF VOLUME I:`,
line 3 `OCT 01, 1987 -1442 GMT`, line 5 `STATION USC# 0042   33 46 34N, 118 24 40W` (degrees minutes
seconds), line 7 `COMP S58W` / `COMP UP`, line 9 `EPICENTER -   34 03 29N, 118 04 30W`, line 11
`NO. OF POINTS = 2275 DURATION = 11.435 SEC`, line 12 `UNITS ARE SEC AND G/10` — then 7 integer
lines, 7 real lines and the pairs, 5 a line (1X, 10F7.3).

The digitised samples are unevenly spaced: they are resampled by linear interpolation at 200 Hz
(csmip.uniform_samples states the method). Analog: no reliable absolute time, start_time ''. Event is
the header's event time (to the minute, UTC).

Magnitude: the text lines give none; the real header (8F10.3 lines) does. In the shared files (Whittier
Narrows 1987, stations 42 and 88) real line 1 holds period, damping, duration, RMS, the unit (0.1: g/10),
sensitivity, then the epicentre (lat, lon °W), real line 2 the station (lat, lon °W), the epicentral distance
(km) and the magnitude (5.9: the event's ML 5.9; the CDMG files of the same event say the preliminary ML 6.1).
The magnitude is read only where that layout holds: the file's epicentral distance agrees (1 km or 3 %) with
the one between its epicentre and station. Depth: not read. The field after the magnitude is 10.000 on all three
components of station 42 and 14.490 at station 88, whose D5–95 is 14.7 s: a depth or a duration, the files do
not say; the depth (and the hypocentral distance) stays unknown (`preprocess --metadata` gives it).
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from seisdiff.errors import InputError
from seisdiff.io.formats import csmip
from seisdiff.io.formats.common import (event_date, event_id, event_metadata, hypocentral_distance_km,
                                        orientation, record_ids)
from seisdiff.io.record import Record

NAME = "usc"
NETWORK = "LA"  # the USC network code; the file does not name it
_FIRST = re.compile(r"\s*FILE\s+\d+\s+OF\s+UNCORRECTED ACCELEROGRAM DATA OF VOLUME I", re.I)


def sniff(head: str, path: Path) -> bool:
    """True when the first line is `FILE n OF UNCORRECTED ACCELEROGRAM DATA OF VOLUME I…`."""
    return bool(_FIRST.match(head))


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per channel (normally one), acc in m/s² from the declared unit (`units` is not
    used). InputError for a missing/unknown unit, a pair count that disagrees with `NO. OF POINTS`,
    times that do not increase, or a damaged header."""
    path = Path(path)
    lines = csmip.read_lines(path)
    channels, start = [], 0
    while start < len(lines) and any(line.strip() for line in lines[start:]):
        channel, start = _read_channel(path, lines, start)
        channels.append(channel)
        rest = [line for line in lines[start:] if line.strip()]
        if rest and not _FIRST.match(rest[0]):
            _check_trailer(path, rest, start)
            break
    if not channels:
        raise InputError(path, "no channel in the file; it is empty or not a USC Volume I file")
    # the stem is shared by a station's component files (274o42pv.s0a, .s0b, …): keep the extension
    ids = record_ids(f"{path.stem}_{path.suffix.lstrip('.')}" if path.suffix else path.stem,
                     [c["component"] for c in channels])
    return [Record(acc_mps2=c["acc_mps2"], sampling_rate_hz=c["rate_hz"], record_id=rid,
                   station=c["station"], component=c["component"], event=c["event"], network=NETWORK,
                   source_file=str(path), units_in_file=c["unit"], metadata=c["metadata"])
            for rid, c in zip(ids, channels)]


def _read_channel(path: Path, lines: list[str], start: int) -> tuple[dict, int]:
    """(channel, index of the line after its data) for the channel whose header starts at `start`."""
    text = lines[start:start + csmip.TEXT_ROWS_V1]
    if len(text) < csmip.TEXT_ROWS_V1 or not _FIRST.match(text[0]):
        raise InputError(path, f"line {start + 1} should start a `FILE n OF UNCORRECTED ACCELEROGRAM DATA` "
                               "header; the file is damaged")
    header = "\n".join(line[:72] for line in text)  # columns 73- hold line numbers, not header text
    npts = csmip.header_int(path, header, r"NO\.\s*OF\s*POINTS\s*=\s*(\d+)", "`NO. OF POINTS =` count")
    unit, factor = csmip.declared_unit(path, csmip.units_line(path, [line[:72] for line in text]))
    first = start + csmip.HEADER_ROWS_V1
    rows = -(-2 * npts // 10)
    data_rows = lines[first:first + rows]
    text_row = next((k for k, row in enumerate(data_rows) if re.search(r"[A-DF-Za-df-z]", row)), None)
    if text_row is not None:  # the pairs end early (a trailer or the next header): a short count
        data_rows = data_rows[:text_row]
    values = csmip.fixed_width_numbers(path, data_rows, 7, 10, first + 1, skip=1)
    csmip.check_count(path, values.size, 2 * npts, "time–acceleration pairs", first + 1)
    acc, rate_hz, _ = csmip.uniform_samples(path, values[0::2], values[1::2])

    comp = re.search(r"^COMP\s+(\S+)", header, re.M)
    component = comp.group(1).upper() if comp else ""
    station = re.search(r"STATION USC#\s*(\d+)", header)
    sta = _dms(header, r"STATION USC#\s*\d+")
    epi = _dms(header, r"EPICENTER\s*-?")
    moment = _event_time(header)
    metadata = event_metadata(magnitude=_real_header_magnitude(lines[start + csmip.TEXT_ROWS_V1 + csmip.INT_ROWS:
                                                                     first]),
                              hypo_lat=epi[0], hypo_lon=epi[1], sta_lat=sta[0], sta_lon=sta[1])
    metadata["orientation"] = orientation(component)
    if moment is not None:    # the event's date (GMT); its time, to the minute, only names the event
        metadata["event_date"] = event_date(moment)
    channel = {"acc_mps2": acc * factor, "rate_hz": rate_hz, "unit": unit,
               "station": str(int(station.group(1))) if station else "", "component": component,
               "event": event_id(moment), "metadata": metadata}
    return channel, first + rows


def _real_header_magnitude(real_lines: list[str]) -> float | None:
    """The magnitude of the real header (line 2, field 4) where its layout is the one the module describes
    (line 2's epicentral distance agrees with its epicentre and station coordinates); None otherwise."""
    fields = [_field(line, k) for line in real_lines[:2] for k in range(8)]
    if len(fields) < 12 or None in fields[6:12]:
        return None
    epi_lat, epi_lon_w, sta_lat, sta_lon_w, distance_km, magnitude = fields[6:12]
    expected_km = hypocentral_distance_km(epi_lat, -epi_lon_w, 0.0, sta_lat, -sta_lon_w)
    if not abs(distance_km - expected_km) <= max(1.0, 0.03 * expected_km) or not 0.0 < magnitude < 10.0:
        return None
    return magnitude


def _field(line: str, k: int) -> float | None:
    """Field k (0-based) of an 8F10 line, None when blank or not a number."""
    try:
        return float(line[10 * k:10 * (k + 1)])
    except ValueError:
        return None


def _check_trailer(path: Path, rest: list[str], start: int) -> None:
    """Some files end with a short text trailer (`VLEE $`); more numbers after the announced pairs
    mean the header count is wrong: InputError."""
    for line in rest:
        if re.fullmatch(r"[\s\d.+\-eE]+", line) and re.search(r"\d", line):
            raise InputError(path, f"numbers after line {start}, past the pairs that `NO. OF POINTS` "
                                   "announces; the header count disagrees with the data")


def _dms(header: str, prefix: str) -> tuple[float | None, float | None]:
    """(lat, lon) in degrees from `<prefix>   33 46 34N, 118 24 40W`, or (None, None)."""
    match = re.search(prefix + r"\s+(\d+)\s+(\d+)\s+(\d+)\s*([NS])\s*,\s*(\d+)\s+(\d+)\s+(\d+)\s*([EW])", header)
    if match is None:
        return None, None
    g = match.groups()
    lat = int(g[0]) + int(g[1]) / 60 + int(g[2]) / 3600
    lon = int(g[4]) + int(g[5]) / 60 + int(g[6]) / 3600
    return (-lat if g[3] == "S" else lat), (-lon if g[7] == "W" else lon)


def _event_time(header: str) -> datetime | None:
    """`OCT 01, 1987 -1442 GMT` (line 3) as a naive UTC datetime to the minute, or None."""
    match = re.search(r"^([A-Z]{3})\s+(\d{1,2}),\s*(\d{4})\s*-?\s*(\d{2})(\d{2})\s*(GMT|UTC)", header, re.M)
    if match is None:
        return None
    try:
        return datetime.strptime(f"{match.group(1).title()} {match.group(2)} {match.group(3)} "
                                 f"{match.group(4)}{match.group(5)}", "%b %d %Y %H%M")
    except ValueError:
        return None
