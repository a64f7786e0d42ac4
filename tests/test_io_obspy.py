"""ObsPy formats: SAC idep units, K-NET calibration, miniSEED with --units, ids, and our writers."""
from pathlib import Path

import numpy as np
import obspy
import pytest
from obspy.core import AttribDict

from seisdiff.errors import InputError
from seisdiff.io.obspy_io import read_obspy, write_mseed, write_sac
from seisdiff.io.readers import read
from seisdiff.io.record import Record

OBSPY_KNET = Path(obspy.__file__).parent / "io" / "nied" / "tests" / "data" / "test.knet"


def _trace(data, sampling_rate=100.0, **codes):
    trace = obspy.Trace(np.asarray(data))
    trace.stats.sampling_rate = sampling_rate
    trace.stats.update(codes)
    return trace


@pytest.fixture
def signal():
    return np.random.default_rng(2).standard_normal(2000).astype(np.float32) * 1e8


def test_sac_iacc_is_nanometres_per_second_squared(tmp_path, signal):
    trace = _trace(signal, station="ABC", channel="HNZ")
    trace.stats.sac = AttribDict(idep=8, kevnm="quake1")
    trace.write(str(tmp_path / "a.sac"), format="SAC")
    (rec,) = read(tmp_path / "a.sac")
    np.testing.assert_array_equal(rec.acc_mps2, signal.astype(np.float64) * 1e-9)
    assert (rec.units_in_file, rec.station, rec.component, rec.event) == ("nm/s^2", "ABC", "HNZ", "quake1")
    # an explicit unit overrules the header (CSN files declare IACC for values in g)
    (rec,) = read_obspy(tmp_path / "a.sac", units="cm/s^2")
    np.testing.assert_array_equal(rec.acc_mps2, signal.astype(np.float64) * 0.01)
    assert rec.units_in_file.startswith("cm/s^2 (given")


@pytest.mark.parametrize("idep, quantity, times", [(6, "displacement", 2), (7, "velocity", 1)])
def test_sac_velocity_and_displacement_are_differentiated(tmp_path, idep, quantity, times):
    """SAC IVEL/IDISP (nm/s, nm by the SAC convention) come back as acceleration: ω^times × amplitude."""
    rate_hz, f_hz = 100.0, 1.0
    t = np.arange(4000) / rate_hz
    omega = 2 * np.pi * f_hz
    amplitude_si = 0.01  # m/s or m: 0.39 or 0.39·2π m/s² peak acceleration
    trace = _trace((amplitude_si * 1e9 * np.sin(omega * t)).astype(np.float32), sampling_rate=rate_hz)
    trace.stats.sac = AttribDict(idep=idep)
    trace.write(str(tmp_path / "v.sac"), format="SAC")
    (rec,) = read(tmp_path / "v.sac")
    want = amplitude_si * omega ** times * np.sin(omega * t + times * np.pi / 2)
    inner = slice(2, -2)  # one-sided differences at the ends, applied twice for displacement
    np.testing.assert_allclose(rec.acc_mps2[inner], want[inner], atol=2e-3 * np.abs(want).max())
    assert quantity in rec.units_in_file and "differentiated" in rec.units_in_file


def test_sac_without_declared_unit_uses_units_argument(tmp_path, signal):
    _trace(signal).write(str(tmp_path / "u.sac"), format="SAC")
    with pytest.raises(InputError, match="--units"):
        read(tmp_path / "u.sac")
    (rec,) = read(tmp_path / "u.sac", units="cm/s^2")
    np.testing.assert_array_equal(rec.acc_mps2, signal.astype(np.float64) * 0.01)


def test_mseed_counts_need_units(tmp_path):
    counts = np.arange(-3000, 3000, dtype=np.int32)
    _trace(counts, network="XX", station="STA", channel="HNE").write(str(tmp_path / "c.mseed"), format="MSEED")
    with pytest.raises(InputError, match="pass --units") as err:
        read(tmp_path / "c.mseed")
    assert "c.mseed" in str(err.value)
    (rec,) = read(tmp_path / "c.mseed", units="g")
    np.testing.assert_array_equal(rec.acc_mps2, counts.astype(np.float64) * 9.80665)
    assert rec.record_id == "c.XX.STA..HNE" and rec.network == "XX"


