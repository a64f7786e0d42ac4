"""Does the magnitude, as a fourth feature of the level model, predict a region never seen better?
(issue #20: magnitude, distance and Vs30, when given, should make the PSA bias better.)
docs/crossval_2026-12.md, "Levers measured and not kept (2026-12-03)". Usage: python docs/analysis/magnitude_feature.py
STORE, a `seisdiff preprocess` store with `region` and `magnitude` columns (records without a region,
e.g. simulations, are left out). Leave one region out, on the real records' 2–6 / 8–25 Hz levels of
their > crossover band: the held-out region's mean ln(real/predicted) and its sd, for the shipped
features, with M, and with M and M²."""
import sys

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.engine import hf_level
from seisdiff.engine.scaling import metadata_columns
from seisdiff.io.store import open_store

store = open_store(sys.argv[1])
data = store.read()
region = store.column("region")
keep = (region != "") & hf_level.strong_motion_windows(store.record_ids) & np.isfinite(store.column("magnitude"))
fs, fx = store.sampling_rate_hz, store.lowpass_hz
bb, lp = data["broadband"][keep].astype(np.float64), data["lowpass"][keep].astype(np.float64)
vertical = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
X = hf_level.features(lp, fs, fx, np.zeros(len(bb)) if vertical is None else vertical[keep])[:, 0]
high = bb - lowpass(bb, fs, fx, 4)
Y = np.stack([hf_level.band_level(high, fs, b)[:, 0] for b in hf_level.BANDS_HZ], -1)
region, magnitude = region[keep], store.column("magnitude")[keep].astype(np.float64)
sets = {"features": X, "+ M": np.column_stack([X, magnitude]), "+ M, M²": np.column_stack([X, magnitude, magnitude ** 2])}


def ridge(F, rows):
    mean, scale = F[rows].mean(0), np.where(F[rows].std(0) > 0, F[rows].std(0), 1.0)
    A = np.column_stack([np.ones(len(rows)), (F[rows] - mean) / scale])
    penalty = hf_level.RIDGE * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(A.T @ A + penalty, A.T @ Y[rows])
    return lambda j: np.column_stack([np.ones(len(j)), (F[j] - mean) / scale]) @ coef


cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
sd_cell = lambda v: " / ".join(f"{x:.2f}" for x in v)
print(f"{len(Y)} traces, M {magnitude.min():.1f}–{magnitude.max():.1f}; 2–6 / 8–25 Hz\n")
print("| held out | " + " | ".join(f"{n}: bias | sd" for n in sets) + " |\n|---|" + "---:|---:|" * len(sets))
table = []
for g in sorted(set(region.tolist())):
    train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
    row = [((Y[test] - p(test)).mean(0), (Y[test] - p(test)).std(0)) for p in (ridge(F, train) for F in sets.values())]
    table.append(row)
    print(f"| {g} | " + " | ".join(f"{cell(b)} | {sd_cell(s)}" for b, s in row) + " |")
t = np.array(table)
print("| mean (abs. bias) | " + " | ".join(f"{sd_cell(np.abs(t[:, i, 0]).mean(0))} | {sd_cell(t[:, i, 1].mean(0))}"
                                          for i in range(len(sets))) + " |")
