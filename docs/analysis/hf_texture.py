"""The generated high band's texture and timing against the real records', per crossval fold.

For every held-out record and its first realization, on the > 2 Hz band (x − lowpass(x, 2 Hz)):
- crest factor: peak over the rms between the band's 5 % and 95 % Arias times (real 4.0–4.5 on the
  six folds; a stationary Gaussian band of that length and width gives about 3.5);
- timing: the band's 5 %, 50 % and 95 % Arias times, real − generated (s).
Per fold the medians over records; the last line their mean over the folds.

    python docs/analysis/hf_texture.py CROSSVAL_DIR [CROSSVAL_DIR ...]

(docs/MEASUREMENTS.md, "Simulations with wave trains".)
"""
import sys
from pathlib import Path

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.io.store import open_store

HIGH_HZ = 2.0


def band_stats(x_mps2, rate_hz):
    """(t5, t50, t95 (s), crest factor) of the > HIGH_HZ band of each row of x_mps2 (n, L)."""
    high = x_mps2 - lowpass(x_mps2, rate_hz, HIGH_HZ, 4)
    t5, t50, t95 = (arias_time(high, rate_hz, q) for q in (0.05, 0.5, 0.95))
    rms = np.sqrt((high ** 2).sum(-1) / rate_hz * 0.9 / np.maximum(t95 - t5, 1.0 / rate_hz))
    return t5, t50, t95, np.abs(high).max(-1) / rms


def fold_row(fold_dir: Path) -> list[float]:
    real, gen = open_store(fold_dir / "test.zarr"), open_store(fold_dir / "samples.zarr")
    where = {rid: i for i, rid in enumerate(gen.record_ids)}
    rows = [where[f"{rid}_r0"] for rid in real.record_ids]
    real_mps2 = real.read(0, None, ("broadband",))["broadband"][:, 0].astype(np.float64)
    gen_mps2 = gen.read(0, None, ("broadband",))["broadband"][rows, 0].astype(np.float64)
    r, g = band_stats(real_mps2, real.sampling_rate_hz), band_stats(gen_mps2, real.sampling_rate_hz)
    return [float(np.median(np.log(r[3] / g[3]))), float(np.median(r[3])), float(np.median(g[3])),
            *(float(np.median(np.abs(r[k] - g[k]))) for k in range(3))]


def main(dirs) -> None:
    print("| run | fold | crest ln(real/gen) | crest real / gen | abs(t5 real − gen) s | t50 | t95 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for d in map(Path, dirs):
        folds = sorted(p.parent for p in d.glob("*/samples.zarr"))
        table = [fold_row(f) for f in folds]
        for f, v in zip(folds, table):
            print(f"| {d.name} | {f.name} | {v[0]:+.2f} | {v[1]:.2f} / {v[2]:.2f} | {v[3]:.1f} | {v[4]:.1f} | {v[5]:.1f} |")
        m = np.mean(table, axis=0)
        print(f"| {d.name} | **mean** | {m[0]:+.3f} | {m[1]:.2f} / {m[2]:.2f} | {m[3]:.2f} | {m[4]:.2f} | {m[5]:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or sys.exit(__doc__))
