"""Generation in physical units: low-pass conditioning (m/s²) → broadband realizations (m/s²).

The conditioning reaches model units only through `Scaler.cond_to_model`, and samples come back only
through `Scaler.to_physical`; nothing is clipped or clamped anywhere (a non-finite sample is an
error). Records longer than the model window are generated as windows overlapping by half a window,
each scaled by its own conditioning as in training, and cross-faded in m/s² with complementary
raised-cosine weights; shorter records are zero-padded to the window and cropped back. A record's first
window starts LEAD_SAMPLES before it (its conditioning's first sample held there), and those samples are dropped:
the network's first samples of a window carry an edge artefact (a broadband burst over ~0.15 s, > 8 Hz 2–2.5× the
level after it on the shipped twin) that later windows hide under their fade-in (docs/MEASUREMENTS.md, "A record's
first samples").

Realization k of record `record_id` (window w) draws all its noise from its own generator seeded by a
hash of (seed, record_id, k, w), so outputs do not depend on batch size, order or sharding.
"""
from __future__ import annotations

import contextlib
import hashlib
from typing import Iterator

import numpy as np
import torch

from seisdiff.dsp import lowpass
from seisdiff.engine import hf_level, samplers
from seisdiff.engine.lfmerge import MERGE_TOL, lf_merge as merge_low_band
from seisdiff.engine.onset import gate_pre_event
from seisdiff.engine.samplers import DEFAULT_SAMPLER, DEFAULT_STEPS, STEPS_FOR
from seisdiff.engine.scaling import METADATA_FEATURES
from seisdiff.errors import UserError
from seisdiff.preprocess.condition import edge_samples


CROSSFADE_SPLIT = 2.0   # × the crossover: above it consecutive windows' content is independent (`blend_window`)
LEAD_SAMPLES = 32       # the record's first window starts this many samples before it: twice the network's
                        # edge artefact (`crossfade_layout`; more moves its early-window excess onto the record)
TEXTURE_WINDOW = -1      # `record_seed`'s window index of the level model's texture draw (`hf_level.apply`)


