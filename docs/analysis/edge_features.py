"""How much did spurious window-edge peaks in the stored conditioning bias the level model? (`preprocess` before
the fix of a window's low band, 2789d49: a window cut from inside a record had a low band whose first and last
samples were pinned to the broadband's value, spurious edge peaks up to 4.7-12x the window's true low-band peak.
The level model, `engine.hf_level`, was fitted and cross-validated on such windows; a user's whole record has no
such edge.)
Usage: python docs/analysis/edge_features.py OLD_STORE NEW_STORE: the same inputs preprocessed with the code before
and after the fix (the recipe's commands, seisdiff/pretrained/MODEL_CARD.md "Reproduce"; same record ids and
bit-identical broadband, checked). Real data only: no network, no sampling.

Prints:
1. per region, all windows and the strong-motion windows (`hf_level.strong_motion_windows`): how many windows'
   level-model features (`hf_level.features` on the stored lowpass: ln peak, ln low-band level) move by > 0.1 ln,
   and the largest move;
2. leave one region out on the M >= 5 strong-motion windows, the full level model (`hf_level.fit`, its texture
   aside; levels only) fitted on the other five regions and scored on the held-out region as `sample` would
   (`_real_levels.held_out_residuals`: each record's place among the held-out event's stations, its depth): the
   held-out region's mean ln(real/predicted) and sd per band (2-6 / 8-25 Hz), for old fit on old features, new
   fit on new features, and the old fit on the new features (what a user's clean conditioning gets from a model
   fitted on the old windows); then the mean |bias| over regions and the pooled held-out sd;
3. the same three for the features-only ridge of the other analysis scripts (`_real_levels.ridge`, channel 0);
4. the full fit's (all regions) numbers, old vs new: feature means, intercepts and coefficients per band, the
   distance / within-event / depth terms, training residual sd, and each fit's residual (mean, sd) on the new
   store's features (in-sample);
5. section 2's held-out residuals pooled over the folds, split into windows whose ln peak moved by > 0.1 and the rest;
6. the shipped default's level model (its checkpoint's) on these windows' old and new features."""
import sys

import numpy as np

from _real_levels import held_out_residuals, ridge
from seisdiff.dsp import lowpass
from seisdiff.engine import hf_level
from seisdiff.io.store import open_store

MOVE_LN = 0.1
cell = lambda v: " / ".join(f"{x:+.2f}" for x in np.atleast_1d(v))
sd = lambda v: " / ".join(f"{x:.2f}" for x in np.atleast_1d(v))


def open_pair(old_path, new_path):
    old, new = open_store(old_path), open_store(new_path)
    if not np.array_equal(old.record_ids, new.record_ids):
        sys.exit(f"edge_features: {old_path} and {new_path} hold different records; build both from the same inputs")
    data_old, data_new = old.read(), new.read()
    if not np.array_equal(data_old["broadband"], data_new["broadband"]):
        sys.exit("edge_features: the stores' broadband differ; the fix leaves it bit for bit: same inputs and options?")
    return old, new, data_old, data_new


def vertical_of(store):
    from seisdiff.engine.scaling import metadata_columns
    v = metadata_columns({c: store.column(c) for c in store.columns}).get("vertical")
    return np.zeros(len(store)) if v is None else v


def feature_move(old, data_old, data_new):
    """(n, 2) old − new ln peak and ln low-band level of every record (channel 0); > 0: the old feature larger."""
    fs, fx, vertical = old.sampling_rate_hz, old.lowpass_hz, vertical_of(old)
    f_old = hf_level.features(data_old["lowpass"].astype(np.float64), fs, fx, vertical)[:, 0, :2]
    f_new = hf_level.features(data_new["lowpass"].astype(np.float64), fs, fx, vertical)[:, 0, :2]
    return f_old - f_new


