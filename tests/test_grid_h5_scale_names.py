"""HDF5 dimension scales name a grid's dimensions by the NAME they were made with (h5py
`make_scale("time")`, as netCDF-4 and h5py's own `dims[i][0]` read it), not only by a label or the scale
dataset's name: a (time, station, component) array whose scales were datasets `time_dim`, `station_dim`,
`component_dim` made with NAME time/station/component and attached without labels was read in the
documented order and refused ('600 stations × 4 components × 3 samples: fewer samples than components')."""
import h5py
import numpy as np

from seisdiff.io.grid import open_grid

S, C, N, FS = 4, 3, 600, 100.0


def _grid(path, scale_names, dataset_names):
    acc = np.random.default_rng(0).normal(size=(S, C, N)).astype(np.float32)   # m/s², (station, component, time)
    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=np.transpose(acc, (2, 0, 1)))  # (time, station, component)
        d.attrs.update({"units": "m/s^2", "dt_s": 1 / FS})
        for i, (scale, ds_name, n) in enumerate(zip(scale_names, dataset_names, (N, S, C))):
            f[ds_name] = np.arange(n)
            f[ds_name].make_scale(scale)
            d.dims[i].attach_scale(f[ds_name])                                  # no dims[i].label
        f["station"] = np.array([f"S{i}".encode() for i in range(S)])
        f["lat"], f["lon"] = 35.0 + 0.1 * np.arange(S), np.full(S, 139.0)
    return acc


def test_scales_named_only_by_their_name_attribute(tmp_path):
    acc = _grid(tmp_path / "g.h5", ("time", "station", "component"), ("time_dim", "station_dim", "component_dim"))
    with open_grid(tmp_path / "g.h5") as src:
        assert (src.n_stations, src.n_components, src.n_samples) == (S, C, N)
        np.testing.assert_array_equal(src.read_block(0, S), acc.astype(np.float64))


def test_a_scale_dataset_name_still_names_the_dimension(tmp_path):
    acc = _grid(tmp_path / "g.h5", ("t axis [s]", "", "This is a netCDF dimension but not a netCDF variable.     3"),
                ("samples", "receiver", "channel"))
    with open_grid(tmp_path / "g.h5") as src:
        assert (src.n_stations, src.n_components, src.n_samples) == (S, C, N)
        np.testing.assert_array_equal(src.read_block(1, 3), acc[1:3].astype(np.float64))
