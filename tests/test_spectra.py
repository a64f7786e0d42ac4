"""Fourier amplitude spectra and Konno–Ohmachi smoothing: closed forms and ObsPy."""
import numpy as np
import pytest
from obspy.signal.konnoohmachismoothing import konno_ohmachi_smoothing

from seisdiff.evaluate.spectra import fas, konno_ohmachi, log_freqs, smoothed_fas


def test_fas_of_a_sine_peaks_at_its_frequency_with_a_t_over_2():
    fs, n, amplitude = 100.0, 4000, 0.6
    freq = 2.5  # on the FFT grid: n / fs = 40 s holds 100 whole cycles
    x = amplitude * np.sin(2 * np.pi * freq * np.arange(n) / fs)
    freqs, amp = fas(x, fs)
    assert freqs.shape == amp.shape == (n // 2 + 1,)
    assert freqs[np.argmax(amp)] == pytest.approx(freq)
    assert amp.max() == pytest.approx(amplitude * (n / fs) / 2, rel=1e-9)


def test_fas_parseval_and_batch():
    fs = 50.0
    x = np.random.default_rng(0).standard_normal((3, 1000))
    freqs, amp = fas(x, fs)
    assert amp.shape == (3, 501)
    # Parseval for a one-sided spectrum of even length: DC and Nyquist counted once
    weights = np.full(501, 2.0)
    weights[[0, -1]] = 1.0
    energy_freq = (weights * amp**2).sum(axis=-1) * fs / 1000
    np.testing.assert_allclose(energy_freq, (x**2).sum(axis=-1) / fs, rtol=1e-10)


@pytest.mark.parametrize("b", [20, 40])
def test_konno_ohmachi_matches_obspy(b):
    """ObsPy evaluated one spectrum at a time: for 2-D input it switches to a smoothing-matrix
    product that applies the row-normalised matrix transposed (not a weighted mean)."""
    fs = 100.0
    x = np.random.default_rng(1).standard_normal((2, 2048))
    freqs, amp = fas(x, fs)
    ref = np.stack([konno_ohmachi_smoothing(a, freqs, bandwidth=b, normalize=True) for a in amp])
    picks = np.arange(5, freqs.size, 37)  # centres on grid frequencies
    ours = konno_ohmachi(freqs, amp, freqs[picks], b=b)
    np.testing.assert_allclose(ours, ref[:, picks], rtol=1e-9)


def test_konno_ohmachi_keeps_a_flat_spectrum_and_is_linear():
    freqs = np.linspace(0, 50, 1001)
    centres = log_freqs(0.2, 40.0, 30)
    flat = np.full((2, freqs.size), 3.0)
    np.testing.assert_allclose(konno_ohmachi(freqs, flat, centres), 3.0, rtol=1e-12)
    s = np.random.default_rng(2).random((2, freqs.size))
    np.testing.assert_allclose(
        konno_ohmachi(freqs, 2 * s + flat, centres), 2 * konno_ohmachi(freqs, s, centres) + 3.0, rtol=1e-12
    )


def test_smoothed_fas_of_a_sine_is_centred_on_it():
    fs, n = 100.0, 4096
    x = np.sin(2 * np.pi * 5.0 * np.arange(n) / fs) * np.hanning(n)
    centres = log_freqs(0.5, 30.0, 60)
    smoothed = smoothed_fas(x, fs, centres)
    assert smoothed.shape == (60,)
    assert centres[np.argmax(smoothed)] == pytest.approx(5.0, rel=0.05)


def test_log_freqs_and_bad_centres():
    f = log_freqs(0.1, 30.0, 50)
    assert f[0] == pytest.approx(0.1) and f[-1] == pytest.approx(30.0)
    np.testing.assert_allclose(np.diff(np.log(f)), np.log(300) / 49)
    with pytest.raises(ValueError, match="centre frequencies"):
        konno_ohmachi(np.linspace(0, 10, 11), np.ones(11), [20.0])
