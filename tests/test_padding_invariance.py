"""A transient's level does not depend on how much quiet surrounds it (a simulation's output comes 60–300 s
long with any quiet lead and tail): the conditioning of `sample` (`preprocess.whole.condition_whole`), the
shipped level model's prediction (`hf_level.predict`) and the level it gives the generated high band
(`hf_level.apply`, with its timing and texture) are the same for the record alone and zero-padded to 41–240 s."""
from __future__ import annotations

import numpy as np
import pytest

from seisdiff.dsp import lowpass
from seisdiff.engine import hf_level
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import condition_whole, whole_taper_fraction
from seisdiff.pretrained import resolve_checkpoint

FS_HZ = 100.0
LEAD_S = 3.0          # a near station: the motion starts 3 s after the simulation's origin time
PADDED_S = (41.0, 60.0, 120.0, 240.0)


def _transient(seed: int, duration_s: float = 30.0) -> np.ndarray:
    """White noise under a t·exp(−t/τ) envelope starting at 1 s: a record's strong motion, m/s²."""
    t_s = np.arange(int(duration_s * FS_HZ)) / FS_HZ
    u = np.maximum(t_s - 1.0, 0.0)
    return 0.5 * (u / 4.0) * np.exp(1.0 - u / 4.0) * np.random.default_rng(seed).standard_normal(len(t_s))


def _padded(x: np.ndarray, total_s: float, lead_s: float = LEAD_S) -> np.ndarray:
    out = np.zeros(int(total_s * FS_HZ))
    i = int(lead_s * FS_HZ)
    out[i:i + len(x)] = x
    return out


def _conditioning(x: np.ndarray, total_s: float | None) -> np.ndarray:
    """The conditioning (1, 1, L) of x alone (total_s None, its own lead kept) or zero-padded to total_s."""
    raw = _padded(x, len(x) / FS_HZ + LEAD_S) if total_s is None else _padded(x, total_s)
    return condition_whole(raw[None], FS_HZ, PreprocessConfig())[1].astype(np.float64)[None]


def test_a_transients_conditioning_does_not_depend_on_its_padding():
    x = _transient(1)
    alone = _conditioning(x, None)
    n = alone.shape[-1]
    motion = slice(int(LEAD_S * FS_HZ), n)
    for total_s in PADDED_S:
        cond = _conditioning(x, total_s)
        assert np.abs(cond).max() == pytest.approx(np.abs(alone).max(), rel=0.01), f"peak padded to {total_s:g} s"
        np.testing.assert_allclose(np.sqrt(np.mean(cond[..., motion] ** 2)), np.sqrt(np.mean(alone[..., motion] ** 2)),
                                   rtol=0.01, err_msg=f"the motion's rms padded to {total_s:g} s")


def test_a_whole_records_taper_is_the_training_windows_at_most():
    cfg = PreprocessConfig()                       # 4096 samples at 100 Hz, 5 % each end
    assert whole_taper_fraction(4096, 100.0, cfg) == cfg.taper_fraction         # a training window's: as before
    assert whole_taper_fraction(8192, 200.0, cfg) == cfg.taper_fraction
    assert whole_taper_fraction(1000, 100.0, cfg) == cfg.taper_fraction
    for n, fs_hz in ((24000, 100.0), (60000, 200.0)):
        width_s = np.floor(whole_taper_fraction(n, fs_hz, cfg) * (n - 1)) / fs_hz
        assert width_s == pytest.approx(np.floor(cfg.taper_fraction * 4095) / 100.0, abs=1.0 / fs_hz)


@pytest.fixture(scope="module")
def level_model():
    return load_checkpoint(resolve_checkpoint("default"))["level_model"]


@pytest.mark.parametrize("seed", [1, 3])
def test_a_transients_predicted_level_does_not_depend_on_its_padding(level_model, seed):
    x = _transient(seed)
    ref = hf_level.predict(level_model, _conditioning(x, None), FS_HZ, 1.0, np.zeros(1))
    for total_s in PADDED_S:
        pred = hf_level.predict(level_model, _conditioning(x, total_s), FS_HZ, 1.0, np.zeros(1))
        np.testing.assert_allclose(pred, ref, atol=0.02, err_msg=f"predicted ln levels padded to {total_s:g} s")
    # and wherever the quiet lies: 60 s of it before the motion
    pred = hf_level.predict(level_model, _conditioning(_padded(x, 60.0 + len(x) / FS_HZ), 240.0), FS_HZ, 1.0,
                            np.zeros(1))
    np.testing.assert_allclose(pred, ref, atol=0.02, err_msg="predicted ln levels after 60 s of quiet")


def test_the_level_model_measures_a_training_windows_low_band_as_it_was_fitted():
    x = np.random.default_rng(4).standard_normal((3, 1, 4096))
    x = lowpass(x, FS_HZ, 1.0, 4)
    np.testing.assert_array_equal(hf_level.features(x, FS_HZ, 1.0, np.zeros(3), 4096),
                                  hf_level.features(x, FS_HZ, 1.0, np.zeros(3)))


def test_the_level_apply_gives_a_padded_transient_is_the_unpadded_ones(level_model):
    x, noise = _transient(1), _transient(2)
    n = int((len(x) / FS_HZ + LEAD_S) * FS_HZ)
    alone = _conditioning(x, None)
    burst = _padded(noise, n / FS_HZ)
    gen = alone[0, 0] + 0.3 * (burst - lowpass(burst[None], FS_HZ, 1.0, 4)[0])   # a network's high band on it

    def levels(cond, generated):
        out = hf_level.apply(generated[None, None], cond, level_model, FS_HZ, 1.0, np.zeros(1),
                             texture_seeds=np.array([7]))[0, 0, :n]
        high = out - lowpass(out[None], FS_HZ, 1.0, 4)[0]
        return np.array([hf_level.band_level(high, FS_HZ, band) for band in hf_level.BANDS_HZ])

    ref = levels(alone, gen)
    for total_s in PADDED_S:
        cond = _conditioning(x, total_s)
        got = levels(cond, np.concatenate([gen, np.zeros(cond.shape[-1] - n)]))
        np.testing.assert_allclose(got, ref, atol=0.02, err_msg=f"applied ln levels padded to {total_s:g} s")
