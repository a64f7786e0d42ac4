"""Does a station's conditioning, relative to its event's other stations, say more than the pooled fit
does? (`engine.hf_level` version 4, docs/MEASUREMENTS.md, "Features among an event's stations".) Usage:
python docs/analysis/within_features.py STORE, a `seisdiff preprocess` store with `region` and `event`
columns (records without a region, e.g. simulations, are left out).

Leave one region out, on the real records' 2–6 and 8–25 Hz levels of their > crossover band: version 3
(the features' ridge, then the within-event distance term on its residuals) against version 4 (the
same, plus the features' within-event term, `hf_level.within_event` and `_fit_within`, fitted jointly
with the distance and applied where both are known; with the distances hidden both versions are the
features alone), and, for reference, a fit of the event means and the within-event deviations of the features as separate
features (Mundlak), which moves the events' levels too, and version 4 with an event's verticals and
horizontals placed among one another (which makes verticals too strong: their weaker low band reads as
a far station's). Last, the biases of horizontals and verticals apart. Reported per held-out
region: the mean ln(real/predicted) (the same for versions 3 and 4: the terms are centred per event),
its sd over the region's traces, and the sd about each event's mean (the part the terms can reach)."""
import sys

import numpy as np

from _real_levels import load
from _real_levels import ridge as _ridge

from seisdiff.engine import hf_level

real = load(sys.argv[1])
feats, Y, event, region = real.feats, real.Y, real.event, real.region
distance = real.store.column("distance_km")[real.keep] if "distance_km" in real.store.columns else None
X, W = feats[:, 0], hf_level.within_event(event, feats, feats[:, 0, 2])[:, 0]
W_together = hf_level.within_event(event, feats)[:, 0]       # an event's verticals and horizontals together
rel = hf_level.relative_ln_distance(event, distance)
_, which = np.unique(event, return_inverse=True)
event_mean = lambda v: np.stack([np.bincount(which, weights=v[:, k]) / np.bincount(which) for k in range(v.shape[1])], 1)[which]
M = np.column_stack([event_mean(X[:, :2]), X[:, :2] - event_mean(X[:, :2]), X[:, 2]])


def ridge(F, rows):
    return _ridge(F, Y, rows)


def predictors(train):
    pooled = ridge(X, train)
    res = Y[train] - pooled(train)
    distance_fit = hf_level._fit_distance(res, event[train], rel[train])
    within_fit = hf_level._fit_within(res, event[train], W[train], rel[train])
    term = lambda d, w, r, j, dev=W: hf_level._local_term(d, w, r[j], dev[j])
    together = hf_level._fit_within(res, event[train], W_together[train], rel[train])
    mundlak = ridge(M, train)
    return {"version 3": lambda j: pooled(j) + term(distance_fit, None, rel, j),
            "version 4": lambda j: pooled(j) + term(distance_fit, within_fit, rel, j),
            "versions 3 and 4, distances hidden": pooled,
            "Mundlak + distance": lambda j: mundlak(j) + term(distance_fit, None, rel, j),
            "version 4, components together": lambda j: pooled(j) + term(distance_fit, together, rel, j, W_together)}


def spread(r, rows):
    about = r - np.stack([r[event[rows] == e].mean(0) for e in event[rows]])
    return r.mean(0), r.std(0), about.std(0)


regions = sorted(set(region.tolist()))
names = list(predictors(np.arange(len(Y))))
cell = lambda v: " / ".join(f"{x:.2f}" for x in v)
print(f"{len(Y)} traces; per held-out region, 2–6 / 8–25 Hz: bias (mean ln real/predicted), sd, sd within events\n")
print("| held out | " + " | ".join(f"{n}: bias | sd | within" for n in names) + " |")
print("|---|" + "---:|---:|---:|" * len(names))
table = []
for g in regions:
    train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
    row = [spread(Y[test] - p(test), test) for p in predictors(train).values()]
    table.append(row)
    print(f"| {g} | " + " | ".join(f"{cell(b)} | {cell(s)} | {cell(w)}" for b, s, w in row) + " |")
t = np.array(table)           # (regions, predictors, 3, bands)
print("| mean (abs. bias) | " + " | ".join(f"{cell(np.abs(t[:, i, 0]).mean(0))} | {cell(t[:, i, 1].mean(0))} | "
                                          f"{cell(t[:, i, 2].mean(0))}" for i in range(len(names))) + " |")

vertical = X[:, 2] > 0
print("\nmean over held-out regions of the bias of horizontals | verticals, 2–6 / 8–25 Hz:")
for i, name in enumerate(names):
    parts = []
    for g in regions:
        train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
        r = Y[test] - list(predictors(train).values())[i](test)
        parts.append([r[~vertical[test]].mean(0), r[vertical[test]].mean(0)])
    h, v = np.mean(parts, axis=0)
    print(f"- {name}: {cell(h)} | {cell(v)}")
