"""CSMIP/CDMG (California) Volume files: V1 uncorrected and V2 corrected accelerograms, channels stacked.

Layout (seisdiff.io.formats.csmip): per channel a text header, integer and real header lines, the
samples, then a `/&` line.
- V1 (first line `UNCORRECTED ACCELEROGRAM DATA`): 13 text lines (line 3 `(ORIGIN(USGS): 06/28/92,
  15:05:30.5 UTC)`, line 4 `… Start time: 3/29/14, 04:09:34.0 UTC` in digital files, line 5
  `STATION NO. 13160   33.634N, 117.902W`, line 7 `CHAN 1: 90 DEG`, line 9 `HYPOCENTER(…): lat,
  lon, H=7KM … MW=6.4`, line 11 `NO. OF POINTS = N`, line 12 `UNITS … G/10` or `… g`; newer files
  start line 4 with `15481673.CI.WLT.--.HN`, giving the network), 7 integer and 7 real lines; then
  either a line `N Accelerogram points at R pts/sec in units of g . Format: (8f9.6)` (digital;
  also `N POINTS OF ACCEL DATA EQUALLY SPACED AT dt SEC. (UNITS: G)`) followed by the samples, or
  (analog `.RAW`) `time acc` pairs, 5 a line in 10F7.3, sometimes unevenly spaced: those are
  resampled by linear interpolation at 200 Hz (csmip.uniform_samples states the method).
- V2 (first line `CORRECTED ACCELEROGRAM`, second the V1 marker): 25 text lines, 7 integer and 13
  real lines, then `N POINTS OF ACCEL DATA EQUALLY SPACED AT dt SEC. (UNITS: CM/SEC/SEC)` and 8F10
  samples, then the velocity and displacement blocks, which are not returned (their counts are checked).

Start time: the `Start time: … UTC` / `TRIGGER TIME: … UTC` of digitally recorded V1 channels only;
analog records (time–value pairs, or an analog instrument such as SMA-1 in V2) have no reliable
absolute time, so ''. Origin time, hypocentre and magnitude (Mw, else ML, else Ms) where the header
gives them (`To be determined` in preliminary files).
"""
from __future__ import annotations

import re
from pathlib import Path

from seisdiff.errors import InputError
from seisdiff.io.formats import csmip
from seisdiff.io.formats.common import (channel_records, event_id, event_metadata, iso_utc, labelled_magnitude,
                                        orientation)
from seisdiff.io.record import Record

NAME = "dmg"
V1_MARKER = "UNCORRECTED ACCELEROGRAM DATA"
V2_MARKER = "CORRECTED ACCELEROGRAM"
RENADIC_MARKER = "RENADIC"
ANALOG_INSTRUMENTS = ("SMA-1", "SMA", "RFT-250", "AR-240", "CRA-1", "DCA-333", "DCA-310")
TEXT_ROWS_V2, REAL_ROWS_V2 = 25, 13


