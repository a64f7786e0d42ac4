"""Does the earthquake's magnitude tell when the real high band ends? (`hf_timing`'s "end_source")

On the store's real strong-motion windows (`_real_levels.load`), the > crossover band's 95 % Arias time is predicted as the
conditioning's 95 % time plus an offset fitted on the other regions' records (leave one region out): a
median (the timing model without magnitudes), or a least-absolute-deviation line in a feature of the
magnitude (M itself, the source's duration relative to an M6's, 10^(0.5 (M − 6)), that ratio capped at
10) or of the distance (records with one). Per held-out region the median |error| (s), and their mean;
the last column the line fitted on every region (intercept, slopes). The offsets are the timing model's
own (`hf_timing.offsets_s`).

    python docs/analysis/timing_end.py STORE

(docs/MEASUREMENTS.md, "The high band's end and the magnitude"; `engine/hf_timing.py`.)
"""
import sys

import numpy as np

from _real_levels import load

from seisdiff.engine.hf_timing import lad_fit, offsets_s, source_duration_ratio


def row(name, offset, feats, region, use):
    errors = []
    for r in sorted(set(region)):
        train, test = use & (region != r), use & (region == r)
        if feats is None:
            errors.append(np.median(np.abs(offset[test] - np.median(offset[train]))))
            continue
        beta = lad_fit(feats[train], offset[train])
        errors.append(np.median(np.abs(offset[test] - beta[0] - feats[test] @ beta[1:])))
    whole = "" if feats is None else ", ".join(f"{b:+.3g}" for b in lad_fit(feats[use], offset[use]))
    print(f"| {name} | " + " | ".join(f"{e:.2f}" for e in errors) + f" | **{np.mean(errors):.2f}** | {whole} |")


def main(path) -> None:
    real = load(path)
    offset = offsets_s(real.bb[:, 0], real.lp[:, 0], real.fs, real.fx)[1]
    region = real.region
    magnitude = real.store.column("magnitude")[real.keep].astype(np.float64)
    distance_km = real.store.column("distance_km")[real.keep].astype(np.float64)
    ratio = source_duration_ratio(magnitude)
    known_m, known_r = np.isfinite(magnitude), np.isfinite(distance_km) & (distance_km > 0)
    regions = sorted(set(region))
    for title, use in (("every record with a magnitude", known_m), ("the records with a distance", known_m & known_r)):
        print(f"\n{title} ({int(use.sum())}; median |error| of the high band's 95 % time, s, leave one region out)")
        print("| offset | " + " | ".join(f"{r} ({int((use & (region == r)).sum())})" for r in regions)
              + " | mean | fit on all |\n|---|" + "---:|" * (len(regions) + 1) + "---|")
        row("median (no magnitude)", offset, None, region, use)
        row("line in M", offset, magnitude[:, None], region, use)
        row("line in 10^(0.5 (M − 6)) (`hf_timing`)", offset, ratio[:, None], region, use)
        row("line in min(10^(0.5 (M − 6)), 10)", offset, np.minimum(ratio, 10.0)[:, None], region, use)
        if use is not known_m:
            row("line in ln distance", offset, np.log(distance_km)[:, None], region, use)
            row("line in 10^(0.5 (M − 6)) and distance", offset, np.column_stack([ratio, distance_km]), region, use)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__))
