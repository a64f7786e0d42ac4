"""Reference: the documented preprocessing written plainly with SciPy, one record at a time.

Independent of `seisdiff.dsp` (numba): tests compare the two, and the preprocess benchmark times
this as its baseline. Same conventions as `condition.py`.
"""
import numpy as np
from scipy import signal


def scipy_preprocess(acc_mps2: np.ndarray, fs_hz: float, fs_out_hz=100.0, length=4096, band=(0.1, 30.0),
                     lowpass_hz=1.0, order=4, pre_s=3.0, margin_s=30.0, taper=0.05):
    """(n,) m/s² → (broadband, lowpass), each (length,) float64 m/s², first window only."""
    x = signal.detrend(np.asarray(acc_mps2, float), type="linear")
    x = x * signal.windows.tukey(len(x), alpha=2 * taper)
    if fs_hz != fs_out_hz:
        from fractions import Fraction
        ratio = Fraction(fs_out_hz / fs_hz).limit_denominator(1000)
        x = signal.resample_poly(x, ratio.numerator, ratio.denominator)
    start = _first_window_start(x, length, fs_out_hz, pre_s)
    margin = int(round(margin_s * fs_out_hz))
    seg = np.zeros(length + 2 * margin)
    lo = start - margin
    src = x[max(lo, 0):max(lo, 0) + len(seg) - max(-lo, 0)]
    seg[max(-lo, 0):max(-lo, 0) + len(src)] = src
    bb = signal.sosfiltfilt(signal.butter(order, band, "bandpass", fs=fs_out_hz, output="sos"), seg)
    lp = signal.sosfiltfilt(signal.butter(order, lowpass_hz, "lowpass", fs=fs_out_hz, output="sos"), bb)
    return bb[margin:margin + length], lp[margin:margin + length]


ONSET_WINDOW_MIN_S = 40.0   # = condition.ONSET_WINDOW_MIN_S


def _first_window_start(x, length, fs_out_hz, pre_s) -> int:
    """A window of at least ONSET_WINDOW_MIN_S starts pre_s before 5 % of the Arias intensity; a shorter one where
    its `length` samples hold the most of it (the first such; 0 for a record no longer than it)."""
    energy = x ** 2
    if length / fs_out_hz >= ONSET_WINDOW_MIN_S:
        husid = np.cumsum(energy) / np.sum(energy)
        return int(np.searchsorted(husid, 0.05)) - int(round(pre_s * fs_out_hz))
    if len(x) <= length:
        return 0
    held = np.convolve(energy, np.ones(length), mode="valid")     # energy of the window starting at each sample
    return int(np.argmax(held))
