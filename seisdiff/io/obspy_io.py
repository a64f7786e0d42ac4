"""Everything ObsPy reads (miniSEED, SAC, K-NET/KiK-net, GSE2, …) → Records in m/s²; miniSEED/SAC writers.

Units, in this order: K-NET/KiK-net samples are counts with the file's scale factor, which ObsPy's
reader stores as `stats.calib` in (m/s²)/count (obspy/io/nied/knet.py: `0.01 * num / denom` from gal);
SAC declares its dependent variable in `idep` (IACC: nm/s² by the SAC convention; IDISP/IVEL are
refused); any other trace takes the `units=` argument, and without it is refused (raw counts are
never guessed). A unit the file declares wins over `units=`.
"""
from __future__ import annotations

import glob
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import obspy
from obspy.core import AttribDict
from obspy.geodetics import gps2dist_azimuth

from seisdiff.errors import InputError, UserError
from seisdiff.io.record import Record
from seisdiff.io.units import UNITS_HELP, canonical_unit, to_mps2_factor

_SAC_IACC = 8  # obspy.io.sac.header.ENUM_VALS["iacc"]
_SAC_REFUSED = {6: "displacement (SAC idep=IDISP)", 7: "velocity (SAC idep=IVEL)"}
_SAC_NM_PER_M = 1e9


