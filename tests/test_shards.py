"""Direct shard reads (io.shards) equal zarr's reads, bit for bit, wherever a block starts and ends."""
import numpy as np
import pytest
import zarr

from seisdiff.io import shards
from seisdiff.io.store import create_store, open_store


def _store(path, n, c=2, length=64, rpc=4):
    rng = np.random.default_rng(n)
    w = create_store(path, sampling_rate_hz=100.0, length=length, n_channels=c, lowpass_hz=1.0,
                     records_per_chunk=rpc)                      # 4 records a chunk, 16 a shard
    bb = rng.normal(size=(n, c, length)).astype(np.float32)
    for i in range(0, n, 7):                                     # several appends: partial chunks rewritten
        w.append(bb[i:i + 7], -bb[i:i + 7], [f"r{j}" for j in range(i, min(i + 7, n))])
    return open_store(path), bb


@pytest.mark.parametrize("n", [1, 15, 16, 37])
def test_direct_reads_equal_zarr_and_the_written_data(tmp_path, n):
    s, bb = _store(tmp_path / "s.zarr", n)
    layout = shards.plan(s.path / "broadband")
    assert layout is not None and (layout.shard_records, layout.chunk_records) == (16, 4)
    edges = sorted({0, 1, 3, 4, 5, 15, 16, 17, 31, 32, n - 1, n})
    for a in edges:
        for b in edges:
            if not 0 <= a <= b <= n:
                continue
            got = s.read(a, b)
            np.testing.assert_array_equal(got["broadband"], np.asarray(s.group["broadband"][a:b]))
            np.testing.assert_array_equal(got["broadband"], bb[a:b])
            np.testing.assert_array_equal(got["lowpass"], -bb[a:b])
            assert got["broadband"].dtype == np.float32 and got["broadband"].shape == (b - a, 2, 64)
    assert s.read(n + 3, n + 9)["broadband"].shape == (0, 2, 64)   # past the end: empty, like slicing


def test_unwritten_chunks_and_shards_read_as_the_fill_value(tmp_path):
    path = tmp_path / "s.zarr"
    _store(path, 5)
    g = zarr.open_group(str(path), mode="r+")
    g["broadband"].resize((40, 2, 64))                         # chunks 2–3 and shards 1–2 never written
    layout = shards.plan(path / "broadband")
    got = shards.read_records(layout, 0, 40)
    np.testing.assert_array_equal(got, np.asarray(g["broadband"][:]))
    assert (got[8:] == 0).all()


def test_other_layouts_fall_back_to_zarr(tmp_path):
    g = zarr.open_group(str(tmp_path / "z.zarr"), mode="w")
    g.create_array("compressed", shape=(10, 1, 8), dtype="float32", chunks=(4, 1, 8), shards=(8, 1, 8))  # zstd
    g.create_array("plain", shape=(10, 1, 8), dtype="float32", chunks=(4, 1, 8), compressors=None)       # unsharded
    assert shards.plan(tmp_path / "z.zarr" / "compressed") is None
    assert shards.plan(tmp_path / "z.zarr" / "plain") is None
    assert shards.plan(tmp_path / "missing") is None
