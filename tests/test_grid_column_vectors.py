"""Station columns written as column vectors (S, 1), as MATLAB and Fortran codes write them: lat/lon were taken
as 2-D arrays, and the run crashed with a traceback ('TypeError: only 0-dimensional arrays can be converted to
Python scalars', at the stations' distances from --hypocenter) instead of reading them. They are read as (S,)
now; a 2-D column of several values per station is refused in one line."""
import h5py
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

LAT, LON, VS30 = np.linspace(37.0, 37.5, 4), np.full(4, 138.5), np.array([300.0, 400.0, 500.0, 600.0])
HYPO = (37.2, 138.6, 10.0)


def _write(path, shape_of):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("velocity", data=np.ones((4, 3, 100), np.float32))
        d.attrs.update({"units": "m/s", "dt": 0.05})
        f["station"] = np.array([b"A", b"B", b"C", b"D"])
        for key, values in (("lat", LAT), ("lon", LON), ("vs30", VS30)):
            f[key] = shape_of(values)
    return path


def test_column_vectors_read_as_the_flat_table(tmp_path):
    flat = open_grid(_write(tmp_path / "flat.h5", lambda v: v), hypocenter=HYPO, magnitude=6.5)
    column = open_grid(_write(tmp_path / "column.h5", lambda v: v[:, None]), hypocenter=HYPO, magnitude=6.5)
    for key in ("lat", "lon", "vs30_mps"):
        assert getattr(column.stations, key).shape == (4,)
        np.testing.assert_array_equal(getattr(column.stations, key), getattr(flat.stations, key))
    np.testing.assert_array_equal(column.distance_km, flat.distance_km)
    assert column.metadata(1) == flat.metadata(1)


def test_several_values_per_station_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"the station table's 'lat' is \[4, 2\]: give one value per station"):
        open_grid(_write(tmp_path / "two.h5", lambda v: np.stack([v, v], axis=1)))
