"""Velocity and displacement inputs → acceleration, once, in the reader layer (ARCHITECTURE, invariant 8).

Stores and the model see acceleration in m/s² only. A velocity trace is differentiated once, a
displacement trace twice, by second-order central differences (numpy.gradient: one-sided second-order
at both ends). Its transfer function is i·sin(ωΔt)/Δt against the exact iω, so the relative amplitude
error at frequency f is 1 − sin(2πfΔt)/(2πfΔt) ≈ (2πfΔt)²/6 and the phase is exact: 6.6e-4 at 1 Hz
and 100 samples/s (the crossover), 0.016 at 5 Hz, 0.065 at 10 Hz (tests/test_io_quantity.py). Below
the crossover, the only band the model takes from the input, the error is under 0.1 %.
"""
from __future__ import annotations

import re

import numpy as np

from seisdiff.errors import UserError

QUANTITIES = ("acceleration", "velocity", "displacement")

_LENGTH_M = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "nm": 1e-9, "in": 0.0254}
_ALIASES = {"µm": "um", "μm": "um", "inch": "in", "inches": "in"}

UNITS_HELP = {
    "velocity": "m/s, cm/s, mm/s, um/s, nm/s, in/s (also written cm/sec, CM/S, m s^-1)",
    "displacement": "m, cm, mm, um, nm, in",
}


def unit_factor_si(quantity: str, unit: str) -> float:
    """Factor that turns samples of `quantity` in `unit` into SI (m/s for velocity, m for displacement);
    UserError for a unit that is not one of that quantity's (UNITS_HELP)."""
    if quantity not in ("velocity", "displacement"):
        raise UserError(f"unknown quantity {quantity!r}; give velocity or displacement")
    s = str(unit).strip().lower().replace(" ", "").replace("sec", "s")
    s = re.sub(r"s\^?-1$", "/s", s).rstrip(".")
    s = re.sub(r"[.*]/s$", "/s", s)
    if quantity == "velocity":
        if not s.endswith("/s"):
            raise UserError(f"unknown velocity unit {unit!r}; known: {UNITS_HELP['velocity']}")
        s = s[:-2]
    s = _ALIASES.get(s, s)
    if s not in _LENGTH_M:
        raise UserError(f"unknown {quantity} unit {unit!r}; known: {UNITS_HELP[quantity]}")
    return _LENGTH_M[s]


def differentiate(x: np.ndarray, sampling_rate_hz: float) -> np.ndarray:
    """d/dt along the last axis by second-order central differences (float64)."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] < 3:
        raise UserError("a trace needs at least 3 samples to be differentiated")
    return np.gradient(x, 1.0 / float(sampling_rate_hz), axis=-1, edge_order=2)


def to_acceleration_mps2(samples: np.ndarray, sampling_rate_hz: float, quantity: str, unit: str) -> np.ndarray:
    """Acceleration in m/s² from velocity or displacement samples in `unit` (see unit_factor_si)."""
    x = np.asarray(samples, dtype=np.float64) * unit_factor_si(quantity, unit)
    for _ in range(QUANTITIES.index(quantity)):
        x = differentiate(x, sampling_rate_hz)
    return x
