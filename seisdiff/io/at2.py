"""PEER NGA `.AT2` accelerograms: read (old and new header variants) and write (new layout, in g).

Layout: line 1 a title, line 2 `event, date, station, component` (old files: `EVENT MM/DD/YY HHMM,
station, component`), line 3 `ACCELERATION TIME SERIES IN UNITS OF G` (or CM/S/S, …), line 4
`NPTS=  8999, DT=   .0100 SEC` (old files: `8999    0.0100    NPTS, DT`), then NPTS values.

The PEER velocity (`.VT2`, line 3 `VELOCITY TIME SERIES IN UNITS OF CM/S`) and displacement (`.DT2`,
`… UNITS OF CM`) files have the same layout: they are read in the unit line 3 declares and
differentiated once to m/s² (`seisdiff.io.quantity`: second-order central differences, relative
amplitude error (2πfΔt)²/6, 6.6e-4 at 1 Hz and 100 samples/s). `write_at2(quantity="velocity")`
writes the velocity layout in cm/s.
"""
from __future__ import annotations

import re
import unicodedata
import datetime
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.record import Record
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.quantity import UNITS_HELP as QUANTITY_UNITS_HELP, to_acceleration_mps2, unit_factor_si
from seisdiff.io.units import G_MPS2, canonical_unit, to_mps2_factor

# Fixed-width Fortran fields such as `-.1234567E-03-.2345678E-03` may touch: match numbers, not tokens.
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?")
_NAMED_NPTS = re.compile(r"NPTS\s*=\s*(\d+)", re.I)
_NAMED_DT = re.compile(r"DT\s*=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", re.I)
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_FILE_NAME = re.compile(r"^RSN(\d+)_([^_]+)_(.+)$", re.I)
# old layout: line 2's component may end in its data source, `090 (CDMG STATION 24278)`, `180 (USGS STATION 117)`
# old line 2's HHMM or HH:MM, with its time zone where one is named (`1231 PST`, `12:31 UTC`)
_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):?[0-5]\d(?:\s*(?:UTC|UT|GMT|Z|LT|LOCAL|[A-Z]{1,2}[SD]T))?", re.I)
# a comma of line 2 that separates fields: not one inside parentheses (`360 (CDMG STATION 24514, CH 3)`)
_FIELD_COMMA = re.compile(r",(?![^()]*\))")
_SOURCE_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_FILE_COMPONENT = re.compile(r"^(.*?)(-UP|-DN|-DWN|-[A-Z]{1,3}|-\d{1,3}|UD|UP|DN|DWN|EW|NS|\d{3})$", re.I)
_OTHER_QUANTITIES = {"VELOCITY": "velocity", "DISPLACEMENT": "displacement"}


def looks_like_at2(head: str) -> bool:
    """True when the first lines of a text (str) have the PEER layout: a 'TIME SERIES/HISTORY …
    UNITS' line 3 and an NPTS/DT line 4."""
    lines = head.splitlines()
    return (
        len(lines) >= 4
        and "UNITS" in lines[2].upper()
        and "TIME" in lines[2].upper()
        and "NPTS" in lines[3].upper()
        and "DT" in lines[3].upper()
    )


