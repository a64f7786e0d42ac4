"""Which level anchor, from the < 1 Hz conditioning alone, predicts the 1–25 Hz Fourier level of a region
never seen? (docs/MEASUREMENTS.md, "Level anchor"). Usage: python docs/analysis/level_anchors.py STORE
with STORE a `seisdiff preprocess` store of real records with a `region` column (one window each)."""
import sys

import numpy as np

from seisdiff.dsp.level import record_level
from seisdiff.io.store import open_store


def brune(f_hz, corner_hz):
    r2 = (f_hz / corner_hz) ** 2
    return r2 / (1 + r2)


def corner_hz(magnitude, stress_bar=50.0, beta_kmps=3.5):
    """Brune (1970) corner from the moment magnitude (Boore 2003, eq. 4)."""
    return 4.9e6 * beta_kmps * (stress_bar / 10 ** (1.5 * magnitude + 16.05)) ** (1 / 3)


store = open_store(sys.argv[1])
data = store.read()
bb, lp = data["broadband"][:, 0].astype(np.float64), data["lowpass"][:, 0].astype(np.float64)
fs = store.sampling_rate_hz
f = np.fft.rfftfreq(bb.shape[-1], 1 / fs)
band = (f >= 1) & (f <= 25)
fas = np.log(np.abs(np.fft.rfft(bb))[:, band] / fs).mean(1)      # ln geometric-mean FAS 1–25 Hz, m/s
spec = np.log(record_level(lp, fs, store.lowpass_hz, 4))
region, magnitude, fb = store.column("region"), store.column("magnitude"), f[band]
f_ref, kappa_s = 0.6, 0.04
decay = -np.pi * kappa_s * (fb.mean() - f_ref)
fc = corner_hz(magnitude)[:, None]
anchors = {
    "peak": np.log(np.abs(lp).max(1)),
    "spectral": spec,
    "stochastic rule": spec + np.log(brune(fb, 0.5)).mean() - np.log(brune(f_ref, 0.5)) + decay,
    "Brune(M)": spec + np.log(brune(fb[None], fc)).mean(1) - np.log(brune(f_ref, fc[:, 0])) + decay,
}
regions = sorted(set(region) - {""})
print("| anchor | " + " | ".join(regions) + " | mean abs. | sd within |")
for name, a in anchors.items():
    r = fas - a
    held_out = [r[region == g].mean() - r[(region != g) & (region != "")].mean() for g in regions]
    within = np.sqrt(np.mean([r[region == g].var() for g in regions]))
    print(f"| {name} | " + " | ".join(f"{b:+.2f}" for b in held_out) + f" | {np.mean(np.abs(held_out)):.2f} | {within:.2f} |")
