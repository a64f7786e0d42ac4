"""seisdiff.dsp (numba, parallel over records) vs SciPy on a batch of 1000 records of 8192 samples.

Groups: "lowpass_1000x8192" (zero-phase Butterworth, order 4, 1 Hz at 100 Hz, vs
`scipy.signal.sosfiltfilt(axis=-1)`) and "resample_1000x8192" (200 → 100 Hz vs
`scipy.signal.resample_poly(axis=-1)`). Before either side is timed, the group's check computes both and
asserts the candidate equals its baseline to 1e-6 of the baseline's peak (float64 both ways; measured: low-pass
identical, resample 3e-16: 1e-6 leaves room for another machine's summation order and still catches a wrong
coefficient or edge padding, which moves the output by percents).
"""
import numpy as np
import pytest
from scipy import signal

from seisdiff.dsp import lowpass, resample
from seisdiff.dsp.filters import butter_sos

FS_HZ = 100.0
LOWPASS_HZ = 1.0


@pytest.fixture(scope="module")
def batch_mps2():
    return np.random.default_rng(0).standard_normal((1000, 8192))


def _assert_same(y, ref, rtol=1e-6):
    assert y.shape == ref.shape
    assert np.max(np.abs(y - ref)) <= rtol * np.max(np.abs(ref))


def _check_lowpass(batch_mps2):
    _assert_same(lowpass(batch_mps2, FS_HZ, LOWPASS_HZ),
                 signal.sosfiltfilt(butter_sos("lowpass", 4, (LOWPASS_HZ,), FS_HZ), batch_mps2, axis=-1))


def _check_resample(batch_mps2):
    _assert_same(resample(batch_mps2, 200.0, 100.0), signal.resample_poly(batch_mps2, 1, 2, axis=-1))


@pytest.mark.benchmark(group="lowpass_1000x8192")
def test_lowpass_scipy(benchmark, batch_mps2, checked):
    checked("lowpass_1000x8192", lambda: _check_lowpass(batch_mps2))
    sos = butter_sos("lowpass", 4, (LOWPASS_HZ,), FS_HZ)
    benchmark.extra_info["role"] = "baseline"
    benchmark(signal.sosfiltfilt, sos, batch_mps2, axis=-1)


@pytest.mark.benchmark(group="lowpass_1000x8192")
def test_lowpass_numba(benchmark, batch_mps2, checked):
    checked("lowpass_1000x8192", lambda: _check_lowpass(batch_mps2))
    benchmark.extra_info["role"] = "candidate"
    benchmark(lowpass, batch_mps2, FS_HZ, LOWPASS_HZ)


@pytest.mark.benchmark(group="resample_1000x8192")
def test_resample_scipy(benchmark, batch_mps2, checked):
    checked("resample_1000x8192", lambda: _check_resample(batch_mps2))
    benchmark.extra_info["role"] = "baseline"
    benchmark(signal.resample_poly, batch_mps2, 1, 2, axis=-1)


@pytest.mark.benchmark(group="resample_1000x8192")
def test_resample_numba(benchmark, batch_mps2, checked):
    checked("resample_1000x8192", lambda: _check_resample(batch_mps2))
    benchmark.extra_info["role"] = "candidate"
    benchmark(resample, batch_mps2, 200.0, 100.0)
