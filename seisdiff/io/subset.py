"""A store holding some records of another store (m/s², unchanged), copied block by block, resumably.

The copy keeps every per-record column and the source's attributes (sampling rate, crossover, band,
filter, preprocessing settings, …); the derived PGA columns are recomputed by the writer from the same
arrays, so they are equal. A copy interrupted at any point is completed by the next call: records
already committed are skipped (`StoreWriter.existing_ids`), and a complete copy (its `n_records`
commit marker equals the number asked for) is not opened for writing at all. A destination holding
records that were not asked for (made by another plan: another source, another selection), or records of
the same ids with other data (another store: their stored PGAs differ), is refused, never returned with them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from seisdiff.errors import UserError
from seisdiff.io.store import Store, create_store, open_store

# attributes create_store sets from its own arguments (or which describe this store, not its records)
_OWN_ATTRS = ("units", "sampling_rate_hz", "lowpass_hz", "band_hz", "schema_version", "producer", "columns",
              "n_records")


def copy_records(source: Store | str | Path, indices, dest, *, block_records: int = 256,
                 producer: str = "seisdiff subset",
                 remedy: str = "delete it or choose another destination") -> tuple[Store, int]:
    """Copy records `indices` (any order; kept sorted) of `source` into the store `dest`.

    Returns (the destination store, records written by this call: 0 when it was already complete).
    UserError (ending with `remedy`, what the user should do) when `dest` holds records not asked for."""
    src = source if isinstance(source, Store) else open_store(source)
    indices = np.unique(np.asarray(indices, dtype=np.int64))
    dest = Path(dest)
    if (dest / "zarr.json").is_file():
        done = open_store(dest)
        wanted = set(src.record_ids[indices].tolist())
        _refuse_extra(done, wanted, src, remedy)
        _refuse_other_data(done, src, remedy)
        if len(done) == len(indices):
            return done, 0
    filter_order = int(src.attrs.get("filter", {}).get("order", 4))
    writer = create_store(dest, sampling_rate_hz=src.sampling_rate_hz, length=src.length,
                          n_channels=src.n_channels, lowpass_hz=src.lowpass_hz, band_hz=src.band_hz,
                          filter_order=filter_order, producer=producer,
                          extra_attrs={k: v for k, v in src.attrs.items() if k not in _OWN_ATTRS})
    existing = writer.existing_ids
    ids = src.record_ids
    todo = indices[~np.isin(ids[indices], list(existing))] if existing else indices
    columns = {c: src.column(c) for c in src.columns if c not in ("pga_broadband", "pga_lowpass")}
    written = 0
    for lo in range(0, len(todo), block_records):
        rows = todo[lo:lo + block_records]
        signals = read_rows(src, rows)
        writer.append(signals["broadband"], signals["lowpass"], ids[rows],
                      {c: v[rows] for c, v in columns.items()})
        written += len(rows)
    return open_store(dest), written


def _refuse_extra(done: Store, wanted: set, src: Store, remedy: str) -> None:
    """UserError when the existing destination `done` holds records that are not among `wanted`."""
    extra = sorted(set(done.record_ids.tolist()) - wanted)
    if extra:
        shown = ", ".join(extra[:3]) + (", …" if len(extra) > 3 else "")
        raise UserError(f"{done.path}: holds {len(extra)} record(s) not asked for from {src.path} ({shown}): "
                        f"it was made by another plan; {remedy}")


def _refuse_other_data(done: Store, src: Store, remedy: str) -> None:
    """UserError when records of `done` hold other data than the source's records of the same ids (the same
    inputs preprocessed again with another band, another source store): their stored PGAs differ."""
    columns = [c for c in ("pga_broadband", "pga_lowpass") if c in done.columns and c in src.columns]
    if not columns or not len(done):
        return
    row = {rid: i for i, rid in enumerate(src.record_ids.tolist())}
    ids = done.record_ids.tolist()
    rows = [row[r] for r in ids]
    differ = np.zeros(len(ids), dtype=bool)
    for c in columns:
        theirs = src.column(c)[rows].astype(np.float64).reshape(len(ids), -1)
        ours = done.column(c).astype(np.float64).reshape(len(ids), -1)
        differ |= ~np.isclose(ours, theirs, rtol=1e-6, atol=0.0, equal_nan=True).all(axis=1)
    if differ.any():
        shown = ", ".join(np.asarray(ids)[differ][:3].tolist()) + (", …" if differ.sum() > 3 else "")
        raise UserError(f"{done.path}: {int(differ.sum())} record(s) hold other data than {src.path}'s of the same "
                        f"id ({shown}: another PGA): it was made from another store; {remedy}")


def read_rows(store: Store, rows, fields=("broadband", "lowpass")) -> dict[str, np.ndarray]:
    """Records `rows` (sorted, unique) as {field: (k, C, L)}, one read per run of consecutive rows."""
    rows = np.asarray(rows, dtype=np.int64)
    runs = np.split(rows, np.flatnonzero(np.diff(rows) != 1) + 1)
    parts = [store.read(int(r[0]), int(r[-1]) + 1, fields=fields) for r in runs if len(r)]
    return {f: np.concatenate([p[f] for p in parts]) for f in fields}
