"""ObsPy-read native formats: SAC unit declarations (and their plausibility), miniSEED + StationXML
response removal, K-NET/KiK-net header metadata in UTC; seisdiff.io.validate's level rule."""
import numpy as np
import obspy
import pytest
from obspy.core import AttribDict
from obspy.core.inventory import Channel, Inventory, Network, Station
from obspy.core.inventory.response import InstrumentSensitivity, Response

from seisdiff.errors import InputError
from seisdiff.io.formats.common import hypocentral_distance_km
from seisdiff.io.obspy_io import read_obspy
from seisdiff.io.readers import read
from seisdiff.io.units import G_MPS2
from seisdiff.io.validate import (PLAUSIBLE_PEAK_MPS2, check_level, is_plausible_peak, level_problem,
                                  likely_unit)

pytestmark = pytest.mark.filterwarnings("ignore:ObsPy can not map unit")  # from_paz with nm/s**2, V

RATE_HZ = 100.0
T_S = np.arange(3000) / RATE_HZ


# --- validate: what level a recorded accelerogram can have --------------------------------------------

@pytest.mark.parametrize("peak, ok", [(5e-8, False), (1e-7, True), (3e-4, True), (39.0, True), (50.0, True),
                                      (60.0, False), (1e4 * G_MPS2, False)])
def test_plausible_peak_bounds(peak, ok):
    assert PLAUSIBLE_PEAK_MPS2 == (1e-7, 50.0)
    assert is_plausible_peak(peak) is ok


@pytest.mark.parametrize("peak, unit, quantity, integer, want", [
    (2.1e-11, "nm/s^2", "acceleration", False, "g"),        # CSN SAC: g under idep=IACC
    (150.0, "m/s^2", "acceleration", False, "cm/s^2"),      # 150 gal read as m/s²
    (3e8, "m/s^2", "acceleration", False, "nm/s^2"),        # SAC nm/s² read as m/s²
    (2.0e5, "m/s^2", "acceleration", True, "counts"),       # raw counts read as m/s²
    (0.3, "m/s^2", "acceleration", False, None),            # plausible: nothing to suggest
    (3e-10, "nm/s", "velocity", False, "cm/s"),              # velocity in cm/s under idep=IVEL
])
def test_likely_unit(peak, unit, quantity, integer, want):
    assert likely_unit(peak, unit, quantity, integer) == want


def test_level_problem_names_peak_and_fix(tmp_path):
    acc = 0.02 * np.sin(2 * np.pi * T_S) * 1e-9  # 0.02 g read as nm/s²
    text = level_problem(acc, "nm/s^2")
    assert "2e-11 m/s²" in text and "likely in g" in text and "--units g" in text and 'units="g"' in text
    assert "0.196 m/s²" in text  # 0.02 g in m/s², the level it would have
    assert level_problem(acc * 1e9 * G_MPS2, "g") is None
    with pytest.raises(InputError, match="likely in g") as err:
        check_level(tmp_path / "x.sac", acc, "nm/s^2")
    assert "x.sac" in str(err.value)


# --- SAC ---------------------------------------------------------------------------------------------

def _sac(path, data, idep, **sac):
    trace = obspy.Trace(np.asarray(data, dtype=np.float32))
    trace.stats.sampling_rate = RATE_HZ
    trace.stats.update({"network": "CJ", "station": "T001230", "channel": "HNZ"})
    trace.stats.starttime = obspy.UTCDateTime("2019-07-06T03:19:52")
    trace.stats.sac = AttribDict(idep=idep, **sac)
    trace.write(str(path), format="SAC")
    return path


