"""Codes too long for a header field: the other codes, the location included, are kept, and each code
cut is one warning line (miniSEED XX.ABCDEF.10.HNZ → XX.ABCDE.10.HNZ, not XX.ABCDE..HNZ)."""
import numpy as np
import obspy
import pytest

import seisdiff.io.obspy_io as obspy_io
from seisdiff.io.export import export_records
from seisdiff.io.readers import read

META = {"network": "XX", "station": "ABCDEF", "location": "10", "channel": "HNZ", "start_time": "2020-01-02T03:04:05"}


@pytest.fixture(autouse=True)
def _fresh_warning_count(monkeypatch):
    monkeypatch.setattr(obspy_io, "_cut_warned", [0], raising=False)


@pytest.fixture
def acc():
    return np.random.default_rng(6).standard_normal((1, 400)) * 0.1


def test_mseed_keeps_the_location_when_the_station_is_cut(tmp_path, acc, capsys):
    (path,) = export_records(tmp_path, "mseed", acc, 100.0, ["long_r0"], meta=[META])
    (tr,) = obspy.read(str(path))
    assert tr.id == "XX.ABCDE.10.HNZ"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "station 'ABCDEF' cut to 'ABCDE'" in err[0] and "long_r0" in err[0]
    (rec,) = read(path, units="m/s^2")
    np.testing.assert_array_equal(rec.acc_mps2, acc[0])


@pytest.mark.parametrize("quantity", ["acceleration", "velocity"])
def test_sac_keeps_the_location_when_the_station_is_cut(tmp_path, acc, capsys, quantity):
    meta = [{**META, "station": "ABCDEFGHIJ"}]
    (path,) = export_records(tmp_path, "sac", acc, 100.0, ["long_r0"], meta=meta, quantity=quantity)
    (tr,) = obspy.read(str(path))
    assert (tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel) == ("XX", "ABCDEFGH", "10", "HNZ")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "station 'ABCDEFGHIJ' cut to 'ABCDEFGH'" in err[0]


def test_codes_that_fit_give_no_warning(tmp_path, acc, capsys):
    for fmt in ("mseed", "sac"):
        (path,) = export_records(tmp_path / fmt, fmt, acc, 100.0, ["ok_r0"], meta=[{**META, "station": "ABCDE"}])
        assert obspy.read(str(path))[0].id == "XX.ABCDE.10.HNZ"
    assert capsys.readouterr().err == ""


def test_many_cut_codes_are_a_bounded_number_of_lines(tmp_path, capsys):
    acc = np.zeros((15, 50))
    export_records(tmp_path, "mseed", acc, 100.0, [f"s{i}" for i in range(15)], meta=[META] * 15)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == obspy_io._CUT_WARNINGS + 1 and "not listed" in err[-1]
    assert all(obspy.read(str(tmp_path / f"s{i}.mseed"))[0].id == "XX.ABCDE.10.HNZ" for i in range(15))