def read_obspy(path, units: str | None = None) -> list[Record]:
    """One Record per trace of a file ObsPy reads, acc_mps2 float64 in m/s². record_id is
    `NET.STA.LOC.CHA` when the file stem already names it, `<stem>.NET.STA.LOC.CHA` otherwise, the
    stem alone when the four codes are empty; `_<start time>` is appended when the file holds several
    segments of one channel. `units` (see UNITS_HELP) is what the samples of files that declare no
    unit are in. K-NET samples keep the logger's offset (preprocessing removes the baseline)."""
    path = Path(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = obspy.read(glob.escape(str(path)))  # ObsPy globs its argument: '[' in a name is literal here
    except Exception as exc:  # a damaged file can fail anywhere inside a format plugin
        if isinstance(exc, TypeError) and "Unknown format" in str(exc):
            raise InputError(path, "unknown format: not PEER AT2, .npz, or a waveform format ObsPy reads "
                                   "(miniSEED, SAC, K-NET, GSE2, …)") from exc
        raise InputError(path, f"cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())})") from exc
    # ObsPy's miniSEED reader returns the whole records of a cut file with only a warning
    cut = [str(w.message) for w in caught if "end of file" in str(w.message).lower()]
    if cut:
        raise InputError(path, f"truncated or damaged file ({cut[0].strip()})")
    if not stream:
        raise InputError(path, "the file holds no traces")
    ids = _record_ids(path.stem, stream)
    return [_record(path, trace, record_id, units) for trace, record_id in zip(stream, ids)]


def write_mseed(path, records: list[Record], dtype=np.float64) -> None:
    """Write Records to one miniSEED file: samples in **m/s²** as float64 (or float32 with
    `dtype=np.float32`; encodings FLOAT64/FLOAT32). miniSEED carries no unit, so read such a file
    back with units='m/s^2'. NET/STA/LOC/CHA come from record_id when it has that form and the codes
    fit (2/5/2/3 characters), otherwise from the record's network/station/component, truncated;
    the record id itself then lives in the file name."""
    traces = []
    for rec in records:
        trace = obspy.Trace(np.asarray(rec.acc_mps2, dtype=dtype))
        trace.stats.sampling_rate = rec.sampling_rate_hz
        net, sta, loc, cha = _codes(rec, (2, 5, 2, 3))
        trace.stats.update({"network": net, "station": sta, "location": loc, "channel": cha})
        if rec.start_time:
            trace.stats.starttime = obspy.UTCDateTime(rec.start_time)
        traces.append(trace)
    obspy.Stream(traces).write(str(path), format="MSEED")


def write_sac(path, rec: Record) -> None:
    """Write one Record as a SAC file with idep=IACC and samples in **nm/s²** (float32), the SAC
    convention, so SAC and ObsPy users read physical units; our reader turns them back into m/s².
    knetwk/kstnm/khole/kcmpnm as in `write_mseed` (8-character fields), kevnm = event (16)."""
    trace = obspy.Trace(np.asarray(rec.acc_mps2, dtype=np.float64) * _SAC_NM_PER_M)
    trace.data = trace.data.astype(np.float32)
    trace.stats.sampling_rate = rec.sampling_rate_hz
    net, sta, loc, cha = _codes(rec, (8, 8, 8, 8))
    trace.stats.update({"network": net, "station": sta, "location": loc, "channel": cha})
    if rec.start_time:
        trace.stats.starttime = obspy.UTCDateTime(rec.start_time)
    trace.stats.sac = AttribDict(idep=_SAC_IACC, kevnm=rec.event[:16])
    trace.write(str(path), format="SAC")


def _record(path: Path, trace, record_id: str, units: str | None) -> Record:
    unit, factor, metadata = _unit_of(path, trace, units)
    stats = trace.stats
    event = str(stats.sac.get("kevnm", "")).strip() if "sac" in stats else ""
    return Record(
        acc_mps2=np.asarray(trace.data, dtype=np.float64) * factor,
        sampling_rate_hz=float(stats.sampling_rate),
        record_id=record_id,
        station=stats.station,
        component=stats.channel,
        event=event,
        network=stats.network,
        start_time=stats.starttime.isoformat(),
        source_file=str(path),
        units_in_file=unit,
        metadata=metadata,
    )


def _unit_of(path: Path, trace, units: str | None) -> tuple[str, float, dict]:
    """(unit as declared, factor to m/s², metadata) for one trace."""
    stats = trace.stats
    if stats._format == "KNET":
        knet = stats.knet
        distance_m, _, _ = gps2dist_azimuth(knet.evla, knet.evlo, knet.stla, knet.stlo)
        metadata = {"magnitude": float(knet.mag),
                    "distance_km": float(np.hypot(distance_m / 1000.0, knet.evdp + knet.stel / 1000.0))}
        return "counts x K-NET scale factor (gal)", float(stats.calib), metadata
    if stats._format == "SAC":
        idep = int(stats.sac.get("idep", 5))
        if idep in _SAC_REFUSED:
            raise InputError(path, f"{trace.id} holds {_SAC_REFUSED[idep]}; seisdiff needs acceleration")
        magnitude = stats.sac.get("mag")
        metadata = {"magnitude": float(magnitude)} if magnitude is not None else {}
        if idep == _SAC_IACC:
            return "nm/s^2", to_mps2_factor("nm/s^2"), metadata
        return *_given(path, trace, units), metadata
    return *_given(path, trace, units), {}


def _given(path: Path, trace, units: str | None) -> tuple[str, float]:
    if units is None:
        raise InputError(path, f"{trace.id or 'trace'} declares no unit (raw counts?); pass --units ({UNITS_HELP})")
    try:
        return canonical_unit(units), to_mps2_factor(units)
    except UserError:
        raise InputError(path, f"unknown --units {units!r}; {UNITS_HELP}") from None


def _record_ids(stem: str, stream) -> list[str]:
    """Unique ids, one per trace (see read_obspy)."""
    codes = [tr.id if tr.id.strip(".") else "" for tr in stream]
    base = [stem if not c else c if c in stem else f"{stem}.{c}" for c in codes]
    repeated = Counter(base)
    ids = [
        f"{b}_{tr.stats.starttime.strftime('%Y%m%dT%H%M%S.%f')}" if repeated[b] > 1 else b
        for b, tr in zip(base, stream)
    ]
    repeated = Counter(ids)
    return [f"{i}_{k}" if repeated[i] > 1 else i for k, i in enumerate(ids)]


def _codes(rec: Record, widths: tuple[int, int, int, int]) -> tuple[str, str, str, str]:
    """(network, station, location, channel) for a record, each cut to its field width."""
    parts = rec.record_id.split(".")
    if len(parts) == 4 and all(len(p) <= w for p, w in zip(parts, widths)):
        return tuple(parts)
    own = (rec.network, rec.station, "", rec.component)
    return tuple(code[:w] for code, w in zip(own, widths))
