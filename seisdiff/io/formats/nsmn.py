"""Turkish AFAD (National Strong Motion Network) text accelerograms: three components per file.

Layout (Latin-1/Turkish text, 18 header lines of `KEY : value`): STRONG GROUND MOTION RECORDS OF
TURKIYE, PLACE, EARTHQUAKE DATE `2017/07/20 22:31:09 (GMT)`, EPICENTER COORDINATES
`36.91980N-27.44350E`, EARTHQUAKE DEPTH (km), EARTHQUAKE MAGNITUDE `6.5 Mw`, STATION ID, STATION
COORDINATES, RECORD TIME `20/07/2017 22:30:58.000000 (GMT)`, NUMBER OF DATA, SAMPLING INTERVAL (sec),
RAW PGA VALUES (gal), two copyright lines and a column line `N-S E-W U-D`; then rows of three values in
the unit the RAW PGA line names (gal).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path


from seisdiff.errors import InputError
from seisdiff.io.formats.common import (column_records, event_metadata, header_float, number_rows, rate_hz,
                                        read_text_latin1, unit_or_given)
from seisdiff.io.record import Record
from seisdiff.io.units import to_mps2_factor

NAME = "nsmn"
NETWORK = "TK"  # AFAD's FDSN network code; the file itself does not name it
_KEY = re.compile(r"^([A-Za-z][\w ()/.-]*?)\s*:\s*(.*?)\s*$")
_COORDS = re.compile(r"([-+]?\d+(?:\.\d*)?)\s*([NS])\s*-?\s*([-+]?\d+(?:\.\d*)?)\s*([EW])", re.I)
# the file's column labels, in the spelling of K-NET and KiK-net (NS, EW, UD)
_LABELS = {"N-S": "NS", "E-W": "EW", "U-D": "UD"}


def sniff(head: str, path: Path) -> bool:
    """True for an AFAD text record: the TURKIYE title line and the EPICENTER COORDINATES key."""
    first = head.lstrip().split("\n", 1)[0].upper()
    return "STRONG GROUND MOTION RECORDS OF TURK" in first and "EPICENTER COORDINATES" in head


def read(path: Path, units: str | None = None) -> list[Record]:
    """Three Records (N-S, E-W, U-D in file order), acc in m/s² converted from the unit the
    `RAW PGA VALUES (gal)` line names (`units` only when no line names one). InputError for an
    unknown/missing unit or sampling interval, a partial row, or a row count other than NUMBER OF DATA."""
    path = Path(path)
    lines = read_text_latin1(path).split("\n")
    header, labels, n_header = _header(path, lines)
    unit = _unit(path, header, units)
    dt_s = header_float(header.get("SAMPLING INTERVAL (sec)"))
    npts = header_float(header.get("NUMBER OF DATA"))
    if not dt_s or dt_s <= 0:
        raise InputError(path, "AFAD header has no positive SAMPLING INTERVAL (sec); the file is damaged")
    data = number_rows(path, "\n".join(lines[n_header:]), len(labels), "AFAD")
    if npts is not None and int(npts) != data.shape[0]:
        raise InputError(path, f"header says NUMBER OF DATA {int(npts)} but the file holds {data.shape[0]} "
                               "rows (truncated or damaged file?)")
    acc_mps2 = data * to_mps2_factor(unit)

    origin = _time(header.get("EARTHQUAKE DATE", ""))
    start = _time(header.get("RECORD TIME", ""))
    hypo = _coords(header.get("EPICENTER COORDINATES", ""))
    station = _coords(header.get("STATION COORDINATES", ""))
    magnitude = re.match(r"\s*([-+]?\d+(?:\.\d*)?)\s*(\w*)", header.get("EARTHQUAKE MAGNITUDE", ""))
    metadata = event_metadata(
        magnitude=float(magnitude.group(1)) if magnitude else None,
        magnitude_type=magnitude.group(2) if magnitude else "",
        hypo_lat=hypo[0], hypo_lon=hypo[1],
        hypo_depth_km=header_float(header.get("EARTHQUAKE DEPTH (km)")),
        sta_lat=station[0], sta_lon=station[1],
        origin_time=origin,
    )
    return column_records(path, acc_mps2, labels, sampling_rate_hz=rate_hz(dt_s),
                          station=header.get("STATION ID", ""), network=NETWORK, origin=origin, start=start, unit=unit,
                          metadata=metadata)


def _header(path: Path, lines: list[str]) -> tuple[dict, list[str], int]:
    """({KEY: value}, component labels, header line count): the header ends with the column line
    (`N-S E-W U-D`)."""
    header = {}
    for n, line in enumerate(lines[:40]):
        tokens = line.split()
        if tokens and all(t.upper() in _LABELS for t in tokens):
            return header, [_LABELS[t.upper()] for t in tokens], n + 1
        found = _KEY.match(line)
        if found:
            header[found.group(1)] = found.group(2)
    raise InputError(path, "no column line (N-S E-W U-D) ends the AFAD header; truncated or damaged file")


def _unit(path: Path, header: dict, units: str | None) -> str:
    """The unit in parentheses on the `RAW PGA VALUES (gal)` key (canonical spelling)."""
    key = next((k for k in header if k.startswith("RAW PGA") or k.startswith("PGA")), "")
    declared = re.search(r"\(([^)]+)\)", key)
    declared = declared.group(1) if declared else None
    return unit_or_given(path, declared, units, [declared or ""], "the AFAD header (`RAW PGA VALUES (gal)`)", "gal")

def _coords(text: str) -> tuple[float | None, float | None]:
    """(lat, lon) in degrees from `36.91980N-27.44350E` (S and W negative), else (None, None)."""
    found = _COORDS.search(text)
    if not found:
        return None, None
    lat, lon = float(found.group(1)), float(found.group(3))
    return (-lat if found.group(2).upper() == "S" else lat), (-lon if found.group(4).upper() == "W" else lon)


def _time(text: str) -> datetime | None:
    """UTC from `2017/07/20 22:31:09 (GMT)` or `20/07/2017 22:30:58.000000 (GMT)`, else None."""
    found = re.match(r"\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})\s+(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)", text)
    if not found:
        return None
    a, month, b = (int(g) for g in found.groups()[:3])
    year, day = (a, b) if len(found.group(1)) == 4 else (b, a)
    try:
        moment = datetime(year, month, day, int(found.group(4)), int(found.group(5)), tzinfo=timezone.utc)
    except ValueError:
        return None
    return moment + timedelta(seconds=float(found.group(6)))


