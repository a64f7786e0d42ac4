"""Is there an anelastic decay among an event's stations that the level model's within-event term (linear in ln r)
misses? (docs/MEASUREMENTS.md, "The issue's own population": the records beyond 200 km sit below the prediction.)
Usage: python docs/analysis/anelastic_term.py STORE, a store with `region`, `event`, `distance_km`, `hypo_depth_km`.

Leave one region out: the full level model (`hf_level.fit`, the texture aside) fitted on the other regions; on its
training residuals, centred per event, the slope gamma (ln per 100 km, per band) on r − the event's mean r (where the
relative ln distance is known: ln level falls linearly in r with anelastic attenuation, −πfr/(Qβ)); on the held-out
region, the residuals' sd about their event means without and with gamma·(r − r̄)."""
import sys

import numpy as np

from _real_levels import held_out_residuals
from seisdiff.engine import hf_level
from seisdiff.io.store import open_store

store = open_store(sys.argv[1])
region, event = store.column("region"), store.column("event")
distance_km = store.column("distance_km").astype(np.float64)
data = store.read()
real_rows = np.flatnonzero((region != "") & hf_level.strong_motion_windows(store.record_ids))

def rel_r(rows):
    """r - event mean r (100 km) where the relative ln distance is known."""
    ev, r = event[rows], distance_km[rows]
    rel = hf_level.relative_ln_distance(ev, r)
    out = np.full(len(rows), np.nan)
    for name in set(ev.tolist()):
        k = (ev == name) & np.isfinite(rel)
        if k.any():
            out[k] = (r[k] - r[k].mean()) / 100.0
    return out

def about_event(res, ev):
    out = res.copy()
    for name in set(ev.tolist()):
        k = ev == name
        out[k] -= res[k].mean(0)
    return out

base_about, cand_about, gammas = [], [], []
for g in sorted(set(region.tolist()) - {""}):
    train = np.flatnonzero(region != g)
    model = hf_level.fit(store, train, log=lambda *_: None, texture=False)
    tr = np.intersect1d(train, real_rows)
    te = real_rows[region[real_rows] == g]
    res_tr = held_out_residuals(store, data, model, tr)
    x_tr = rel_r(tr)
    k = np.isfinite(x_tr)
    rc = about_event(res_tr[k], event[tr][k])
    xc = about_event(x_tr[k][:, None], event[tr][k])[:, 0]
    gamma = (xc[:, None] * rc).sum(0) / (xc ** 2).sum()
    gammas.append(gamma)
    res_te = held_out_residuals(store, data, model, te)
    x_te = rel_r(te)
    cand = res_te - np.where(np.isfinite(x_te)[:, None], gamma * np.nan_to_num(x_te)[:, None], 0.0)
    base_about.append(about_event(res_te, event[te])); cand_about.append(about_event(cand, event[te]))
    print(g, "gamma per 100 km", gamma.round(3), "held-out sd about events", base_about[-1].std(0).round(3), "->", cand_about[-1].std(0).round(3))
print("pooled sd about event means", np.concatenate(base_about).std(0).round(3), "->", np.concatenate(cand_about).std(0).round(3))
