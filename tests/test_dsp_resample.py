"""Polyphase resampling against scipy.signal.resample_poly, and its anti-alias behaviour."""
import math

import numpy as np
import pytest
from scipy import signal

from seisdiff.dsp import resample
from seisdiff.dsp.resample import rational_factors

RATES_HZ = [(200.0, 100.0, 1, 2), (250.0, 100.0, 2, 5), (50.0, 100.0, 2, 1), (120.0, 100.0, 5, 6),
            (80.0, 100.0, 5, 4)]


def _relative_error(y, ref):
    return np.max(np.abs(y.astype(np.float64) - ref)) / np.max(np.abs(ref))


@pytest.mark.parametrize("fs_in, fs_out, up, down", RATES_HZ)
def test_rational_factors(fs_in, fs_out, up, down):
    assert rational_factors(fs_in, fs_out) == (up, down)


def test_header_rates_from_time_steps_are_recognised():
    assert rational_factors(1 / 0.005, 100.0) == (1, 2)  # 200.00000000000003 Hz
    assert rational_factors(1 / 0.004, 100.0) == (2, 5)
    with pytest.raises(ValueError, match="not a ratio"):
        rational_factors(100.0, 100.0 * math.sqrt(2.0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4097,), (3, 2, 1001)])
@pytest.mark.parametrize("fs_in, fs_out, up, down", RATES_HZ)
def test_matches_resample_poly(fs_in, fs_out, up, down, shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype) + 0.2
    ref = signal.resample_poly(x.astype(np.float64), up, down, axis=-1)
    y = resample(x, fs_in, fs_out)
    assert y.shape == shape[:-1] + (math.ceil(shape[-1] * up / down),) == ref.shape
    assert y.dtype == dtype
    assert _relative_error(y, ref) < 1e-6


@pytest.mark.parametrize("n", [1, 2, 7])
def test_very_short_records(n):
    x = np.random.default_rng(1).standard_normal((2, n))
    for fs_in, fs_out, up, down in RATES_HZ:
        ref = signal.resample_poly(x, up, down, axis=-1)
        assert _relative_error(resample(x, fs_in, fs_out), ref) < 1e-6


def test_equal_rates_copy():
    x = np.arange(10.0)
    y = resample(x, 100.0, 100.0)
    np.testing.assert_array_equal(y, x)
    assert y is not x and not np.shares_memory(y, x)


@pytest.mark.parametrize("fs_in", [200.0, 250.0, 50.0, 120.0, 80.0])
def test_sine_keeps_amplitude_and_aliases_are_removed(fs_in):
    # 5 Hz passes untouched. Tones above the new Nyquist (50 Hz) would alias to low frequencies if not
    # filtered; past the design's transition band (50 ± 8 Hz for Kaiser β = 5 with 20·max(up, down)
    # + 1 taps) less than 1 % of them may remain.
    t_s = np.arange(int(40 * fs_in)) / fs_in
    amplitude_mps2 = 0.7
    low = amplitude_mps2 * np.sin(2 * np.pi * 5.0 * t_s)
    y_low = resample(low, fs_in, 100.0)
    t_out_s = np.arange(y_low.size) / 100.0
    mid = slice(200, -200)  # away from the zero-padded ends
    np.testing.assert_allclose(y_low[mid], amplitude_mps2 * np.sin(2 * np.pi * 5.0 * t_out_s[mid]),
                               atol=2e-3 * amplitude_mps2)
    for high_hz in (59.0, fs_in / 2.0 - 1.0):
        if not 58.0 <= high_hz < fs_in / 2.0:
            continue  # this input rate cannot hold a tone in the stop band
        y_high = resample(amplitude_mps2 * np.sin(2 * np.pi * high_hz * t_s), fs_in, 100.0)
        assert np.max(np.abs(y_high[mid])) < 1e-2 * amplitude_mps2, high_hz


def test_upsampling_creates_no_images():
    # 50 → 100 Hz: the spectrum above the old Nyquist (25 Hz) must stay empty.
    t_s = np.arange(4000) / 50.0
    y = resample(np.sin(2 * np.pi * 5.0 * t_s), 50.0, 100.0)[400:-400]
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    f_hz = np.fft.rfftfreq(y.size, 1 / 100.0)
    assert spectrum[f_hz > 26.0].max() < 1e-2 * spectrum.max()


def test_linearity():
    x = np.random.default_rng(2).standard_normal((2, 3001))
    assert _relative_error(resample(9.81 * x, 250.0, 100.0), 9.81 * resample(x, 250.0, 100.0)) < 1e-12
