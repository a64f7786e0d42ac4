"""Shared pieces of the CSMIP "Volume" text layout used by the dmg, usc, renadic and bhrc readers.

Not a format itself (it defines no NAME/sniff/read). A Volume file stacks channels; each channel has
a text header (13 lines in V1, 25 in V2), 7 lines of 16I5 integers, 7 (V1) or 13 (V2) lines of 8F10
reals, then the samples in fixed-width columns; `/&` lines end a channel in DMG, RENADIC and BHRC.
Older analog V1 files store `time acc` pairs (5 pairs a line), sometimes unevenly spaced.

Unevenly spaced samples are put on a uniform grid by `uniform_samples`: linear interpolation
(np.interp) at RESAMPLE_RATE_HZ = 200 Hz, the grid t0 + k/200 s for every point from the first time
to the last. 200 Hz is the rate gmprocess resamples such records to (its `read.resample_rate`), so
rates and peaks agree with its reference values; it is close to the digitisation density of these
records (≈ 200 points/s), so linear interpolation barely lowers the peaks.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError, UserError
from seisdiff.io.fastparse import parse_numbers
from seisdiff.io.units import to_mps2_factor

RESAMPLE_RATE_HZ = 200.0  # uniform grid for unevenly spaced analog samples (see module docstring)
TEXT_ROWS_V1, INT_ROWS, REAL_ROWS_V1 = 13, 7, 7
HEADER_ROWS_V1 = TEXT_ROWS_V1 + INT_ROWS + REAL_ROWS_V1  # 27: the data start here in analog V1

# a unit written after "UNITS": g/10 first (it also contains "g"), then physical spellings, then g
_UNIT = re.compile(r"\b(g\s*/\s*10|cm\s*/\s*sec\s*/\s*sec|cm\s*/\s*s\s*/\s*s|cm\s*/\s*sec\s*\*\*\s*2|"
                   r"cm\s*/\s*s\s*\*\*\s*2|cm\s*/\s*sec2|cm\s*/\s*s2|m\s*/\s*sec\s*/\s*sec|m\s*/\s*s\s*/\s*s|"
                   r"gals?|g)(?![\w/*])", re.I)
_UTC_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4}),?\s+(\d{1,2}):\s?(\d{1,2}):\s?(\d{1,2}(?:\.\d*)?)\s*(UTC|GMT)",
                       re.I)  # seconds may be space-padded: `03:16: 8.0 UTC`


def read_lines(path: Path) -> list[str]:
    """The file's lines (latin-1, line ends and DOS end-of-file characters removed)."""
    try:
        text = Path(path).read_bytes().decode("latin-1")
    except OSError as err:
        raise InputError(path, f"cannot read the file ({err.strerror}); check the path and permissions")
    return [line.rstrip("\x1a") for line in text.splitlines()]


def split_channels(lines: list[str], path: Path | None = None) -> list[tuple[int, list[str]]]:
    """Channel blocks as (index of the block's first line in `lines`, block lines), split at the
    `/&` end-of-channel lines; blank leftovers after the last `/&` are dropped. With `path` (formats
    whose every channel ends with `/&`), text after the last `/&` is an InputError: the file was cut
    inside that channel, and whatever it held after the point checked (a V2 channel's velocity and
    displacement, a later channel) would be lost without a word."""
    blocks, start = [], 0
    for k, line in enumerate(lines):
        if line.startswith("/&"):
            blocks.append((start, lines[start:k]))
            start = k + 1
    rest = lines[start:]
    if any(line.strip() for line in rest):
        if path is not None:
            raise InputError(path, f"the file ends inside channel {len(blocks) + 1} (from line {start + 1}) "
                                   f"without its `/&` end-of-channel line after line {len(lines)}: truncated; "
                                   "copy or download the whole file again")
        blocks.append((start, rest))
    return blocks


def fixed_width_numbers(path: Path, rows: list[str], width: int, cols: int, first_line_no: int,
                        skip: int = 0) -> np.ndarray:
    """Numbers of `rows` read as `cols` fields of `width` characters after `skip` characters (the
    Fortran nFw.d layout, where a negative number may touch its neighbour: `-0.006100.005`); blank
    fields are skipped. (n,) float64. InputError for text in a field or characters past the last
    field. `first_line_no` (1-based) of rows[0] is for messages."""
    if not rows:
        return np.empty(0)
    span = skip + width * cols
    for k, row in enumerate(rows):
        if row[span:].strip():
            raise InputError(path, f"line {first_line_no + k} has more than {cols} values of width "
                                   f"{width}; the data block is damaged")
    text = "".join(row[:span].ljust(span) for row in rows)
    raw = np.frombuffer(text.encode("latin-1", errors="replace"), dtype=np.uint8).reshape(len(rows), span)
    cells = raw[:, skip:].reshape(len(rows), cols, width)
    spaced = np.concatenate([cells, np.full((len(rows), cols, 1), 32, dtype=np.uint8)], axis=2)
    body = spaced.tobytes().decode("latin-1")
    values = parse_numbers(body, len(rows) * cols)  # numba fast path; None when anything is unusual
    if values is not None:
        return values
    tokens = body.split()
    try:
        return np.array([t.replace("D", "E").replace("d", "e") for t in tokens], dtype=np.float64)
    except ValueError:
        for k, row in enumerate(rows):
            for token in row.split():
                try:
                    float(token.replace("D", "E"))
                except ValueError:
                    raise InputError(path, f"non-numeric value {token!r} on line {first_line_no + k}; "
                                           "the data block is damaged") from None
        raise InputError(path, f"unreadable numbers in the data block from line {first_line_no}")


