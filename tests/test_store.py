"""Store schema, atomic appends, resume after an uncommitted (killed) append."""
import numpy as np
import pytest
import zarr

from seisdiff.errors import UserError
from seisdiff.io.store import create_store, open_store


def _make(path, n=5, c=1, length=128, seed=0):
    rng = np.random.default_rng(seed)
    w = create_store(path, sampling_rate_hz=100.0, length=length, n_channels=c, lowpass_hz=1.0)
    bb = rng.normal(size=(n, c, length)).astype(np.float32)
    w.append(bb, bb * 0.5, [f"r{i}" for i in range(n)],
             {"magnitude": np.arange(n, dtype=float), "event": np.array(["e"] * n)})
    return w, bb


def test_schema_and_round_trip(tmp_path):
    _, bb = _make(tmp_path / "s.zarr")
    s = open_store(tmp_path / "s.zarr")
    assert len(s) == 5 and s.n_channels == 1 and s.length == 128
    assert s.attrs["units"] == "m/s^2" and s.attrs["schema_version"] == 1
    assert s.attrs["filter"]["zero_phase"] and s.attrs["filter"]["order"] == 4
    blk = s.read(1, 4)
    np.testing.assert_array_equal(blk["broadband"], bb[1:4])   # raw scale: exactly what was written
    np.testing.assert_array_equal(blk["lowpass"], bb[1:4] * 0.5)
    assert s.record_ids.tolist() == [f"r{i}" for i in range(5)]
    np.testing.assert_array_equal(s.column("magnitude"), np.arange(5.0))
    arr = s.group["broadband"]
    assert arr.chunks[0] > 1 and arr.shards is not None   # many records per chunk, sharded


def test_duplicates_refused_and_missing_columns_filled(tmp_path):
    w, _ = _make(tmp_path / "s.zarr")
    with pytest.raises(ValueError):
        w.append(np.zeros((1, 1, 128)), np.zeros((1, 1, 128)), ["r0"])
    w.append(np.zeros((2, 1, 128)), np.zeros((2, 1, 128)), ["x", "y"], {"realization": np.array([0, 1])})
    s = open_store(tmp_path / "s.zarr")
    assert np.isnan(s.column("magnitude")[-2:]).all()
    assert s.column("event")[-2:].tolist() == ["", ""]
    assert s.column("realization").tolist() == [-1] * 5 + [0, 1]


def test_uncommitted_append_is_invisible_and_overwritten(tmp_path):
    """A run killed between growing the arrays and the commit leaves only whole records."""
    path = tmp_path / "s.zarr"
    _make(path)
    g = zarr.open_group(str(path), mode="r+")           # simulate the kill: grown + garbage, no commit
    for name in ("broadband", "lowpass"):
        g[name].resize((8, 1, 128))
        g[name][5:8] = 99.0
    g["record_id"].resize((8,))
    assert len(open_store(path)) == 5 and "r4" in open_store(path).record_ids
    w = open_store(path, mode="a")                      # the next run truncates and completes
    w.append(np.ones((1, 1, 128)), np.ones((1, 1, 128)), ["r5"])
    s = open_store(path)
    assert len(s) == 6 and s.group["broadband"].shape[0] == 6
    np.testing.assert_array_equal(s.read(5, 6)["broadband"], 1.0)


def test_not_a_store_and_layout_mismatch(tmp_path):
    with pytest.raises(UserError, match="not a seisdiff store"):
        open_store(tmp_path / "missing.zarr")
    _make(tmp_path / "s.zarr")
    with pytest.raises(UserError, match="existing store"):
        create_store(tmp_path / "s.zarr", sampling_rate_hz=50.0, length=128, lowpass_hz=1.0)


def test_the_writer_computes_the_pga_columns_from_the_arrays_given(tmp_path):
    """Callers do not pass PGAs: the writer derives them (m/s², float64, before float32 storage),
    replacing any passed in, so a store's PGA columns always describe its arrays."""
    rng = np.random.default_rng(1)
    w = create_store(tmp_path / "s.zarr", sampling_rate_hz=100.0, length=64, n_channels=3, lowpass_hz=1.0)
    bb = rng.normal(scale=0.3, size=(4, 3, 64))                       # float64, as a simulator gives
    lp = 0.1 * bb
    w.append(bb, lp, [f"r{i}" for i in range(4)], {"pga_broadband": np.full(4, 123.0)})
    s = open_store(tmp_path / "s.zarr")
    np.testing.assert_array_equal(s.column("pga_broadband"), np.abs(bb).max(axis=(1, 2)))
    np.testing.assert_array_equal(s.column("pga_lowpass"), np.abs(lp).max(axis=(1, 2)))
    assert s.column("pga_broadband").dtype == np.float64
    np.testing.assert_allclose(s.column("pga_broadband"), np.abs(s.read()["broadband"]).max(axis=(1, 2)), rtol=1e-7)


def test_schema_version_is_checked_on_open(tmp_path):
    from seisdiff.io.store import SCHEMA_VERSION

    _make(tmp_path / "s.zarr")
    group = zarr.open_group(tmp_path / "s.zarr", mode="r+")
    group.attrs["simulation"] = {"method": "stochastic", "seed": 1}    # version 1, before `simulate --kappa0`
    assert open_store(tmp_path / "s.zarr").attrs["simulation"]["kappa0_range_s"] == [0.04, 0.04]
    for version, match in ((SCHEMA_VERSION + 1, "upgrade seisdiff"), ("1", "recreate the store")):
        group.attrs["schema_version"] = version
        for mode in ("r", "a"):
            with pytest.raises(UserError, match=match) as err:
                open_store(tmp_path / "s.zarr", mode)
            assert str(tmp_path / "s.zarr") in str(err.value) and "\n" not in str(err.value)
