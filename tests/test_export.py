"""Export round trips: written files read back by our readers and by ObsPy give the same m/s²."""
import numpy as np
import obspy
import pytest

import seisdiff.io.export as export
from seisdiff.errors import UserError
from seisdiff.io.export import export_records
from seisdiff.io.readers import read

NAMES = ["RSN5000_CHUETSU_FKS031EW_r0", "RSN5000_CHUETSU_FKS031EW_r1", "IU.ANMO.00.HNZ"]


@pytest.fixture
def acc_mps2():
    """(3, 1003) m/s², odd length so the last AT2 line is partial, amplitudes over 5 decades."""
    rng = np.random.default_rng(8)
    return rng.standard_normal((3, 1003)) * np.array([[3.0], [0.02], [1e-4]])


def _at2_numbers_in_g(path):
    lines = path.read_text().splitlines()
    assert lines[2] == "ACCELERATION TIME SERIES IN UNITS OF G"
    assert all(len(line.split()) == 5 for line in lines[4:-1]) and len(lines[-1].split()) == 1003 % 5
    return np.array([float(tok) for line in lines[4:] for tok in line.split()])


def test_at2_round_trip(tmp_path, acc_mps2):
    paths = export_records(tmp_path, "at2", acc_mps2, 200.0, NAMES)
    assert [p.name for p in paths] == [f"{n}.AT2" for n in NAMES]
    for path, acc, name in zip(paths, acc_mps2, NAMES):
        (rec,) = read(path)
        assert (rec.record_id, rec.sampling_rate_hz, rec.units_in_file) == (name, 200.0, "g")
        # 8 significant digits in the file: ~5e-8 relative per sample
        np.testing.assert_allclose(rec.acc_mps2, acc, rtol=1e-7)
        np.testing.assert_allclose(_at2_numbers_in_g(path) * 9.80665, acc, rtol=1e-7)


def test_mseed_round_trip(tmp_path, acc_mps2):
    paths = export_records(tmp_path, "mseed", acc_mps2, 100.0, NAMES)
    for path, acc, name in zip(paths, acc_mps2, NAMES):
        (rec,) = read(path, units="m/s^2")
        (trace,) = obspy.read(str(path))
        np.testing.assert_array_equal(rec.acc_mps2, acc)  # float64 samples: exact
        np.testing.assert_array_equal(trace.data, acc)
        assert rec.record_id == name and trace.stats.sampling_rate == 100.0
    assert obspy.read(str(paths[2]))[0].id == "IU.ANMO.00.HNZ"


def test_sac_round_trip(tmp_path, acc_mps2):
    paths = export_records(tmp_path, "sac", acc_mps2, 100.0, NAMES)
    for path, acc, name in zip(paths, acc_mps2, NAMES):
        (rec,) = read(path)
        (trace,) = obspy.read(str(path))
        assert trace.stats.sac.idep == 8 and trace.data.dtype == np.float32
        # float32 samples in nm/s²: float32 precision, via either reader
        np.testing.assert_allclose(rec.acc_mps2, acc, rtol=2e-7)
        np.testing.assert_allclose(trace.data.astype(np.float64) * 1e-9, acc, rtol=2e-7)
        assert rec.record_id == name and rec.units_in_file == "nm/s^2"


