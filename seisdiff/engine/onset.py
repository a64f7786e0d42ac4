"""Pre-event gate: no generated high frequencies before the conditioning's motion begins (m/s²).

The model adds high frequencies wherever its window is, also before the event: on real records its
> 2 Hz level over a window's quiet first 2 s was about twice the real one (issue #18). Physically,
high frequencies arrive with the P wave, a little before the low band rises. So, per trace:

1. onset: the first time the conditioning's Husid curve (cumulative ∫a², normalized to 1) reaches
   `ONSET_FRACTION` — the low band's own start, read from the conditioning only;
2. gate g(t): a floor before (onset − lead_s − ramp_s), a raised-cosine rise over ramp_s, 1 from
   (onset − lead_s) on; the lead lets the high frequencies start before the low band does. The floor
   is the conditioning's own pre-event noise-to-signal ratio, rms(cond before the rise) /
   rms(cond over the SIGNAL_S seconds from the onset), at most 1: 0 for a noise-free simulation (no
   high frequencies before its motion), ~0.4 for a typical real record, whose pre-event noise has
   high frequencies too (a fixed floor can be given instead);
3. split the generated trace with the model's zero-phase Butterworth low-pass H at the crossover,
   low = H·x, high = x − low, and keep low + g·high;
4. g·high leaks a little below the crossover (the gate's own spectrum is ~1/ramp_s wide), so the low
   band is then restored to H·x with `lfmerge.lf_merge` (to its tolerance), the same merge `sample`
   uses: the lf-merge invariant (the output's low band is the conditioning's) is kept.

A trace whose conditioning is silent (all zero) or starts with motion (onset within lead_s of the start)
is returned unchanged. Everything is in physical units: m/s² in,
m/s² out, times in s, rates in Hz.
"""
from __future__ import annotations

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.engine.lfmerge import MERGE_TOL, lf_merge

# Chosen on the 36 K-NET/KiK-net records (Aomori 2018, Chiba 2014, Tottori 2000; none in training)
# among Husid fractions 0.02/0.05, leads 1–3 s and fixed or adaptive floors, by the median |ln| of
# the generated/real pre-event ratio; measured on other events only (issue #18).
ONSET_FRACTION = 0.02    # Husid fraction of the conditioning taken as its onset
LEAD_S = 2.0             # high frequencies may start this long before that onset, s
RAMP_S = 1.0             # raised-cosine rise of the gate, s
SIGNAL_S = 10.0          # span after the onset whose rms is the floor's reference, s
S_MINUS_P_S_PER_KM = 1.0 / 8.0   # S−P time per km of hypocentral distance (crust: 1/3.5 − 1/6 km/s), s/km


def onset_time_s(cond_mps2, sampling_rate_hz: float, fraction: float = ONSET_FRACTION) -> np.ndarray:
    """(...,) float64: first time (s from the trace's first sample, interpolated between samples) at
    which the Husid curve of the conditioning cond_mps2 (..., L) m/s² sampled at sampling_rate_hz Hz reaches
    `fraction` (`dsp.arias_time`); NaN for a silent trace."""
    return arias_time(np.asarray(cond_mps2, dtype=np.float64), sampling_rate_hz, fraction)


def noise_floor(cond_mps2, sampling_rate_hz: float, onset_s, closed_s, signal_s: float = SIGNAL_S) -> np.ndarray:
    """(...,) in [0, 1]: rms of the conditioning (..., L) m/s² at sampling_rate_hz Hz before closed_s (...,) s over
    its rms over [onset_s, onset_s + signal_s) s; 0 where nothing precedes closed_s or the onset is
    unknown (NaN)."""
    cond = np.asarray(cond_mps2, dtype=np.float64)
    t = np.arange(cond.shape[-1]) / sampling_rate_hz
    onset_s = np.asarray(onset_s, dtype=np.float64)[..., None]
    before = t < np.asarray(closed_s, dtype=np.float64)[..., None]
    after = (t >= onset_s) & (t < onset_s + signal_s)
    power = cond * cond
    with np.errstate(invalid="ignore", divide="ignore"):
        pre = np.sum(power * before, axis=-1) / np.sum(before, axis=-1)
        post = np.sum(power * after, axis=-1) / np.sum(after, axis=-1)
        ratio = np.sqrt(pre / post)
    return np.clip(np.where(np.isfinite(ratio), ratio, 0.0), 0.0, 1.0)


