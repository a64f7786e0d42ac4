"""Training batches from a store: block reads, in-memory shuffling, random crops and polarity flips,
train/validation split by event, per-rank sharding. Arrays are read in m/s² and reach model units only
through `Scaler.to_model`.

Determinism: the order, crops and flips of an epoch depend only on (seed, epoch). Every process draws
the same global batch and keeps its own share, so `world_size` processes with `grad_accum` micro-batches
each see exactly the micro-batches one process with `world_size · grad_accum` micro-batches sees, and their
records in the order of one process's single batch (micro-batch j of rank r holds records
(r·grad_accum + j)·b … of it: the record offset that picks their noise and times in `train.train_step`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seisdiff.engine.config import DataConfig
from seisdiff.engine.scaling import ALWAYS_KNOWN, METADATA_FEATURES, Scaler, metadata_columns
from seisdiff.errors import UserError


def split_indices(store, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) sorted record indices. With an `event` column, whole events go to one side
    (records with an empty event count as their own event); otherwise records are split."""
    n = len(store)
    groups = store.column("event") if "event" in store.columns else np.array([""] * n)
    groups = np.where(groups == "", np.char.add("<no event> record ", np.arange(n).astype(str)), groups)
    unique, inverse = np.unique(groups, return_inverse=True)
    n_val = int(round(val_fraction * len(unique))) if len(unique) > 1 else 0
    n_val = min(max(n_val, 1 if val_fraction > 0 and len(unique) > 1 else 0), len(unique) - 1)
    val_groups = np.random.default_rng([seed, 1]).permutation(len(unique))[:n_val]
    is_val = np.isin(inverse, val_groups)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


