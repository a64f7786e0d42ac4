"""seisdiff's own exports read back: every header it writes (depth, places, codes, start time, rate, units)
comes back from its reader and from ObsPy as written."""
import numpy as np
import obspy
import pytest

from seisdiff.io import obspy_io
from seisdiff.io.export import export_records
from seisdiff.io.readers import read

pytestmark = pytest.mark.filterwarnings("ignore:Sample spacing read from SAC file")
PLACES = {"sta_lat": 35.525, "sta_lon": -117.365, "hypo_lat": 35.77, "hypo_lon": -117.599, "magnitude": 7.1}


@pytest.fixture
def acc():
    return np.random.default_rng(3).standard_normal((1, 1001)) * 0.5


@pytest.mark.parametrize("depth_km", [8.0, 120.0, 450.5, 700.0, 735.0])
def test_sac_event_depth_in_km_reads_back_without_a_warning(tmp_path, acc, capsys, monkeypatch, depth_km):
    """A 120 km deep event exported as SAC (evdp = 120, in km as the IRIS SAC manual gives it) was read back by
    seisdiff with the warning that 120 might be metres of an older SAC file, and a depth past 700 (735 km)
    came back as 0.735 km; seisdiff's files say their evdp is km (kuser0), ObsPy reads the same evdp."""
    monkeypatch.setattr(obspy_io, "_depth_warned", set())
    (path,) = export_records(tmp_path, "sac", acc, 100.0, ["deep"], [{**PLACES, "hypo_depth_km": depth_km}])
    capsys.readouterr()
    (rec,) = read(path)
    assert rec.metadata["hypo_depth_km"] == pytest.approx(depth_km)
    assert not capsys.readouterr().err
    assert obspy.read(str(path))[0].stats.sac.evdp == pytest.approx(depth_km)


def test_sac_without_a_depth_writes_no_depth_mark(tmp_path, acc):
    (path,) = export_records(tmp_path, "sac", acc, 100.0, ["shallow"], [PLACES])
    sac = obspy.read(str(path))[0].stats.sac
    assert "evdp" not in sac and "kuser0" not in sac
    assert "hypo_depth_km" not in read(path)[0].metadata


def test_foreign_sac_depth_rule_is_unchanged(tmp_path, capsys, monkeypatch):
    """A SAC file seisdiff did not write (no mark): evdp 120 is still ambiguous and warned about."""
    monkeypatch.setattr(obspy_io, "_depth_warned", set())
    trace = obspy.Trace(np.sin(np.arange(1000) / 10.0).astype(np.float32) * 1e8)
    trace.stats.sampling_rate = 100.0
    trace.stats.sac = obspy.core.AttribDict(idep=8, evla=35.77, evlo=-117.6, evdp=120.0, kuser0="other")
    trace.write(str(tmp_path / "f.sac"), format="SAC")
    capsys.readouterr()
    assert read(tmp_path / "f.sac")[0].metadata["hypo_depth_km"] == 120.0
    assert "0.12 km" in capsys.readouterr().err


@pytest.mark.parametrize("rate_hz", [100.0, 128.0, 512.0, 7.0, 99.99, 40.0, 0.5])
def test_sac_sampling_rate_reads_back_as_written(tmp_path, acc, rate_hz):
    """SAC holds delta as float32 (128 Hz: 0.0078125 exactly); ObsPy rounds it to the microsecond (0.007812 s)
    and read 128.00819 Hz (512 Hz: 512.0328, 7 Hz: 7.000007), which seisdiff's reader took as the record's
    rate: 1001 samples then end 0.5 ms early. The rate is now the shortest decimal whose float32 interval is
    the file's delta."""
    (path,) = export_records(tmp_path, "sac", acc, rate_hz, ["r"])
    (rec,) = read(path)
    assert rec.sampling_rate_hz == rate_hz and rec.acc_mps2.size == 1001
    assert obspy.read(str(path))[0].stats.sac.delta == np.float32(1.0 / rate_hz)


@pytest.mark.parametrize("delta_bits, rate_hz", [(0x3D23D70A, 25.0), (0x3D23D70B, 25.0), (0x3C23D70A, 100.0),
                                                  (0x3C23D709, 100.0)])
