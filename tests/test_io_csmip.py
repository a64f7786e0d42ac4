"""CSMIP "Volume" family readers (dmg, usc, renadic, bhrc) on small files written here in the exact
layouts, plus RENADIC part joining on the shared Maule records (skipped when absent)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import STRONGMOTION_DIR
from seisdiff.errors import InputError
from seisdiff.io import read
from seisdiff.io.formats import bhrc, detect, dmg, renadic, usc
from seisdiff.io.record import Record
from seisdiff.io.units import G_MPS2

INT_LINES = ["    0" * 16] * 6 + ["    0" * 4]
REAL_LINES = ["     0.000" * 8] * 6 + ["     0.000" * 2]


def _rows(values, per_line: int, fmt: str, lead: str = "") -> list[str]:
    return [lead + "".join(fmt.format(v) for v in values[k:k + per_line])
            for k in range(0, len(values), per_line)]


def _pairs(times, acc, lead: str = "") -> list[str]:
    flat = np.column_stack([times, acc]).ravel()
    return _rows(flat, 10, "{:7.3f}", lead)


def _write(path: Path, lines: list[str], crlf: bool = True) -> Path:
    path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode("latin-1") + b"\r\n")
    return path


# ---------------------------------------------------------------- DMG -------------------------------
def _dmg_digital_channel(chan: int, label: str, acc_g, npts: int | None = None,
                         units: str = "g", rate: int = 100) -> list[str]:
    npts = len(acc_g) if npts is None else npts
    text = [
        "Uncorrected Accelerogram Data             Processed: 04/30/14, CGS  ciwlt1",
        "Rcrd of Fri Mar 28, 2014 21:09:34.0 PDT               (Avol1 v0.6, 3/14 CSMIP)",
        "                                        (Origin:  03/29/14, 04:09:20.5 UTC)",
        "15481673.CI.WLT.--.HN                Start time:  3/29/14, 04:09:34.0 UTC (GPS)",
        "Station Id. WLT     34.009N, 117.951W            s/n 4310  (3 Chns of  3 at Sta)",
        "Hacienda Heights                         SCSN   Data: Acceleration",
        f"Chan  {chan}: {label}",
        "Rcrd of Fri Mar 28, 2014 21:09:34.0 PDT    Fri Mar 28, 2014 21:09:34.0 PDT",
        "Hypocenter: 33.932N, 117.916W, H=5KM.     ML=5.1(CIT), MW=5.2(CIT)",
        "Instr Period =  .0050 sec,  Damping =  .707,  Sensitivity = 5.00 v/g  (Nominal)",
        f"No. of Points = {npts:6d}  Record Length =  0.100 sec   at {rate} Samples/sec",
        f"Units of uncor data are sec and {units} .        Max  =   .086 g , at  14.830 sec.",
        "RMS calc for complete record =        .   Chn. metadata effective date:",
    ]
    points = f"{npts:6d} Accelerogram points at {rate} pts/sec in units of {units} .      Format: (8f9.6)"
    return text + INT_LINES + REAL_LINES + [points] + _rows(acc_g, 8, "{:9.6f}") + [
        f"/&  ----------  END OF DATA FOR CHANNEL  {chan}  ----------"]


def _dmg_digital(tmp_path, name="CIWLT.RAW", **kwargs) -> Path:
    acc1 = np.array([0.001, -0.002, 0.0105, 0.25, -0.5, 0.0, 0.000015, -0.000011, 0.1, 0.2])
    acc2 = -acc1 / 2
    lines = _dmg_digital_channel(1, " 90 Deg", acc1, **kwargs) + _dmg_digital_channel(2, " Up", acc2)
    return _write(tmp_path / name, lines)


def test_dmg_digital_v1_units_header_and_detection(tmp_path):
    path = _dmg_digital(tmp_path, name="anything.dat")  # detection by content, not by extension
    assert detect(path) is dmg
    recs = read(path)
    assert [r.component for r in recs] == ["090", "UP"]
    assert [r.metadata["orientation"] for r in recs] == ["H", "Z"]
    assert recs[0].acc_mps2[3] == pytest.approx(0.25 * G_MPS2, rel=1e-12)
    assert recs[0].acc_mps2[2] == pytest.approx(0.0105 * 9.80665, rel=1e-12)
    assert recs[1].acc_mps2[4] == pytest.approx(0.25 * G_MPS2, rel=1e-12)
    rec = recs[0]
    assert rec.sampling_rate_hz == 100.0 and rec.acc_mps2.size == 10
    assert (rec.station, rec.network, rec.units_in_file) == ("WLT", "CI", "g")
    assert rec.start_time == "2014-03-29T04:09:34.000000+00:00"
    assert rec.event == "20140329T040920"
    assert rec.metadata["magnitude"] == 5.2 and rec.metadata["magnitude_type"] == "Mw"
    hypo = (rec.metadata["hypo_lat"], rec.metadata["hypo_lon"], rec.metadata["hypo_depth_km"])
    assert hypo == (33.932, -117.916, 5.0)
    assert (rec.metadata["sta_lat"], rec.metadata["sta_lon"]) == (34.009, -117.951)
    # epicentral ≈ 9.17 km on the ellipsoid, 5 km deep
    assert rec.metadata["distance_km"] == pytest.approx(np.hypot(9.17, 5.0), abs=0.1)
    assert [r.record_id for r in recs] == ["anything_090", "anything_UP"]


def test_dmg_digital_count_disagrees_with_data(tmp_path):
    with pytest.raises(InputError, match="truncated"):
        read(_dmg_digital(tmp_path, npts=12))
    with pytest.raises(InputError, match="longer than its header"):
        read(_dmg_digital(tmp_path, npts=8))


def test_dmg_unknown_units(tmp_path):
    with pytest.raises(InputError, match="unknown acceleration unit"):
        read(_dmg_digital(tmp_path, units="counts"))
    with pytest.raises(InputError, match="unknown acceleration unit"):  # a scaled g is not guessed
        read(_dmg_digital(tmp_path, units="10*g"))


def _dmg_analog(tmp_path, times, acc, npts=None, units_line="UNITS OF UNCOR ACCEL ARE SEC AND G/10.") -> Path:
    npts = len(times) if npts is None else npts
    text = [
        "UNCORRECTED ACCELEROGRAM DATA              PROCESSED: 07/16/98, CDMG 13160",
        "BIG BEAR EARTHQUAKE",
        "JUNE 28, 1992 08:05 PDT                 (ORIGIN(USGS): 06/28/92, 15:05:30.5 UTC)",
        "13160-S1690-92184.03",
        "STATION NO. 13160   33.634N, 117.902W     SMA-1  S/N 1690",
        "NEWPORT BEACH - IRVINE AVE. FIRE STATION",
        "CHAN  1:  90 DEG",
        "BIG BEAR EARTHQUAKE     JUNE 28, 1992 08:05 PDT",
        "HYPOCENTER(CIT/USGS): 34.201N,116.826W, H=7KM.     MS=6.6(NEIC), MW=6.4(CIT)",
        "INSTR PERIOD =  .0388 SEC,  DAMPING =  .561,  SENSITIVITY = 1.77 CM/G.",
        f"NO. OF POINTS = {npts:6d}  RECORD LENGTH = 59.998 SEC",
        units_line + "     MAX  =  -.055 G, AT  15.992 SEC.",
        "RMS ACCEL OF COMPLETE RECORD =  .006 G.",
    ]
    return _write(tmp_path / "NEWPORT.RAW", text + INT_LINES + REAL_LINES + _pairs(times, acc)
                  + ["/&  ----------  END OF DATA FOR CHANNEL  1  ----------"])


def test_dmg_analog_uneven_pairs_resampled_at_200_hz(tmp_path):
    times = np.array([0.0, 0.004, 0.010, 0.013, 0.020, 0.026, 0.030, 0.035, 0.041, 0.045])
    acc = np.array([0.0, 0.4, -1.0, 0.3, 0.2, -0.6, 1.0, 0.0, -0.2, 0.1])
    (rec,) = read(_dmg_analog(tmp_path, times, acc))
    assert rec.sampling_rate_hz == 200.0
    assert rec.acc_mps2.size == 10  # 0, 0.005, …, 0.045 s
    grid = np.arange(10) * 0.005
    assert np.allclose(rec.acc_mps2, np.interp(grid, times, acc) * G_MPS2 / 10, rtol=1e-12, atol=1e-15)
    assert rec.acc_mps2[2] == pytest.approx(-1.0 * G_MPS2 / 10)  # a sample on the grid keeps its value
    assert rec.units_in_file == "g/10" and rec.start_time == ""  # analog: no reliable absolute time
    assert rec.event == "19920628T150530" and rec.station == "13160"
    assert rec.metadata["magnitude"] == 6.4 and rec.metadata["hypo_depth_km"] == 7.0


def test_dmg_analog_damage(tmp_path):
    times, acc = np.arange(10) * 0.005, np.linspace(-1, 1, 10)
    with pytest.raises(InputError, match="truncated"):
        read(_dmg_analog(tmp_path, times, acc, npts=11))
    with pytest.raises(InputError, match="no `UNITS"):
        read(_dmg_analog(tmp_path, times, acc, units_line="ACCEL OF UNCOR DATA IN SEC"))
    times[4] = times[3]
    with pytest.raises(InputError, match="does not increase"):
        read(_dmg_analog(tmp_path, times, acc))


def _dmg_v2(tmp_path, acc_cmss, npts=None) -> Path:
    npts = len(acc_cmss) if npts is None else npts
    text = [
        "CORRECTED ACCELEROGRAM   24399-S0416-87278.01.1     CHAN  1:  90 DEG     FROM",
        "UNCORRECTED ACCELEROGRAM DATA              PROCESSED: 11/21/87, CDMG QW87A399",
        "WHITTIER EARTHQUAKE",
        "OCTOBER 1, 1987  07:42 PDT              (ORIGIN(CIT): 10/01/87, 14:42:20.0 GMT)",
        "24399-S0416-87278.01.1             TRIGGER TIME: 10/01/87, 14:42:24.0 GMT",
        "STATION NO. 24399   34.224N, 118.057W     SMA-1  S/N 0416",
        "MT. WILSON - CALTECH SEISMIC STATION",
        "CHAN  1:  90 DEG",
        "WHITTIER EARTHQUAKE     OCTOBER 1, 1987  07:42 PDT",
        "HYPOCENTER(CIT): 34.062N, 118.078W, H=9KM.       ML=6.1(CIT).",
    ] + ["TEXT"] * 15
    body = [f"{npts:5d} POINTS OF ACCEL DATA EQUALLY SPACED AT  .020 SEC.  (UNITS: CM/SEC/SEC)"]
    body += _rows(acc_cmss, 8, "{:10.3f}")
    body += [f"{npts:5d} POINTS OF VELOC DATA EQUALLY SPACED AT  .020 SEC.  (UNITS: CM/SEC)"]
    body += _rows(np.full(len(acc_cmss), 999.0), 8, "{:10.3f}")
    body += [f"{npts:5d} POINTS OF DISPL DATA EQUALLY SPACED AT  .020 SEC.  (UNITS: CM)"]
    body += _rows(np.full(len(acc_cmss), 888.0), 8, "{:10.3f}")
    lines = text + INT_LINES + REAL_LINES + REAL_LINES[:6] + body  # V2: 25 text, 7 int, 13 real lines
    return _write(tmp_path / "MTWILSON.V2", lines + ["/&  ----------  END OF DATA FOR CHANNEL  1  ----------"])


def test_dmg_v2_returns_acceleration_only(tmp_path):
    acc = np.array([-4.294, -6.917, -171.321, 1.985, 6.769, 2.259, 5.73, 4.008, 2.637, -0.567])
    recs = read(_dmg_v2(tmp_path, acc))
    assert len(recs) == 1  # velocity and displacement are not traces
    rec = recs[0]
    assert rec.sampling_rate_hz == 50.0 and rec.units_in_file == "cm/sec/sec"
    assert np.allclose(rec.acc_mps2, acc / 100, rtol=1e-12)
    assert rec.start_time == ""  # SMA-1: analog
    assert rec.metadata["magnitude"] == 6.1 and rec.metadata["magnitude_type"] == "ML"
    assert rec.event == "19871001T144220"
    with pytest.raises(InputError, match="truncated"):
        read(_dmg_v2(tmp_path, acc, npts=11))


# ---------------------------------------------------------------- RENADIC ---------------------------
def _renadic_channel(chan: int, label: str, acc, npts=None, station_line=None, hypo_line=None,
                     units="G/10") -> list[str]:
    npts = len(acc) if npts is None else npts
    times = np.arange(len(acc)) * 0.01
    text = [
        "UNCORRECTED ACCELEROGRAM DATA              PROCESSED: 05/24/2011",
        "MAULE 2010",
        "02/27/2010 3:53:52 (GMT)                (ORIGIN: 02/27/2010 3:53:52 GMT)",
        "                                   TRIGGER TIME: 2/27/2010 3:54:12.000 GMT",
        station_line or "STATION NO.          0.000N    0.000E  QDR       S/N  760 (3  CHNS OF 3  AT STA)",
        "ANGOL S/N 760",
        f"CHAN  {chan}: {label:<8} (STA CHN:  {chan})",
        "UNIVERSIDAD DE CHILE - RENADIC",
        hypo_line or "HYPOCENTER:   0.000N    0.000E  H=   0.0KM   MW= 8.8",
        "INSTR PERIOD = 0.0391 SEC,  DAMPING =0.7000,  SENSITIVITY =1.250 VDC/G",
        f"NO. OF POINTS = {npts:6d}  RECORD LENGTH =  0.100 SEC",
        f"UNITS OF UNCOR ACCEL ARE SEC AND {units}.     MAX  = -0.682 G, AT  30.160 SEC",
        "RMS ACCEL OF COMPLETE RECORD = 0.106 G",
    ]
    return text + INT_LINES + REAL_LINES + _pairs(times, acc) + [
        f"/&  ----------  END OF DATA FOR CHANNEL {chan}  ----------"]


def _renadic(path: Path, scale: float = 1.0, **kwargs) -> Path:
    acc = scale * np.array([0.003, -10.012, 0.016, 0.007, 0.003, -0.017, 0.025, 0.0, 1.5, -0.5])
    lines = (_renadic_channel(1, "EW", acc, **kwargs) + _renadic_channel(2, "NZ", acc / 2)
             + _renadic_channel(3, "V", acc / 4) + _renadic_channel(4, "INTC", 0 * acc))
    return _write(path, lines, crlf=False)


def test_renadic_units_header_and_detection(tmp_path):
    path = _renadic(tmp_path / "angol1002271.V1")
    assert detect(path) is renadic and not dmg.sniff(path.read_text("latin-1")[:4096], path)
    recs = read(path)
    assert [r.component for r in recs] == ["EW", "NZ", "V"]  # INTC (not an accelerometer) skipped
    assert [r.metadata["orientation"] for r in recs] == ["H", "H", "Z"]  # NZ is a mistyped north label
    # `-10.012` touches its time field (`0.010-10.012`): fixed-width columns keep them apart
    assert recs[0].acc_mps2[1] == pytest.approx(-10.012 * G_MPS2 / 10, rel=1e-12)
    assert recs[0].sampling_rate_hz == 100.0 and recs[0].acc_mps2.size == 10
    rec = recs[0]
    assert (rec.station, rec.network, rec.start_time, rec.event) == ("760", "C", "", "")
    assert "sta_lat" not in rec.metadata and "hypo_lat" not in rec.metadata  # 0.000N 0.000E = not given
    assert rec.metadata["magnitude"] == 8.8 and "distance_km" not in rec.metadata


def test_renadic_real_coordinates_kept(tmp_path):
    path = _renadic(tmp_path / "arica0911131.v1",
                    station_line="STATION NO.         18.483S   70.314W  ETNA      S/N  815 (4  CHNS OF 4  AT STA)",
                    hypo_line="HYPOCENTER:  19.400S   70.300W  H=  30.0KM   ML= 6.5")
    rec = read(path)[0]
    assert (rec.metadata["sta_lat"], rec.metadata["sta_lon"]) == (-18.483, -70.314)
    assert (rec.metadata["hypo_lat"], rec.metadata["hypo_lon"], rec.metadata["hypo_depth_km"]) == (-19.4, -70.3, 30.0)
    assert rec.metadata["magnitude"] == 6.5 and rec.metadata["distance_km"] == pytest.approx(105.0, abs=3.0)


def test_renadic_damage(tmp_path):
    with pytest.raises(InputError, match="truncated"):
        read(_renadic(tmp_path / "a.v1", npts=11))
    with pytest.raises(InputError, match="unknown acceleration unit"):
        read(_renadic(tmp_path / "b.v1", units="VOLTS"))


def test_renadic_join_parts_synthetic(tmp_path):
    part1 = read(_renadic(tmp_path / "angol1002271parte1.v1"))
    part2 = read(_renadic(tmp_path / "angol1002271parte2.v1", scale=2.0))
    other = read(_renadic(tmp_path / "copiapo1002271.v1"))
    joined = renadic.join_parts(part1 + other + part2)
    assert [r.record_id for r in joined] == ["angol1002271_EW", "angol1002271_NZ", "angol1002271_V",
                                             "copiapo1002271_EW", "copiapo1002271_NZ", "copiapo1002271_V"]
    ew = joined[0]
    assert ew.acc_mps2.size == 20
    assert np.array_equal(ew.acc_mps2, np.concatenate([part1[0].acc_mps2, part2[0].acc_mps2]))
    assert ew.metadata["source_parts"] == ["angol1002271parte1.v1", "angol1002271parte2.v1"]
    assert joined[3] is other[0]  # other records unchanged
    # a lone part or a gap (parte1 + parte3) stays as it is
    part3 = [Record(r.acc_mps2, r.sampling_rate_hz, r.record_id.replace("parte2", "parte3"), component=r.component,
                    source_file=r.source_file.replace("parte2", "parte3")) for r in part2]
    assert [r.record_id for r in renadic.join_parts(part1 + part3)] == \
        [r.record_id for r in part1 + part3]


def test_renadic_join_parts_maule():
    folder = STRONGMOTION_DIR / "renadic" / "20100227_maule"
    if not (folder / "angol1002271parte1.v1").is_file():
        pytest.skip("shared RENADIC Maule records not found")
    records = []
    for path in sorted(folder.glob("*.v1")):
        records += read(path)
    joined = renadic.join_parts(records)
    assert len(records) == 27 and len(joined) == 27 - 6
    by_id = {r.record_id: r for r in joined}
    for station in ("angol1002271", "curico1002271"):
        parts = [r for r in records if r.record_id.startswith(station + "parte")]
        for comp in ("NS", "EW", "V"):
            whole = by_id[f"{station}_{comp}"]
            p1, p2 = (r for r in parts if r.component == comp)
            assert whole.acc_mps2.size == 20000 and whole.sampling_rate_hz == 100.0
            assert np.array_equal(whole.acc_mps2, np.concatenate([p1.acc_mps2, p2.acc_mps2]))
    assert by_id["hualane1002271_L"] is next(r for r in records if r.record_id == "hualane1002271_L")


# ---------------------------------------------------------------- BHRC ------------------------------
def _bhrc_channel(component: str, comp: str, acc, npts=None, units="UNITS ARE SECONDS AND G/10") -> list[str]:
    npts = len(acc) if npts is None else npts
    text = [
        "* VOL1DS FILE:  5520/01",
        "Inst Type = SSA-2",
        "Origin Time : 2012/08/11   12:23:16",
        "",
        component,
        "",
        f"COMP {comp}",
        "Ahar                      Station   38.474 N 47.059 E   Altitude 1360m   Azimuth L 352   T 82 ",
        "Epicenter 38.520 N 46.860 E   FD 12 Km mb      Ms      Mw6.1   M        ML   (BHRC   )",
        "INSTR PERIOD =  .019 SEC   DAMPING =  .640",
        f"NO. OF POINTS = {npts:6d}      DURATION =  {npts / 200:.3f}",
        units,
        "",
    ]
    return text + INT_LINES + REAL_LINES + _rows(acc, 10, "{:13.6E}") + ["/&"]


def _bhrc(path: Path, **kwargs) -> Path:
    acc = np.array([0.854257e-3, -0.138530e-1, 0.575668e-2, 1.5, -2.5, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, -0.6])
    lines = (_bhrc_channel("L", "L1", acc, **kwargs) + _bhrc_channel("V", "V2", acc / 2)
             + _bhrc_channel("T", "T3", acc / 3))
    return _write(path, lines, crlf=False)


def test_bhrc_units_header_and_detection(tmp_path):
    path = _bhrc(tmp_path / "5520-1.V1")
    assert detect(path) is bhrc
    recs = read(path)
    assert [r.component for r in recs] == ["L", "V", "T"]
    assert [r.metadata["orientation"] for r in recs] == ["H", "Z", "H"]
    rec = recs[0]
    assert rec.acc_mps2[4] == pytest.approx(-2.5 * G_MPS2 / 10, rel=1e-12)
    assert rec.acc_mps2[1] == pytest.approx(-0.138530e-1 * G_MPS2 / 10, rel=1e-12)
    assert rec.sampling_rate_hz == 200.0 and rec.acc_mps2.size == 12
    assert (rec.station, rec.network, rec.start_time, rec.event) == ("5520", "I1", "", "20120811T122316")
    assert rec.metadata["magnitude"] == 6.1 and rec.metadata["magnitude_type"] == "Mw"
    assert (rec.metadata["sta_lat"], rec.metadata["sta_lon"]) == (38.474, 47.059)
    assert rec.metadata["hypo_depth_km"] == 12.0
    assert rec.metadata["distance_km"] == pytest.approx(21.7, abs=0.2)  # 18.1 km epicentral, 12 km deep


def test_bhrc_damage(tmp_path):
    with pytest.raises(InputError, match="truncated"):
        read(_bhrc(tmp_path / "a.V1", npts=13))
    with pytest.raises(InputError, match="longer than its header"):
        read(_bhrc(tmp_path / "b.V1", npts=11))
    with pytest.raises(InputError, match="unknown acceleration unit"):
        read(_bhrc(tmp_path / "c.V1", units="UNITS ARE SECONDS AND VOLTS"))
    with pytest.raises(InputError, match="no `UNITS"):
        read(_bhrc(tmp_path / "d.V1", units=""))


# ---------------------------------------------------------------- USC -------------------------------
def _usc(path: Path, times, acc, npts=None, comp="S58W", trailer=("VLEE $",),
         units="UNITS ARE SEC AND G/10", reals=REAL_LINES) -> Path:
    npts = len(times) if npts is None else npts
    text = [
        "FILE     0 OF UNCORRECTED ACCELEROGRAM DATA OF VOLUME I:",
        "WHITTIER NARROWS EARTHQUAKE",
        "OCT 01, 1987 -1442 GMT",
        "IBA338  87.420.0 N",
        "STATION USC# 0042   33 46 34N, 118 24 40W",
        "2161 VIA OLIVERA, PALOS VERDES ESTATES, CA",
        f"COMP {comp}",
        "WHITTIER NARROWS EARTHQUAKE   OCT 01, 1987 -1442 GMT",
        "EPICENTER -   34 03 29N, 118 04 30W",
        "INSTR PERIOD =  .039 SEC   DAMPING =  .584   SENSITIVITY =  1.84 CM/G",
        f"NO. OF POINTS = {npts:6d}      DURATION =  11.435 SEC",
        units,
        "RMS ACCLN. OF COMPLETE RECORD =     .030 G/10",
    ]
    text = [f"{line:<72}{k + 1:2d}VOL1" for k, line in enumerate(text)]  # line numbers in columns 73-74
    return _write(path, text + INT_LINES + reals + _pairs(times, acc, lead=" ") + list(trailer))


def test_usc_uneven_resampled_header_and_detection(tmp_path):
    times = np.array([0.0, 0.005, 0.010, 0.014, 0.020, 0.025, 0.031, 0.035, 0.040, 0.045, 0.050, 0.054])
    acc = np.array([-0.026, 0.002, 0.029, 0.057, -0.5, 0.043, 0.016, -0.012, 0.2, 0.1, 0.0, -0.1])
    path = _usc(tmp_path / "274o42pv.s0a", times, acc)
    assert detect(path) is usc
    (rec,) = read(path)
    assert rec.sampling_rate_hz == 200.0 and rec.acc_mps2.size == 11  # 0 … 0.050 s
    assert np.allclose(rec.acc_mps2, np.interp(np.arange(11) * 0.005, times, acc) * G_MPS2 / 10, atol=1e-15)
    assert rec.acc_mps2[4] == pytest.approx(-0.5 * G_MPS2 / 10)
    assert (rec.station, rec.component, rec.network, rec.start_time) == ("42", "S58W", "LA", "")
    assert rec.record_id == "274o42pv_s0a" and rec.event == "19871001T144200"
    assert rec.metadata["sta_lat"] == pytest.approx(33 + 46 / 60 + 34 / 3600)
    assert rec.metadata["sta_lon"] == pytest.approx(-(118 + 24 / 60 + 40 / 3600))
    assert rec.metadata["hypo_lat"] == pytest.approx(34 + 3 / 60 + 29 / 3600)
    assert "distance_km" not in rec.metadata  # no depth in the header
    (up,) = read(_usc(tmp_path / "274o42pv.s0b", times, acc, comp=" UP"))
    assert up.metadata["orientation"] == "Z" and up.record_id == "274o42pv_s0b"


# station 42's real header lines 1–2 (274o42pv.s0a): …, epicentre 34.058 N 118.075 W; station 33.776 N
# 118.411 W, epicentral distance 44.152 km, magnitude 5.9, 0, 10.000
USC_REALS = ["      .039      .584    11.435      .030      .100     1.840    34.058   118.075",
             "    33.776   118.411    44.152     5.900      .000    10.000      .000      .000"]


@pytest.mark.parametrize("distance, magnitude, want", [("44.152", "5.900", 5.9), ("60.000", "5.900", None),
                                                       ("44.152", "  .000", None), ("", "5.900", None)])
def test_usc_magnitude_only_where_the_real_header_layout_holds(tmp_path, distance, magnitude, want):
    """The magnitude is real line 2's field 4 where field 3 is the epicentral distance between the header's
    epicentre and station (within 1 km or 3 %); another layout, a zero or a blank gives none."""
    times, acc = np.arange(10) * 0.005, np.linspace(-1, 1, 10)
    line2 = USC_REALS[1][:20] + f"{distance:>10}" + f"{magnitude:>10}" + USC_REALS[1][40:]
    (rec,) = read(_usc(tmp_path / "m.s0a", times, acc, reals=[USC_REALS[0], line2] + REAL_LINES[2:]))
    assert rec.metadata.get("magnitude") == want
    assert "hypo_depth_km" not in rec.metadata and "distance_km" not in rec.metadata


def test_usc_damage(tmp_path):
    times, acc = np.arange(10) * 0.005, np.linspace(-1, 1, 10)
    with pytest.raises(InputError, match="truncated"):
        read(_usc(tmp_path / "a.s0a", times, acc, npts=11))
    with pytest.raises(InputError, match="header count disagrees"):
        read(_usc(tmp_path / "b.s0a", times, acc, npts=5))
    with pytest.raises(InputError, match="unknown acceleration unit"):
        read(_usc(tmp_path / "c.s0a", times, acc, units="UNITS ARE SEC AND INCHES"))


def test_sniffers_do_not_overlap(tmp_path):
    files = [_dmg_digital(tmp_path), _renadic(tmp_path / "x.v1"), _bhrc(tmp_path / "y.V1"),
             _usc(tmp_path / "z.s0a", np.arange(4) * 0.005, np.zeros(4)),
             _dmg_v2(tmp_path, np.zeros(8))]
    for path in files:
        head = path.read_bytes()[:4096].decode("latin-1")
        assert sum(m.sniff(head, path) for m in (dmg, renadic, bhrc, usc)) == 1, path.name
    smc_head = "1 UNCORRECTED ACCELEROGRAM\n*\n" + "x\n" * 20
    assert not any(m.sniff(smc_head, Path("a.smc")) for m in (dmg, renadic, bhrc, usc))
