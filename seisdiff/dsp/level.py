"""Fourier level of a low-passed record just below its crossover, corrected for the low-pass filter.

Used twice: by the `stochastic` baseline, to set the level of its ω² high frequencies, and by the
engine's scaling, as the per-record amplitude reference (`Scaler(reference="spectral")`).

The record's power spectrum, divided by the filter's squared gain G(f)² with
G(f) = 1/(1+(f/f_x)^(2·order)) (a zero-phase Butterworth of that order run forward and back), is
averaged in REFERENCE_BINS log-spaced bins over REFERENCE_BAND × f_x; the level is exp of the mean of
their half-log powers, i.e. a geometric mean of |X(f)|, in the record's unit × s (m/s for m/s²).

`spectral_unevenness`: how uneven a spectrum is about its straight line in ln f over 2–25 Hz (ln units), read
by `evaluate` (a realism check) and by the level model's texture (`engine/hf_texture.py`).
"""
from __future__ import annotations

import numpy as np

REFERENCE_BAND = (0.35, 0.9)  # × crossover: below it, where G(f) is known and not vanishing
REFERENCE_BINS = 5
UNEVENNESS_BAND_HZ = (2.0, 25.0)  # band of `spectral_unevenness`, Hz
UNEVENNESS_BINS = 16  # its log-spaced bins


def reference_frequency_hz(lowpass_hz: float) -> float:
    """The band's geometric centre f_ref, Hz, where the level applies."""
    return float(np.sqrt(REFERENCE_BAND[0] * REFERENCE_BAND[1]) * lowpass_hz)


def log_binned_power(power, freqs_hz, edges_hz) -> np.ndarray | None:
    """Mean over the bins [edges_hz[i], edges_hz[i+1]) that hold a frequency of ln(mean of power (…, F)
    in the bin) → (…,) float64 (-inf where a bin is empty of energy); None when fewer than 2 bins hold
    a frequency of freqs_hz (F,). Each bin weighs the same, however many frequencies it holds."""
    freqs_hz = np.asarray(freqs_hz, np.float64)
    bins = [(freqs_hz >= lo) & (freqs_hz < hi) for lo, hi in zip(edges_hz[:-1], edges_hz[1:])]
    bins = [b for b in bins if b.any()]
    if len(bins) < 2:
        return None
    with np.errstate(divide="ignore"):
        return np.stack([np.log(power[..., b].mean(axis=-1)) for b in bins], axis=-1).mean(axis=-1)


def lowband_level(spec, freqs_hz, lowpass_hz: float, filter_order: int, axis_mean=None) -> np.ndarray:
    """Level (…,) of Fourier spectra spec (…, F) (|X(f)| = |rfft(x)|/fs, unit × s) at frequencies freqs_hz (F,).

    axis_mean: further axes (negative, counted on the level's shape (…,)) over which the log powers
    are averaged too, e.g. -1 for one level per three-component record (…, C). Returns float64, 0
    where the record is all zero. Raises ValueError when the record is too short to resolve
    two bins below the crossover.
    """
    freqs_hz = np.asarray(freqs_hz, np.float64)
    gain = 1.0 / (1.0 + (freqs_hz / lowpass_hz) ** (2 * filter_order))
    power = (np.abs(spec) / gain) ** 2
    edges = np.geomspace(REFERENCE_BAND[0] * lowpass_hz, REFERENCE_BAND[1] * lowpass_hz, REFERENCE_BINS + 1)
    log_power = log_binned_power(power, freqs_hz, edges)
    if log_power is None:
        raise ValueError(f"records of {2 * len(freqs_hz) - 2} samples are too short to resolve the "
                         f"spectrum below the {lowpass_hz} Hz crossover")
    if axis_mean is not None:
        log_power = log_power.mean(axis=axis_mean)
    level = np.exp(0.5 * log_power)
    return np.where(np.isfinite(level), level, 0.0)


def record_level(x, sampling_rate_hz: float, lowpass_hz: float, filter_order: int,
                 per_record_axes: int = 1) -> np.ndarray:
    """Level of low-passed records x (…, L) in unit·s; the last `per_record_axes` axes (time
    included) form one record, e.g. 2 for (n, C, L) → (n,). Records shorter than 16 periods of the
    crossover are zero-padded to that (padding samples the same Fourier transform more finely)."""
    x = np.asarray(x, np.float64)
    n_fft = max(x.shape[-1], int(2 ** np.ceil(np.log2(16 * sampling_rate_hz / lowpass_hz))))
    spec = np.fft.rfft(x, n=n_fft, axis=-1) / sampling_rate_hz
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sampling_rate_hz)
    extra = tuple(range(-(per_record_axes - 1), 0)) if per_record_axes > 1 else None
    return lowband_level(spec, freqs, lowpass_hz, filter_order, axis_mean=extra)


def spectral_unevenness(x, sampling_rate_hz, band_hz=UNEVENNESS_BAND_HZ, n_bins=UNEVENNESS_BINS):
    """How uneven a trace's Fourier spectrum is across band_hz: the sd (...,) (ln units) of its ln
    Fourier amplitude in n_bins log-spaced bins (ln of the rms amplitude in each) about its least-squares
    straight line in ln f. Site resonances and path make real records' spectra uneven (0.37–0.45 on the
    shared data's regions, 2–25 Hz, 4096 samples); a smooth spectrum with random phases gives only its
    own sampling scatter. NaN where a bin is empty of frequencies or energy."""
    x = np.asarray(x, dtype=np.float64)
    freqs_hz = np.fft.rfftfreq(x.shape[-1], 1.0 / sampling_rate_hz)
    power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    edges = np.geomspace(band_hz[0], band_hz[1], n_bins + 1)
    bins = [(freqs_hz >= lo) & (freqs_hz < hi) for lo, hi in zip(edges[:-1], edges[1:])]
    if not all(b.any() for b in bins):            # too short a trace to resolve the bins
        return np.full(x.shape[:-1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.stack([0.5 * np.log(power[..., b].mean(axis=-1)) for b in bins], axis=-1)
        t = np.log(np.sqrt(edges[:-1] * edges[1:]))
        t = t - t.mean()
        centred = level - level.mean(axis=-1, keepdims=True)
        slope = (centred @ t) / (t @ t)
        return np.where(np.isfinite(level).all(axis=-1),
                        np.sqrt(np.mean((centred - slope[..., None] * t) ** 2, axis=-1)), np.nan)
