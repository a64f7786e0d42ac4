"""The Boore, Stewart, Seyhan & Atkinson (2014) ground-motion model (BSSA14, NGA-West2): the median and the
standard deviation of ln PGA and ln PSA (5 % damped, RotD50, in g) of shallow crustal earthquakes.

A scenario simulation has no recording to compare with; the field judges its broadband by a ground-motion
model instead (the SCEC Broadband Platform's GMPE comparison). `predict` gives BSSA14's prediction for
moment magnitude M, Joyner–Boore distance R_JB (km) and Vs30 (m/s): the event term (mechanism
unspecified unless given), the path term (geometric spreading with a magnitude-dependent slope and an
anelastic term, `attenuation` one of its three regional variants), the linear site term and the nonlinear
one driven by the rock PGA (Vs30 760 m/s); no basin term (the depth to the 1 km/s horizon at its average for
the Vs30). The total sigma is √(τ² + φ²), τ and φ depending on M, R_JB and Vs30 as published. Periods
between the tabulated ones (0.01–10 s) are interpolated linearly in ln period (ln PSA and sigma), as pygmm
does; period 0 is PGA. The coefficients (`bssa14.csv`, revised 2014-07-15) are pygmm's table; the
implementation matches pygmm's `BooreStewartSeyhanAtkinson2014` to 1e-9 (tests/test_bssa14.py).
Ranges of validity (the paper's): M 3–8.5 (normal faulting ≤ 7), R_JB 0–400 km, Vs30 150–1500 m/s;
`predict` evaluates outside them without complaint, `out_of_range` says where.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

COEFFICIENTS_CSV = Path(__file__).with_name("bssa14.csv")
MECHANISMS = {"U": "e_0", "SS": "e_1", "NS": "e_2", "RS": "e_3"}   # unspecified, strike-slip, normal, reverse
ATTENUATION = {"global": "dc_3global", "china_turkey": "dc_3ct", "italy_japan": "dc_3ij"}
VS30_REF_MPS = 760.0
RANGE_MAGNITUDE = (3.0, 8.5)
RANGE_RJB_KM = (0.0, 400.0)
RANGE_VS30_MPS = (150.0, 1500.0)
MAX_HYPO_DEPTH_KM = 40.0    # a shallow crustal model: deeper hypocentres (intraslab, deep) are not its earthquakes
# what a store's `distance_km` holds (its column `distance_kind`; "" unknown: a store from before the column, a CSV's
# plain `distance_km` column): the readers' and `sample --hypocenter`'s hypocentral distance, or a CSV's named column
HYPOCENTRAL, EPICENTRAL, JOYNER_BOORE, RUPTURE = "hypocentral", "epicentral", "joyner_boore", "rupture"
DISTANCE_KINDS = (HYPOCENTRAL, EPICENTRAL, JOYNER_BOORE, RUPTURE)


@lru_cache(maxsize=1)
def coefficients() -> dict[str, np.ndarray]:
    """The table as {column: (rows,) float64}, rows ordered by period (PGV, −1, dropped: PGA first, period 0)."""
    with open(COEFFICIENTS_CSV) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("# ")]
    names = lines[0].lstrip("#").split(",")
    values = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    values = values[values[:, 0] >= 0]
    return {name: values[:, i] for i, name in enumerate(names)}


def psa_period_range_s() -> tuple[float, float]:
    """(shortest, longest) PSA period the table holds, s (between them `predict` interpolates)."""
    periods = coefficients()["period"][1:]
    return float(periods[0]), float(periods[-1])


def _ln_median_tabulated(magnitude, rjb_km, vs30_mps, mechanism: str, attenuation: str) -> np.ndarray:
    """ln median (n, rows) in g at the table's periods (row 0 PGA) for records (n,)."""
    c = coefficients()
    m = np.asarray(magnitude, np.float64)[:, None]
    r = np.asarray(rjb_km, np.float64)[:, None]
    v = np.asarray(vs30_mps, np.float64)[:, None]
    dm = m - c["M_h"]
    event = c[MECHANISMS[mechanism]] + np.where(dm <= 0, c["e_4"] * dm + c["e_5"] * dm ** 2, c["e_6"] * dm)
    dist = np.sqrt(r ** 2 + c["h"] ** 2)
    path = (c["c_1"] + c["c_2"] * (m - c["M_ref"])) * np.log(dist / c["R_ref"]) \
        + (c["c_3"] + c[ATTENUATION[attenuation]]) * (dist - c["R_ref"])
    rock = event + path                                          # Vs30 = 760 m/s, no site term
    pga_rock_g = np.exp(rock[:, :1])
    f_lin = c["c"] * np.log(np.minimum(v, c["V_c"]) / c["V_ref"])
    f_2 = c["f_4"] * (np.exp(c["f_5"] * (np.minimum(v, VS30_REF_MPS) - 360.0))
                      - np.exp(c["f_5"] * (VS30_REF_MPS - 360.0)))
    f_nl = c["f_1"] + f_2 * np.log((pga_rock_g + c["f_3"]) / c["f_3"])
    return rock + f_lin + f_nl


