"""Training reads: store block reads vs one .npz file per record (the old project's layout).

Before either side is timed, the group's check reads both ways once and asserts both bands equal what was
written, bit for bit (float32 stored and read back as float32: no arithmetic, so nothing to tolerate)."""
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
    return root / "s.zarr", files, bb, lp


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


def _check(data):
    path, files, bb, lp = data
    for name, (got_bb, got_lp) in (("npz", _npz_epoch(files)), ("store", _store_epoch(path))):
        np.testing.assert_array_equal(got_bb, bb, err_msg=f"{name} broadband")
        np.testing.assert_array_equal(got_lp, lp, err_msg=f"{name} lowpass")


@pytest.mark.benchmark(group="epoch_read_2000x4096")
def test_npz_per_record(benchmark, data, checked):
    checked("epoch_read_2000x4096", lambda: _check(data))
    benchmark.extra_info["role"] = "baseline"
    benchmark.pedantic(_npz_epoch, args=(data[1],), rounds=3, iterations=1, warmup_rounds=1)


@pytest.mark.benchmark(group="epoch_read_2000x4096")
def test_store_blocks(benchmark, data, checked):
    checked("epoch_read_2000x4096", lambda: _check(data))
    benchmark.extra_info["role"] = "candidate"
    benchmark.pedantic(_store_epoch, args=(data[0],), rounds=5, iterations=1, warmup_rounds=1)
