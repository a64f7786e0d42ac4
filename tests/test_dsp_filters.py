"""Zero-phase Butterworth filters against scipy.signal.sosfiltfilt (the documented convention)."""
import numpy as np
import pytest
from scipy import signal

from seisdiff.dsp import bandpass, highpass, lowpass, sosfiltfilt
from seisdiff.dsp.filters import SignalTooShortError, butter_sos
from seisdiff.errors import UserError

FS_HZ = 100.0


def _relative_error(y, ref):
    return np.max(np.abs(y.astype(np.float64) - ref)) / np.max(np.abs(ref))


def _acc_mps2(shape, seed=0):
    """Broadband noise with an offset and a drift, like an uncorrected accelerogram."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    return rng.standard_normal(shape) * 0.3 + 0.05 + 1e-5 * np.arange(n)


CASES = [  # (function, kwargs, scipy btype, scipy Wn)
    (lowpass, {"lowpass_hz": 1.0}, "lowpass", 1.0),
    (lowpass, {"lowpass_hz": 12.5}, "lowpass", 12.5),
    (highpass, {"highpass_hz": 0.1}, "highpass", 0.1),
    (highpass, {"highpass_hz": 5.0}, "highpass", 5.0),
    (bandpass, {"lo": 0.1, "hi": 30.0}, "bandpass", [0.1, 30.0]),
    (bandpass, {"lo": 2.0, "hi": 8.0}, "bandpass", [2.0, 8.0]),
]


@pytest.mark.parametrize("order", [2, 4, 6])
@pytest.mark.parametrize("func, kwargs, btype, wn", CASES)
def test_matches_scipy_sosfiltfilt(func, kwargs, btype, wn, order):
    x = _acc_mps2((3, 2, 4097))
    ref = signal.sosfiltfilt(signal.butter(order, wn, btype, fs=FS_HZ, output="sos"), x, axis=-1)
    y = func(x, FS_HZ, order=order, **kwargs)
    assert y.shape == x.shape and y.dtype == np.float64
    assert _relative_error(y, ref) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(10001,), (3, 2, 10001), (17, 4097)])
def test_dtypes_and_shapes(dtype, shape):
    x = _acc_mps2(shape, seed=1).astype(dtype)
    sos = signal.butter(4, [0.1, 30.0], "bandpass", fs=FS_HZ, output="sos")
    ref = signal.sosfiltfilt(sos, x.astype(np.float64), axis=-1)
    y = bandpass(x, FS_HZ, 0.1, 30.0)
    assert y.shape == x.shape and y.dtype == dtype
    assert _relative_error(y, ref) < 1e-6


def test_odd_order_uses_scipys_padlen():
    # An odd order has one first-order section (b2 = a2 = 0), which shortens scipy's padding.
    sos = signal.butter(3, 2.0, "lowpass", fs=FS_HZ, output="sos")
    x = _acc_mps2((2, 1001), seed=2)
    assert _relative_error(sosfiltfilt(sos, x), signal.sosfiltfilt(sos, x, axis=-1)) < 1e-6


def test_non_contiguous_and_integer_input():
    x = _acc_mps2((4, 6000), seed=3)[:, ::2]  # strided view
    ref = signal.sosfiltfilt(butter_sos("lowpass", 4, (1.0,), FS_HZ), x, axis=-1)
    assert _relative_error(lowpass(x, FS_HZ, 1.0), ref) < 1e-6
    counts = np.round(x * 1000).astype(np.int32)
    y = lowpass(counts, FS_HZ, 1.0)
    assert y.dtype == np.float64
    assert _relative_error(y, signal.sosfiltfilt(butter_sos("lowpass", 4, (1.0,), FS_HZ),
                                                 counts.astype(np.float64), axis=-1)) < 1e-6


@pytest.mark.parametrize("k", [-3.0, 1e-4, 9.81])
def test_linearity(k):
    x = _acc_mps2((2, 3, 2001), seed=4)
    y = lowpass(x, FS_HZ, 1.0)
    assert _relative_error(lowpass(k * x, FS_HZ, 1.0), k * y) < 1e-12


def test_zero_phase_and_gain():
    # A 0.3 Hz sine well inside the pass band keeps its amplitude and its phase (no delay);
    # a 10 Hz sine is removed by the 1 Hz low-pass (2·order poles: −6 dB at 1 Hz).
    t_s = np.arange(8192) / FS_HZ
    slow = np.sin(2 * np.pi * 0.3 * t_s)
    fast = np.sin(2 * np.pi * 10.0 * t_s)
    y = lowpass(slow + fast, FS_HZ, 1.0)
    mid = slice(1000, -1000)
    np.testing.assert_allclose(y[mid], slow[mid], atol=2e-3)
    sos = butter_sos("lowpass", 4, (1.0,), FS_HZ)
    _, h = signal.freqz_sos(sos, worN=[1.0], fs=FS_HZ)
    np.testing.assert_allclose(np.abs(h[0]) ** 2, 0.5, rtol=1e-9)


def test_too_short_records_are_refused_clearly():
    sos = butter_sos("bandpass", 4, (0.1, 30.0), FS_HZ)
    padlen = 3 * (2 * len(sos) + 1)
    with pytest.raises(SignalTooShortError, match=f"more than {padlen} samples"):
        bandpass(np.zeros((2, padlen)), FS_HZ, 0.1, 30.0)
    with pytest.raises(ValueError):
        lowpass(np.zeros(15), FS_HZ, 1.0)
    with pytest.raises(UserError):
        lowpass(np.zeros(15), FS_HZ, 1.0)
    assert lowpass(np.ones(16), FS_HZ, 1.0).shape == (16,)


def test_cutoff_above_nyquist_is_refused():
    with pytest.raises(ValueError, match="Nyquist"):
        lowpass(np.zeros(1000), FS_HZ, 60.0)


def test_designed_sections_are_cached_but_not_shared():
    a = butter_sos("lowpass", 4, (1.0,), FS_HZ)
    a[:] = 0.0  # the caller's copy: the cached design must stay intact
    np.testing.assert_array_equal(butter_sos("lowpass", 4, (1.0,), FS_HZ),
                                  signal.butter(4, 1.0, "lowpass", fs=FS_HZ, output="sos"))
