"""The network's high band along its window: a positional prior, independent of the content?

One long real record (default: Chuetsu 2007, FKSH02 NS, 300 s) is cut into 2048-sample windows every
`--hop` samples, so its content passes through every window position; each window's 1 Hz conditioning
is generated alone (no cross-fade, no level model, no merge). At positions along the window: ln of the
> 2 Hz power (1 s running mean) less the window's own ln mean power, averaged over windows (a geometric
mean of the power ratio). The real record's own high band over the same segments is the reference: a
network without a positional prior follows it.

    python docs/analysis/window_position.py CHECKPOINT [CHECKPOINT ...] [--record AT2] [--hop 512]

(docs/MEASUREMENTS.md, "The network's high band along its window", "Training crops that reach past the
record").
"""
import argparse

import numpy as np

from seisdiff.dsp import bandpass, lowpass
from seisdiff.dsp.resample import resample
from seisdiff.engine.denoiser import load_denoiser
from seisdiff.engine.generate import generate
from seisdiff.io.at2 import read_at2

RATE_HZ, WINDOW = 100.0, 2048
POSITIONS = (150, 256, 512, 768, 1024, 1280, 1536, 1792, 1898)
HIGH_HZ, AVERAGE_S = 2.0, 1.0


def profile(windows_mps2):
    """(n, L) windows → (positions,) mean over windows of ln(> 2 Hz power there / the window's mean)."""
    high = bandpass(np.asarray(windows_mps2, np.float64), RATE_HZ, HIGH_HZ, 30.0)
    k = int(AVERAGE_S * RATE_HZ)
    power = np.apply_along_axis(lambda r: np.convolve(r, np.ones(k) / k, mode="same"), -1, high ** 2)
    rel = np.log(power[:, list(POSITIONS)]) - np.log(power.mean(-1, keepdims=True))
    return rel.mean(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--record", default="../shared/data/ngaw2/RSN5002_CHUETSU_FKSH02NS.AT2")
    ap.add_argument("--hop", type=int, default=512)
    ap.add_argument("--sampler", default="ddpm")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rec = read_at2(args.record)[0]
    broadband = bandpass(resample(rec.acc_mps2, rec.sampling_rate_hz, RATE_HZ), RATE_HZ, 0.1, 30.0)
    starts = range(0, len(broadband) - WINDOW + 1, args.hop)
    real = np.stack([broadband[s:s + WINDOW] for s in starts])
    rows = [("real", profile(real))]
    for path in args.checkpoints:
        m = load_denoiser(path)
        cond = lowpass(real, RATE_HZ, m.scaler.lowpass_hz, m.scaler.filter_order)[:, None, :]
        ids = [f"w{s}" for s in starts]
        gen = {rid: x[0] for rid, _, x in generate(m.denoiser, m.scaler, m.config, cond, ids, sampler=args.sampler,
                                                    steps=args.steps, seed=args.seed, lf_merge=False,
                                                    window=WINDOW, metadata={"vertical": np.zeros(len(ids))})}
        rows.append((path, profile(np.stack([gen[r] for r in ids]))))
    print(f"{len(real)} windows of {WINDOW} samples every {args.hop} from {rec.record_id}; "
          f"ln(> {HIGH_HZ:g} Hz power / window mean) by position, mean over windows; drop = first − next-to-last")
    print("| window position (samples) | " + " | ".join(str(p) for p in POSITIONS) + " | drop |")
    print("|---|" + "---:|" * (len(POSITIONS) + 1))
    for name, prof in rows:
        print(f"| {name} | " + " | ".join(f"{v:+.2f}" for v in prof) + f" | {prof[0] - prof[-2]:+.2f} |")


if __name__ == "__main__":
    main()
