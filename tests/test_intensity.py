"""Arias intensity, Husid curve, significant duration, CAV: closed forms and invariants."""
import numpy as np
import pytest

from seisdiff import G_MPS2
from seisdiff.dsp.intensity import arias_intensity, arias_time, cav, husid, significant_duration

FS = 100.0


def sine(amplitude, freq_hz, duration_s, fs=FS):
    t = np.arange(int(round(duration_s * fs)) + 1) / fs
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def test_arias_of_a_sine_is_pi_over_2g_a2_t_over_2():
    amplitude, duration = 1.7, 20.0
    x = sine(amplitude, 2.0, duration)
    expected = np.pi / (2 * G_MPS2) * amplitude**2 * duration / 2
    assert arias_intensity(x, FS) == pytest.approx(expected, rel=1e-6)


def test_arias_scales_with_the_square_and_is_batched():
    x = np.random.default_rng(0).standard_normal((2, 3, 800))
    ia = arias_intensity(x, FS)
    assert ia.shape == (2, 3)
    np.testing.assert_allclose(arias_intensity(-3 * x, FS), 9 * ia, rtol=1e-12)
    np.testing.assert_allclose(ia[1, 2], arias_intensity(x[1, 2], FS), rtol=1e-12)


def test_significant_duration_of_a_constant_burst_is_0_9_t():
    """Constant-amplitude burst of T seconds in silence: Husid rises linearly, D5-95 = 0.9 T."""
    burst_s = 8.0
    x = np.zeros(4000)
    burst = sine(0.3, 5.0, burst_s)
    x[500 : 500 + burst.size] = burst
    assert significant_duration(x, FS) == pytest.approx(0.9 * burst_s, rel=2e-3)
    assert significant_duration(x, FS, 0.05, 0.75) == pytest.approx(0.7 * burst_s, rel=2e-3)
    assert arias_time(x, FS, 0.5) == pytest.approx(5.0 + 0.5 * burst_s, rel=2e-3)


def test_husid_is_monotone_from_0_to_1():
    x = np.random.default_rng(1).standard_normal((4, 1000)) * np.linspace(0, 3, 1000)
    h = husid(x, FS)
    assert h.shape == x.shape
    assert np.all(np.diff(h, axis=-1) >= 0)
    np.testing.assert_allclose(h[..., 0], 0.0)
    np.testing.assert_allclose(h[..., -1], 1.0)


def test_crossing_time_is_interpolated_between_samples():
    """Trapezoidal energy 0.5, 1, 0.5 over samples 2–3, 3–4, 4–5: Husid is 0.25 at sample 3 and
    0.75 at sample 4, so it reaches 0.5 half-way between them."""
    x = np.zeros(10)
    x[3] = x[4] = 1.0
    assert arias_time(x, FS, 0.5) == pytest.approx(3.5 / FS, rel=1e-9)
    assert arias_time(x, FS, 0.0) == 0.0


def test_silent_record_gives_nan():
    x = np.zeros((2, 100))
    x[1, 50] = 1.0
    assert np.isnan(husid(x, FS)[0]).all()
    d = significant_duration(x, FS)
    assert np.isnan(d[0]) and np.isfinite(d[1])


def test_cav_of_a_sine_is_2a_t_over_pi():
    amplitude, duration = 0.8, 10.0
    x = sine(amplitude, 1.0, duration, fs=1000.0)
    assert cav(x, 1000.0) == pytest.approx(2 * amplitude * duration / np.pi, rel=1e-5)
