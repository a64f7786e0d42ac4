"""II-UNAM "ARCHIVO ESTANDAR DE ACELERACION" (v2.0) accelerograms, Spanish headers, three channels.

Layout: 109 header lines of `KEY : value`, per-channel values as `/c1/c2/c3` — CLAVE DE LA ESTACION,
COORDENADAS DE LA ESTACION (`19.055379 LAT. N` and, on the next line, `98.227092 LONG. W`),
ORIENTACION C1-C6 (`/V/N00E/N90E`), VEL. DE MUESTREO C1-C6 (samples/s), NUM. TOTAL DE MUESTRAS,
UNIDADES DE LOS DATOS (`Gal (cm/s/s)`), FECHA DEL SISMO [GMT], HORA EPICENTRO (GMT), MAGNITUD(ES)
(`/Mb=5.2/Ms=5.8`), COORDENADAS DEL EPICENTRO, PROFUNDIDAD FOCAL (Km), HORA DE LA PRIMERA MUESTRA (GMT);
after `DATOS DE ACELERACION:` two ruler lines around the channel labels, then three columns (3F10.x).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.formats.common import (column_records, event_metadata, header_float, number_rows, read_text_latin1,
                                        unit_or_given)
from seisdiff.io.record import Record
from seisdiff.io.units import to_mps2_factor

NAME = "unam"
NETWORK = "MG"  # code gmprocess gives II-UNAM records; the file itself does not name a network
_KEY = re.compile(r"^(\S[^:]*?)\s*:\s?(.*?)\s*$")
_COORD = re.compile(r"([-+]?\d+(?:\.\d*)?)\s*(LAT|LONG)\.?\s*([NSEW])", re.I)
# preferred magnitude first: moment, then the catalogue's unqualified M, then surface-wave and others
_MAGNITUDE_ORDER = ("MW", "M", "MS", "ME", "MA", "MC", "ML", "MB")
_EXTRA_ROWS = 10


def sniff(head: str, path: Path) -> bool:
    """True for the II-UNAM standard acceleration file: its title line and format-version key."""
    return bool(re.search(r"^ARCHIVO ESTANDAR DE ACELERACION", head, re.M | re.I)) \
        and "VERSION DEL FORMATO" in head.upper()


def read(path: Path, units: str | None = None) -> list[Record]:
    """Three Records (channels C1–C3 in file order), acc in m/s² converted from UNIDADES DE LOS DATOS
    (`units` only when that line is blank). InputError for an unknown/missing unit or sampling rate,
    a missing data block, a partial row, or a row count other than NUM. TOTAL DE MUESTRAS."""
    path = Path(path)
    lines = read_text_latin1(path).split("\n")
    header, n_header = _header(path, lines)
    declared = header.get("UNIDADES DE LOS DATOS", "")
    unit = unit_or_given(path, declared, units, [declared.split("(")[0], *re.findall(r"\(([^)]*)\)", declared)],
                         "UNIDADES DE LOS DATOS", "Gal (cm/s/s)")   # "Gal (cm/s/s)": the word, else the bracket
    labels = _slashed(_get(header, "ORIENTACION C1-C6"))
    rates = [header_float(v) for v in _slashed(_get(header, "VEL. DE MUESTREO, C1-C6"))]
    if not labels:
        raise InputError(path, "UNAM header has no ORIENTACION C1-C6 channel list; the file is damaged")
    rates = [r for r in rates if r]
    if not rates:  # older files may give only the interval
        rates = [1.0 / v for v in map(header_float, _slashed(_get(header, "INTERVALO DE MUESTREO, C1-C6"))) if v]
    if not rates or len(set(rates)) != 1 or rates[0] <= 0:
        raise InputError(path, f"UNAM header gives no single positive sampling rate for its channels "
                               f"({_get(header, 'VEL. DE MUESTREO, C1-C6')!r})")
    data = number_rows(path, "\n".join(lines[n_header:]), len(labels), "UNAM")  # 3F10.4 fields may touch
    counts = {int(c) for c in map(header_float, _slashed(_get(header, "NUM. TOTAL DE MUESTRAS, C1-C6"))) if c}
    if counts:
        data = _trim(path, data, counts)
    acc_mps2 = data * to_mps2_factor(unit)

    date = _get(header, "FECHA DEL SISMO")
    origin = _time(date, _get(header, "HORA EPICENTRO"))
    start = _time(date, _get(header, "HORA DE LA PRIMERA MUESTRA"))
    if start and origin and start < origin - timedelta(hours=12):
        start += timedelta(days=1)  # the record began after midnight of the event's date
    magnitude, magnitude_type = _magnitude(_get(header, "MAGNITUD"))
    hypo = _coords(header, "COORDENADAS DEL EPICENTRO")
    station = _coords(header, "COORDENADAS DE LA ESTACION")
    metadata = event_metadata(
        magnitude=magnitude, magnitude_type=magnitude_type,
        hypo_lat=hypo[0], hypo_lon=hypo[1], hypo_depth_km=header_float(_get(header, "PROFUNDIDAD FOCAL")),
        sta_lat=station[0], sta_lon=station[1], origin_time=origin,
    )
    return column_records(path, acc_mps2, labels, sampling_rate_hz=float(rates[0]),
                          station=_get(header, "CLAVE DE LA ESTACION"), network=NETWORK, origin=origin, start=start, unit=unit,
                          metadata=metadata)


def _header(path: Path, lines: list[str]) -> tuple[dict, int]:
    """({KEY: value}, header line count). A line `    : more` continues the key above it: its value
    is kept as `KEY#2`, `KEY#3`, … (the second coordinate line). The data begin after the second
    ruler line (`---------+…`) that follows `DATOS DE ACELERACION:`."""
    header, key, continuation = {}, "", 1
    rulers = None
    for n, line in enumerate(lines[:200]):
        stripped = line.strip()
        if rulers is not None:
            if stripped.startswith("---------+"):
                rulers += 1
                if rulers == 2:
                    return header, n + 1
            continue
        if stripped.upper().startswith("DATOS DE ACELERACION"):
            rulers = 0
            continue
        found = _KEY.match(line)
        if found:
            key, continuation = found.group(1).strip(), 1
            header[key] = found.group(2)
        elif key and re.match(r"^\s+:", line):
            continuation += 1
            header[f"{key}#{continuation}"] = line.split(":", 1)[1].strip()
        else:
            key = ""
    raise InputError(path, "no `DATOS DE ACELERACION` block with its two ruler lines in the UNAM header; "
                           "truncated or damaged file")


def _get(header: dict, prefix: str) -> str:
    """The value of the first key starting with `prefix` (keys carry units such as `(Km)`), or ''."""
    return next((v for k, v in header.items() if k.upper().startswith(prefix.upper()) and "#" not in k), "")


def _slashed(text: str) -> list[str]:
    """`/V/N00E/N90E` → ['V', 'N00E', 'N90E'] (blank entries dropped at the end only)."""
    parts = [p.strip() for p in text.strip().strip("/").split("/")] if text.strip().strip("/") else []
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _trim(path: Path, data: np.ndarray, counts: set[int]) -> np.ndarray:
    """The first NUM. TOTAL DE MUESTRAS rows. Older files (e.g. CUP50401.012) repeat the last row a
    few times past the declared count, so up to _EXTRA_ROWS surplus rows are dropped; fewer rows than
    declared, or more surplus, is a damaged file."""
    npts = max(counts)
    if len(counts) != 1 or not npts <= data.shape[0] <= npts + _EXTRA_ROWS:
        raise InputError(path, f"header says NUM. TOTAL DE MUESTRAS {'/'.join(map(str, sorted(counts)))} "
                               f"but the file holds {data.shape[0]} rows (truncated or damaged file?)")
    return data[:npts]


def _coords(header: dict, prefix: str) -> tuple[float | None, float | None]:
    """(lat, lon) in degrees from `KEY : 19.05 LAT. N` and its continuation `: 98.22 LONG. W`
    (S and W negative)."""
    key = next((k for k in header if k.upper().startswith(prefix) and "#" not in k), None)
    if key is None:
        return None, None
    lat = lon = None
    for text in (header[key], header.get(f"{key}#2", "")):
        for value, axis, hemisphere in _COORD.findall(text):
            degrees = -float(value) if hemisphere.upper() in "SW" else float(value)
            if axis.upper() == "LAT":
                lat = degrees
            else:
                lon = degrees
    return lat, lon


def _magnitude(text: str) -> tuple[float | None, str]:
    """The preferred of `/Mb=5.2/Ms=5.8/M=7.1` (see _MAGNITUDE_ORDER) as (value, type)."""
    found = {}
    for kind, value in re.findall(r"([A-Za-z]+)\s*=\s*([-+]?\d+(?:\.\d*)?)", text):
        found.setdefault(kind.upper(), (float(value), kind))
    for kind in _MAGNITUDE_ORDER:
        if kind in found:
            value, spelled = found[kind]
            return value, {"MW": "Mw", "ML": "ML"}.get(kind, spelled)
    return None, ""


def _time(date: str, clock: str) -> datetime | None:
    """UTC from FECHA `2017/09/19` and a clock `18:14:03.284`, else None."""
    day = re.match(r"\s*(\d{4})/(\d{1,2})/(\d{1,2})", date)
    hms = re.match(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?", clock)
    if not day or not hms:
        return None
    try:
        moment = datetime(*(int(g) for g in day.groups()), int(hms.group(1)), int(hms.group(2)),
                          tzinfo=timezone.utc)
    except ValueError:
        return None
    return moment + timedelta(seconds=float(hms.group(3) or 0))