def read_at2(path) -> list[Record]:
    """One Record from a PEER `.AT2` (or `.VT2`/`.DT2`) file, samples converted once to m/s² from
    the quantity and unit in header line 3 (velocity and displacement differentiated; the record's
    metadata["quantity"] says which it was; the header, not the extension, decides); line 2's date is the
    record's metadata["event_date"] (YYYY-MM-DD), not a start time (the file has none). InputError for
    unknown units, a bad NPTS/DT line, non-numeric values or a value count that differs from NPTS."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from exc
    try:  # header text: UTF-8, else Latin-1 (a byte such as 'Vi\xf1a' is 'Viña', not U+FFFD)
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise InputError(path, "empty file")
    lines = text.split("\n", 4)
    if len(lines) < 5 or not looks_like_at2(text[:2048]):
        raise InputError(path, "not a PEER AT2 file: expected 4 header lines (title, event, units, NPTS/DT) and values")
    quantity, unit = _unit_from_header(path, lines[2])
    npts, dt_s = _npts_dt(path, lines[3])
    values = _values(path, lines[4], npts)
    if values.size != npts:
        raise InputError(path, f"header says NPTS={npts} but the file holds {values.size} values "
                               "(truncated or damaged file?)")
    if quantity == "acceleration":
        acc = values * to_mps2_factor(unit)
    elif npts < 3:
        raise InputError(path, f"{npts} {quantity} samples cannot be differentiated (3 at least)")
    else:
        acc = to_acceleration_mps2(values, _rate_hz(dt_s), quantity, unit)
    event, date, station, component = _describe(path, lines[1])
    metadata = {"quantity": quantity} if quantity != "acceleration" else {}
    rsn = _FILE_NAME.match(path.stem)
    if rsn:
        metadata["rsn"] = int(rsn.group(1))
    if provider_station := _provider_station(lines[1]):     # `(CDMG STATION 24514)`: no store column, kept here
        metadata["provider_station"] = provider_station
    if date:    # the event's date as line 2 gives it (NGA-West2: the UTC date, Iwate 2008-06-13 23:43 UTC `6/13/2008`)
        metadata["event_date"] = date
    # No origin_time from an old file's `HHMM`/`HH:MM` after the date: it is UTC, but PEER documents it only as
    # "time", and it is no origin minute: one event reads 2316 (CDMG 5154) and 2319 (USGS El Centro #6), origin
    # 23:16:54; El Centro 1940 reads 0439, origin 04:36. The date alone is kept; no start time either.
    return [
        Record(
            acc_mps2=acc,
            sampling_rate_hz=_rate_hz(dt_s),
            record_id=path.stem,
            station=station,
            component=component,
            event=event,
            source_file=str(path),
            units_in_file=unit,
            metadata=metadata,
        )
    ]


def write_at2(path, acc_mps2, sampling_rate_hz: float, record_id: str, event: str = "", date: str = "",
              station: str = "", component: str = "", quantity: str = "acceleration") -> None:
    """Write (n,) acceleration in m/s² as a PEER `.AT2` file in g: new-style header (line 2
    `event, date, station, component`, or `record_id` when those are all empty; the reader takes
    these 4 fields by position, so an empty event keeps the station; date: PEER's M/D/YYYY, or an ISO-8601
    date or time, whose date is written as PEER's (`peer_date`); header text reduced to ASCII:
    accents dropped, 'Viña' → 'Vina', other characters '?'; line 4 DT as `dt_text`), 5 values per line
    as `%15.7E` (8 significant digits) separated by a space. quantity="velocity": acc_mps2 holds
    velocity in m/s, written in cm/s under `VELOCITY TIME SERIES IN UNITS OF CM/S` (the .VT2 layout)."""
    if quantity not in ("acceleration", "velocity"):
        raise UserError(f"{path}: AT2 files are written as acceleration or velocity, not {quantity!r}")
    unit_si, line3 = ((G_MPS2, "ACCELERATION TIME SERIES IN UNITS OF G") if quantity == "acceleration"
                      else (0.01, "VELOCITY TIME SERIES IN UNITS OF CM/S"))
    values = np.asarray(acc_mps2, dtype=np.float64).reshape(-1) / unit_si
    if values.size == 0 or sampling_rate_hz <= 0:
        raise UserError(f"{path}: cannot write an AT2 with {values.size} samples at {sampling_rate_hz} Hz")
    date = peer_date(date)
    described = any((event, date, station, component))
    header = [
        "PEER NGA STRONG MOTION DATABASE RECORD LAYOUT, WRITTEN BY SEISDIFF",
        ", ".join(ascii_text(t) for t in (event, date, station, component)) if described else ascii_text(record_id),
        line3,
        f"NPTS={values.size:8d}, DT={dt_text(sampling_rate_hz):>8s} SEC",
    ]
    n_full = values.size // 5 * 5
    full = values[:n_full].reshape(-1, 5)
    rows = ["%15.7E %15.7E %15.7E %15.7E %15.7E" % tuple(row) for row in full.tolist()]
    if n_full < values.size:
        rows.append(" ".join("%15.7E" % v for v in values[n_full:].tolist()))
    Path(path).write_text("\n".join(header + rows) + "\n", encoding="ascii", errors="replace")


def peer_date(date) -> str:
    """`date` as NGA-West2's line 2 gives it, M/D/YYYY (`7/16/2007`), where it is an ISO-8601 date or time
    (`2007-07-16T01:13:22`: its date); anything else (PEER's own, '') as given."""
    found = _ISO_DATE.match(str(date))
    if not found:
        return str(date)
    year, month, day = (int(g) for g in found.groups())
    return f"{month}/{day}/{year:04d}"


def dt_text(sampling_rate_hz: float) -> str:
    """Line 4's DT of a rate, in PEER's layout (`.0100`: no leading zero, at least 4 decimals, no exponent) with
    the digits of the shortest decimal of 1/rate, whose inverse reads back as the rate (99.99 Hz:
    `.010001000100010001`; 10 decimals gave 99.99000000009998 Hz)."""
    text = np.format_float_positional(1.0 / float(sampling_rate_hz), unique=True, trim="k")
    whole, _, frac = text.partition(".")
    return whole.lstrip("0") + "." + frac.ljust(4, "0")


def ascii_text(text) -> str:
    """`text` in ASCII for a header: accents dropped (NFKD, combining marks removed: 'Viña' → 'Vina',
    'Åre' → 'Are'), any other non-ASCII character (U+FFFD included) '?'; line breaks become spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.encode("ascii", "replace").decode("ascii").splitlines())


def _unit_from_header(path: Path, line: str) -> tuple[str, str]:
    """(quantity, unit) from header line 3; the unit canonical for acceleration, as written otherwise."""
    upper = line.upper()
    quantity = next((q for word, q in _OTHER_QUANTITIES.items() if upper.lstrip().startswith(word)), "acceleration")
    declared = (upper.split("UNITS OF", 1)[1] if "UNITS OF" in upper else upper.split()[-1]).strip()
    try:
        if quantity == "acceleration":
            return quantity, canonical_unit(declared)
        unit_factor_si(quantity, declared)
        return quantity, declared.lower().replace("sec", "s")
    except UserError:
        known = "G or CM/S/S (or another acceleration unit)" if quantity == "acceleration" else \
            QUANTITY_UNITS_HELP[quantity]
        raise InputError(path, f"unknown {quantity} units in header line 3 {line.strip()!r}; expected {known}") from None


def _npts_dt(path: Path, line: str) -> tuple[int, float]:
    npts, dt = _NAMED_NPTS.search(line), _NAMED_DT.search(line)
    if npts and dt:
        values = {"NPTS": npts.group(1), "DT": dt.group(1)}
    else:  # old layout: the numbers first, then their labels in the same order (`8999  0.01  NPTS, DT`)
        upper = line.upper()
        labels = sorted(("NPTS", "DT"), key=upper.find)
        numbers = _NUMBER.findall(upper[: upper.find(labels[0])])
        values = dict(zip(labels, numbers)) if len(numbers) == 2 else {}
    try:
        npts_value, dt_s = int(values["NPTS"]), float(values["DT"])
    except (KeyError, ValueError):
        raise InputError(path, f"cannot read NPTS and DT from header line 4 {line.strip()!r}") from None
    if npts_value <= 0 or not np.isfinite(dt_s) or dt_s <= 0:
        raise InputError(path, f"header line 4 gives NPTS={npts_value}, DT={dt_s}: both must be positive")
    return npts_value, dt_s


def _values(path: Path, body: str, npts: int) -> np.ndarray:
    values = parse_numbers(body, npts)  # numba fast path; None when it meets anything unusual
    if values is not None and values.size == npts:
        return values
    try:  # general path: whitespace-separated finite numbers
        values = np.array(body.split(), dtype=np.float64)
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    for line_no, line in enumerate(body.splitlines(), start=5):
        for token in line.split():
            if _NUMBER.sub("", token):
                raise InputError(path, f"non-numeric value {token!r} on line {line_no}")
    numbers = _NUMBER.findall(body)
    if "d" in body or "D" in body:  # Fortran double-precision exponents
        numbers = [n.replace("d", "e").replace("D", "E") for n in numbers]
    return np.array(numbers, dtype=np.float64)


def read_at2_event(path) -> tuple[str, str] | None:
    """(event, ISO date or '') that a PEER `.AT2` file's header names (line 2, else its file name), from its first
    lines only; None when the file cannot be read or is no AT2 (its reading reports that)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return None
    header = b"\n".join(head.split(b"\n")[:4])   # whole lines: a character cut at byte 2048 is no header's
    try:  # as read_at2 decodes it: UTF-8, else Latin-1
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        text = header.decode("latin-1")
    if not looks_like_at2(text):
        return None
    event, date, _, _ = _describe(path, text.split("\n")[1])
    return event, date


def _rate_hz(dt_s: float) -> float:
    rate = 1.0 / dt_s
    # `.0050` → 200 Hz exactly: a DT printed with few digits must not give 199.9999999 Hz
    return float(round(rate)) if abs(rate - round(rate)) < 1e-6 * rate else rate


def _describe(path: Path, line: str) -> tuple[str, str, str, str]:
    """(event, ISO date, station, component) from header line 2, else from the file name; an old file's
    data-source note after the component (`092 (CDMG STATION 5154)`) is dropped: the component is its label."""
    parts = [p.strip() for p in _FIELD_COMMA.split(line)]
    event = date = station = component = ""
    # the layout write_at2 and NGA-West2 use, `event, date, station, component`, by position (an empty
    # event or date stays in its place): the date field is the first after the event that is empty or
    # only a date, with a station and a component after it
    at = next((i for i in range(1, len(parts) - 2) if not parts[i] or _DATE.fullmatch(parts[i])), None)
    if len(parts) >= 4 and at is not None:
        found = _DATE.fullmatch(parts[at])
        event, date = ", ".join(parts[:at]), _iso_date(found) if found else ""
        timed = found and at + 1 < len(parts) - 2 and _TIME_OF_DAY.fullmatch(parts[at + 1])
        station, component = ", ".join(parts[at + (2 if timed else 1):-1]), parts[-1]   # 'EVENT, 1/17/94, 1231, STA, 360'
    elif len(parts) >= 3:
        component = parts.pop()
        rest = []
        for i, part in enumerate(parts):
            found = _DATE.search(part)
            if found and not date:
                date = _iso_date(found)
                part = part[: found.start()].strip()  # old layout: 'EVENT MM/DD/YY HHMM'
            elif i and _DATE.search(parts[i - 1]) and _TIME_OF_DAY.fullmatch(part) and i < len(parts) - 1:
                continue                              # its time of day in a field of its own: 'EVENT 1/17/94, 1231,'
            if part:
                rest.append(part)
        event, station = (rest[0], ", ".join(rest[1:])) if rest else ("", "")
    component = _SOURCE_NOTE.sub("", component) or component   # the label alone: `090 (CDMG …)` is 090
    named = _FILE_NAME.match(path.stem)
    if named:
        tail = _FILE_COMPONENT.match(named.group(3))
        event = event or named.group(2)
        station = station or (tail.group(1) if tail else named.group(3))
        component = component or (tail.group(2).lstrip("-") if tail else "")
    return event, date, station, component


def _provider_station(line: str) -> str:
    """An old file's data source and its station number from the note after line 2's component, without the word
    STATION (`360 (CDMG STATION 24514)` → 'CDMG 24514', `180 (USGS STATION 117)` → 'USGS 117'); '' without one."""
    note = _SOURCE_NOTE.search(_FIELD_COMMA.split(line)[-1])
    return " ".join(w for w in note.group(0).strip().strip("()").split() if w.upper() != "STATION") if note else ""


def _iso_date(found: re.Match) -> str:
    """'YYYY-MM-DD' of a matched M/D/Y date; '' for a day no calendar has (2/30/2007, 13/1/2007): unknown."""
    month, day, year = (int(g) for g in found.groups())
    if len(found.group(3)) == 2:  # old PEER files: two-digit years, records from 1933 on
        year += 1900 if year >= 30 else 2000
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return ""