def test_sac_delta_one_float32_step_off_is_the_round_rate(tmp_path, delta_bits, rate_hz):
    """Some SAC writers store the float32 just below 0.04 s (ObsPy issue #3408): still 25 Hz, not 25.0000004."""
    delta = np.array([delta_bits], dtype=np.uint32).view(np.float32)[0]
    trace = obspy.Trace(np.sin(np.arange(1000) / 10.0).astype(np.float32) * 1e8)
    trace.stats.sac = obspy.core.AttribDict(idep=8)
    trace.write(str(tmp_path / "d.sac"), format="SAC")
    sac = obspy.io.sac.SACTrace.read(str(tmp_path / "d.sac"))
    sac.delta = delta
    sac.write(str(tmp_path / "d.sac"))
    assert read(tmp_path / "d.sac")[0].sampling_rate_hz == rate_hz


META = {"start_time": "2019-07-06T03:19:53.123456+00:00", "network": "CI", "station": "CCC", "location": "00",
        "channel": "HNE", "event": "ci38457511", **PLACES, "hypo_depth_km": 120.0}


@pytest.mark.parametrize("fmt", ["sac", "mseed"])
@pytest.mark.parametrize("rate_hz", [100.0, 200.0, 50.0])
def test_every_header_reads_back_as_written_by_seisdiff_and_obspy(tmp_path, acc, fmt, rate_hz):
    """Start time to the microsecond, codes, rate and length, and (SAC) places, unit and event, from both readers."""
    (path,) = export_records(tmp_path, fmt, acc, rate_hz, ["r"], [META])
    (rec,) = read(path, units="m/s^2" if fmt == "mseed" else None)
    (trace,) = obspy.read(str(path))
    start = obspy.UTCDateTime(META["start_time"])
    assert (rec.start_time, trace.stats.starttime) == (META["start_time"], start)
    channel = "HNE" if rate_hz >= 80 else "BNE"        # the SEED band code of the rate written (50 Hz: B)
    assert (rec.network, rec.station, rec.metadata["location"], rec.component) == ("CI", "CCC", "00", channel)
    assert trace.id == f"CI.CCC.00.{channel}"
    assert rec.sampling_rate_hz == trace.stats.sampling_rate == rate_hz
    assert rec.acc_mps2.size == trace.stats.npts == 1001
    assert trace.stats.endtime == start + 1000 / rate_hz
    if fmt == "sac":
        sac = trace.stats.sac
        assert (sac.idep, rec.units_in_file, rec.event, sac.kevnm) == (8, "nm/s^2", "ci38457511", "ci38457511")
        assert sac.delta == np.float32(1.0 / rate_hz)
        for key, field in (("sta_lat", "stla"), ("sta_lon", "stlo"), ("hypo_lat", "evla"), ("hypo_lon", "evlo"),
                           ("magnitude", "mag"), ("hypo_depth_km", "evdp")):
            assert rec.metadata[key] == pytest.approx(META[key], abs=1e-5) == sac[field]
        np.testing.assert_allclose(trace.data * 1e-9, acc[0], rtol=2e-7)
    np.testing.assert_allclose(rec.acc_mps2, acc[0], rtol=2e-7)


def test_at2_header_reads_back_as_written(tmp_path, acc):
    """AT2 keeps event, station, component, NPTS, DT and the unit (g); no start time, network or location."""
    (path,) = export_records(tmp_path, "at2", acc, 200.0, ["r"], [META])
    (rec,) = read(path)
    assert (rec.event, rec.station, rec.component, rec.units_in_file) == ("ci38457511", "CCC", "HNE", "g")
    assert (rec.sampling_rate_hz, rec.acc_mps2.size, rec.start_time) == (200.0, 1001, "")
    np.testing.assert_allclose(rec.acc_mps2, acc[0], rtol=1e-7)


@pytest.mark.parametrize("start_time, line2_date, iso_date", [
    ("2019-07-06T03:19:53.123456+00:00", "7/6/2019", "2019-07-06"), ("2007-07-16T01:13:22", "7/16/2007", "2007-07-16"),
    ("", "", "")])