def record_seed(seed: int, record_id: str, k: int, window: int = 0) -> int:
    """63-bit seed of realization k (window `window`) of `record_id`, a hash of all four."""
    digest = hashlib.blake2b(f"{seed}\x1f{record_id}\x1f{k}\x1f{window}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def crossfade_layout(length: int, window: int, lead: int = 0) -> tuple[list[int], np.ndarray]:
    """Windows covering `length` samples: (starts, weights (n_windows, window) float64) such that the
    weights placed at their starts sum to 1 at every sample.

    The first window starts `lead` samples before the record (starts[0] = -lead: its first `lead`
    samples lie before the record and are not used, `generate`'s LEAD); the others advance by hop =
    ceil(window/2) from hop on, and the last ends at `length`. Consecutive windows cross-fade (cos², sin²)
    over the second half of the earlier one where the later one covers it, so a later window's first
    samples always weigh 0 (lead = 0: over the whole second half).
    """
    if length + lead <= window:
        return [-lead], np.ones((1, window))
    hop = (window + 1) // 2
    starts = [-lead] + list(range(hop, length - window, hop)) + [length - window]
    weights = np.ones((len(starts), window))
    for j in range(1, len(starts)):
        begin = max(starts[j - 1] + hop, starts[j])          # the cross-fade, in record samples
        end = starts[j - 1] + window
        u = (np.arange(end - begin) + 0.5) / (end - begin)
        weights[j - 1, begin - starts[j - 1]:] = np.cos(0.5 * np.pi * u) ** 2    # hand over to window j
        weights[j, :begin - starts[j]] = 0.0                                      # take over from window j - 1
        weights[j, begin - starts[j]:end - starts[j]] = np.sin(0.5 * np.pi * u) ** 2
    return starts, weights


def window_conditioning(cond_mps2, start: int, window: int) -> np.ndarray:
    """The conditioning (C, window) m/s² of the window at `start` of a record's conditioning cond_mps2 (C, L):
    zeros past the record's end; before its start (the first window's lead, start < 0) its first sample
    held (`LEAD_SAMPLES`)."""
    cond = np.asarray(cond_mps2, np.float32)
    out = np.zeros((cond.shape[0], window), np.float32)
    lo, hi = max(start, 0), min(start + window, cond.shape[-1])
    out[:, lo - start:hi - start] = cond[:, lo:hi]
    out[:, :lo - start] = cond[:, :1]
    return out


def blend_window(window_mps2, weight, sampling_rate_hz: float | None = None, split_hz: float | None = None,
                 order: int = 4) -> np.ndarray:
    """Generated windows' shares (..., C, W) of their records at their cross-fade weights `weight`, broadcasting
    against them ((W,) for one window, (B, 1, W) for a batch; `crossfade_layout`).

    Below split_hz consecutive windows carry the same motion (the conditioning's: correlation 0.84–0.998
    between two realizations below 2 Hz with a 1 Hz crossover), and amplitude weights (summing to 1) keep
    it. Above, each window's high frequencies are its own draw (correlation 0.01–0.08 between
    realizations): summed with amplitude weights, two independent draws keep cos⁴ + sin⁴ of their power —
    half at the middle of each cross-fade, a dip every hop. So the part above split_hz (x − lowpass(x),
    zero-phase Butterworth of `order`) takes √weight (cos, sin: powers summing to 1). split_hz None: all
    amplitude weights."""
    w = np.asarray(window_mps2, np.float64)
    if split_hz is None or sampling_rate_hz is None:
        return weight * w
    low = lowpass(w, sampling_rate_hz, split_hz, order)
    return weight * low + np.sqrt(weight) * (w - low)


def band_top(store_spec: dict | None) -> tuple[float | None, int]:
    """(upper band edge, Hz, or None; filter order) of the training records, from a checkpoint's "store"
    entry (`engine.train`: band_hz and the preprocessing's filter_order), for `generate`'s band_top_hz."""
    spec = store_spec or {}
    band = spec.get("band_hz")
    order = int((spec.get("preprocess") or {}).get("filter_order", 4))
    return (float(band[1]) if band else None), order


def generate(denoiser, scaler, config, lowpass_mps2, record_ids, *, realizations: int = 1,
             steps: int | None = None, sampler: str = DEFAULT_SAMPLER, grid: str | None = None, seed: int = 0,
             batch_size: int = 16, lf_merge: bool = True, merge_tol: float = MERGE_TOL,
             sampling_rate_hz: float | None = None, lowpass_hz: float | None = None, window: int | None = None,
             device="cpu", metadata: dict | None = None, done=frozenset(), compile: bool = False,
             pre_event_gate: bool = False, level_model: dict | None = None, band_top_hz: float | None = None,
             band_order: int = 4, crossfade_split_hz: float | None = None, lead_samples: int | None = None,
             cut_conditioning: bool = False) -> Iterator[tuple[str, int, np.ndarray]]:
    """Yield (record_id, k, broadband_mps2 (C, L) float32 m/s²) for every record and realization
    k < realizations, in input order, skipping the (record_id, k) pairs in `done`.

    denoiser: `Denoiser` (model units) on `device`; scaler: its `Scaler`; config: its TrainConfig
    (window, metadata use). lowpass_mps2: (n, C, L) conditioning in m/s²; record_ids: n unique str.
    steps: model evaluations per sample (see `samplers`; default STEPS_FOR[sampler]); grid: noise
    grid (default per sampler).
    lf_merge: replace the low band by the conditioning (`lfmerge.lf_merge` to `merge_tol`; needs
    sampling_rate_hz and lowpass_hz).
    window: model window in samples (default: config.data.window, else the records' length).
    metadata: {field: (n,)} (METADATA_FEATURES; NaN = unknown; and, for the level model, "region", str,
    "ln_distance_rel", `hf_level.relative_ln_distance`, "level_within" (n, C, 2),
    `hf_level.within_event`, and "hypo_depth_km", the event's depth). done: (record_id, k) pairs already
    generated elsewhere (resume).
    compile: torch.compile the denoiser. pre_event_gate: remove generated high frequencies before the
    conditioning's onset (`onset.gate_pre_event`; needs sampling_rate_hz and lowpass_hz).
    level_model: move each trace's generated high band to this model's level where its region is one
    the model did not see (`hf_level.apply`, on the whole trace, before the merge; the component from
    metadata["vertical"], else horizontal; the region from metadata["region"], else unknown; the
    station's place among its event's from metadata["ln_distance_rel"] and metadata["level_within"],
    else unknown; the event's depth from metadata["hypo_depth_km"], else unknown; the timing's end from
    metadata["magnitude"], else unknown; needs sampling_rate_hz and lowpass_hz).
    band_top_hz: low-pass the output at the training records' upper band edge (`band_top`: the
    checkpoint's band_hz[1], zero-phase Butterworth of band_order as preprocessing's band-pass), after the
    level model and before the merge. The training data held nothing above it; the network leaves noise
    there (on held-out regions 35–50 Hz stood e^1.5–e^4 above the real records'). None, or at or above
    the Nyquist frequency: not.
    crossfade_split_hz: windows cross-fade with amplitude weights below it and power weights above it
    (`blend_window`: their high frequencies are independent draws; `CROSSFADE_SPLIT` × the crossover
    for `sample`); None: amplitude weights throughout (exact for content the windows share).
    lead_samples: the first window starts this many samples before the record, dropped after generation
    (None: LEAD_SAMPLES; 0: the record's first sample is its first window's first, as before 2026-12-05).
    cut_conditioning: the conditioning is windows cut from inside records (a training store's): the merge
    leaves their edge zones (`preprocess.condition.edge_samples`) to the generated low band
    (`lfmerge.lf_merge`'s edge_samples); False: whole records, merged over every sample.
    """
    lowpass_mps2 = np.asarray(lowpass_mps2, dtype=np.float32)
    n, n_channels, length = lowpass_mps2.shape
    if len(record_ids) != n:
        raise ValueError(f"{n} conditioning records but {len(record_ids)} record ids")
    if (lf_merge or pre_event_gate or level_model or band_top_hz or crossfade_split_hz) and \
            (sampling_rate_hz is None or lowpass_hz is None):
        raise ValueError("lf_merge, pre_event_gate, level_model, band_top_hz and crossfade_split_hz need "
                         "sampling_rate_hz and lowpass_hz")
    band_top_hz = band_top_hz if band_top_hz and band_top_hz < 0.5 * sampling_rate_hz else None
    vertical = np.asarray((metadata or {}).get("vertical", np.zeros(n)), np.float64)
    region = np.asarray((metadata or {}).get("region", [""] * n), dtype=str)
    ln_distance_rel = (metadata or {}).get("ln_distance_rel")      # hf_level.relative_ln_distance, or None
    level_within = (metadata or {}).get("level_within")            # hf_level.within_event, or None
    hypo_depth_km = (metadata or {}).get("hypo_depth_km")          # the level model's depth term, or None
    magnitude = (metadata or {}).get("magnitude")                  # the level model's timing (its end), or None
    magnitude = None if magnitude is None else np.asarray(magnitude, np.float64)
    window = int(window or config.data.window or length)
    lead = LEAD_SAMPLES if lead_samples is None else int(lead_samples)
    starts, weights = crossfade_layout(length, window, lead)
    edge = edge_samples(length, sampling_rate_hz, lowpass_hz) if lf_merge and cut_conditioning else 0
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
            cond_mps2[row] = window_conditioning(lowpass_mps2[i], starts[j], window)
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
        shares = blend_window(windows_mps2, weights[[j for _, _, j in batch]][:, None, :], sampling_rate_hz,
                              crossfade_split_hz if len(starts) > 1 else None)      # one split for the batch
        for row, (i, k, j) in enumerate(batch):
            acc, left = pending.setdefault((i, k), [np.zeros((n_channels, lead + max(length, window))), len(starts)])
            acc[:, lead + starts[j]:lead + starts[j] + window] += shares[row]      # acc[lead]: the record's first sample
            pending[(i, k)][1] = left - 1
        complete = [key for key, (_, left) in pending.items() if left == 0]
        if not complete:
            continue
        out = np.stack([pending.pop(key)[0][:, lead:lead + length] for key in complete])   # the lead dropped
        cond = lowpass_mps2[[i for i, _ in complete]].astype(np.float64)
        if pre_event_gate:   # whole traces only: the onset is the record's, not a window's
            out = gate_pre_event(out, cond, sampling_rate_hz, lowpass_hz)
        if level_model:   # the high band's level, before the merge restores the low band
            rows = [i for i, _ in complete]
            out = hf_level.apply(out, cond, level_model, sampling_rate_hz, lowpass_hz, vertical[rows], region[rows],
                                 None if ln_distance_rel is None else np.asarray(ln_distance_rel, np.float64)[rows],
                                 None if level_within is None else np.asarray(level_within, np.float64)[rows],
                                 None if magnitude is None else magnitude[rows],
                                 None if hypo_depth_km is None else np.asarray(hypo_depth_km, np.float64)[rows],
                                 [record_seed(seed, record_ids[i], k, TEXTURE_WINDOW) for i, k in complete])
        if band_top_hz:   # the training band's top: above it the network's residual noise only
            out = lowpass(out, sampling_rate_hz, band_top_hz, band_order)
        if lf_merge:   # one call for all: traces converge independently, the batch changes nothing
            out = merge_low_band(out, cond, sampling_rate_hz, lowpass_hz, tol=merge_tol, edge_samples=edge)
        for (i, k), acc in zip(complete, out.astype(np.float32)):
            yield record_ids[i], k, acc

