"""`seisdiff verify STORE`: is the store at physical scale? The old project's scale check made real.

It failed because records in g were shown as m/s² and "denormalized" twice (PGA 1000× too small).
Strong-motion records have PGA from about 1e-3 g (weak, far) to about 2 g (strong, near), and a
set of them a median PGA between about 0.005 g and 3 g: a store whose median PGA falls outside
0.05–30 m/s² is almost surely mis-scaled (a weak-motion set may widen the range with `pga_range_mps2`).
The stored `lowpass` must be the store's low-pass filter of the stored `broadband` (invariant 4): their
least-squares gain, median over records, within a factor MAX_LOWPASS_GAIN_FACTOR of 1 (a conditioning in g
beside a broadband in m/s² has a gain of 0.102 and a PGA ratio of ~70, which the PGA-ratio check passes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal.windows import tukey

from seisdiff import G_MPS2
from seisdiff.dsp import lowpass
from seisdiff.io.store import open_store

PHYSICAL_MEDIAN_PGA_MPS2 = (0.05, 30.0)   # plausible median PGA of a set of strong-motion records
MAX_LOWPASS_ENERGY_ABOVE_2FC = 1e-3       # share of (tapered) low-pass energy above twice the cutoff
MAX_LOWPASS_GAIN_FACTOR = 2.0   # stored lowpass / filter(broadband): 1 by construction; a unit slip is ×9.81, ×100…
BLOCK_RECORDS = 4096


@dataclass
class Verdict:
    physical: bool
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def verify_store(path, pga_range_mps2=PHYSICAL_MEDIAN_PGA_MPS2) -> Verdict:
    """Read the whole store in blocks and judge its scale. Returns lines to print and the verdict."""
    store = open_store(path)
    n, fs, fc = len(store), store.sampling_rate_hz, store.lowpass_hz
    problems = []
    if store.attrs.get("units") != "m/s^2":
        problems.append(f"units attribute is {store.attrs.get('units')!r}, expected 'm/s^2'")
    if n == 0:
        return Verdict(False, [f"{path}: empty store"], ["no records"])
    acc = {"pga_bb": [], "pga_lp": [], "std_bb": [], "lp_hi": [], "lp_gain": [], "bad": 0, "min": np.inf,
           "max": -np.inf}
    order = int(store.attrs.get("filter", {}).get("order", 4))
    freqs = np.fft.rfftfreq(store.length, 1.0 / fs)
    taper = tukey(store.length, 0.1)  # without it the FFT sees the window's end steps as broadband
    for start in range(0, n, BLOCK_RECORDS):
        blk = store.read(start, start + BLOCK_RECORDS)
        bb, lp = blk["broadband"].astype(np.float64), blk["lowpass"].astype(np.float64)
        finite = np.isfinite(bb) & np.isfinite(lp)
        acc["bad"] += int((~finite).sum())
        bb, lp = np.where(finite, bb, 0.0), np.where(finite, lp, 0.0)
        acc["min"], acc["max"] = min(acc["min"], bb.min()), max(acc["max"], bb.max())
        acc["pga_bb"].append(np.abs(bb).max(axis=(1, 2)))
        acc["pga_lp"].append(np.abs(lp).max(axis=(1, 2)))
        acc["std_bb"].append(bb.std(axis=(1, 2)))
        power = np.abs(np.fft.rfft(lp * taper, axis=-1)) ** 2
        total = power.sum(axis=(1, 2))
        acc["lp_hi"].append(power[..., freqs > 2 * fc].sum(axis=(1, 2)) / np.maximum(total, 1e-300))
        acc["lp_gain"].append(_lowpass_gain(lp, lowpass(bb, fs, fc, order)))
    pga_bb, pga_lp = np.concatenate(acc["pga_bb"]), np.concatenate(acc["pga_lp"])
    std_bb, lp_hi = np.concatenate(acc["std_bb"]), np.concatenate(acc["lp_hi"])
    ratio = pga_bb / np.maximum(pga_lp, 1e-300)
    gains = np.concatenate(acc["lp_gain"])
    gain = float(np.median(gains[np.isfinite(gains)])) if np.isfinite(gains).any() else float("nan")
    med = float(np.median(pga_bb))
    lines = [
        f"store: {path}  records: {n}  channels: {store.n_channels}  length: {store.length} "
        f"samples at {fs:g} Hz  units: {store.attrs.get('units')}",
        f"broadband range: [{acc['min']:.4g}, {acc['max']:.4g}] m/s²   median std: {np.median(std_bb):.4g} m/s²",
        "PGA broadband: min {:.4g} / median {:.4g} / max {:.4g} m/s²  ({:.4g} / {:.4g} / {:.4g} g)".format(
            pga_bb.min(), med, pga_bb.max(), pga_bb.min() / G_MPS2, med / G_MPS2, pga_bb.max() / G_MPS2),
        f"PGA lowpass:   median {np.median(pga_lp):.4g} m/s²   broadband/lowpass PGA ratio: median "
        f"{np.median(ratio):.3g} (min {ratio.min():.3g}, max {ratio.max():.3g})",
        f"lowpass energy above 2×{fc:g} Hz: median {np.median(lp_hi):.2e}, max {lp_hi.max():.2e}",
        f"lowpass / (the store's {fc:g} Hz low-pass of broadband): median gain {gain:.4g}",
        f"NaN/inf samples: {acc['bad']}",
    ]
    lo, hi = pga_range_mps2
    if acc["bad"]:
        problems.append(f"{acc['bad']} NaN/inf samples")
    if med < lo / 100:
        problems.append(f"median PGA {med:.3g} m/s² is ~1000× too small for accelerograms in m/s² "
                        "(normalized or rescaled twice?)")
    elif med < lo:
        problems.append(f"median PGA {med:.3g} m/s² < {lo:g}: looks like values in g stored as m/s² "
                        f"(×{G_MPS2} missing); a genuine weak-motion set: pass --pga-range")
    elif med > 1000 * hi:
        problems.append(f"median PGA {med:.3g} m/s² is far too large: counts or nm/s² stored as m/s²?")
    elif med > hi:
        problems.append(f"median PGA {med:.3g} m/s² > {hi:g}: too large — values in cm/s² (gal) or mm/s² "
                        "stored as m/s²?")
    if np.max(lp_hi) > MAX_LOWPASS_ENERGY_ABOVE_2FC:
        problems.append(f"lowpass is not band-limited: up to {lp_hi.max():.2e} of its energy lies above "
                        f"{2 * fc:g} Hz")
    if np.median(ratio) < 1.0:
        problems.append("lowpass PGA exceeds broadband PGA: lowpass and broadband scales disagree")
    if not 1 / MAX_LOWPASS_GAIN_FACTOR <= gain <= MAX_LOWPASS_GAIN_FACTOR:   # NaN (all zero) passes
        problems.append(f"stored lowpass is {gain:.4g} × the store's low-pass filter of broadband (expected 1): "
                        "lowpass and broadband scales disagree (one of them in g, cm/s² or rescaled?)")
    stats = {"records": n, "pga_median_mps2": med, "pga_min_mps2": float(pga_bb.min()),
             "pga_max_mps2": float(pga_bb.max()), "std_median_mps2": float(np.median(std_bb)),
             "pga_ratio_median": float(np.median(ratio)), "lowpass_gain_median": gain,
             "lowpass_energy_above_2fc_max": float(lp_hi.max()), "nonfinite": acc["bad"]}
    return Verdict(not problems, lines, problems, stats)


def _lowpass_gain(lp, lp_of_bb) -> np.ndarray:
    """Per record (N,): least-squares gain of stored lowpass (N, C, L) on the low-pass of broadband; NaN
    where that is all zero."""
    power = np.sum(lp_of_bb ** 2, axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(power > 0, np.sum(lp * lp_of_bb, axis=(1, 2)) / power, np.nan)
