"""Everything ObsPy reads (miniSEED, SAC, K-NET/KiK-net, GSE2, …) → Records in m/s²; miniSEED/SAC writers.

Where the samples' unit comes from, per trace:
- K-NET/KiK-net: counts × the header's scale factor, which ObsPy stores as `stats.calib` in (m/s²)/count
  (obspy/io/nied/knet.py: `0.01 * num / denom` from gal). `units`/`quantity` are not applied.
- SAC: an explicit `units` (with `quantity`, or the quantity the unit names) overrules the header.
  Without it, `idep` declares the SAC convention: IACC = nm/s², IVEL = nm/s, IDISP = nm (velocity and
  displacement are differentiated to acceleration, seisdiff.io.quantity). A declared level no sensor
  records (seisdiff.io.validate.level_problem: e.g. values in g under idep=IACC) is refused as a likely
  unit error naming the unit to pass with --units, except in seisdiff's own files (write_sac: kuser1 =
  SAC_WRITER_MARK), whose unit is nm/s² (nm/s) by construction: a generated record
  weaker or stronger than any recording is no unit error (its level is judged where it is used,
  `preprocess.whole.level_warning`, as an AT2's or a miniSEED's). Any other idep is "no unit", as below.
- A trace that declares no unit (miniSEED, SAC without idep, …) with `NET.STA.xml` (FDSN StationXML)
  beside the file: counts → m/s² by ObsPy `remove_response(output="ACC", pre_filt=(0.05, 0.1,
  0.8·fNyq, 0.9·fNyq), water_level=None)` (ObsPy's default demean and 5 % taper), or by the overall
  sensitivity as a flat response where the XML has no stages or its stage gains contradict the overall
  sensitivity (> 20 %, a units mix-up). The StationXML is the calibration of counts: `units` is not
  applied to such a trace. Station coordinates come from the inventory.
- Otherwise the `units` argument (of `quantity`, default: the quantity the unit names), and without it
  the trace is refused (raw counts are never guessed).
"""
from __future__ import annotations

import glob
import math
import re
import sys
import warnings
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import obspy
from obspy.core import AttribDict

from seisdiff.errors import InputError, UserError
from seisdiff.io.components import component_orientation
from seisdiff.io.formats.common import event_id, event_metadata, iso_utc, orientation
from seisdiff.io.quantity import QUANTITIES, to_acceleration_mps2, unit_factor_si
from seisdiff.io.quantity import UNITS_HELP as QUANTITY_UNITS_HELP
from seisdiff.io.record import Record
from seisdiff.io.units import UNITS_HELP, canonical_unit, to_mps2_factor
from seisdiff.io.validate import level_problem

_SAC_IACC = 8  # obspy.io.sac.header.ENUM_VALS["iacc"]
# SAC idep → (quantity, unit) by the SAC convention (nanometres)
_SAC_DECLARED = {8: ("acceleration", "nm/s^2", "IACC"), 7: ("velocity", "nm/s", "IVEL"),
                 6: ("displacement", "nm", "IDISP")}
_SAC_NM_PER_M = 1e9
_SAC_REFERENCE_TIME = ("nzyear", "nzjday", "nzhour", "nzmin", "nzsec", "nzmsec")
_EPOCH = obspy.UTCDateTime(0)   # ObsPy's start time of a trace without one (miniSEED cannot say "unknown")
_PRE_FILT_NYQUIST = (0.8, 0.9)  # pre_filt corners as fractions of fNyq, below 0.05–0.1 Hz
_GAIN_MISMATCH = 0.2  # stage-gain product vs overall sensitivity beyond which the stages are not trusted


