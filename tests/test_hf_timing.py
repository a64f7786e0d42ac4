"""The high band's timing model (engine/hf_timing.py): offsets of known boxes of noise, the taper
that moves a generated high band's 5 %/95 % Arias times onto their targets while keeping its energy,
what it leaves alone, and its place in the level model (`hf_level.apply`: timing, then level)."""
import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.engine import hf_level, hf_timing

FS = 100.0
N = 6000        # 60 s


def _box_noise(rng, n, start_s, stop_s, band="high"):
    """(n, N) white noise (high: minus its < 1 Hz part; low: its < 1 Hz part) inside [start_s, stop_s), 0 outside."""
    t = np.arange(N) / FS
    x = rng.standard_normal((n, N)) * ((t >= start_s) & (t < stop_s))
    low = lowpass(x, FS, 1.0)
    return x - low if band == "high" else low


def _high(x):
    return x - lowpass(x, FS, 1.0)


def test_offsets_of_boxes_of_noise_match_the_closed_form():
    """Stationary noise in a box [a, b): 5 % and 95 % Arias times at a + 0.05·(b − a) and a + 0.95·(b − a)
    (the low band's box edges are smeared ~0.5 s by its filter, symmetric around them)."""
    rng = np.random.default_rng(0)
    low = _box_noise(rng, 40, 10.0, 50.0, "low")
    high = _box_noise(rng, 40, 9.0, 39.0)
    onset_s, end_s = hf_timing.offsets_s(low + high, low, FS, 1.0)
    # high band: 9 + 1.5 = 10.5, 9 + 28.5 = 37.5; low band: 10 + 2 = 12, 10 + 38 = 48
    model = hf_timing.fit(onset_s, end_s)
    assert abs(model["onset_s"] - (10.5 - 12.0)) < 0.4 and abs(model["end_s"] - (37.5 - 48.0)) < 0.4
    assert model["n_traces"] == 40 and model["onset_fraction"] == 0.05
    assert hf_timing.fit([np.nan], [1.0]) is None
    # anchored on the low band's first arrival instead: its 0.2 % time, 10 + 0.08 s (the filter smears the
    # box edge by ~0.5 s, both ways); the end as before
    q = hf_timing.FIRST_ARRIVAL_FRACTION
    first, end_first = hf_timing.offsets_s(low + high, low, FS, 1.0, onset_fraction=q)
    model = hf_timing.fit(first, end_first, onset_fraction=q)
    assert model["onset_fraction"] == q == 0.002
    assert abs(model["onset_s"] - (10.5 - 10.08)) < 0.3
    assert model["end_s"] == hf_timing.fit(onset_s, end_s)["end_s"]


def test_apply_moves_the_high_band_onto_its_targets_and_keeps_its_energy():
    rng = np.random.default_rng(1)
    cond = _box_noise(rng, 4, 10.0, 50.0, "low")
    generated = cond + _box_noise(rng, 4, 8.0, 52.0)                # high band too early and too long
    timing = {"onset_s": -1.0, "end_s": -8.0}
    out = hf_timing.apply(generated.astype(np.float32), cond, timing, FS, 1.0)
    assert out.dtype == np.float32 and out.shape == generated.shape
    # the high band as apply splits it: the output minus the generated trace's low band, which it keeps
    h_in, h_out = _high(generated), out.astype(np.float64) - lowpass(generated, FS, 1.0)
    target5 = arias_time(cond, FS, 0.05) + timing["onset_s"]
    target95 = arias_time(cond, FS, 0.95) + timing["end_s"]
    assert np.allclose(arias_time(h_out, FS, 0.05), target5, atol=0.05)
    assert np.allclose(arias_time(h_out, FS, 0.95), target95, atol=0.05)
    assert np.allclose(np.sum(h_out ** 2, -1), np.sum(h_in ** 2, -1), rtol=2e-3)     # float32 output
    # one smooth window per trace: h_out / h_in rises, then falls (the two one-sided tapers)
    t = np.arange(N) / FS
    h64 = hf_timing.apply(generated, cond, timing, FS, 1.0) - lowpass(generated, FS, 1.0)   # no float32 rounding
    ratio = h64[:, (t > 9.0) & (t < 51.0)] / h_in[:, (t > 9.0) & (t < 51.0)]
    d = np.diff(np.log(ratio), axis=-1)
    steps = np.where(d > 1e-9, 1, np.where(d < -1e-9, -1, 0))          # flat parts: rounding only
    assert np.all(ratio > 0) and all(np.all(s[np.argmax(s < 0):] <= 0) and (s < 0).any() for s in steps)
    # the low band is left to the merge: changed only by the taper's small leak below the crossover
    low = lowpass(generated, FS, 1.0)
    leak = np.linalg.norm(lowpass(out.astype(np.float64), FS, 1.0) - low, axis=-1) / np.linalg.norm(h_in, axis=-1)
    assert np.all(leak < 0.01)


