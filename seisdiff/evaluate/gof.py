"""Goodness of fit as the SCEC Broadband Platform reports it (pure NumPy).

Residuals are ln(real / generated) per record, realization and period/frequency (durations: real −
generated, in s). Realizations are averaged first (the mean of the ln residuals of one record), then
the per-record residuals are summarized over records: bias = mean, sigma = standard deviation
(ddof=1) and the 90 % confidence interval of the bias, bias ± t(0.95, n−1)·sigma/√n. A positive
bias means the generated motion is too weak. Non-finite residuals (a zero or missing value) are left
out of every mean, and `n` says how many records each number rests on.

Anderson (2004) scores compare two positive values x, y on 0–10: S = 10·exp(−((x−y)/min(x,y))²).
"""
from __future__ import annotations

import numpy as np

CI_LEVEL = 0.90


def residuals(real, generated, log: bool = True) -> np.ndarray:
    """ln(real/generated) (log=True) or real − generated, elementwise, float64; NaN where undefined."""
    real = np.asarray(real, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if not log:
        return real - generated
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.log(real) - np.log(generated)
    return np.where(np.isfinite(res), res, np.nan)


def record_residuals(real, generated, record_index, log: bool = True) -> np.ndarray:
    """Per-record residuals, realizations averaged first.

    real: (N, ...) values of the N real records; generated: (M, ...) values of M generated traces;
    record_index: (M,) int, the real record each generated trace belongs to (several realizations
    share one). Returns (N, ...) float64: the mean over realizations of `residuals(real[i], gen)`;
    NaN for a record with no finite residual.
    """
    record_index = np.asarray(record_index, dtype=np.int64)
    real = np.asarray(real, dtype=np.float64)
    return record_mean(residuals(real[record_index], generated, log=log), record_index, len(real))


def record_mean(values, record_index, n_records: int) -> np.ndarray:
    """Mean (n_records, ...) float64 of values (M, ...) over the rows of each record
    (record_index (M,) int in [0, n_records)), NaNs left out; NaN where a record has none."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    total = np.zeros((n_records,) + values.shape[1:])
    count = np.zeros((n_records,) + values.shape[1:])
    np.add.at(total, record_index, np.where(finite, values, 0.0))
    np.add.at(count, record_index, finite)
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def summarize(per_record) -> dict[str, np.ndarray]:
    """Summary over records (axis 0) of per-record residuals (N, ...), NaNs left out.

    Returns {"bias", "sigma", "ci90_lo", "ci90_hi": (...) float64 in the residuals' units,
    "n": (...) int64 number of records used}; sigma and the interval are NaN where n < 2.
    """
    x = np.asarray(per_record, dtype=np.float64)
    finite = np.isfinite(x)
    n = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = np.where(finite, x, 0.0).sum(axis=0) / n
        dev2 = np.where(finite, (x - bias) ** 2, 0.0).sum(axis=0)
        sigma = np.where(n > 1, np.sqrt(dev2 / np.maximum(n - 1, 1)), np.nan)
        t = np.full(np.shape(n), np.nan)
        counts = np.atleast_1d(n)
        for dof in np.unique(counts[counts > 1]):
            t = np.where(n == dof, student_t_ppf(0.5 + CI_LEVEL / 2, int(dof) - 1), t)
        half = t * sigma / np.sqrt(n)
    return {"bias": bias, "sigma": sigma, "ci90_lo": bias - half, "ci90_hi": bias + half,
            "n": np.asarray(n, dtype=np.int64)}


def student_t_ppf(q: float, dof: int) -> float:
    """Quantile of Student's t with integer `dof` ≥ 1 degrees of freedom, for 0.5 ≤ q < 1.

    Inverts the closed-form distribution of |T| (Abramowitz & Stegun 26.7.3–4) by bisection.
    """
    if not 0.5 <= q < 1 or dof < 1:
        raise ValueError(f"student_t_ppf needs 0.5 <= q < 1 and dof >= 1, got q={q}, dof={dof}")
    target = 2.0 * q - 1.0  # P(|T| <= t)
    lo, hi = 0.0, np.pi / 2
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _abs_t_cdf(mid, dof) < target else (lo, mid)
    return float(np.sqrt(dof) * np.tan(0.5 * (lo + hi)))


def _abs_t_cdf(theta: float, dof: int) -> float:
    """P(|T| <= sqrt(dof)·tan(theta)) for T ~ Student t(dof)."""
    c2, s = np.cos(theta) ** 2, np.sin(theta)
    if dof % 2 == 0:  # 1 + (1/2)c² + (1·3)/(2·4)c⁴ + … up to c^(dof−2)
        j = np.arange(1, dof // 2)
        terms = np.cumprod((2 * j - 1) / (2 * j) * c2)
        return float(s * (1.0 + terms.sum()))
    if dof == 1:
        return float(2 * theta / np.pi)
    j = np.arange(1, (dof - 1) // 2)  # c + (2/3)c³ + (2·4)/(3·5)c⁵ + … up to c^(dof−2)
    terms = np.sqrt(c2) * np.concatenate([[1.0], np.cumprod(2 * j / (2 * j + 1) * c2)])
    return float(2 / np.pi * (theta + s * terms.sum()))


def anderson_score(x, y) -> np.ndarray:
    """Anderson (2004) similarity score 0–10 of positive values x and y (broadcast), float64.

    10 means identical; 10·exp(−1) ≈ 3.7 means they differ by the smaller of the two.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 10.0 * np.exp(-(((x - y) / np.minimum(x, y)) ** 2))
    return np.where(x == y, 10.0, score)
