"""A --stations CSV for a grid whose `station` array is a numeric index (xarray's default dimension coordinate)
or names none of the CSV has: its rows are taken in the array's order, with one line saying so, instead of
'stations ['0', '1', '2'] … are not in the table'. Names the CSV has are still matched by name; a CSV naming
only some of the grid's stations is still refused."""
import numpy as np
import pytest
import zarr

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

CSV = "name,lat,lon,vs30\nAAA,34.0,-118.0,400\nBBB,34.1,-118.1,500\nCCC,34.2,-118.2,\n"


def _grid(path, station=None):
    g = zarr.open_group(str(path), mode="w")
    a = g.create_array("acceleration", shape=(3, 3, 300), dtype="float32")
    a[:] = np.arange(3, dtype=np.float32)[:, None, None] + np.zeros((3, 3, 300), np.float32)   # station i: i
    a.attrs.update({"units": "m/s^2", "dt_s": 0.01, "start_time": "2019-07-06T03:19:53Z"})
    g.create_array("component", shape=(3,), dtype=str)[:] = np.array(["E", "N", "Z"])
    if station is not None:
        g.create_array("station", shape=(3,), dtype=station.dtype)[:] = station
    return path


@pytest.mark.parametrize("station", [np.arange(3), np.arange(1, 4, dtype=np.int32), np.array([0.0, 1.0, 2.0]),
                                     np.array(["X1", "X2", "X3"])])
def test_numeric_or_unknown_names_take_the_array_order(tmp_path, capsys, station):
    (tmp_path / "st.csv").write_text(CSV)
    grid = _grid(tmp_path / "g.zarr", station)
    with open_grid(grid, stations_csv=tmp_path / "st.csv") as src:
        assert src.stations.names.tolist() == ["AAA", "BBB", "CCC"]
        np.testing.assert_array_equal(src.stations.lat, [34.0, 34.1, 34.2])
        np.testing.assert_array_equal(src.stations.vs30_mps, [400.0, 500.0, np.nan])
        np.testing.assert_array_equal(src.read_block(0, 3)[:, 0, 0], [0.0, 1.0, 2.0])   # rows stay the array's
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "array's order" in err[0] and "st.csv" in err[0], err


def test_names_matched_by_name_when_the_csv_has_them(tmp_path, capsys):
    (tmp_path / "st.csv").write_text("station,lat,lon\nCCC,34.2,-118.2\nAAA,34.0,-118.0\nBBB,34.1,-118.1\n")
    grid = _grid(tmp_path / "g.zarr", np.array(["AAA", "BBB", "CCC"]))
    with open_grid(grid, stations_csv=tmp_path / "st.csv") as src:
        assert src.stations.names.tolist() == ["AAA", "BBB", "CCC"]
        np.testing.assert_array_equal(src.stations.lat, [34.0, 34.1, 34.2])
    assert "array's order" not in capsys.readouterr().err


def test_numeric_names_the_csv_has_are_matched_by_name(tmp_path):
    (tmp_path / "st.csv").write_text("name,lat,lon\n2,34.2,-118.2\n0,34.0,-118.0\n1,34.1,-118.1\n")
    with open_grid(_grid(tmp_path / "g.zarr", np.arange(3)), stations_csv=tmp_path / "st.csv") as src:
        np.testing.assert_array_equal(src.stations.lat, [34.0, 34.1, 34.2])


def test_csv_naming_some_of_the_stations_is_refused(tmp_path):
    (tmp_path / "st.csv").write_text("name,lat,lon\nAAA,34.0,-118.0\nBBB,34.1,-118.1\nZZZ,34.2,-118.2\n")
    with pytest.raises(InputError, match="not in the table"):
        open_grid(_grid(tmp_path / "g.zarr", np.array(["AAA", "BBB", "CCC"])), stations_csv=tmp_path / "st.csv")


def test_no_names_in_the_grid_take_the_array_order(tmp_path):
    (tmp_path / "st.csv").write_text(CSV)
    with open_grid(_grid(tmp_path / "g.zarr"), stations_csv=tmp_path / "st.csv") as src:
        assert src.stations.names.tolist() == ["AAA", "BBB", "CCC"]