def test_sac_iacc_in_g_is_a_unit_error_and_units_overrule(tmp_path):
    """CSN: idep=IACC (nm/s²) over values in g, the vertical with +1 g."""
    g_values = 1.0 + 0.05 * np.sin(2 * np.pi * T_S)
    path = _sac(tmp_path / "csn.bin", g_values, idep=8)  # detected by content, not extension
    with pytest.raises(InputError) as err:
        read(path)
    msg = str(err.value)
    assert "csn.bin" in msg and "idep=IACC" in msg and "likely in g" in msg
    assert "--units g" in msg and 'units="g"' in msg
    peak_g = float(np.abs(g_values.astype(np.float32) - g_values.astype(np.float32).mean()).max())
    assert f"{peak_g * G_MPS2:.3g} m/s²" in msg  # the peak it would have in m/s²
    (rec,) = read_obspy(path, units="g")
    np.testing.assert_allclose(rec.acc_mps2, g_values.astype(np.float32).astype(np.float64) * G_MPS2, rtol=1e-12)
    assert rec.units_in_file == "g (given; the SAC header says idep=IACC)"
    assert rec.start_time == "2019-07-06T03:19:52.000000+00:00"


def test_sac_ivel_in_nanometres_per_second_and_overruled(tmp_path):
    f_hz, v_nm_s = 2.0, 5e6  # 5 mm/s at 2 Hz → 2π·2·5e-3 = 0.0628 m/s² peak
    path = _sac(tmp_path / "v.sac", v_nm_s * np.sin(2 * np.pi * f_hz * T_S), idep=7)
    (rec,) = read(path)
    want = v_nm_s * 1e-9 * 2 * np.pi * f_hz * np.cos(2 * np.pi * f_hz * T_S)
    np.testing.assert_allclose(rec.acc_mps2[1:-1], want[1:-1], atol=0.003 * np.abs(want).max())
    assert rec.units_in_file == "velocity in nm/s (SAC idep=IVEL), differentiated once to m/s^2"
    # the user's unit keeps the header's quantity when it names none other
    (rec,) = read_obspy(path, units="um/s", quantity="velocity")
    np.testing.assert_allclose(rec.acc_mps2[1:-1], want[1:-1] * 1e3, atol=3.0 * np.abs(want).max())
    (rec,) = read_obspy(path, units="um/s")  # a velocity unit: velocity
    assert "velocity in um/s (given" in rec.units_in_file
    (rec,) = read_obspy(path, units="m/s^2")  # an acceleration unit overrules IVEL entirely
    np.testing.assert_allclose(rec.acc_mps2, v_nm_s * np.sin(2 * np.pi * f_hz * T_S).astype(np.float32), rtol=1e-6)
    with pytest.raises(InputError, match=r"declares velocity \(idep=IVEL\), not displacement"):
        read_obspy(path, quantity="displacement")


def test_sac_ivel_with_implausible_level_names_a_velocity_unit(tmp_path):
    path = _sac(tmp_path / "v.sac", 0.05 * np.sin(2 * np.pi * T_S), idep=7)  # values in m/s, declared nm/s
    with pytest.raises(InputError, match=r"velocity in nm/s.*below the noise.*--units cm/s"):
        read(path)


def test_sac_header_event_and_station(tmp_path):
    path = _sac(tmp_path / "e.sac", 1e8 * np.sin(2 * np.pi * T_S), idep=8, evla=35.77, evlo=-117.6, evdp=8.0,
                mag=7.1, stla=34.06, stlo=-118.34, o=1.04, kevnm="ci38457511")
    (rec,) = read(path)
    meta = rec.metadata
    assert (meta["magnitude"], meta["hypo_depth_km"], rec.event) == (pytest.approx(7.1), 8.0, "ci38457511")
    assert meta["distance_km"] == pytest.approx(hypocentral_distance_km(35.77, -117.6, 8.0, 34.06, -118.34), rel=1e-6)
    assert meta["origin_time"] == "2019-07-06T03:19:53.040000+00:00"


@pytest.mark.parametrize("evdp, depth_km", [(8.0, 8.0), (650.0, 650.0), (800.0, 0.8), (12000.0, 12.0)])
def test_sac_depth_beyond_any_earthquake_is_metres(tmp_path, evdp, depth_km):
    """evdp 800 was read as 800 km (metres were assumed only above 1000); no earthquake is deeper than ~700 km."""
    path = _sac(tmp_path / "d.sac", 1e8 * np.sin(2 * np.pi * T_S), idep=8, evla=35.77, evlo=-117.6, evdp=evdp)
    assert read(path)[0].metadata["hypo_depth_km"] == pytest.approx(depth_km)