@dataclass
class RecordPool:
    """Records held in memory: raw broadband/lowpass (n, C, L) float32 m/s², metadata (n,) each."""

    broadband_mps2: np.ndarray
    lowpass_mps2: np.ndarray
    metadata: dict

    @classmethod
    def read(cls, store, indices: np.ndarray, block_records: int) -> "RecordPool":
        """Records `indices` (sorted) read block by block (whole blocks of records, never one record)."""
        indices = np.asarray(indices, dtype=np.int64)
        bbs, lps = [], []
        for start in np.unique(indices // block_records) * block_records:
            wanted = indices[(indices >= start) & (indices < start + block_records)] - start
            block = store.read(int(start), int(start) + block_records)
            bbs.append(block["broadband"][wanted])
            lps.append(block["lowpass"][wanted])
        meta = metadata_columns({k: store.column(k)[indices] for k in store.columns
                                 if k in METADATA_FEATURES or k == "component"})
        shape = (0, store.n_channels, store.length)
        pool = cls(np.concatenate(bbs) if bbs else np.zeros(shape, np.float32),
                   np.concatenate(lps) if lps else np.zeros(shape, np.float32), meta)
        _refuse_non_finite(store, indices, pool)
        return pool

    def __len__(self) -> int:
        return len(self.broadband_mps2)


def _refuse_non_finite(store, indices: np.ndarray, pool: RecordPool) -> None:
    """UserError naming the records of `pool` (store records `indices`) with NaN or infinite samples: one
    such sample turns every weight of a model trained on it into NaN."""
    bad = ~(np.isfinite(pool.broadband_mps2).all(axis=(1, 2)) & np.isfinite(pool.lowpass_mps2).all(axis=(1, 2)))
    if bad.any():
        ids = store.record_ids[indices[bad]]
        raise UserError(f"{store.path}: {int(bad.sum())} record(s) with NaN or infinite samples (e.g. "
                        f"{', '.join(map(str, ids[:3]))}); `seisdiff verify` lists the store's problems: "
                        "preprocess the records again, or leave them out")


class BatchLoader:
    """Batches of records `indices` of `store` in model units, for one process of `world_size`.

    Each step yields this process's `grad_accum` micro-batches, each a dict with
    x0 (b, C, W) and cond (b, C, W) float32 model units, scalars (b, S) float32 (NaN = unknown),
    log_scale (b,) float64, where b = batch_size / (world_size · grad_accum) and W = window.
    """

    def __init__(self, store, indices, scaler: Scaler, cfg: DataConfig, batch_size: int, seed: int,
                 rank: int = 0, world_size: int = 1, grad_accum: int = 1):
        n_micro = world_size * grad_accum
        if batch_size % n_micro:
            raise UserError(f"batch_size {batch_size} is not divisible by world_size × grad_accum = {n_micro}; "
                            "choose a multiple")
        self.indices = np.sort(np.asarray(indices, dtype=np.int64))
        if len(self.indices) < batch_size:
            raise UserError(f"{store.path}: {len(self.indices)} training records, fewer than one batch "
                            f"({batch_size}); lower --batch-size or add records")
        self.store, self.scaler, self.cfg = store, scaler, cfg
        self.batch_size, self.seed = batch_size, seed
        self.micro = batch_size // n_micro
        self.first_micro, self.grad_accum = rank * grad_accum, grad_accum
        self.window = cfg.window or store.length
        if self.window > store.length:
            raise UserError(f"window {self.window} is longer than the store's records ({store.length}); "
                            "lower data.window")
        if not 0.0 <= cfg.crop_overhang <= 1.0:
            raise UserError(f"data.crop_overhang {cfg.crop_overhang} is outside [0, 1] (a fraction of the window)")
        self.overhang = overhang_samples(self.window, cfg.crop_overhang)
        record_bytes = 2 * store.n_channels * store.length * 4  # broadband + lowpass, float32
        fits = len(self.indices) * record_bytes <= cfg.max_memory_gb * 2**30
        self.pool_records = len(self.indices) if fits else max(batch_size, int(cfg.max_memory_gb * 2**30 // record_bytes))
        self._resident = RecordPool.read(store, self.indices, cfg.block_records) if fits else None

    def steps_per_epoch(self) -> int:
        """Steps of epoch 0 (every epoch's when the records are resident; see `steps_in_epoch`)."""
        return self.steps_in_epoch(0)

    def steps_in_epoch(self, epoch: int) -> int:
        """The exact number of steps `epoch(epoch)` yields, without reading records. Streamed epochs (records
        read pool by pool) differ in length: each pool drops its own remainder of a batch."""
        return sum(len(chunk) // self.batch_size for chunk in self._pool_chunks(epoch))

    def _pool_chunks(self, epoch: int) -> list[np.ndarray]:
        """Record indices per pool: all of them when resident, else whole blocks in a shuffled order."""
        if self._resident is not None:
            return [self.indices]
        blocks = np.unique(self.indices // self.cfg.block_records)
        blocks = np.random.default_rng([self.seed, epoch, 2]).permutation(blocks)
        per_pool = max(1, self.pool_records // self.cfg.block_records)
        block_of = self.indices // self.cfg.block_records
        return [np.sort(self.indices[np.isin(block_of, blocks[i:i + per_pool])])
                for i in range(0, len(blocks), per_pool)]

    def epoch(self, epoch: int, start: int = 0):
        """Iterator over the steps of `epoch`: each a list of this process's micro-batches. With `start`, the
        steps from position `start` on (the same batches; pools wholly before it are not read)."""
        if start < 0:
            raise ValueError(f"start {start} < 0")
        for k, chunk in enumerate(self._pool_chunks(epoch)):
            n_steps = len(chunk) // self.batch_size
            if start >= n_steps:                   # a pool wholly before `start`: its batches are skipped unread
                start -= n_steps
                continue
            pool = self._resident if self._resident is not None else \
                RecordPool.read(self.store, chunk, self.cfg.block_records)
            rng = np.random.default_rng([self.seed, epoch, k])
            order = rng.permutation(len(pool))
            offsets = rng.integers(-self.overhang, pool.broadband_mps2.shape[-1] - self.window + self.overhang + 1,
                                   size=len(pool))
            signs = rng.choice([-1.0, 1.0], size=len(pool)) if self.cfg.flip_polarity else np.ones(len(pool))
            hide = rng.random(len(pool)) < self.cfg.metadata_dropout
            for step in range(start, len(pool) // self.batch_size):
                batch = order[step * self.batch_size:(step + 1) * self.batch_size]
                yield [self._micro_batch(pool, batch[j * self.micro:(j + 1) * self.micro], offsets, signs, hide)
                       for j in range(self.first_micro, self.first_micro + self.grad_accum)]
            start = 0

    def _micro_batch(self, pool: RecordPool, rows, offsets, signs, hide) -> dict:
        return make_batch(pool, rows, offsets[rows], signs[rows], self.window, self.scaler, self.cfg.use_metadata,
                          hide_metadata=hide[rows])


def overhang_samples(window: int, fraction: float) -> int:
    """Samples a training crop of `window` may reach past its record's ends: `fraction` of the window, at
    most window − 1 (a crop always holds one record sample)."""
    return min(int(round(fraction * window)), window - 1)


def crop(pool: RecordPool, rows, offsets, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw (broadband, lowpass) (n, C, window) m/s² of pool records `rows`, starting at `offsets` (n,);
    samples before a record's start or past its end (negative or large offsets) are zero."""
    take = (np.asarray(offsets)[:, None] + np.arange(window))[:, None, :]
    length = pool.broadband_mps2.shape[-1]
    inside = (take >= 0) & (take < length)
    take = np.clip(take, 0, length - 1)
    return (np.take_along_axis(pool.broadband_mps2[rows], take, axis=-1) * inside,
            np.take_along_axis(pool.lowpass_mps2[rows], take, axis=-1) * inside)


def make_batch(pool: RecordPool, rows, offsets, signs, window: int, scaler: Scaler, use_metadata: bool,
               hide_metadata=None) -> dict:
    """Model-unit batch of pool records `rows`, cropped at `offsets` to `window` samples, times `signs` (±1);
    the metadata of rows where `hide_metadata` (n,) is True is given as unknown (NaN), but for the fields
    read from the data itself (ALWAYS_KNOWN: the component)."""
    bb, lp = crop(pool, rows, offsets, window)
    sign = np.asarray(signs, np.float32)[:, None, None]
    x0, cond, log_scale = scaler.to_model(bb * sign, lp * sign)
    meta = metadata(pool, rows, use_metadata)
    if hide_metadata is not None:
        meta = {k: v if k in ALWAYS_KNOWN else np.where(hide_metadata, np.nan, v) for k, v in meta.items()}
    return {"x0": torch.from_numpy(x0), "cond": torch.from_numpy(cond),
            "scalars": scaler.scalars(log_scale, **meta),
            "log_scale": torch.from_numpy(log_scale)}


def metadata(pool: RecordPool, rows, use_metadata: bool = True) -> dict:
    """{field: (n,)} of pool records `rows` for the metadata fields the store knows (or {})."""
    return {k: v[rows] for k, v in pool.metadata.items()} if use_metadata else {}


def validation_set(store, indices, scaler: Scaler, cfg: DataConfig, batch_size: int):
    """Validation records (centred crop, no flip): (model-unit batches of at most batch_size, raw pool,
    crop offsets (n,))."""
    pool = RecordPool.read(store, np.sort(indices), cfg.block_records)
    window = cfg.window or store.length
    offsets = np.full(len(pool), (store.length - window) // 2)
    batches = []
    for i in range(0, len(pool), batch_size):
        rows = np.arange(i, min(i + batch_size, len(pool)))
        batches.append(make_batch(pool, rows, offsets[rows], np.ones(len(rows)), window, scaler, cfg.use_metadata))
    return batches, pool, offsets
