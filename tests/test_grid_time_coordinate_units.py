"""The units of a grid's `time` coordinate as CF and UDUNITS write "no unit" and "a pure number".

An empty or blank `units` attribute names no unit: a coordinate holding times in seconds with `units = ""` was refused
("the time coordinate's units '' are not seconds") while the same coordinate without the attribute was read as seconds.
"""
import h5py
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N, DT_S = 2, 3, 600, 0.01


def _grid(path, time, time_attrs=None, **attrs):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=np.random.default_rng(1).normal(size=(S, C, N)).astype("f4"))
        d.attrs.update({"units": "m/s^2", **attrs})
        f["time"] = time
        f["time"].attrs.update(time_attrs or {})
        f["station"] = np.array([b"A", b"B"])
        f["lat"], f["lon"] = [35.0, 35.1], [139.0, 139.1]
    return path


@pytest.mark.parametrize("blank", ["", " "])
def test_times_with_a_blank_unit_read_as_seconds_like_times_without_one(tmp_path, blank):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S, {"units": blank})) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9) and src.start_time == ""
    with pytest.raises(InputError, match="time step of 0.02 s but the time coordinate 0.01 s"):
        open_grid(_grid(tmp_path / "h.h5", np.arange(N) * DT_S, {"units": blank}, dt_s=0.02))
