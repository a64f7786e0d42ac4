"""A file of one group per station (as SW4 writes its HDF5 seismograms: /S00/X, /S00/Y, …), or with its array
inside a group, was refused as 'no station-grid array found (it holds nothing)', which the file plainly
does not: the line now names the groups it did not read and says a grid is one array at the root."""
import h5py
import numpy as np
import pytest
import zarr

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid


def test_per_station_groups_are_named_in_the_refusal(tmp_path):
    with h5py.File(tmp_path / "sw4.h5", "w") as f:
        f.attrs.update({"DELTA": 0.05, "UNIT": "m/s"})
        for i in range(6):
            for comp in "XYZ":
                f[f"S{i:02d}/{comp}"] = np.zeros(100, np.float32)
    with pytest.raises(InputError, match=r"it holds no array at its root; groups S00, S01, S02, … \(6\), not read\); "
                                         r"a station grid is one array \(station, component, time\) at the root"):
        open_grid(tmp_path / "sw4.h5")


def test_an_array_inside_a_zarr_group_is_named_as_not_read(tmp_path):
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    g.create_group("output").create_array("velocity", shape=(2, 3, 50), dtype="float32")
    g.create_array("lat", shape=(2,), dtype="float64")
    with pytest.raises(InputError, match=r"it holds lat\[2\]; groups output \(1\), not read\)"):
        open_grid(tmp_path / "g.zarr")
