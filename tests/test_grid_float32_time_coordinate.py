"""A float32 time coordinate far from zero (36,000 s: rounded to 2 ms) beside a dt_s attribute: they agree
within the coordinate's own rounding. The grid was refused ("attribute dt_s gives a time step of 0.05 s but the
time coordinate 0.0499993 s; make them agree"); a real disagreement still is."""
import h5py
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid


def _grid(path, times, dt_s):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("velocity", data=np.random.default_rng(0).standard_normal((2, 3, len(times)), np.float32))
        d.attrs.update({"units": "m/s", "dt_s": dt_s})
        f["time"] = times
        f["station"] = np.array([b"A", b"B"])
        f["lat"], f["lon"] = [35.0, 35.1], [139.0, 139.1]
    return path


def test_float32_time_far_from_zero_agrees_with_dt_attribute(tmp_path):
    times = (36000.0 + 0.05 * np.arange(1200)).astype(np.float32)
    with open_grid(_grid(tmp_path / "a.h5", times, np.float32(0.05))) as src:
        assert src.dt_s == pytest.approx(0.05, rel=1e-7)
    with pytest.raises(InputError, match="make them agree"):
        open_grid(_grid(tmp_path / "b.h5", times, 0.04))
