"""Baselines: lf_only is the conditioning; the stochastic one keeps the low band, adds an ω²·κ
spectrum above the crossover at the conditioning's level, and is seeded and linear in amplitude."""
import numpy as np
import pytest
from synth import accelerogram

from seisdiff.dsp import highpass, lowpass
from seisdiff.dsp.level import lowband_level, reference_frequency_hz
from seisdiff.evaluate import baselines

FS_HZ, LOWPASS_HZ, LENGTH = 100.0, 1.0, 4096


@pytest.fixture(scope="module")
def records():
    """(broadband, conditioning): (6, 1, L) float32 m/s², conditioning = lowpass(broadband)."""
    bb = np.stack([accelerogram(s, n=LENGTH, fs_hz=FS_HZ, pga=0.5 + 0.3 * s) for s in range(6)])
    bb = bb[:, None].astype(np.float32)
    return bb, lowpass(bb, FS_HZ, LOWPASS_HZ)


def _rms_fas(x, lo_hz, hi_hz):
    """RMS Fourier amplitude (m/s) over all traces of x (..., L) between lo_hz and hi_hz."""
    f = np.fft.rfftfreq(x.shape[-1], 1.0 / FS_HZ)
    band = (f >= lo_hz) & (f < hi_hz)
    amp = np.abs(np.fft.rfft(np.asarray(x, dtype=np.float64), axis=-1)) / FS_HZ
    return np.sqrt((amp[..., band] ** 2).mean())


def test_lf_only_is_the_conditioning(records):
    bb, cond = records
    out = baselines.lf_only(cond, FS_HZ, LOWPASS_HZ)
    assert out.dtype == cond.dtype and out is not cond
    np.testing.assert_array_equal(out, cond)
    # nothing above the crossover: the distance to "no high frequencies"
    assert _rms_fas(out, 3.0, 25.0) < 1e-3 * _rms_fas(bb, 3.0, 25.0)


def test_stochastic_keeps_the_low_band_and_adds_matched_high_frequencies(records):
    bb, cond = records
    out = baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=0)
    assert out.shape == cond.shape and out.dtype == np.float32
    low_out = lowpass(out, FS_HZ, 0.5 * LOWPASS_HZ)[:, 0]
    low_cond = lowpass(cond, FS_HZ, 0.5 * LOWPASS_HZ)[:, 0]
    for a, b in zip(low_out, low_cond):
        assert np.corrcoef(a, b)[0, 1] > 0.999
    # level matched at the crossover: just above it, the spectrum is that of the broadband record
    # (the synthetic records are flat there; the κ = 0.04 s decay costs ~25 % by 2.5 Hz)
    ratio = _rms_fas(out, 1.5, 3.5) / _rms_fas(bb, 1.5, 3.5)
    assert 0.4 < ratio < 1.5
    assert _rms_fas(highpass(out, FS_HZ, 2.0), 3.0, 25.0) > 0.2 * _rms_fas(bb, 3.0, 25.0)


@pytest.mark.parametrize("kappa_s", [0.02, 0.05])
def test_stochastic_spectrum_decays_as_kappa_above_the_corner(records, kappa_s):
    _, cond = records
    out = baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=1, kappa_s=kappa_s)
    f = np.fft.rfftfreq(LENGTH, 1.0 / FS_HZ)
    power = (np.abs(np.fft.rfft(out.astype(np.float64), axis=-1)) ** 2).mean(axis=(0, 1))
    band = (f > 5.0) & (f < 25.0)
    slope = np.polyfit(f[band], 0.5 * np.log(power[band]), 1)[0]
    assert slope == pytest.approx(-np.pi * kappa_s, rel=0.25)


@pytest.mark.parametrize("corner_hz", [0.15, 0.5, 1.5])
def test_reference_level_of_an_omega_squared_spectrum(corner_hz):
    # deterministic |X(f)| = ω²-shape·κ-decay with random phases, then the store's low-pass: the
    # level measured below the crossover, corrected for the filter, is the broadband one at f_ref
    kappa_s = 0.04
    f = np.fft.rfftfreq(LENGTH, 1.0 / FS_HZ)
    amp = 0.02 * baselines._brune(f, corner_hz) * np.exp(-np.pi * kappa_s * f)
    phase = np.exp(2j * np.pi * np.random.default_rng(3).random(f.size))
    cond = lowpass(np.fft.irfft(amp * phase * FS_HZ, n=LENGTH), FS_HZ, LOWPASS_HZ)
    level = lowband_level(np.fft.rfft(cond) / FS_HZ, f, LOWPASS_HZ, 4)
    f_ref = reference_frequency_hz(LOWPASS_HZ)
    expected = 0.02 * baselines._brune(f_ref, corner_hz) * np.exp(-np.pi * kappa_s * f_ref)
    assert level == pytest.approx(expected, rel=0.1)
    # with the same corner and κ, the stochastic spectrum continues that of the broadband record
    out = baselines.stochastic(cond[None], FS_HZ, LOWPASS_HZ, rng=0, corner_hz=corner_hz)
    fas = np.abs(np.fft.rfft(out[0])) / FS_HZ
    band = (f > 2.0) & (f < 20.0)
    assert np.sqrt(np.mean((fas[band] / amp[band]) ** 2)) == pytest.approx(1.0, rel=0.15)  # RMS


def test_stochastic_is_seeded_and_linear_in_amplitude():
    cond = lowpass(np.stack([[accelerogram(s + 10 * c, n=2048) for c in range(3)] for s in range(2)]),
                   FS_HZ, LOWPASS_HZ)  # (2, 3, 2048) float64: three channels
    a = baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=7)
    np.testing.assert_array_equal(a, baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=7))
    assert not np.allclose(a, baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=8))
    for k in (1e-3, 25.0):
        scaled = baselines.stochastic(k * cond, FS_HZ, LOWPASS_HZ, rng=7)
        np.testing.assert_allclose(scaled, k * a, rtol=0, atol=1e-9 * k * np.abs(a).max())


def test_stochastic_takes_one_kappa_per_record(records):
    """An array κ (n, 1) gives each record exactly what a scalar κ gives it alone (same noise), and
    the measured decay (dsp.kappa) follows it."""
    from seisdiff.dsp.kappa import kappa_s as measure

    _, cond = records
    kappas = np.array([0.02, 0.08, 0.02, 0.08, 0.02, 0.08])
    per_record = baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=3, kappa_s=kappas[:, None])
    for k in (0.02, 0.08):
        alone = baselines.stochastic(cond, FS_HZ, LOWPASS_HZ, rng=3, kappa_s=k)
        np.testing.assert_allclose(per_record[kappas == k], alone[kappas == k], rtol=1e-5, atol=1e-9)
    measured = measure(per_record, FS_HZ, per_record_axes=2)
    assert np.median(measured[kappas == 0.08]) - np.median(measured[kappas == 0.02]) == pytest.approx(0.06, abs=0.01)