def test_apply_anchors_the_start_on_the_models_fraction():
    """A model with "onset_fraction" puts the start at the conditioning's time of that fraction plus its
    offset; one without (fitted before the field existed) at its 5 % time."""
    rng = np.random.default_rng(4)
    cond = _box_noise(rng, 3, 10.0, 50.0, "low")
    generated = cond + _box_noise(rng, 3, 8.0, 52.0)
    for fraction, timing in ((0.002, {"onset_s": 2.0, "end_s": -8.0, "onset_fraction": 0.002}),
                             (0.05, {"onset_s": -1.0, "end_s": -8.0})):
        h_out = hf_timing.apply(generated, cond, timing, FS, 1.0) - lowpass(generated, FS, 1.0)
        target5 = arias_time(cond, FS, fraction) + timing["onset_s"]
        assert np.allclose(arias_time(h_out, FS, 0.05), target5, atol=0.05)


def test_apply_leaves_alone_what_it_should():
    rng = np.random.default_rng(2)
    cond = _box_noise(rng, 3, 10.0, 50.0, "low")
    inside = cond + _box_noise(rng, 3, 15.0, 30.0)                   # already within the targets
    timing = {"onset_s": -1.0, "end_s": -8.0}
    assert np.array_equal(hf_timing.apply(inside, cond, timing, FS, 1.0), inside)
    wide = cond + _box_noise(rng, 3, 8.0, 52.0)
    move = np.array([True, False, True])
    out = hf_timing.apply(wide, cond, timing, FS, 1.0, move)
    assert np.array_equal(out[1], wide[1]) and not np.allclose(out[0], wide[0])
    # silent conditioning (no targets) or silent trace: unchanged
    zero = np.zeros((1, N))
    noise = _box_noise(rng, 1, 8.0, 52.0)
    assert np.array_equal(hf_timing.apply(noise, zero, timing, FS, 1.0), noise)
    assert np.array_equal(hf_timing.apply(zero, cond[:1], timing, FS, 1.0), zero)


def test_the_level_model_applies_the_timing_first_then_its_level():
    """hf_level.apply with a timing: the unseen region's high band ends on time at the predicted level;
    a seen region's is untouched; a simulation's takes the level but not the timing."""
    rng = np.random.default_rng(3)
    cond = _box_noise(rng, 3, 10.0, 50.0, "low")[:, None, :]
    generated = cond + 0.01 * _box_noise(rng, 3, 8.0, 52.0)[:, None, :]
    model = {"features": list(hf_level.FEATURES), "band_hz": list(hf_level.BAND_HZ), "mean": [0.0, 0.0, 0.0],
             "scale": [1.0, 1.0, 1.0], "intercept": -2.0, "coef": [0.0, 0.0, 0.0], "regions": ["japan"],
             "timing": {"onset_s": -1.0, "end_s": -8.0}}
    out = hf_level.apply(generated, cond, model, FS, 1.0, [0.0, 0.0, 0.0],
                         np.array(["taiwan", "japan", hf_level.SIMULATED]))
    h = out[0, 0].astype(np.float64) - lowpass(generated[0, 0], FS, 1.0)
    assert abs(arias_time(h, FS, 0.95) - (arias_time(cond[0, 0], FS, 0.95) - 8.0)) < 0.05
    assert abs(hf_level.band_level(h, FS) - (-2.0)) < 1e-6
    assert np.array_equal(out[1], generated[1])
    # the simulator's records: the level model's level, the network's timing (one gain, no taper)
    h_in = _high(generated[2, 0])
    h_sim = out[2, 0].astype(np.float64) - lowpass(generated[2, 0], FS, 1.0)
    assert abs(hf_level.band_level(h_sim, FS) - (-2.0)) < 1e-6
    assert np.allclose(h_sim / h_in, np.median(h_sim / h_in), rtol=1e-6)


def test_crossval_refits_a_level_model_without_timing(tiny, tmp_path):
    """A fold model whose level model predates the timing, or the two bands (version 2), gets it
    re-fitted (its samples are then stale); a current one, or none (too few records), is left alone."""
    from test_hf_level import _store, law

    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
    from seisdiff.evaluate.crossval import _ensure_level_model

    store, _ = _store(tmp_path / "s.zarr", 40, law)
    best = tmp_path / "best.pt"
    ckpt = {k: v for k, v in load_checkpoint(tiny.ckpt).items() if k not in ("format", "version")}
    level = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)
    save_checkpoint(best, {**ckpt, "level_model": {k: v for k, v in level.items() if k != "timing"}})
    say = lambda *_: None
    assert _ensure_level_model(best, store, say) is True
    assert load_checkpoint(best)["level_model"]["timing"]["n_traces"] > 0
    assert _ensure_level_model(best, store, say) is False
    save_checkpoint(best, {**ckpt, "level_model": {**level, "version": 1}})
    assert _ensure_level_model(best, store, say) is True
    assert load_checkpoint(best)["level_model"]["version"] == hf_level.VERSION
    save_checkpoint(best, {**ckpt, "level_model": None})
    assert _ensure_level_model(best, store, say) is False


