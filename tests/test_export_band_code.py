"""miniSEED and SAC outputs are written at the model's rate (100 Hz), whatever the input's: their SEED channel
code must carry the band code of 100 Hz (SEED manual appendix A: H, or E for a short-period sensor, at
80–250 Hz; B/S are 10–80 Hz). A 50 Hz accelerometer's BNE came out BNE, SPECFEM's BXX BXX, at 100 Hz."""
import numpy as np
import obspy
import pytest

from seisdiff.io.export import band_code, export_records, seed_channel_at_rate


@pytest.mark.parametrize("code, coded", [
    ("BNE", "HNE"), ("BN1", "HN1"), ("BXX", "HXX"), ("BXZ", "HXZ"), ("BHZ", "HHZ"), ("MNZ", "HNZ"),
    ("CNZ", "HNZ"), ("SHZ", "EHZ"), ("DNZ", "ENZ"), ("HNE", "HNE"), ("ENZ", "ENZ"), ("HN3", "HN3"),
    # not SEED codes, or no seismic sensor: kept
    ("EW", "EW"), ("UD2", "UD2"), ("NS2", "NS2"), ("EW2", "EW2"), ("N28W", "N28W"), ("090", "090"),
    ("VER", "VER"), ("LON", "LON"), ("H1", "H1"), ("vx", "vx"), ("", ""),
])
def test_seed_channels_get_the_band_code_of_the_output_rate(code, coded):
    assert seed_channel_at_rate(code, 100.0) == coded


def test_band_codes_follow_the_seed_manual():
    assert [band_code(fs) for fs in (2000, 500, 200, 100, 80, 50, 10, 5, 1)] == list("FCHHHBBML")
    assert [band_code(fs, short_period=True) for fs in (2000, 500, 100, 50, 5)] == list("GDESM")


def test_mseed_and_sac_files_carry_the_100_hz_band_code(tmp_path):
    x = np.random.default_rng(0).standard_normal((1, 3, 500)) * 0.1
    [mseed] = export_records(tmp_path, "mseed", x, 100.0, ["s"], meta=[{"network": "XS", "station": "S1",
                                                                         "channel": "BXY,BXX,BXZ"}])
    assert [tr.stats.channel for tr in obspy.read(str(mseed))] == ["HXY", "HXX", "HXZ"]
    sacs = export_records(tmp_path, "sac", x[0], 100.0, ["a", "b", "c"],
                          meta=[{"station": "S1", "channel": c} for c in ("BNE", "SHZ", "UD2")])
    assert [obspy.read(str(p))[0].stats.channel for p in sacs] == ["HNE", "EHZ", "UD2"]
    [both] = export_records(tmp_path, "mseed", x[:, :2], 100.0, ["two"], meta=[{"channel": "BHZ,HHZ"}])
    assert [tr.stats.channel for tr in obspy.read(str(both))] == ["BHZ", "HHZ"]   # would be one code: kept


def test_two_inputs_written_as_one_code_say_so_once(tmp_path, capsys, monkeypatch):
    """IU.ANMO.00.BHZ (40 Hz) and IU.ANMO.00.HHZ (100 Hz), each in its own file, both come out HHZ at 100 Hz:
    merged by their codes (ObsPy Stream.merge) they would mix two records. One line says so; the codes stay
    those of the output's rate, and realizations of one input (same code in, same out) say nothing."""
    from seisdiff.io import export
    monkeypatch.setattr(export, "_renamed_from", {}, raising=False)
    monkeypatch.setattr(export, "_merged_said", set(), raising=False)
    x = np.random.default_rng(0).standard_normal((4, 500)) * 0.1
    anmo = {"network": "IU", "station": "ANMO", "location": "00"}
    for fmt in ("mseed", "sac"):
        paths = export_records(tmp_path / fmt, fmt, x, 100.0, ["bhz_r0", "bhz_r1", "hhz_r0", "hhz_r1"],
                               meta=[{**anmo, "channel": c} for c in ("BHZ", "BHZ", "HHZ", "HHZ")])
        assert [obspy.read(str(p))[0].id for p in paths] == ["IU.ANMO.00.HHZ"] * 4
    lines = [line for line in capsys.readouterr().err.splitlines() if "both written" in line]
    assert len(lines) == 1
    assert "IU.ANMO.00.BHZ and IU.ANMO.00.HHZ are both written IU.ANMO.00.HHZ" in lines[0]
    export_records(tmp_path / "other", "sac", x[:2], 100.0, ["a", "b"],
                   meta=[{**anmo, "location": "10", "channel": "BHZ"}, {**anmo, "station": "TUC", "channel": "HHZ"}])
    assert "both written" not in capsys.readouterr().err