def sniff(head: str, path: Path) -> bool:
    """True for a CSMIP V1 (first line starts `UNCORRECTED ACCELEROGRAM DATA`, no RENADIC marker) or
    V2 file (first line starts `CORRECTED ACCELEROGRAM`, second `UNCORRECTED ACCELEROGRAM DATA`)."""
    lines = head.upper().splitlines()
    if len(lines) < 13 or RENADIC_MARKER in head.upper():
        return False
    if lines[0].startswith(V1_MARKER):
        return True
    return lines[0].startswith(V2_MARKER) and lines[1].startswith(V1_MARKER)


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per acceleration channel (file order), acc in m/s² from the unit each channel
    declares (`units` is not used: every channel declares one). InputError for a missing or unknown
    unit, a sample count that disagrees with the header (in V2 also of the velocity and displacement
    blocks), or a damaged header.

    A truncated file is refused as a whole, with one line naming where it ends, rather than read as
    its complete channels: text after the last `/&` end-of-channel line (a channel cut short) is an
    InputError, since every CSMIP channel ends with one. The number of channels is not compared with
    the header: its channel counts (integer header values 4 and 5, `3 Chns of 16 at Sta`) are the
    recorder's and the station's, and a file may leave out a recorder channel (RENADIC
    iquiquechipana0911131.v1 announces 4 and holds 3), so a file cut exactly after a `/&` line reads
    as its complete channels."""
    path = Path(path)
    lines = csmip.read_lines(path)
    blocks = csmip.split_channels(lines, path)  # a last channel without its `/&` line: truncated
    if not blocks:
        raise InputError(path, "no channel in the file; it is empty or not a CSMIP Volume file")
    channels = [_read_channel(path, start, block) for start, block in blocks]
    return channel_records(path, channels)


def _read_channel(path: Path, start: int, block: list[str]) -> dict:
    if len(block) < csmip.HEADER_ROWS_V1 + 1:
        raise InputError(path, f"channel starting on line {start + 1} is cut short ({len(block)} lines)")
    if block[0].upper().startswith(V2_MARKER):
        acc, rate_hz, unit, factor, digital = _v2_samples(path, start, block)
        text = block[:TEXT_ROWS_V2]
    else:
        acc, rate_hz, unit, factor, digital = _v1_samples(path, start, block)
        text = block[:csmip.TEXT_ROWS_V1]
    header = "\n".join(text)
    station, sta_lat, sta_lon, instrument = _station(header)
    component = _component(path, text)
    origin = _origin(header)
    start_time = ""
    if digital and not instrument.upper().startswith(ANALOG_INSTRUMENTS):
        trigger = re.search(r"(start time|trigger time):(.*)", header, re.I)
        moment = csmip.utc_time(trigger.group(2)) if trigger else None
        start_time = iso_utc(moment) if moment else ""
    hypo = re.search(r"HYPOCENTER[^:\n]*:\s*([\d.]+)\s*([NS])\s*,\s*([\d.]+)\s*([EW])\s*,?\s*H\s*=\s*([\d.]+)\s*KM",
                     header, re.I)
    magnitude, magnitude_type = labelled_magnitude(header)
    metadata = event_metadata(
        magnitude=magnitude, magnitude_type=magnitude_type,
        hypo_lat=csmip.signed(hypo.group(1), hypo.group(2)) if hypo else None,
        hypo_lon=csmip.signed(hypo.group(3), hypo.group(4)) if hypo else None,
        hypo_depth_km=float(hypo.group(5)) if hypo else None,
        sta_lat=sta_lat, sta_lon=sta_lon, origin_time=origin)
    metadata["orientation"] = orientation(component)
    return {"acc_mps2": acc * factor, "rate_hz": rate_hz, "unit": unit, "station": station,
            "component": component, "event": event_id(origin), "network": _network(text),
            "start_time": start_time, "metadata": metadata}


def _v1_samples(path: Path, start: int, block: list[str]):
    """(samples in file units, rate Hz, unit, factor to m/s², digitally recorded?) of a V1 channel."""
    first = csmip.HEADER_ROWS_V1
    points_line = block[first]
    if re.search(r"[A-Za-z]", points_line):  # digital: a `N … points` line precedes the samples
        npts = csmip.header_int(path, points_line, r"^\s*(\d+)", "sample count before the data")
        unit, factor = csmip.declared_unit(path, points_line)
        rate_hz = _rate_from(path, points_line, "\n".join(block[:csmip.TEXT_ROWS_V1]))
        cols, width = _format(points_line, default=(8, 9))
        rows = block[first + 1:]
        values = csmip.fixed_width_numbers(path, rows, width, cols, start + first + 2)
        csmip.check_count(path, values.size, npts, "channel data", start + first + 2)
        return values, rate_hz, unit, factor, True
    text = "\n".join(block[:csmip.TEXT_ROWS_V1])
    npts = csmip.header_int(path, text, r"NO\.\s*OF\s*POINTS\s*=\s*(\d+)", "`NO. OF POINTS =` count")
    unit, factor = csmip.declared_unit(path, csmip.units_line(path, block[:csmip.TEXT_ROWS_V1]))
    values = csmip.fixed_width_numbers(path, block[first:], 7, 10, start + first + 1)
    csmip.check_count(path, values.size, 2 * npts, "time–acceleration pairs", start + first + 1)
    acc, rate_hz, _ = csmip.uniform_samples(path, values[0::2], values[1::2])
    return acc, rate_hz, unit, factor, False


def _v2_samples(path: Path, start: int, block: list[str]):
    """(acceleration in file units, rate Hz, unit, factor, digital?) of a V2 channel; the velocity
    and displacement blocks that follow are skipped."""
    k = next((i for i, line in enumerate(block) if re.search(r"POINTS OF ACCEL DATA", line, re.I)), None)
    if k is None:
        raise InputError(path, f"no `POINTS OF ACCEL DATA` line in the V2 channel from line {start + 1}")
    line = block[k]
    npts = csmip.header_int(path, line, r"^\s*(\d+)", "acceleration sample count")
    unit, factor = csmip.declared_unit(path, line)
    rate_hz = _rate_from(path, line, "")
    cols, width = _format(line, default=(8, 10))
    end = next((i for i in range(k + 1, len(block)) if re.search(r"[A-Za-z]", block[i])), len(block))
    values = csmip.fixed_width_numbers(path, block[k + 1:end], width, cols, start + k + 2)
    csmip.check_count(path, values.size, npts, "acceleration data", start + k + 2)
    _check_v2_block(path, start, block, end, "VELOC", "velocity data")
    _check_v2_block(path, start, block, end, "DISPL", "displacement data")
    instrument = _station("\n".join(block[:TEXT_ROWS_V2]))[3]
    return values, rate_hz, unit, factor, not instrument.upper().startswith(ANALOG_INSTRUMENTS)


def _check_v2_block(path: Path, start: int, block: list[str], after: int, name: str, what: str) -> None:
    """InputError unless the `N POINTS OF <name> DATA` block after line `after` of a V2 channel holds
    N values (a block the channel does not have is not checked)."""
    k = next((i for i in range(after, len(block)) if re.search(rf"POINTS OF {name} DATA", block[i], re.I)), None)
    if k is None:
        return
    npts = csmip.header_int(path, block[k], r"^\s*(\d+)", f"{what} sample count")
    cols, width = _format(block[k], default=(8, 10))
    end = next((i for i in range(k + 1, len(block)) if re.search(r"[A-Za-z]", block[i])), len(block))
    values = csmip.fixed_width_numbers(path, block[k + 1:end], width, cols, start + k + 2)
    csmip.check_count(path, values.size, npts, what, start + k + 2)


def _rate_from(path: Path, line: str, header: str) -> float:
    """Sampling rate from `at R pts/sec`, `SPACED AT dt SEC` or the header's `at R Samples/sec`."""
    rate = csmip.header_float(line, r"at\s+([\d.]+)\s*pts/sec")
    if rate is None:
        dt = csmip.header_float(line, r"SPACED\s+AT\s+([\d.]+)\s*SEC")
        rate = 1.0 / dt if dt else None
    if rate is None:
        rate = csmip.header_float(header, r"at\s+([\d.]+)\s*samples/sec")
    if not rate or rate <= 0:
        raise InputError(path, f"no sampling rate in {line.strip()!r}; the file is damaged")
    return csmip.nice_rate_hz(rate)


