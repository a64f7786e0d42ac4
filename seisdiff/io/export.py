"""Write generated accelerograms as one file per record: PEER AT2 (g), miniSEED (m/s²), SAC (nm/s²).

Each file can carry the input's time axis and codes (`meta`: start_time, network, station, location,
channel, event): miniSEED and SAC headers hold them all (a SEED channel code with the band code of the
output's rate, `seed_channel_at_rate`: a 50 Hz input's BNE is written HNE at 100 Hz); AT2 has no start time, so it keeps the event,
the event's date (`event_date`, else the start time's; as NGA-West2 writes it, M/D/YYYY), station and component
on line 2. The event's date alone (`event_date`, YYYY-MM-DD, e.g. an AT2 input's) is no start time: SAC keeps it in
kuser2 as YYYYMMDD (`obspy_io.write_sac`), miniSEED has no field for it. A record without a start time leaves the
SAC reference time (nzyear … nzmsec) undefined; miniSEED cannot say "unknown", so its files then start at 1970-01-01T00:00:00,
which seisdiff's reader (io.obspy_io) takes as no start time. Header text is written in ASCII
(accents dropped: 'Viña' → 'Vina', 'Åre' → 'Are'; any other non-ASCII character '?'); file names
keep the names given.

Velocity output (`quantity="velocity"`, for `sample --output velocity`): `velocity_mps` integrates the
acceleration by the cumulative trapezoid rule and removes the baseline drift with the band's zero-phase
Butterworth high-pass (`dsp.highpass` at the store's lower band corner, order 4, odd-reflection padding
as `sosfiltfilt`): a constant acceleration offset would integrate into a ramp, which the high-pass's
four zeros at 0 Hz remove without shifting any phase. Files then hold m/s (miniSEED), nm/s (SAC,
idep=IVEL) or cm/s (AT2, the .VT2 layout `VELOCITY TIME SERIES IN UNITS OF CM/S`).
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np

from seisdiff.dsp import highpass
from seisdiff.errors import UserError
from seisdiff.io.at2 import ascii_text
from seisdiff.io.atomic import atomic_path
from seisdiff.io.record import Record

SUFFIXES = {"at2": ".AT2", "mseed": ".mseed", "sac": ".sac"}
OUTPUT_QUANTITIES = ("acceleration", "velocity")
_SAC_IACC, _SAC_IVEL = 8, 7     # obspy.io.sac.header.ENUM_VALS["iacc"], ["ivel"]


def suffix_for(fmt: str, quantity: str = "acceleration") -> str:
    """The file suffix of a format; AT2 velocity files are `.VT2`, as PEER names them."""
    return ".VT2" if fmt == "at2" and quantity == "velocity" else SUFFIXES[fmt]


def velocity_mps(acc_mps2, sampling_rate_hz: float, highpass_hz: float, order: int = 4) -> np.ndarray:
    """(..., n) acceleration in m/s² → (..., n) velocity in m/s without baseline drift (float64): the
    cumulative trapezoid integral from 0, then the zero-phase Butterworth high-pass at highpass_hz."""
    acc = np.asarray(acc_mps2, dtype=np.float64)
    vel = np.zeros_like(acc)
    vel[..., 1:] = np.cumsum(0.5 * (acc[..., 1:] + acc[..., :-1]), axis=-1) / float(sampling_rate_hz)
    return highpass(vel, sampling_rate_hz, highpass_hz, order)


# SEED band codes (SEED manual v2.4, appendix A) by sampling rate, for the sensor families "broadband" (corner
# period ≥ 10 s: F C H B M L V U R P T Q) and "short period" (< 10 s: G D E S): (lowest rate Hz, code)
_BANDS = {"broadband": ((1000, "F"), (250, "C"), (80, "H"), (10, "B"), (1.0001, "M"), (0.5, "L"), (0.05, "V"),
                        (0.005, "U"), (0.0001, "R"), (0, "P")),
          "short period": ((1000, "G"), (250, "D"), (80, "E"), (10, "S"))}
_SHORT_PERIOD_BANDS = "GDES"
_SEED_SENSORS = "HLGMNPX"    # seismometers (high/low gain), gravimeter, mass position, accelerometer, geophone, derived
_renamed_said: set = set()
_renamed_from: dict = {}     # (network, station, location, code written) → the first input channel written as it
_merged_said: set = set()    # those keys whose two input channels have had their warning line


def band_code(sampling_rate_hz: float, short_period: bool = False) -> str:
    """The SEED band code of a channel sampled at sampling_rate_hz (100 Hz: H, or E for a short-period sensor)."""
    family = "short period" if short_period and sampling_rate_hz >= 10 else "broadband"
    return next(code for low, code in _BANDS[family] if sampling_rate_hz >= low)


def seed_channel_at_rate(channel: str, sampling_rate_hz: float) -> str:
    """A SEED channel code (band, instrument, orientation: BNE, BXX, SHZ) with the band code right for
    sampling_rate_hz, the instrument and orientation kept: generated records are written at the model's rate
    (100 Hz), whatever the input's, so a 50 Hz accelerometer's BNE comes out HNE, SPECFEM's BXX HXX, a
    short-period SHZ EHZ (the family is kept: E and S, D, G stay short period). Any other name (EW, UD2, N28W,
    090, vx, H1; a 3-letter code whose instrument is no seismic sensor, as VER, LON) is returned unchanged."""
    code = str(channel)
    if len(code) != 3 or not code.isupper() or not code[:2].isalpha() or code[1] not in _SEED_SENSORS \
            or code[0] not in "FGDCESHBMLVURPTQ":
        return code
    return band_code(sampling_rate_hz, code[0] in _SHORT_PERIOD_BANDS) + code[1:]


def _at_rate(channels: list[str], sampling_rate_hz: float) -> list[str]:
    """One file's channel codes by seed_channel_at_rate, saying once per code on stderr where it changes one;
    unchanged where two would become one (BHZ and HHZ of a sensor in one file)."""
    coded = [seed_channel_at_rate(c, sampling_rate_hz) for c in channels]
    if len(set(coded)) < len(coded):
        return list(channels)
    for channel, code in zip(channels, coded):
        if code != channel and (channel, code) not in _renamed_said:
            _renamed_said.add((channel, code))
            print(f"export: channel {channel} written as {code}: the SEED band code of {sampling_rate_hz:g} "
                  "samples/s (instrument and orientation kept)", file=sys.stderr)
    return coded


def _warn_merged(info: dict, channels: list[str], coded: list[str], sampling_rate_hz: float) -> None:
    """One line on stderr when two input channels of one station and location are written as one code in a run
    (IU.ANMO.00.BHZ and .HHZ, each in its own file, both HHZ at 100 Hz): only the file names tell them apart.
    The codes stay those of the output's rate: a 100 Hz trace written BHZ would say 10-80 Hz, and which input
    kept its code would depend on which others the run holds."""
    station = tuple(str(info.get(k, "")) for k in ("network", "station", "location"))
    if not station[1]:   # no station code: the header says nothing to merge by
        return
    for channel, code in zip(channels, coded):
        key = (*station, code)
        first = _renamed_from.setdefault(key, channel)
        if first != channel and key not in _merged_said:
            _merged_said.add(key)
            where = ".".join(station)
            print(f"export: warning: {where}.{first} and {where}.{channel} are both written {where}.{code} "
                  f"(the band code of {sampling_rate_hz:g} samples/s): the headers no longer tell them apart, only "
                  "the file names do; don't merge these files by their codes", file=sys.stderr)


# where the station and the event are (degrees, km) and the magnitude: SAC headers carry them (stla, stlo, evla,
# evlo, evdp, mag); AT2 and miniSEED have no field for them
PLACE_FIELDS = ("sta_lat", "sta_lon", "hypo_lat", "hypo_lon", "hypo_depth_km", "magnitude")


def export_records(out_dir, fmt: str, acc_mps2, sampling_rate_hz: float, names: list[str],
                   meta: list[dict] | None = None, quantity: str = "acceleration") -> list[Path]:
    """Write acc_mps2 (n, L) in m/s² at `sampling_rate_hz` to `out_dir/<name><suffix>` for fmt in
    at2 (.AT2, g; velocity .VT2), mseed (.mseed, float64 m/s²) or sac (.sac, float32 nm/s², idep=IACC); each file
    appears whole or not at all (written to a temporary name, then renamed). Returns the n paths.
    meta: n dicts with any of start_time (ISO-8601), network, station, location, channel (in miniSEED and SAC
    headers with the SEED band code of sampling_rate_hz: `seed_channel_at_rate`), event, event_date
    (YYYY-MM-DD: AT2 line 2, SAC kuser2; anything else is unknown), vertical_sign ("unknown": SAC gets no
    cmpaz/cmpinc whatever the channel's name says), and the numbers PLACE_FIELDS (station and hypocentre
    coordinates, magnitude: SAC's stla … mag; others ignore them).
    mseed only: acc_mps2 may be (n, C, L), C traces per file, meta[i]["channel"] their C codes joined by ','.
    quantity="velocity": the traces are velocity in m/s (see the module docstring for the units)."""
    if fmt not in SUFFIXES:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(SUFFIXES)}")
    if quantity not in OUTPUT_QUANTITIES:
        raise UserError(f"unknown output quantity {quantity!r}; choose one of {', '.join(OUTPUT_QUANTITIES)}")
    acc = np.asarray(acc_mps2, dtype=np.float64)
    if acc.ndim == 3 and fmt != "mseed":
        raise UserError(f"{fmt} files hold one trace each; export (n, L) traces (only mseed takes (n, C, L))")
    if acc.ndim not in (2, 3) or len(acc) != len(names) or (meta is not None and len(meta) != len(names)):
        raise UserError(f"export needs acc_mps2 of shape (n, L), n names (and n meta); got {acc.shape} and "
                        f"{len(names)} names")
    if len(set(names)) != len(names) or any(not n or Path(n).name != n or n.startswith(".") for n in names):
        raise UserError("export names must be unique plain file names (no folders, not hidden)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for traces, name, info in zip(acc if acc.ndim == 3 else acc[:, None], names, meta or [{}] * len(names)):
        channels = str(info.get("channel", "")).split(",") if len(traces) > 1 else [info.get("channel", "")]
        if len(channels) != len(traces):
            raise UserError(f"export {name}: {len(traces)} traces but channel codes {info.get('channel')!r}")
        if fmt != "at2":   # miniSEED and SAC headers hold SEED codes, whose band code says the rate
            coded = _at_rate(channels, sampling_rate_hz)
            _warn_merged(info, channels, coded, sampling_rate_hz)
            channels = coded
        path = out_dir / f"{name}{suffix_for(fmt, quantity)}"
        with atomic_path(path) as temporary:
            _write(temporary, fmt, [_record(x, sampling_rate_hz, name, {**info, "channel": c}, quantity)
                                    for x, c in zip(traces, channels)])
        paths.append(path)
    return paths


def _record(signal, sampling_rate_hz: float, name: str, info: dict, quantity: str) -> Record:
    """The trace as a Record (acc_mps2 holds m/s when metadata["quantity"] is velocity). Header text in
    ASCII (`at2.ascii_text`: 'Viña' → 'Vina'), which AT2, miniSEED and SAC headers hold."""
    def text(key: str) -> str:
        return ascii_text(info.get(key, ""))

    places = {k: float(info[k]) for k in PLACE_FIELDS if _finite(info.get(k))}
    dated = {"event_date": _iso_date(info)} if _iso_date(info) else {}
    return Record(acc_mps2=signal, sampling_rate_hz=sampling_rate_hz, record_id=ascii_text(name),
                  station=text("station"), component=text("channel"), event=text("event"), network=text("network"),
                  start_time=str(info.get("start_time", "")),
                  metadata={"location": text("location"), "quantity": quantity, **places, **dated,
                            **({"vertical_sign": "unknown"} if info.get("vertical_sign") == "unknown" else {})})


def _iso_date(info: dict) -> str:
    """info's event_date when it is a date YYYY-MM-DD; '' otherwise (unknown)."""
    value = str(info.get("event_date", "")).strip()
    try:
        return date.fromisoformat(value).isoformat() if len(value) == 10 else ""
    except ValueError:
        return ""


def _finite(value) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


def _coded(rec: Record, widths: tuple[int, ...]) -> Record:
    """The record with id NET.STA.LOC.CHA when its codes fit `widths` (so the writers put them all,
    location included, in the header); unchanged otherwise (the writers then use its own fields)."""
    codes = (rec.network, rec.station, rec.metadata.get("location", ""), rec.component)
    if any(codes) and all(len(c) <= w and "." not in c for c, w in zip(codes, widths)):
        return Record(**{**vars(rec), "record_id": ".".join(codes)})
    return rec


def _write(path: Path, fmt: str, records: list[Record]) -> None:
    """One file of the records (mseed: any number of traces; at2, sac: one)."""
    rec = records[0]
    quantity = rec.metadata.get("quantity", "acceleration")
    if fmt == "at2":
        from seisdiff.io.at2 import write_at2

        write_at2(path, rec.acc_mps2, rec.sampling_rate_hz, rec.record_id, event=rec.event,
                  date=rec.metadata.get("event_date") or rec.start_time,
                  station=rec.station, component=rec.component, quantity=quantity)
    elif fmt == "mseed":
        from seisdiff.io.obspy_io import write_mseed

        write_mseed(path, [_coded(r, (2, 5, 2, 3)) for r in records])
    else:
        from seisdiff.io.obspy_io import write_sac

        write_sac(path, _coded(rec, (8, 8, 8, 8)), idep=_SAC_IVEL if quantity == "velocity" else _SAC_IACC)