def read_obspy(path, units: str | None = None, quantity: str | None = None) -> list[Record]:
    """One Record per trace of a file ObsPy reads, acc_mps2 float64 in m/s². record_id is
    `NET.STA.LOC.CHA` when the file stem already names it, `<stem>.NET.STA.LOC.CHA` otherwise, the
    stem alone when the four codes are empty; `_<start time>` is appended when the file holds several
    segments of one channel. `units` is the unit of the samples (UNITS_HELP; of `quantity` "velocity" /
    "displacement" when given, which are differentiated to acceleration) for traces that declare none,
    and overrules a SAC header (see the module docstring for the order). K-NET samples keep the
    logger's offset (preprocessing removes the baseline). start_time is UTC ('' when the file has none).
    A miniSEED file that ends inside a record is refused (_check_whole_records), not read short."""
    path = Path(path)
    if quantity is not None and quantity not in QUANTITIES:
        raise UserError(f"unknown quantity {quantity!r}; give one of {', '.join(QUANTITIES)}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            stream = obspy.read(glob.escape(str(path)))  # ObsPy globs its argument: '[' in a name is literal here
    except Exception as exc:  # a damaged file can fail anywhere inside a format plugin
        if isinstance(exc, TypeError) and "Unknown format" in str(exc):
            raise InputError(path, "unknown format: not PEER AT2, .npz, or a waveform format ObsPy reads "
                                   "(miniSEED, SAC, K-NET, GSE2, …)") from exc
        raise InputError(path, f"cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())})") from exc
    # ObsPy's miniSEED reader returns the whole records of a cut file with only a warning, or none at all:
    # the records are walked (a cut one refused there); ObsPy's warning about a short last record counts
    # unless the walk reached the end of the file (it also warns about NUL padding after the last record)
    whole = any(trace.stats.get("_format") == "MSEED" for trace in stream) and _check_whole_records(path)
    cut = [str(w.message) for w in caught
           if "end of file" in str(w.message).lower()
           or (not whole and "last record only has" in str(w.message).lower())]
    if cut:
        raise InputError(path, f"truncated or damaged file ({' '.join(cut[0].split())}); "
                               "copy or download it again")
    if not stream:
        raise InputError(path, "the file holds no traces")
    for trace in stream:
        if trace.stats.get("_format") == "SAC":
            trace.stats.sampling_rate = _sac_rate_hz(trace)
    ids = _record_ids(path.stem, stream)
    return [_record(path, trace, record_id, units, quantity) for trace, record_id in zip(stream, ids)]


def _check_whole_records(path: Path) -> bool:
    """True when the miniSEED file at `path` is whole records to its end (NUL padding after the last one
    allowed); InputError for a record cut short, which ObsPy drops with its "Last record only has N
    byte(s)" warning or with no warning at all. The records are walked from the start, each as long as
    its header (blockette 1000) says by ObsPy's get_record_information. False where a record cannot be
    parsed (full SEED control headers, noise records, a compressed file): the walk stops there and the
    file is taken as ObsPy read it."""
    from obspy.io.mseed.core import _is_mseed
    from obspy.io.mseed.util import get_record_information

    if not _is_mseed(str(path)):  # gzip/bz2 and archives: ObsPy decompressed them itself
        return False
    size = path.stat().st_size
    offset, number = 0, 0
    with open(path, "rb") as handle:
        while offset < size:
            handle.seek(offset)
            if not handle.read(64).strip(b"\0") and not handle.read().strip(b"\0"):
                return True  # padding after the last record
            try:
                length = int(get_record_information(handle, offset)["record_length"])
            except Exception:  # not a data record ObsPy parses on its own: no size check from here on
                return False
            if length <= 0:
                return False
            if offset + length > size:
                raise InputError(path, f"truncated or damaged miniSEED file: record {number + 1} at byte {offset} "
                                       f"is {length} bytes long but only {size - offset} remain (the file is "
                                       f"{size} bytes), so its samples would be lost; copy or download it again")
            offset += length
            number += 1
    return True


def write_mseed(path, records: list[Record], dtype=np.float64) -> None:
    """Write Records to one miniSEED file: samples in **m/s²** as float64 (or float32 with
    `dtype=np.float32`; encodings FLOAT64/FLOAT32). miniSEED carries no unit, so read such a file
    back with units='m/s^2'. NET/STA/LOC/CHA come from record_id when it has that form and the codes
    fit (2/5/2/3 characters), otherwise from the record's network/station/metadata["location"]/component,
    each cut to its width (one warning line on stderr per code cut); the record id itself then lives in
    the file name. miniSEED has no "unknown" start: a record without start_time starts at
    1970-01-01T00:00:00, which read_obspy reads back as no start time."""
    traces = []
    for rec in records:
        trace = obspy.Trace(np.asarray(rec.acc_mps2, dtype=dtype))
        trace.stats.sampling_rate = rec.sampling_rate_hz
        net, sta, loc, cha = _codes(rec, (2, 5, 2, 3), "miniSEED")
        trace.stats.update({"network": net, "station": sta, "location": loc, "channel": cha})
        if rec.start_time:
            trace.stats.starttime = obspy.UTCDateTime(rec.start_time)
        traces.append(trace)
    obspy.Stream(traces).write(str(path), format="MSEED")


def write_sac(path, rec: Record, idep: int = _SAC_IACC) -> None:
    """Write one Record as a SAC file with idep=IACC and samples in **nm/s²** (float32), the SAC
    convention, so SAC and ObsPy users read physical units; our reader turns them back into m/s².
    (idep=IVEL, 7: rec.acc_mps2 holds velocity in m/s, written in nm/s.) knetwk/kstnm/khole/kcmpnm as
    in `write_mseed` (8-character fields), kevnm = event (16), stla … mag and cmpaz/cmpinc by `_sac_places`
    (evdp in km, which kuser0 = SAC_EVDP_KM_MARK says), kuser1 = SAC_WRITER_MARK, kuser2 = the event's date
    rec.metadata["event_date"] as YYYYMMDD (SAC_EVENT_DATE). The reference time (nzyear … nzmsec) is
    rec.start_time; without one it stays undefined (-12345), not ObsPy's 1970-01-01, and read_obspy
    reads such a file back without a start time: an event's date alone (an AT2 input's) is no start time,
    and SAC's reference time plus b would claim one."""
    from obspy.io.sac import SACTrace

    trace = obspy.Trace(np.asarray(rec.acc_mps2, dtype=np.float64) * _SAC_NM_PER_M)
    trace.data = trace.data.astype(np.float32)
    trace.stats.sampling_rate = rec.sampling_rate_hz
    net, sta, loc, cha = _codes(rec, (8, 8, 8, 8), "SAC")
    trace.stats.update({"network": net, "station": sta, "location": loc, "channel": cha})
    if rec.start_time:
        trace.stats.starttime = obspy.UTCDateTime(rec.start_time)
    trace.stats.sac = AttribDict(idep=idep, kevnm=rec.event[:16], kuser1=SAC_WRITER_MARK, **_sac_places(rec),
                                 **_sac_event_date(rec.metadata.get("event_date", "")))
    sac = SACTrace.from_obspy_trace(trace, keep_sac_header=True)   # as trace.write(format="SAC") does
    if not rec.start_time:
        for name in _SAC_REFERENCE_TIME:
            setattr(sac, name, None)
    sac.write(str(path))


# SAC evdp: the SAC manual (IRIS) gives "event depth below surface (kilometers -- previously meters)", and no
# header field says which a file used. Read (`sac_depth_km`): up to MAX_DEPTH_KM as km (the manual's unit; no
# earthquake is deeper), beyond it as metres (files of the older SAC), beyond MAX_DEPTH_KM in metres as no depth.
# Between SHALLOW_KM and MAX_DEPTH_KM both readings are earthquakes (intermediate/deep in km, 70–700 m deep in
# metres: induced or mining events): read as km, with one warning line per value. seisdiff's own SAC files
# (write_sac) say that their evdp is km: kuser0 = SAC_EVDP_KM_MARK, a user field no SAC reader interprets (ObsPy,
# whose header notes still say metres, and SAC read evdp as written); with the mark evdp is read as km, no warning.
SAC_EVDP_KM_MARK = "evdp=km"
# seisdiff's own SAC files (write_sac, every one): samples in nm/s² (nm/s) by construction, so their level is no
# unit error (`_sac`); kuser1, 8 characters, a user field no SAC reader interprets
SAC_WRITER_MARK = "seisdiff"
# the event's date (Record.metadata["event_date"]): SAC's own event time is the reference time plus o, which a
# date without a time of day (an AT2 input's line 2) cannot give without inventing one; so seisdiff's files keep
# it in kuser2 as YYYYMMDD (8 characters), read back as event_date (YYYY-MM-DD) from files with SAC_WRITER_MARK only
SAC_EVENT_DATE = "kuser2"
MAX_DEPTH_KM = 700.0   # the deepest earthquakes (~700 km)
SHALLOW_KM = 70.0      # the top of intermediate depth; below it in metres (< 70 m) no earthquake is that shallow
_depth_warned: set = set()
_SAC_PLACES = {"sta_lat": "stla", "sta_lon": "stlo", "hypo_lat": "evla", "hypo_lon": "evlo", "hypo_depth_km": "evdp",
               "magnitude": "mag"}


def _sac_places(rec: Record) -> dict:
    """SAC header fields of the record's station and event (stla, stlo, evla, evlo, evdp km with kuser0 =
    SAC_EVDP_KM_MARK, mag) where its metadata has them, and the component's orientation (cmpaz, cmpinc) where
    its name states a direction (`io.components.component_orientation`: E, N, Z, EW, NS, UD, V, Up, SEED ??E/??N/??Z,
    azimuths N28W, 090, 360; not a simulation's x, y, nor SEED ??1/??2, nor where metadata["vertical_sign"] is
    "unknown": a simulation's z beside its x and y, `io.components.sign_unknown`)."""
    fields = {sac: float(rec.metadata[key]) for key, sac in _SAC_PLACES.items()
              if np.isfinite(float(rec.metadata.get(key, np.nan)))}
    orientation = None if rec.metadata.get("vertical_sign") == "unknown" else component_orientation(rec.component)
    if orientation:
        fields["cmpaz"], fields["cmpinc"] = orientation
    if "evdp" in fields:
        fields["kuser0"] = SAC_EVDP_KM_MARK
    return fields


def _record(path: Path, trace, record_id: str, units: str | None, quantity: str | None) -> Record:
    stats = trace.stats
    # 1970-01-01T00:00:00 exactly is the start ObsPy gives a trace without one (and the one older exports
    # wrote for an unknown start), no record's real start
    start_time = "" if stats.starttime == _EPOCH else iso_utc(stats.starttime.datetime)
    event = ""
    if stats._format == "KNET":
        acc_mps2, unit, metadata, event = _knet(path, trace)
    elif stats._format == "SAC":
        acc_mps2, unit, metadata = _sac(path, trace, units, quantity)
        event = str(stats.sac.get("kevnm", "")).strip()
        if not _sac_reference_known(stats.sac):  # no reference time: ObsPy's 1970-01-01 + b is not a time
            start_time = ""
    else:
        acc_mps2, unit, metadata = _undeclared(path, trace, units, quantity)
    read_as = unit.split(" in ", 1)[0]  # _unit_text: "velocity in nm/s (…), differentiated once …"
    if read_as in ("velocity", "displacement"):
        metadata["quantity"] = read_as  # as readers.read marks differentiated AT2 records
    # the SEED location code, which Record has no field for: record_id holds it only while it ends in
    # NET.STA.LOC.CHA, not for one of several segments of a channel (`<id>_<start time>`)
    if stats.location:
        metadata["location"] = str(stats.location)
    return Record(
        acc_mps2=np.asarray(acc_mps2, dtype=np.float64),
        sampling_rate_hz=float(stats.sampling_rate),
        record_id=record_id,
        station=stats.station,
        component=stats.channel,
        event=event,
        network=stats.network,
        start_time=start_time,
        source_file=str(path),
        units_in_file=unit,
        metadata=metadata,
    )


def _knet(path: Path, trace) -> tuple[np.ndarray, str, dict, str]:
    """(acc_mps2, unit, metadata, event) of a K-NET/KiK-net trace. ObsPy has already taken JST (UTC+9)
    and the logger's 15 s delay off stats.starttime, and 9 h off the origin time `knet.evot`."""
    knet = trace.stats.knet
    expected = int(round(float(knet.duration) * float(trace.stats.sampling_rate)))
    if trace.stats.npts != expected:  # NIED files hold exactly Duration Time × Sampling Freq samples
        raise InputError(path, f"the header's Duration Time(s) {knet.duration:g} at {trace.stats.sampling_rate:g} Hz "
                               f"gives {expected} samples, the file holds {trace.stats.npts}: truncated or damaged")
    origin = knet.evot.datetime
    metadata = event_metadata(magnitude=knet.mag, magnitude_type="Mj", hypo_lat=knet.evla, hypo_lon=knet.evlo,
                              hypo_depth_km=knet.evdp, sta_lat=knet.stla, sta_lon=knet.stlo, origin_time=origin)
    metadata["sta_elevation_m"] = float(knet.stel)
    metadata["orientation"] = orientation(trace.stats.channel)  # KiK-net NS1/UD2: 1 borehole, 2 surface
    acc_mps2 = np.asarray(trace.data, dtype=np.float64) * float(trace.stats.calib)
    return acc_mps2, "counts x K-NET scale factor (gal)", metadata, event_id(origin)


def _sac(path: Path, trace, units: str | None, quantity: str | None) -> tuple[np.ndarray, str, dict]:
    sac = trace.stats.sac
    metadata = _sac_metadata(path, trace)
    declared = _SAC_DECLARED.get(int(sac.get("idep", 5)))
    if declared is None:  # IUNKN, IVOLTS, …: as a miniSEED trace (StationXML beside it, else units)
        acc_mps2, unit, more = _undeclared(path, trace, units, quantity)
        return acc_mps2, unit, {**metadata, **more}
    if units is not None:  # the user's word overrules the header (CSN files declare IACC for values in g)
        acc_mps2, unit = _given(path, trace, units, quantity or _named_quantity(units) or declared[0])
        return acc_mps2, f"{unit} (given; the SAC header says idep={declared[2]})", metadata
    declared_quantity, declared_unit, idep_name = declared
    if quantity is not None and quantity != declared_quantity:
        raise InputError(path, f"{trace.id or 'trace'}: the SAC header declares {declared_quantity} "
                               f"(idep={idep_name}), not {quantity}; pass --units to read it as {quantity}")
    acc_mps2 = _convert(path, trace, declared_quantity, declared_unit)
    label = f"{trace.id}: " if trace.id.strip(".") else ""
    problem = None if _written_by_seisdiff(sac) else \
        level_problem(acc_mps2, declared_unit, declared_quantity, samples=trace.data)
    if problem is not None:
        raise InputError(path, f"{label}SAC idep={idep_name}: {problem}")
    return acc_mps2, _unit_text(declared_unit, declared_quantity, f"SAC idep={idep_name}"), metadata


def _sac_metadata(path, trace) -> dict:
    """Record.metadata from the SAC header's event and station fields (those that are set)."""
    sac = trace.stats.sac
    depth_km = sac_depth_km(sac.get("evdp"), path, in_km=_marked_km(sac))
    origin = None
    if "o" in sac and _sac_reference_known(sac) and "evla" in sac:
        reference = trace.stats.starttime - float(sac.get("b", 0.0))
        origin = (reference + float(sac["o"])).datetime
    metadata = event_metadata(magnitude=sac.get("mag"), hypo_lat=sac.get("evla"), hypo_lon=sac.get("evlo"),
                              hypo_depth_km=depth_km, sta_lat=sac.get("stla"), sta_lon=sac.get("stlo"),
                              origin_time=origin)
    if sac.get("stel") is not None:
        metadata["sta_elevation_m"] = float(sac["stel"])
    if "event_date" not in metadata and _sac_read_event_date(sac):
        metadata["event_date"] = _sac_read_event_date(sac)
    return metadata


def sac_depth_km(evdp, path="", in_km: bool = False) -> float | None:
    """The event depth (km) of SAC header value `evdp` (None: unset): as written where the file says km
    (`in_km`, SAC_EVDP_KM_MARK), else by the rule at MAX_DEPTH_KM, with one line on stderr for an ambiguous
    value (the first time it is seen) or one that is no depth in either unit."""
    if evdp is None or not math.isfinite(float(evdp)):
        return None
    evdp = float(evdp)
    if in_km:
        return evdp
    if evdp <= MAX_DEPTH_KM:
        if evdp > SHALLOW_KM and evdp not in _depth_warned:
            _depth_warned.add(evdp)
            print(f"read: warning: {path}: SAC evdp = {evdp:g} taken as {evdp:g} km (the SAC manual's unit); files "
                  f"of the older SAC gave metres ({evdp / 1000:g} km): if the event is that shallow, give its "
                  "hypo_depth_km with --metadata", file=sys.stderr)
        return evdp
    if evdp <= MAX_DEPTH_KM * 1000.0:
        return evdp / 1000.0                            # metres: no earthquake is deeper than MAX_DEPTH_KM
    if evdp not in _depth_warned:
        _depth_warned.add(evdp)
        print(f"read: warning: {path}: SAC evdp = {evdp:g} is deeper than any earthquake in km and in metres; "
              "depth left unknown (give hypo_depth_km with --metadata)", file=sys.stderr)
    return None


def _sac_event_date(iso_date: str) -> dict:
    """{SAC_EVENT_DATE: 'YYYYMMDD'} of a date 'YYYY-MM-DD'; {} for '' or anything else."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(iso_date).strip())
    return {SAC_EVENT_DATE: "".join(found.groups())} if found else {}


def _sac_read_event_date(sac) -> str:
    """'YYYY-MM-DD' of a seisdiff SAC file's SAC_EVENT_DATE (a valid date); '' otherwise."""
    text = str(sac.get(SAC_EVENT_DATE, "")).strip()
    if not (_written_by_seisdiff(sac) and re.fullmatch(r"\d{8}", text)):
        return ""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return ""


def _written_by_seisdiff(sac) -> bool:
    """True for a SAC file write_sac wrote (kuser1 = SAC_WRITER_MARK; every file that carries the evdp mark has it)."""
    return str(sac.get("kuser1", "")).strip().lower() == SAC_WRITER_MARK


def _marked_km(sac) -> bool:
    """True when the SAC header says its evdp is km (kuser0 = SAC_EVDP_KM_MARK, as write_sac writes)."""
    return str(sac.get("kuser0", "")).strip().lower() == SAC_EVDP_KM_MARK


def _sac_rate_hz(trace) -> float:
    """The sampling rate of a SAC trace: the shortest decimal rate (to 9 digits) whose float32 interval is
    within one float32 step of the header's delta (some writers store the step below, ObsPy #3408); ObsPy's
    rate where none is. ObsPy rounds delta to the microsecond: 128 Hz (delta 0.0078125) would be 128.0082 Hz."""
    delta = np.float32(trace.stats.sac.get("delta", 0.0))
    if not np.isfinite(delta) or delta <= 0:
        return float(trace.stats.sampling_rate)
    for digits in range(10):
        rate_hz = round(1.0 / float(delta), digits)
        if rate_hz > 0 and abs(np.float32(1.0 / rate_hz) - delta) <= np.spacing(delta):
            return rate_hz
    return float(trace.stats.sampling_rate)


def _sac_reference_known(sac) -> bool:
    """True when all six reference-time fields nzyear … nzmsec are defined (ObsPy leaves undefined ones,
    -12345, out of stats.sac and then counts time from 1970-01-01)."""
    return all(name in sac for name in _SAC_REFERENCE_TIME)


def _undeclared(path: Path, trace, units: str | None, quantity: str | None) -> tuple[np.ndarray, str, dict]:
    """A trace without a unit of its own: calibrated by the StationXML beside the file, else `units`."""
    xml = _stationxml_beside(path, trace)
    if xml is not None:
        return _from_stationxml(path, trace, xml)
    if units is None:
        if quantity in ("velocity", "displacement"):
            raise InputError(path, f"{trace.id or 'trace'} declares no unit; pass --units with the {quantity} "
                                   f"unit ({QUANTITY_UNITS_HELP[quantity]})")
        raise InputError(path, f"{trace.id or 'trace'} declares no unit ({_undeclared_kind(trace)}) and no "
                               f"NET.STA.xml StationXML is beside it; pass --units ({UNITS_HELP})")
    acc_mps2, unit = _given(path, trace, units, quantity or _named_quantity(units) or "acceleration")
    return acc_mps2, unit, {}


def _undeclared_kind(trace) -> str:
    """What samples without a unit likely are: integers raw counts; floating point a processed trace, as
    seisdiff's own miniSEED files are (write_mseed: m/s², m/s with `sample --output velocity`)."""
    if not np.issubdtype(np.asarray(trace.data).dtype, np.floating):
        return "raw counts?"
    return ("floating-point samples, so not raw counts; seisdiff's own miniSEED files hold m/s²: --units m/s^2, "
            "or m/s from `sample --output velocity`: --quantity velocity --units m/s")


def _given(path: Path, trace, units: str, quantity: str) -> tuple[np.ndarray, str]:
    """(acc_mps2, unit text) of samples the user says are `quantity` in `units`."""
    try:
        unit = canonical_unit(units) if quantity == "acceleration" else units
        return _convert(path, trace, quantity, units), _unit_text(unit, quantity, "given")
    except UserError:
        known = UNITS_HELP if quantity == "acceleration" else QUANTITY_UNITS_HELP[quantity]
        raise InputError(path, f"unknown --units {units!r} for {quantity}; {known}") from None


def _convert(path: Path, trace, quantity: str, unit: str) -> np.ndarray:
    """Samples of `quantity` in `unit` → acceleration in m/s² (differentiated for velocity/displacement)."""
    data = np.asarray(trace.data, dtype=np.float64)
    if quantity == "acceleration":
        return data * to_mps2_factor(unit)
    if data.size < 3:
        raise InputError(path, f"{trace.id or 'trace'}: {data.size} samples of {quantity} cannot be differentiated")
    return to_acceleration_mps2(data, float(trace.stats.sampling_rate), quantity, unit)


def _unit_text(unit: str, quantity: str, source: str) -> str:
    """Record.units_in_file: what was declared (and by whom), and whether it was differentiated."""
    if quantity == "acceleration":
        return unit  # as the AT2 reader and earlier versions report it: 'nm/s^2', 'g'
    times = "once" if quantity == "velocity" else "twice"
    return f"{quantity} in {unit} ({source}), differentiated {times} to m/s^2"


def _named_quantity(units: str) -> str | None:
    """The quantity a unit string names (acceleration, velocity, displacement), or None."""
    try:
        canonical_unit(units)
        return "acceleration"
    except UserError:
        pass
    for quantity in ("velocity", "displacement"):
        try:
            unit_factor_si(quantity, units)
            return quantity
        except UserError:
            pass
    return None


# --- FDSN StationXML beside the data -------------------------------------------------------------------

def _stationxml_beside(path: Path, trace) -> Path | None:
    """`NET.STA.xml` in the data file's folder, or None."""
    stats = trace.stats
    if not stats.network and not stats.station:
        return None
    for suffix in (".xml", ".XML"):
        candidate = path.parent / f"{stats.network}.{stats.station}{suffix}"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=32)
