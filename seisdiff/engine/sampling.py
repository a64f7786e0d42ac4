"""The block loop of `seisdiff sample`: conditioning store → `generate` → a sink, resumably, in m/s².

Records are read `block_records` at a time (memory bounded by the block); realizations already in the
sink are skipped. Records of one store may differ in length (whole-record conditioning, column
`n_samples`; see preprocess.whole): each is generated over its own samples only — its windows,
cross-fades and low-frequency merge never see the padding — and handed to the sink padded back to the
store's length. Stores without `n_samples` (windows cut for training) are generated exactly as stored.
Record i, realization k is seeded from (seed, record id, k, window) (`generate.record_seed`), so
results do not depend on blocks, batch size, grouping by length or sharding.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from seisdiff.engine.generate import STEPS_FOR, generate
from seisdiff.engine.lfmerge import MERGE_TOL
from seisdiff.engine.samplers import DEFAULT_GRID, evaluations, intervals_for
from seisdiff.engine.scaling import METADATA_FEATURES

SKIPPED_COLUMNS = ("pga_broadband", "pga_lowpass")   # recomputed by the sink for the generated records


def resolve_settings(args, ckpt_path: Path, ckpt: dict, spec: dict | None, cond, config, device: str, world: int) -> dict:
    """Every setting the output depends on (saved as OUT/sample_config.json)."""
    steps = args.steps or STEPS_FOR[args.sampler]
    return {
        "checkpoint": str(ckpt_path.resolve()), "checkpoint_epoch": ckpt.get("epoch"), "checkpoint_step": ckpt.get("step"),
        "cond": [str(c) for c in args.cond], "conditioning_store": str(cond.path), "format": args.format,
        "realizations": args.realizations, "sampler": args.sampler, "steps": steps,
        "evaluations": evaluations(args.sampler, intervals_for(args.sampler, steps)),
        "grid": DEFAULT_GRID[args.sampler], "seed": args.seed, "lf_merge": args.lf_merge, "merge_tol": MERGE_TOL,
        "crossover_hz": cond.lowpass_hz, "sampling_rate_hz": cond.sampling_rate_hz,
        "window": config.data.window or (spec or {}).get("length") or cond.length,
        "batch_size": args.batch_size, "device": device, "world_size": world, "units": "m/s^2",
        "kappa_s": args.kappa_s, "output": args.output,
    }


def sample_into(sink, model, cond, shard, settings: dict, *, kappa_s: float | None = None, block_records: int = 256,
                progress: bool = True, compile: bool = False, label: str = "sample") -> tuple[int, int, float]:
    """Generate every realization of the records `shard` (indices into `cond`) not yet in `sink`,
    block by block. model: (denoiser, config, scaler). Returns (generated now, found already written, seconds)."""
    denoiser, config, scaler = model
    k_all = range(settings["realizations"])
    columns = {c: cond.column(c) for c in cond.columns if c not in SKIPPED_COLUMNS}
    if kappa_s is not None:
        columns["kappa_s"] = np.full(len(cond), float(kappa_s))
    meta_names = [c for c in METADATA_FEATURES if c in columns]
    lengths = columns.get("n_samples")
    already = sum(sink.done(rid, k) for rid in cond.record_ids[shard].tolist() for k in k_all)
    bar = tqdm(total=len(shard) * len(k_all), initial=already, unit="rec", desc=label,
               disable=None if progress else True)
    t0, written = time.perf_counter(), 0
    for lo in range(0, len(shard), block_records):
        rows = shard[lo:lo + block_records]
        ids = cond.record_ids[rows].tolist()
        done = {(rid, k) for rid in ids for k in k_all if sink.done(rid, k)}
        if len(done) == len(ids) * len(k_all):
            continue
        lowpass_mps2 = cond.read(int(rows[0]), int(rows[-1]) + 1, fields=("lowpass",))["lowpass"][rows - rows[0]]
        for sel, n in _by_length(lowpass_mps2.shape[-1], None if lengths is None else lengths[rows]):
            part = lowpass_mps2 if sel is None else lowpass_mps2[sel, :, :n]
            part_rows = rows if sel is None else rows[sel]
            part_ids = ids if sel is None else [ids[i] for i in sel]
            by_id = {rid: r for r, rid in enumerate(part_ids)}
            for rid, k, acc_mps2 in generate(
                    denoiser, scaler, config, part, part_ids, realizations=len(k_all), steps=settings["steps"],
                    sampler=settings["sampler"], seed=settings["seed"], batch_size=settings["batch_size"],
                    lf_merge=settings["lf_merge"], merge_tol=settings["merge_tol"], fs_hz=cond.sampling_rate_hz,
                    lowpass_hz=cond.lowpass_hz, window=settings["window"], device=settings["device"],
                    metadata={c: columns[c][part_rows] for c in meta_names}, done=done, compile=compile):
                r = by_id[rid]
                pos = r if sel is None else int(sel[r])      # the record's place in the block
                sink.add(rid, k, _padded(acc_mps2, lowpass_mps2.shape[-1]), lowpass_mps2[pos],
                         {c: v[rows[pos]] for c, v in columns.items()})
                written += 1
                bar.update(1)
        sink.flush()
    bar.close()
    return written, already, time.perf_counter() - t0


def _by_length(length: int, n_samples) -> list[tuple[np.ndarray | None, int]]:
    """(row selection, samples) per distinct record length; [(None, length)] when every record is whole."""
    if n_samples is None:
        return [(None, length)]
    n = np.where((n_samples > 0) & (n_samples <= length), n_samples, length).astype(np.int64)
    return [(np.flatnonzero(n == v), int(v)) for v in dict.fromkeys(n.tolist())]


def _padded(acc_mps2: np.ndarray, length: int) -> np.ndarray:
    if acc_mps2.shape[-1] == length:
        return acc_mps2
    out = np.zeros(acc_mps2.shape[:-1] + (length,), acc_mps2.dtype)
    out[..., :acc_mps2.shape[-1]] = acc_mps2
    return out
