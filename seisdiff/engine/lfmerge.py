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

A window cut from inside a record (a training store's, `preprocess.condition`) has the record's low band as
its conditioning: within `edge_samples` of its ends (EDGE_CYCLES periods of the crossover) that is not H of
anything in the window, since H of the window alone reflects about its end samples. Iterated there, the
merge never converges and piles the mismatch, inverse-filtered, into the output: on the 327 strong-motion
windows 2 traces ran to MAX_PASSES with edge peaks up to 55× the generated trace's peak. So with
`edge_samples` the residual is judged beyond the edge zones and subtracted with a raised-cosine weight, 0 at
the ends and 1 beyond the zones: near its ends the window keeps the generated low band (which the model drew
from that conditioning). Whole records (edge_samples = 0) are merged over every sample, as before.
"""
from __future__ import annotations

import numpy as np

from seisdiff.dsp import lowpass

MERGE_TOL = 0.02      # relative L2 residual of lowpass(merged) against the conditioning
MAX_PASSES = 1024     # a good model's output needs 1–3 passes for 0.02, a weak one ~30; a short trace whose low
                      # band is 6× / 20× its conditioning's (the level model's gain on a 5 s trace) ~100 / ~700


def lf_merge(generated_mps2, cond_mps2, sampling_rate_hz, lowpass_hz: float, order: int = 4, tol: float = MERGE_TOL,
             max_passes: int = MAX_PASSES, edge_samples: int = 0) -> np.ndarray:
    """generated_mps2, cond_mps2 (..., L) m/s² at sampling_rate_hz (cond already low-passed at lowpass_hz with
    `seisdiff.dsp.lowpass` of this order) → merged (..., L) m/s², dtype of generated_mps2 (arithmetic
    in float64). Each trace (last axis) is merged until ‖lowpass(merged) − cond‖ ≤ tol·‖cond‖ or
    max_passes; tol = inf gives the one-pass Broadband Platform merge. edge_samples: a window cut from inside
    a record (`preprocess.condition.edge_samples`; at most a quarter of the trace): the residual is judged
    beyond that many samples from each end and weighted down to 0 within them (module docstring)."""
    generated = np.asarray(generated_mps2)
    cond = np.asarray(cond_mps2, dtype=np.float64)
    if cond.shape != generated.shape:
        raise ValueError(f"lf_merge: generated {generated.shape} and conditioning {cond.shape} differ in shape")
    merged = generated.astype(np.float64).reshape(-1, generated.shape[-1])
    cond = cond.reshape(merged.shape)
    edge = min(int(edge_samples), merged.shape[-1] // 4)
    judged = slice(edge, merged.shape[-1] - edge)
    weight = _edge_weight(merged.shape[-1], edge)
    cond_norm = np.linalg.norm(cond[:, judged], axis=-1)
    active = np.arange(len(merged))
    for p in range(max_passes if np.isfinite(tol) else 1):
        residual = lowpass(merged[active], sampling_rate_hz, lowpass_hz, order) - cond[active]
        if p > 0:                                        # the first pass is always made
            keep = np.linalg.norm(residual[:, judged], axis=-1) > tol * cond_norm[active]
            active, residual = active[keep], residual[keep]
            if len(active) == 0:
                break
        merged[active] -= residual if weight is None else weight * residual   # = cond + merged − lowpass(merged)
    return merged.reshape(generated.shape).astype(generated.dtype)


def _edge_weight(length: int, edge: int) -> np.ndarray | None:
    """(length,) raised-cosine weight rising from ~0 at each end to 1 at `edge` samples in; None when edge = 0."""
    if edge <= 0:
        return None
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
    weight = np.ones(length)
    weight[:edge], weight[length - edge:] = ramp, ramp[::-1]
    return weight
