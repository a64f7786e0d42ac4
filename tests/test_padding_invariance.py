"""A transient's level does not depend on how much quiet surrounds it (a simulation's output comes 60–300 s
long with any quiet lead and tail): the conditioning of `sample` (`preprocess.whole.condition_whole`) is the
same for the record alone and zero-padded to 41–240 s."""
from __future__ import annotations

import numpy as np
import pytest

from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import condition_whole, whole_taper_fraction

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
