"""Is the generated motion too peaky for its energy, and is the timing's taper the cause? (issue #20:
Arias and PGA against PSA; `engine.hf_timing` tapers the high band with one-sided exponentials.)
docs/crossval_2026-12.md, "The training band's top, and two levers measured and not kept". Usage:
python docs/analysis/timing_shape.py CROSSVAL_DIR WORK_DIR, CROSSVAL_DIR a `seisdiff crossval` output
(each fold's model/best.pt and test.zarr). For each fold the held-out records are generated once more
with the fold model's timing removed (DDPM-100, the crossval seed; WORK_DIR/FOLD_notiming.zarr, kept
for a rerun), its high band h = x − lowpass(x) then moved onto the same timing targets two ways:

- taper: the shipped `hf_timing.taper_high_band` (exponential decays away from the band's 50 % time);
- compress: the band's own 1 s RMS envelope E mapped affinely onto the targets, h·E(u(t))/E(t), outside
  the trace decaying with 2 s; the map's ends corrected in 4 rounds until the 5 % / 95 % times fall on
  the targets; energy kept;

each then given back its band levels (`set_band_levels`) and its low band merged, as `hf_level.apply`
and `generate` do. Per fold: ln(Arias / PGA²) real − generated (positive: generated peakier for its
energy), PGA and Arias ln(real / gen), D5–95 real − gen (s), medians; and how far each lands from its
targets."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from seisdiff.dsp import lowpass
from seisdiff.dsp.intensity import arias_time
from seisdiff.engine import hf_timing
from seisdiff.engine.hf_level import BANDS_HZ, band_level, set_band_levels
from seisdiff.engine.lfmerge import lf_merge
from seisdiff.io.store import open_store

ENVELOPE_S, OUTSIDE_DECAY_S, ROUNDS, MIN_SPAN_S = 1.0, 2.0, 4, 1.0


def envelope(h, fs):
    n = int(round(ENVELOPE_S * fs)) | 1
    kernel = np.ones(n) / n
    return np.sqrt(np.maximum(np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), -1, h * h), 0.0))


def compress(h0, fs, t5_target, t95_target):
    """h0 (m, L) with its envelope mapped onto [max(own t5, target), min(own t95, target)] (only moving ends
    that lie outside their targets, as the taper), energy kept."""
    energy = (h0 * h0).sum(-1)
    h5, h95 = arias_time(h0, fs, 0.05), arias_time(h0, fs, 0.95)
    lo, hi = np.maximum(h5, t5_target), np.minimum(h95, t95_target)
    act = np.isfinite(lo) & np.isfinite(hi) & ~((lo <= h5 + 0.02) & (hi >= h95 - 0.02))
    mid = 0.5 * (lo + hi)
    short = act & (hi - lo < MIN_SPAN_S)
    lo, hi = np.where(short, mid - MIN_SPAN_S / 2, lo), np.where(short, mid + MIN_SPAN_S / 2, hi)
    want_lo, want_hi, t = lo.copy(), hi.copy(), np.arange(h0.shape[-1]) / fs
    env, h = envelope(h0, fs), h0.copy()
    for r in range(ROUNDS):
        for i in np.flatnonzero(act):
            u = h5[i] + (t - lo[i]) * (h95[i] - h5[i]) / max(hi[i] - lo[i], 0.2)
            new = np.interp(u, t, env[i]) * np.exp(-np.maximum(0.0, np.maximum(-u, u - t[-1])) / OUTSIDE_DECAY_S)
            h[i] = h0[i] * new / np.maximum(env[i], 1e-3 * env[i].max())
        if r < ROUNDS - 1:
            lo = np.where(act, lo + want_lo - arias_time(h, fs, 0.05), lo)
            hi = np.where(act, hi + want_hi - arias_time(h, fs, 0.95), hi)
    now = (h * h).sum(-1)
    return h * np.sqrt(energy / np.where(now > 0, now, 1.0))[:, None]


def notiming_samples(fold_dir: Path, work: Path) -> Path:
    out = work / f"{fold_dir.name}_notiming.zarr"
    if not (out / "zarr.json").is_file():
        ckpt = torch.load(fold_dir / "model" / "best.pt", weights_only=True, map_location="cpu")
        ckpt["level_model"]["timing"] = None
        torch.save(ckpt, work / f"{fold_dir.name}_notiming.pt")
        subprocess.run([sys.executable, "-m", "seisdiff.cli", "sample", "--checkpoint",
                        str(work / f"{fold_dir.name}_notiming.pt"), "--cond", str(fold_dir / "test.zarr"),
                        "--out", str(out), "--sampler", "ddpm", "--steps", "100", "--no-progress"], check=True)
    return out


def main(cv: Path, work: Path):
    work.mkdir(parents=True, exist_ok=True)
    print("| fold | variant | ln(AI/PGA²) real − gen | PGA | Arias | D5–95 (s) | t5 / t95 − target (s) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for fold_dir in sorted(p for p in cv.iterdir() if (p / "model" / "best.pt").is_file()):
        ckpt = torch.load(fold_dir / "model" / "best.pt", weights_only=True, map_location="cpu")
        timing = ckpt["level_model"]["timing"]
        real = open_store(fold_dir / "test.zarr")
        fs, fx = real.sampling_rate_hz, real.lowpass_hz
        blk = real.read(0, len(real), fields=("broadband", "lowpass"))
        rb, cond = blk["broadband"][:, 0].astype(np.float64), blk["lowpass"][:, 0].astype(np.float64)
        gen = open_store(notiming_samples(fold_dir, work))
        row = {str(r)[:-3]: i for i, r in enumerate(gen.record_ids) if str(r).endswith("_r0")}
        x = gen.read(0, len(gen), fields=("broadband",))["broadband"][:, 0].astype(np.float64)
        x = x[[row[str(r)] for r in real.record_ids]]
        low = lowpass(x, fs, fx, 4)
        h = x - low
        levels = np.stack([band_level(h, fs, b) for b in BANDS_HZ], -1)
        t5_target = arias_time(cond, fs, 0.05) + timing["onset_s"]
        t95_target = arias_time(cond, fs, 0.95) + timing["end_s"]
        h5, h95 = arias_time(h, fs, 0.05), arias_time(h, fs, 0.95)

        def stats(y):
            return (y * y).sum(-1), np.abs(y).max(-1), arias_time(y, fs, 0.95) - arias_time(y, fs, 0.05)
        ai_r, pga_r, d_r = stats(rb)
        variants = {"no timing": None,
                    "taper (shipped)": hf_timing.taper_high_band(h, cond, timing, fs),
                    "compress": compress(h, fs, t5_target, t95_target)}
        for name, moved in variants.items():
            y = x if moved is None else lf_merge(low + set_band_levels(moved, levels, BANDS_HZ, fs), cond, fs, fx)
            ai, pga, d = stats(y)
            miss = "" if moved is None else (
                f"{np.median(arias_time(moved, fs, 0.05) - np.maximum(h5, t5_target)):+.2f} / "
                f"{np.median(arias_time(moved, fs, 0.95) - np.minimum(h95, t95_target)):+.2f}")
            print(f"| {fold_dir.name} | {name} | {np.median(np.log(ai_r / pga_r ** 2) - np.log(ai / pga ** 2)):+.2f} | "
                  f"{np.median(np.log(pga_r / pga)):+.2f} | {np.median(np.log(ai_r / ai)):+.2f} | "
                  f"{np.median(d_r - d):+.2f} | {miss} |")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