def _sigma_tabulated(magnitude, rjb_km, vs30_mps) -> np.ndarray:
    """Total sigma (n, rows), ln units, at the table's periods."""
    c = coefficients()
    m = np.clip(np.asarray(magnitude, np.float64)[:, None], 4.5, 5.5) - 4.5
    r = np.asarray(rjb_km, np.float64)[:, None]
    v = np.asarray(vs30_mps, np.float64)[:, None]
    tau = c["tau_1"] + (c["tau_2"] - c["tau_1"]) * m
    phi = c["phi_1"] + (c["phi_2"] - c["phi_1"]) * m
    phi = phi + c["dphi_R"] * np.clip(np.log(np.maximum(r, 0.1) / c["R_1"]) / np.log(c["R_2"] / c["R_1"]), 0, 1)
    phi = phi - c["dphi_V"] * np.clip(np.log(c["V_2"] / v) / np.log(c["V_2"] / c["V_1"]), 0, 1)
    return np.sqrt(tau ** 2 + phi ** 2)


def _interpolate(table, periods_s) -> np.ndarray:
    """table (n, rows) at the tabulated periods → (n, P) at periods_s (0: PGA), linear in ln period."""
    c = coefficients()
    periods_s = np.atleast_1d(np.asarray(periods_s, np.float64))
    psa_periods = c["period"][1:]
    lo_s, hi_s = psa_period_range_s()
    if np.any((periods_s != 0) & ((periods_s < lo_s) | (periods_s > hi_s))):
        raise ValueError(f"BSSA14 periods: 0 (PGA) or {lo_s:g}–{hi_s:g} s, "
                         f"got {periods_s.min():g}–{periods_s.max():g} s")
    ln_t = np.log(np.where(periods_s > 0, periods_s, psa_periods[0]))
    out = np.stack([np.interp(ln_t, np.log(psa_periods), row[1:]) for row in table])
    return np.where(periods_s > 0, out, table[:, :1])


def predict(magnitude, rjb_km, vs30_mps, periods_s, mechanism: str = "U",
            attenuation: str = "global") -> tuple[np.ndarray, np.ndarray]:
    """BSSA14 for records (n,) of moment magnitude `magnitude`, Joyner–Boore distance rjb_km (km) and vs30_mps
    (m/s) at periods_s (P,) s (0: PGA; else 0.01–10 s): (ln median (n, P) in g, total sigma (n, P) in ln
    units). mechanism: U (unspecified), SS, NS, RS; attenuation: global (California, Taiwan, New Zealand),
    china_turkey, italy_japan."""
    if mechanism not in MECHANISMS:
        raise ValueError(f"BSSA14 mechanism {mechanism!r}: one of {', '.join(MECHANISMS)}")
    if attenuation not in ATTENUATION:
        raise ValueError(f"BSSA14 attenuation {attenuation!r}: one of {', '.join(ATTENUATION)}")
    m, r, v = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, np.float64)) for a in (magnitude, rjb_km, vs30_mps)))
    return (_interpolate(_ln_median_tabulated(m, r, v, mechanism, attenuation), periods_s),
            _interpolate(_sigma_tabulated(m, r, v), periods_s))


def out_of_range(magnitude, rjb_km, vs30_mps) -> np.ndarray:
    """(n,) bool: the records outside the model's published ranges of M, R_JB and Vs30."""
    m, r, v = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, np.float64)) for a in (magnitude, rjb_km, vs30_mps)))
    return ~((m >= RANGE_MAGNITUDE[0]) & (m <= RANGE_MAGNITUDE[1]) & (r >= RANGE_RJB_KM[0]) & (r <= RANGE_RJB_KM[1])
             & (v >= RANGE_VS30_MPS[0]) & (v <= RANGE_VS30_MPS[1]))


def mechanism_from_rake(rake_deg: float) -> str:
    """BSSA14's mechanism (a MECHANISMS key) of a rake in degrees, the paper's classes: normal (NS) for
    −150 < rake < −30, reverse (RS) for 30 < rake < 150, else strike-slip (SS); rake taken modulo 360."""
    rake = (float(rake_deg) + 180.0) % 360.0 - 180.0
    return "NS" if -150.0 < rake < -30.0 else "RS" if 30.0 < rake < 150.0 else "SS"


