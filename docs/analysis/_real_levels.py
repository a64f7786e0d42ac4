"""What the region-held-out analysis scripts share: the real records of a `seisdiff preprocess` store
(a region, strong-motion windows only, as `hf_level.fit` takes them) with the level model's features
and the band levels of their > crossover band, and the level model's ridge (`hf_level.fit`'s, without
its terms). Imported by the scripts beside it (run as `python docs/analysis/NAME.py`)."""
from types import SimpleNamespace

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.engine import hf_level
from seisdiff.engine.scaling import metadata_columns
from seisdiff.io.store import open_store


def load(path, also=None) -> SimpleNamespace:
    """The real records of the store at `path` (and where also(store) (n,) bool holds): store, keep (n,)
    mask, fs, fx, bb / lp (m, C, L) float64 m/s², feats (m, C, 3) (`hf_level.features`), X (m, 3)
    (channel 0), Y (m, bands) ln band levels, region and event (m,)."""
    store = open_store(path)
    data = store.read()
    region = store.column("region")
    keep = (region != "") & hf_level.strong_motion_windows(store.record_ids)
    if also is not None:
        keep &= also(store)
    fs, fx = store.sampling_rate_hz, store.lowpass_hz
    bb, lp = data["broadband"][keep].astype(np.float64), data["lowpass"][keep].astype(np.float64)
    vertical = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
    feats = hf_level.features(lp, fs, fx, np.zeros(len(bb)) if vertical is None else vertical[keep])
    high = bb - lowpass(bb, fs, fx, 4)
    Y = np.stack([hf_level.band_level(high, fs, b)[:, 0] for b in hf_level.BANDS_HZ], -1)
    event = store.column("event")[keep] if "event" in store.columns else np.array([""] * len(bb))
    return SimpleNamespace(store=store, keep=keep, fs=fs, fx=fx, bb=bb, lp=lp, feats=feats, X=feats[:, 0], Y=Y,
                           region=region[keep], event=event)


def held_out_residuals(store, data, model, rows):
    """ln(real/predicted) (len(rows), bands) of the level model `model` (`hf_level.fit`'s) on `rows` of `store`
    (`data` = store.read()), channel 0: the records' own > crossover band levels against `hf_level.predict` with each
    one's place among its event's stations in `rows` (distance, conditioning) and its event's depth, as `sample`
    gives them."""
    fs, fx, event = store.sampling_rate_hz, store.lowpass_hz, store.column("event")
    vertical = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
    vertical = np.zeros(len(store)) if vertical is None else vertical
    lp, bb = data["lowpass"][rows].astype(np.float64), data["broadband"][rows].astype(np.float64)
    within = hf_level.within_event(event[rows], hf_level.features(lp, fs, fx, vertical[rows]), vertical[rows])
    rel = hf_level.relative_ln_distance(event[rows], store.column("distance_km")[rows].astype(np.float64))
    predicted = hf_level.predict(model, lp, fs, fx, vertical[rows], rel, within, store.column("hypo_depth_km")[rows])
    high = bb - lowpass(bb, fs, fx, 4)
    real = np.stack([hf_level.band_level(high, fs, b) for b in hf_level.BANDS_HZ], -1)
    return (real - predicted)[:, 0]


def ridge(F, Y, rows, weights=None):
    """The level model's ridge (RIDGE on standardized features F, intercept free) fitted on `rows` → a
    predictor of Y's columns for any rows. weights (len(F),): per-trace weights (normalized to mean 1
    over `rows`, so that the penalty means the same); None: every trace alike, as `hf_level.fit`."""
    if weights is None:
        mean, scale = F[rows].mean(0), np.where(F[rows].std(0) > 0, F[rows].std(0), 1.0)
        w = np.ones(len(rows))
    else:
        w = weights[rows] / weights[rows].mean()
        mean = np.average(F[rows], axis=0, weights=w)
        sd = np.sqrt(np.average((F[rows] - mean) ** 2, axis=0, weights=w))
        scale = np.where(sd > 0, sd, 1.0)
    A = np.column_stack([np.ones(len(rows)), (F[rows] - mean) / scale])
    penalty = hf_level.RIDGE * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.solve(A.T @ (w[:, None] * A) + penalty, A.T @ (w[:, None] * Y[rows]))
    return lambda j: np.column_stack([np.ones(len(j)), (F[j] - mean) / scale]) @ coef


def held_out_regions(F, Y, region):
    """Leave one region out: for each region (sorted), (its name, training rows, held-out rows, the ridge's
    residuals Y − prediction on the training rows and on the held-out rows), the ridge fitted without it."""
    for g in sorted(set(region.tolist())):
        train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
        p = ridge(F, Y, train)
        yield g, train, test, Y[train] - p(train), Y[test] - p(test)