@pytest.mark.parametrize("evdp, depth_km, warns", [(8.0, 8.0, ""), (70.0, 70.0, ""), (500.0, 500.0, "0.5 km"),
                                                   (700.0, 700.0, "0.7 km"), (701.0, 0.701, ""),
                                                   (700000.0, 700.0, ""), (2.5e6, None, "depth left unknown")])
def test_sac_depth_where_km_and_metres_are_both_earthquakes_warns(tmp_path, capsys, monkeypatch, evdp, depth_km,
                                                                 warns):
    """The SAC manual: evdp in km, 'previously meters'. evdp = 500 (a 500 m deep event of an older file, or a
    500 km deep one) was read as 500 km without a word; between 70 and 700 both readings are earthquakes: km is
    kept and one line says so (with the metres reading and what to do). 2.5e6 (2,500 km even in metres) was
    read as 2,500 km; it is left unknown, in one line."""
    from seisdiff.io import obspy_io

    monkeypatch.setattr(obspy_io, "_depth_warned", set())
    path = _sac(tmp_path / "d.sac", 1e8 * np.sin(2 * np.pi * T_S), idep=8, evla=35.77, evlo=-117.6, evdp=evdp,
                stla=35.8, stlo=-117.6)
    capsys.readouterr()
    meta = read(path)[0].metadata
    err = capsys.readouterr().err.strip().splitlines()
    assert meta.get("hypo_depth_km", None) == (None if depth_km is None else pytest.approx(depth_km))
    if depth_km is None:
        assert "distance_km" not in meta or not np.isfinite(meta["distance_km"])
    assert (len(err) == 1 and str(path) in err[0] and warns in err[0]) if warns else not err, err
    read(path)
    assert not capsys.readouterr().err                  # once per value, not once per file of the event


def test_shared_csn_sac_files_give_no_event_depth(strongmotion_dir, capsys):
    """The shared SAC files (CSN, Ridgecrest M7.1; manifest depth 8.0 km from the event's catalogue) leave evdp
    unset: no depth is made up, and no warning."""
    import csv

    rows = [r for r in csv.DictReader(open(strongmotion_dir / "manifest.csv")) if r["format"] == "sac"]
    assert len(rows) == 3
    for row in rows:
        assert float(row["hypo_depth_km"]) == 8.0
        (rec,) = read(strongmotion_dir / row["path"], units="g")
        assert "hypo_depth_km" not in rec.metadata and rec.metadata["sta_lat"] == pytest.approx(float(row["sta_lat"]))
    assert "evdp" not in capsys.readouterr().err


def test_sac_velocity_without_unit_needs_units(tmp_path):
    path = _sac(tmp_path / "u.sac", np.sin(T_S) * 1e3, idep=5)  # IUNKN
    with pytest.raises(InputError, match="velocity unit"):
        read_obspy(path, quantity="velocity")
    (rec,) = read_obspy(path, units="cm/s", quantity="velocity")
    np.testing.assert_allclose(rec.acc_mps2[1:-1], 10 * np.cos(T_S[1:-1]), rtol=1e-3, atol=1e-3)


# --- miniSEED + StationXML ---------------------------------------------------------------------------

SENS = 2.0e5  # counts per m/s²


def _inventory(path, response_for, channels=("HNE", "HNZ"), start="2019-01-01"):
    chans = [Channel(code=c, location_code="", latitude=35.5, longitude=-117.7, elevation=700.0, depth=0.0,
                     azimuth=90.0 if c.endswith("E") else 0.0, dip=-90.0 if c.endswith("Z") else 0.0,
                     sample_rate=RATE_HZ, start_date=obspy.UTCDateTime(start), response=response_for(c))
             for c in channels]
    station = Station("STA", 35.5, -117.7, 700.0, channels=chans, start_date=obspy.UTCDateTime(start))
    Inventory(networks=[Network("XX", stations=[station])], source="test").write(str(path), format="STATIONXML")


def _flat_paz(gain=SENS, input_units="M/S**2"):
    return Response.from_paz(zeros=[], poles=[], stage_gain=gain, stage_gain_frequency=1.0,
                             input_units=input_units, output_units="COUNTS", normalization_frequency=1.0)


