"""Which time of the < 1 Hz conditioning best anchors the real high band's start (its 5 % Arias time)?

On the store's real records (`region` set), the > 2 Hz band's 5 % Arias time is predicted as the
conditioning's time of Husid fraction q plus the median offset of the other regions' records (leave one
region out); per held-out region the median |error| (s), and their mean. The store's windows begin 3 s
before each record's onset, found on the broadband record itself: their start tells the onset, which
a scenario's conditioning does not. So the table is repeated with each window's pre-event lengthened by
0–10 s (uniform, seed 0) of its own first 2.5 s, mirrored and repeated, the conditioning recomputed
(zero-phase Butterworth order 4 at the store's crossover). The window's start as the anchor shows what
that removes. The end (95 % time) is given for fractions 0.7–0.95 the same way.

    python docs/analysis/timing_anchor.py STORE

(docs/MEASUREMENTS.md, "The high band's start"; `engine/hf_timing.py` ONSET_FRACTION.)
"""
import sys

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.io.store import open_store

HIGH_HZ, PAD_S, NOISE_S = 2.0, (0.0, 10.0), 2.5
START_FRACTIONS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
END_FRACTIONS = (0.7, 0.8, 0.9, 0.95)


def lengthen_pre_event(broadband, rate_hz, rng):
    out = np.empty_like(broadband)
    noise = int(NOISE_S * rate_hz)
    for i, x in enumerate(broadband):
        n = int(rng.uniform(*PAD_S) * rate_hz)
        seg = x[:noise]
        tiled = np.concatenate([seg[::-1] if k % 2 == 0 else seg for k in range(n // noise + 1)])
        pre = tiled[tiled.size - n:]                     # its last n samples (none for n = 0)
        out[i] = np.concatenate([pre, x])[:x.size]
    return out


def leave_one_region_out(target, anchor, region):
    offset = target - anchor
    return [float(np.median(np.abs(offset[region == r] - np.median(offset[region != r])))) for r in sorted(set(region))]


def table(broadband, conditioning, region, rate_hz, title):
    high = broadband - lowpass(broadband, rate_hz, HIGH_HZ, 4)
    h5, h95 = arias_time(high, rate_hz, 0.05), arias_time(high, rate_hz, 0.95)
    regions = sorted(set(region))
    print(f"\n{title}\n| anchor | " + " | ".join(regions) + " | mean |\n|---|" + "---:|" * (len(regions) + 1))
    rows = [(f"start: conditioning {100 * q:g} %", h5, arias_time(conditioning, rate_hz, q)) for q in START_FRACTIONS]
    rows.append(("start: the window's first sample", h5, np.zeros_like(h5)))
    rows += [(f"end: conditioning {100 * q:g} %", h95, arias_time(conditioning, rate_hz, q)) for q in END_FRACTIONS]
    for name, target, anchor in rows:
        errs = leave_one_region_out(target, anchor, region)
        print(f"| {name} | " + " | ".join(f"{e:.2f}" for e in errs) + f" | **{np.mean(errs):.2f}** |")


def main(path) -> None:
    store = open_store(path)
    region = store.column("region")
    real = region != ""
    block = store.read(0, None)
    broadband = block["broadband"][real, 0].astype(np.float64)
    conditioning = block["lowpass"][real, 0].astype(np.float64)
    rate_hz, cross_hz = store.sampling_rate_hz, store.lowpass_hz
    table(broadband, conditioning, region[real], rate_hz, "as stored (median |error| s, leave one region out)")
    padded = lengthen_pre_event(broadband, rate_hz, np.random.default_rng(0))
    table(padded, lowpass(padded, rate_hz, cross_hz, 4), region[real], rate_hz,
          "pre-event lengthened by 0–10 s of the record's own noise")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__))
