"""Commits are durable in order: the files a commit's data lives in (and the folders naming them) are synced to disk
before its marker is written — a store's `n_records`, a grid output's `committed` chunk — and the marker after; a
grid output built under a temporary name is synced before its rename and its folder after. Without it a power loss
could leave a marker ahead of its data. The order of the calls is checked by recording them (monkeypatch)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

import seisdiff.io.atomic as atomic
import seisdiff.io.grid_store as grid_store
import seisdiff.io.store as store_module
from seisdiff.io.store import create_store


def _record_syncs(monkeypatch, state=lambda: None) -> list:
    """Every fsync of a file or folder from now on, as (kind, resolved path, state() when it ran), in order."""
    calls = []
    real_file, real_folder = atomic.fsync_file, atomic.fsync_folder

    def on_file(path):
        calls.append(("file", Path(path).resolve(), state()))
        real_file(path)

    def on_folder(path):
        calls.append(("folder", Path(path).resolve(), state()))
        real_folder(path)

    for module in (atomic, store_module, grid_store):
        for name, fn in (("fsync_file", on_file), ("fsync_folder", on_folder)):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, fn)
    return calls


def _files(root: Path) -> dict:
    return {p.resolve(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def _append(writer, lo: int, n: int, columns: dict):
    bb = np.random.default_rng(lo).standard_normal((n, 1, 64)).astype(np.float32)
    writer.append(bb, bb, [f"r{i}" for i in range(lo, lo + n)], columns)


def test_a_store_append_syncs_its_data_and_folders_before_the_marker_and_the_marker_after(tmp_path, monkeypatch):
    """Records 10–19 appended (over a shard boundary: 16 records a shard) with a new column: every file the append
    wrote or replaced was synced while the marker on disk still said 10, and every folder holding a new file too;
    the marker file (zarr.json, n_records 20) and its folder after."""
    path = tmp_path / "s.zarr"
    writer = create_store(path, sampling_rate_hz=100.0, length=64, lowpass_hz=1.0, records_per_chunk=4)
    _append(writer, 0, 10, {"magnitude": np.full(10, 6.0)})
    before = _files(path)
    marker = path.resolve() / "zarr.json"
    calls = _record_syncs(monkeypatch, lambda: json.loads(marker.read_text())["attributes"]["n_records"])
    _append(writer, 10, 10, {"magnitude": np.full(10, 6.5), "event": np.array(["e"] * 10)})
    after = _files(path)
    written = {p for p, stat in after.items() if before.get(p) != stat} - {marker}
    new_folders = {p.parent for p in after if p not in before}
    assert {path.resolve() / "broadband/c/1/0/0", path.resolve() / "event/c/0", path.resolve() / "event/zarr.json",
            path.resolve() / "record_id/c/0"} <= written
    synced_before = {(kind, p) for kind, p, n_records in calls if n_records == 10}
    assert {("file", p) for p in written} <= synced_before
    assert {("folder", f) for f in new_folders} <= synced_before
    last = [(kind, p) for kind, p, n_records in calls if n_records == 20]
    assert last == [("file", marker), ("folder", path.resolve())]


def test_a_new_store_is_on_disk_before_it_is_used(tmp_path, monkeypatch):
    calls = _record_syncs(monkeypatch)
    create_store(tmp_path / "s.zarr", sampling_rate_hz=100.0, length=64, lowpass_hz=1.0)
    synced = {p for _, p, _ in calls}
    assert _files(tmp_path / "s.zarr").keys() <= synced and {(tmp_path / "s.zarr").resolve(), tmp_path.resolve()} <= synced


def _grid_writer(tmp_path, n=5, block_stations=2):
    import zarr

    group = zarr.open_group(str(tmp_path / "out.zarr"), mode="w", zarr_format=3)
    group.create_array("acceleration", shape=(n, 1, 100), chunks=(block_stations, 1, 100), dtype="float32",
                       fill_value=np.nan)
    for name in ("station", "network"):
        group.create_array(name, shape=(n,), dtype=str)[:] = np.array([f"S{i}" for i in range(n)])
    n_blocks = -(-n // block_stations)
    group.create_array("committed", shape=(n_blocks,), chunks=(1,), dtype="uint8", fill_value=0)
    group.attrs.update({"block_stations": block_stations, "n_blocks": n_blocks, "components": ["Z"],
                        "sampling_rate_hz": 50.0, "start_time": ""})
    return grid_store.GridWriter(tmp_path / "out.zarr", group)


def test_a_grid_block_is_synced_before_its_committed_chunk_and_that_chunk_after(tmp_path, monkeypatch):
    writer = _grid_writer(tmp_path)
    root = (tmp_path / "out.zarr").resolve()
    committed = root / "committed" / "c" / "1"
    calls = _record_syncs(monkeypatch, committed.exists)
    writer.write_block(1, np.ones((2, 1, 100), np.float32), skipped=["", "no input"])
    before = {(kind, p) for kind, p, done in calls if not done}
    assert {("file", root / "acceleration/c/1/0/0"), ("file", root / "skipped/c/1"),
            ("folder", root / "acceleration/c/1/0")} <= before
    assert ("file", committed) in {(kind, p) for kind, p, done in calls if done}
    assert writer.committed() == {1}


def test_a_grid_output_is_synced_before_its_rename_and_its_folder_after(tmp_path, monkeypatch):
    h5py = pytest.importorskip("h5py")
    from seisdiff.io.grid import open_grid

    with h5py.File(tmp_path / "g.h5", "w") as f:
        data = f.create_dataset("acceleration", data=np.ones((3, 1, 200)))
        data.attrs.update({"units": "m/s^2", "dt_s": 0.01, "components": "Z"})
        f.create_dataset("station", data=np.array([b"A", b"B", b"C"]))
        f.create_dataset("lat", data=np.array([35.0, 35.1, 35.2]))
        f.create_dataset("lon", data=np.array([-117.0, -117.1, -117.2]))
    out = tmp_path / "out" / "o.zarr"
    renamed, real_rename = [], os.rename

    def rename(src, dst):
        renamed.append(Path(dst).resolve())
        real_rename(src, dst)

    calls = _record_syncs(monkeypatch, lambda: len(renamed))
    monkeypatch.setattr(grid_store.os, "rename", rename)
    with open_grid(tmp_path / "g.h5") as source:
        grid_store.create_grid_output(out, source, n_samples=200, sampling_rate_hz=100.0, block_stations=2,
                                      settings={})
    assert renamed == [out.resolve()]
    built = {p.name for kind, p, n in calls if kind == "file" and n == 0}
    assert {"zarr.json", "0"} <= built                                   # the metadata and a chunk, before
    assert [(kind, p) for kind, p, n in calls if n == 1] == [("folder", out.parent.resolve())]
    assert (out / "zarr.json").is_file()


def test_removing_a_stale_conditioning_syncs_the_rename(tmp_path, monkeypatch):
    from seisdiff.preprocess import whole

    (tmp_path / "c.zarr").mkdir()
    (tmp_path / "c.zarr" / "zarr.json").write_text("{}")
    synced = []
    monkeypatch.setattr(whole, "fsync_folder", lambda p: synced.append((Path(p), (tmp_path / "c.zarr").exists())))
    whole._remove_store(tmp_path / "c.zarr")
    assert synced == [(tmp_path, False)] and not (tmp_path / "c.zarr.stale").exists()
