"""The high band's texture (engine/hf_texture.py): the knot variance adds the unevenness variance its
calibration says, a smooth trace is made as uneven as the real records' with its band levels kept, a trace
already that uneven is left alone, and each trace's draw is its own seed's (batch-invariant)."""
import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.level import spectral_unevenness
from seisdiff.engine import hf_level, hf_texture

FS = 100.0
LENGTH = 4096
BANDS = tuple(tuple(b) for b in hf_level.BANDS_HZ)


def _noise(n, seed=0):
    """White noise under a 10 s Gaussian envelope, its < 1 Hz band removed: a smooth spectrum."""
    rng = np.random.default_rng(seed)
    t_s = np.arange(LENGTH) / FS
    x = np.exp(-((t_s - t_s.mean()) / 5.0) ** 2) * rng.standard_normal((n, LENGTH))
    return x - lowpass(x, FS, 1.0, 4)


def _levels(x):
    return np.stack([hf_level.band_level(x, FS, b) for b in BANDS], axis=-1)


def test_knot_variance_adds_the_calibrated_unevenness_variance():
    """u² grows by c·s² (the knots' variance, binned and detrended) at another sd than the calibration's."""
    c = hf_texture.calibration(LENGTH, FS, BANDS)
    assert 0.3 < c < 0.7                       # below 1: the bins average the knots' linear interpolation
    x = _noise(256, seed=3)
    unit = np.random.default_rng(4).standard_normal((256, len(hf_texture.knots_ln_hz(FS))))
    sd = 0.5
    rough = hf_texture.roughen_by(x, unit, np.full(256, sd), list(BANDS), FS)
    gained = np.median(spectral_unevenness(rough, FS)) ** 2 - np.median(spectral_unevenness(x, FS)) ** 2
    assert abs(gained / (c * sd ** 2) - 1) < 0.15


def test_gains_are_one_below_the_crossover_and_log_linear_between_knots():
    knots = hf_texture.knots_ln_hz(FS)
    assert np.exp(knots[0]) < hf_texture.TAPER_HZ[0] and np.exp(knots[-1]) > FS / 2
    assert np.allclose(np.diff(knots), np.log(25 / 2) / 16)
    unit = np.random.default_rng(0).standard_normal((2, len(knots)))
    g = hf_texture.gains(unit, [0.4, 0.0], LENGTH, FS)
    f_hz = np.fft.rfftfreq(LENGTH, 1 / FS)
    assert np.all(g[0, f_hz <= 1.0] == 1.0) and np.all(g[1] == 1.0)          # w = 0; sd 0: no gain
    above = np.searchsorted(f_hz, 2.0)                                         # w = 1 from 2 Hz: ln g = ε
    assert np.allclose(np.log(g[0, above:]), np.interp(np.log(f_hz[above:]), knots, 0.4 * unit[0]))


def test_roughen_makes_smooth_traces_as_uneven_as_the_real_ones_at_their_levels():
    x = _noise(64)
    before = spectral_unevenness(x, FS)
    assert np.median(before) < 0.2                                               # random phase only
    texture = {"unevenness": 0.40, "n_samples": LENGTH, "n_traces": 100}
    target = _levels(x) + np.linspace(-1, 1, 64)[:, None]                       # any levels: they are put back
    out = hf_texture.roughen(x, texture, range(64), list(BANDS), FS, target)
    assert np.allclose(_levels(out), target, atol=1e-3)
    assert abs(np.median(spectral_unevenness(out, FS)) - 0.40) < 0.04
    # the same seed, the same draw; another seed, another
    again = hf_texture.roughen(x[:3], texture, range(3), list(BANDS), FS, target[:3])
    assert np.allclose(again, out[:3], rtol=0, atol=1e-12 * np.abs(out).max())
    other = hf_texture.roughen(x[:3], texture, [7, 8, 9], list(BANDS), FS, target[:3])
    assert not np.allclose(other, out[:3], atol=1e-3 * np.abs(out).max())
    # each trace alone: its draw and its sd are its own, whatever else is in the batch
    alone = hf_texture.roughen(x[5:6], texture, [5], list(BANDS), FS, target[5:6])
    assert np.allclose(alone, out[5:6], rtol=0, atol=1e-12 * np.abs(out).max())


def test_a_trace_already_as_uneven_is_left_as_it_is():
    x = _noise(8, seed=1)
    unit = np.random.default_rng(2).standard_normal((8, len(hf_texture.knots_ln_hz(FS))))
    uneven = hf_texture.roughen_by(x, unit, np.full(8, 1.0), list(BANDS), FS)
    assert np.all(spectral_unevenness(uneven, FS) > 0.45)
    texture = {"unevenness": 0.40, "n_samples": LENGTH, "n_traces": 100}
    assert np.all(hf_texture.trace_sd(uneven, texture, list(BANDS), FS) == 0.0)
    kept = hf_texture.roughen(uneven, texture, range(8), list(BANDS), FS)
    assert np.allclose(kept, uneven, rtol=0, atol=1e-9 * np.abs(uneven).max())


def test_longer_traces_are_measured_on_their_strongest_window():
    x = np.zeros((2, 1000))
    x[0, 700:720] = 1.0
    x[1, 10:30] = 1.0
    w = hf_texture.strongest_window(x, 100)
    assert w.shape == (2, 100) and np.all(w.sum(axis=-1) == 20.0)
    assert hf_texture.strongest_window(x, 2000) is not None and hf_texture.strongest_window(x, 2000).shape == (2, 1000)
    assert hf_texture.strongest_window(x[:0], 100).shape == (0, 100)          # no trace: none (a batch none moves)
    texture = {"unevenness": 0.40, "n_samples": 100, "n_traces": 10}
    assert hf_texture.roughen(x[:0], texture, [], list(BANDS), FS).shape == (0, 1000)


def test_fit_keeps_the_median_of_finite_unevenness():
    u = np.array([0.3, np.nan, 0.5, 0.4])
    model = hf_texture.fit(u, 4096)
    assert model == {"unevenness": 0.4, "n_samples": 4096, "n_traces": 3}
    assert hf_texture.fit(np.full(3, np.nan), 4096) is None


def test_roughen_and_set_band_levels_do_not_wrap_a_records_start_onto_its_end():
    """The gains are applied on the zero-padded trace: a high-frequency burst 2 s into a quiet 150 s trace
    leaves its last seconds quiet (circularly, 2 % of the peak came back in its last second, 1.4 % from the
    tilt alone), and the middle of a trace is changed as before."""
    rng = np.random.default_rng(0)
    t_s = np.arange(15000) / FS
    x = rng.standard_normal((1, 15000)) * np.exp(-((t_s - 2.0) / 1.0) ** 2)
    x = x - lowpass(x, FS, 1.0, 4)
    peak = np.abs(x).max()
    unit = rng.standard_normal((1, len(hf_texture.knots_ln_hz(FS))))
    rough = hf_texture.roughen_by(x, unit, np.array([0.6]), list(BANDS), FS)
    tilted = hf_level.set_band_levels(x, _levels(x) + np.array([[1.0, -0.5]]), list(BANDS), FS)
    for y in (rough, tilted):
        assert np.abs(y[0, -500:]).max() < 1e-4 * peak
        assert np.abs(y).max() > 0.5 * peak
        np.testing.assert_allclose(_levels(y) - _levels(x), [[0.0, 0.0]] if y is rough else [[1.0, -0.5]],
                                   atol=0.05)
