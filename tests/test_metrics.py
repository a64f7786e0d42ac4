"""Ground-motion metrics: closed forms, drift robustness, envelopes, scale behaviour of compute_all."""
import numpy as np
import pytest

from seisdiff.dsp import bandpass, lowpass
from seisdiff.evaluate import DEFAULT_FREQS_HZ, DEFAULT_PERIODS_S, compute_all
from seisdiff.evaluate.metrics import (
    energy_duration,
    envelope,
    envelope_correlation,
    lowband_consistency,
    pga,
    pgd,
    pgv,
    pre_event_level,
    spectral_unevenness,
)

FS = 100.0


def noise_record(seed, shape=(4096,)):
    rng = np.random.default_rng(seed)
    t = np.arange(shape[-1]) / FS
    return bandpass(rng.standard_normal(shape) * np.exp(-(((t - 12.0) / 4.0) ** 2)), FS, 0.1, 30.0)


def test_pgv_pgd_of_an_analytic_wave_packet():
    """d(t) = D·g(t)·sin(ωτ), g = exp(-(τ/σ)²), τ = t - t0: acceleration d'' fed in, the peaks
    of d' and d come out (zero mean, no content near the 0.05 Hz high-pass)."""
    disp_m, w, sigma = 0.04, 2 * np.pi * 1.0, 3.0
    tau = np.arange(4096) / FS - 20.0
    g = np.exp(-((tau / sigma) ** 2))
    dg = -2 * tau / sigma**2 * g
    ddg = (4 * tau**2 / sigma**4 - 2 / sigma**2) * g
    sin, cos = np.sin(w * tau), np.cos(w * tau)
    d = disp_m * g * sin
    v = disp_m * (dg * sin + w * g * cos)
    a = disp_m * (ddg * sin + 2 * w * dg * cos - w**2 * g * sin)
    assert pga(a) == pytest.approx(np.abs(a).max())
    assert pgv(a, FS) == pytest.approx(np.abs(v).max(), rel=0.01)
    assert pgd(a, FS) == pytest.approx(np.abs(d).max(), rel=0.01)


def test_pgv_pgd_ignore_a_small_acceleration_offset():
    """An offset of 0.1 % of PGA, integrated plainly over the 41 s record, gives a displacement
    drift many times this record's PGD; the high-passed integrals barely move."""
    x = noise_record(0)
    offset = 0.001 * pga(x)
    plain_drift = offset * (x.size / FS) ** 2 / 2
    assert plain_drift > 5 * pgd(x, FS)
    assert pgv(x + offset, FS) == pytest.approx(pgv(x, FS), rel=0.01)
    assert pgd(x + offset, FS) == pytest.approx(pgd(x, FS), rel=0.02)


def test_envelope_of_a_sine_is_its_amplitude():
    n, amplitude = 4000, 1.3
    x = amplitude * np.sin(2 * np.pi * 2.5 * np.arange(n) / FS)  # whole cycles: exact Hilbert pair
    np.testing.assert_allclose(envelope(x, FS, smooth_s=1.0), amplitude, rtol=1e-9)


def test_envelope_correlation_is_one_for_itself_and_scaled_copies():
    x = noise_record(1, (3, 4096))
    np.testing.assert_allclose(envelope_correlation(x, x, FS), 1.0, rtol=1e-12)
    np.testing.assert_allclose(envelope_correlation(x, 2 * x, FS), 1.0, rtol=1e-12)
    other = noise_record(2, (3, 4096))[:, ::-1]  # energy late instead of early
    assert np.all(envelope_correlation(x, other, FS) < 0.5)


def test_lowband_consistency_of_a_broadband_trace_with_its_own_low_band():
    """Realizations = the conditioning's source plus independent high-frequency noise."""
    source = noise_record(3, (2, 4096))
    conditioning = lowpass(source, FS, 1.0)
    hf = bandpass(np.random.default_rng(4).standard_normal((5, 2, 4096)), FS, 5.0, 30.0)
    corr, ratio = lowband_consistency(source + 0.1 * hf, conditioning, FS, 1.0)
    assert corr.shape == ratio.shape == (5, 2)
    np.testing.assert_allclose(corr, 1.0, atol=1e-3)
    np.testing.assert_allclose(ratio, 1.0, atol=1e-3)
    corr2, ratio2 = lowband_consistency(2 * source, conditioning, FS, 1.0)
    np.testing.assert_allclose(ratio2, 2.0, rtol=1e-9)
    np.testing.assert_allclose(corr2, 1.0, rtol=1e-9)


def test_compute_all_shapes_and_scale_behaviour():
    """Peaks, spectra and CAV scale with the record, Arias with its square, durations not at all."""
    x = noise_record(5, (2, 4096))
    m = compute_all(x, FS)
    assert set(m) == {"pga", "pgv", "pgd", "psa", "fas", "arias", "d5_75", "d5_95", "cav", "pre_event",
                      "energy_duration", "unevenness"}
    assert m["psa"].shape == (2, DEFAULT_PERIODS_S.size)
    assert m["fas"].shape == (2, DEFAULT_FREQS_HZ.size)
    for key in ("pga", "pgv", "pgd", "arias", "d5_75", "d5_95", "cav", "pre_event", "energy_duration", "unevenness"):
        assert m[key].shape == (2,)
    assert np.all(m["d5_75"] < m["d5_95"])
    scaled = compute_all(3.0 * x, FS)
    power = {"arias": 2, "d5_75": 0, "d5_95": 0, "pre_event": 0, "energy_duration": 0, "unevenness": 0}
    for key in m:
        np.testing.assert_allclose(scaled[key], 3.0 ** power.get(key, 1) * m[key], rtol=1e-9)


