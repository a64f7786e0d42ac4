"""USGS SMC strong-motion files (`*_u.smc` uncorrected, corrected): one component per file.

Layout: 11 text lines (1 `1 UNCORRECTED ACCELEROGRAM` — the volume code says what the samples are,
3 station code, 4 `2018  05  04    2232 <place>` origin date and HHMM, 5 `Moment Mag= 6.9  Ms=  Ml=`);
6 lines of 8I10 integers (I(1) the "missing" value, I(2–7) start year, Julian day, hour, minute,
second, millisecond, I(13) vertical orientation (0 up, 180 down, 90 horizontal), I(14) azimuth,
I(16) number of comment lines, I(17) number of samples); 10 lines of 5E15.7 reals (R(1) the
"missing" value, 1.7E+38; R(2) samples/s, R(3–5) hypocentre lat, lon, depth km, R(6–9) Mw, Ms, ML,
other magnitude, R(11–12) station lat/lon); `|` comment lines (`|<SCNL>STA.CHA.NET.LOC`); then the
samples, 8 per line in 8E10.4 fields that may touch. The SMC specification fixes acceleration
volumes (codes 1 and 2) in cm/s/s.
"""
from __future__ import annotations

import math
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from seisdiff.errors import InputError
from seisdiff.io.components import component_kind, component_orientation
from seisdiff.io.formats.common import event_id, event_metadata, iso_utc, orientation
from seisdiff.io.formats.cosmos import fixed_width_values
from seisdiff.io.record import Record
from seisdiff.io.units import to_mps2_factor

NAME = "smc"
TEXT_LINES, INT_LINES, REAL_LINES = 11, 6, 10
ACC_UNIT = "cm/s^2"  # fixed by the SMC specification for volume codes 1 and 2
_VOLUMES = {1: "uncorrected acceleration", 2: "corrected acceleration", 3: "velocity", 4: "displacement",
            5: "response spectra", 6: "Fourier amplitude spectra"}
_FIRST = re.compile(r"^\s*(\d)\s+[A-Z][A-Z ]*$|^\s*\*\s*$")


def _fields_are(line: str, count: int, width: int, kind) -> bool:
    """True when `line` is exactly `count` fixed-width fields that `kind` (int/float) accepts."""
    line = line.rstrip("\r\n ")
    if not count * width - width < len(line) <= count * width:
        return False
    try:
        [kind(line[k:k + width]) for k in range(0, count * width, width)]
    except ValueError:
        return False
    return True


