"""Ground-motion metrics of acceleration traces in m/s², batched along leading axes, float64.

Velocity and displacement are integrated in the frequency domain on the record zero-padded by
1.5·order/highpass_hz seconds (Boore 2005), with the gain of a zero-phase Butterworth high-pass
(order 4 applied forward and backward, as `seisdiff.dsp.highpass`; corner highpass_hz, 0.05 Hz
by default: below the 0.1 Hz band edge of the store), and read over the record's span.
Without the high-pass a constant offset or slow trend in the acceleration (common in generated
traces) grows into a drift that dominates PGV and, even more, PGD.
"""
from __future__ import annotations

import numpy as np
from scipy import fft as sp_fft

from seisdiff.dsp import highpass, lowpass
from seisdiff.dsp.envelope import envelope, envelope_correlation, pearson  # noqa: F401 (re-exported)
from seisdiff.dsp.intensity import arias_intensity, cav, significant_duration
from seisdiff.dsp.level import UNEVENNESS_BAND_HZ, UNEVENNESS_BINS, spectral_unevenness  # noqa: F401 (re-exported)
from seisdiff.dsp.response import psa, rotd50
from seisdiff.evaluate.spectra import log_freqs, smoothed_fas

DEFAULT_PERIODS_S = np.geomspace(0.01, 10.0, 100)  # PSA periods, s
DEFAULT_FREQS_HZ = log_freqs(0.1, 30.0, 100)  # centre frequencies of the smoothed FAS, Hz
DEFAULT_HIGHPASS_HZ = 0.05  # corner of the high-pass applied when integrating, Hz
PRE_EVENT_S = 2.0  # the quiet start of a window (a store's windows of 40 s or more begin 3 s before 5 % Arias), s
PRE_EVENT_HIGHPASS_HZ = 2.0  # corner above which pre-event motion is measured, Hz
_ORDER = 4  # Butterworth order of that high-pass (applied forward and backward)


def _integrals(x, sampling_rate_hz, highpass_hz, times):
    """(..., n) high-passed `times`-fold time integral of x (..., n) sampled at sampling_rate_hz Hz."""
    n = x.shape[-1]
    n_fft = sp_fft.next_fast_len(n + int(np.ceil(1.5 * _ORDER / highpass_hz * sampling_rate_hz)), real=True)
    f = sp_fft.rfftfreq(n_fft, 1.0 / sampling_rate_hz)
    gain = np.zeros(f.size, dtype=complex)
    gain[1:] = 1.0 / (1.0 + (highpass_hz / f[1:]) ** (2 * _ORDER)) / (2j * np.pi * f[1:]) ** times
    return sp_fft.irfft(sp_fft.rfft(x, n_fft, axis=-1) * gain, n_fft, axis=-1)[..., :n]


def pga(x):
    """Peak ground acceleration max|x| (...,) float64 of x (..., n), same units as x (m/s²)."""
    return np.max(np.abs(np.asarray(x, dtype=np.float64)), axis=-1)


def pgv(x, sampling_rate_hz, highpass_hz=DEFAULT_HIGHPASS_HZ):
    """Peak ground velocity (...,) in m/s of x (..., n) m/s² sampled at sampling_rate_hz Hz."""
    return np.max(np.abs(_integrals(np.asarray(x, dtype=np.float64), sampling_rate_hz, highpass_hz, 1)), axis=-1)


def pgd(x, sampling_rate_hz, highpass_hz=DEFAULT_HIGHPASS_HZ):
    """Peak ground displacement (...,) in m of x (..., n) m/s² sampled at sampling_rate_hz Hz."""
    return np.max(np.abs(_integrals(np.asarray(x, dtype=np.float64), sampling_rate_hz, highpass_hz, 2)), axis=-1)


