"""RENADIC (Universidad de Chile) V1 files: CSMIP Volume layout, channels stacked, `time acc` pairs.

Per channel (seisdiff.io.formats.csmip): 13 text lines — line 5 `STATION NO. 18.483S 70.314W … S/N
815` (coordinates, mostly 0.000N 0.000E = not given), line 6 `ARICA S/N 815` (the station code is
the serial after S/N), line 7 `CHAN 1: NS`, line 8 `UNIVERSIDAD DE CHILE - RENADIC`, line 9
`HYPOCENTER: 0.000N 0.000E H= 0.0KM ML= 0.00` (zeros = not given; some give `MW= 8.8`), line 11
`NO. OF POINTS = N RECORD LENGTH = T SEC`, line 12 `UNITS OF UNCOR ACCEL ARE SEC AND G/10.` — then
7 integer and 7 real lines, N `time acc` pairs in 10F7.3 and a `/&` line. Unevenly spaced times
are resampled by linear interpolation at 200 Hz (csmip.uniform_samples); evenly spaced ones kept.

Channels whose label is no direction (e.g. `CHAN 4: INTC`, an all-zero internal channel) are
skipped. Labels: NS/L (and `NZ`, a mistyped north label in copiapo) horizontal north, EW/T
horizontal, V/Z vertical. Start and origin times are missing or unreliable (trigger times of
1980-01-01, `ORIGIN` equal to the trigger minute), so start_time and event are ''.

`parte1`/`parte2` files are consecutive pieces of one record: `read` returns one part's traces;
`join_parts` concatenates them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.formats import csmip
from seisdiff.io.formats.common import channel_records, event_metadata, labelled_magnitude
from seisdiff.io.record import Record

NAME = "renadic"
NETWORK = "C"  # the Chilean network code; the file does not name it
MARKER = "UNIVERSIDAD DE CHILE - RENADIC"
_ORIENTATION = {"NS": "H", "NZ": "H", "L": "H", "N": "H", "EW": "H", "T": "H", "E": "H",
                "V": "Z", "Z": "Z", "UP": "Z", "UD": "Z"}
_PART = re.compile(r"^(.*?)parte(\d+)$", re.I)


def sniff(head: str, path: Path) -> bool:
    """True when the first line starts `UNCORRECTED ACCELEROGRAM DATA` and the RENADIC source line
    `UNIVERSIDAD DE CHILE - RENADIC` is in the header."""
    return head.upper().startswith("UNCORRECTED ACCELEROGRAM DATA") and MARKER in head.upper()


def read(path: Path, units: str | None = None) -> list[Record]:
    """One Record per acceleration channel of this file (file order), acc in m/s² from the declared
    unit (`units` is not used). InputError for a missing/unknown unit or a pair count that disagrees
    with `NO. OF POINTS`."""
    path = Path(path)
    channels = []
    for start, block in csmip.split_channels(csmip.read_lines(path)):
        channel = _read_channel(path, start, block)
        if channel is not None:
            channels.append(channel)
    if not channels:
        raise InputError(path, "no acceleration channel in the file; it is damaged or not RENADIC")
    return channel_records(path, channels, network=NETWORK)


def _read_channel(path: Path, start: int, block: list[str]) -> dict | None:
    if len(block) < csmip.HEADER_ROWS_V1 + 1:
        raise InputError(path, f"channel starting on line {start + 1} is cut short ({len(block)} lines)")
    text = block[:csmip.TEXT_ROWS_V1]
    label_match = csmip.first_line_matching(text, r"\s*CHAN\s+\d+\s*:\s*(\S+)")
    if label_match is None:
        raise InputError(path, f"no `CHAN n:` line in the channel header from line {start + 1}")
    label = label_match.group(1).upper()
    if label not in _ORIENTATION:  # e.g. INTC: not an accelerometer channel
        return None
    header = "\n".join(text)
    npts = csmip.header_int(path, header, r"NO\.\s*OF\s*POINTS\s*=\s*(\d+)", "`NO. OF POINTS =` count")
    unit, factor = csmip.declared_unit(path, csmip.units_line(path, text))
    first = csmip.HEADER_ROWS_V1
    values = csmip.fixed_width_numbers(path, block[first:], 7, 10, start + first + 1)
    csmip.check_count(path, values.size, 2 * npts, "time–acceleration pairs", start + first + 1)
    acc, rate_hz, _ = csmip.uniform_samples(path, values[0::2], values[1::2])
    serial = re.search(r"S/N\s*(\d+)", text[5]) if len(text) > 5 else None
    station = serial.group(1) if serial and int(serial.group(1)) > 0 else ""
    coords = re.search(r"STATION NO\.\s*([\d.]+)\s*([NS])\s+([\d.]+)\s*([EW])", header, re.I)
    sta_lat = sta_lon = None
    if coords and (float(coords.group(1)) != 0 or float(coords.group(3)) != 0):  # 0,0 = not given
        sta_lat = csmip.signed(coords.group(1), coords.group(2))
        sta_lon = csmip.signed(coords.group(3), coords.group(4))
    metadata = event_metadata(sta_lat=sta_lat, sta_lon=sta_lon, **_hypocentre(header))
    metadata["orientation"] = _ORIENTATION[label]
    return {"acc_mps2": acc * factor, "rate_hz": rate_hz, "unit": unit, "station": station,
            "component": label, "metadata": metadata}


def _hypocentre(header: str) -> dict:
    """Magnitude and hypocentre from `HYPOCENTER: 36.1S 72.9W H= 30.0KM MW= 8.8`; zeros = not given."""
    found = {}
    match = re.search(r"HYPOCENTER:\s*([\d.]+)\s*([NS])\s+([\d.]+)\s*([EW])\s+H=\s*([\d.]+)\s*KM", header, re.I)
    if match and (float(match.group(1)) != 0 or float(match.group(3)) != 0):
        found.update(hypo_lat=csmip.signed(match.group(1), match.group(2)),
                     hypo_lon=csmip.signed(match.group(3), match.group(4)),
                     hypo_depth_km=float(match.group(5)))
    magnitude, magnitude_type = labelled_magnitude(header)
    if magnitude is not None:
        found.update(magnitude=magnitude, magnitude_type=magnitude_type)
    return found


def is_part(path) -> bool:
    """True for a part file of a multi-part record (`…parte1`, `…parte2`: RENADIC's naming)."""
    return _PART.match(Path(path).stem) is not None


def join_parts(records: list[Record]) -> list[Record]:
    """Records with the same channel of consecutive part files (`…parte1`, `…parte2`, … in one folder,
    told apart by Record.source_file) concatenated in part order into one Record whose record_id
    lacks the `parteN` suffix (`angol1002271parte1_NS` → `angol1002271_NS`); metadata gains
    `source_parts` (the part file names). A group stays as it is when its parts are not consecutive
    (1, 2, … without a gap) or differ in sampling rate. Other records are returned unchanged; each
    joined record takes the place of its first part."""
    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for k, rec in enumerate(records):
        source = Path(rec.source_file)
        match = _PART.match(source.stem)
        if match:
            groups[(str(source.parent), match.group(1).lower(), rec.component)].append((int(match.group(2)), k))
    joined: dict[int, Record] = {}
    dropped: set[int] = set()
    for (_, base, _), members in groups.items():
        members.sort()
        numbers = [n for n, _ in members]
        parts = [records[k] for _, k in members]
        rates = [p.sampling_rate_hz for p in parts]
        if len(parts) < 2 or numbers != list(range(numbers[0], numbers[0] + len(numbers))) \
                or max(rates) - min(rates) > 1e-9 * max(rates):
            continue
        first = parts[0]
        stem = Path(first.source_file).stem
        record_id = first.record_id.replace(stem, stem[:len(stem) - len(f"parte{numbers[0]}")], 1) \
            if first.record_id.startswith(stem) else re.sub(r"parte\d+", "", first.record_id, flags=re.I)
        joined[members[0][1]] = replace(
            first, acc_mps2=np.concatenate([p.acc_mps2 for p in parts]), record_id=record_id,
            metadata={**first.metadata, "source_parts": [Path(p.source_file).name for p in parts]})
        dropped.update(k for _, k in members[1:])
    return [joined.get(k, rec) for k, rec in enumerate(records) if k not in dropped]
