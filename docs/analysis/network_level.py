"""The shipped default on the shared real records: the network's own high-frequency level against the level
model's, in the regions the network was trained on (docs/MEASUREMENTS.md, "The network's own level where it saw
the region"). Usage:
    seisdiff sample --checkpoint default --cond REAL --out NET --network-level
    seisdiff sample --checkpoint default --cond REAL --out LEVEL
    python docs/analysis/network_level.py REAL NET LEVEL
REAL: a `preprocess` store of /work/shared/data/ngaw2 and strongmotion with the events' metadata (`region`,
`event`, `magnitude`); records of M >= 5, strong-motion windows. ln(real/generated) of PSA (5 %) averaged over
0.05–1 s, of the Fourier level 1–25 Hz (`hf_level.band_level`) and of PGA, one realization per record."""
import sys

import numpy as np

from seisdiff.engine.hf_level import band_level, strong_motion_windows
from seisdiff.evaluate import psa
from seisdiff.io.store import open_store

P = np.geomspace(0.05, 1.0, 12)
VALIDATION = {"19830502_coalinga", "19920628_bigbear", "20120213_nc71734741", "20190704_ridgecrest_m6.4",
              "20200322_zagreb", "20200515_montecristo"}      # the default's validation events (never trained on)
real = open_store(sys.argv[1])
rd = real.read()
rids = [str(i) for i in real.record_ids]
ok = strong_motion_windows(np.array(rids)) & (real.column("magnitude") >= 5)
fs = real.sampling_rate_hz


def measures(x):
    x = x.astype(np.float64)
    return np.log(psa(x, fs, P)).mean(1), band_level(x, fs, (1.0, 25.0)), np.log(np.abs(x).max(-1))


R = measures(rd["broadband"][:, 0])
res = {}
for name, path in (("net", sys.argv[2]), ("scen", sys.argv[3])):
    s = open_store(path)
    idx = {str(r): i for i, r in enumerate(s.column("source_record_id"))}
    G = measures(s.read()["broadband"][np.array([idx[r] for r in rids]), 0])
    res[name] = [np.where(ok, a - b, np.nan) for a, b in zip(R, G)]
reg, ev = real.column("region"), real.column("event")


def row(label, m):
    cells = " | ".join(f"{np.nanmean(res['net'][k][m]):+.2f} / {np.nanmean(res['scen'][k][m]):+.2f}" for k in range(3))
    print(f"| {label} ({m.sum()}) | {cells} |")


print("| records | PSA 0.05–1 s network / level model | FAS 1–25 Hz | PGA |")
print("|---|---:|---:|---:|")
for r in sorted(set(reg[ok])):
    row(r, ok & (reg == r))
row("all", ok)
val = np.isin(ev, list(VALIDATION))
row("validation events", ok & val)
row("training events", ok & ~val)
evs = sorted(set(ev[ok]))
for tag, sel in (("all events", evs), ("validation events", [e for e in evs if e in VALIDATION])):
    for k, kname in enumerate(("PSA", "FAS", "PGA")):
        n = np.array([np.nanmean(res["net"][k][ok & (ev == e)]) for e in sel])
        lm = np.array([np.nanmean(res["scen"][k][ok & (ev == e)]) for e in sel])
        print(f"{tag} ({len(sel)}), {kname}, event means: network mean {n.mean():+.2f} |.| {np.abs(n).mean():.2f}; "
              f"level model mean {lm.mean():+.2f} |.| {np.abs(lm).mean():.2f}; "
              f"level model nearer on {int((np.abs(lm) < np.abs(n)).sum())} of {len(sel)}")
