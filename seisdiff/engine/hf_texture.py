"""The generated high band's texture across frequency: spectra as uneven as the real records' (issue #20).

Real records' Fourier spectra are uneven across frequency (site resonances, the path): on the shared data's
regions their unevenness (`dsp.level.spectral_unevenness`, 2–25 Hz) is 0.38–0.41 ln against the network's
0.29–0.32, and a random-phase record under the same envelope gives only 0.11–0.12. At the same band level an
uneven spectrum carries more energy than a smooth one, which is why the generated Arias sat ~0.1 ln above the
other amplitudes on the cross-region folds (docs/MEASUREMENTS.md, "Spectra as uneven as the real ones"; with
this module and the depth term, six regions held out: Arias +0.201 → +0.143, PSA sigma +0.019, "Depth and
texture, shipped").

`fit` keeps the median unevenness u_real of the level model's training real records (their strong-motion
windows; `hf_level.fit`, "texture"). `roughen` gives each generated trace's high band a random zero-phase
gain exp(w(f)·ε(ln f)): ε piecewise linear between knots every ln(25/2)/16 in ln f (on the unevenness bins'
centres, from the crossover to Nyquist), iid N(0, s²); w rising from 0 at the crossover (TAPER_HZ[0]) to 1 at
the level model's band (TAPER_HZ[1]) in ln f. s per trace from its own generated unevenness u:
s² = max(0, u_real² − u²) / c, c the unevenness variance one unit of knot variance adds (`calibration`,
measured on noise: ~0.46, the bins average the knots' interpolation), so a trace already as uneven as the real
ones is left as it is. The band levels are then put back (`hf_level.set_band_levels`): the level model's
levels, the low band and the timing stay; only the texture inside the band moves. It acts where the level
model does (a region none of its records came from, or unknown), not on the simulator's own records. One draw per trace from its
own seed (`generate.record_seed`): realizations differ, reruns repeat.
"""
from __future__ import annotations

import functools

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.level import UNEVENNESS_BAND_HZ, UNEVENNESS_BINS, spectral_unevenness

TAPER_HZ = (1.0, 2.0)        # w: 0 at the crossover, 1 from the level model's band's low edge
CALIBRATION_SD = 0.3         # knot sd of `calibration`'s trial
CALIBRATION_TRACES = 256
CALIBRATION_SEED = 12345


def knots_ln_hz(sampling_rate_hz: float) -> np.ndarray:
    """ln f of the knots (K,) of traces sampled at sampling_rate_hz: on the unevenness bins' centres, every
    ln(25/2)/16, one beyond TAPER_HZ[0] below and one beyond Nyquist above."""
    step = np.log(UNEVENNESS_BAND_HZ[1] / UNEVENNESS_BAND_HZ[0]) / UNEVENNESS_BINS
    centre0 = np.log(UNEVENNESS_BAND_HZ[0]) + step / 2            # the first bin's centre, ln Hz
    k_lo = int(np.floor((np.log(TAPER_HZ[0]) - centre0) / step)) - 1
    k_hi = int(np.ceil((np.log(sampling_rate_hz / 2) - centre0) / step)) + 1
    return centre0 + step * np.arange(k_lo, k_hi + 1)


def gains(unit_eps, sd, length: int, sampling_rate_hz: float) -> np.ndarray:
    """(n, length // 2 + 1) amplitude gains exp(w·ε) on the rfft frequencies, ε = sd (n,) × unit_eps (n, K)
    (standard normal draws at `knots_ln_hz`), linear between the knots in ln f."""
    f_hz = np.fft.rfftfreq(length, 1.0 / sampling_rate_hz)
    knots = knots_ln_hz(sampling_rate_hz)
    eps_knots = np.asarray(unit_eps, np.float64) * np.asarray(sd, np.float64).reshape(-1, 1)
    lnf = np.log(np.maximum(f_hz, TAPER_HZ[0] / 2))
    eps = np.stack([np.interp(lnf, knots, e) for e in eps_knots]) if len(eps_knots) else np.zeros((0, len(f_hz)))
    w = np.clip(np.log(np.maximum(f_hz, 1e-9) / TAPER_HZ[0]) / np.log(TAPER_HZ[1] / TAPER_HZ[0]), 0.0, 1.0)
    return np.exp(w * eps)