def gate(length: int, sampling_rate_hz: float, onset_s, lead_s=LEAD_S, ramp_s: float = RAMP_S,
         floor=0.0) -> np.ndarray:
    """(..., length) float64 weights in [floor, 1]: floor before onset_s − lead_s − ramp_s, a raised
    cosine up to 1 at onset_s − lead_s, then 1. onset_s (...,) s (NaN: all ones); sampling_rate_hz Hz; lead_s and
    floor a number or (...,) per trace."""
    onset_s = np.asarray(onset_s, dtype=np.float64)[..., None]
    floor = np.asarray(floor, dtype=np.float64)[..., None]
    lead_s = np.asarray(lead_s, dtype=np.float64)[..., None]
    t = np.arange(length) / sampling_rate_hz
    open_s = onset_s - lead_s                                     # the gate is fully open from here
    u = np.clip((t - (open_s - ramp_s)) / ramp_s, 0.0, 1.0) if ramp_s > 0 else (t >= open_s) * 1.0
    g = floor + (1.0 - floor) * np.sin(0.5 * np.pi * u) ** 2
    return np.where(np.isfinite(onset_s), g, 1.0)


def lead_for_distance(distance_km, lead_s=LEAD_S, shape=()) -> np.ndarray:
    """(shape) leads in s: lead_s plus the S−P time at distance_km (km; NaN or None = unknown: lead_s
    alone)."""
    if distance_km is None:
        return np.broadcast_to(np.asarray(lead_s, dtype=np.float64), shape)
    distance_km = np.broadcast_to(np.asarray(distance_km, dtype=np.float64), shape)
    return np.asarray(lead_s, dtype=np.float64) + np.where(np.isfinite(distance_km), distance_km, 0.0) * S_MINUS_P_S_PER_KM


def gate_pre_event(generated_mps2, cond_mps2, sampling_rate_hz: float, lowpass_hz: float, order: int = 4, *,
                   fraction: float = ONSET_FRACTION, lead_s=LEAD_S, ramp_s: float = RAMP_S,
                   floor: float | None = None, distance_km=None, tol: float = MERGE_TOL) -> np.ndarray:
    """Remove generated high frequencies that come before the conditioning's onset.

    generated_mps2: (..., L) broadband traces, m/s² at sampling_rate_hz Hz (whole traces, as `generate` yields
    them, with or without the lf-merge); cond_mps2: (..., L) their conditioning, m/s² (already
    low-passed at lowpass_hz), broadcastable against generated_mps2; lowpass_hz, order: the
    model's zero-phase Butterworth low-pass. fraction, lead_s, ramp_s: the onset and gate (see the
    module docstring); distance_km: hypocentral distance (...,) (NaN = unknown), which adds the S−P
    time (`lead_for_distance`) to the lead, since the low band's onset is the S wave's far away; floor: the gate before the rise (None: each trace's `noise_floor`). Returns (..., L) m/s², dtype of generated_mps2, whose low band
    (`seisdiff.dsp.lowpass`) equals that of generated_mps2 to `tol` (relative L2).
    """
    generated = np.asarray(generated_mps2)
    x = generated.astype(np.float64)
    cond = np.broadcast_to(np.asarray(cond_mps2, dtype=np.float64), x.shape)
    onset = onset_time_s(cond, sampling_rate_hz, fraction)
    lead_s = lead_for_distance(distance_km, lead_s, x.shape[:-1])
    if floor is None:
        floor = noise_floor(cond, sampling_rate_hz, onset, onset - lead_s - ramp_s)
    g = gate(x.shape[-1], sampling_rate_hz, onset, lead_s, ramp_s, floor)
    if np.all(g == 1.0):
        return generated.copy()
    low = lowpass(x, sampling_rate_hz, lowpass_hz, order)
    gated = low + g * (x - low)
    return lf_merge(gated, low, sampling_rate_hz, lowpass_hz, order, tol=tol).astype(generated.dtype)
