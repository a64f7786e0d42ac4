"""κ (Anderson & Hough) against records built with a known exp(−π κ f) spectrum."""
import numpy as np
import pytest

from seisdiff import dsp
from seisdiff.dsp.kappa import kappa_s

FS_HZ = 100.0


def decaying_noise(kappa, n=4096, n_records=8, seed=0, fs=FS_HZ):
    """Records (n_records, n) whose Fourier amplitude is exactly exp(−π κ f) · white random phase."""
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(n, 1 / fs)
    spec = np.exp(-np.pi * kappa * freqs) * rng.standard_normal((n_records, len(freqs)))
    spec = spec * np.exp(2j * np.pi * rng.random((n_records, len(freqs))))
    return np.fft.irfft(spec, n=n, axis=-1)


@pytest.mark.parametrize("kappa", [0.02, 0.045, 0.07])
def test_recovers_known_kappa(kappa):
    est = kappa_s(decaying_noise(kappa), FS_HZ)
    assert est.shape == (8,)
    assert abs(np.median(est) - kappa) < 0.004
    assert np.all(np.abs(est - kappa) < 0.012)


def test_divides_out_the_broadband_lowpass():
    """After the store's 0.1–30 Hz zero-phase band-pass, the corrected estimate is unbiased, the
    uncorrected one is biased high (the filter steepens the decay near 20 Hz)."""
    x = decaying_noise(0.04, n_records=16, seed=1)
    band = dsp.bandpass(x, FS_HZ, 0.1, 22.0, 4)
    corrected = np.median(kappa_s(band, FS_HZ, lowpass_hz=22.0, filter_order=4))
    raw = np.median(kappa_s(band, FS_HZ))
    assert abs(corrected - 0.04) < 0.004
    assert raw > corrected + 0.004


def test_amplitude_invariant_and_multichannel():
    x = decaying_noise(0.05, n_records=6, seed=2).reshape(2, 3, -1)
    per_record = kappa_s(x, FS_HZ, per_record_axes=2)
    assert per_record.shape == (2,)
    np.testing.assert_allclose(kappa_s(x * 1e-3, FS_HZ, per_record_axes=2), per_record, rtol=1e-9)
    assert np.all(np.abs(per_record - 0.05) < 0.006)


def test_undefined_cases_are_nan():
    assert np.isnan(kappa_s(np.zeros((2, 1024)), FS_HZ)).all()
    assert np.isnan(kappa_s(decaying_noise(0.04), 40.0)).all()  # 20 Hz above 0.9 × Nyquist
