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
