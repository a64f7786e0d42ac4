"""Does an event's distance from its stations, measured from its rupture rather than its hypocentre, tell a region
never seen how strong its high frequencies are, beside the features and the event's depth? (issue #20: the
Mediterranean's fold check; its Bodrum–Kos records sit ~200 km away, the high band generated 3.5× too strong,
and the within-event distance term, centred per event, cannot move an event; docs/MEASUREMENTS.md, "The event's
distance"). Usage: python docs/analysis/event_distance.py STORE, a `seisdiff preprocess` store with `region`,
`event`, `hypo_depth_km`, `distance_km` and `magnitude`.

Leave one region out on the real records' 2–6 / 8–25 Hz levels (as depth_term.py): the features' ridge, the depth
term over events (`hf_level._fit_depth`), then on the residuals a slope on the event's mean effective distance
R_eff = max(R − L(M)/2, 10 km) — R the store's distance, L the Wells & Coppersmith (1994) subsurface rupture length
(log10 L = −2.44 + 0.59 M) — in km, linear (anelastic decay), each event one point, clipped to the fitted range.
Also shown: the same with the hypocentral R (no rupture length), the form the sixth session's proxy rejected."""
import sys

import numpy as np

from _real_levels import held_out_regions, load
from seisdiff.engine import hf_level

NEAR_KM = 10.0


def rupture_length_km(magnitude):
    return 10.0 ** (-2.44 + 0.59 * np.asarray(magnitude, np.float64))


def effective_distance_km(distance_km, magnitude, rupture: bool = True):
    r = np.asarray(distance_km, np.float64)
    half = rupture_length_km(magnitude) / 2 if rupture else 0.0
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(r) & (r > 0) & np.isfinite(half), np.maximum(r - half, NEAR_KM), np.nan)


def fit_events(residual, event, value):
    """Event-level slope of residual (n, bands) on value (n,) (NaN: unknown), each event one point: the depth
    term's fit (`hf_level._fit_depth`) on another per-event quantity."""
    fit = hf_level._fit_depth(residual, event, value)
    return fit and {"coef": np.asarray(fit["coef"]), "mean": fit["mean_ln_km"], "range": fit["range_ln_km"]}


def event_mean(event, value):
    """(n,) each record's event's mean of value over its records where known (NaN where none is)."""
    has = np.isfinite(value) & (event != "")
    if not has.any():
        return np.full(len(event), np.nan)
    names, which = np.unique(event[has], return_inverse=True)
    means, _ = hf_level._group_means(which, value[has])
    at = np.clip(np.searchsorted(names, event), 0, len(names) - 1)
    return np.where(names[at] == event, means[at], np.nan)


def term(fit, value, n_bands):
    if fit is None:
        return np.zeros((len(value), n_bands))
    v = np.where(np.isfinite(value), np.clip(value, *fit["range"]) - fit["mean"], 0.0)
    return v[:, None] * fit["coef"]


real = load(sys.argv[1])
X, Y, region, event = real.X, real.Y, real.region, real.event
col = lambda name: real.store.column(name)[real.keep].astype(np.float64)
depth_km, distance_km, magnitude = col("hypo_depth_km"), col("distance_km"), col("magnitude")
ln_d = hf_level.ln_depth(depth_km)
r_eff = {True: event_mean(event, effective_distance_km(distance_km, magnitude)),
         False: event_mean(event, effective_distance_km(distance_km, magnitude, rupture=False))}

cell = lambda v: " / ".join(f"{x:+.2f}" for x in v)
print(f"{len(Y)} traces of {len(set(event.tolist()))} events; with a depth {int(np.isfinite(ln_d).sum())}, "
      f"with a distance and magnitude {int(np.isfinite(r_eff[True]).sum())}; 2–6 / 8–25 Hz\n")
print("| held out | traces with R_eff | depth term (over events): bias | + R_eff: slope per 100 km | bias "
      "| + hypocentral R: slope per 100 km | bias |\n|---|---:|---:|---:|---:|---:|---:|")
table = []
for g, train, test, res, base in held_out_regions(X, Y, region):
    depth = hf_level._fit_depth(res, event[train], ln_d[train])
    res = res - hf_level.depth_term(depth, depth_km[train], Y.shape[1])
    base = base - hf_level.depth_term(depth, depth_km[test], Y.shape[1])
    row, cells = [base.mean(0)], []
    for rupture in (True, False):
        fit = fit_events(res, event[train], r_eff[rupture][train])
        row.append((base - term(fit, r_eff[rupture][test], Y.shape[1])).mean(0))
        cells += [cell(100 * fit["coef"]), cell(row[-1])]
    table.append(row)
    print(f"| {g} | {int(np.isfinite(r_eff[True][test]).sum())} of {len(test)} | {cell(row[0])} | " + " | ".join(cells)
          + " |")
t = np.abs(np.array(table)).mean(0)
print("| mean of absolute values | | " + " | | ".join(" / ".join(f"{x:.3f}" for x in v) for v in t) + " |")
