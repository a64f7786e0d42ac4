"""Does the magnitude, as a fourth feature of the level model, predict a region never seen better?
(issue #20: magnitude, distance and Vs30, when given, should make the PSA bias better.)
docs/crossval_2026-12.md, "Levers measured and not kept (2026-12-03)". Usage: python docs/analysis/magnitude_feature.py
STORE, a `seisdiff preprocess` store with `region` and `magnitude` columns (records without a region,
e.g. simulations, are left out). Leave one region out, on the real records' 2–6 / 8–25 Hz levels of
their > crossover band: the held-out region's mean ln(real/predicted) and its sd, for the shipped
features, with M, and with M and M²."""
import sys

import numpy as np

from _real_levels import load, ridge

real = load(sys.argv[1], also=lambda store: np.isfinite(store.column("magnitude")))
X, Y, region = real.X, real.Y, real.region
magnitude = real.store.column("magnitude")[real.keep].astype(np.float64)
sets = {"features": X, "+ M": np.column_stack([X, magnitude]), "+ M, M²": np.column_stack([X, magnitude, magnitude ** 2])}


cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
sd_cell = lambda v: " / ".join(f"{x:.2f}" for x in v)
print(f"{len(Y)} traces, M {magnitude.min():.1f}–{magnitude.max():.1f}; 2–6 / 8–25 Hz\n")
print("| held out | " + " | ".join(f"{n}: bias | sd" for n in sets) + " |\n|---|" + "---:|---:|" * len(sets))
table = []
for g in sorted(set(region.tolist())):
    train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
    row = [((Y[test] - p(test)).mean(0), (Y[test] - p(test)).std(0)) for p in (ridge(F, Y, train) for F in sets.values())]
    table.append(row)
    print(f"| {g} | " + " | ".join(f"{cell(b)} | {sd_cell(s)}" for b, s in row) + " |")
t = np.array(table)
print("| mean (abs. bias) | " + " | ".join(f"{sd_cell(np.abs(t[:, i, 0]).mean(0))} | {sd_cell(t[:, i, 1].mean(0))}"
                                          for i in range(len(sets))) + " |")
