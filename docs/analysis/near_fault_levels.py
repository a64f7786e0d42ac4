"""Are the records near the fault of large earthquakes stronger above 1 Hz than the level model predicts, and is it a
trend with distance or a few events? (docs/MEASUREMENTS.md, "The issue's own population".) Usage: python
docs/analysis/near_fault_levels.py STORE [FIGURE.png], a `seisdiff preprocess` store with `region`, `event`,
`magnitude`, `distance_km` and `hypo_depth_km` columns; FIGURE: the residuals against distance, drawn.

Leave one region out: the level model (`hf_level.fit`, every term of version 6 but the texture, which does not
move the levels) fitted on the other regions' records, its prediction (`hf_level.predict`, with each held-out
station's place among its event's held-out stations and the event's depth, as `sample` gives them) against the
held-out real strong-motion windows' own 2–6 / 8–25 Hz levels: the mean ln(real/predicted) of the records of
M ≥ 6 within 50 km and of the rest, by distance, and by event for the events with records near the fault."""
import sys

import numpy as np

from _real_levels import held_out_residuals
from seisdiff.engine import hf_level
from seisdiff.io.store import open_store

store = open_store(sys.argv[1])
region, event = store.column("region"), store.column("event")
magnitude, distance_km = store.column("magnitude"), store.column("distance_km").astype(np.float64)
data = store.read()
rows, residual = [], []
for g in sorted(set(region.tolist()) - {""}):
    test = np.flatnonzero((region == g) & hf_level.strong_motion_windows(store.record_ids))
    model = hf_level.fit(store, np.flatnonzero(region != g), log=lambda *_: None, texture=False)
    residual.append(held_out_residuals(store, data, model, test))
    rows.append(test)
rows, residual = np.concatenate(rows), np.concatenate(residual)
d, m, e = distance_km[rows], magnitude[rows], event[rows]
near = (m >= 6) & (d <= 50)
cell = lambda k: f"{int(k.sum())} | " + " / ".join(f"{v:+.2f}" for v in residual[k].mean(0)) if k.any() else "0 | "
print("ln(real/predicted), 2–6 / 8–25 Hz, each region held out in turn\n\n| records | n | residual |\n|---|---:|---:|")
print(f"| M ≥ 6, ≤ 50 km | {cell(near)} |\n| the rest | {cell(~near)} |")
for lo, hi in ((0, 25), (25, 50), (50, 100), (100, 200), (200, np.inf)):
    print(f"| {lo}–{hi:g} km | {cell((d > lo) & (d <= hi))} |")
print("\n| event with records near the fault | near: n | residual | beyond: n | residual |\n|---|---:|---:|---:|---:|")
for name in sorted(set(e[near].tolist())):
    print(f"| {name} | {cell(near & (e == name))} | {cell(~near & (e == name))} |")

if len(sys.argv) > 2:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True, constrained_layout=True)
    shown = [n for n in sorted(set(e[near].tolist())) if (near & (e == n)).sum() >= 6]
    for b, (ax, (lo, hi)) in enumerate(zip(axes, hf_level.BANDS_HZ)):
        other = ~np.isin(e, shown)
        ax.scatter(d[other], residual[other, b], s=10, c="0.7", label="other events")
        for n in shown:
            k = e == n
            ax.scatter(d[k], residual[k, b], s=16, label=n)
        ax.axhline(0, c="k", lw=0.8)
        ax.axvline(50, c="k", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("distance (km)")
        ax.set_ylabel(f"ln(real / predicted) level, {lo:g}–{hi:g} Hz")
        ax.set_title(f"{lo:g}–{hi:g} Hz, each region held out in turn")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.savefig(sys.argv[2], dpi=110)
    print(f"\nfigure: {sys.argv[2]}")
