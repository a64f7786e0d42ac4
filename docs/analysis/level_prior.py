"""Should the level model shrink toward physics instead of toward zero? (issue #20: on every fold no
worse than `stochastic`, whose level rule happens to fit the western US.) docs/crossval_2026-12.md,
"Levers measured and not kept (2026-12-03)". Usage: python docs/analysis/level_prior.py STORE, a `seisdiff
preprocess` store with a `region` column (records without one, e.g. simulations, are left out).

The shipped level model (`engine.hf_level`, features only; the within-event distance term is centred
per event and moves no region's mean) is a ridge toward zero on standardized features, intercept free.
The alternative predicts the real band levels as `stochastic`'s own (its level rule: the conditioning's
level below the crossover, a Brune ω² shape with a 0.5 × crossover corner, κ = 0.04 s, the same binning)
plus a ridge on the same features whose intercept is penalized too: α = 0 is the free fit, α = ∞ is
`stochastic`'s level. α is chosen per band by leave-one-region-out inside each fold's training regions
(mean |region bias|), then the held-out region's mean ln(real/predicted) is reported for the shipped
rule, the chosen α and `stochastic`'s rule."""
import sys

import numpy as np

from _real_levels import load

from seisdiff.dsp.level import log_binned_power, record_level, reference_frequency_hz
from seisdiff.engine import hf_level
from seisdiff.evaluate.baselines import CORNER_FRACTION, DEFAULT_KAPPA_S, _brune

ALPHAS = [0.0, 1.0, 10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4, np.inf]

real = load(sys.argv[1])
fs, fx, bb, lp, X, Y, region = real.fs, real.fx, real.bb, real.lp, real.X, real.Y, real.region
f_hz = np.fft.rfftfreq(bb.shape[-1], 1 / fs)
f_ref = reference_frequency_hz(fx)
shape = (_brune(f_hz, CORNER_FRACTION * fx) / _brune(f_ref, CORNER_FRACTION * fx)
         * np.exp(-np.pi * DEFAULT_KAPPA_S * (f_hz - f_ref)) * (1 - 1 / (1 + (f_hz / fx) ** 8)))
S = np.log(record_level(lp, fs, fx, 4)[:, 0])[:, None] + np.array(
    [0.5 * log_binned_power(shape[None] ** 2, f_hz, np.geomspace(lo, min(hi, 0.999 * fs / 2), hf_level.LEVEL_BINS + 1))[0]
     for lo, hi in hf_level.BANDS_HZ])
ok = np.isfinite(X).all(1) & np.isfinite(Y).all(1) & np.isfinite(S).all(1)
X, Y, S, region = X[ok], Y[ok], S[ok], region[ok]


def fit(rows, alpha, prior: bool):
    """A predictor of Y from the records `rows`: the shipped ridge (prior False, α = RIDGE) or the
    stochastic rule plus a ridge of strength α whose intercept is penalized too."""
    x = X[rows]
    mean, scale = x.mean(0), np.where(x.std(0) > 0, x.std(0), 1.0)
    A = np.column_stack([np.ones(len(rows)), (x - mean) / scale])
    base = S if prior else np.zeros_like(S)
    if np.isinf(alpha):
        coef = np.zeros((A.shape[1], Y.shape[1]))
    else:
        penalty = alpha * np.eye(A.shape[1])
        penalty[0, 0] = penalty[0, 0] if prior else 0.0
        coef = np.linalg.solve(A.T @ A + penalty, A.T @ (Y[rows] - base[rows]))
    return lambda j: base[j] + np.column_stack([np.ones(len(j)), (X[j] - mean) / scale]) @ coef


def bias(predictor, rows):
    return (Y[rows] - predictor(rows)).mean(0)      # ln(real/predicted) per band


regions = sorted(set(region.tolist()))
bands = " / ".join(f"{lo:g}–{hi:g} Hz" for lo, hi in hf_level.BANDS_HZ)
print(f"{len(Y)} traces; held-out region's mean ln(real/predicted), {bands}\n")
print("| held out | α chosen | shipped (ridge to 0) | chosen α | `stochastic`'s rule |\n|---|---|---:|---:|---:|")
table = []
for g in regions:
    train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
    inner = sorted(set(region[train].tolist()))
    score = {a: np.abs([bias(fit(np.flatnonzero((region != g) & (region != h)), a, True), np.flatnonzero(region == h))
                        for h in inner]).mean(0) for a in ALPHAS}
    best = [min(ALPHAS, key=lambda a: score[a][k]) for k in range(Y.shape[1])]
    row = (bias(fit(train, hf_level.RIDGE, False), test),
           np.array([bias(fit(train, best[k], True), test)[k] for k in range(Y.shape[1])]),
           bias(fit(train, np.inf, True), test))
    table.append(row)
    cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
    print(f"| {g} | {', '.join(f'{a:g}' for a in best)} | {cell(row[0])} | {cell(row[1])} | {cell(row[2])} |")
table = np.array(table)
for name, values in (("mean", table.mean(0)), ("mean abs.", np.abs(table).mean(0))):
    print(f"| {name} | | " + " | ".join(" / ".join(f"{x:+.2f}" for x in v) for v in values) + " |")
