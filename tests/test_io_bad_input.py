"""Every bad input gives an InputError naming the file; the old .npz scale bug cannot come back."""
import numpy as np
import obspy
import pytest

from seisdiff.errors import InputError
from seisdiff.io.readers import find_inputs, read
from seisdiff.io.record import Record
from seisdiff.io.validate import check_record

HEADER = "PEER NGA STRONG MOTION DATABASE RECORD\nEv, 1/1/2001, STA, EW\nACCELERATION TIME SERIES IN UNITS OF {unit}\n"


def _at2(path, values, npts=None, unit="G"):
    body = "\n".join(" ".join(f"{v:>15}" for v in values[i:i + 5]) for i in range(0, len(values), 5))
    path.write_text(HEADER.format(unit=unit) + f"NPTS= {npts or len(values)}, DT= .0100 SEC\n{body}\n")
    return path


def _good_values(n=1500):
    return [f"{v:.7E}" for v in np.sin(np.arange(n) * 0.1) * 0.01]


def _raises(path, match, **kwargs):
    with pytest.raises(InputError, match=match) as err:
        rec = read(path, **kwargs)
        check_record(rec[0])
    assert path.name in str(err.value) and err.value.path == str(path)


def test_empty_file(tmp_path):
    for name in ("e.AT2", "e.mseed"):
        (tmp_path / name).write_bytes(b"")
        _raises(tmp_path / name, "empty file")


def test_truncated_file(tmp_path):
    _raises(_at2(tmp_path / "t.AT2", _good_values()[:1237], npts=1500), "NPTS=1500 but the file holds 1237")


@pytest.mark.parametrize("fmt, match", [("MSEED", "truncated or damaged"), ("SAC", "file size are inconsistent")])
def test_truncated_obspy_formats(tmp_path, fmt, match):
    whole = tmp_path / f"whole.{fmt.lower()}"
    obspy.Trace(np.sin(np.arange(5000) * 0.1).astype(np.float32)).write(str(whole), format=fmt)
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(whole.read_bytes()[:9000])
    _raises(cut, match, units="m/s^2")


def test_header_only(tmp_path):
    _raises(_at2(tmp_path / "h.AT2", [], npts=1500), "holds 0 values")


def test_more_values_than_npts(tmp_path):
    _raises(_at2(tmp_path / "m.AT2", _good_values(), npts=1400), "NPTS=1400 but the file holds 1500")


def test_non_numeric_value(tmp_path):
    values = _good_values()
    values[703] = "0.12x4"
    _raises(_at2(tmp_path / "n.AT2", values), r"non-numeric value '0.12x4' on line 145")


def test_bad_npts_line(tmp_path):
    path = _at2(tmp_path / "b.AT2", _good_values())
    path.write_text(path.read_text().replace("NPTS= 1500, DT= .0100 SEC", "NPTS= many, DT= .0100 SEC"))
    _raises(path, "cannot read NPTS and DT")


def test_nan_in_at2_and_in_a_record(tmp_path):
    values = _good_values()
    values[10] = "NaN"
    _raises(_at2(tmp_path / "nan.AT2", values), "non-numeric value 'NaN'")
    acc = np.ones(2000)
    acc[[5, 9]] = [np.nan, np.inf]
    with pytest.raises(InputError, match="2 NaN/inf samples \\(first at index 5\\)") as err:
        check_record(Record(acc_mps2=acc, sampling_rate_hz=100.0, record_id="x", source_file=str(tmp_path / "x.sac")))
    assert "x.sac" in str(err.value)


def test_all_zeros(tmp_path):
    _raises(_at2(tmp_path / "z.AT2", ["0.0"] * 1500), "all samples are zero")


def test_shorter_than_minimum_duration(tmp_path):
    _raises(_at2(tmp_path / "s.AT2", _good_values(999)), "only 9.99 s long; at least 10 s")
    rec = read(tmp_path / "s.AT2")[0]
    check_record(rec, min_duration_s=9.99)  # the limit itself is allowed