def _format(line: str, default: tuple[int, int]) -> tuple[int, int]:
    """(values per line, field width) from a `Format: (8f9.6)` note, else `default`."""
    match = re.search(r"\(\s*(\d+)\s*[fe]\s*(\d+)\.\d+\s*\)", line, re.I)
    return (int(match.group(1)), int(match.group(2))) if match else default


def _station(header: str) -> tuple[str, float | None, float | None, str]:
    """(station code, lat, lon, instrument) from `STATION NO. 13160   33.634N, 117.902W     SMA-1`."""
    match = re.search(r"Station\s+(?:No\.|Id\.)\s*(\S+)\s+([\d.]+)\s*([NS])\s*,\s*([\d.]+)\s*([EW])\s*(\S*)",
                      header, re.I)
    if match is None:
        return "", None, None, ""
    lat, lon = csmip.signed(match.group(2), match.group(3)), csmip.signed(match.group(4), match.group(5))
    return match.group(1), lat, lon, match.group(6)


def _component(path: Path, text: list[str]) -> str:
    """`CHAN 1: 90 DEG` → '090', `CHAN 2: UP` → 'UP' (the first `CHAN n:` line of the header)."""
    match = csmip.first_line_matching(text, r"\s*CHAN\s+\d+\s*:\s*(.*)")
    if match is None:
        raise InputError(path, "no `CHAN n:` line in a channel header; the component is unknown")
    label = re.split(r"\s{2,}|\(", match.group(1).strip())[0].strip().upper()
    degrees = re.match(r"(\d+)\s*DEG", label)
    return f"{int(degrees.group(1)):03d}" if degrees else label


def _origin(header: str):
    """Origin time from `(ORIGIN(USGS): 06/28/92, 15:05:30.5 UTC)`; None when not given in UTC."""
    match = re.search(r"ORIGIN[^:\n]*:(.*)", header, re.I)
    return csmip.utc_time(match.group(1)) if match else None


def _network(text: list[str]) -> str:
    """Network code of newer files, whose line 4 starts `15481673.CI.WLT.--.HN`; else ''."""
    match = re.match(r"\s*\d+\.([A-Z0-9]{2})\.", text[3] if len(text) > 3 else "")
    return match.group(1) if match else ""
