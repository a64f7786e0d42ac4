"""Does an empirical ground-motion model predict the high-frequency level of a region never seen
better than the conditioning's own amplitude? (docs/MEASUREMENTS.md, "Level anchor"; issue #20 item 3.)
Usage: python docs/analysis/gmm_level.py STORE, a `seisdiff preprocess` store of real records with
`region`, `magnitude` and `distance_km` (one window each); needs pygmm (the test extra).

Target: ln PSA (5 %, g) averaged over 12 periods 0.05–1 s. Predictors: the peak of the conditioning
(the default's anchor) and BSSA14 (Boore et al. 2014, pygmm; global, unspecified mechanism, Vs30 400
m/s where unknown, Rjb ≈ √(R² − 10²) from the header's distance), alone and plus w × the record's own
long-period residual (conditioning PSA 2–5 s against BSSA14's). Each region's bias: its mean residual
minus the other regions' (the offset a model would learn), as in level_anchors.py."""
import sys
import warnings

import numpy as np
import pygmm

from seisdiff.dsp.response import psa
from seisdiff.io.store import open_store

G_MPS2 = 9.80665
HF_PERIODS_S, LF_PERIODS_S = np.geomspace(0.05, 1.0, 12), np.array([2.0, 3.0, 4.0, 5.0])
warnings.filterwarnings("ignore", category=UserWarning)          # pygmm: distances beyond its range

store = open_store(sys.argv[1])
data = store.read()
known = np.isfinite(store.column("distance_km")) & np.isfinite(store.column("magnitude"))
bb = data["broadband"][known, 0].astype(np.float64)
lp = data["lowpass"][known, 0].astype(np.float64)
fs = store.sampling_rate_hz
region = store.column("region")[known]
vs30 = np.where(np.isfinite(store.column("vs30_mps")), store.column("vs30_mps"), 400.0)[known]
ln_hf = np.log(psa(bb, fs, HF_PERIODS_S) / G_MPS2).mean(1)
ln_lf = np.log(psa(lp, fs, LF_PERIODS_S) / G_MPS2).mean(1)


def bssa14(magnitude, distance_km, vs30_mps):
    rjb = np.sqrt(max(distance_km ** 2 - 10.0 ** 2, 1.0))
    m = pygmm.BooreStewartSeyhanAtkinson2014(pygmm.Scenario(mag=magnitude, dist_jb=rjb, v_s30=vs30_mps, mechanism="U"))
    at = lambda periods: np.log(np.interp(np.log(periods), np.log(m.periods), m.spec_accels)).mean()
    return at(HF_PERIODS_S), at(LF_PERIODS_S)


gmm = np.array([bssa14(m, r, v) for m, r, v in zip(store.column("magnitude")[known], store.column("distance_km")[known], vs30)])
regions = sorted(set(region) - {""})
print(f"{known.sum()} records with a distance: " + ", ".join(f"{g} {(region == g).sum()}" for g in regions))
print("| predictor | " + " | ".join(regions) + " | mean abs. | sd within |")
rows = {"peak of the conditioning": ln_hf - np.log(np.abs(lp).max(1) / G_MPS2),
        "BSSA14": ln_hf - gmm[:, 0]}
for w in (0.5, 1.0):
    rows[f"BSSA14 + {w:g} × own long-period residual"] = ln_hf - gmm[:, 0] - w * (ln_lf - gmm[:, 1])
for name, r in rows.items():
    held_out = [r[region == g].mean() - r[(region != g) & (region != "")].mean() for g in regions]
    within = np.sqrt(np.mean([r[region == g].var() for g in regions]))
    print(f"| {name} | " + " | ".join(f"{b:+.2f}" for b in held_out) + f" | {np.mean(np.abs(held_out)):.2f} | {within:.2f} |")
