"""Does the event's hypocentral depth tell a region never seen how strong its high frequencies are, beside the
conditioning's features? (issue #20: the western US's and the Mediterranean's fold checks against `stochastic`;
docs/MEASUREMENTS.md, "The event's depth".) Usage: python docs/analysis/depth_term.py STORE, a `seisdiff
preprocess` store with `region`, `event` and `hypo_depth_km` columns (records without a region, e.g. simulations,
are left out; records without a depth get no term).

Leave one region out, on the real records' 2–6 / 8–25 Hz levels of their > crossover band: the held-out region's
mean ln(real/predicted) for the level model's features alone (`hf_level`'s ridge), and with a slope of the
features' residuals on the event's ln depth (clipped to the training events' range) fitted two ways: over traces
(events with many stations weigh most) and over events, each event's mean residual one point (`hf_level._fit_depth`,
version 5)."""
import sys

import numpy as np

from _real_levels import held_out_regions, load
from seisdiff.engine import hf_level

real = load(sys.argv[1])
X, Y, region, event = real.X, real.Y, real.region, real.event
depth_km = real.store.column("hypo_depth_km")[real.keep].astype(np.float64)
ln_d = hf_level.ln_depth(depth_km)


def by_traces(res, rows):
    k = rows[np.isfinite(ln_d[rows])]
    c = ln_d[k] - ln_d[k].mean()
    slope = (c[:, None] * res[np.isin(rows, k)]).sum(0) / (c ** 2).sum()
    return {"coef": slope, "mean_ln_km": ln_d[k].mean(), "range_ln_km": [ln_d[k].min(), ln_d[k].max()]}


def by_events(res, rows):
    return hf_level._fit_depth(res, event[rows], ln_d[rows])


cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
print(f"{len(Y)} traces of {len(set(event.tolist()))} events, {int(np.isfinite(ln_d).sum())} with a depth; "
      "2–6 / 8–25 Hz\n")
print("| held out | traces with a depth | features | + depth, over traces: slope | bias | + depth, over events: slope "
      "| bias |\n|---|---:|---:|---:|---:|---:|---:|")
table = []
for g, train, test, res, base in held_out_regions(X, Y, region):
    row = [base.mean(0)]
    cells = []
    for fit in (by_traces, by_events):
        depth = fit(res, train)
        term = hf_level.depth_term({k: np.asarray(v).tolist() for k, v in depth.items()},
                                   depth_km[test], Y.shape[1])
        row.append((base - term).mean(0))
        cells += [cell(depth["coef"]), cell(row[-1])]
    table.append(row)
    print(f"| {g} | {int(np.isfinite(ln_d[test]).sum())} of {len(test)} | {cell(row[0])} | " + " | ".join(cells) + " |")
t = np.abs(np.array(table)).mean(0)
print(f"| mean of absolute values | | {' / '.join(f'{x:.3f}' for x in t[0])} | | "
      f"{' / '.join(f'{x:.3f}' for x in t[1])} | | {' / '.join(f'{x:.3f}' for x in t[2])} |")
