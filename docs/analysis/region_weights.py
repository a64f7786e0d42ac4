"""Should the level model weigh every trace alike, every event alike, or every region alike? (issue #20:
a held-out region's level; `engine.hf_level.fit` weighs traces alike, so the regions with most records
set the intercept.) docs/crossval_2026-12.md, "The training band's top, and two levers measured and not kept".
Usage: python docs/analysis/region_weights.py STORE, a `seisdiff preprocess` store with `region` and
`event` columns (records without a region, e.g. simulations, are left out).

Leave one region out, on the real records' 2–6 and 8–25 Hz levels of their > crossover band, the level
model's features and ridge (distances hidden: the within-event terms are centred per event and leave a
region's bias as it is) fitted with weights 1 per trace (shipped), 1 / (the event's traces) and
1 / (the region's traces), normalized to mean 1 so that the ridge penalty means the same. A new region
is one draw from the population of regions: if regions differ more than their records' counts can
average out, the region-balanced mean is the better guess for it. Reported per held-out region: the mean
ln(real/predicted) and its sd over the region's traces; then the mean over regions of |bias| and sd."""
import sys

import numpy as np

from _real_levels import load, ridge


real = load(sys.argv[1])
X, Y, event, region = real.X, real.Y, real.event, real.region


def per_group(labels):
    _, which, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return 1.0 / counts[which]


schemes = {"per trace (shipped)": np.ones(len(Y)), "per event": per_group(event), "per region": per_group(region)}
regions = sorted(set(region.tolist()))
cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
print(f"{len(Y)} traces of {len(set(event.tolist()))} events in {len(regions)} regions; per held-out region, "
      "2–6 / 8–25 Hz: bias (mean ln real/predicted) | sd\n")
print("| held out (traces) | " + " | ".join(f"{n}: bias | sd" for n in schemes) + " |")
print("|---|" + "---:|---:|" * len(schemes))
table = []
for g in regions:
    train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
    row = []
    for weights in schemes.values():
        r = Y[test] - ridge(X, Y, train, weights)(test)
        row.append((r.mean(0), r.std(0)))
    table.append(row)
    print(f"| {g} ({len(test)}) | " + " | ".join(f"{cell(b)} | {cell(s)}" for b, s in row) + " |")
t = np.array(table)                # (regions, schemes, 2, bands)
print("| mean of |bias|, of sd | " + " | ".join(
    f"{cell(np.abs(t[:, i, 0]).mean(0))} | {cell(t[:, i, 1].mean(0))}" for i in range(len(schemes))) + " |")
print("| signed mean of bias | " + " | ".join(f"{cell(t[:, i, 0].mean(0))} | " for i in range(len(schemes))) + " |")
