"""Training reads: store block reads vs one .npz file per record (the old project's layout)."""
import numpy as np
import pytest

from seisdiff.io.store import create_store, open_store

N_RECORDS, LENGTH = 2000, 4096


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("store_bench")
    rng = np.random.default_rng(0)
    bb = rng.normal(scale=0.1, size=(N_RECORDS, 1, LENGTH)).astype(np.float32)
    lp = (bb * 0.1).astype(np.float32)
    w = create_store(root / "s.zarr", sampling_rate_hz=100.0, length=LENGTH, lowpass_hz=1.0)
    for i in range(0, N_RECORDS, 500):
        w.append(bb[i:i + 500], lp[i:i + 500], [f"r{j}" for j in range(i, i + 500)])
    files = []
    for i in range(N_RECORDS):
        files.append(root / f"r{i}.npz")
        np.savez(files[-1], signal_broadband=bb[i, 0], signal_lowfreq=lp[i, 0])
    return root / "s.zarr", files, bb


def _npz_epoch(files):
    bb = np.empty((len(files), 1, LENGTH), np.float32)
    lp = np.empty_like(bb)
    for i, f in enumerate(files):
        with np.load(f) as z:
            bb[i, 0], lp[i, 0] = z["signal_broadband"], z["signal_lowfreq"]
    return bb, lp


def _store_epoch(path, block=4096):
    """All records, read in blocks of `block` records per field (here one block), as training does."""
    s = open_store(path)
    parts = [s.read(i, i + block) for i in range(0, len(s), block)]
    if len(parts) == 1:
        return parts[0]["broadband"], parts[0]["lowpass"]
    return (np.concatenate([p["broadband"] for p in parts]), np.concatenate([p["lowpass"] for p in parts]))


@pytest.mark.benchmark(group="epoch_read_2000x4096")
def test_npz_per_record(benchmark, data):
    _, files, bb = data
    benchmark.extra_info["role"] = "baseline"
    out = benchmark.pedantic(_npz_epoch, args=(files,), rounds=3, iterations=1, warmup_rounds=1)
    np.testing.assert_array_equal(out[0], bb)


@pytest.mark.benchmark(group="epoch_read_2000x4096")
def test_store_blocks(benchmark, data):
    path, _, bb = data
    benchmark.extra_info["role"] = "candidate"
    out = benchmark.pedantic(_store_epoch, args=(path,), rounds=5, iterations=1, warmup_rounds=1)
    np.testing.assert_array_equal(out[0], bb)
