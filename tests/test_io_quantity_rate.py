"""seisdiff.io.quantity below 100 samples/s (simulation grids): the derivative is accurate at the input's own
rate, not only at 100 samples/s. Closed forms: a Gaussian-windowed sum of sines up to 1 Hz and its exact
derivative; pure sines; a line. Central differences at the input rate failed these (peak error 0.17 of the peak
at 5 samples/s, 0.043 at 10, 0.011 at 20; 1 Hz sine 24 %, 6.4 %, 1.6 % too weak)."""
import numpy as np
import pytest

from seisdiff.io.quantity import differentiate, to_acceleration_mps2

FREQS_HZ = (0.13, 0.37, 0.61, 0.83, 1.0)
T0_S, WIDTH_S = 30.0, 8.0


def windowed_sines(t):
    """v(t) = w(t)·Σ sin(2πf t + k) + 0.3 + 0.01 t, w a Gaussian, and its exact derivative."""
    w = np.exp(-(((t - T0_S) / WIDTH_S) ** 2))
    dw = -2.0 * (t - T0_S) / WIDTH_S**2 * w
    s = sum(np.sin(2 * np.pi * f * t + k) for k, f in enumerate(FREQS_HZ))
    ds = sum(2 * np.pi * f * np.cos(2 * np.pi * f * t + k) for k, f in enumerate(FREQS_HZ))
    return w * s + 0.3 + 0.01 * t, dw * s + w * ds + 0.01


@pytest.mark.parametrize("fs", [5.0, 10.0, 20.0, 50.0, 100.0])
def test_band_limited_velocity_at_simulation_rates(fs):
    t = np.arange(int(60 * fs)) / fs
    v, a = windowed_sines(t)
    got = differentiate(v, fs)
    assert got.shape == v.shape
    # the brief: < 1 % in the low band; measured 1e-7 (5 Hz) .. 4.5e-4 (100 Hz, central differences)
    assert np.abs(got - a).max() / np.abs(a).max() < 1e-3


@pytest.mark.parametrize("fs", [2.5, 5.0, 10.0, 20.0, 50.0])
@pytest.mark.parametrize("f_hz", [0.1, 0.5, 1.0])
def test_sine_gain_and_phase_exact_away_from_the_ends(fs, f_hz):
    t = np.arange(int(200 * fs)) / fs
    w = 2 * np.pi * f_hz
    got = differentiate(np.sin(w * t + 0.3), fs)
    mid = slice(len(t) // 4, 3 * len(t) // 4)
    # sample by sample against w·cos: gain and time axis both right (no shift, no stretch)
    np.testing.assert_allclose(got[mid], w * np.cos(w * t[mid] + 0.3), rtol=0, atol=1e-4 * w)
    # ends: within a few percent even for a sine at full amplitude there (central differences' order)
    assert np.abs(got - w * np.cos(w * t + 0.3)).max() < (0.1 if f_hz / fs < 0.2 else 1.0) * w


def test_line_exact_everywhere():
    fs = 5.0
    t = np.arange(301) / fs
    np.testing.assert_allclose(differentiate(2.5 - 0.7 * t, fs), np.full(t.size, -0.7), rtol=0, atol=1e-12)


def test_rows_independent_and_shape_kept():
    fs = 10.0
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 257))
    got = differentiate(x, fs)
    assert got.shape == x.shape
    for i in range(3):
        for c in range(2):
            np.testing.assert_allclose(got[i, c], differentiate(x[i, c], fs), rtol=0, atol=1e-12)


def test_displacement_twice_and_velocity_units_at_10_hz():
    fs, f_hz = 10.0, 0.8
    t = np.arange(2000) / fs
    w = 2 * np.pi * f_hz
    mid = slice(500, 1500)
    acc = to_acceleration_mps2(3.0 * np.sin(w * t), fs, "displacement", "cm")
    np.testing.assert_allclose(acc[mid], -0.03 * w**2 * np.sin(w * t[mid]), rtol=0, atol=1e-4 * 0.03 * w**2)
    acc = to_acceleration_mps2(100.0 * np.sin(w * t), fs, "velocity", "cm/s")            # 1 m/s amplitude
    np.testing.assert_allclose(acc[mid], w * np.cos(w * t[mid]), rtol=0, atol=1e-4 * w)


def test_short_trace():
    # 3 samples of a line at 5 samples/s: slope exact
    np.testing.assert_allclose(differentiate(np.array([0.0, 0.2, 0.4]), 5.0), [1.0, 1.0, 1.0], atol=1e-12)