def sniff(head: str, path: Path) -> bool:
    """True for the SMC layout: line 1 a volume code and name (or `*`), lines 12–17 eight I10
    integers each, lines 18–19 five E15.7 reals each."""
    lines = head.split("\n")
    if len(lines) < TEXT_LINES + INT_LINES + 2 or not _FIRST.match(lines[0].rstrip()):
        return False
    ints = lines[TEXT_LINES:TEXT_LINES + INT_LINES]
    reals = lines[TEXT_LINES + INT_LINES:TEXT_LINES + INT_LINES + 2]
    return (all(_fields_are(line, 8, 10, int) for line in ints)
            and all(_fields_are(line, 5, 15, float) and "E" in line.upper() for line in reals))


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record, acc in m/s² from cm/s/s (the unit the SMC volume code implies; `units` is not used).
    InputError for a volume that is not acceleration (or not declared), a damaged header, or a
    sample count other than I(17)."""
    path = Path(path)
    try:
        lines = path.read_bytes().decode("latin-1").splitlines()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from exc
    if len(lines) < TEXT_LINES + INT_LINES + REAL_LINES:
        raise InputError(path, "SMC header incomplete (needs 11 text, 6 integer and 10 real lines): truncated file")
    text = lines[:TEXT_LINES]
    _check_volume(path, text[0])
    ints = _ints(path, lines[TEXT_LINES:TEXT_LINES + INT_LINES])
    reals = _reals(path, lines[TEXT_LINES + INT_LINES:TEXT_LINES + INT_LINES + REAL_LINES])
    ncomments, npts = ints[15], ints[16]
    if ncomments is None or npts is None or npts <= 0:
        raise InputError(path, "SMC integer header lacks the comment count I(16) or sample count I(17): damaged file")
    rate_hz = reals[1]
    if not rate_hz or rate_hz <= 0 or rate_hz > 1e5:
        raise InputError(path, f"SMC real header R(2) gives no usable sampling rate ({rate_hz}): damaged file")
    first = TEXT_LINES + INT_LINES + REAL_LINES
    comments = lines[first:first + ncomments]
    if len(comments) < ncomments or any(c and not c.startswith("|") for c in comments):
        raise InputError(path, f"SMC header says {ncomments} `|` comment lines but they are not all there: "
                               "damaged file")
    data_lines = [line for line in lines[first + ncomments:] if line.strip()]
    acc = fixed_width_values(path, data_lines, npts, 10, "SMC")

    scnl = _scnl(comments)
    station = (scnl[0] if scnl else "") or text[2][:8].strip()
    network = scnl[2] if scnl else ""
    component = _component(path, scnl[1] if scnl else "", ints[12], ints[13])
    magnitude, magnitude_type = _magnitude(reals)
    origin = _origin(text[3])
    metadata = event_metadata(magnitude=magnitude, magnitude_type=magnitude_type, hypo_lat=reals[2],
                              hypo_lon=reals[3], hypo_depth_km=reals[4], sta_lat=reals[10],
                              sta_lon=reals[11], origin_time=origin)
    metadata["orientation"] = _orientation(ints[12], component)
    return [Record(acc_mps2=acc * to_mps2_factor(ACC_UNIT), sampling_rate_hz=float(rate_hz),
                   record_id=path.stem, station=station, component=component, event=event_id(origin),
                   network=network, start_time=_start_time(ints), source_file=str(path),
                   units_in_file=ACC_UNIT, metadata=metadata)]


def _check_volume(path: Path, first: str) -> None:
    found = re.match(r"^\s*(\d)\s+(.*\S)", first)
    if not found:
        raise InputError(path, "SMC line 1 names no volume (e.g. `1 UNCORRECTED ACCELEROGRAM`), so the "
                               "quantity and unit are unknown; use a file with an acceleration volume")
    code = int(found.group(1))
    if code not in (1, 2) or "ACCEL" not in found.group(2).upper():
        what = _VOLUMES.get(code, found.group(2).strip().lower())
        raise InputError(path, f"SMC volume {code} holds {what}, not acceleration; seisdiff needs an "
                               "accelerogram (volume 1 or 2)")


def _ints(path: Path, lines: list[str]) -> list[int | None]:
    """48 integers (8I10); the first one is the "missing" value, returned as None everywhere."""
    try:
        values = [int(line[k:k + 10]) for line in lines for k in range(0, 80, 10)]
    except ValueError:
        raise InputError(path, "SMC integer header (6 lines of 8I10) is not all integers: damaged file") from None
    missing = values[0]
    return [None if v == missing else v for v in values]


def _reals(path: Path, lines: list[str]) -> list[float | None]:
    """50 reals (5E15.7); R(1)'s "missing" value (1.7E+38) and non-finite values become None."""
    try:
        values = [float(line[k:k + 15]) for line in lines for k in range(0, 75, 15)]
    except ValueError:
        raise InputError(path, "SMC real header (10 lines of 5E15.7) is not all numbers: damaged file") from None
    missing = values[0]
    return [None if v == missing or abs(v) >= 1e30 or not math.isfinite(v) else v for v in values]


def _scnl(comments: list[str]) -> tuple[str, ...] | None:
    for line in comments:
        found = re.search(r"<SCNL>\s*(\S+)", line)
        if found:
            return tuple((found.group(1).split(".") + ["", "", "", ""])[:4])
    return None


def _orientation(vertical_deg: int | None, component: str) -> str:
    """'Z' for I(13) 0 (up) or 180 (down), 'H' for I(13) 90; else what the component's name says
    (`common.orientation`: 'Z', 'H' or '?')."""
    if vertical_deg in (0, 180):
        return "Z"
    return "H" if vertical_deg == 90 else orientation(component)


SEED_AZIMUTH_TOLERANCE_DEG = 5.0   # SEED's N and E orientation codes: within 5° of north and east