def test_own_mseed_without_units_is_named_as_m_per_s2_not_counts(tmp_path):
    """seisdiff's own miniSEED output (float64 m/s², no unit in the format) read back without --units was
    refused as 'declares no unit (raw counts?)'; the message now says float samples are no counts and
    names the unit seisdiff wrote (--units m/s^2; --quantity velocity --units m/s for --output velocity)."""
    rec = Record(acc_mps2=np.sin(np.arange(800) / 9.0) * 0.3, sampling_rate_hz=100.0, record_id="XX.STA..HNE")
    write_mseed(tmp_path / "gen_r0.mseed", [rec])
    with pytest.raises(InputError, match="pass --units") as err:
        read(tmp_path / "gen_r0.mseed")
    assert "raw counts?" not in str(err.value) and "--units m/s^2" in str(err.value)
    counts = np.arange(-3000, 3000, dtype=np.int32)
    _trace(counts, network="XX", station="STA", channel="HNE").write(str(tmp_path / "c.mseed"), format="MSEED")
    with pytest.raises(InputError, match=r"raw counts\?"):
        read(tmp_path / "c.mseed")


def test_ids_unique_across_channels_and_segments(tmp_path, signal):
    t0 = obspy.UTCDateTime(2020, 1, 1)
    traces = [_trace(signal, station="STA", channel=c) for c in ("HNE", "HNN")]
    late = _trace(signal, station="STA", channel="HNE")
    late.stats.starttime = t0 + 3600
    traces[0].stats.starttime = traces[1].stats.starttime = t0
    obspy.Stream(traces + [late]).write(str(tmp_path / "event1.mseed"), format="MSEED")
    ids = [r.record_id for r in read(tmp_path / "event1.mseed", units="m/s^2")]
    assert sorted(ids) == ["event1..STA..HNE_20200101T000000.000000", "event1..STA..HNE_20200101T010000.000000",
                           "event1..STA..HNN"]
    _trace(signal, network="IU", station="ANMO", location="00", channel="HNZ").write(
        str(tmp_path / "IU.ANMO.00.HNZ.mseed"), format="MSEED")
    assert read(tmp_path / "IU.ANMO.00.HNZ.mseed", units="m/s^2")[0].record_id == "IU.ANMO.00.HNZ"


def _knet_text(counts, scale="3920(gal)/6182761", max_acc="1.234"):
    header = [
        "Origin Time       2008/06/14 08:43:00", "Lat.              39.030", "Long.             140.880",
        "Depth. (km)       8", "Mag.              7.2", "Station Code      IWT010", "Station Lat.      39.0100",
        "Station Long.     140.9000", "Station Height(m) 120", "Record Time       2008/06/14 08:43:38",
        "Sampling Freq(Hz) 100Hz", "Duration Time(s)  20", "Dir.              N-S", f"Scale Factor      {scale}",
        f"Max. Acc. (gal)   {max_acc}", "Last Correction   2008/06/14 08:43:23", "Memo.",
    ]
    rows = [counts[i:i + 8] for i in range(0, len(counts), 8)]
    return "\n".join(header + ["".join(f"{c:9d}" for c in row) for row in rows]) + "\n"


def test_knet_counts_times_scale_factor_in_mps2(tmp_path):
    counts = np.random.default_rng(3).integers(-50000, 50000, 2000)
    path = tmp_path / "IWT0100806140843.NS"
    path.write_text(_knet_text(counts.tolist()))
    (rec,) = read(path, units="g")  # K-NET declares its own scale: units= is not applied
    gal_per_count = 3920.0 / 6182761.0  # from the header line, independent of ObsPy
    np.testing.assert_allclose(rec.acc_mps2, counts * gal_per_count * 0.01, rtol=1e-15)
    assert (rec.station, rec.component, rec.network, rec.sampling_rate_hz) == ("IWT010", "NS", "BO", 100.0)
    assert rec.record_id == "IWT0100806140843.BO.IWT010..NS"
    assert rec.metadata["magnitude"] == 7.2
    # hypocentral distance (epicentral on a sphere, R = 6371 km, and the hypocentre's depth below sea
    # level, as common.hypocentral_distance_km) agrees with the WGS84 one within 1 %
    lat1, lon1, lat2, lon2 = np.radians([39.03, 140.88, 39.01, 140.90])
    epi_km = 2 * 6371 * np.arcsin(np.sqrt(np.sin((lat2 - lat1) / 2) ** 2
                                          + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2))
    assert rec.metadata["distance_km"] == pytest.approx(np.hypot(epi_km, 8), rel=0.01)


