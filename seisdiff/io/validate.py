"""Sanity checks of one Record before it is stored or used as conditioning."""
from __future__ import annotations

import numpy as np

from seisdiff.errors import InputError
from seisdiff.io.record import Record


def check_record(rec: Record, min_duration_s: float = 10.0) -> None:
    """Raise InputError(rec.source_file, reason) when the record cannot be used: nonpositive or
    non-finite sampling rate, no samples, NaN/inf samples, all samples zero or all equal (a constant:
    its conditioning is rounding noise, which `engine.hf_level` would place among its event's stations),
    or shorter than `min_duration_s` seconds. Returns None when it can."""
    path = rec.source_file or rec.record_id
    acc = np.asarray(rec.acc_mps2)
    label = f"record {rec.record_id}: " if rec.source_file and rec.record_id not in rec.source_file else ""
    rate_hz = rec.sampling_rate_hz
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise InputError(path, f"{label}sampling rate {rate_hz} Hz is not positive")
    if acc.ndim != 1 or acc.size == 0:
        raise InputError(path, f"{label}no samples (shape {acc.shape})")
    bad = ~np.isfinite(acc)
    if bad.any():
        raise InputError(path, f"{label}{int(bad.sum())} NaN/inf samples (first at index {int(bad.argmax())})")
    if not acc.any():
        raise InputError(path, f"{label}all samples are zero")
    if acc.max() == acc.min():                  # a dead channel's logger offset: no ground motion at all
        raise InputError(path, f"{label}all samples are equal ({float(acc[0]):.6g}): a constant, no ground motion "
                               "(a dead channel?)")
    if rec.duration_s < min_duration_s:
        raise InputError(path, f"{label}only {rec.duration_s:.2f} s long; at least {min_duration_s:g} s are needed")


# --- Is the level of a trace physically possible? (a unit error shows up as a level no sensor records) ---
#
# Lower bound 1e-7 m/s²: the quietest ground on Earth (Peterson's NLNM, 1993) has an rms acceleration of
# order 1e-8 m/s² over 0.1–20 Hz, so even a perfect sensor records peaks of a few 1e-8 m/s² over minutes;
# strong-motion sensors add far more (self-noise 1e-6–1e-5 m/s² rms; one count of a 24-bit ±2 g digitiser
# is 2.3e-6 m/s²). A demeaned peak below 1e-7 m/s² is no recording of ground motion but a scale error:
# values in g read as nm/s² (the SAC IACC convention) come out 1e10 too small.
# Upper bound 50 m/s² (≈ 5.1 g): the largest ground accelerations ever recorded are about 4 g (IWTH25,
# 2008 Iwate–Miyagi, 3.9 g vertical; 4.0 g three-component); 25 % above that leaves room for a larger one
# without letting through cm/s² read as m/s² (100× too large) or raw counts (10³–10⁷).
PLAUSIBLE_PEAK_MPS2 = (1e-7, 50.0)

# Units tried, in order of how often they are the cause, when a level is implausible (the first that
# makes it plausible is reported): archives write g and cm/s² most, then m/s², mm/s² (GeoNet), nm/s² (SAC).
_LIKELY_UNITS = {
    "acceleration": ("g", "cm/s^2", "m/s^2", "mm/s^2", "nm/s^2"),
    "velocity": ("cm/s", "m/s", "mm/s", "nm/s"),
    "displacement": ("cm", "m", "mm", "nm"),
}
_COUNTS_MIN = 100.0  # integer samples peaking above this many, too strong as read: most likely raw counts


def demeaned_peak_mps2(acc_mps2: np.ndarray) -> float:
    """max |a − mean(a)| of a (n,) trace in m/s² (the mean is gravity on a vertical in g, or a logger
    offset, not ground motion); NaN samples are ignored."""
    acc = np.asarray(acc_mps2, dtype=np.float64)
    return float(np.nanmax(np.abs(acc - np.nanmean(acc)))) if acc.size else 0.0


def is_plausible_peak(peak_mps2: float) -> bool:
    """True when a demeaned peak acceleration (m/s²) lies in PLAUSIBLE_PEAK_MPS2 (see the comment there)."""
    lo, hi = PLAUSIBLE_PEAK_MPS2
    return bool(lo <= peak_mps2 <= hi)


def likely_unit(peak_mps2: float, unit: str, quantity: str = "acceleration",
                integer_samples: bool = False) -> str | None:
    """For an implausible demeaned peak `peak_mps2` obtained by reading samples as `unit` (of `quantity`:
    acceleration, velocity or displacement, differentiated to acceleration): the common unit of that
    quantity that makes it plausible ('counts' for integer samples far too strong), else None. None
    too when the peak is plausible already. The level scales with the unit's factor, so no re-read is needed."""
    if is_plausible_peak(peak_mps2) or not np.isfinite(peak_mps2) or peak_mps2 <= 0:
        return None
    used = _factor_si(quantity, unit)
    if integer_samples and peak_mps2 > PLAUSIBLE_PEAK_MPS2[1] and peak_mps2 / used >= _COUNTS_MIN:
        return "counts"
    for candidate in _LIKELY_UNITS[quantity]:
        if is_plausible_peak(peak_mps2 * _factor_si(quantity, candidate) / used):
            return candidate
    return None


def level_problem(acc_mps2: np.ndarray, unit: str, quantity: str = "acceleration",
                  samples: np.ndarray | None = None) -> str | None:
    """One line saying why acceleration `acc_mps2` (m/s², read from samples declared as `unit` of `quantity`)
    cannot be ground motion and what the samples likely are, or None when its level is plausible.
    `samples` (the raw values, optional) lets integer counts be recognised. For errors and warnings alike."""
    peak = demeaned_peak_mps2(acc_mps2)
    if is_plausible_peak(peak) or not np.isfinite(peak) or peak == 0:
        return None  # an all-zero or NaN trace is check_record's business
    integer = samples is not None and _integer_valued(samples)
    lo, hi = PLAUSIBLE_PEAK_MPS2
    what = "below the noise of any sensor" if peak < lo else "beyond any recorded ground motion"
    text = (f"read as {quantity} in {unit}, it peaks at {peak:.3g} m/s², {what} "
            f"(recorded accelerograms peak between {lo:g} and {hi:g} m/s²): a unit error")
    guess = likely_unit(peak, unit, quantity, integer)
    if guess == "counts":
        return text + "; the samples look like raw counts: put the StationXML beside the file or pass --units"
    if guess is not None:
        fixed = peak * _factor_si(quantity, guess) / _factor_si(quantity, unit)
        return (text + f"; the values are likely in {guess} (peak {fixed:.3g} m/s²): pass --units {guess} "
                       f"(units=\"{guess}\") to overrule the file's unit")
    return text + "; pass --units with the samples' real unit"


def check_level(path, acc_mps2: np.ndarray, unit: str, quantity: str = "acceleration",
                samples: np.ndarray | None = None, label: str = "") -> None:
    """InputError(path, label + level_problem(...)) when the level is implausible; None otherwise."""
    problem = level_problem(acc_mps2, unit, quantity, samples)
    if problem is not None:
        raise InputError(path, f"{label}{problem}")


def _factor_si(quantity: str, unit: str) -> float:
    if quantity == "acceleration":
        from seisdiff.io.units import to_mps2_factor

        return to_mps2_factor(unit)
    from seisdiff.io.quantity import unit_factor_si

    return unit_factor_si(quantity, unit)


def _integer_valued(samples) -> bool:
    samples = np.asarray(samples)
    if np.issubdtype(samples.dtype, np.integer):
        return True
    finite = samples[np.isfinite(samples)]
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))
