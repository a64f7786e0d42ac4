"""A grid's own marks of missing samples (`_FillValue`, `missing_value` of the data array) are missing, like
NaN: the trace comes back all NaN (skipped by `sample_grid`), never read as ground motion. A -999 cm/s²
missing_value over the last third of a trace was generated as a 25 m/s² record without a word; a netCDF
default fill (9.97e36) was skipped with a false 'unit error' advice."""
import h5py
import numpy as np

from seisdiff.io.grid import nonfinite_traces, open_grid
from synth import write_nc3_grid

FS = 10.0
N = 300


def _traces(n_stations):
    t = np.arange(N) / FS
    env = np.exp(-((t - 10.0) / 5.0) ** 2)
    return np.stack([[env * np.sin(2 * np.pi * (0.3 + 0.1 * (s + c)) * t) * 20.0 for c in range(3)]
                     for s in range(n_stations)]).astype(np.float32)          # cm/s², peak 20


def test_hdf5_missing_value_marks_the_trace_missing(tmp_path):
    data = _traces(3)
    data[1, 0, 200:] = -999.0
    with h5py.File(tmp_path / "g.h5", "w") as f:
        d = f.create_dataset("acceleration", data=data)
        d.attrs.update({"units": "cm/s^2", "dt_s": 1 / FS, "missing_value": np.float32(-999.0)})
        f["station"] = np.array([b"A", b"B", b"C"])
        f["lat"], f["lon"] = [35.0, 35.1, 35.2], [139.0, 139.1, 139.2]
    with open_grid(tmp_path / "g.h5") as src:
        block = src.read_block(0, 3)
    bad = nonfinite_traces(block)
    assert bad.tolist() == [[False] * 3, [True, False, False], [False] * 3]
    assert np.isnan(block[1, 0]).all()
    np.testing.assert_allclose(block[0], data[0] / 100.0, rtol=1e-6)       # the others as read, m/s²


def test_netcdf3_fill_value_marks_the_trace_missing(tmp_path):
    data = _traces(2) / 100.0                                                  # m/s²
    data[0, 2, 150:] = np.float32(9.96921e36)                                  # netCDF's default fill
    write_nc3_grid(tmp_path / "g.nc", data, "f4", units="m/s^2", dt_s=1 / FS, _FillValue=np.float32(9.96921e36))
    with open_grid(tmp_path / "g.nc") as src:
        block = src.read_block(0, 2)
    assert nonfinite_traces(block).tolist() == [[False, False, True], [False] * 3]
    assert np.abs(block[0, :2]).max() < 1.0 and np.isfinite(block[1]).all()
