"""Generation in physical units: low-pass conditioning (m/s²) → broadband realizations (m/s²).

The conditioning reaches model units only through `Scaler.cond_to_model`, and samples come back only
through `Scaler.to_physical`; nothing is clipped or clamped anywhere (a non-finite sample is an
error). Records longer than the model window are generated as windows overlapping by half a window,
each scaled by its own conditioning as in training, and cross-faded in m/s² with complementary
raised-cosine weights; shorter records are zero-padded to the window and cropped back.

Realization k of record `record_id` (window w) draws all its noise from its own generator seeded by a
hash of (seed, record_id, k, w), so outputs do not depend on batch size, order or sharding.
"""
from __future__ import annotations

import contextlib
import hashlib
import time
from typing import Iterator

import numpy as np
import torch

from seisdiff.engine import samplers
from seisdiff.engine.lfmerge import MERGE_TOL, lf_merge as merge_low_band
from seisdiff.engine.scaling import METADATA_FEATURES
from seisdiff.errors import UserError

# chosen with `compare_samplers` on the 60-epoch default (the 14 El Mayor-Cucapah records × 3
# realizations, 2048 samples, 2026-11-30). Band bias ln(reference/candidate) against DDPM-1000,
# PSA 0.05–1 s / FAS 1–25 Hz: DDPM-100 +0.048 / +0.042, DDPM-250 −0.015 / −0.024, inside the noise
# floor (a second DDPM-1000 run: −0.023 / −0.078); DDIM-25 −0.13 / −0.23, DPM-Solver++ 25 and DDIM-50
# −0.15 / −0.25, Heun-25 −0.21 / −0.32: every probability-flow ODE solver makes that model's high
# frequencies about 25 % stronger than its ancestral reference. (On a tiny model trained 3000 steps,
# DDIM-25 had been within 0.025 in PSA; FAS was not measured then.) DDPM-100: 10× fewer evaluations
# than the reference, 4× more than DDIM-25. On the 120-epoch default shipped since (same test): DDPM-100
# +0.071 / +0.070, DDIM-25 −0.059 / −0.090, floor −0.051 / −0.113 — the better-trained model's ODE
# no longer adds high frequencies; DDPM-100 stays the default, the sampler of the model card's goals.
DEFAULT_SAMPLER = "ddpm"
DEFAULT_STEPS = 100
STEPS_FOR = {"ddpm": DEFAULT_STEPS, "ddim": 25, "dpmpp": 25, "heun": 25}  # each sampler's steps unless told
COMPARE_PERIODS_S = np.geomspace(0.05, 1.0, 24)   # PSA periods of `compare_samplers`, s
COMPARE_FREQS_HZ = np.geomspace(1.0, 25.0, 24)    # FAS frequencies of `compare_samplers`, Hz