def check_count(path: Path, got: int, want: int, what: str, first_line_no: int) -> None:
    """InputError unless `got` numbers were found where the header announces `want`."""
    if got != want:
        state = "truncated" if got < want else "longer than its header says"
        raise InputError(path, f"{what} from line {first_line_no}: {got} values where the header "
                               f"announces {want} ({state}); the file is damaged or its count is wrong")


def declared_unit(path: Path, line: str) -> tuple[str, float]:
    """(unit as declared, factor to m/s²) from a units phrase such as `UNITS ARE SEC AND G/10`,
    `in units of g .` or `(UNITS: CM/SEC/SEC)`; InputError when no acceleration unit is named."""
    match = re.search(r"units?\b(.*)", line, re.I)
    if match is None:
        raise InputError(path, f"no units in {line.strip()!r}; the acceleration unit must be declared")
    tail = re.split(r"\bmax\b", match.group(1), flags=re.I)[0]
    tail = re.sub(r"\b(sec(onds?)?|s)\s+and\b", " ", tail, flags=re.I)  # `sec and g`: time unit first
    found = _UNIT.search(tail)
    scaled_g = re.search(r"\d\s*\*?\s*g\b|\bg\s*\*\s*\d", tail, re.I)  # `10*g`, `g*10`: a scale, not g
    if found is None or (scaled_g and not found.group(1).lower().replace(" ", "").startswith("g/")):
        raise InputError(path, f"unknown acceleration unit in {line.strip()!r}; "
                               "expected G/10, g or CM/SEC/SEC")
    unit = re.sub(r"\s+", "", found.group(1)).lower()
    try:
        return unit, to_mps2_factor(unit)
    except UserError as err:
        raise InputError(path, str(err)) from None


def units_line(path: Path, text_lines: list[str]) -> str:
    """The first header line that starts with `UNITS` (any case); InputError when there is none."""
    for line in text_lines:
        if line.strip().upper().startswith("UNITS"):
            return line
    raise InputError(path, "no `UNITS …` line in the channel header; the acceleration unit is unknown")


def header_int(path: Path, text: str, pattern: str, what: str) -> int:
    """The integer captured by `pattern` in `text`; InputError naming `what` when absent."""
    match = re.search(pattern, text, re.I)
    if match is None:
        raise InputError(path, f"no {what} in the channel header; the file is damaged")
    return int(match.group(1))


def header_float(text: str, pattern: str) -> float | None:
    """The number captured by `pattern` in `text`, or None."""
    match = re.search(pattern, text, re.I)
    return float(match.group(1)) if match else None


def signed(value: str, hemisphere: str) -> float:
    """A coordinate with hemisphere letter as a signed number (S and W negative)."""
    return -float(value) if hemisphere.upper() in "SW" else float(value)


def utc_time(text: str) -> datetime | None:
    """The first `m/d/yy, hh:mm:ss.s UTC|GMT` time in `text` (naive UTC), or None. Two-digit years
    below 50 are 20yy."""
    match = _UTC_TIME.search(text)
    if match is None:
        return None
    month, day, year, hour, minute = (int(match.group(k)) for k in range(1, 6))
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return datetime(year, month, day, hour, minute) + timedelta(seconds=float(match.group(6)))
    except ValueError:
        return None


def nice_rate_hz(rate_hz: float) -> float:
    """`rate_hz`, snapped to the nearest integer when within 1 ppm (a dt printed as .005 s is 200 Hz)."""
    return float(round(rate_hz)) if abs(rate_hz - round(rate_hz)) < 1e-6 * rate_hz else float(rate_hz)


def uniform_samples(path: Path, times_s: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """(values on a uniform grid, sampling rate in Hz, resampled?) from `time value` pairs.
    Evenly spaced times (all steps equal within 1e-6 relative) are kept as they are, at
    (n-1)/(t_last-t0) Hz; otherwise linear interpolation at RESAMPLE_RATE_HZ on t0 + k/rate
    for t0 ≤ t ≤ t_last. InputError for fewer than two samples or times that do not increase."""
    if times_s.size < 2:
        raise InputError(path, "fewer than two samples in a channel; the file is damaged")
    steps = np.diff(times_s)
    if not np.all(steps > 0):
        k = int(np.argmax(steps <= 0)) + 1
        raise InputError(path, f"the time column does not increase at sample {k + 1} "
                               f"({times_s[k - 1]} s then {times_s[k]} s); the file is damaged")
    if np.allclose(steps, steps[0], rtol=1e-6, atol=1e-8):
        return values, nice_rate_hz((times_s.size - 1) / (times_s[-1] - times_s[0])), False
    count = int(np.floor((times_s[-1] - times_s[0]) * RESAMPLE_RATE_HZ + 1e-6)) + 1
    grid_s = times_s[0] + np.arange(count) / RESAMPLE_RATE_HZ
    return np.interp(grid_s, times_s, values), RESAMPLE_RATE_HZ, True


def first_line_matching(lines: list[str], pattern: str) -> re.Match | None:
    """The match of `pattern` (case-insensitive, from the line start) on the first line that has it."""
    regex = re.compile(pattern, re.I)
    for line in lines:
        match = regex.match(line)
        if match:
            return match
    return None