def _mseed(folder, channel, counts):
    trace = obspy.Trace(np.asarray(counts, dtype=np.int32))
    trace.stats.update({"network": "XX", "station": "STA", "channel": channel, "sampling_rate": RATE_HZ,
                        "starttime": obspy.UTCDateTime("2020-03-18T13:09:31")})
    path = folder / f"XX.STA..{channel}.mseed"
    trace.write(str(path), format="MSEED")
    return path


def test_mseed_with_stationxml_removes_response(tmp_path):
    _inventory(tmp_path / "XX.STA.xml", lambda c: _flat_paz())
    acc = 0.5 * np.sin(2 * np.pi * 1.0 * T_S)
    path = _mseed(tmp_path, "HNZ", np.round(acc * SENS))
    (rec,) = read(path)
    middle = slice(300, -300)  # outside ObsPy's 5 % taper
    np.testing.assert_allclose(rec.acc_mps2[middle], acc[middle], atol=0.01 * 0.5)
    assert rec.metadata == {"sta_lat": 35.5, "sta_lon": -117.7, "sta_elevation_m": 700.0, "orientation": "Z"}
    assert rec.units_in_file.startswith("counts, response removed with XX.STA.xml")
    assert rec.start_time == "2020-03-18T13:09:31.000000+00:00"
    (rec,) = read(_mseed(tmp_path, "HNE", np.round(acc * SENS)), units="g")  # the StationXML wins over units
    assert rec.metadata["orientation"] == "H" and np.abs(rec.acc_mps2).max() < 0.6


def test_stationxml_without_stages_is_a_flat_sensitivity(tmp_path):
    def response(_):
        return Response(instrument_sensitivity=InstrumentSensitivity(SENS, 1.0, "m/s**2", "counts"),
                        response_stages=[])
    _inventory(tmp_path / "XX.STA.xml", response)
    counts = np.arange(-500, 500) * 7
    (rec,) = read(_mseed(tmp_path, "HNE", counts))
    np.testing.assert_allclose(rec.acc_mps2, counts / SENS, rtol=1e-12)
    assert "flat" in rec.units_in_file


def test_stationxml_with_contradicting_stage_gains_uses_sensitivity(tmp_path):
    """SL.KOGS: sensitivity 4.28e-4 counts per nm/s², stages multiplying to 180."""
    def response(_):
        r = _flat_paz(gain=180.0, input_units="nm/s**2")
        r.instrument_sensitivity = InstrumentSensitivity(4.28e-4, 1.0, "nm/s**2", "COUNTS")
        return r
    _inventory(tmp_path / "XX.STA.xml", response)
    counts = np.arange(-500, 500) * 3
    (rec,) = read(_mseed(tmp_path, "HNZ", counts))
    np.testing.assert_allclose(rec.acc_mps2, counts / 4.28e-4 * 1e-9, rtol=1e-12)


@pytest.mark.parametrize("case, match", [
    ("missing channel", r"XX.STA.xml has no response for XX.STA..HNN at 2020-03-18T13:09:31"),
    ("before epoch", r"XX.STA.xml has no response for XX.STA..HNZ"),
    ("no response", r"XX.STA.xml has no response for XX.STA..HNZ"),
    ("volts", r"input units 'V', not ground acceleration"),
])
def test_stationxml_that_cannot_give_acceleration(tmp_path, case, match):
    if case == "volts":
        _inventory(tmp_path / "XX.STA.xml", lambda c: _flat_paz(input_units="V"))
    else:
        _inventory(tmp_path / "XX.STA.xml", lambda c: None if case == "no response" else _flat_paz(),
                   start="2021-01-01" if case == "before epoch" else "2019-01-01")
    path = _mseed(tmp_path, "HNN" if case == "missing channel" else "HNZ", np.arange(1000))
    with pytest.raises(InputError, match=match) as err:
        read(path)
    assert str(err.value).count("\n") == 0 and path.name in str(err.value)


def test_mseed_without_stationxml_needs_units(tmp_path):
    path = _mseed(tmp_path, "HNZ", np.arange(1000))
    with pytest.raises(InputError, match="no NET.STA.xml StationXML is beside it; pass --units"):
        read(path)
    (rec,) = read(path, units="cm/s^2")
    np.testing.assert_allclose(rec.acc_mps2, np.arange(1000) * 0.01)


