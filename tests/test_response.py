"""Response spectra: against pyrotd (frequency domain) on NGA-West2 records and noise, closed forms,
the exact recurrence coefficients, invariants."""
import re
import warnings

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.signal import resample

from seisdiff import G_MPS2
from seisdiff.dsp import bandpass, lowpass
from seisdiff.dsp.response import _coefficients, psa, response_spectra, rotd50


@pytest.fixture(scope="module")
def pyrotd():
    """pyrotd (it imports pkg_resources: the test extras pin setuptools<81, which still ships it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        module = pytest.importorskip("pyrotd")
    module.processes = 1  # its multiprocessing pool would compete with the other tests
    return module


def read_at2(path):
    """(acc_mps2 (n,), fs_hz) of a PEER .AT2 file (units of g)."""
    lines = path.read_text().splitlines()
    header = re.search(r"NPTS=\s*(\d+),\s*DT=\s*([\d.Ee+-]+)", lines[3])
    npts, dt = int(header.group(1)), float(header.group(2))
    return np.array(" ".join(lines[4:]).split(), dtype=float)[:npts] * G_MPS2, 1.0 / dt


def pyrotd_psa(pyrotd, x, fs, periods, pad_s=100.0):
    """pyrotd PSA on a zero-padded record (its FFT is circular) with 40 output points per
    oscillator cycle (max_freq_ratio=20; the default 10 points miss peaks by up to ~3 %)."""
    padded = np.concatenate([x, np.zeros(int(pad_s * fs))])
    return pyrotd.calc_spec_accels(1.0 / fs, padded, 1.0 / periods, 0.05, max_freq_ratio=20).spec_accel


def test_coefficients_are_the_exact_discretisation():
    """The closed-form recurrence equals exp of the Van Loan block matrix for a linear ramp."""
    periods = np.array([0.002, 0.01, 0.3, 10.0])
    for damping, h in [(0.05, 0.01), (0.2, 0.0025), (0.0, 0.0049)]:
        coef = _coefficients(periods, damping, h)
        for p, period in enumerate(periods):
            w = 2 * np.pi / period
            m = np.zeros((4, 4))
            m[:2, :2] = [[0, 1], [-(w**2), -2 * damping * w]]
            m[:2, 2] = [0, -1]  # ground acceleration a(t) = a_i + (a_{i+1} - a_i)·s/h
            m[2, 3] = 1.0 / h
            e = expm(m * h)
            phi, gamma0, gamma1 = e[:2, :2], e[:2, 2], e[:2, 3]
            expected = np.concatenate([phi.ravel(), gamma0 - gamma1, gamma1])
            np.testing.assert_allclose(coef[p], expected, rtol=1e-7, atol=1e-12 * np.abs(expected).max())


def test_psa_matches_pyrotd_on_ngaw2(ngaw2_dir, pyrotd):
    periods = np.geomspace(0.01, 5.0, 20)
    names = ["RSN5000_CHUETSU_FKS031EW", "RSN5456_IWATE_AKT001NS", "RSN5874_SIERRA.MEX_SIL090"]
    for name in names:  # 100, 100 and 200 Hz
        x, fs = read_at2(ngaw2_dir / f"{name}.AT2")
        x = x[:4000]
        np.testing.assert_allclose(psa(x, fs, periods), pyrotd_psa(pyrotd, x, fs, periods), rtol=0.01)


def test_psa_matches_pyrotd_on_white_noise(pyrotd):
    """Flat spectrum up to the Nyquist frequency: the hardest case for short periods."""
    fs = 100.0
    x = np.random.default_rng(3).standard_normal(2000) * np.hanning(2000)
    periods = np.geomspace(0.01, 3.0, 16)
    np.testing.assert_allclose(psa(x, fs, periods), pyrotd_psa(pyrotd, x, fs, periods, 60.0), rtol=0.01)


def test_very_short_period_gives_pga():
    """A stiff oscillator follows the ground: PSA is the peak of the band-limited acceleration
    (a tapered record, so without jumps at its ends), at or a little above the sampled PGA."""
    fs = 100.0
    x = lowpass(np.random.default_rng(4).standard_normal((3, 3000)), fs, 10.0) * np.hanning(3000)
    true_peak = np.abs(resample(x, 3000 * 16, axis=-1)).max(axis=-1)
    short = psa(x, fs, [0.002])[:, 0]
    np.testing.assert_allclose(short, true_peak, rtol=0.002)
    np.testing.assert_allclose(short, np.abs(x).max(axis=-1), rtol=0.02)


@pytest.mark.parametrize("period_s", [0.05, 1.0])
def test_resonant_sine_amplification_is_one_over_two_zeta(period_s):
    """A sine at the oscillator period: steady-state |u| = A/(2ζω²), i.e. PSA = A/(2ζ).
    The envelope builds up as 1 - exp(-ζωt); 30 e-folds make the build-up exact."""
    fs, amplitude, damping = 100.0, 0.7, 0.05
    w = 2 * np.pi / period_s
    t = np.arange(int(30 / (damping * w) * fs)) / fs
    x = amplitude * np.sin(w * t)
    assert psa(x, fs, [period_s], damping)[0] == pytest.approx(amplitude / (2 * damping), rel=0.01)


def test_peak_after_the_record_end_is_kept():
    """A pulse ending with the record: the long-period oscillator peaks later, in free vibration."""
    fs = 100.0
    t = np.arange(200) / fs
    x = np.sin(2 * np.pi * t / 2.0)  # one cycle of a 2 s sine ends with the record
    periods = np.array([1.0, 4.0, 8.0])
    padded = np.concatenate([x, np.zeros(2000)])
    np.testing.assert_allclose(psa(x, fs, periods), psa(padded, fs, periods), rtol=1e-3)


def test_psa_is_homogeneous_and_batched():
    fs = 100.0
    x = bandpass(np.random.default_rng(5).standard_normal((2, 3, 1500)), fs, 0.1, 30.0)
    periods = np.geomspace(0.02, 5.0, 12)
    ref = psa(x, fs, periods)
    assert ref.shape == (2, 3, 12)
    np.testing.assert_allclose(psa(-3.5 * x, fs, periods), 3.5 * ref, rtol=1e-12)
    np.testing.assert_allclose(psa(x[1, 2], fs, periods), ref[1, 2], rtol=1e-12)
    np.testing.assert_allclose(psa(x.astype(np.float32), fs, periods), ref, rtol=1e-5)


def test_response_spectra_relations_and_undamped_total_acceleration():
    fs = 100.0
    x = bandpass(np.random.default_rng(6).standard_normal(2000), fs, 0.1, 30.0)
    periods = np.geomspace(0.05, 4.0, 10)
    w = 2 * np.pi / periods
    spec = response_spectra(x, fs, periods)
    np.testing.assert_allclose(spec["psa"], w**2 * spec["sd"])
    np.testing.assert_allclose(spec["psv"], w * spec["sd"])
    # without damping the total acceleration is -ω²u: its sampled peak is the peak of ω²|u|
    undamped = response_spectra(x, fs, periods, damping=0.0)
    np.testing.assert_allclose(undamped["sa"], undamped["psa"], rtol=0.005)


def test_sv_matches_pyrotd(ngaw2_dir, pyrotd):
    x, fs = read_at2(ngaw2_dir / "RSN5816_IWATE_48A41EW.AT2")
    x = x[:4000]
    periods = np.geomspace(0.05, 3.0, 10)
    padded = np.concatenate([x, np.zeros(int(100 * fs))])
    ref = pyrotd.calc_spec_accels(1 / fs, padded, 1 / periods, 0.05, max_freq_ratio=20, osc_type="sv")
    np.testing.assert_allclose(response_spectra(x, fs, periods)["sv"], ref.spec_accel, rtol=0.01)


def test_non_finite_record_gives_nan_and_leaves_others():
    fs = 100.0
    x = np.random.default_rng(7).standard_normal((3, 500))
    ref = psa(x, fs, [0.1, 1.0])
    x[1, 10] = np.nan
    out = psa(x, fs, [0.1, 1.0])
    assert np.isnan(out[1]).all()
    np.testing.assert_array_equal(out[[0, 2]], ref[[0, 2]])


def test_rotd50_matches_pyrotd_on_ngaw2_pair(ngaw2_dir, pyrotd):
    a, fs = read_at2(ngaw2_dir / "RSN5000_CHUETSU_FKS031EW.AT2")
    b, _ = read_at2(ngaw2_dir / "RSN5000_CHUETSU_FKS031NS.AT2")
    a, b = a[:4000], b[:4000]
    periods = np.geomspace(0.02, 3.0, 8)
    pad = np.zeros(int(100 * fs))
    ref = pyrotd.calc_rotated_spec_accels(
        1 / fs, np.r_[a, pad], np.r_[b, pad], 1 / periods, 0.05, percentiles=[50], max_freq_ratio=20
    )
    np.testing.assert_allclose(rotd50(a, b, fs, periods), ref.spec_accel, rtol=0.01)


def test_rotd50_of_a_single_component_is_cos45_of_its_psa():
    """Rotating (x, 0) scales the response by |cos θ|, whose median over [0°, 180°) is cos 45°."""
    fs = 100.0
    x = bandpass(np.random.default_rng(8).standard_normal((2, 1500)), fs, 0.1, 30.0)
    periods = np.geomspace(0.05, 3.0, 6)
    np.testing.assert_allclose(
        rotd50(x, np.zeros_like(x), fs, periods), np.cos(np.pi / 4) * psa(x, fs, periods), rtol=0.005
    )