def roughen_by(high_mps2, unit_eps, sd, band_list, sampling_rate_hz: float, target_ln=None) -> np.ndarray:
    """high_mps2 (m, L) m/s² times `gains`(unit_eps, sd) (on the trace zero-padded to
    `hf_level.padded_length`), then its ln levels in band_list put back on
    target_ln (m, nb) (default: its own before; `hf_level.set_band_levels`)."""
    from seisdiff.engine.hf_level import band_level, padded_length, set_band_levels

    h = np.asarray(high_mps2, np.float64)
    if target_ln is None:
        target_ln = np.stack([band_level(h, sampling_rate_hz, b) for b in band_list], axis=-1)
    n, n_fft = h.shape[-1], padded_length(h.shape[-1])      # zero-padded: no wrap-round from start to end
    rough = np.fft.irfft(np.fft.rfft(h, n=n_fft, axis=-1) * gains(unit_eps, sd, n_fft, sampling_rate_hz),
                         n=n_fft, axis=-1)[..., :n]
    return set_band_levels(rough, target_ln, band_list, sampling_rate_hz)


@functools.lru_cache(maxsize=16)
def calibration(length: int, sampling_rate_hz: float, band_list: tuple) -> float:
    """c: the unevenness variance (median u² after − before) that knots of sd CALIBRATION_SD add to white
    noise under a 10 s Gaussian envelope of `length` samples, per unit of knot variance."""
    rng = np.random.default_rng(CALIBRATION_SEED)
    t_s = np.arange(length) / sampling_rate_hz
    x = np.exp(-((t_s - t_s.mean()) / 5.0) ** 2) * rng.standard_normal((CALIBRATION_TRACES, length))
    low = lowpass(x, sampling_rate_hz, TAPER_HZ[0], 4)
    unit = rng.standard_normal((CALIBRATION_TRACES, len(knots_ln_hz(sampling_rate_hz))))
    rough = low + roughen_by(x - low, unit, np.full(CALIBRATION_TRACES, CALIBRATION_SD), list(band_list),
                             sampling_rate_hz)
    return float((np.median(spectral_unevenness(rough, sampling_rate_hz)) ** 2
                  - np.median(spectral_unevenness(x, sampling_rate_hz)) ** 2) / CALIBRATION_SD ** 2)


def strongest_window(x, length: int) -> np.ndarray:
    """x (m, L) cut to its `length`-sample window of most energy where L > length (the unevenness is
    compared at the training records' length: a longer record's random scatter is smaller)."""
    x = np.asarray(x, np.float64)
    if x.shape[-1] <= length:
        return x
    energy = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x * x, axis=-1)], axis=-1)
    start = np.argmax(energy[:, length:] - energy[:, :-length], axis=-1)
    return np.take_along_axis(x, start[:, None] + np.arange(length), axis=-1)     # (0, length) for no trace


def fit(unevenness, n_samples: int) -> dict | None:
    """The texture model from the unevenness (m,) of real records' traces (`spectral_unevenness`, NaN where
    unresolved) of n_samples samples: their median (ln units) and length; None when none is finite. Plain
    numbers."""
    u = np.asarray(unevenness, np.float64)
    if not np.isfinite(u).any():
        return None
    return {"unevenness": float(np.nanmedian(u)), "n_samples": int(n_samples), "n_traces": int(np.isfinite(u).sum())}


def trace_sd(high_mps2, texture: dict, band_list, sampling_rate_hz: float) -> np.ndarray:
    """(m,) knot sd s of each trace of high_mps2 (m, L): s² = max(0, u_real² − u²) / c (0 where u is NaN)."""
    n_ref = int(texture["n_samples"])
    u = spectral_unevenness(strongest_window(high_mps2, n_ref), sampling_rate_hz)
    c = calibration(n_ref, float(sampling_rate_hz), tuple(tuple(b) for b in band_list))
    with np.errstate(invalid="ignore"):
        s2 = np.maximum(0.0, texture["unevenness"] ** 2 - u ** 2) / c
    return np.where(np.isfinite(s2), np.sqrt(np.where(np.isfinite(s2), s2, 0.0)), 0.0)


def roughen(high_mps2, texture: dict, seeds, band_list, sampling_rate_hz: float, target_ln=None) -> np.ndarray:
    """high_mps2 (m, L) m/s², each trace made as uneven as the texture model's real records (`trace_sd`),
    its draw from its seed (m,): an int, or a tuple of ints (numpy's SeedSequence entropy), its band levels put back on target_ln (m, nb) (default: its own)."""
    h = np.asarray(high_mps2, np.float64)
    k = len(knots_ln_hz(sampling_rate_hz))
    unit = np.stack([np.random.default_rng(s).standard_normal(k) for s in seeds]) if len(h) \
        else np.zeros((0, k))
    return roughen_by(h, unit, trace_sd(h, texture, band_list, sampling_rate_hz), band_list, sampling_rate_hz,
                      target_ln)
