"""`engine.lfmerge`: the low-band merge at the crossover — one pass is the Broadband Platform's merge,
iterated it reaches the conditioning's low band; linear and per trace. (Through `generate`:
tests/test_generate.py.)"""
import numpy as np
from synth import TINY_FS_HZ as FS, TINY_LOWPASS_HZ as LOWPASS_HZ, accelerogram

from seisdiff.dsp import lowpass
from seisdiff.engine.lfmerge import lf_merge


def test_lf_merge_one_pass_and_fixed_point():
    rng = np.random.default_rng(0)
    broadband = np.stack([accelerogram(s, n=1000, pga=0.05) for s in range(4)])[:, None]
    cond = lowpass(broadband, FS, LOWPASS_HZ)
    generated = np.stack([accelerogram(10 + s, n=1000, pga=0.05) for s in range(4)])[:, None]
    generated += rng.normal(0, 1e-3, generated.shape)
    one = lf_merge(generated, cond, FS, LOWPASS_HZ, tol=np.inf)            # the Broadband Platform merge
    np.testing.assert_allclose(one, cond + generated - lowpass(generated, FS, LOWPASS_HZ), rtol=0, atol=1e-15)
    # a record whose low band is already the conditioning's is left as it is
    np.testing.assert_allclose(lf_merge(broadband, cond, FS, LOWPASS_HZ), broadband, rtol=0, atol=1e-12)
    merged = lf_merge(generated, cond, FS, LOWPASS_HZ)
    residual = np.linalg.norm(lowpass(merged, FS, LOWPASS_HZ) - cond, axis=-1) / np.linalg.norm(cond, axis=-1)
    assert residual.max() <= 0.02 < (np.linalg.norm(lowpass(one, FS, LOWPASS_HZ) - cond, axis=-1)
                                     / np.linalg.norm(cond, axis=-1)).max()
    # linear and per trace: each trace merged alone gives the same
    np.testing.assert_allclose(lf_merge(generated[2:3], cond[2:3], FS, LOWPASS_HZ), merged[2:3], rtol=0, atol=1e-15)


def test_a_short_trace_with_a_low_band_far_off_still_reaches_the_tolerance():
    """A 5 s trace whose generated low band is 6× and 20× the conditioning's (as the level model's gain
    could leave it) is merged to MERGE_TOL: 64 passes (the old limit) left it at 3 % and 11 %."""
    from seisdiff.engine.lfmerge import MERGE_TOL
    x = accelerogram(3, n=500, pga=1.0)[None]
    cond = lowpass(x, 100.0, 1.0)
    for factor in (6.0, 20.0):
        merged = lf_merge(factor * x, cond, 100.0, 1.0)
        residual = np.linalg.norm(lowpass(merged, 100.0, 1.0) - cond) / np.linalg.norm(cond)
        assert residual <= MERGE_TOL * (1 + 1e-9)