def test_mseed_velocity_with_units_and_quantity(tmp_path):
    v_cm_s = np.round(1000 * np.sin(2 * np.pi * T_S))  # cm/s ×1 (integers for the int32 encoding)
    path = _mseed(tmp_path, "HHZ", v_cm_s)
    (rec,) = read_obspy(path, units="mm/s", quantity="velocity")
    want = np.gradient(v_cm_s * 1e-3, 1 / RATE_HZ, edge_order=2)
    np.testing.assert_allclose(rec.acc_mps2, want, rtol=1e-12)
    assert rec.units_in_file == "velocity in mm/s (given), differentiated once to m/s^2"


# --- K-NET / KiK-net ---------------------------------------------------------------------------------

def _knet(path, counts, direction="N-S", duration_s=None, rate_hz=100):
    duration_s = len(counts) / rate_hz if duration_s is None else duration_s
    header = [
        "Origin Time       2008/06/14 08:43:00", "Lat.              39.030", "Long.             140.880",
        "Depth. (km)       8", "Mag.              7.2", "Station Code      IWT010", "Station Lat.      39.0100",
        "Station Long.     140.9000", "Station Height(m) 120", "Record Time       2008/06/14 08:43:38",
        f"Sampling Freq(Hz) {rate_hz}Hz", f"Duration Time(s)  {duration_s:g}", f"Dir.              {direction}",
        "Scale Factor      7845(gal)/8223790", "Max. Acc. (gal)   1.234", "Last Correction   2008/06/14 08:43:23",
        "Memo.",
    ]
    rows = [counts[i:i + 8] for i in range(0, len(counts), 8)]
    path.write_text("\n".join(header + ["".join(f"{c:9d}" for c in row) for row in rows]) + "\n")
    return path


def test_knet_header_in_utc_with_event_and_distance(tmp_path):
    counts = np.random.default_rng(7).integers(-9000, 9000, 2000)
    (rec,) = read(_knet(tmp_path / "knet_record.txt", counts.tolist()))  # by content, any extension
    # Record Time 08:43:38 JST − 15 s logger delay − 9 h (ObsPy takes off both, once)
    assert rec.start_time == "2008-06-13T23:43:23.000000+00:00"
    assert rec.event == "20080613T234300"  # origin 08:43:00 JST in UTC
    meta = rec.metadata
    assert (meta["magnitude"], meta["magnitude_type"], meta["hypo_lat"], meta["hypo_lon"], meta["hypo_depth_km"]) == \
        (7.2, "Mj", 39.03, 140.88, 8.0)
    assert (meta["sta_lat"], meta["sta_lon"], meta["sta_elevation_m"], meta["orientation"]) == \
        (39.01, 140.9, 120.0, "H")
    assert meta["distance_km"] == hypocentral_distance_km(39.03, 140.88, 8.0, 39.01, 140.9)
    assert meta["origin_time"] == "2008-06-13T23:43:00.000000+00:00"
    np.testing.assert_allclose(rec.acc_mps2, counts * 7845 / 8223790 * 0.01, rtol=1e-14)


def test_kiknet_surface_vertical(tmp_path):
    (rec,) = read(_knet(tmp_path / "IWTH250806140843.UD2", list(range(-400, 400)), direction="6", rate_hz=200))
    assert (rec.component, rec.sampling_rate_hz, rec.metadata["orientation"]) == ("UD2", 200.0, "Z")


def test_knet_sample_count_disagreeing_with_header(tmp_path):
    path = _knet(tmp_path / "IWT0100806140843.NS", list(range(2000)), duration_s=30)
    with pytest.raises(InputError, match="Duration Time.*3000 samples, the file holds 2000: truncated"):
        read(path)


def test_knet_damaged_data_line(tmp_path):
    path = _knet(tmp_path / "IWT0100806140843.EW", list(range(2000)))
    path.write_text(path.read_text().replace("     1000", "     1O00"))
    with pytest.raises(InputError, match="cannot be read") as err:
        read(path)
    assert "IWT0100806140843.EW" in str(err.value) and "\n" not in str(err.value)
