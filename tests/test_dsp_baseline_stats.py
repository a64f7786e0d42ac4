"""Baseline correction, cosine taper and per-record statistics against SciPy and NumPy."""
import numpy as np
import pytest
from scipy import signal

from seisdiff.dsp import cosine_taper, demean, detrend, record_stats


def _drifting_acc_mps2(shape, seed=0):
    rng = np.random.default_rng(seed)
    n = shape[-1]
    return rng.standard_normal(shape) * 0.2 + 3.0 - 2e-3 * np.arange(n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4097,), (3, 2, 1001), (2, 2)])
def test_detrend_and_demean_match_scipy(shape, dtype):
    x = _drifting_acc_mps2(shape).astype(dtype)
    x64 = x.astype(np.float64)
    y = detrend(x)
    assert y.dtype == dtype and y.shape == shape
    tol = 1e-6 if dtype == np.float32 else 1e-12
    atol = tol * np.abs(x64).max()
    np.testing.assert_allclose(y, signal.detrend(x64, axis=-1, type="linear"), rtol=0, atol=atol)
    np.testing.assert_allclose(demean(x), signal.detrend(x64, axis=-1, type="constant"), rtol=0, atol=atol)


def test_detrend_removes_a_line_exactly_and_is_linear():
    t = np.arange(2001.0)
    np.testing.assert_allclose(detrend(0.5 - 3e-3 * t), 0.0, atol=1e-12)
    x = _drifting_acc_mps2((2, 2001), seed=1)
    np.testing.assert_allclose(detrend(-7.0 * x), -7.0 * detrend(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(detrend(x).mean(axis=-1), 0.0, atol=1e-12)


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.1, 0.25, 0.5])
@pytest.mark.parametrize("n", [1, 2, 1000, 4097])
def test_cosine_taper_is_scipy_tukey(fraction, n):
    x = _drifting_acc_mps2((3, n), seed=2)
    expected = x * signal.windows.tukey(n, alpha=2 * fraction)
    np.testing.assert_allclose(cosine_taper(x, fraction), expected, rtol=1e-12, atol=1e-15)


def test_cosine_taper_shape():
    n = 2001
    w = cosine_taper(np.ones(n), 0.05)
    width = int(np.floor(0.05 * (n - 1)))  # samples 0..width rise, as in tukey(alpha = 0.1)
    assert w[0] == 0.0 and w[-1] == 0.0
    np.testing.assert_array_equal(w[width + 1:n - width - 1], 1.0)
    assert np.all(np.diff(w[:width + 1]) > 0)
    np.testing.assert_allclose(w, w[::-1], atol=1e-15)  # symmetric
    assert cosine_taper(np.ones(n, np.float32), 0.05).dtype == np.float32
    with pytest.raises(ValueError, match="fraction"):
        cosine_taper(np.ones(n), 0.6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_record_stats_match_numpy(dtype):
    x = _drifting_acc_mps2((3, 2, 4097), seed=3).astype(dtype)
    x[1, 0, 123] = -50.0  # a negative peak: pga is max |x|, not max x
    s = record_stats(x)
    x64 = x.astype(np.float64)
    expected = {
        "mean": x64.mean(-1), "std": x64.std(-1), "min": x64.min(-1), "max": x64.max(-1),
        "pga": np.abs(x64).max(-1), "rms": np.sqrt(np.mean(x64**2, axis=-1)),
    }
    for name, value in expected.items():
        assert s[name].shape == (3, 2) and s[name].dtype == np.float64
        np.testing.assert_allclose(s[name], value, rtol=1e-12, err_msg=name)
    np.testing.assert_array_equal(s["argmax_abs"], np.abs(x64).argmax(-1))
    assert s["argmax_abs"][1, 0] == 123 and s["pga"][1, 0] == 50.0


def test_record_stats_std_with_a_large_offset():
    x = 1e6 + np.random.default_rng(4).standard_normal(10001) * 1e-3
    np.testing.assert_allclose(record_stats(x)["std"], x.std(), rtol=1e-6)
    assert record_stats(x)["std"].shape == ()