def _inventory_cached(xml: str, mtime_ns: int, size: int):
    return obspy.read_inventory(xml, format="STATIONXML")


def _inventory(path: Path, xml: Path):
    stat = xml.stat()
    try:
        return _inventory_cached(str(xml), stat.st_mtime_ns, stat.st_size)
    except Exception as exc:
        raise InputError(path, f"its StationXML {xml.name} cannot be read ({type(exc).__name__}: "
                               f"{' '.join(str(exc).split())[:200]}); fix or remove it") from exc


def _from_stationxml(path: Path, trace, xml: Path) -> tuple[np.ndarray, str, dict]:
    """(acc_mps2, unit text, metadata with station coordinates) of a trace in counts, by its response."""
    inventory = _inventory(path, xml)
    when = trace.stats.starttime
    where = f"{xml.name} has no response for {trace.id} at {when.isoformat()}"
    try:
        response = inventory.get_response(trace.id, when)
    except Exception:
        raise InputError(path, f"{where}; add that channel's epoch to the StationXML, or remove the XML and "
                               "pass --units") from None
    sensitivity = response.instrument_sensitivity
    stages = response.response_stages
    input_units = (sensitivity.input_units if sensitivity is not None and sensitivity.input_units
                   else stages[0].input_units if stages else None)
    if (sensitivity is None or not sensitivity.value) and not stages:
        raise InputError(path, f"{xml.name} gives {trace.id} neither response stages nor a sensitivity; "
                               "it cannot give acceleration")
    quantity = _named_quantity(input_units or "")
    if quantity is None:
        raise InputError(path, f"{xml.name}: the response of {trace.id} has input units {input_units!r}, "
                               "not ground acceleration, velocity or displacement; it cannot give acceleration")
    if _flat_response(response):
        counts = np.asarray(trace.data, dtype=np.float64) / float(sensitivity.value)
        acc_mps2 = (counts * to_mps2_factor(input_units) if quantity == "acceleration"
                    else to_acceleration_mps2(counts, float(trace.stats.sampling_rate), quantity, input_units))
        unit = f"counts / overall sensitivity of {xml.name} (flat; input units {input_units})"
    else:
        nyquist_hz = float(trace.stats.sampling_rate) / 2.0
        pre_filt = (0.05, 0.1, _PRE_FILT_NYQUIST[0] * nyquist_hz, _PRE_FILT_NYQUIST[1] * nyquist_hz)
        corrected = trace.copy()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                corrected.remove_response(inventory=inventory, output="ACC", pre_filt=pre_filt, water_level=None)
        except Exception as exc:
            raise InputError(path, f"the response of {trace.id} in {xml.name} cannot be removed "
                                   f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from exc
        acc_mps2 = corrected.data
        unit = f"counts, response removed with {xml.name} (input units {input_units})"
    return acc_mps2, unit, _station_metadata(inventory, trace)


def _flat_response(response) -> bool:
    """True where the stages cannot be trusted and the overall sensitivity is used as a flat response:
    no stages (e.g. CI.MIKB 2019), or every stage gain given and their product off the overall sensitivity
    by more than _GAIN_MISMATCH (SL.KOGS: stages from nm/s² to counts multiply to 180, the sensitivity
    is 4.3e-4 counts per nm/s²)."""
    sensitivity = response.instrument_sensitivity
    if sensitivity is None or not sensitivity.value:
        return False
    if not response.response_stages:
        return True
    gains = [stage.stage_gain for stage in response.response_stages]
    if any(g is None or not math.isfinite(g) or g == 0 for g in gains):
        return False  # e.g. UU.HRU: one poles-zeros stage with its gain unknown, which ObsPy handles
    return abs(float(np.prod(gains)) / float(sensitivity.value) - 1.0) > _GAIN_MISMATCH


def _station_metadata(inventory, trace) -> dict:
    try:
        coords = inventory.get_coordinates(trace.id, trace.stats.starttime)
    except Exception:  # coordinates are a courtesy: a response without them still calibrates
        return {}
    metadata = event_metadata(sta_lat=coords.get("latitude"), sta_lon=coords.get("longitude"))
    if coords.get("elevation") is not None:
        metadata["sta_elevation_m"] = float(coords["elevation"])
    try:
        dip = inventory.get_orientation(trace.id, trace.stats.starttime).get("dip")
    except Exception:
        dip = None
    if dip is not None and math.isfinite(float(dip)):
        metadata["orientation"] = "Z" if abs(float(dip)) > 45.0 else "H"
    return metadata


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


_CODE_FIELDS = ("network", "station", "location", "channel")
_CUT_WARNINGS = 10   # lines, then one saying that further cut codes are not listed
_cut_warned = [0]
_cut_from: dict = {}   # (format, field, cut code) → the first whole code written as it (a run's codes, per process)
_collided: set = set()   # those keys whose collision has had its warning line


def _codes(rec: Record, widths: tuple[int, int, int, int], fmt: str = "") -> tuple[str, str, str, str]:
    """(network, station, location, channel) for a record: record_id's when it is NET.STA.LOC.CHA with
    codes that fit, else the record's network, station, metadata["location"], component, each cut to
    its field width; a code cut is one warning line on stderr (the first _CUT_WARNINGS of a run)."""
    parts = rec.record_id.split(".")
    if len(parts) == 4 and all(len(p) <= w for p, w in zip(parts, widths)):
        return tuple(parts)
    own = (rec.network, rec.station, str((rec.metadata or {}).get("location", "")), rec.component)
    cut = [f"{field} {code!r} cut to {code[:w]!r} ({w} characters)"
           for field, code, w in zip(_CODE_FIELDS, own, widths) if len(code) > w]
    if cut:
        _cut_warned[0] += 1
        if _cut_warned[0] <= _CUT_WARNINGS:
            print(f"export: warning: {rec.record_id}: {'; '.join(cut)}{f' ({fmt} header)' if fmt else ''}",
                  file=sys.stderr)
        elif _cut_warned[0] == _CUT_WARNINGS + 1:
            print("export: warning: more codes cut to the header's field widths; not listed", file=sys.stderr)
    _warn_collisions(own, widths, fmt)
    return tuple(code[:w] for code, w in zip(own, widths))


def _warn_collisions(own: tuple, widths: tuple, fmt: str) -> None:
    """One warning line when a cut code equals another whole code's cut (K-NET's AOM001 and AOM002 both
    'AOM00' in miniSEED): the headers no longer tell those stations or channels apart, only the file names."""
    for field, code, w in zip(_CODE_FIELDS, own, widths):
        if len(code) <= w:
            continue
        key = (fmt, field, code[:w])
        first = _cut_from.setdefault(key, code)
        if first != code and key not in _collided:
            _collided.add(key)
            print(f"export: warning: {field} {first!r} and {code!r} (and any other {code[:w]}…) are all written as "
                  f"{code[:w]!r}{f' ({fmt} header)' if fmt else ''}: the headers no longer tell them apart, only the "
                  "file names do; don't merge these files by their codes (SAC keeps 8 characters)", file=sys.stderr)
