"""An unknown start time is not exported as a real one: SAC leaves the reference time nzyear … nzmsec
undefined (-12345), miniSEED (which cannot say "unknown") starts at 1970-01-01T00:00:00, and seisdiff
reads both back without a start time; known start times round-trip."""
import numpy as np
import obspy
import pytest
from obspy.io.sac import SACTrace

from seisdiff.io.export import export_records
from seisdiff.io.readers import read

NZ = ("nzyear", "nzjday", "nzhour", "nzmin", "nzsec", "nzmsec")
META = {"network": "XX", "station": "ABC", "location": "10", "channel": "HNZ"}


@pytest.fixture
def acc():
    return np.random.default_rng(7).standard_normal((1, 500)) * 0.1


@pytest.mark.parametrize("quantity", ["acceleration", "velocity"])
def test_sac_without_start_time_leaves_the_reference_time_undefined(tmp_path, acc, quantity):
    (path,) = export_records(tmp_path, "sac", acc, 100.0, ["x_r0"], meta=[META], quantity=quantity)
    header = SACTrace.read(str(path), headonly=True)
    assert all(getattr(header, name) is None for name in NZ)                    # -12345 in the file
    assert not any(name in obspy.read(str(path))[0].stats.sac for name in NZ)
    (rec,) = read(path)
    assert rec.start_time == "" and rec.station == "ABC"
    np.testing.assert_allclose(rec.acc_mps2[5:-5] if quantity == "velocity" else rec.acc_mps2,
                               np.gradient(acc[0], 0.01)[5:-5] if quantity == "velocity" else acc[0],
                               rtol=2e-7 if quantity == "acceleration" else 1e-6, atol=1e-6)


@pytest.mark.parametrize("fmt", ["sac", "mseed"])
def test_known_start_time_round_trips(tmp_path, acc, fmt):
    meta = [{**META, "start_time": "2020-05-06T07:08:09.500000"}]
    (path,) = export_records(tmp_path, fmt, acc, 100.0, ["x_r0"], meta=meta)
    (rec,) = read(path, units="m/s^2") if fmt == "mseed" else read(path)
    assert obspy.UTCDateTime(rec.start_time) == obspy.UTCDateTime("2020-05-06T07:08:09.5")


def test_mseed_without_start_time_reads_back_without_one(tmp_path, acc):
    (path,) = export_records(tmp_path, "mseed", acc, 100.0, ["x_r0"], meta=[META])
    assert obspy.read(str(path))[0].stats.starttime == obspy.UTCDateTime(0)       # miniSEED has no "unknown"
    (rec,) = read(path, units="m/s^2")
    assert rec.start_time == ""
    np.testing.assert_array_equal(rec.acc_mps2, acc[0])


def test_epoch_exactly_is_unknown_but_a_time_near_it_is_kept(tmp_path, acc):
    for name, start in (("epoch", "1970-01-01T00:00:00"), ("near", "1970-01-01T00:00:00.010000")):
        tr = obspy.Trace(acc[0].copy())
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "ABC", "channel": "HNZ",
                         "starttime": obspy.UTCDateTime(start)})
        tr.write(str(tmp_path / f"{name}.mseed"), format="MSEED")
    assert read(tmp_path / "epoch.mseed", units="m/s^2")[0].start_time == ""
    assert obspy.UTCDateTime(read(tmp_path / "near.mseed", units="m/s^2")[0].start_time) == \
        obspy.UTCDateTime("1970-01-01T00:00:00.01")


def test_sac_with_a_partial_reference_time_has_no_start(tmp_path, acc):
    sac = SACTrace(data=(acc[0] * 1e9).astype(np.float32), delta=0.01, idep="iacc", kstnm="ABC", b=0.0,
                   nzyear=2020, nzjday=10, nzhour=1, nzmin=2, nzsec=3)
    sac.nzmsec = None                                                               # -12345: undefined
    sac.write(str(tmp_path / "partial.sac"))
    (rec,) = read(tmp_path / "partial.sac")
    assert rec.start_time == ""


def test_dmg_record_without_start_time_exports_none(tmp_path, strongmotion_dir):
    src = read(strongmotion_dir / "dmg" / "19830502_coalinga" / "ce36456p_CE36456.V2")[0]
    assert src.start_time == ""
    meta = [{"station": src.station, "channel": src.component, "start_time": src.start_time}]
    (path,) = export_records(tmp_path, "sac", src.acc_mps2[None], src.sampling_rate_hz, ["dmg_r0"], meta=meta)
    assert "nzyear" not in obspy.read(str(path))[0].stats.sac
    assert read(path)[0].start_time == ""
