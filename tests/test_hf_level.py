"""The high-frequency level model (engine/hf_level.py): its level measure against closed forms, the
fit recovering a known law from real records only, the rescaling, and its way through checkpoints,
`generate` and `seisdiff sample`."""
import json

import numpy as np
import pytest
import torch
from synth import make_store

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.engine import hf_level, hf_timing
from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
from seisdiff.io.store import create_store, open_store

FS = 100.0
MIN_EVENTS_FOR_TEST = hf_level.MIN_EVENTS


def test_band_level_of_white_noise_and_scaling():
    """E|rfft(x)/fs|² = n·σ²/fs² for white noise of variance σ²; the level is ln of its root (Rayleigh
    bins averaged in power first, so no log bias), and exactly equivariant: level(c·x) = level(x) + ln c."""
    rng = np.random.default_rng(0)
    n, sigma = 2 ** 16, 0.3
    x = sigma * rng.standard_normal((4, n))
    expected = 0.5 * np.log(n * sigma ** 2 / FS ** 2)
    assert np.allclose(hf_level.band_level(x, FS), expected, atol=0.03)
    assert np.allclose(hf_level.band_level(7.5 * x, FS), hf_level.band_level(x, FS) + np.log(7.5), atol=1e-12)
    # a sine at 0.5 Hz (a whole number of cycles) has no energy in 2–25 Hz
    t = np.arange(n) / FS
    assert hf_level.band_level(np.sin(2 * np.pi * (328 * FS / n) * t), FS) < expected - 10
    with pytest.raises(ValueError, match="do not resolve"):
        hf_level.band_level(x[:, :8], FS)


