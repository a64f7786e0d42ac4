"""Does the shape of the conditioning's own spectrum below the crossover, or how fast an event's low band decays
with distance, tell a region never seen how strong its high frequencies are, beside the level model's features?
(issue #20; a source's corner sits in 0.1–1 Hz for M 5–6.5: below it the acceleration spectrum rises as f², above
it it is flat; a region's attenuation (Q) steepens the decay.) Usage: python docs/analysis/lf_shape.py STORE, a
`seisdiff preprocess` store with `region`, `event` and `distance_km` columns (records without a region, e.g.
simulations, are left out).

shape = ln level(0.12–0.30 Hz) − ln level(0.35–0.9 Hz) of the conditioning (acceleration, log-binned as
`dsp.level` bins, the gain of the crossover's filter divided out), per trace, and its mean over an event's traces;
decay = the slope of an event's records' ln low-band level (the level model's second feature) on ln distance_km,
for events with ≥ 3 records of known distance spanning ≥ 0.5 ln units (the others: the training regions' mean).
Leave one region out, on the real records' 2–6 / 8–25 Hz levels of their > crossover band: the held-out region's
mean ln(real/predicted) for the level model's features alone (`hf_level`'s ridge) and with the shape as a
fourth feature; the mean over regions of its absolute value, and the held-out residuals' sd about their region's
mean, pooled over regions."""
import sys

import numpy as np

from _real_levels import load, ridge
from seisdiff.dsp.level import log_binned_power

LOW_HZ, REFERENCE_HZ = (0.12, 0.30), (0.35, 0.9)


def band_ln_level(x, fs, fx, band_hz, n_bins):
    n_fft = max(x.shape[-1], 4096)
    f = np.fft.rfftfreq(n_fft, 1.0 / fs)
    power = (np.abs(np.fft.rfft(x, n=n_fft, axis=-1)) * (1.0 + (f / fx) ** 8)) ** 2
    return 0.5 * log_binned_power(power, f, np.geomspace(band_hz[0], band_hz[1], n_bins + 1))


real = load(sys.argv[1])
X, Y, region, event = real.X, real.Y, real.region, real.event
lp = real.lp[:, 0]
shape = band_ln_level(lp, real.fs, real.fx, LOW_HZ, 3) - band_ln_level(lp, real.fs, real.fx, REFERENCE_HZ, 5)
_, which = np.unique(event, return_inverse=True)
event_shape = (np.bincount(which, weights=shape) / np.bincount(which))[which]
distance_km = real.store.column("distance_km")[real.keep].astype(np.float64)
decay = np.full(len(Y), np.nan)
for name in set(event.tolist()):
    k = (event == name) & np.isfinite(np.log(distance_km))
    if k.sum() >= 3 and np.ptp(np.log(distance_km[k])) >= 0.5:
        decay[event == name] = np.polyfit(np.log(distance_km[k]), X[k, 1], 1)[0]
variants = {"features": lambda train: X, "+ shape": lambda train: np.column_stack([X, shape]),
            "+ event's mean shape": lambda train: np.column_stack([X, event_shape]),
            "+ event's low-band decay": lambda train: np.column_stack([X, np.where(np.isfinite(decay), decay,
                                                                                    np.nanmean(decay[train]))])}

print(f"{len(Y)} traces of {len(set(event.tolist()))} events; shape median {np.median(shape):+.2f}, "
      f"5–95 % {np.percentile(shape, 5):+.2f} … {np.percentile(shape, 95):+.2f}; {len(set(event[np.isfinite(decay)].tolist()))} "
      f"events with a decay ({np.nanmin(decay):+.2f} … {np.nanmax(decay):+.2f}); 2–6 / 8–25 Hz\n")
names = sorted(set(region.tolist()))
print("| predictor | " + " | ".join(names) + " | mean abs. | sd about region means |")
print("|---|" + "---:|" * (len(names) + 2))
for name, design in variants.items():
    biases, about = [], []
    for g in names:
        train, test = np.flatnonzero(region != g), np.flatnonzero(region == g)
        res_test = Y[test] - ridge(design(train), Y, train)(test)
        biases.append(res_test.mean(0))
        about.append(res_test - res_test.mean(0))
    biases, about = np.array(biases), np.concatenate(about)
    cells = [" / ".join(f"{v:+.2f}" for v in b) for b in biases]
    print(f"| {name} | " + " | ".join(cells) + f" | {np.abs(biases).mean(0)[0]:.3f} / {np.abs(biases).mean(0)[1]:.3f} "
          f"| {about.std(0)[0]:.3f} / {about.std(0)[1]:.3f} |")
