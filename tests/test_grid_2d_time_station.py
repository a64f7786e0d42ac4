"""A 2-D grid (one component) whose dimension names say (time, station), as time-major simulation codes
write it, is read as such: 12 stations × 600 samples were read as 600 stations × 12 samples and refused
with "the station table's 'station' has 12 rows but 'velocity' has 600 stations"."""
import numpy as np
import zarr

from seisdiff.io.grid import open_grid

S, T, DT_S = 12, 600, 0.05


def _grid(path, dims, data):
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    a = g.create_array("acceleration", shape=data.shape, dtype="float32", dimension_names=dims)
    a[:] = data
    a.attrs.update({"units": "m/s^2", "dt_s": DT_S})
    g.create_array("station", shape=(S,), dtype=str)[:] = np.array([f"A{i:02d}" for i in range(S)])
    g.create_array("lat", shape=(S,), dtype="float64")[:] = 35.0 + 0.01 * np.arange(S)
    g.create_array("lon", shape=(S,), dtype="float64")[:] = 139.0 + 0.01 * np.arange(S)
    return path


def test_time_station_grid_reads_station_blocks(tmp_path):
    acc = np.random.default_rng(0).standard_normal((S, T)).astype(np.float32)     # (station, time)
    with open_grid(_grid(tmp_path / "ts.zarr", ("time", "station"), acc.T)) as src:
        assert (src.n_stations, src.n_components, src.n_samples) == (S, 1, T)
        np.testing.assert_array_equal(src.read_block(3, 7), acc[3:7, None])
    with open_grid(_grid(tmp_path / "st.zarr", ("station", "time"), acc)) as src:   # the documented order
        np.testing.assert_array_equal(src.read_block(3, 7), acc[3:7, None])
