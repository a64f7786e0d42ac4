"""Merging the rank stores of a torchrun `sample` into one store, OUT/samples.zarr.

Each rank r writes OUT/rank<r>.zarr and leaves OUT/rank<r>.done when finished; the last rank to finish
locks OUT/merge.lock (an advisory lock, which the system releases when its process dies: a merge killed
midway does not stop the next run's; a rank finding it held waits, then merges what is still missing) and appends every record not yet in the merged store (so
`merge_rank_stores` can be re-run by hand). Rank stores of different lengths (waveform files conditioned
by rank, as earlier versions did): the merged store takes the longest of all, records zero-padded at the end (their `n_samples`
column says how long each is).
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
from seisdiff.io.store import create_store, open_store, pad_to_length


def finish_rank(out: Path, world: int, rank: int) -> Path | None:
    """Mark this rank done; if every rank is, merge (one process at a time). Returns the merged store or None."""
    (out / f"rank{rank}.done").write_text("done\n")
    if not all((out / f"rank{r}.done").is_file() for r in range(world)):
        return None
    with _merge_lock(out / "merge.lock") as mine:
        if not mine:
            return None           # another rank is merging (no advisory locks here)
        return merge_rank_stores([out / f"rank{r}.zarr" for r in range(world)], out / "samples.zarr")


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


def merge_rank_stores(sources: list[Path], dest: Path, block_records: int = 256) -> Path:
    """Append the records of the stores `sources` not yet in `dest` (created like the first, with the
    longest length among them; shorter records zero-padded) to `dest`."""
    stores = [open_store(s) for s in sources]
    first, length = stores[0], max(s.length for s in stores)
    writer = create_store(dest, sampling_rate_hz=first.sampling_rate_hz, length=length,
                          n_channels=first.n_channels, lowpass_hz=first.lowpass_hz, band_hz=first.band_hz,
                          producer=first.attrs.get("producer", "seisdiff sample"),
                          extra_attrs={"sampling": first.attrs.get("sampling", {})})
    if writer.length != length:
        raise UserError(f"{dest}: holds records of {writer.length} samples, the rank stores up to {length}; "
                        "merge into another store")
    existing = writer.existing_ids
    for src in stores:
        for lo in range(0, len(src), block_records):
            hi = min(lo + block_records, len(src))
            ids = src.record_ids[lo:hi]
            new = np.flatnonzero([rid not in existing for rid in ids.tolist()])
            if len(new) == 0:
                continue
            block = src.read(lo, hi)
            columns = {c: src.column(c)[lo:hi][new] for c in src.columns}
            writer.append(pad_to_length(block["broadband"][new], length),
                          pad_to_length(block["lowpass"][new], length), ids[new], columns)
            existing.update(ids[new].tolist())
    return dest