def _store(path, n, law, sim_law=None, seed=0, distance_slope=0.0, within_slope=0.0, no_distance_every=5,
           magnitude=None, depth_slope=None):
    """Records whose 2–25 Hz level follows ln level = law(ln peak of the conditioning, vertical)
    + distance_slope × (ln distance − its event's mean ln distance) + within_slope × (ln peak − its
    event's mean ln peak): broadband = a 1 Hz low band +
    white high frequencies scaled to that level. Records n.. 2n (when sim_law is given) are
    simulations (events SIMEV…) following sim_law instead; every no_distance_every-th record has no distance;
    magnitude (total,): the records' magnitudes (default 6.0); depth_slope: the events get hypocentral depths
    (4–80 km, one per event; every 7th event none) and levels depth_slope × (ln depth − 3) higher."""
    rng = np.random.default_rng(seed)
    length = 1024
    total = n * (2 if sim_law else 1)
    low = lowpass(lowpass(rng.standard_normal((total, 1, length)), FS, 0.5), FS, 0.5)   # nothing left at 2 Hz
    low *= np.exp(rng.uniform(-3, 1, (total, 1, 1))) / np.abs(low).max(-1, keepdims=True)
    vertical = (np.arange(total) % 3 == 2).astype(float)
    peak = np.log(np.abs(low).max(-1))[:, 0]
    target = np.array([(law if i < n else sim_law)(peak[i], vertical[i]) for i in range(total)])
    events = [f"ev{i // 4}" if i < n else f"SIMEV{i // 4:05d}" for i in range(total)]
    distance_km = np.exp(rng.uniform(np.log(5.0), np.log(200.0), total))
    distance_km[::no_distance_every] = np.nan
    target += distance_slope * np.nan_to_num(hf_level.relative_ln_distance(events, distance_km))
    columns = {}
    if depth_slope is not None:
        event_depth_km = np.exp(rng.uniform(np.log(4.0), np.log(80.0), total // 4 + 1))
        event_depth_km[::7] = np.nan
        columns["hypo_depth_km"] = event_depth_km[np.arange(total) // 4]
        target += depth_slope * np.nan_to_num(np.log(columns["hypo_depth_km"]) - 3.0)
    group = np.char.add(np.array(events), vertical.astype(int).astype(str))      # an event's verticals apart
    target += within_slope * (peak - np.array([peak[group == g].mean() for g in group]))
    hf = rng.standard_normal((total, 1, length))
    hf = hf - lowpass(hf, FS, 1.0)
    hf *= np.exp(target[:, None] - hf_level.band_level(hf, FS))[:, :, None]
    bb = (low + hf).astype(np.float32)
    w = create_store(path, sampling_rate_hz=FS, length=length, n_channels=1, lowpass_hz=1.0)
    w.append(bb, low.astype(np.float32), [f"r{i:03d}" for i in range(total)],
             {"event": np.array(events), "component": np.where(vertical == 1, "Z", "H1"),
              "magnitude": np.full(total, 6.0) if magnitude is None else magnitude, "distance_km": distance_km,
              "region": np.array(["japan"] * (n - n // 4) + [""] * (total - n + n // 4)),   # last real quarter: unknown
              # whole records (their conditioning is the low-pass of the whole trace, to its ends): `sample` merges
              # them to the ends, not as windows cut inside a record (lfmerge's edge zones)
              "n_samples": np.full(total, length),
              **columns})
    return open_store(path), target


def law(ln_peak, vertical):
    return -1.0 + 0.8 * ln_peak - 0.4 * vertical


def test_fit_recovers_the_law_of_real_records_and_ignores_simulations(tmp_path):
    store, target = _store(tmp_path / "s.zarr", 60, law, sim_law=lambda p, v: 3.0 + 0.2 * p)
    messages = []
    model = hf_level.fit(store, np.arange(len(store)), log=messages.append)
    assert model["n_traces"] == 60 and model["n_events"] == 15           # the 60 simulations left out
    assert model["regions"] == ["japan"]
    lp = store.read()["lowpass"]
    vertical = (store.column("component") == "Z").astype(float)
    pred = hf_level.predict(model, lp, FS, 1.0, vertical)[:, 0]          # (n, bands): white noise, both at the law
    assert pred.shape == (120, len(hf_level.BANDS_HZ)) and model["version"] == hf_level.VERSION == 6
    err = np.abs(pred[:60] - target[:60, None])                           # the real records' law, ridge-shrunk
    assert np.median(err) < 0.05 and err.max() < 0.2
    assert np.abs(pred[60:] - target[60:, None]).mean() > 1.0             # not the simulations'
    assert max(model["residual_sd"]) < 0.1 and "60 traces of 15 events" in messages[0]
    json.dumps(model)                                                    # plain numbers


def test_relative_ln_distance_places_each_station_among_its_events():
    event = np.array(["a", "a", "a", "b", "b", "c", "", ""])
    distance_km = np.array([10.0, 20.0, 40.0, 5.0, np.nan, 30.0, 10.0, 20.0])
    rel = hf_level.relative_ln_distance(event, distance_km)
    assert np.allclose(rel[:3], np.log([10.0, 20.0, 40.0]) - np.log(20.0))     # geometric mean 20 km
    # one station of "b" and the only one of "c" have no other to compare with; no event: no place
    assert np.isnan(rel[3:]).all()
    assert np.isnan(hf_level.relative_ln_distance(event, None)).all()


def test_fit_finds_the_within_event_distance_slope_and_predict_adds_it(tmp_path):
    """Levels that fall by 0.6 ln per ln unit of distance among an event's stations: the fit finds the
    slope in both bands (white noise), predict adds it where the place is known, and without
    distances (or with a zero slope) the term is absent or nil."""
    store, target = _store(tmp_path / "s.zarr", 80, law, distance_slope=-0.6)
    model = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)
    assert np.allclose(model["distance"]["coef"], -0.6, atol=0.05) and model["distance"]["n_events"] == 20
    lp = store.read()["lowpass"]
    vertical = (store.column("component") == "Z").astype(float)
    rel = hf_level.relative_ln_distance(store.column("event"), store.column("distance_km"))
    with_place = hf_level.predict(model, lp, FS, 1.0, vertical, rel)[:, 0]
    assert np.median(np.abs(with_place - target[:, None])) < 0.1      # the features' fit carries the term as noise
    without = hf_level.predict(model, lp, FS, 1.0, vertical)[:, 0]
    assert np.allclose(with_place - without, np.nan_to_num(rel)[:, None] * np.asarray(model["distance"]["coef"]))
    assert np.median(np.abs(without - target[:, None])) > 2.5 * np.median(np.abs(with_place - target[:, None]))
    flat, _ = _store(tmp_path / "f.zarr", 80, law)
    assert np.allclose(hf_level.fit(flat, np.arange(80), log=lambda *_: None)["distance"]["coef"], 0.0, atol=0.05)


def test_fit_finds_the_event_depth_slope_and_predict_adds_it_clipped(tmp_path):
    """Levels 0.4 ln higher per ln unit of the event's depth (between events: one depth per event): the fit
    finds the slope in both bands, predict adds slope × (ln depth − the fitted mean) where the depth is known,
    nothing where not, clipped to the fitted depths' range; a store without depths fits no term."""
    store, target = _store(tmp_path / "s.zarr", 160, law, depth_slope=0.4)
    assert hf_level.fit(store, np.arange(len(store)), log=lambda *_: None, depth=False)["depth"] is None
    messages = []
    model = hf_level.fit(store, np.arange(len(store)), log=messages.append)                    # by default
    depth = model["depth"]
    assert np.allclose(depth["coef"], 0.4, atol=0.1) and depth["n_events"] == 40 - 6   # events 0, 7, …, 35: none
    assert "per ln unit of the event's depth" in messages[0]
    lp = store.read()["lowpass"]
    vertical = (store.column("component") == "Z").astype(float)
    depth_km = store.column("hypo_depth_km")
    with_depth = hf_level.predict(model, lp, FS, 1.0, vertical, hypo_depth_km=depth_km)[:, 0]
    without = hf_level.predict(model, lp, FS, 1.0, vertical)[:, 0]
    expected = np.nan_to_num(np.log(depth_km) - depth["mean_ln_km"])[:, None] * np.asarray(depth["coef"])
    assert np.allclose(with_depth - without, expected)
    known = np.isfinite(depth_km)
    assert np.median(np.abs(with_depth - target[:, None])[known]) < \
        0.5 * np.median(np.abs(without - target[:, None])[known])
    deep = hf_level.predict(model, lp[:2], FS, 1.0, vertical[:2], hypo_depth_km=np.array([700.0, 0.0]))[:, 0]
    lo, hi = depth["range_ln_km"]
    assert np.allclose(deep - without[:2], (np.array([[hi], [lo]]) - depth["mean_ln_km"]) * np.asarray(depth["coef"]))
    flat, _ = _store(tmp_path / "f.zarr", 80, law)
    assert hf_level.fit(flat, np.arange(80), log=lambda *_: None)["depth"] is None


def test_within_event_is_each_traces_features_less_its_events_mean():
    feats = np.array([[[1.0, 10.0, 0.0]], [[3.0, 14.0, 1.0]], [[5.0, 6.0, 0.0]],      # event a
                      [[2.0, 2.0, 0.0]], [[np.nan, 1.0, 0.0]],                       # b: one finite record
                      [[7.0, 7.0, 0.0]], [[8.0, 8.0, 0.0]]])                         # no event
    dev = hf_level.within_event(["a", "a", "a", "b", "b", "", ""], feats)
    assert dev.shape == (7, 1, 2)
    np.testing.assert_allclose(dev[:3, 0], [[-2.0, 0.0], [0.0, 4.0], [2.0, -4.0]])   # means 3 and 10
    assert np.isnan(dev[3:]).all()       # b has no second record to compare with; no event: no place
    # verticals among verticals, horizontals among horizontals
    kinds = hf_level.within_event(["a"] * 4, np.array([[[1.0, 1, 0]], [[3.0, 3, 0]], [[-4.0, -4, 1]], [[-2.0, -2, 1]]]),
                                  [0, np.nan, 1, 1])
    np.testing.assert_allclose(kinds[:, 0, 0], [-1.0, 1.0, -1.0, 1.0])
    # several channels: each among the same channel of the event's records
    two = hf_level.within_event(["e", "e"], np.array([[[0.0, 0.0, 0], [2.0, 2.0, 0]], [[5.0, 5.0, 0], [5.0, 5.0, 0]]]))
    np.testing.assert_allclose(two[:, :, 0], [[-2.5, -1.5], [2.5, 1.5]])


def test_fit_finds_the_within_event_features_term_jointly_with_the_distance(tmp_path):
    """Levels that rise by 1.5 ln per ln unit of conditioning peak among an event's stations (of a kind),
    on top of the law: fitted jointly with the distance on the records that have both, the features'
    term puts each such station where it belongs among its event's (the errors about each (event, kind)'s
    mean error shrink; the event means themselves are the features' fit, fitted first and alone); a
    record without a distance keeps the distance-free prediction; without such a spread the term is nil."""
    store, target = _store(tmp_path / "s.zarr", 80, law, within_slope=1.5)
    model = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)
    assert model["within"]["n_events"] == 20 and model["within"]["features"] == list(hf_level.WITHIN_FEATURES)
    lp = store.read()["lowpass"]
    vertical = (store.column("component") == "Z").astype(float)
    rel = hf_level.relative_ln_distance(store.column("event"), store.column("distance_km"))
    dev = hf_level.within_event(store.column("event"), hf_level.features(lp, FS, 1.0, vertical), vertical)
    with_term = hf_level.predict(model, lp, FS, 1.0, vertical, rel, dev)[:, 0]
    without = hf_level.predict(model, lp, FS, 1.0, vertical, rel)[:, 0]     # the distance term alone
    both = np.isfinite(rel) & np.isfinite(dev[:, 0]).all(-1)
    assert 40 < both.sum() < 80
    group = np.char.add(store.column("event").astype(str), vertical.astype(int).astype(str))

    def centred(p):     # the errors of the records with both about their (event, kind)'s mean
        r = p - target[:, None]
        return np.stack([r[i] - r[(group == group[i]) & both].mean(axis=0) for i in np.flatnonzero(both)])

    assert np.median(np.abs(centred(with_term))) < 0.3 * np.median(np.abs(centred(without)))
    term = with_term - without
    assert np.array_equal(term[~both], np.zeros_like(term[~both])) and np.median(np.abs(term[both])) > 0.15
    assert hf_level.predict(model, lp, FS, 1.0, vertical, None, dev).tolist() == \
        hf_level.predict(model, lp, FS, 1.0, vertical).tolist()               # no distance: no term
    flat, _ = _store(tmp_path / "f.zarr", 80, law)
    flat_model = hf_level.fit(flat, np.arange(80), log=lambda *_: None)
    flat_lp = flat.read()["lowpass"]
    flat_rel = hf_level.relative_ln_distance(flat.column("event"), flat.column("distance_km"))
    flat_dev = hf_level.within_event(flat.column("event"), hf_level.features(flat_lp, FS, 1.0, vertical), vertical)
    flat_term = (hf_level.predict(flat_model, flat_lp, FS, 1.0, vertical, flat_rel, flat_dev)
                 - hf_level.predict(flat_model, flat_lp, FS, 1.0, vertical, flat_rel))
    assert np.median(np.abs(flat_term[both])) < 0.05


def test_local_term_takes_the_coefficients_fitted_for_what_is_known():
    """Both known: the joint fit; the distance alone: the distance term; the features alone, or
    neither: nothing (one band here)."""
    distance = {"coef": [-1.0]}
    within = {"distance_coef": [-0.5], "coef": [[0.0, 3.0]]}
    rel = np.array([1.0, 1.0, np.nan, np.nan])
    dev = np.array([[0.5, 0.25], [np.nan, np.nan], [0.5, 0.25], [np.nan, np.nan]])
    np.testing.assert_allclose(hf_level._local_term(distance, within, rel, dev)[:, 0], [-0.5 + 0.75, -1.0, 0.0, 0.0])
    np.testing.assert_allclose(hf_level._local_term(distance, None, rel, dev)[:, 0], [-1.0, -1.0, 0.0, 0.0])
    np.testing.assert_allclose(hf_level._local_term(None, within, rel, dev)[:, 0], [0.25, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(hf_level._local_term(None, None, rel, dev)[:, 0], 0.0)


def test_only_strong_motion_windows_are_fitted():
    ids = ["RSN1_EW_w0", "RSN1_EW_w1", "RSN1_EW_w12", "whole_record", "SIM000001_H1_w0", "x_w"]
    assert hf_level.strong_motion_windows(ids).tolist() == [True, False, False, True, True, True]


def test_fit_needs_enough_real_records(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12)
    messages = []
    assert hf_level.fit(store, np.arange(12), log=messages.append) is None
    assert "12 real records" in messages[0]


def _levels(x, band_list=hf_level.BANDS_HZ):
    return np.stack([hf_level.band_level(x, FS, b) for b in band_list], axis=-1)


def test_set_band_levels_tilts_in_ln_f_to_a_level_and_a_slope():
    """Two bands: the gain is exp(a + b·ln f) between 2 and 25 Hz (flat outside), and puts both band
    levels on their targets; one band: one number; a slope beyond MAX_TILT is bounded, not met. The gain
    is a linear convolution (the trace zero-padded, `padded_length`): on a trace quiet at its ends, as
    records are, the output's DFT is the input's times the gain, to the crop of its tails (< 3e-3 ln)."""
    rng = np.random.default_rng(4)
    t_s = np.arange(4096) / FS
    h = rng.standard_normal((4, 4096)) * np.exp(-((t_s - t_s.mean()) / 5.0) ** 2)
    own = _levels(h)
    target = own + np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 1.0], [0.5, 2.5]])
    out = hf_level.set_band_levels(h, target, hf_level.BANDS_HZ, FS)
    assert np.allclose(_levels(out), target, atol=1e-6)
    freqs_hz = np.fft.rfftfreq(h.shape[-1], 1 / FS)
    ln_gain = np.log(np.abs(np.fft.rfft(out)) / np.abs(np.fft.rfft(h)))
    inside = (freqs_hz > 2.0) & (freqs_hz < 25.0)
    for g in ln_gain:
        line = np.polyfit(np.log(freqs_hz[inside]), g[inside], 1)
        assert np.abs(np.polyval(line, np.log(freqs_hz[inside])) - g[inside]).max() < 3e-3
        assert np.allclose(g[(freqs_hz > 0.1) & (freqs_hz < 2.0)], np.polyval(line, np.log(2.0)), atol=3e-3)
        assert np.allclose(g[freqs_hz > 25.0], np.polyval(line, np.log(25.0)), atol=3e-3)
    # the slope of row 1: 2 ln units fewer from the 2–6 Hz band's centre to the 8–25 Hz band's (about:
    # a band's level is a mean over its bins of ln mean power, not the power at its centre)
    slope = np.polyfit(np.log(freqs_hz[inside]), ln_gain[1, inside], 1)[0]
    assert np.isclose(slope, -2.0 / np.log(np.sqrt(8 * 25) / np.sqrt(2 * 6)), atol=0.02)
    one = hf_level.set_band_levels(h, own[:, :1] + 0.7, [hf_level.BAND_HZ], FS)
    assert np.allclose(one, h * np.exp(own[:, 0] + 0.7 - hf_level.band_level(h, FS))[:, None])
    steep = hf_level.set_band_levels(h[:1], own[:1] + np.array([[3.0, -6.0]]), hf_level.BANDS_HZ, FS)
    assert np.isclose(np.polyfit(np.log(freqs_hz[inside]),
                                 np.log(np.abs(np.fft.rfft(steep[0])[inside]) / np.abs(np.fft.rfft(h[0])[inside])), 1)[0],
                      -hf_level.MAX_TILT, atol=1e-3)
    nan = hf_level.set_band_levels(h[:2], np.array([[np.nan, 0.0], [0.0, 0.0]]), hf_level.BANDS_HZ, FS)
    assert np.array_equal(nan[0], h[0]) and not np.array_equal(nan[1], h[1])


def test_apply_sets_the_predicted_levels_with_one_gain_per_trace(tmp_path):
    store, _ = _store(tmp_path / "s.zarr", 40, law)
    model = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)
    assert model["timing"]["n_traces"] == 40            # fitted with it; tested in test_hf_timing.py
    assert model["timing"]["onset_fraction"] == hf_timing.ONSET_FRACTION
    first = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None, onset_fraction=0.002)
    data = store.read()
    offsets = hf_timing.offsets_s(data["broadband"][:, 0], data["lowpass"][:, 0], FS, 1.0, 0.002)[0]
    assert first["timing"]["onset_fraction"] == 0.002 and first["timing"]["onset_s"] == np.median(offsets)
    assert first["timing"]["end_s"] == model["timing"]["end_s"] and first["bands_hz"] == model["bands_hz"]
    # magnitudes by event: asked for (end_magnitude), the end's line is fitted on each record's own offset
    # and magnitude; by default (and from one magnitude) none
    magnitude = np.array([5.0, 6.0, 7.0, 8.0])[np.arange(40) // 4 % 4]
    varied, _ = _store(tmp_path / "m.zarr", 40, law, magnitude=magnitude)
    assert "end_source" not in hf_level.fit(varied, np.arange(40), log=lambda *_: None)["timing"]
    assert "end_source" not in hf_level.fit(store, np.arange(40), log=lambda *_: None, end_magnitude=True)["timing"]
    line = hf_level.fit(varied, np.arange(40), log=lambda *_: None, end_magnitude=True)["timing"]["end_source"]
    data = varied.read()
    onset, end = hf_timing.offsets_s(data["broadband"][:, 0], data["lowpass"][:, 0], FS, 1.0)
    assert line == hf_timing.fit(onset, end, magnitude=magnitude)["end_source"] and line["n_traces"] == 40
    model = {k: v for k, v in model.items() if k not in ("timing", "texture")}   # the level alone here
    data = store.read()
    cond = data["lowpass"][:6].astype(np.float64)
    rng = np.random.default_rng(1)
    generated = (cond + 1e-3 * rng.standard_normal(cond.shape)).astype(np.float32)
    vertical = np.array([0, 0, 1, 0, 0, 1.0])
    out = hf_level.apply(generated, cond, model, FS, 1.0, vertical)
    assert out.dtype == np.float32 and out.shape == cond.shape
    predicted = hf_level.predict(model, cond, FS, 1.0, vertical)
    g64 = generated.astype(np.float64)
    high = lambda x: x - lowpass(x, FS, 1.0)
    # the high band (generated − lowpass(generated)) is moved to the prediction in both bands; the whole
    # output's levels are within the low band's leak above 2 Hz (most of it in the 2–6 Hz band) of it
    high_out = out.astype(np.float64) - lowpass(g64, FS, 1.0)
    assert np.allclose(_levels(high_out), predicted, atol=1e-4)
    assert np.allclose(_levels(out), predicted, atol=0.05)
    # one gain per trace, a straight line in ln f between 2 and 25 Hz: set_band_levels' (tested above)
    tilted = hf_level.set_band_levels(high(g64).reshape(6, -1), predicted.reshape(6, -1), hf_level.BANDS_HZ, FS)
    assert np.allclose(high_out, tilted.reshape(high_out.shape), atol=1e-6 * np.abs(high_out).max())
    # scale integrity: the level model is fitted in physical units, and a record 10× stronger is predicted
    # at the levels its features give (homogeneous of degree Σ coefficients on the two log anchors)
    slope = [sum(c / s for c, s in zip(row[:2], model["scale"][:2])) for row in model["coef"]]
    assert np.allclose(hf_level.predict(model, 10 * cond, FS, 1.0, vertical) - predicted, np.array(slope) * np.log(10))
    # only records of a region the model was not fitted on move (unknown counts as not fitted on)
    assert model["regions"] == ["japan"]
    regions = np.array(["japan", "taiwan", "", "japan", "western_us", ""])
    moved = hf_level.apply(generated, cond, model, FS, 1.0, vertical, regions)
    assert np.array_equal(moved[regions == "japan"], generated[regions == "japan"])
    assert np.array_equal(moved[regions != "japan"], out[regions != "japan"])
    assert hf_level.unseen(model, regions).tolist() == [False, True, True, False, True, True]
    # an all-zero conditioning (no prediction) keeps its generated high frequencies
    zero = np.zeros((1, 1, cond.shape[-1]))
    noise = 1e-3 * rng.standard_normal(zero.shape)
    assert np.array_equal(hf_level.apply(noise, zero, model, FS, 1.0, [0.0]), noise)
    # a version-1 model (one 2–25 Hz band, older checkpoints) still applies: one number per trace
    v1 = {**{k: v for k, v in model.items() if k not in ("bands_hz", "intercept", "coef")},
          "version": 1, "band_hz": list(hf_level.BAND_HZ), "intercept": model["intercept"][0], "coef": model["coef"][0]}
    old = hf_level.apply(generated, cond, v1, FS, 1.0, vertical).astype(np.float64) - lowpass(g64, FS, 1.0)
    assert np.allclose(hf_level.band_level(old, FS), predicted[..., 0], atol=1e-4)
    ratio = old / high(g64)
    assert np.allclose(ratio, np.median(ratio, axis=-1, keepdims=True), rtol=1e-3)


def test_fit_keeps_the_texture_and_apply_gives_it_to_the_moved_traces_at_their_levels(tmp_path):
    """texture=True: the model keeps the fitted traces' median spectral unevenness (`hf_texture`); apply then
    makes each moved trace's high band that uneven with its predicted levels kept, seeded per record, and
    leaves the traces of the regions it was fitted on as they were."""
    from seisdiff.dsp.level import spectral_unevenness
    store, _ = _store(tmp_path / "s.zarr", 40, law)
    model = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)             # by default
    data = store.read()
    assert model["texture"] == {"unevenness": float(np.median(spectral_unevenness(data["broadband"], FS))),
                                "n_samples": store.length, "n_traces": 40}
    assert hf_level.fit(store, np.arange(len(store)), log=lambda *_: None, texture=False)["texture"] is None
    model = {k: v for k, v in model.items() if k != "timing"} | {"texture": {**model["texture"], "unevenness": 0.6}}
    cond = data["lowpass"][:8].astype(np.float64)
    rng = np.random.default_rng(1)
    t_s = np.arange(cond.shape[-1]) / FS
    # the network's high band, quiet at the ends, over the conditioning's filter edge transients there
    generated = cond + 1e-2 * np.exp(-((t_s - t_s.mean()) / 3.0) ** 2) * rng.standard_normal(cond.shape)
    vertical = np.zeros(8)
    regions = np.array(["taiwan"] * 6 + ["japan"] * 2)
    out = hf_level.apply(generated, cond, model, FS, 1.0, vertical, regions, texture_seeds=np.arange(8))
    simulated = hf_level.apply(generated, cond, model, FS, 1.0, vertical, np.array([hf_level.SIMULATED] * 8))
    level_only = {k: v for k, v in model.items() if k != "texture"}
    assert np.array_equal(simulated, hf_level.apply(generated, cond, level_only, FS, 1.0, vertical,
                                                    np.array([hf_level.SIMULATED] * 8)))   # the simulator's: no texture
    high = lambda x: x - lowpass(x, FS, 1.0)
    predicted = hf_level.predict(model, cond, FS, 1.0, vertical)
    assert np.allclose(_levels(out[:6] - lowpass(generated[:6], FS, 1.0)), predicted[:6], atol=1e-3)
    assert np.array_equal(out[6:], generated[6:])                                  # a region fitted on
    u_before, u_after = spectral_unevenness(high(generated[:6]), FS), spectral_unevenness(high(out[:6]), FS)
    assert np.median(u_before) < 0.35 and abs(np.median(u_after) - 0.6) < 0.1
    plain = hf_level.apply(generated, cond, level_only, FS, 1.0, vertical, regions)
    assert np.allclose(spectral_unevenness(high(plain[:6]), FS), u_before, atol=0.05)     # the level alone: a tilt
    again = hf_level.apply(generated, cond, model, FS, 1.0, vertical, regions, texture_seeds=np.arange(8))
    other = hf_level.apply(generated, cond, model, FS, 1.0, vertical, regions, texture_seeds=np.arange(8) + 100)
    assert np.array_equal(again, out) and not np.allclose(other[:6], out[:6])