def lowband_consistency(generated, conditioning, sampling_rate_hz, lowpass_hz, edge_samples: int = 0):
    """How well the low band of generated traces matches their conditioning.

    generated, conditioning: (..., n) m/s² at sampling_rate_hz Hz, broadcastable (e.g. (K, N, n) realizations
    against (N, n)). The generated traces are low-passed by `seisdiff.dsp.lowpass` at lowpass_hz.
    edge_samples: compare beyond that many samples from each end (at most n // 4): a window cut from inside a
    record (a training store's) has its record's low band as conditioning, which the low-pass of the window
    alone does not reach near its ends (`preprocess.condition.edge_samples`); 0 (whole records): every sample.
    Returns (corr, amp_ratio), each (...,) float64: Pearson correlation with the conditioning and
    RMS(low-passed generated) / RMS(conditioning) (1 when the scale is right).
    """
    low = lowpass(np.asarray(generated, dtype=np.float64), sampling_rate_hz, lowpass_hz)
    edge = min(int(edge_samples), low.shape[-1] // 4)
    low, cond = np.broadcast_arrays(low, np.asarray(conditioning, dtype=np.float64))
    low, cond = low[..., edge:low.shape[-1] - edge], cond[..., edge:cond.shape[-1] - edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(np.mean(low * low, axis=-1) / np.mean(cond * cond, axis=-1))
    return pearson(low, cond), ratio


def pre_event_level(x, sampling_rate_hz, quiet_s=PRE_EVENT_S, highpass_hz=PRE_EVENT_HIGHPASS_HZ):
    """How strong a trace's high frequencies are before the event: (...,) float64, dimensionless.

    h = `seisdiff.dsp.highpass`(x, sampling_rate_hz, highpass_hz) (zero-phase Butterworth, order 4); the level is
    rms(h over the first quiet_s seconds) / max|h| over the whole trace, so it does not depend on the
    trace's scale (x (..., n) in any unit, sampled at sampling_rate_hz Hz). A pure Gaussian pulse late in the
    trace gives ~0, stationary noise ~0.25–0.3 (rms over peak). NaN where the trace is shorter than
    quiet_s or its high-passed peak is zero. `evaluate` reports generated / real of this level per
    record (their "pre-event ratio": > 1 = high frequencies arrive before the real ones do).
    """
    x = np.asarray(x, dtype=np.float64)
    m = int(round(quiet_s * sampling_rate_hz))
    if m < 1 or x.shape[-1] < m:
        return np.full(x.shape[:-1], np.nan)
    h = highpass(x, sampling_rate_hz, highpass_hz)
    peak = np.max(np.abs(h), axis=-1)
    quiet = np.sqrt(np.mean(h[..., :m] ** 2, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(peak > 0, quiet / np.where(peak > 0, peak, 1.0), np.nan)


def energy_duration(x, sampling_rate_hz):
    """∫x² dt / PGA² (...,) s of x (..., n) m/s²: how long the peak, sustained, would carry the
    record's energy (Arias over PGA², up to π/2g). Shorter for the same energy means peakier motion.
    NaN for an all-zero trace."""
    x = np.asarray(x, dtype=np.float64)
    peak = np.abs(x).max(axis=-1)
    energy = np.sum(x * x, axis=-1) / sampling_rate_hz
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(peak > 0, energy / np.where(peak > 0, peak * peak, 1.0), np.nan)


def fas_frequencies(sampling_rate_hz: float, n_samples: int, freqs_hz=DEFAULT_FREQS_HZ) -> np.ndarray:
    """The centre frequencies (Hz) of freqs_hz that a record of n_samples at sampling_rate_hz resolves:
    those up to its highest Fourier frequency (the Nyquist frequency for even n). DEFAULT_FREQS_HZ reach
    30 Hz, above the Nyquist frequency of records sampled below 60 Hz."""
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    return freqs_hz[freqs_hz <= np.fft.rfftfreq(n_samples, 1.0 / sampling_rate_hz)[-1]]


def compute_all(x, sampling_rate_hz, periods_s=DEFAULT_PERIODS_S, freqs_hz=None):
    """All metrics of x (..., n) m/s² sampled at sampling_rate_hz Hz, as a dict of float64 arrays:
    pga (...,) m/s², pgv (...,) m/s, pgd (...,) m, psa (..., P) m/s² (5 % damping, at periods_s),
    fas (..., F) m/s (Konno–Ohmachi b=40 smoothed, at freqs_hz; default `fas_frequencies`: the
    DEFAULT_FREQS_HZ up to the record's Nyquist frequency), arias (...,) m/s,
    d5_75 and d5_95 (...,) s (significant durations), cav (...,) m/s, pre_event (...,)
    dimensionless (`pre_event_level`: > 2 Hz rms over the first 2 s / > 2 Hz peak), energy_duration
    (...,) s (`energy_duration`), unevenness (...,) ln units (`spectral_unevenness`)."""
    x = np.asarray(x, dtype=np.float64)
    if freqs_hz is None:
        freqs_hz = fas_frequencies(sampling_rate_hz, x.shape[-1])
    return {
        "pga": pga(x),
        "pgv": pgv(x, sampling_rate_hz),
        "pgd": pgd(x, sampling_rate_hz),
        "psa": psa(x, sampling_rate_hz, periods_s),
        "fas": smoothed_fas(x, sampling_rate_hz, freqs_hz),
        "arias": arias_intensity(x, sampling_rate_hz),
        "d5_75": significant_duration(x, sampling_rate_hz, 0.05, 0.75),
        "d5_95": significant_duration(x, sampling_rate_hz, 0.05, 0.95),
        "cav": cav(x, sampling_rate_hz),
        "pre_event": pre_event_level(x, sampling_rate_hz),
        "energy_duration": energy_duration(x, sampling_rate_hz),
        "unevenness": spectral_unevenness(x, sampling_rate_hz),
    }


# compute_all's metrics compared in ln (geometric mean of the two horizontals) and in s (arithmetic mean)
HORIZONTAL_GEOMEAN = ("pga", "pgv", "pgd", "fas", "arias", "cav", "pre_event", "energy_duration", "unevenness")
HORIZONTAL_MEAN = ("d5_75", "d5_95")


def compute_three_component(x, sampling_rate_hz, periods_s=DEFAULT_PERIODS_S, freqs_hz=None):
    """`compute_all` of three-component records x (k, 3, n) m/s², channels H1, H2, Z, as the field reports
    them: each metric of the horizontals in one channel (k, 1, ...), the vertical's apart as
    `<metric>_vertical` (k, 1, ...).

    The horizontals' PSA is RotD50 of the pair (`dsp.response.rotd50`); of every other metric the two
    horizontals are combined as engineering practice does: the geometric mean sqrt(H1·H2) of the
    amplitude and intensity measures (PGA, PGV, PGD, smoothed FAS per frequency, Arias, CAV, and the
    dimensionless or ratio measures pre_event, energy_duration, unevenness: all compared in ln), the
    arithmetic mean (H1 + H2)/2 of the significant durations d5_75, d5_95 (compared in s). A horizontal
    that is all zero gives a geometric mean of 0 (its residuals are then not finite, as a dead channel's)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] != 3:
        raise ValueError(f"compute_three_component: records (k, 3, n) expected, got shape {x.shape}")
    m = compute_all(x, sampling_rate_hz, periods_s, freqs_hz)
    out = {}
    for key, values in m.items():
        out[f"{key}_vertical"] = values[:, 2:]
        h1, h2 = values[:, :1], values[:, 1:2]
        if key == "psa":
            out[key] = rotd50(x[:, 0], x[:, 1], sampling_rate_hz, periods_s)[:, None]
        elif key in HORIZONTAL_MEAN:
            out[key] = 0.5 * (h1 + h2)
        else:
            out[key] = np.sqrt(h1 * h2)
    return out
