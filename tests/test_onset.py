"""Pre-event gate (engine.onset): onset and gate in closed form, the low band kept, nothing changed
without pre-event motion, pre-onset high frequencies removed."""
import numpy as np
import pytest
from synth import accelerogram

from seisdiff.dsp import bandpass, highpass, lowpass
from seisdiff.engine.onset import LEAD_S, RAMP_S, gate, gate_pre_event, noise_floor, onset_time_s
from seisdiff.evaluate.metrics import pre_event_level

FS, CROSSOVER, N = 100.0, 1.0, 4096


def event(seed=0, pga=1.0):
    """Envelope-modulated noise, zero before 0.2 × 40.96 s = 8.19 s, peak pga (m/s²)."""
    return accelerogram(seed, n=N, fs_hz=FS, pga=pga)


def hf_noise(seed, shape=(N,), rms=0.02):
    x = bandpass(np.random.default_rng(seed).standard_normal(shape), FS, 3.0, 30.0)
    return x * rms / np.sqrt(np.mean(x**2, axis=-1, keepdims=True))


def test_onset_of_a_square_wave_starting_late_is_the_husid_crossing():
    """A square wave (|a| = 1) from t0 on: the Husid curve rises linearly from t0 to the last sample
    T, so fraction f is reached at t0 + f·(T − t0); a silent trace has no onset."""
    t = np.arange(N) / FS
    t0, end = 10.0, (N - 1) / FS
    cond = np.where(t >= t0, np.sign(np.sin(2 * np.pi * 0.5 * (t - t0) + 0.1)), 0.0)
    for f in (0.001, 0.01, 0.1):
        assert onset_time_s(cond, FS, f) == pytest.approx(t0 + f * (end - t0), abs=1 / FS)
    both = onset_time_s(np.stack([cond, 3 * cond, np.zeros(N)]), FS, 0.01)
    assert both[0] == pytest.approx(both[1], abs=1e-9) and np.isnan(both[2])


def test_gate_shape():
    g = gate(N, FS, np.array([10.0, np.nan]), lead_s=2.0, ramp_s=1.0, floor=0.1)
    t = np.arange(N) / FS
    assert np.all(g[1] == 1.0)                                   # no onset: untouched
    np.testing.assert_allclose(g[0][t < 7.0], 0.1)               # floor before onset − lead − ramp
    np.testing.assert_allclose(g[0][t >= 8.0], 1.0)              # open from onset − lead
    assert g[0][int(7.5 * FS)] == pytest.approx(0.1 + 0.9 * 0.5)  # half way up the raised cosine
    assert np.all(np.diff(g[0]) >= 0)


def test_low_band_is_untouched():
    """The lf-merge invariant: lowpass(output) = lowpass(input) to the merge tolerance, for traces
    with strong high frequencies everywhere (generated = event + noise from the first sample)."""
    source = np.stack([event(s) for s in range(3)])
    generated = source + hf_noise(1, source.shape, rms=0.05)
    cond = lowpass(source, FS, CROSSOVER)
    for tol in (0.02, 0.005):
        out = gate_pre_event(generated, cond, FS, CROSSOVER, tol=tol)
        low_in, low_out = lowpass(generated, FS, CROSSOVER), lowpass(out, FS, CROSSOVER)
        err = np.linalg.norm(low_out - low_in, axis=-1) / np.linalg.norm(low_in, axis=-1)
        assert np.all(err <= tol * 1.0001)
    assert out.dtype == generated.dtype and out.shape == generated.shape


def sharp_event(seed, t0_s=15.0, pga=2.0):
    """Noise under a fast-rising envelope (t − t0)·exp(−(t − t0)/1 s) from t0 on (m/s²), zero before."""
    t = np.arange(N) / FS
    env = np.where(t > t0_s, (t - t0_s) * np.exp(-(t - t0_s)), 0.0)
    x = bandpass(np.random.default_rng(seed).standard_normal(N), FS, 0.2, 25.0) * env
    return x * pga / np.abs(x).max()


def test_a_trace_without_pre_event_motion_is_unchanged():
    """Generated = the event itself (nothing before 15 s): the conditioning's onset is soon after, the
    gate closes only where there is no motion (more than the filters' reach before it), so nothing
    changes."""
    source = np.stack([sharp_event(s) for s in range(3)]).astype(np.float32)
    cond = lowpass(source, FS, CROSSOVER)
    onset = onset_time_s(cond, FS)
    assert np.all(onset > 15.0) and np.all(onset - LEAD_S - RAMP_S < 15.0 - 1.5)
    out = gate_pre_event(source, cond, FS, CROSSOVER)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, source, atol=1e-4 * 2.0)
    silent = gate_pre_event(source, np.zeros_like(cond), FS, CROSSOVER)  # no onset at all
    np.testing.assert_array_equal(silent, source)


def test_pre_onset_high_frequencies_are_removed():
    """Generated = event + stationary > 3 Hz noise: before onset − lead − ramp the > 2 Hz motion goes
    (to < 1 % of its rms), after onset − lead the trace is unchanged, and the pre-event level of the
    first 2 s drops to the event's own (zero) level."""
    source = np.stack([event(s) for s in range(3)])
    noise = hf_noise(2, source.shape, rms=0.03)
    generated = source + noise
    cond = lowpass(source, FS, CROSSOVER)
    out = gate_pre_event(generated, cond, FS, CROSSOVER)
    t = np.arange(N) / FS
    onset = onset_time_s(cond, FS)
    for i in range(3):
        closed = t < onset[i] - LEAD_S - RAMP_S - 0.5   # 0.5 s clear of the ramp (filter edges)
        opened = t > onset[i] - LEAD_S + 0.5
        hf_before = np.sqrt(np.mean(highpass(out[i], FS, 2.0)[closed] ** 2))
        assert hf_before < 0.01 * 0.03
        np.testing.assert_allclose(out[i][opened], generated[i][opened], atol=0.02 * 0.03)
    assert np.all(pre_event_level(generated, FS) > 0.02)
    assert np.all(pre_event_level(out, FS) < 0.1 * pre_event_level(generated, FS))


def test_noise_floor_is_the_conditionings_pre_event_noise_to_signal_ratio():
    """Conditioning: a 0.5 Hz sine of amplitude a up to 20 s, then of amplitude b (whole cycles): the
    floor before 15 s against the 10 s after 20 s is a/b; 0 without pre-event motion; at most 1."""
    t = np.arange(N) / FS
    sine = np.sin(2 * np.pi * 0.5 * t)
    for a, b in ((0.1, 1.0), (0.0, 1.0), (2.0, 1.0)):
        cond = np.where(t < 20.0, a, b) * sine
        assert noise_floor(cond, FS, 20.0, 15.0) == pytest.approx(min(a / b, 1.0), rel=1e-6, abs=1e-12)
    assert noise_floor(sine, FS, np.nan, np.nan) == 0.0
    # gate_pre_event keeps that fraction of the pre-event high frequencies (here 0.1), or a fixed one
    cond = lowpass(np.where(t < 20.0, 0.1, 1.0) * sine, FS, CROSSOVER)
    generated = cond + hf_noise(5, (N,), rms=0.05)
    early = t < 10.0
    for floor, kept in ((None, 0.1), (0.5, 0.5)):
        out = gate_pre_event(generated, cond, FS, CROSSOVER, floor=floor)
        hf_ratio = np.std(highpass(out, FS, 3.0)[early]) / np.std(highpass(generated, FS, 3.0)[early])
        assert hf_ratio == pytest.approx(kept, rel=0.05)
