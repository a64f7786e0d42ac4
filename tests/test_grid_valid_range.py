"""CF 2.5.1: samples outside a grid array's `valid_range` / `valid_min` / `valid_max` (raw values, before
scale_factor/add_offset) are missing, as NaN and `_FillValue` are: the trace comes back all NaN (skipped by
`sample_grid`, one line). They were read as ground motion: a -999 cm/s² marker below valid_min = -500 became
a -9.99 m/s² spike that was generated without a word; a 1e30 above valid_max = 10 a 5e31 m/s² peak skipped
as a 'unit error (raw counts?)'."""
import h5py
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import nonfinite_traces, open_grid
from synth import write_nc3_grid

FS = 10.0
N = 300


def _traces(n_stations, peak=20.0):
    t = np.arange(N) / FS
    env = np.exp(-((t - 10.0) / 5.0) ** 2)
    return np.stack([[env * np.sin(2 * np.pi * (0.3 + 0.1 * (s + c)) * t) * peak for c in range(3)]
                     for s in range(n_stations)]).astype(np.float32)


def _h5(path, data, **attrs):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=data)
        d.attrs.update({"units": "cm/s^2", "dt_s": 1 / FS, **attrs})
        f["station"] = np.array([f"S{i}".encode() for i in range(len(data))])
        f["lat"], f["lon"] = 35.0 + 0.1 * np.arange(len(data)), 139.0 + 0.1 * np.arange(len(data))
    return path


@pytest.mark.parametrize("attrs", [{"valid_min": np.float32(-500.0)},
                                   {"valid_range": np.array([-500.0, 500.0], np.float32)},
                                   {"valid_range": np.array([-500.0, 500.0]), "valid_min": -500.0}])
def test_a_sample_below_the_valid_range_marks_the_trace_missing(tmp_path, attrs):
    data = _traces(3)
    data[1, 0, 200:210] = -999.0                                       # cm/s², a marker, not ground motion
    with open_grid(_h5(tmp_path / "g.h5", data, **attrs)) as src:
        block = src.read_block(0, 3)
    assert nonfinite_traces(block).tolist() == [[False] * 3, [True, False, False], [False] * 3]
    np.testing.assert_allclose(block[0], data[0] / 100.0, rtol=1e-6)   # the others as read, m/s²
    assert np.nanmax(np.abs(block)) < 0.21


def test_valid_max_is_compared_in_the_raw_type(tmp_path):
    data = _traces(2, peak=0.1)
    data[0, 1, 100] = np.float32(0.1)                                   # exactly the limit, as float32
    data[1, 2, 50] = np.float32(1e30)                                   # beyond it
    with open_grid(_h5(tmp_path / "g.h5", data, valid_max=0.1, units="m/s^2")) as src:
        block = src.read_block(0, 2)
    assert nonfinite_traces(block).tolist() == [[False] * 3, [False, False, True]]


def test_netcdf3_valid_max_applies_to_packed_values(tmp_path):
    packed = np.round(_traces(2) / 0.01).astype(np.int16)              # cm/s² in 0.01 steps
    packed[0, 0, 150] = 32000                                            # beyond valid_max 30000 (raw)
    write_nc3_grid(tmp_path / "g.nc", packed, "i2", units="cm/s^2", dt_s=1 / FS, scale_factor=0.01,
                   valid_max=np.int16(30000))
    with open_grid(tmp_path / "g.nc") as src:
        block = src.read_block(0, 2)
    assert nonfinite_traces(block).tolist() == [[True, False, False], [False] * 3]
    np.testing.assert_allclose(block[1], packed[1] * 0.01 / 100.0, rtol=1e-6)     # scale_factor as float32


@pytest.mark.parametrize("attrs, said", [({"valid_range": np.array([1.0, 2.0, 3.0])}, "two numbers"),
                                         ({"valid_max": "big"}, "not a number"),
                                         ({"valid_min": 5.0, "valid_max": -5.0}, "is empty"),
                                         ({"valid_range": np.array([-8.0, 5.0]), "valid_min": -5.0}, "remove the wrong")])
def test_a_valid_range_that_cannot_be_read_is_refused_in_one_line(tmp_path, attrs, said):
    with pytest.raises(InputError) as err:
        open_grid(_h5(tmp_path / "g.h5", _traces(1), **attrs))
    assert said in str(err.value) and "g.h5" in str(err.value) and "\n" not in str(err.value)
