"""Reference "generators" a model must beat, from the conditioning alone (all in m/s²).

- `lf_only`: the conditioning itself — the distance to "no high frequencies at all".
- `stochastic`: the classical stochastic method (Boore 2003, SMSIM-style) glued above the crossover:
  Gaussian noise, time-modulated by the conditioning's smoothed Hilbert envelope, whose acceleration
  Fourier spectrum is a Brune ω² shape (rising as f² below a corner, flat above) times exp(−π κ f),
  its level matched to the conditioning's spectrum just below the crossover so the spectrum is
  continuous; output = conditioning + highpass(noise) at the crossover.

The conditioning is the record's low band through the store's zero-phase Butterworth filter (`lowpass(broadband)`
beyond a window's edge zones, `preprocess.condition`), of response
G(f) = 1/(1+(f/f_x)^(2·order)) at the crossover f_x; adding `highpass(noise)`, of response 1 − G(f),
is the complementary merge (low-passing the conditioning again would square G: a 6 dB dip at f_x).

Level and corner rule (documented, scale-free so the baseline is linear in amplitude): the
level is `dsp.level.lowband_level` of the conditioning (its filter-corrected Fourier level in a band
just below the crossover), placed at the band's geometric centre f_ref. The corner is CORNER_FRACTION × crossover unless given. Fitting it per trace from the slope
below the crossover was tried on the 22 NGA-West2 records at 100 Hz: the same bias, but a PSA sigma
(0.05–1 s) of 1.06 instead of 0.68 ln units, half an octave of one record's spectrum being too noisy.
"""
from __future__ import annotations

import numpy as np

from seisdiff.dsp import highpass
from seisdiff.dsp.level import lowband_level, reference_frequency_hz
from seisdiff.evaluate.metrics import envelope

CORNER_FRACTION = 0.5  # Brune corner, × crossover
DEFAULT_KAPPA_S = 0.04  # κ where the record's is unknown (evaluate uses a real store's `kappa_s` when known)


def lf_only(cond_mps2, sampling_rate_hz: float, lowpass_hz: float) -> np.ndarray:
    """The conditioning alone: (…, L) m/s² in → a copy, same shape and dtype, m/s² out."""
    return np.array(cond_mps2, copy=True)


def stochastic(cond_mps2, sampling_rate_hz: float, lowpass_hz: float, rng=None, kappa_s=DEFAULT_KAPPA_S,
               corner_hz: float | None = None, filter_order: int = 4,
               envelope_smooth_s: float = 1.0) -> np.ndarray:
    """Conditioning plus stochastic high frequencies.

    cond_mps2: (…, L) low-passed acceleration, m/s² (e.g. a store's `lowpass`, (n, C, L));
    sampling_rate_hz: sampling rate, Hz; lowpass_hz: crossover of the conditioning's filter (order `filter_order`);
    rng: numpy Generator or seed (the same seed gives the same output); kappa_s: high-frequency decay
    κ, s, a number or an array broadcasting against cond's leading axes (…) (e.g. (n, 1) per record); corner_hz: Brune corner, Hz (None: CORNER_FRACTION × lowpass_hz);
    envelope_smooth_s: smoothing of the time-modulating envelope, s.
    Returns (…, L) m/s², same dtype as cond_mps2; linear in cond_mps2 for a fixed seed.
    """
    cond = np.asarray(cond_mps2)
    x = cond.astype(np.float64)
    n_samples = x.shape[-1]
    rng = np.random.default_rng(rng)
    freqs_hz = np.fft.rfftfreq(n_samples, 1.0 / sampling_rate_hz)

    try:
        level = lowband_level(np.fft.rfft(x) / sampling_rate_hz, freqs_hz, lowpass_hz, filter_order)
    except ValueError as exc:
        raise ValueError(f"stochastic baseline: {exc}") from None
    f_ref = reference_frequency_hz(lowpass_hz)
    corner = CORNER_FRACTION * lowpass_hz if corner_hz is None else corner_hz
    shape = _brune(freqs_hz, corner) / _brune(f_ref, corner)
    kappa = np.asarray(kappa_s, np.float64)[..., None]
    target_fas = level[..., None] * shape * np.exp(-np.pi * kappa * (freqs_hz - f_ref))  # m/s

    windowed = rng.standard_normal(x.shape) * envelope(x, sampling_rate_hz, smooth_s=envelope_smooth_s)
    spec = np.fft.rfft(windowed)
    rms = np.sqrt(np.mean(np.abs(spec) ** 2, axis=-1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        unit_spec = np.where(rms > 0, spec / rms, 0.0)  # E|unit_spec(f)|² = 1
        noise = np.fft.irfft(np.nan_to_num(unit_spec * target_fas) * sampling_rate_hz, n=n_samples)
    return (x + highpass(noise, sampling_rate_hz, lowpass_hz, order=filter_order)).astype(cond.dtype, copy=False)


def _brune(f_hz, corner_hz):
    """ω² acceleration source shape (f/fc)²/(1+(f/fc)²): 0 at f = 0, → 1 far above the corner."""
    r2 = (np.asarray(f_hz) / corner_hz) ** 2
    return r2 / (1.0 + r2)
