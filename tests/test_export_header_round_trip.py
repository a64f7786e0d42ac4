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