def feature_moves(old, data_old, data_new):
    move = feature_move(old, data_old, data_new)
    region, sm = old.column("region"), hf_level.strong_motion_windows(old.record_ids)
    print(f"1. features of the stored lowpass, old − new (ln): windows moved by > {MOVE_LN} ln in ln peak | in ln "
          "low-band level (largest |move|, its sign)\n")
    print("| region | all windows: n | peak | level | strong-motion windows: n | peak | level | largest peak move |"
          "\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for g in sorted(set(region.tolist())) + ["all"]:
        rows = np.ones(len(region), bool) if g == "all" else region == g
        big = np.abs(move) > MOVE_LN
        worst = move[rows & sm, 0][np.argmax(np.abs(move[rows & sm, 0]))] if (rows & sm).any() else np.nan
        print(f"| {g} | {rows.sum()} | {big[rows, 0].sum()} | {big[rows, 1].sum()} | {(rows & sm).sum()} | "
              f"{big[rows & sm, 0].sum()} | {big[rows & sm, 1].sum()} | {worst:+.2f} |")
    return move


def m5_rows(store):
    region, magnitude = store.column("region"), store.column("magnitude").astype(np.float64)
    return (region != "") & hf_level.strong_motion_windows(store.record_ids) & (magnitude >= 5)


def held_out_table(title, folds):
    """folds: {region: {scheme: residuals (m, bands)}} → the table, mean |bias| and pooled sd rows."""
    schemes = list(next(iter(folds.values())))
    print(f"\n{title}\n\n| held out (traces) | " + " | ".join(f"{s}: bias | sd" for s in schemes) + " |\n|---|"
          + "---:|---:|" * len(schemes))
    for g, row in folds.items():
        n = len(next(iter(row.values())))
        print(f"| {g} ({n}) | " + " | ".join(f"{cell(r.mean(0))} | {sd(r.std(0))}" for r in row.values()) + " |")
    bias = {s: np.array([folds[g][s].mean(0) for g in folds]) for s in schemes}
    pooled = {s: np.concatenate([folds[g][s] for g in folds]) for s in schemes}
    print("| mean over regions: signed bias, |bias| | " + " | ".join(
        f"{cell(bias[s].mean(0))} | {cell(np.abs(bias[s]).mean(0))}" for s in schemes) + " |")
    print("| pooled held-out: mean, sd | " + " | ".join(
        f"{cell(pooled[s].mean(0))} | {sd(pooled[s].std(0))}" for s in schemes) + " |")


def level_model_folds(old, new, data_old, data_new):
    region, use = old.column("region"), m5_rows(old)
    quiet = lambda *_: None
    folds, models = {}, {}
    for g in sorted(set(region[use].tolist())):
        train, test = np.flatnonzero(use & (region != g)), np.flatnonzero(use & (region == g))
        m_old = hf_level.fit(old, train, log=quiet, texture=False)
        m_new = hf_level.fit(new, train, log=quiet, texture=False)
        folds[g] = {"old fit, old features": held_out_residuals(old, data_old, m_old, test),
                    "new fit, new features": held_out_residuals(new, data_new, m_new, test),
                    "old fit, new features": held_out_residuals(new, data_new, m_old, test)}
    held_out_table("2. leave one region out, M >= 5 strong-motion windows, full level model (hf_level.fit): held-out "
                   "ln(real/predicted), 2–6 / 8–25 Hz", folds)
    moved = np.abs(feature_move(old, data_old, data_new)[:, 0]) > MOVE_LN
    order = np.concatenate([np.flatnonzero(use & (region == g)) for g in folds])   # the folds' test rows, in order
    print(f"\n5. the same held-out residuals, pooled, split by whether the window's ln peak moved by > {MOVE_LN}: "
          "mean | sd, 2–6 / 8–25 Hz\n\n| windows (traces) | " + " | ".join(next(iter(folds.values())))
          + " |\n|---|" + "---:|" * 3)
    for name, k in ((f"peak moved", moved[order]), ("not moved", ~moved[order])):
        print(f"| {name} ({k.sum()}) | " + " | ".join(
            f"{cell(r[k].mean(0))} \\| {sd(r[k].std(0))}" for r in
            (np.concatenate([folds[g][s] for g in folds]) for s in next(iter(folds.values())))) + " |")
    return folds


def ridge_folds(old, new, data_old, data_new):
    use = m5_rows(old)
    rows = np.flatnonzero(use)
    fs, fx, vertical = old.sampling_rate_hz, old.lowpass_hz, vertical_of(old)[rows]
    X_old = hf_level.features(data_old["lowpass"][rows].astype(np.float64), fs, fx, vertical)[:, 0]
    X_new = hf_level.features(data_new["lowpass"][rows].astype(np.float64), fs, fx, vertical)[:, 0]
    bb = data_old["broadband"][rows].astype(np.float64)
    high = bb - lowpass(bb, fs, fx, 4)
    Y = np.stack([hf_level.band_level(high, fs, b)[:, 0] for b in hf_level.BANDS_HZ], -1)
    region = old.column("region")[rows]
    ok = np.isfinite(X_old).all(1) & np.isfinite(X_new).all(1) & np.isfinite(Y).all(1)
    X_old, X_new, Y, region = X_old[ok], X_new[ok], Y[ok], region[ok]
    both = np.concatenate([X_old, X_new])     # one ridge predicts either store's features: fit on the first half
    folds = {}
    for g in sorted(set(region.tolist())):
        train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
        p_old, p_new = ridge(both, np.concatenate([Y, Y]), train), ridge(both, np.concatenate([Y, Y]), train + len(Y))
        folds[g] = {"old fit, old features": Y[test] - p_old(test), "new fit, new features": Y[test] - p_new(test + len(Y)),
                    "old fit, new features": Y[test] - p_old(test + len(Y))}
    held_out_table("3. the same, features-only ridge (_real_levels.ridge, as region_weights.py / level_prior.py)", folds)


def full_fit(old, new, data_new):
    use = np.flatnonzero(m5_rows(old))
    quiet = lambda *_: None
    m_old, m_new = hf_level.fit(old, use, log=quiet, texture=False), hf_level.fit(new, use, log=quiet, texture=False)
    print(f"\n4. full fit on all {len(use)} M >= 5 strong-motion windows (features {', '.join(hf_level.FEATURES)}), "
          "old | new\n\n| number | old | new |\n|---|---:|---:|")
    rows = [("feature means", "mean"), ("feature scales", "scale"), ("intercept (2–6 / 8–25 Hz)", "intercept"),
            ("training residual sd", "residual_sd")]
    for name, key in rows:
        fmt = sd if key in ("scale", "residual_sd") else cell
        print(f"| {name} | {fmt(m_old[key])} | {fmt(m_new[key])} |")
    for b, band in enumerate(hf_level.BANDS_HZ):
        print(f"| coef {band[0]:g}–{band[1]:g} Hz (per sd of each feature) | {cell(m_old['coef'][b])} | "
              f"{cell(m_new['coef'][b])} |")
    for key, sub in (("distance", "coef"), ("within", "distance_coef"), ("depth", "coef")):
        get = lambda m: cell(m[key][sub]) if m.get(key) else "none"
        print(f"| {key} term: {sub} | {get(m_old)} | {get(m_new)} |")
    if m_old.get("within") and m_new.get("within"):
        for b, band in enumerate(hf_level.BANDS_HZ):
            print(f"| within term {band[0]:g}–{band[1]:g} Hz: peak / level coef | {cell(m_old['within']['coef'][b])} | "
                  f"{cell(m_new['within']['coef'][b])} |")
    r_old, r_new = (held_out_residuals(new, data_new, m, use) for m in (m_old, m_new))
    print(f"| on the new features (in sample): mean ln(real/predicted) | {cell(r_old.mean(0))} | {cell(r_new.mean(0))} |")
    print(f"| on the new features (in sample): sd | {sd(r_old.std(0))} | {sd(r_new.std(0))} |")


def shipped(old, new, data_old, data_new):
    """The shipped default's level model (fitted on final5.zarr's training split, old windows) on these windows."""
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.pretrained import DEFAULT_CHECKPOINT

    model = load_checkpoint(DEFAULT_CHECKPOINT).get("level_model")
    if not model:
        return
    use = np.flatnonzero(m5_rows(old))
    r_old, r_new = (held_out_residuals(s, d, model, use) for s, d in ((old, data_old), (new, data_new)))
    print(f"\n6. the shipped default's level model on all {len(use)} M >= 5 strong-motion windows (mostly its own "
          "training records): ln(real/predicted) mean | sd, 2–6 / 8–25 Hz\n\n| features | mean | sd |\n|---|---:|---:|"
          f"\n| old (as fitted) | {cell(r_old.mean(0))} | {sd(r_old.std(0))} |"
          f"\n| new (a clean conditioning) | {cell(r_new.mean(0))} | {sd(r_new.std(0))} |")


def main(old_path, new_path):
    old, new, data_old, data_new = open_pair(old_path, new_path)
    print(f"{len(old)} records, same ids, bit-identical broadband; lowpass differs in "
          f"{int((data_old['lowpass'] != data_new['lowpass']).any(axis=(1, 2)).sum())}\n")
    feature_moves(old, data_old, data_new)
    level_model_folds(old, new, data_old, data_new)
    ridge_folds(old, new, data_old, data_new)
    full_fit(old, new, data_new)
    shipped(old, new, data_old, data_new)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python docs/analysis/edge_features.py OLD_STORE NEW_STORE")
    main(*sys.argv[1:])
