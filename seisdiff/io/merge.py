"""Merging the rank stores of a torchrun `sample` into one store, OUT/samples.zarr.

Each rank r writes OUT/rank<r>.zarr and leaves OUT/rank<r>.done when finished; the last rank to finish
locks OUT/merge.lock (an advisory lock, which the system releases when its process dies: a merge killed
midway does not stop the next run's; a rank finding it held waits, then merges what is still missing)
and appends every record not yet in the merged store, in the conditioning's order (record, then
realization: one process's order), so `merge_rank_stores` can be re-run by hand. Rank stores of
different lengths (waveform files conditioned by rank, as earlier versions did): the merged store takes
the longest of all, records zero-padded at the end (their `n_samples` column says how long each is).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:            # Windows
    fcntl = None

import numpy as np

from seisdiff.errors import UserError
from seisdiff.io.sinks import KEPT_ATTRS, rank_stores
from seisdiff.io.store import create_store, open_store, pad_to_length


def finish_rank(out: Path, world: int, rank: int, order=None) -> Path | None:
    """Mark this rank done; if every rank is, merge (one process at a time; `order`: the conditioning's
    record ids, `merge_rank_stores`). Returns the merged store or None."""
    (out / f"rank{rank}.done").write_text("done\n")
    if not all((out / f"rank{r}.done").is_file() for r in range(world)):
        return None
    with _merge_lock(out / "merge.lock") as mine:
        if not mine:
            return None           # another rank is merging (no advisory locks here)
        ranks = [out / f"rank{r}.zarr" for r in range(world)]      # and those of a run with more ranks, whose
        ranks += [p for p in rank_stores(out) if p not in ranks]    # records this run did not make again
        return merge_rank_stores(ranks, out / "samples.zarr", order=order)


@contextlib.contextmanager
def _merge_lock(path: Path):
    """Yield True once this process holds the lock at path (after any other holder: every rank that finds
    all ranks done merges, one after the other, the later ones appending what the earlier missed); False,
    without fcntl, when another process holds it. The file stays (removing it would let a third process
    lock a new file beside a holder of the old one)."""
    if fcntl is None:             # no advisory locks (Windows): the file's existence is the lock
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            yield False
            return
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)    # waits for a merge under way: it may have missed this rank's last records
        yield True
    finally:
        os.close(fd)              # releases the lock


def merge_rank_stores(sources: list[Path], dest: Path, block_records: int = 256, order=None) -> Path:
    """Append the records of the stores `sources` not yet in `dest` (created like the first, with the
    longest length among them; shorter records zero-padded) to `dest`. order: the conditioning's record
    ids; the records are then appended by their source record's place in it, then realization (the order
    one process writes), else source by source."""
    stores = [open_store(s) for s in sources]
    first, length = stores[0], max(s.length for s in stores)
    writer = create_store(dest, sampling_rate_hz=first.sampling_rate_hz, length=length,
                          n_channels=first.n_channels, lowpass_hz=first.lowpass_hz, band_hz=first.band_hz,
                          producer=first.attrs.get("producer", "seisdiff sample"),
                          extra_attrs={"sampling": first.attrs.get("sampling", {}),
                                       **{k: first.attrs[k] for k in KEPT_ATTRS if k in first.attrs}})
    if writer.length != length:
        raise UserError(f"{dest}: holds records of {writer.length} samples, the rank stores up to {length}; "
                        "merge into another store")
    existing = writer.existing_ids
    todo = []                                   # (source, row) of every record to append, in output order
    for s, src in enumerate(stores):
        for row, rid in enumerate(src.record_ids.tolist()):
            if rid not in existing:
                existing.add(rid)
                todo.append((s, row))
    if order is not None:
        todo.sort(key=_output_order(stores, order))
    columns = [{c: src.column(c) for c in src.columns} for src in stores]
    for lo in range(0, len(todo), block_records):
        _append(writer, stores, columns, todo[lo:lo + block_records], length)
    return dest


def _output_order(stores, order):
    """Sort key of (source, row): the source record's place in `order` (unknown ones last), realization."""
    place = {rid: j for j, rid in enumerate(np.asarray(order).tolist())}
    keys = []
    for src in stores:
        if {"source_record_id", "realization"} <= set(src.columns):
            keys.append([(place.get(rid, len(place)), int(k)) for rid, k in
                         zip(src.column("source_record_id").tolist(), src.column("realization").tolist())])
        else:
            keys.append([(len(place), 0)] * len(src))
    return lambda item: (*keys[item[0]][item[1]], item[0], item[1])


def _append(writer, stores, columns, items, length: int) -> None:
    """Append the records `items` [(source, row)] to writer, in that order. Each source's rows are read in
    one span when they lie close together (the usual case: every world-th record), else one by one.
    columns: each source's {name: (N,)}; a column some sources lack is unknown there (NaN, -1 or "")."""
    n = len(items)
    bb = np.zeros((n, stores[0].n_channels, length), np.float32)
    lp = np.zeros_like(bb)
    src_of, row_of = np.array([s for s, _ in items]), np.array([r for _, r in items])
    for s in np.unique(src_of).tolist():
        at = np.flatnonzero(src_of == s)
        rows = row_of[at]
        lo, hi = int(rows.min()), int(rows.max()) + 1
        spans = [(lo, hi, at, rows - lo)] if hi - lo <= 4 * len(rows) else \
            [(int(r), int(r) + 1, [a], [0]) for a, r in zip(at, rows)]
        for a, b, dest, take in spans:
            block = stores[s].read(a, b)
            bb[dest] = pad_to_length(block["broadband"][take], length)
            lp[dest] = pad_to_length(block["lowpass"][take], length)
    merged = {}
    for name in dict.fromkeys(c for cols in columns for c in cols):
        kind = next(cols[name] for cols in columns if name in cols).dtype
        fill = {"f": np.nan, "i": -1, "u": 0, "b": False}.get(kind.kind, "")
        merged[name] = np.array([columns[s][name][r] if name in columns[s] else fill for s, r in items],
                                dtype=None if kind.kind in "OUS" else kind)
    ids = np.array([stores[s].record_ids[r] for s, r in items])
    writer.append(bb, lp, ids, merged)