def test_apply_takes_traces_longer_than_the_texture_s_records_when_none_of_a_batch_moves(tmp_path):
    """Traces longer than the texture model's records (a 120 s station against 4096-sample training windows)
    in a batch the level model leaves alone (a region it was fitted on) come back as they were; with some
    moved, those alone change (found by bench_grid: an empty batch of long traces raised)."""
    store, _ = _store(tmp_path / "s.zarr", 40, law)
    model = hf_level.fit(store, np.arange(len(store)), log=lambda *_: None)
    model = {k: v for k, v in model.items() if k != "timing"}
    model["texture"] = {**model["texture"], "n_samples": store.length // 2}        # the traces are twice as long
    data = store.read()
    cond = data["lowpass"][:4].astype(np.float64)
    generated = cond + 1e-3 * np.random.default_rng(2).standard_normal(cond.shape)
    seen = hf_level.apply(generated, cond, model, FS, 1.0, np.zeros(4), np.array(["japan"] * 4))
    assert np.array_equal(seen, generated)
    mixed = hf_level.apply(generated, cond, model, FS, 1.0, np.zeros(4), np.array(["taiwan", "japan"] * 2))
    assert np.array_equal(mixed[1::2], generated[1::2]) and not np.allclose(mixed[0::2], generated[0::2])


def test_attach_writes_a_weights_only_checkpoint_and_generate_applies_it(tiny, tmp_path):
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.generate import generate

    store, _ = _store(tmp_path / "s.zarr", 40, law)
    ckpt_path = save_checkpoint(tmp_path / "m.pt", {k: v for k, v in load_checkpoint(tiny.ckpt).items()
                                                    if k not in ("format", "version")})
    model = hf_level.attach(ckpt_path, store.path, log=lambda *_: None)
    raw = torch.load(ckpt_path, weights_only=True)
    assert raw["level_model"] == model
    loaded = load_denoiser(ckpt_path)
    assert loaded.level_model == model
    cond = tiny.store.read(0, 3)["lowpass"]
    ids = ["a", "b", "c"]
    kwargs = dict(sampler="ddim", steps=4, sampling_rate_hz=FS, lowpass_hz=1.0, metadata={"vertical": np.array([0, 1, 0.])})
    plain = [x for _, _, x in generate(loaded.denoiser, loaded.scaler, loaded.config, cond, ids, **kwargs)]
    leveled = [x for _, _, x in generate(loaded.denoiser, loaded.scaler, loaded.config, cond, ids, level_model=model,
                                         **kwargs)]
    predicted = hf_level.predict(model, cond, FS, 1.0, [0, 1, 0])
    got = _levels(np.stack(leveled).astype(np.float64))
    assert np.allclose(got, predicted, atol=0.1)        # the merge after it moves the band's bottom a little
    assert not np.allclose(_levels(np.stack(plain).astype(np.float64)), predicted, atol=0.1)
    # metadata["magnitude"] reaches the timing's end (`hf_timing.end_offsets_s`): a line putting the end
    # 2.5 s before the median's ends the high band earlier (not 3 s: on these 5 s records the end target
    # would come before the start, which leaves a trace alone); NaN (unknown) is the median's
    early = {**model, "timing": {**model["timing"], "end_source": {"intercept_s": model["timing"]["end_s"] - 2.5,
                                                                    "slope_s": 0.0, "n_traces": 40}}}
    def t95(magnitude):
        meta = {"vertical": np.array([0, 1, 0.]), **({} if magnitude is None else {"magnitude": np.full(3, magnitude)})}
        out = np.stack([x for _, _, x in generate(loaded.denoiser, loaded.scaler, loaded.config, cond, ids,
                                                  level_model=early, **{**kwargs, "metadata": meta})]).astype(np.float64)
        return arias_time(out - lowpass(out, FS, 1.0), FS, 0.95)
    assert np.array_equal(t95(np.nan), t95(None)) and np.all(t95(7.0) < t95(None) - 0.7)
    # metadata["hypo_depth_km"] reaches the depth term: an event e times deeper than the fitted mean, 0.5 ln
    # per ln unit, raises both bands' levels by 0.5; NaN (unknown) adds nothing
    deep = {**model, "depth": {"coef": [0.5, 0.5], "mean_ln_km": float(np.log(10.0)), "range_ln_km": [0.0, 6.0],
                               "n_traces": 40, "n_events": 10}}
    def levels(depth_km):
        meta = {"vertical": np.array([0, 1, 0.]), "hypo_depth_km": np.full(3, depth_km)}
        return _levels(np.stack([x for _, _, x in generate(loaded.denoiser, loaded.scaler, loaded.config, cond, ids,
                                                           level_model=deep, **{**kwargs, "metadata": meta})]
                                ).astype(np.float64))
    assert np.allclose(levels(10.0 * np.e) - got, 0.5, atol=0.05) and np.allclose(levels(np.nan), got, atol=1e-6)
    # the texture (fitted by default) draws from each record's and realization's own seed: the batch size
    # changes nothing beyond float32 rounding
    assert model["texture"]["n_traces"] == model["n_traces"] > 0          # every fitted trace
    runs = [{(r, k): x for r, k, x in generate(loaded.denoiser, loaded.scaler, loaded.config, cond, ids,
                                               level_model=model, realizations=2, batch_size=b, **kwargs)}
            for b in (1, 4)]
    assert all(np.allclose(runs[1][key], x, rtol=0, atol=1e-5 * np.abs(x).max()) for key, x in runs[0].items())
    # the low band is the conditioning's, to the merge's tolerance, as without the level model
    low = lowpass(np.stack(leveled).astype(np.float64), FS, 1.0)
    assert np.all(np.linalg.norm(low - cond, axis=-1) <= 0.021 * np.linalg.norm(cond, axis=-1))


def test_train_fits_it_and_sample_applies_it_unless_told_not_to(tmp_path, capsys):
    """`seisdiff train` fits the level model on its training split's real records and keeps it in the
    checkpoint (and `distill`'s students inherit it); `sample` applies it to records of regions it
    was not fitted on and, by default, to every record (--network-level: the network's own level in the regions
    it was trained on), and records so; with --no-level-model the network's own level stays everywhere; a run
    never resumes with another setting."""
    from test_train import TINY_TOML

    from seisdiff.cli import main
    from seisdiff.engine.distill import DistillConfig, _student_checkpoint

    store, _ = _store(tmp_path / "s.zarr", 48, law, sim_law=lambda p, v: 3.0 + 0.2 * p, distance_slope=-0.6,
                      no_distance_every=24)
    (tmp_path / "t.toml").write_text(TINY_TOML)
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "t.toml"),
                 "--checkpoint-dir", str(tmp_path / "run"), "--epochs", "1"]) == 0
    assert "level model: fitted on" in capsys.readouterr().out
    ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    level = ckpt["level_model"]
    assert level["n_traces"] < 48 and level["n_events"] >= MIN_EVENTS_FOR_TEST   # training split, real only
    assert _student_checkpoint(torch.nn.Linear(1, 1), ckpt, 4, DistillConfig(teacher="t", data="d", out="o"), 0)["level_model"] == level

    def sample(out, *extra):
        return main(["sample", "--checkpoint", str(tmp_path / "run" / "last.pt"), "--cond", str(store.path),
                     "--out", str(tmp_path / out), "--steps", "4", "--no-progress", *extra])

    capsys.readouterr()
    assert sample("on.zarr") == 0
    printed = capsys.readouterr().out                             # every record, also those of the region it saw
    assert "the high frequencies of 96 of 96 records take the level model's level, slope, timing and texture " \
           "(simulations: the level)" in printed                 # texture: by default
    assert "depth term" not in printed                        # no depths in the store: no term fitted
    # of those, the ones with a distance and another station of their event with one (every 24th has none)
    cond_store = open_store(store.path)
    rel = hf_level.relative_ln_distance(cond_store.column("event"), cond_store.column("distance_km"))
    moved = hf_level.unseen(load_checkpoint(tmp_path / "run" / "last.pt")["level_model"],
                            hf_level.record_regions(cond_store.column("region"), cond_store.column("event"), True))
    assert moved.all()
    assert f"{int((np.isfinite(rel) & moved).sum())} of them are placed among their event's stations" in printed
    grouped = hf_level.within_event_groups(cond_store.column("event"), cond_store.column("component") == "Z")
    placed_both = grouped & np.isfinite(rel) & moved          # an event's lone vertical has no other to compare with
    assert 20 < placed_both.sum() < (np.isfinite(rel) & moved).sum()
    assert f"{int(placed_both.sum())} of these also by their conditioning's peak and level" in printed
    assert "by their magnitude" not in printed                      # no end line unless fitted with one
    with_line = load_checkpoint(tmp_path / "run" / "last.pt")
    with_line["level_model"]["timing"]["end_source"] = {"intercept_s": -8.0, "slope_s": 0.4, "n_traces": 40}
    with_line["level_model"]["depth"] = {"coef": [0.3, 0.3], "mean_ln_km": 2.5, "range_ln_km": [1.0, 4.0],
                                         "n_traces": 40, "n_events": 10}
    save_checkpoint(tmp_path / "line.pt", {k: v for k, v in with_line.items() if k not in ("format", "version")})
    assert main(["sample", "--checkpoint", str(tmp_path / "line.pt"), "--cond", str(store.path), "--out",
                 str(tmp_path / "line.zarr"), "--steps", "4", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "96 of them end their high band by their magnitude" in printed                  # every record has one
    assert "0 of them take the depth term" in printed                                      # none has a depth
    assert sample("off.zarr", "--no-level-model") == 0
    on, off = open_store(tmp_path / "on.zarr"), open_store(tmp_path / "off.zarr")
    assert json.loads((tmp_path / "on.zarr" / "sample_config.json").read_text())["level_model"] is True
    assert json.loads((tmp_path / "off.zarr" / "sample_config.json").read_text())["level_model"] is False
    lp = on.read()["lowpass"]
    vertical = (on.column("component") == "Z").astype(float)
    high = lambda x: x - lowpass(x, FS, 1.0)
    # the level of each station among its event's by distance and by its conditioning's peak and level,
    # over the whole conditioning store
    assert level["distance"] is not None and level["within"] is not None
    rel = hf_level.relative_ln_distance(on.column("event"), on.column("distance_km"))
    assert np.isfinite(rel).sum() > 40
    within = hf_level.store_within_event(on)
    assert within.shape == (96, 1, 2)
    assert np.array_equal(np.isfinite(within).all(axis=(1, 2)), hf_level.within_event_groups(on.column("event"), vertical))
    expected = hf_level.predict(level, lp, FS, 1.0, vertical, rel, within)
    err_on = np.abs(_levels(high(on.read()["broadband"].astype(np.float64))) - expected).max(axis=-1)
    err_off = np.abs(_levels(high(off.read()["broadband"].astype(np.float64))) - expected).max(axis=-1)
    # every record moves to the model's level, those of the region it was fitted on (japan) too
    seen = ~hf_level.unseen(level, hf_level.record_regions(on.column("region"), on.column("event")))
    assert seen.sum() == 36
    assert np.median(err_on[seen]) < 0.05 < np.median(err_off[seen])
    assert np.median(err_on[~seen]) < 0.05 < np.median(err_off[~seen])
    capsys.readouterr()
    assert sample("on.zarr", "--no-level-model") == 2
    assert "level_model" in capsys.readouterr().err
    # --network-level: records of the region it was fitted on keep the network's level (the earlier rule)
    assert sample("regional.zarr", "--network-level") == 0
    # the 12 real records of unknown region and the 48 simulations (a region of their own)
    assert "60 of 96 records are of a region the model never saw" in capsys.readouterr().out
    regional = open_store(tmp_path / "regional.zarr")
    assert np.array_equal(regional.read()["broadband"][seen], off.read()["broadband"][seen])
    assert np.array_equal(regional.read()["broadband"][~seen], on.read()["broadband"][~seen])
    assert sample("regional.zarr") == 2                                    # never resumed with the other setting
    err = capsys.readouterr().err.strip().splitlines()
    # an output of the earlier default, resumed with the same options, is told which one resumes it
    assert len(err) == 1 and "scenario: False vs True, begun under the earlier level rule" in err[0], err
    assert err[0].endswith("--network-level resumes it); use the same options to resume, or another --out"), err
    # --scenario, kept for scripts that give it, is the default
    assert sample("scenario.zarr", "--scenario") == 0
    assert np.array_equal(open_store(tmp_path / "scenario.zarr").read()["broadband"], on.read()["broadband"])


def test_the_network_level_hint_only_where_it_resumes(tmp_path):
    """The resume refusal names --network-level for an output of the earlier level rule only where scenario is the
    one setting that differs: an output of before fd5660e (lead_samples 0) is not resumed by it."""
    from seisdiff.engine.sampling import RESUME_DEFAULTS, RESUME_HINTS
    from seisdiff.errors import UserError
    from seisdiff.io.sinks import write_settings

    keys = ("scenario", "lead_samples")
    for there, hinted in (({"scenario": False, "lead_samples": 32}, True), ({"scenario": False}, False)):
        (tmp_path / "sample_config.json").write_text(json.dumps(there))
        with pytest.raises(UserError) as err:
            write_settings(tmp_path, {"scenario": True, "lead_samples": 32}, keys, RESUME_DEFAULTS, RESUME_HINTS)
        assert ("--network-level resumes it" in str(err.value)) is hinted, str(err.value)
