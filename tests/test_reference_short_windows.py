"""preprocess.reference (the documented preprocessing written plainly with SciPy, "same conventions as
condition.py") placed every window 3 s before 5 % Arias; since b6c9d51 condition places a window shorter than
ONSET_WINDOW_MIN_S where it holds the most Arias intensity, so the two disagreed at --length 1024 or 256."""
import numpy as np
import pytest

from seisdiff.preprocess import PreprocessConfig, condition_group
from seisdiff.preprocess.reference import scipy_preprocess


@pytest.mark.parametrize("length", [256, 1024, 4096])
def test_reference_places_short_windows_as_condition_does(length):
    rng = np.random.default_rng(3)
    t = np.arange(12000) / 100.0
    acc = 0.02 * rng.normal(size=t.size) + np.exp(-0.5 * ((t - 70.0) / 3.0) ** 2) * np.sin(2 * np.pi * 4.0 * t)
    acc[:1000] *= 0.01                                            # a quiet start, the burst 60 s later
    bb, lp = condition_group(acc[None], 100.0, PreprocessConfig(length=length))
    ref_bb, ref_lp = scipy_preprocess(acc, 100.0, length=length)
    np.testing.assert_allclose(bb[0, 0], ref_bb, rtol=0, atol=1e-3 * np.abs(ref_bb).max())
    np.testing.assert_allclose(lp[0, 0], ref_lp, rtol=0, atol=1e-3 * np.abs(ref_lp).max())