def test_failed_write_leaves_nothing(tmp_path, acc_mps2, monkeypatch):
    def half_written(path, fmt, rec):
        path.write_text("partial")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write", half_written)
    with pytest.raises(OSError, match="disk full"):
        export_records(tmp_path, "at2", acc_mps2, 100.0, NAMES)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_replaced_whole(tmp_path, acc_mps2):
    export_records(tmp_path, "at2", acc_mps2 * 2, 100.0, NAMES)
    export_records(tmp_path, "at2", acc_mps2, 100.0, NAMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.AT2" for n in NAMES)
    np.testing.assert_allclose(read(tmp_path / f"{NAMES[0]}.AT2")[0].acc_mps2, acc_mps2[0], rtol=1e-7)


@pytest.mark.parametrize(
    "fmt, shape, names, match",
    [
        ("wav", (3, 10), NAMES, "unknown export format"),
        ("at2", (10,), NAMES, "shape"),
        ("at2", (2, 10), NAMES, "shape"),
        ("at2", (3, 10), ["a", "a", "b"], "unique"),
        ("at2", (3, 10), ["a", "sub/b", "c"], "plain file names"),
    ],
)
def test_bad_export_arguments(tmp_path, fmt, shape, names, match):
    with pytest.raises(UserError, match=match):
        export_records(tmp_path, fmt, np.ones(shape), 100.0, names)


def test_meta_puts_start_time_and_codes_in_the_headers(tmp_path, acc_mps2):
    meta = [{"start_time": "2020-05-06T07:08:09.500000+00:00", "network": "XX", "station": "ST1", "location": "10",
             "channel": "HNE", "event": "quake"}] * 3
    names = ["a_r0", "b_r0", "c_r0"]
    for fmt in ("mseed", "sac"):
        paths = export_records(tmp_path / fmt, fmt, acc_mps2, 100.0, names, meta=meta)
        for path, acc in zip(paths, acc_mps2):
            (tr,) = obspy.read(str(path))
            assert tr.id == "XX.ST1.10.HNE" and tr.stats.starttime == obspy.UTCDateTime("2020-05-06T07:08:09.5")
            assert tr.stats.npts == 1003
            np.testing.assert_allclose(tr.data * (1e-9 if fmt == "sac" else 1.0), acc, rtol=2e-7)
    (path,) = export_records(tmp_path / "at2", "at2", acc_mps2[:1], 100.0, ["a_r0"], meta=meta[:1])
    assert path.read_text().splitlines()[1] == "quake, 5/6/2020, ST1, HNE"        # the start time's date
    (rec,) = read(path)
    assert (rec.station, rec.component, rec.record_id) == ("ST1", "HNE", "a_r0")


def test_velocity_mps_integrates_without_drift():
    """Acceleration of a known band-limited velocity, plus a constant offset that plain integration
    turns into a ramp: velocity_mps returns the velocity, ending at rest."""
    fs = 100.0
    t = np.arange(6001) / fs
    env = np.exp(-0.5 * ((t - 25.0) / 4.0) ** 2)
    vel = env * np.sin(2 * np.pi * 0.7 * t) * 0.2                        # m/s, at rest at both ends
    acc = np.gradient(vel, 1 / fs)
    out = export.velocity_mps(acc + 1e-3, fs, 0.1)                         # + 1 mm/s² offset
    naive_end = np.cumsum(acc + 1e-3)[-1] / fs                             # ≈ 6 cm/s of drift
    assert naive_end > 0.05
    np.testing.assert_allclose(out, vel, rtol=0, atol=0.01 * np.abs(vel).max())
    assert abs(out[-1]) < 1e-3 * np.abs(vel).max() + 1e-4


def test_velocity_files(tmp_path):
    fs = 100.0
    t = np.arange(1001) / fs
    vel = np.sin(2 * np.pi * t)[None] * 0.1
    (sac,) = export_records(tmp_path, "sac", vel, fs, ["v"], quantity="velocity")
    (tr,) = obspy.read(str(sac))
    assert tr.stats.sac.idep == 7
    np.testing.assert_allclose(tr.data * 1e-9, vel[0], rtol=2e-7, atol=1e-12)
    (vt2,) = export_records(tmp_path, "at2", vel, fs, ["v"], quantity="velocity")
    assert vt2.name == "v.VT2" and vt2.read_text().splitlines()[2] == "VELOCITY TIME SERIES IN UNITS OF CM/S"
    (rec,) = read(vt2)                                                     # read back: differentiated
    np.testing.assert_allclose(rec.acc_mps2[1:-1], 0.2 * np.pi * np.cos(2 * np.pi * t[1:-1]), rtol=0, atol=1e-3)