@pytest.mark.skipif(not OBSPY_KNET.exists(), reason="ObsPy's K-NET test file is not installed")
def test_knet_peak_matches_header_max_acc():
    """K-NET's `Max. Acc. (gal)` is the peak after removing the mean: our m/s² must reproduce it."""
    (rec,) = read(OBSPY_KNET)
    peak_gal = np.abs(rec.acc_mps2 - rec.acc_mps2.mean()).max() * 100
    assert peak_gal == pytest.approx(4.383, abs=5e-4)


@pytest.mark.parametrize("dtype, encoding", [(np.float64, "FLOAT64"), (np.float32, "FLOAT32")])
def test_write_mseed_read_back_by_obspy_and_us(tmp_path, dtype, encoding):
    acc = np.random.default_rng(4).standard_normal(1500) * 0.2
    rec = Record(acc_mps2=acc, sampling_rate_hz=50.0, record_id="IU.ANMO.00.HNZ",
                 start_time="2021-03-04T05:06:07.250000")
    write_mseed(tmp_path / "w.mseed", [rec], dtype=dtype)
    (trace,) = obspy.read(str(tmp_path / "w.mseed"))
    assert trace.stats.mseed.encoding == encoding and trace.id == "IU.ANMO.00.HNZ"
    assert trace.stats.starttime == obspy.UTCDateTime("2021-03-04T05:06:07.25")
    np.testing.assert_array_equal(trace.data, acc.astype(dtype))
    (back,) = read(tmp_path / "w.mseed", units="m/s^2")
    np.testing.assert_array_equal(back.acc_mps2, acc.astype(dtype).astype(np.float64))
    assert (back.record_id, back.sampling_rate_hz) == ("w.IU.ANMO.00.HNZ", 50.0)  # stem + codes


def test_write_sac_follows_the_sac_convention(tmp_path):
    acc = np.random.default_rng(5).standard_normal(1500) * 0.2
    rec = Record(acc_mps2=acc, sampling_rate_hz=100.0, record_id="r1", station="FKS031", component="EW",
                 event="Chuetsu-oki")
    write_sac(tmp_path / "r1.sac", rec)
    (trace,) = obspy.read(str(tmp_path / "r1.sac"))
    assert (trace.stats.sac.idep, trace.stats.sac.kstnm, trace.stats.sac.kcmpnm) == (8, "FKS031", "EW")
    assert trace.stats.sac.kevnm == "Chuetsu-oki"
    np.testing.assert_allclose(trace.data * 1e-9, acc, rtol=1e-6, atol=1e-7 * np.abs(acc).max())
    (back,) = read(tmp_path / "r1.sac")
    np.testing.assert_array_equal(back.acc_mps2, trace.data.astype(np.float64) * 1e-9)
    assert (back.station, back.component, back.event) == ("FKS031", "EW", "Chuetsu-oki")


def test_mseed_codes_cut_alike_are_named(tmp_path, capsys):
    """K-NET's AOM001 … AOM009 (6 characters) all became 'AOM00' in miniSEED's 5-character station field with
    one 'cut to' line each (the first 10), nothing saying that the headers now share one station code: a
    user merging the files by their codes merges 9 stations. A line now names the collision."""
    from seisdiff.io.export import export_records

    acc = np.sin(np.arange(300) / 7.0)[None].repeat(3, axis=0) * 0.1
    meta = [{"network": "BO", "station": f"AOM00{k}", "channel": "NS"} for k in (1, 2, 3)]
    paths = export_records(tmp_path, "mseed", acc, 100.0, ["a", "b", "c"], meta)
    err = capsys.readouterr().err
    assert [obspy.read(str(p))[0].stats.station for p in paths] == ["AOM00"] * 3
    assert sum("all written as 'AOM00'" in line for line in err.splitlines()) == 1, err
    assert "'AOM001' and 'AOM002'" in err