def test_at2_date_is_the_start_times_as_peer_writes_it(tmp_path, acc, start_time, line2_date, iso_date):
    """Line 2 `event, date, station, component` was written with an empty date even when the start time was known;
    it is now the start time's date as NGA-West2's files give it (`Chuetsu-oki, 7/16/2007, FKS031, EW`), and reads
    back as the record's date."""
    (path,) = export_records(tmp_path, "at2", acc, 100.0, ["r"], [{**META, "start_time": start_time}])
    assert path.read_text().splitlines()[1] == f"ci38457511, {line2_date}, CCC, HNE"
    (rec,) = read(path)
    assert (rec.event, rec.metadata.get("event_date", ""), rec.station, rec.component) == ("ci38457511", iso_date, "CCC", "HNE")


def test_at2_date_has_ngaw2s_layout(ngaw2_dir, tmp_path, acc):
    """The date field as the shared NGA-West2 files write it: M/D/YYYY, no leading zeros."""
    real = (ngaw2_dir / "RSN5000_CHUETSU_FKS031EW.AT2").read_text().splitlines()[1]
    (path,) = export_records(tmp_path, "at2", acc, 100.0, ["r"], [{"event": "Chuetsu-oki", "station": "FKS031",
                                                                    "channel": "EW", "start_time": "2007-07-16T01:13"}])
    assert path.read_text().splitlines()[1] == real.strip()


@pytest.mark.parametrize("rate_hz", [99.99, 100.01, 123.45, 333.3, 99.9, 44100.0, 100.0, 128.0, 300.0, 0.5, 20000.0])
def test_at2_rate_reads_back_as_written(tmp_path, acc, rate_hz):
    """DT was printed with 10 decimals (%14.10f): 99.99 Hz read back as 99.99000000009998 Hz, 123.45 Hz as
    123.45000037, 44100 Hz as 44100.07. It is now the shortest decimal of 1/rate (PEER's `.0100` layout, no
    exponent), whose inverse is the rate; the real files' DT still reads as before."""
    (path,) = export_records(tmp_path, "at2", acc, rate_hz, ["r"])
    dt_field = path.read_text().splitlines()[3].split("DT=")[1]
    assert dt_field.endswith(" SEC") and "E" not in dt_field[:-4].upper()
    (rec,) = read(path)
    assert rec.sampling_rate_hz == rate_hz and rec.acc_mps2.size == 1001


@pytest.mark.parametrize("quantity", ["acceleration", "velocity"])
@pytest.mark.parametrize("peak_mps2", [5e-8, 60.0])
def test_seisdiffs_own_sac_reads_back_at_any_level(tmp_path, acc, quantity, peak_mps2):
    """seisdiff's own SAC output peaking at 5e-8 m/s² (a weak far station of a simulated grid) or 60 m/s² was
    refused on read-back as a unit error ('… peaks at 5.02e-08 m/s², below the noise of any sensor … likely in
    cm/s^2'), though it was written in nm/s² from m/s² and the same record as AT2 reads back. Its files are marked
    (kuser1 = SAC_WRITER_MARK) and skip the unit guess; its level is judged where it is used, as any format's."""
    signal = acc / np.abs(acc).max() * peak_mps2
    if quantity == "velocity":                          # a velocity (m/s) whose derivative peaks near peak_mps2
        signal = np.cumsum(signal, axis=-1) / 100.0
    (path,) = export_records(tmp_path, "sac", signal, 100.0, ["r"], quantity=quantity)
    (rec,) = read(path)
    assert obspy.read(str(path))[0].stats.sac.kuser1 == obspy_io.SAC_WRITER_MARK
    want = signal[0] if quantity == "acceleration" else np.gradient(signal[0], 0.01)
    assert not 1e-7 <= np.abs(want - want.mean()).max() <= 50.0                  # outside PLAUSIBLE_PEAK_MPS2
    np.testing.assert_allclose(rec.acc_mps2[1:-1], want[1:-1], rtol=2e-7, atol=1e-5 * peak_mps2)  # central diff.


def test_a_foreign_sac_at_an_implausible_level_is_still_refused(tmp_path):
    """Values in g under idep=IACC in a file seisdiff did not write: still refused as a unit error."""
    trace = obspy.Trace(np.sin(np.arange(1000) / 10.0).astype(np.float32) * 0.3)
    trace.stats.sac = obspy.core.AttribDict(idep=8, kuser1="other")
    trace.write(str(tmp_path / "g.sac"), format="SAC")
    with pytest.raises(Exception, match="below the noise of any sensor"):
        read(tmp_path / "g.sac")