def sine_bursts(pre_amplitude, peak_amplitude, n=4096, freq_hz=10.0):
    """A 10 Hz sine of amplitude pre_amplitude over [0, 2 s) and of peak_amplitude over [20, 22 s),
    zero elsewhere: both bursts hold whole cycles, far above the 2 Hz high-pass (gain 1 − 3e-6; the burst edges cost < 1 %)."""
    t = np.arange(n) / FS
    sine = np.sin(2 * np.pi * freq_hz * t)
    return np.where(t < 2.0, pre_amplitude * sine, 0.0) + np.where((t >= 20.0) & (t < 22.0), peak_amplitude * sine, 0.0)


def test_pre_event_level_of_sine_bursts_is_rms_over_peak():
    """rms of a sine over whole cycles is a/√2: level = a / (√2 · b), whatever the scale."""
    for a, b in ((0.01, 1.0), (0.05, 0.5), (0.0, 2.0)):
        x = sine_bursts(a, b)
        assert pre_event_level(x, FS) == pytest.approx(a / (np.sqrt(2) * b), rel=0.01, abs=1e-6)  # burst edges
        assert pre_event_level(7.0 * x, FS) == pytest.approx(pre_event_level(x, FS), rel=1e-9)
    # below the 2 Hz corner nothing counts: a 0.3 Hz pre-event swing leaves the level near zero
    t = np.arange(4096) / FS
    slow = sine_bursts(0.0, 1.0) + 0.5 * np.sin(2 * np.pi * 0.3 * t) * (t < 10 / 3)
    assert pre_event_level(slow, FS) < 0.01
    # batched, and NaN where it is undefined (a trace shorter than 2 s, or no high frequencies)
    both = np.stack([sine_bursts(0.01, 1.0), sine_bursts(0.04, 1.0)])
    np.testing.assert_allclose(pre_event_level(both, FS), [0.01 / np.sqrt(2), 0.04 / np.sqrt(2)], rtol=0.01)
    assert np.isnan(pre_event_level(np.ones(150), FS))
    assert np.isnan(pre_event_level(np.zeros(4096), FS))


def test_pre_event_level_of_stationary_noise_is_rms_over_peak():
    """Noise spread over the whole trace: the level is its rms / its peak (about 1/4 for 4096
    Gaussian samples), far above a record that is quiet before the event."""
    x = bandpass(np.random.default_rng(6).standard_normal(4096), FS, 3.0, 30.0)
    h = x  # already above 2 Hz (the high-pass barely changes it)
    expected = np.sqrt(np.mean(h[:200] ** 2)) / np.abs(h).max()
    assert pre_event_level(x, FS) == pytest.approx(expected, rel=0.05)
    assert 0.15 < pre_event_level(x, FS) < 0.4
    assert pre_event_level(noise_record(7), FS) < 0.01  # energy around 12 s, nothing in the first 2 s


def test_energy_duration_of_a_sine_burst_and_of_a_spike():
    """∫x²dt / PGA²: a sine of whole cycles lasting D s gives D/2 whatever its amplitude; one spike 1/fs."""
    t = np.arange(4096) / FS
    burst = np.where((t >= 10.0) & (t < 16.0), 0.3 * np.sin(2 * np.pi * 5.0 * t), 0.0)
    spike = np.zeros(4096)
    spike[100] = -2.0
    np.testing.assert_allclose(energy_duration(np.stack([burst, 7.0 * burst, spike]), FS), [3.0, 3.0, 1.0 / FS],
                               rtol=1e-3)
    assert np.isnan(energy_duration(np.zeros(10), FS))


def test_spectral_unevenness_of_designed_spectra():
    """Random phases under a designed amplitude: a pure power law (any slope, any level) lies on its
    line (unevenness ~0); a ripple r·cos(2π·2·u) in ln amplitude, u the position in ln f across 2–25 Hz
    (two whole cycles: no linear part for the line to take), gives r/√2 (a cosine's sd over whole cycles)
    times sin(π/8)/(π/8) (each of the 16 bins averages an eighth of a cycle)."""
    n = 8192
    freqs_hz = np.fft.rfftfreq(n, 1.0 / FS)
    phase = np.exp(2j * np.pi * np.random.default_rng(0).random(freqs_hz.size))
    f = np.maximum(freqs_hz, 0.1)
    u = np.log(f / 2.0) / np.log(25.0 / 2.0)

    def trace(ln_amplitude):
        return np.fft.irfft(np.exp(ln_amplitude) * phase, n=n)
    smooth = [trace(np.log(3.0) - 1.3 * np.log(f)), trace(-0.4 * np.log(f))]
    assert np.all(spectral_unevenness(np.stack(smooth), FS) < 0.02)
    for r in (0.3, 0.6):
        rough = trace(-1.0 * np.log(f) + r * np.cos(2 * np.pi * 2.0 * u))
        expected = r / np.sqrt(2) * np.sin(np.pi / 8) / (np.pi / 8)
        assert spectral_unevenness(rough, FS) == pytest.approx(expected, rel=0.03)
    assert np.isnan(spectral_unevenness(np.zeros(n), FS))
    assert np.isnan(spectral_unevenness(smooth[0][:100], FS))          # 1 s: 1 Hz apart, some bins hold none
