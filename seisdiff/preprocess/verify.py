"""`seisdiff verify STORE`: is the store at physical scale? The old project's scale check made real.

It failed because records in g were shown as m/s² and "denormalized" twice (PGA 1000× too small).
Strong-motion records have PGA from about 1e-3 g (weak, far) to about 2 g (strong, near), and a
set of them a median PGA between about 0.005 g and 3 g: a store whose median PGA falls outside
0.05–30 m/s² is likely mis-scaled (a weak-motion set may widen the range with `pga_range_mps2`); that window
judges only stores that lack magnitudes and distances for BSSA14 (below), else it is advisory.
The stored `lowpass` must be the store's low-pass filter of the stored `broadband` (invariant 4; beyond
`condition.EDGE_CYCLES` periods of the crossover from a window's ends, the middle half of a short window:
`condition.edge_samples`; a window cut from inside a record has the record's low band there): their
least-squares gain there, median over records, within a factor MAX_LOWPASS_GAIN_FACTOR of 1 (a conditioning
in g beside a broadband in m/s² has a gain of 0.102 and a PGA ratio of ~70, which the PGA-ratio check passes).
A window of fewer than MIN_GAIN_CHECK_PERIODS crossover periods has no such middle: its middle half lies within a few
periods of its ends, where the window's own low-pass is pinned to its end values, so genuine stores differ from 1 by
construction (the 393 traces of NGA-West2 and the 15-format set in their strongest windows: store medians per folder
0.99–1.00 at 5.12 periods, 0.69–1.00 at 2.56, 0.12–1.05 at 1.28, 0.00–0.68 at 0.64; stores of 3 of them below 0.5:
1e-4 at 5.12 periods, 0.6 % at 3.84, 4.7 % at 2.56; NGA-West2 at `--length 64`: 0.306 in windows from the onset, K-NET
+ CWB at 128: 0.319 in the strongest, both failed as mis-scaled). Their gain is not judged, a line says so: nothing in such a window tells a lowpass in g from a
genuine one (the rms ratio of lowpass to the window's own low-pass spans 0.02–0.86 there, g is 0.102); preprocess
still stores their conditioning right (the record's low band, filtered with its margins), so it does not refuse them.
Band limit: the share of the stored lowpass's energy above twice the crossover, its FFT taken under cosine ramps
that span the same edge zone (`condition.edge_samples`; a fixed 10 % taper had 0.5 s ramps on a 1024-sample
window, half a crossover period, and spread a genuine 1 Hz band above 2 Hz: up to 2.7e-3 on NGA-West2). A window
of fewer than MIN_BAND_CHECK_PERIODS crossover periods cannot separate the crossover from twice it under any
taper (1 Hz-band noise: at most 1.2e-4 at 5.1 periods, 4.4e-3 at 2.6): there only a lowpass plainly not low-passed
fails, one with more than SHORT_WINDOW_MAX_SHARE of its energy above twice the crossover (and MAX_BAND_EXCESS_RATIO ×
the filter's own share, as below). Measured on NGA-West2 (60 records) and the 15-format set (327), genuine windows
hold at most 0.0082 / 0.015 (2.56 periods), 0.049 / 0.145 (1.28), 0.30 / 0.11 (0.64), 0.17 (0.56, NGA-West2); their
unfiltered broadband as lowpass: median 0.87–0.96, 68–100 % of records flagged (windows from the onset; in the
strongest window, where windows under `condition.ONSET_WINDOW_MIN_S` now lie, over the 393 traces of both sets: genuine
at most 0.37 (0.55–0.64 periods), 0.12 (1.28), 0.014 (2.56); unfiltered median 0.72–0.90, 57–79 % flagged; no genuine
record flagged). Below MIN_SHORT_BAND_PERIODS the
FFT's first bin lies above 2 fc, the low band itself counts as above (genuine windows up to 1.0 at 0.48 periods): not
judged, a line says so.
A record fails it where that share exceeds MAX_LOWPASS_ENERGY_ABOVE_2FC and MAX_BAND_EXCESS_RATIO × the share the
store's own filter leaves above 2 fc of its broadband (same taper): a record whose broadband lies mostly just above
the crossover keeps some of it through the order-4 filter's transition band (UNAM ACAC, Puebla 2017, at 1024 samples:
1.5e-2, ratio 1.0). Measured on NGA-West2 and the 15-format set at 512–4096 samples, records above 1e-3: ratio at
most 5.7 (512), 1.6 (1024); an unfiltered lowpass at least 48, a low-pass at twice the crossover 16.

A fixed window cannot judge scale alone: a near-field set in g passes it, a far-field set in cm/s² too, and a
genuine far-field set may fall below it. So where the store knows `magnitude` and `distance_km` (and
`vs30_mps`, else 760 m/s), each record's horizontal PGA is compared with the median of Boore, Stewart, Seyhan &
Atkinson (2014) (`dsp.bssa14`, mechanism unspecified, linear and nonlinear site terms, global attenuation):
the verdict is the median over records of ln(PGA_obs / PGA_BSSA14), which a unit slip moves by ln 9.81 = 2.28
(g) or ln 100 = 4.6 (cm/s²), against BSSA14's ~0.6–0.7 per record.
Distance: BSSA14 takes R_JB; a store's `distance_km` becomes it by its `distance_kind`, as `evaluate --gmm` does
(`bssa14.rjb_estimate_km`): an R_JB or epicentral distance as given, a hypocentral one (headers, places) as the
epicentral √(R² − depth²) where `hypo_depth_km` is known, an R_rup as given; one of unknown kind (a store from
before the column, a CSV's plain distance column) as hypocentral, with a warning line counting them. A point
source: ≥ the true R_JB near a large rupture (ratios high).
Records used: horizontal PGA — the geometric mean of the horizontal channels of a 2–3 channel store (H1,
H2 of H1,H2,Z), the one channel of a one-channel store, whose vertical records (`component`/`channel` Z, UD,
HNZ…) are left out (V/H of PGA varies, ~0.5–1; unknown codes count as horizontal); within BSSA14's ranges
(M 3–8.5, R_JB ≤ 400 km, Vs30 150–1500 m/s: `bssa14.out_of_range`); one value per recording, the strongest
of its windows `_w0`, `_w1`… (later windows of `--windows N` hold coda: compared one by one they took
K-NET+DMG+BHRC from +0.59 to +0.35 at --windows 4); hypocentres not deeper than
MAX_HYPO_DEPTH_KM where known (BSSA14 is for shallow crustal events: an intraslab M4 192 km deep lies +1.8
above it). With ≥ GMM_MIN_RECORDS such records a median outside ±MAX_MEDIAN_LN_RATIO is a scale problem and
the median-PGA window only an advisory line; with fewer the window judges as before. Regional attenuation
is not used: Japan's Δc3 moved the Japanese NGA-West2 sample below from +0.13 to +0.49.

Threshold, from the bias of genuine sets: the median of n ≥ 10 records from one or a few events is
dominated by their event terms (BSSA14's τ ≈ 0.35–0.4) and by the distance (epicentral ≥ R_JB).
Measured (2026-12-04, --windows 1, horizontal records that qualify): strong-motion set (15 formats, metadata
from events/stations CSVs) n = 196, median +0.30, sd 0.87; its folders with ≥ 10 such records +0.55 (bhrc),
−0.33 (cwb), +0.46 (dmg), +0.26 (fdsn mseed), +0.36 (geonet), +0.56 (knet); its single events with ≥ 10:
−0.66 (Hualien 2018) … +0.56 (Aomori); its records beyond 100 km +0.48 (n = 84), beyond 150 km +0.34
(n = 34: median PGA 0.032 m/s², which the window alone failed); NGA-West2 sample (Chuetsu-oki, Iwate; HypD
as R_JB) n = 20, median +0.13, sd 0.39. The same in g: −1.99, −2.15; in cm/s²: +4.90, +4.73.
Half a g slip, 1.15 ≈ ln(9.81)/2, judges a set right both ways (×9.81 and ×1/9.81) while its own bias
stays below 1.15 (≈ 3τ): every genuine set above lies within −0.66 … +0.56, ~0.5 from the threshold, and
the same sets in g or ×9.81 lie ≥ 0.57 beyond it; at 1.5, Aomori or knet in g (+0.56 − 2.28 = −1.72)
would fail by only 0.22.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal.windows import tukey

from seisdiff import G_MPS2
from seisdiff.dsp import bssa14, lowpass
from seisdiff.io.components import vertical_flag
from seisdiff.io.readings import other_component_reading
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import edge_samples, split_window_id

PHYSICAL_MEDIAN_PGA_MPS2 = (0.05, 30.0)   # plausible median PGA of a set of strong-motion records
MAX_LOWPASS_ENERGY_ABOVE_2FC = 1e-3       # share of (tapered) low-pass energy above twice the cutoff
MIN_BAND_CHECK_PERIODS = 5.0   # shorter windows (in crossover periods): only a lowpass plainly not low-passed fails
SHORT_WINDOW_MAX_SHARE = 0.5   # … one with more than this share of its energy above 2 fc (genuine: ≤ 0.30; docstring)
MIN_SHORT_BAND_PERIODS = 0.55  # shorter windows: the FFT's first bin lies above 2 fc; the band limit is not judged
MAX_BAND_EXCESS_RATIO = 10.0   # lowpass share above 2 fc / the store's filter of broadband's share (docstring)
MAX_LOWPASS_GAIN_FACTOR = 2.0   # stored lowpass / filter(broadband): 1 by construction; a unit slip is ×9.81, ×100…
MIN_GAIN_CHECK_PERIODS = 5.0    # shorter windows (in crossover periods): that gain is not judged (docstring)
BLOCK_RECORDS = 4096
GMM_MIN_RECORDS = 10          # fewer records with magnitude and distance: the median-PGA window judges
MAX_MEDIAN_LN_RATIO = 1.15    # |median ln(PGA/BSSA14)| beyond this is a unit slip (≈ ln(9.81)/2; docstring)
MAX_HYPO_DEPTH_KM = bssa14.MAX_HYPO_DEPTH_KM      # deeper hypocentres (intraslab) are left out of the comparison


def _reading_lines(attrs: dict) -> list[str]:
    """One advisory line when the store's records had their channels read otherwise than this seisdiff reads them
    (`readings.other_component_reading`: component names, a triplet's placing in time); none when alike. It judges
    nothing: the scale does not depend on it."""
    said = other_component_reading(attrs)
    return [f"warning (components): its records' {said}; records appended now, and `sample`'s conditioning, follow "
            "this seisdiff's; for one reading, preprocess the inputs into a new store"] if said else []


@dataclass
class Verdict:
    physical: bool
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def verify_store(path, pga_range_mps2=PHYSICAL_MEDIAN_PGA_MPS2, use_gmm: bool = True) -> Verdict:
    """Read the whole store in blocks and judge its scale. Returns lines to print and the verdict. use_gmm False:
    the median-PGA window judges whatever the store knows (BSSA14's line is printed as advice): for a set BSSA14
    does not describe (deep slab or stable-continent earthquakes)."""
    store = open_store(path)
    n, fs, fc = len(store), store.sampling_rate_hz, store.lowpass_hz
    problems = []
    if store.attrs.get("units") != "m/s^2":
        problems.append(f"units attribute is {store.attrs.get('units')!r}, expected 'm/s^2'")
    if n == 0:
        return Verdict(False, [f"{path}: empty store"], ["no records"])
    acc = {"pga_bb": [], "pga_ch": [], "pga_lp": [], "std_bb": [], "lp_hi": [], "ref_hi": [], "lp_gain": [], "bad": 0,
           "min": np.inf, "max": -np.inf}
    order = int(store.attrs.get("filter", {}).get("order", 4))
    freqs = np.fft.rfftfreq(store.length, 1.0 / fs)
    taper = _band_taper(store.length, fs, fc)  # without it the FFT sees the window's end steps as broadband
    for start in range(0, n, BLOCK_RECORDS):
        blk = store.read(start, start + BLOCK_RECORDS)
        bb, lp = blk["broadband"].astype(np.float64), blk["lowpass"].astype(np.float64)
        finite = np.isfinite(bb) & np.isfinite(lp)
        acc["bad"] += int((~finite).sum())
        bb, lp = np.where(finite, bb, 0.0), np.where(finite, lp, 0.0)
        acc["min"], acc["max"] = min(acc["min"], bb.min()), max(acc["max"], bb.max())
        acc["pga_ch"].append(np.abs(bb).max(axis=2))
        acc["pga_bb"].append(acc["pga_ch"][-1].max(axis=1))
        acc["pga_lp"].append(np.abs(lp).max(axis=(1, 2)))
        acc["std_bb"].append(bb.std(axis=(1, 2)))
        lp_of_bb = lowpass(bb, fs, fc, order)
        acc["lp_hi"].append(_share_above(lp, taper, freqs > 2 * fc))
        acc["ref_hi"].append(_share_above(lp_of_bb, taper, freqs > 2 * fc))
        inner = _inner(store.length, fs, fc)   # the window's low band is filtered with its margins (condition.py)
        acc["lp_gain"].append(_lowpass_gain(lp[..., inner], lp_of_bb[..., inner]))
    pga_bb, pga_lp = np.concatenate(acc["pga_bb"]), np.concatenate(acc["pga_lp"])
    std_bb, lp_hi, ref_hi = (np.concatenate(acc[k]) for k in ("std_bb", "lp_hi", "ref_hi"))
    periods = store.length / fs * fc
    judgement = _band_judgement_kind(periods)
    band_judged = judgement == "full"
    gain_judged = periods >= MIN_GAIN_CHECK_PERIODS
    floor = MAX_LOWPASS_ENERGY_ABOVE_2FC if band_judged else SHORT_WINDOW_MAX_SHARE
    unexplained = ((lp_hi > floor) & (lp_hi > MAX_BAND_EXCESS_RATIO * ref_hi)
                   & (judgement != "not judged"))
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
        f"lowpass energy above 2×{fc:g} Hz: median {np.median(lp_hi):.2e}, max {lp_hi.max():.2e} (the store's "
        f"filter of broadband leaves max {ref_hi.max():.2e})"
        + _band_judgement(judgement, store.length / fs, fc),
        f"lowpass / (the store's {fc:g} Hz low-pass of broadband): median gain {gain:.4g}"
        + _gain_judgement(store.length / fs, fc),
        f"NaN/inf samples: {acc['bad']}",
    ]
    if acc["bad"]:
        problems.append(f"{acc['bad']} NaN/inf samples")
    ln_ratio, kinds, kind_warnings = gmm_comparison(store, np.concatenate(acc["pga_ch"]))
    gmm_judges = use_gmm and ln_ratio.size >= GMM_MIN_RECORDS
    gmm_median = float(np.median(ln_ratio)) if ln_ratio.size else float("nan")
    lines.append(_gmm_line(ln_ratio, gmm_median, kinds) + ("" if use_gmm else " (advisory: --no-gmm)"))
    lines += [f"warning (BSSA14 distances): {line}" for line in kind_warnings]
    lines += _reading_lines(store.attrs)
    window = _window_problem(med, *pga_range_mps2)
    if gmm_judges and abs(gmm_median) > MAX_MEDIAN_LN_RATIO:
        slip = "g stored as m/s²?" if gmm_median < 0 else "cm/s² or mm/s² stored as m/s²? m/s² read as g?"
        problems.append(f"median PGA is e^{gmm_median:.2f} = {np.exp(gmm_median):.3g}× BSSA14's prediction for "
                        f"their magnitudes and distances: a unit slip ({slip}) — check the reader's units / --units")
    if window and gmm_judges:
        lines.append(f"advisory (BSSA14 judges the scale): {window}")
    elif window:
        problems.append(window)
    if unexplained.any():
        worst = lp_hi[unexplained].max()
        problems.append(f"lowpass is not band-limited: in {int(unexplained.sum())} records up to {worst:.2e} of its "
                        f"energy lies above {2 * fc:g} Hz, more than {MAX_BAND_EXCESS_RATIO:g}× what the store's "
                        f"{fc:g} Hz low-pass of their broadband leaves there"
                        + ("" if band_judged else f" (and more than {SHORT_WINDOW_MAX_SHARE:g}: not low-passed)"))
    if np.median(ratio) < 1.0:
        problems.append("lowpass PGA exceeds broadband PGA: lowpass and broadband scales disagree")
    if gain_judged and not 1 / MAX_LOWPASS_GAIN_FACTOR <= gain <= MAX_LOWPASS_GAIN_FACTOR:   # NaN (all zero) passes
        problems.append(f"stored lowpass is {gain:.4g} × the store's low-pass filter of broadband (expected 1): "
                        "lowpass and broadband scales disagree (one of them in g, cm/s² or rescaled?)")
    stats = {"records": n, "pga_median_mps2": med, "pga_min_mps2": float(pga_bb.min()),
             "pga_max_mps2": float(pga_bb.max()), "std_median_mps2": float(np.median(std_bb)),
             "pga_ratio_median": float(np.median(ratio)), "lowpass_gain_median": gain,
             "lowpass_gain_judged": bool(gain_judged),
             "lowpass_energy_above_2fc_max": float(lp_hi.max()),
             "lowpass_band_judged": judgement != "not judged",
             "lowpass_band_judgement": judgement,
             "lowpass_band_unexplained_records": int(unexplained.sum()),
             "nonfinite": acc["bad"],
             "gmm_records": int(ln_ratio.size), "gmm_median_ln_ratio": gmm_median, "gmm_distance_kinds": kinds,
             "gmm_ln_ratio_sd": float(np.std(ln_ratio)) if ln_ratio.size else float("nan")}
    return Verdict(not problems, lines, problems, stats)


def _band_judgement_kind(periods: float) -> str:
    """What the band-limit check judged in windows of `periods` crossover periods: 'full' (MIN_BAND_CHECK_PERIODS
    or more), 'not low-passed only' (a lowpass above SHORT_WINDOW_MAX_SHARE fails), 'not judged'."""
    if periods >= MIN_BAND_CHECK_PERIODS:
        return "full"
    return "not low-passed only" if periods >= MIN_SHORT_BAND_PERIODS else "not judged"


def _band_judgement(judgement: str, window_s: float, lowpass_hz: float) -> str:
    """'' for a 'full' judgement (`_band_judgement_kind`); else a line's note of what the band-limit check judges."""
    if judgement == "full":
        return ""
    if judgement == "not low-passed only":
        return (f" (a {window_s:g} s window holds fewer than {MIN_BAND_CHECK_PERIODS:g} periods of the {lowpass_hz:g} "
                f"Hz crossover: judged only for a lowpass not low-passed, above {SHORT_WINDOW_MAX_SHARE:g})")
    return (f" (not judged: a {window_s:g} s window holds fewer than {MIN_SHORT_BAND_PERIODS:g} periods of the "
            f"{lowpass_hz:g} Hz crossover)")


def _gain_judgement(window_s: float, lowpass_hz: float) -> str:
    """'' for a window of MIN_GAIN_CHECK_PERIODS crossover periods or more; else why its gain is not judged."""
    if window_s * lowpass_hz >= MIN_GAIN_CHECK_PERIODS:
        return ""
    return (f" (not judged: a {window_s:g} s window holds fewer than {MIN_GAIN_CHECK_PERIODS:g} periods of the "
            f"{lowpass_hz:g} Hz crossover, its middle lies where its own low-pass is pinned to its ends)")


def _inner(length: int, sampling_rate_hz: float, lowpass_hz: float) -> slice:
    """Samples of a window beyond EDGE_CYCLES periods of the crossover from its ends (the middle half of a short
    window: `condition.edge_samples`), where a window's stored low band equals the store's low-pass of its
    broadband (`condition.EDGE_TOLERANCE`)."""
    edge = edge_samples(length, sampling_rate_hz, lowpass_hz)
    return slice(edge, length - edge)


def _band_taper(length: int, sampling_rate_hz: float, lowpass_hz: float) -> np.ndarray:
    """(length,) Tukey window whose cosine ramps span the edge zone at each end (`condition.edge_samples`): the
    FFT of a window's low band sees neither its end steps nor a ramp shorter than the crossover's period."""
    return tukey(length, 2 * edge_samples(length, sampling_rate_hz, lowpass_hz) / length)


def _share_above(x, taper, above) -> np.ndarray:
    """Per record (N,): the share of (N, C, L) x's energy, its FFT taken under `taper`, at the frequencies `above`."""
    power = np.abs(np.fft.rfft(x * taper, axis=-1)) ** 2
    return power[..., above].sum(axis=(1, 2)) / np.maximum(power.sum(axis=(1, 2)), 1e-300)


def _lowpass_gain(lp, lp_of_bb) -> np.ndarray:
    """Per record (N,): least-squares gain of stored lowpass (N, C, L) on the low-pass of broadband; NaN
    where that is all zero."""
    power = np.sum(lp_of_bb ** 2, axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(power > 0, np.sum(lp * lp_of_bb, axis=(1, 2)) / power, np.nan)


def _window_problem(med: float, lo: float, hi: float) -> str | None:
    """What is wrong with a median PGA (m/s²) outside the plausible window [lo, hi], or None."""
    if med < lo / 100:
        return (f"median PGA {med:.3g} m/s² is ~1000× too small for accelerograms in m/s² "
                "(normalized or rescaled twice?)")
    if med < lo:
        return (f"median PGA {med:.3g} m/s² < {lo:g}: looks like values in g stored as m/s² "
                f"(×{G_MPS2} missing); a genuine weak-motion set: pass --pga-range")
    if med > 1000 * hi:
        return f"median PGA {med:.3g} m/s² is far too large: counts or nm/s² stored as m/s²?"
    if med > hi:
        return (f"median PGA {med:.3g} m/s² > {hi:g}: too large — values in cm/s² (gal) or mm/s² "
                "stored as m/s²?")
    return None


def gmm_ln_ratios(store, pga_channels_mps2: np.ndarray) -> np.ndarray:
    """ln(PGA_obs / PGA_BSSA14) of the store's records that qualify (module docstring), from their per-channel
    broadband PGA (N, C) m/s²; empty when the store lacks magnitude or distance_km."""
    return gmm_comparison(store, pga_channels_mps2)[0]


def gmm_comparison(store, pga_channels_mps2: np.ndarray) -> tuple[np.ndarray, dict, list[str]]:
    """(`gmm_ln_ratios`, {distance kind: recordings compared}, warning lines about their kinds:
    `bssa14.distance_kinds_used`)."""
    magnitude, distance_km = _numeric(store, "magnitude"), _numeric(store, "distance_km")
    if not (np.isfinite(magnitude) & np.isfinite(distance_km)).any():
        return np.array([]), {}, []
    pga_mps2, horizontal = _horizontal_pga(store, pga_channels_mps2)
    vs30_mps = _numeric(store, "vs30_mps")
    vs30_mps = np.where(np.isfinite(vs30_mps), vs30_mps, bssa14.VS30_REF_MPS)
    depth_km = _numeric(store, "hypo_depth_km")
    kind = store.column("distance_kind") if "distance_kind" in store.columns else np.full(len(store), "")
    rjb_km = bssa14.rjb_estimate_km(distance_km, kind, depth_km)
    use = (horizontal & (pga_mps2 > 0) & np.isfinite(pga_mps2) & ~(depth_km > MAX_HYPO_DEPTH_KM)
           & np.isfinite(magnitude) & np.isfinite(rjb_km) & ~bssa14.out_of_range(magnitude, rjb_km, vs30_mps))
    ln_pga_g = bssa14.predict(magnitude[use], rjb_km[use], vs30_mps[use], [0.0])[0][:, 0]
    per_recording = dict(zip((split_window_id(i)[0] for i in store.record_ids[use]), kind[use]))
    return (_strongest_window(np.log(pga_mps2[use] / G_MPS2) - ln_pga_g, store.record_ids[use]),
            *bssa14.distance_kinds_used(list(per_recording.values()), noun="recordings"))


def _strongest_window(ln_ratio, record_ids) -> np.ndarray:
    """One value per recording: the largest over its windows `<id>_w0`, `<id>_w1`, … (`preprocess --windows`:
    later windows hold coda, whose PGA is not the recording's)."""
    recordings, index = np.unique([split_window_id(i)[0] for i in record_ids], return_inverse=True)
    out = np.full(len(recordings), -np.inf)
    np.maximum.at(out, index, ln_ratio)
    return out


def _numeric(store, name: str) -> np.ndarray:
    """The store's column `name` as float64 (N,); all NaN when absent or not numeric."""
    values = store.column(name) if name in store.columns else None
    if values is None or values.dtype.kind not in "fiu":
        return np.full(len(store), np.nan)
    return values.astype(np.float64)


def _horizontal_pga(store, pga_channels_mps2):
    """(PGA (N,) m/s², usable (N,) bool): a 2–3 channel store's geometric mean over its horizontal channels
    (named in attrs `channels`; unnamed: all but the third, Z in seisdiff's H1, H2, Z); a one-channel store's
    channel, usable unless the record's `component` (or `channel`) code is vertical."""
    n, n_channels = pga_channels_mps2.shape
    if n_channels == 1:
        name = "component" if "component" in store.columns else "channel" if "channel" in store.columns else None
        vertical = vertical_flag(store.column(name)) == 1 if name else np.zeros(n, bool)
        return pga_channels_mps2[:, 0], ~vertical
    names = [str(c).split()[0] if str(c).split() else "" for c in store.attrs.get("channels", [])]
    horizontal = (vertical_flag(names) != 1) if len(names) == n_channels else np.arange(n_channels) != 2
    with np.errstate(divide="ignore"):
        pga = np.exp(np.log(pga_channels_mps2[:, horizontal]).mean(axis=1))
    return pga, np.full(n, horizontal.any())


def _gmm_line(ln_ratio, median, kinds: dict) -> str:
    if not ln_ratio.size:
        return ("BSSA14: no horizontal recordings with a magnitude and a distance within its ranges (crustal "
                "hypocentres): the median-PGA window judges")
    judge = "" if ln_ratio.size >= GMM_MIN_RECORDS else f" (< {GMM_MIN_RECORDS}: the median-PGA window judges)"
    return (f"BSSA14 ({bssa14.describe_kinds(kinds)}): median ln(PGA / prediction) {median:+.2f} (×{np.exp(median):.3g}), "
            f"sd {np.std(ln_ratio):.2f} over {ln_ratio.size} horizontal recordings{judge}; "
            f"a unit slip beyond ±{MAX_MEDIAN_LN_RATIO:g}")
