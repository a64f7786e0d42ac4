"""seisdiff: broadband earthquake ground motion from low-frequency accelerograms.

Data flows one way: io → dsp → store → engine (+ kernels) → export → evaluate.
Signals outside `seisdiff.engine.scaling` are in physical units (m/s²) unless a name says `_model`.
"""
import os

# numba's OpenMP layer, once used, slows torch's own threads in the same process by 10× or more
# (measured in sampling); the workqueue layer does not. Callers may still choose another.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

__version__ = "0.1.0"

G_MPS2 = 9.80665  # standard gravity, m/s² per g