def rjb_km(distance_km, hypo_depth_km) -> np.ndarray:
    """(k,) R_JB taken as the epicentral distance √(R² − depth²) of hypocentral distances (R where the depth is
    unknown or not below R): a point source (`evaluate --gmm`, `verify`)."""
    r = np.asarray(distance_km, np.float64)
    d = np.asarray(hypo_depth_km, np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(d) & (d < r), np.sqrt(np.maximum(r ** 2 - d ** 2, 0.0)), r)


def rjb_estimate_km(distance_km, distance_kind, hypo_depth_km, depth_to_top_km=None) -> np.ndarray:
    """(k,) BSSA14's R_JB (km) estimated from a store's `distance_km` (k,) by its `distance_kind` (k,) str, a point
    source: joyner_boore as given; epicentral as given (a point source's R_JB); hypocentral √(R² − depth²) with
    hypo_depth_km (k,) (R where the depth is unknown or not below R: `rjb_km`); rupture √(max(R_rup² − top², 0))
    where depth_to_top_km (k,), the rupture's top, is known (None: unknown), else R_rup as given (R_rup ≥ R_JB:
    the prediction weaker than at the true R_JB near the rupture); unknown ("" or anything outside
    DISTANCE_KINDS) as hypocentral, today's rule (`distance_kinds_used` counts and warns)."""
    r = np.atleast_1d(np.asarray(distance_km, np.float64))
    kind = np.broadcast_to(np.asarray(distance_kind, dtype=str), r.shape)
    top = np.broadcast_to(np.asarray(np.nan if depth_to_top_km is None else depth_to_top_km, np.float64), r.shape)
    from_top = (kind == RUPTURE) & np.isfinite(top)
    as_given = (kind == JOYNER_BOORE) | (kind == EPICENTRAL) | ((kind == RUPTURE) & ~from_top)
    with np.errstate(invalid="ignore"):
        below_top = np.sqrt(np.maximum(r ** 2 - top ** 2, 0.0))
    return np.where(from_top, below_top, np.where(as_given, r, rjb_km(r, hypo_depth_km)))


def distance_kinds_used(distance_kind, depth_to_top_km=None,
                        noun: str = "records") -> tuple[dict[str, int], list[str]]:
    """({kind: count} of the `noun` compared ("unknown": "" or anything outside DISTANCE_KINDS; "rupture_top": an
    R_rup with its rupture's top known), [warning lines: unknown kinds taken as hypocentral; R_rup taken as R_JB])
    for `rjb_estimate_km`'s callers (`verify`, `evaluate --gmm`) to say which distances they compared at."""
    kind = np.asarray(distance_kind, dtype=str)
    top = np.broadcast_to(np.asarray(np.nan if depth_to_top_km is None else depth_to_top_km, np.float64), kind.shape)
    labels = np.where(np.isin(kind, DISTANCE_KINDS), kind, "unknown")
    labels = np.where((kind == RUPTURE) & np.isfinite(top), "rupture_top", labels)
    counts = {k: int((labels == k).sum()) for k in (*DISTANCE_KINDS, "rupture_top", "unknown") if (labels == k).any()}
    warnings = []
    if counts.get("unknown"):
        warnings.append(f"{counts['unknown']} {noun}' distance_km of unknown kind (no `distance_kind`: a store "
                        "written before it, or a CSV's plain distance_km column) taken as hypocentral, R_JB = √(R² − "
                        "depth²): an R_JB or R_rup given so is shortened (30 km at 12 km depth: 27.5 km); name the "
                        "CSV's column rjb (km), rrup (km), repi (km) or hypd (km), or add a distance_kind column")
    if counts.get(RUPTURE):
        warnings.append(f"{counts[RUPTURE]} {noun}' rupture distance R_rup taken as R_JB (the rupture's top depth "
                        "unknown): R_JB ≤ R_rup, so near the rupture the prediction is weaker and residuals lean "
                        "positive")
    return counts, warnings


def describe_kinds(counts: dict[str, int]) -> str:
    """One line naming how each kind of `distance_kinds_used` became R_JB, for reports."""
    how = {JOYNER_BOORE: "as given", EPICENTRAL: "as R_JB", HYPOCENTRAL: "→ √(R² − depth²)",
           RUPTURE: "as R_JB (top depth unknown)", "rupture_top": "→ √(R_rup² − top²)",
           "unknown": "taken as hypocentral"}
    return "R_JB from distance_km by its kind: " + ", ".join(f"{n} {k} {how[k]}" for k, n in counts.items())