def test_the_ends_source_duration_line_is_fitted_by_least_absolute_deviations():
    """Offsets a + b·10^(0.5 (M − 6)) plus Laplace noise with 20 % gross outliers: `fit` recovers a and b
    (a least-squares line would not: the outliers pull it ~3 s), keeps the plain median for records
    without a magnitude, and fits no line from too few traces or magnitudes."""
    rng = np.random.default_rng(5)
    magnitude = rng.choice([5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5], 400)
    ratio = hf_timing.source_duration_ratio(magnitude)
    assert np.allclose(hf_timing.source_duration_ratio([6.0, 8.0]), [1.0, 10.0])
    end_s = -8.0 + 0.4 * ratio + rng.laplace(0.0, 0.5, 400)
    end_s[rng.random(400) < 0.2] -= 15.0                                     # a fifth far too early
    model = hf_timing.fit(np.zeros(400), end_s, magnitude=magnitude)
    line = model["end_source"]
    assert abs(line["intercept_s"] + 8.0) < 0.35 and abs(line["slope_s"] - 0.4) < 0.06 and line["n_traces"] == 400
    lsq = np.polyfit(ratio, end_s, 1)
    assert abs(lsq[1] + 8.0) > 1.0                                           # least squares: pulled off
    assert model["end_s"] == np.median(end_s)
    # an unknown magnitude leaves a trace out of the line; too few traces or magnitudes: no line
    some = np.where(np.arange(400) < hf_timing.MIN_SOURCE_TRACES - 1, magnitude, np.nan)
    assert "end_source" not in hf_timing.fit(np.zeros(400), end_s, magnitude=some)
    two = np.where(magnitude > 6.2, 7.0, 5.0)
    assert "end_source" not in hf_timing.fit(np.zeros(400), end_s, magnitude=two)
    assert "end_source" not in hf_timing.fit(np.zeros(400), end_s)


def test_apply_ends_a_larger_earthquakes_high_band_later():
    """With the end's line, the tapered high band ends at the conditioning's 95 % time plus a + b·ratio(M)
    where the trace's magnitude is given, plus the median end_s where it is not (or the model has no line)."""
    rng = np.random.default_rng(6)
    cond = _box_noise(rng, 3, 10.0, 50.0, "low")
    generated = cond + _box_noise(rng, 3, 8.0, 55.0)
    timing = {"onset_s": -1.0, "end_s": -8.0, "end_source": {"intercept_s": -9.0, "slope_s": 0.5, "n_traces": 99}}
    magnitude = np.array([6.0, 8.0, np.nan])
    expected = np.array([-9.0 + 0.5, -9.0 + 0.5 * 10.0, -8.0])
    assert np.allclose(hf_timing.end_offsets_s(timing, 3, magnitude), expected)
    assert np.allclose(hf_timing.end_offsets_s({"end_s": -8.0}, 3, magnitude), -8.0)
    h_out = hf_timing.apply(generated, cond, timing, FS, 1.0, magnitude=magnitude) - lowpass(generated, FS, 1.0)
    assert np.allclose(arias_time(h_out, FS, 0.95), arias_time(cond, FS, 0.95) + expected, atol=0.05)
    # through the level model: the magnitude per record reaches every channel's timing
    model = {"features": list(hf_level.FEATURES), "band_hz": list(hf_level.BAND_HZ), "mean": [0.0, 0.0, 0.0],
             "scale": [1.0, 1.0, 1.0], "intercept": -2.0, "coef": [0.0, 0.0, 0.0], "regions": ["japan"],
             "timing": timing}
    out = hf_level.apply(generated[:, None, :], cond[:, None, :], model, FS, 1.0, [0.0, 0.0, 0.0],
                         np.array(["taiwan"] * 3), magnitude=magnitude)
    h = out[:, 0].astype(np.float64) - lowpass(generated, FS, 1.0)
    assert np.allclose(arias_time(h, FS, 0.95), arias_time(cond, FS, 0.95) + expected, atol=0.05)


def test_targets_that_come_out_inverted_leave_the_trace_alone():
    """A conditioning whose strong motion is short (here 3 s) gets an end target before its start target
    (the offsets are seconds fitted on 41 s windows): the high band keeps its own timing instead of being
    squeezed into a sliver before the motion with a raised peak."""
    rng = np.random.default_rng(5)
    cond = _box_noise(rng, 2, 20.0, 23.0, "low")
    generated = cond + _box_noise(rng, 2, 19.5, 24.0)
    timing = {"onset_s": -1.1, "end_s": -7.0}
    t5 = arias_time(cond, FS, 0.05) + timing["onset_s"]
    t95 = arias_time(cond, FS, 0.95) + timing["end_s"]
    assert np.all(t95 < t5)                                   # inverted: the case guarded
    assert np.array_equal(hf_timing.apply(generated, cond, timing, FS, 1.0), generated)
