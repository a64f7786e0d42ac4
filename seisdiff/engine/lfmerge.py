"""Low/high-frequency merge at the crossover, in m/s² (as the SCEC Broadband Platform merges a
deterministic low-frequency and a stochastic high-frequency record).

With H the zero-phase Butterworth low-pass of the store (`seisdiff.dsp.lowpass`, |B|² response), one
pass replaces the generated record's low band by the conditioning with the complementary pair
(H, 1 − H):

    merged = cond + (generated − H·generated)

`cond` is already low-passed (the store's `lowpass`, or a waveform prepared by `seisdiff sample`), so
it is not filtered again. Writing cond = H·X, H·merged − cond = H(1 − H)(generated − X): one pass is
exact only where the generated low band already matches, and misses by up to a quarter of the mismatch
at the crossover (low-passed output vs conditioning correlate at 0.95–0.99 for a weak model). Each
further pass merges the result again, so after p passes H·merged − cond = H(1 − H)^p·(generated − X)
and merged = X·(1 − (1 − H)^p) + generated·(1 − H)^p: a sharper complementary pair, built from the
same filter without any division. Passes continue, per trace, until the low-passed output matches the
conditioning to `tol` (relative L2 residual; tol = 0.02 means a correlation above 0.9998).
"""
from __future__ import annotations

import numpy as np

from seisdiff.dsp import lowpass

MERGE_TOL = 0.02      # relative L2 residual of lowpass(merged) against the conditioning
MAX_PASSES = 1024     # a good model's output needs 1–3 passes for 0.02, a weak one ~30; a short trace whose low
                      # band is 6× / 20× its conditioning's (the level model's gain on a 5 s trace) ~100 / ~700


def lf_merge(generated_mps2, cond_mps2, sampling_rate_hz, lowpass_hz: float, order: int = 4, tol: float = MERGE_TOL,
             max_passes: int = MAX_PASSES) -> np.ndarray:
    """generated_mps2, cond_mps2 (..., L) m/s² at sampling_rate_hz (cond already low-passed at lowpass_hz with
    `seisdiff.dsp.lowpass` of this order) → merged (..., L) m/s², dtype of generated_mps2 (arithmetic
    in float64). Each trace (last axis) is merged until ‖lowpass(merged) − cond‖ ≤ tol·‖cond‖ or
    max_passes; tol = inf gives the one-pass Broadband Platform merge."""
    generated = np.asarray(generated_mps2)
    cond = np.asarray(cond_mps2, dtype=np.float64)
    if cond.shape != generated.shape:
        raise ValueError(f"lf_merge: generated {generated.shape} and conditioning {cond.shape} differ in shape")
    merged = generated.astype(np.float64).reshape(-1, generated.shape[-1])
    cond = cond.reshape(merged.shape)
    cond_norm = np.linalg.norm(cond, axis=-1)
    active = np.arange(len(merged))
    for p in range(max_passes if np.isfinite(tol) else 1):
        residual = lowpass(merged[active], sampling_rate_hz, lowpass_hz, order) - cond[active]
        if p > 0:                                        # the first pass is always made
            keep = np.linalg.norm(residual, axis=-1) > tol * cond_norm[active]
            active, residual = active[keep], residual[keep]
            if len(active) == 0:
                break
        merged[active] -= residual                       # = cond + merged − lowpass(merged)
    return merged.reshape(generated.shape).astype(generated.dtype)
