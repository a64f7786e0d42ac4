"""Signal processing shared by preprocessing and evaluation (numba, batched along leading axes).

Every function works along the last axis of x (..., n), keeps x's unit, and returns float32 for
float32 input and float64 otherwise.
"""
from seisdiff.dsp.baseline import cosine_taper, demean, detrend
from seisdiff.dsp.filters import bandpass, highpass, lowpass, sosfiltfilt
from seisdiff.dsp.resample import resample
from seisdiff.dsp.stats import record_stats

from seisdiff.dsp.intensity import arias_intensity, arias_time, cav, husid, significant_duration
from seisdiff.dsp.response import psa, response_spectra, rotd50, rotd50_peak

__all__ = [
    "lowpass",
    "highpass",
    "bandpass",
    "sosfiltfilt",
    "resample",
    "demean",
    "detrend",
    "cosine_taper",
    "psa",
    "response_spectra",
    "rotd50",
    "rotd50_peak",
    "arias_intensity",
    "arias_time",
    "husid",
    "significant_duration",
    "cav",
    "record_stats",
]