@pytest.mark.parametrize("rate_hz", [0.0, -100.0, np.nan])
def test_nonpositive_sampling_rate(tmp_path, rate_hz):
    with pytest.raises(InputError, match="sampling rate"):
        check_record(Record(acc_mps2=np.ones(5000), sampling_rate_hz=rate_hz, record_id="r", source_file="r.AT2"))


def test_unknown_format(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    _raises(path, "unknown format")


def test_unknown_units_in_header(tmp_path):
    _raises(_at2(tmp_path / "u.AT2", _good_values(), unit="FURLONGS/FORTNIGHT**2"), "unknown (acceleration )?units")


def test_unknown_units_argument(tmp_path):
    trace = obspy.Trace(np.arange(3000, dtype=np.int32))
    trace.write(str(tmp_path / "k.mseed"), format="MSEED")
    _raises(tmp_path / "k.mseed", "unknown --units 'counts'", units="counts")


def test_counts_without_units(tmp_path):
    trace = obspy.Trace(np.arange(3000, dtype=np.int32))
    trace.write(str(tmp_path / "k.mseed"), format="MSEED")
    _raises(tmp_path / "k.mseed", "declares no unit .*pass --units")


def test_missing_file(tmp_path):
    _raises(tmp_path / "absent.AT2", "no such file")


def test_npz_needs_units_and_never_applies_the_stored_pga(tmp_path):
    signal_g = np.random.default_rng(6).standard_normal(3000) * 0.01
    path = tmp_path / "old.npz"
    np.savez(path, signal_broadband=signal_g, signal_lowfreq=signal_g * 0.1,
             pga_broadband=np.abs(signal_g).max(), pga_lowfreq=0.001, fs=100.0)
    with pytest.raises(InputError, match="pass --units") as err:
        read(path)
    assert "old.npz" in str(err.value)
    (rec,) = read(path, units="g")
    np.testing.assert_array_equal(rec.acc_mps2, signal_g * 9.80665)
    assert (rec.record_id, rec.sampling_rate_hz, rec.units_in_file) == ("old", 100.0, "g")


def test_npz_with_dt_and_several_rows(tmp_path):
    signals = np.random.default_rng(7).standard_normal((3, 2000))
    np.savez(tmp_path / "rows.npz", signal_broadband=signals, dt=0.005)
    records = read(tmp_path / "rows.npz", units="m/s^2")
    assert [r.record_id for r in records] == ["rows_0", "rows_1", "rows_2"]
    assert all(r.sampling_rate_hz == 200.0 for r in records)
    np.testing.assert_array_equal(np.stack([r.acc_mps2 for r in records]), signals)


def test_npz_without_rate_or_signal(tmp_path):
    np.savez(tmp_path / "nofs.npz", signal_broadband=np.ones(10))
    _raises(tmp_path / "nofs.npz", "no 'fs' or 'dt'", units="g")
    np.savez(tmp_path / "nosig.npz", signal_lowfreq=np.ones(10), fs=100.0)
    _raises(tmp_path / "nosig.npz", "no 'signal_broadband'", units="g")
    # a station grid saved as .npz: said so, not "pass --units" (a unit would not help)
    np.savez(tmp_path / "grid.npz", velocity=np.ones((4, 3, 10)), dt=0.1)
    _raises(tmp_path / "grid.npz", r"holds velocity, dt\): not an old-project record; a station grid is read from HDF5")


def test_find_inputs_files_folders_globs_and_missing(tmp_path):
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "store.zarr").mkdir()
    for name in ("a/x.AT2", "a/deep/y.AT2", "a/deep/z.mseed", "a/README.md", "a/meta.csv", "a/.hidden.AT2",
                 "a/store.zarr/zarr.json", "b.AT2"):
        (tmp_path / name).write_text("x")
    files, problems = find_inputs([str(tmp_path / "a"), str(tmp_path / "*.AT2"), str(tmp_path / "a" / "x.AT2"),
                                   str(tmp_path / "nothing"), str(tmp_path / "*.sac")])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a/x.AT2", "a/deep/y.AT2", "a/deep/z.mseed", "b.AT2"]
    assert problems == [(str(tmp_path / "nothing"), "no such file or folder"),
                        (str(tmp_path / "*.sac"), "no file matches this pattern")]
