"""seisdiff.io.quantity: differentiation of velocity/displacement to m/s², against closed forms and the
accuracy its docstring states (relative amplitude error 1 − sin(2πfΔt)/(2πfΔt) ≈ (2πfΔt)²/6, exact phase)."""
import numpy as np
import pytest

from seisdiff.errors import UserError
from seisdiff.io.quantity import differentiate, to_acceleration_mps2, unit_factor_si

FS = 100.0
DT = 1.0 / FS
T = np.arange(4001) * DT


@pytest.mark.parametrize("f_hz, stated", [(1.0, 6.6e-4), (5.0, 0.016), (10.0, 0.065)])
def test_velocity_sine_amplitude_error_as_stated_and_phase_exact(f_hz, stated):
    w = 2 * np.pi * f_hz
    v = np.sin(w * T)
    a = differentiate(v, FS)
    gain = np.sin(w * DT) / DT                            # central differences: i·sin(ωΔt)/Δt
    interior = slice(1, -1)
    # exact phase: the derivative is gain·cos(ωt) sample by sample, not shifted
    np.testing.assert_allclose(a[interior], gain * np.cos(w * T[interior]), rtol=0, atol=1e-9 * w)
    error = 1.0 - gain / w
    assert error == pytest.approx(1.0 - np.sinc(2 * f_hz * DT), rel=1e-9)
    assert error == pytest.approx(stated, rel=0.03)                           # the docstring's figures
    assert error == pytest.approx((w * DT) ** 2 / 6, rel=0.08)
    # one-sided second-order ends: within a few times the interior error
    assert np.abs(a[[0, -1]] - w * np.cos(w * T[[0, -1]])).max() <= 4 * error * w + 1e-9


def test_below_the_crossover_error_under_a_thousandth():
    for f_hz in (0.1, 0.3, 0.5, 1.0):
        w = 2 * np.pi * f_hz
        a = differentiate(np.cos(w * T), FS)[1:-1]
        np.testing.assert_allclose(a, -w * np.sin(w * T[1:-1]), rtol=0, atol=1e-3 * w)


def test_displacement_twice_and_units():
    f_hz, amp_cm = 2.0, 3.0
    w = 2 * np.pi * f_hz
    d_cm = amp_cm * np.sin(w * T)
    acc = to_acceleration_mps2(d_cm, FS, "displacement", "cm")
    gain = (np.sin(w * DT) / DT) ** 2                       # applied twice (interior 2 samples in)
    np.testing.assert_allclose(acc[2:-2], -0.01 * amp_cm * gain * np.sin(w * T[2:-2]), rtol=0, atol=1e-9)
    v = to_acceleration_mps2(100 * np.sin(w * T), FS, "velocity", "cm/s")      # 1 m/s amplitude
    np.testing.assert_allclose(v[1:-1], np.sin(w * DT) / DT * np.cos(w * T[1:-1]), rtol=0, atol=1e-9)


def test_linear_in_amplitude():
    rng = np.random.default_rng(0)
    v = rng.standard_normal(500)
    np.testing.assert_allclose(to_acceleration_mps2(1e3 * v, FS, "velocity", "mm/s"),
                               to_acceleration_mps2(v, FS, "velocity", "m/s"), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("quantity, unit, factor", [
    ("velocity", "m/s", 1.0), ("velocity", "CM/S", 0.01), ("velocity", "cm/sec", 0.01), ("velocity", "mm/s", 1e-3),
    ("velocity", "nm/s", 1e-9), ("velocity", "m s^-1", 1.0), ("velocity", "in/s", 0.0254),
    ("displacement", "m", 1.0), ("displacement", "CM", 0.01), ("displacement", "nm", 1e-9)])
def test_unit_factors(quantity, unit, factor):
    assert unit_factor_si(quantity, unit) == factor


@pytest.mark.parametrize("quantity, unit", [("velocity", "cm"), ("velocity", "g"), ("displacement", "cm/s"),
                                            ("displacement", "furlong"), ("acceleration", "m/s^2")])
def test_wrong_units_refused(quantity, unit):
    with pytest.raises(UserError):
        unit_factor_si(quantity, unit)


def test_too_short_refused():
    with pytest.raises(UserError, match="3 samples"):
        differentiate(np.ones(2), FS)