def _component(path: Path, channel: str, vertical_deg: int | None, azimuth_deg: int | None) -> str:
    """The record's component: the SCNL channel (HNZ), or the header's angles as a label (`_orientation_label`: Up,
    Down, 090) where there is none, or where the two disagree (a vertical name and I(13) 90, a horizontal one and
    I(13) 0/180, up against down, azimuths more than SEED's 5° apart): the header's angles are the sensor's own,
    the channel code a network's label. A disagreement is said on stderr with both readings."""
    label = _orientation_label(vertical_deg, azimuth_deg)
    if not channel:
        return label
    header = _header_orientation(vertical_deg, azimuth_deg)
    if header is None or not _disagree(channel, header):
        return channel
    azimuth = "not given" if azimuth_deg is None else f"{azimuth_deg}°"
    print(f"smc: {path}: channel {channel} reads {_reading(channel)} but the header's orientation (vertical angle "
          f"I(13) {vertical_deg}°, azimuth I(14) {azimuth}) is {_reading(label)}: the header's, the sensor's own, "
          f"is used (component {label})", file=sys.stderr)
    return label


def _header_orientation(vertical_deg, azimuth_deg) -> tuple[float | None, float] | None:
    """(azimuth or None, incidence) of I(14), I(13) as SAC's cmpaz, cmpinc; None where I(13) is not 0, 90 or 180."""
    if vertical_deg not in (0, 90, 180):
        return None
    if vertical_deg != 90:
        return 0.0, float(vertical_deg)
    return (float(azimuth_deg % 360) if azimuth_deg is not None and 0 <= azimuth_deg <= 360 else None), 90.0


def _disagree(channel: str, header: tuple[float | None, float]) -> bool:
    """Whether a channel name states another orientation than the header's (azimuth, incidence)."""
    kind, named = component_kind(channel), component_orientation(channel)
    azimuth, incidence = header
    if kind == "Z" and incidence == 90 or kind in ("H1", "H2", "H") and incidence != 90 \
            and not re.fullmatch(r"[A-Z]{2}[0-9]", channel.strip().upper()):   # HN1 may be the vertical
        return True
    if named is None or named[1] != incidence:
        return named is not None
    off_deg = abs((named[0] - azimuth + 180) % 360 - 180) if incidence == 90 and azimuth is not None else 0.0
    return off_deg > SEED_AZIMUTH_TOLERANCE_DEG


def _reading(name: str) -> str:
    """'vertical up', 'vertical down', 'horizontal 90°' or 'horizontal' as `component_orientation` and
    `component_kind` read a name."""
    kind, named = component_kind(name), component_orientation(name)
    if named:
        return f"vertical {'down' if named[1] == 180 else 'up'}" if named[1] != 90 else f"horizontal {named[0]:g}°"
    return {"Z": "vertical", "H1": "horizontal", "H2": "horizontal", "H": "horizontal"}.get(kind, "no direction")


def _orientation_label(vertical_deg: int | None, azimuth_deg: int | None) -> str:
    if vertical_deg == 0:
        return "Up"
    if vertical_deg == 180:
        return "Down"
    return f"{azimuth_deg:03d}" if azimuth_deg is not None else ""


def _magnitude(reals: list) -> tuple[float | None, str]:
    """R(6) Mw, R(8) ML, R(7) Ms, R(9) other — the first one given."""
    for index, kind in ((5, "Mw"), (7, "ML"), (6, "Ms"), (8, "")):
        if reals[index] is not None and 0 < reals[index] < 10:
            return reals[index], kind
    return None, ""


def _origin(line: str) -> datetime | None:
    """Origin time (UTC, to the minute) from text line 4 `     2018  05  04    2232 <place>`."""
    found = re.match(r"^\s*(\d{4})\s+(\d{1,2})\s+(\d{1,2})\s+(\d{3,4})\b", line)
    if not found:
        return None
    hhmm = int(found.group(4))
    try:
        return datetime(int(found.group(1)), int(found.group(2)), int(found.group(3)),
                        hhmm // 100, hhmm % 100, tzinfo=timezone.utc)
    except ValueError:
        return None


def _start_time(ints: list) -> str:
    """ISO UTC of the first sample from I(2–7) (year, Julian day, h, m, s, ms); '' if any is missing."""
    year, jday, hour, minute = ints[1], ints[2], ints[3], ints[4]
    if None in (year, jday, hour, minute) or year <= 0:
        return ""
    second = (ints[5] or 0) + (ints[6] or 0) / 1000.0
    start = datetime(year, 1, 1, tzinfo=timezone.utc) + timedelta(days=jday - 1, hours=hour, minutes=minute,
                                                                   seconds=second)
    return iso_utc(start)
