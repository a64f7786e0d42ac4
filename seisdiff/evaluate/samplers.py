"""Sampler comparison: how far fast samplers' spectra are from a reference sampler's, in m/s².

Used by bench/bench_sample.py and to choose the default sampler (docs/MEASUREMENTS.md, "Sampler").
"""
from __future__ import annotations

import time

import numpy as np

from seisdiff.dsp.response import psa
from seisdiff.engine import samplers
from seisdiff.engine.generate import generate
from seisdiff.evaluate.spectra import smoothed_fas

COMPARE_PERIODS_S = np.geomspace(0.05, 1.0, 24)   # PSA periods of `compare_samplers`, s
COMPARE_FREQS_HZ = np.geomspace(1.0, 25.0, 24)    # FAS frequencies of `compare_samplers`, Hz


def compare_samplers(denoiser, scaler, config, lowpass_mps2, record_ids, sampling_rate_hz: float, *,
                     candidates=(("dpmpp", 10), ("dpmpp", 25), ("dpmpp", 50), ("ddim", 25), ("ddim", 50),
                                 ("heun", 25), ("heun", 49)),
                     reference=("ddpm", 1000), realizations: int = 4, seed: int = 0, batch_size: int = 16,
                     periods_s=None, freqs_hz=None, device="cpu", metadata=None, noise_floor: bool = True,
                     log=None) -> list[dict]:
    """PSA and FAS bias of fast samplers against a reference sampler on the same conditioning (m/s²).

    candidates: (sampler, steps) pairs sampled with `denoiser`, or (sampler, steps, other denoiser,
    name) for a model of its own on the same scaler and config (a distilled student: `engine.distill`).

    For each (sampler, steps) every record gets `realizations` samples (no low-frequency merge, so the
    whole band is the sampler's own); bias(T) = mean over records of [mean over realizations of
    ln PSA_reference − the same for the candidate], at 5 % damping and periods_s (default
    COMPARE_PERIODS_S: 0.05–1 s, the band above a 1 Hz crossover that the model generates); the same
    for the Konno–Ohmachi-smoothed FAS at freqs_hz (default COMPARE_FREQS_HZ: 1–25 Hz), where PSA
    barely sees the highest frequencies. Positive = candidate weaker than the reference. A second
    reference run with another seed (noise_floor=True) gives the sampling noise floor of these
    estimates; {key}_band_se is the standard error of the band bias over records (sd of the records'
    own band biases / √n), the floor's size from one run. Returns rows {name, sampler, steps,
    evaluations, seconds, records_per_s, psa_bias (P,), max_abs_psa_bias, mean_abs_psa_bias,
    psa_band_bias, psa_band_se, fas_bias (F,), max_abs_fas_bias, mean_abs_fas_bias, fas_band_bias,
    fas_band_se, psa_sigma, psa_sigma_diff, noise_floor}, after a first row timing the reference.
    psa_sigma: the spread between realizations, sd over realizations of ln PSA averaged over records and
    periods (needs realizations ≥ 2; a few-step sampler that collapses diversity shows here);
    psa_sigma_diff: the candidate's minus the reference's.
    """
    periods_s = np.asarray(COMPARE_PERIODS_S if periods_s is None else periods_s, np.float64)
    freqs_hz = np.asarray(COMPARE_FREQS_HZ if freqs_hz is None else freqs_hz, np.float64)
    n = len(record_ids)

    def mean_log_spectra(sampler, steps, run_seed, model=None):
        t0 = time.perf_counter()
        out = np.zeros((n, realizations, *np.shape(lowpass_mps2)[1:]), np.float64)
        index = {rid: i for i, rid in enumerate(record_ids)}
        for rid, k, acc in generate(denoiser if model is None else model, scaler, config, lowpass_mps2, record_ids,
                                    realizations=realizations, steps=steps, sampler=sampler, seed=run_seed,
                                    batch_size=batch_size, lf_merge=False, device=device, metadata=metadata):
            out[index[rid], k] = acc
        seconds = time.perf_counter() - t0
        spectra = {"psa": psa(out, sampling_rate_hz, periods_s),                  # (n, K, C, ·)
                   "fas": smoothed_fas(out, sampling_rate_hz, freqs_hz)}
        logs = {k: np.log(np.maximum(v, 1e-30)) for k, v in spectra.items()}
        mean = {k: v.mean(axis=(1, 2)) for k, v in logs.items()}                          # (n, ·)
        # spread between realizations: sd over k of ln PSA, averaged over records, channels and periods
        mean["psa_sigma"] = float(logs["psa"].std(axis=1, ddof=1).mean()) if realizations > 1 else float("nan")
        return mean, seconds

    ref, ref_seconds = mean_log_spectra(*reference, seed)
    rows = [{"name": f"{reference[0]}-{reference[1]}", "sampler": reference[0], "steps": reference[1],
             "reference": True, "seconds": round(ref_seconds, 3), "psa_sigma": ref["psa_sigma"],
             "records_per_s": round(n * realizations / ref_seconds, 3)}]
    # the reference again with other noise: how much bias sampling noise alone shows
    runs = [(c[0], c[1], c[2] if len(c) > 2 else None, c[3] if len(c) > 3 else f"{c[0]}-{c[1]}", seed, False)
            for c in candidates]
    if noise_floor:
        runs.insert(0, (*reference, None, f"{reference[0]}-{reference[1]}", seed + 1, True))
    for sampler, steps, model, name, run_seed, is_floor in runs:
        cand, seconds = mean_log_spectra(sampler, steps, run_seed, model)
        row = {"name": name, "sampler": sampler, "steps": steps, "noise_floor": is_floor,
               "evaluations": samplers.evaluations(sampler, samplers.intervals_for(sampler, steps)),
               "seconds": round(seconds, 3), "records_per_s": round(n * realizations / seconds, 3)}
        row.update(psa_sigma=cand["psa_sigma"], psa_sigma_diff=cand["psa_sigma"] - ref["psa_sigma"])
        for key in ("psa", "fas"):
            per_record = ref[key] - cand[key]                                              # (n, ·)
            bias = per_record.mean(axis=0)
            band_se = per_record.mean(axis=1).std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
            row.update({f"{key}_bias": bias.round(4).tolist(), f"{key}_band_bias": float(bias.mean()),
                        f"{key}_band_se": float(band_se),
                        f"max_abs_{key}_bias": float(np.abs(bias).max()),
                        f"mean_abs_{key}_bias": float(np.abs(bias).mean())})
        rows.append(row)
        if log:
            log(f"{name:14s} {steps:5d} steps{' (noise floor)' if is_floor else ''}: PSA bias "
                f"{row['psa_band_bias']:+.3f} ± {row['psa_band_se']:.3f} (mean |bias| {row['mean_abs_psa_bias']:.3f}), "
                f"FAS bias {row['fas_band_bias']:+.3f} ± {row['fas_band_se']:.3f} (mean |bias| "
                f"{row['mean_abs_fas_bias']:.3f}), PSA sigma "
                f"{row['psa_sigma']:.3f} ({row['psa_sigma_diff']:+.3f}), "
                f"{row['records_per_s']:.2f} records/s")
    return rows
