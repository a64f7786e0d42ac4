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

from seisdiff.errors import InputError, UserError
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.formats.common import event_id, event_metadata, iso_utc, orientation, record_ids
from seisdiff.io.record import Record
from seisdiff.io.units import canonical_unit, to_mps2_factor

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
    try:
        lines = path.read_bytes().decode("latin-1").split("\n")
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from exc
    header, n_header = _header(path, lines)
    unit = _unit(path, header.get("UNIDADES DE LOS DATOS", ""), units)
    labels = _slashed(_get(header, "ORIENTACION C1-C6"))
    rates = [_float(v) for v in _slashed(_get(header, "VEL. DE MUESTREO, C1-C6"))]
    if not labels:
        raise InputError(path, "UNAM header has no ORIENTACION C1-C6 channel list; the file is damaged")
    rates = [r for r in rates if r]
    if not rates:  # older files may give only the interval
        rates = [1.0 / v for v in map(_float, _slashed(_get(header, "INTERVALO DE MUESTREO, C1-C6"))) if v]
    if not rates or len(set(rates)) != 1 or rates[0] <= 0:
        raise InputError(path, f"UNAM header gives no single positive sampling rate for its channels "
                               f"({_get(header, 'VEL. DE MUESTREO, C1-C6')!r})")
    data = _rows(path, "\n".join(lines[n_header:]), len(labels))
    counts = {int(c) for c in map(_float, _slashed(_get(header, "NUM. TOTAL DE MUESTRAS, C1-C6"))) if c}
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
        hypo_lat=hypo[0], hypo_lon=hypo[1], hypo_depth_km=_float(_get(header, "PROFUNDIDAD FOCAL")),
        sta_lat=station[0], sta_lon=station[1], origin_time=origin,
    )
    ids = record_ids(path.stem, labels)
    return [
        Record(
            acc_mps2=np.ascontiguousarray(acc_mps2[:, k]),
            sampling_rate_hz=float(rates[0]),
            record_id=ids[k],
            station=_get(header, "CLAVE DE LA ESTACION"),
            component=label,
            event=event_id(origin),
            network=NETWORK,
            start_time=iso_utc(start) if start else "",
            source_file=str(path),
            units_in_file=unit,
            metadata={**metadata, "orientation": orientation(label)},
        )
        for k, label in enumerate(labels)
    ]


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


def _unit(path: Path, declared: str, units: str | None) -> str:
    if not declared.strip():
        if units:
            return canonical_unit(units)
        raise InputError(path, "UNAM header UNIDADES DE LOS DATOS is blank; pass the unit (--units gal)")
    # 'Gal (cm/s/s)': the word first, the parenthesised spelling when the word is unknown
    for candidate in (declared.split("(")[0], *re.findall(r"\(([^)]*)\)", declared)):
        try:
            return canonical_unit(candidate.strip())
        except UserError:
            continue
    raise InputError(path, f"unknown UNIDADES DE LOS DATOS {declared!r}; expected Gal (cm/s/s)")


def _rows(path: Path, body: str, columns: int) -> np.ndarray:
    # 3F10.4 fields may touch when a value fills its 10 columns; the fast parser splits at signs
    values = parse_numbers(body, len(body) // 2 + 1)
    if values is None:
        try:
            values = np.array(body.split(), dtype=np.float64)
        except ValueError:
            raise InputError(path, "non-numeric text in the UNAM data block; the file is damaged") from None
    if values.size == 0 or values.size % columns:
        raise InputError(path, f"{values.size} values in the data block, not rows of {columns} channels: "
                               "truncated or damaged file")
    return values.reshape(-1, columns)


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


def _float(text: str | None) -> float | None:
    try:
        return float(str(text).split()[0])
    except (ValueError, IndexError, TypeError):
        return None
