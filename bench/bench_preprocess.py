"""Whole preprocess of the shared NGA-West2 records: numba pipeline vs the same pipeline in SciPy.

Both write the same store. The baseline is the plain NumPy/SciPy way, one record at a time: AT2
values parsed with `str.split` + `np.array`, then `seisdiff.preprocess.reference` (SciPy); the
candidate is `run_preprocess` (numba AT2 parser, numba filters batched over records, threads). Before either
is timed, the group's check (once) writes both stores and compares them: same record ids, both bands within 1e-6
of their peak (float32 stores round at 6e-8 of a value; a step done otherwise moves a band by far more than 1e-6).
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

from seisdiff import G_MPS2
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess import PreprocessConfig, run_preprocess
from seisdiff.preprocess.reference import scipy_preprocess

NGAW2 = Path(__file__).resolve().parents[2] / "shared" / "data" / "ngaw2"
pytestmark = pytest.mark.skipif(not NGAW2.is_dir(), reason="shared NGA-West2 records absent")


def _scipy_pipeline(files, out):
    cfg = PreprocessConfig()
    w = create_store(out, sampling_rate_hz=100.0, length=cfg.length, lowpass_hz=1.0)
    bbs, lps, ids = [], [], []
    for f in files:
        acc_mps2, fs_hz = _numpy_read_at2(f)
        bb, lp = scipy_preprocess(acc_mps2, fs_hz)
        bbs.append(bb[None])
        lps.append(lp[None])
        ids.append(f"{f.stem}_w0")
    w.append(np.stack(bbs), np.stack(lps), ids)
    return out


def _numpy_read_at2(path):
    """(acc m/s², fs Hz) of an NGA-West2 AT2 in g, read the plain NumPy way."""
    lines = Path(path).read_text().split("\n", 4)
    assert "UNITS OF G" in lines[2].upper()
    dt_s = float(lines[3].upper().split("DT=")[1].split()[0])
    return np.array(lines[4].split(), dtype=np.float64) * G_MPS2, 1.0 / dt_s


def _fresh(tmp_path, name):
    path = tmp_path / name
    shutil.rmtree(path, ignore_errors=True)
    return path


def _assert_same_store(path, ref_path, rtol=1e-6):
    """Same record ids, and both bands equal to rtol of each one's peak (float32 stores)."""
    a, b = open_store(path), open_store(ref_path)
    assert a.record_ids.tolist() == b.record_ids.tolist()
    got, want = a.read(), b.read()
    for band in ("broadband", "lowpass"):
        assert np.max(np.abs(got[band] - want[band])) <= rtol * np.max(np.abs(want[band])), band
    np.testing.assert_allclose(a.column("pga_broadband"), np.abs(want["broadband"]).max(axis=(1, 2)), rtol=1e-3)


def _check(folder):
    """Both pipelines once (the candidate's first run also compiles or loads its numba cache): the same store."""
    warm = run_preprocess([str(NGAW2)], folder / "warm.zarr", progress=False)
    assert warm.stored == 60
    _assert_same_store(folder / "warm.zarr", _scipy_pipeline(sorted(NGAW2.glob("*.AT2")), folder / "check.zarr"))


@pytest.fixture(scope="module")
def check_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("preprocess_check")


@pytest.mark.benchmark(group="preprocess_ngaw2_60")
def test_scipy_pipeline(benchmark, tmp_path, checked, check_folder):
    checked("preprocess_ngaw2_60", lambda: _check(check_folder))
    files = sorted(NGAW2.glob("*.AT2"))
    benchmark.extra_info["role"] = "baseline"
    out = benchmark.pedantic(lambda: _scipy_pipeline(files, _fresh(tmp_path, "ref.zarr")), rounds=3, iterations=1)
    assert len(open_store(out)) == 60


@pytest.mark.benchmark(group="preprocess_ngaw2_60")
def test_numba_pipeline(benchmark, tmp_path, checked, check_folder):
    checked("preprocess_ngaw2_60", lambda: _check(check_folder))
    benchmark.extra_info["role"] = "candidate"
    summary = benchmark.pedantic(lambda: run_preprocess([str(NGAW2)], _fresh(tmp_path, "s.zarr"), progress=False),
                                 rounds=3, iterations=1)
    assert summary.stored == 60
