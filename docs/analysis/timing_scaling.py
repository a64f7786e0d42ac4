"""Does the high band's duration follow the conditioning's duration, or a constant offset from it?
(issue #20: D5–95 per fold; `engine.hf_timing` ships constant offsets, the medians of the real training
records'.) docs/crossval_2026-12.md, "Levers measured and not kept (2026-12-03)". Usage:
python docs/analysis/timing_scaling.py STORE, a `seisdiff preprocess` store with a `region` column
(records without one, e.g. simulations, are left out).

Per region: the conditioning's D5–95, the real high band's (> crossover) and the broadband's, the high
band's 5 % / 95 % Arias-time offsets from the conditioning's (medians, s). Then three rules for the high
band's D5–95 from the conditioning's, fitted on all regions but one and scored on it (median of
real − predicted, s): constant offsets (shipped), a ratio, a straight line."""
import sys

import numpy as np

from _real_levels import load

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time

real = load(sys.argv[1])
fs, fx, bb, lp, region = real.fs, real.fx, real.bb[:, 0], real.lp[:, 0], real.region
hf = bb - lowpass(bb, fs, fx, 4)
(h5, h95), (c5, c95), (b5, b95) = [(arias_time(x, fs, 0.05), arias_time(x, fs, 0.95)) for x in (hf, lp, bb)]
cond_d_s, hf_d_s, onset_s, end_s = c95 - c5, h95 - h5, h5 - c5, h95 - c95
ok = np.isfinite(onset_s) & np.isfinite(end_s) & (cond_d_s > 0)
print(f"{ok.sum()} traces, windows of {bb.shape[-1] / fs:g} s\n")
print("| region | traces | D5–95 conditioning (s) | high band | broadband | high band's onset / end offset (s) |")
print("|---|---:|---:|---:|---:|---:|")
for g in sorted(set(region.tolist())):
    m = (region == g) & ok
    print(f"| {g} | {m.sum()} | {np.median(cond_d_s[m]):.1f} | {np.median(hf_d_s[m]):.1f} | "
          f"{np.median((b95 - b5)[m]):.1f} | {np.median(onset_s[m]):+.1f} / {np.median(end_s[m]):+.1f} |")


def rules(rows):
    offset = np.median(end_s[rows] - onset_s[rows])
    ratio = np.median(hf_d_s[rows] / cond_d_s[rows])
    line = np.polyfit(cond_d_s[rows], hf_d_s[rows], 1)
    return {"constant offsets (shipped)": lambda j: cond_d_s[j] + offset,
            "ratio": lambda j: cond_d_s[j] * ratio,
            "straight line": lambda j: np.polyval(line, cond_d_s[j])}


regions = sorted(set(region.tolist()))
scores = {name: [] for name in rules(np.flatnonzero(ok))}
for g in regions:
    train, test = np.flatnonzero(ok & (region != g)), np.flatnonzero(ok & (region == g))
    for name, rule in rules(train).items():
        scores[name].append(np.median(hf_d_s[test] - rule(test)))
print("\n| rule | " + " | ".join(regions) + " | mean | mean abs. |\n|---|" + "---:|" * (len(regions) + 2))
for name, v in scores.items():
    print(f"| {name} | " + " | ".join(f"{x:+.1f}" for x in v) + f" | {np.mean(v):+.2f} | {np.mean(np.abs(v)):.2f} |")
