"""Signal processing shared by preprocessing and evaluation (numba, batched along leading axes)."""
from seisdiff.dsp.filters import bandpass, highpass, lowpass

__all__ = ["lowpass", "highpass", "bandpass"]