def record_seed(seed: int, record_id: str, k: int, window: int = 0) -> int:
    """63-bit seed of realization k (window `window`) of `record_id`, a hash of all four."""
    digest = hashlib.blake2b(f"{seed}\x1f{record_id}\x1f{k}\x1f{window}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def crossfade_layout(length: int, window: int) -> tuple[list[int], np.ndarray]:
    """Windows covering `length` samples: (starts, weights (n_windows, window) float64) such that the
    weights placed at their starts sum to 1 at every sample.

    Starts advance by hop = ceil(window/2); the last window ends at `length`. Consecutive windows
    cross-fade (cos², sin²) over the second half of the earlier one, which the later one always covers.
    """
    if length <= window:
        return [0], np.ones((1, window))
    hop = (window + 1) // 2
    starts = list(range(0, length - window, hop)) + [length - window]
    ramp_len = window - hop
    u = (np.arange(ramp_len) + 0.5) / ramp_len
    fade_out, fade_in = np.cos(0.5 * np.pi * u) ** 2, np.sin(0.5 * np.pi * u) ** 2
    weights = np.ones((len(starts), window))
    for j, start in enumerate(starts):
        if j + 1 < len(starts):                      # hand over to the next window
            weights[j, hop:] = fade_out
        if j > 0:                                    # take over from the previous window
            begin = starts[j - 1] + hop - start      # its fade region, in this window's samples
            weights[j, :begin] = 0.0
            weights[j, begin:begin + ramp_len] = fade_in
    return starts, weights


def generate(denoiser, scaler, config, lowpass_mps2, record_ids, *, realizations: int = 1,
             steps: int | None = None, sampler: str = DEFAULT_SAMPLER, grid: str | None = None, seed: int = 0,
             batch_size: int = 16, lf_merge: bool = True, merge_tol: float = MERGE_TOL,
             fs_hz: float | None = None, lowpass_hz: float | None = None, window: int | None = None,
             device="cpu", metadata: dict | None = None, done=frozenset(), compile: bool = False,
             ) -> Iterator[tuple[str, int, np.ndarray]]:
    """Yield (record_id, k, broadband_mps2 (C, L) float32 m/s²) for every record and realization
    k < realizations, in input order, skipping the (record_id, k) pairs in `done`.

    denoiser: `Denoiser` (model units) on `device`; scaler: its `Scaler`; config: its TrainConfig
    (window, metadata use). lowpass_mps2: (n, C, L) conditioning in m/s²; record_ids: n unique str.
    steps: model evaluations per sample (see `samplers`; default STEPS_FOR[sampler]); grid: noise
    grid (default per sampler).
    lf_merge: replace the low band by the conditioning (`lfmerge.lf_merge` to `merge_tol`; needs fs_hz
    and lowpass_hz). window: model window in samples (default: config.data.window, else the records'
    length). metadata: {field: (n,)} (METADATA_FEATURES; NaN = unknown). done: (record_id, k)
    pairs already generated elsewhere (resume). compile: torch.compile the denoiser.
    """
    lowpass_mps2 = np.asarray(lowpass_mps2, dtype=np.float32)
    n, n_channels, length = lowpass_mps2.shape
    if len(record_ids) != n:
        raise ValueError(f"{n} conditioning records but {len(record_ids)} record ids")
    if lf_merge and (fs_hz is None or lowpass_hz is None):
        raise ValueError("lf_merge needs fs_hz and lowpass_hz")
    window = int(window or config.data.window or length)
    starts, weights = crossfade_layout(length, window)
    meta = {k: np.asarray(v, np.float64) for k, v in (metadata or {}).items()
            if k in METADATA_FEATURES} if config.data.use_metadata else {}
    sigmas = samplers.get_sigmas(sampler, steps or STEPS_FOR.get(sampler, DEFAULT_STEPS), denoiser, grid)
    device = torch.device(device)
    net = torch.compile(denoiser) if compile else denoiser
    autocast = torch.autocast("cuda", torch.bfloat16) if device.type == "cuda" and config.amp \
        else contextlib.nullcontext()

    def denoise_fn(cond_model, scalars):
        def denoise(x, sigma):
            with autocast:
                return net(x, sigma, cond_model, scalars).float()
        return denoise

    # work units: (record index, realization, window index); a record is emitted once all its windows are in
    units = [(i, k, j) for i in range(n) for k in range(realizations) if (record_ids[i], k) not in done
             for j in range(len(starts))]
    pending: dict[tuple[int, int], list] = {}   # (i, k) → [sum of weighted windows (C, L), windows left]
    for b0 in range(0, len(units), batch_size):
        batch = units[b0:b0 + batch_size]
        cond_mps2 = np.zeros((len(batch), n_channels, window), np.float32)
        for row, (i, _, j) in enumerate(batch):
            piece = lowpass_mps2[i, :, starts[j]:starts[j] + window]
            cond_mps2[row, :, :piece.shape[-1]] = piece          # shorter records: zero-padded
        cond_model, log_scale = scaler.cond_to_model(torch.from_numpy(cond_mps2))
        rows = [i for i, _, _ in batch]
        scalars = scaler.scalars(log_scale, **{k: v[rows] for k, v in meta.items()})
        generators = [torch.Generator().manual_seed(record_seed(seed, record_ids[i], k, j)) for i, k, j in batch]
        with torch.no_grad():
            x0_model = samplers.sample(sampler, denoise_fn(cond_model.to(device), scalars.to(device)), sigmas,
                                       generators, cond_model.shape, device)
        x0_model = x0_model.float().cpu()
        finite = torch.isfinite(x0_model).flatten(1).all(1).tolist()
        if not all(finite):
            bad = sorted({record_ids[i] for (i, _, _), ok in zip(batch, finite) if not ok})
            raise UserError(f"the model produced non-finite values for record(s) {bad[:5]}; the checkpoint "
                            "is unusable (diverged training?) — use another checkpoint")
        windows_mps2 = scaler.to_physical(x0_model, log_scale).numpy().astype(np.float64)
        for row, (i, k, j) in enumerate(batch):
            acc, left = pending.setdefault((i, k), [np.zeros((n_channels, max(length, window))), len(starts)])
            acc[:, starts[j]:starts[j] + window] += weights[j] * windows_mps2[row]
            pending[(i, k)][1] = left - 1
        complete = [key for key, (_, left) in pending.items() if left == 0]
        if not complete:
            continue
        out = np.stack([pending.pop(key)[0][:, :length] for key in complete])
        if lf_merge:   # one call for all: traces converge independently, the batch changes nothing
            cond = lowpass_mps2[[i for i, _ in complete]].astype(np.float64)
            out = merge_low_band(out, cond, fs_hz, lowpass_hz, tol=merge_tol)
        for (i, k), acc in zip(complete, out.astype(np.float32)):
            yield record_ids[i], k, acc


def compare_samplers(denoiser, scaler, config, lowpass_mps2, record_ids, fs_hz: float, *,
                     candidates=(("dpmpp", 10), ("dpmpp", 25), ("dpmpp", 50), ("ddim", 25), ("ddim", 50),
                                 ("heun", 25), ("heun", 49)),
                     reference=("ddpm", 1000), realizations: int = 4, seed: int = 0, batch_size: int = 16,
                     periods_s=None, freqs_hz=None, device="cpu", metadata=None, log=None) -> list[dict]:
    """PSA and FAS bias of fast samplers against a reference sampler on the same conditioning (m/s²).

    For each (sampler, steps) every record gets `realizations` samples (no low-frequency merge, so the
    whole band is the sampler's own); bias(T) = mean over records of [mean over realizations of
    ln PSA_reference − the same for the candidate], at 5 % damping and periods_s (default
    COMPARE_PERIODS_S: 0.05–1 s, the band above a 1 Hz crossover that the model generates); the same
    for the Konno–Ohmachi-smoothed FAS at freqs_hz (default COMPARE_FREQS_HZ: 1–25 Hz), where PSA
    barely sees the highest frequencies. Positive = candidate weaker than the reference. A second
    reference run with another seed gives the sampling noise floor of these estimates. Returns rows
    {sampler, steps, evaluations, seconds, records_per_s, psa_bias (P,), max_abs_psa_bias,
    mean_abs_psa_bias, psa_band_bias, fas_bias (F,), max_abs_fas_bias, mean_abs_fas_bias,
    fas_band_bias, noise_floor}, after a first row timing the reference.
    """
    from seisdiff.evaluate import psa, smoothed_fas

    periods_s = np.asarray(COMPARE_PERIODS_S if periods_s is None else periods_s, np.float64)
    freqs_hz = np.asarray(COMPARE_FREQS_HZ if freqs_hz is None else freqs_hz, np.float64)
    n = len(record_ids)

    def mean_log_spectra(sampler, steps, run_seed):
        t0 = time.perf_counter()
        out = np.zeros((n, realizations, *np.shape(lowpass_mps2)[1:]), np.float64)
        index = {rid: i for i, rid in enumerate(record_ids)}
        for rid, k, acc in generate(denoiser, scaler, config, lowpass_mps2, record_ids, realizations=realizations,
                                    steps=steps, sampler=sampler, seed=run_seed, batch_size=batch_size,
                                    lf_merge=False, device=device, metadata=metadata):
            out[index[rid], k] = acc
        seconds = time.perf_counter() - t0
        spectra = {"psa": psa(out, fs_hz, periods_s), "fas": smoothed_fas(out, fs_hz, freqs_hz)}  # (n, K, C, ·)
        return {k: np.log(np.maximum(v, 1e-30)).mean(axis=(1, 2)) for k, v in spectra.items()}, seconds  # (n, ·)

    ref, ref_seconds = mean_log_spectra(*reference, seed)
    rows = [{"sampler": reference[0], "steps": reference[1], "reference": True, "seconds": round(ref_seconds, 3),
             "records_per_s": round(n * realizations / ref_seconds, 3)}]
    # the reference again with other noise: how much bias sampling noise alone shows
    runs = [(*reference, seed + 1, True)] + [(sampler, steps, seed, False) for sampler, steps in candidates]
    for sampler, steps, run_seed, noise_floor in runs:
        cand, seconds = mean_log_spectra(sampler, steps, run_seed)
        row = {"sampler": sampler, "steps": steps, "noise_floor": noise_floor,
               "evaluations": samplers.evaluations(sampler, samplers.intervals_for(sampler, steps)),
               "seconds": round(seconds, 3), "records_per_s": round(n * realizations / seconds, 3)}
        for key in ("psa", "fas"):
            bias = (ref[key] - cand[key]).mean(axis=0)
            row.update({f"{key}_bias": bias.round(4).tolist(), f"{key}_band_bias": float(bias.mean()),
                        f"max_abs_{key}_bias": float(np.abs(bias).max()),
                        f"mean_abs_{key}_bias": float(np.abs(bias).mean())})
        rows.append(row)
        if log:
            log(f"{sampler:6s} {steps:5d} steps{' (noise floor)' if noise_floor else ''}: PSA bias "
                f"{row['psa_band_bias']:+.3f} (mean |bias| {row['mean_abs_psa_bias']:.3f}), FAS bias "
                f"{row['fas_band_bias']:+.3f} (mean |bias| {row['mean_abs_fas_bias']:.3f}), "
                f"{row['records_per_s']:.2f} records/s")
    return rows
