"""An HDF5 dimension scale made with NAME `time` (h5py `ds.make_scale("time")`, as netCDF-4 names its coordinate
variables) and attached to the data array's time axis is the grid's time coordinate, read as a `time` array is (units,
CF date, even spacing, agreement with dt_s and start_time). Since it named the dimension (its values were not read):
without a dt_s attribute the grid was refused ('no time step'), its CF date gave no start time, and beside a dt_s of
0.02 s that its times (0.01 s apart) contradict the attribute was read silently: the output stretched twice in time."""
import h5py
import numpy as np
import pytest
from synth import write_h5_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

C, N, DT_S = 3, 600, 0.01
SINCE = "seconds since 2019-07-06 03:19:53"
ACC = np.random.default_rng(2).normal(size=(2, C, N)).astype(np.float32)   # m/s², (station, component, time)


def _grid(path, times, time_attrs, scale_name="time", dataset="time_dim", transposed=False, label=None, **attrs):
    """The grid with `times` in `dataset` made a dimension scale (NAME scale_name; None: no NAME) on the data's time
    axis, that axis labelled `label` (None: no dims[i].label)."""
    data = np.transpose(ACC, (2, 0, 1)) if transposed else ACC                  # (time, station, component)
    write_h5_grid(path, data, {"units": "m/s^2", **attrs})
    with h5py.File(path, "a") as f:
        f[dataset] = times
        f[dataset].attrs.update(time_attrs)
        f[dataset].make_scale(*([scale_name] if scale_name is not None else []))
        d = f["acceleration"]
        axis = 0 if transposed else 2
        d.dims[axis].attach_scale(f[dataset])
        if label is not None:
            d.dims[axis].label = label
        if transposed:
            d.dims[1].label, d.dims[2].label = "station", "component"
    return path


def test_a_scale_named_time_gives_the_time_step_and_the_cf_start(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", 0.04 + np.arange(N) * DT_S, {"units": SINCE})) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9)
        assert src.start_time.startswith("2019-07-06T03:19:53.04")
        np.testing.assert_array_equal(src.read_block(0, 2), ACC.astype(np.float64))


@pytest.mark.parametrize("dataset", ["time_dim", "dims/t_s"])
def test_a_time_scale_on_the_first_axis_or_in_a_group_is_read(tmp_path, dataset):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S, {"units": "s"}, dataset=dataset,
                         transposed=True)) as src:
        assert (src.n_stations, src.n_components, src.n_samples) == (2, C, N)
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9) and src.start_time == ""
        np.testing.assert_array_equal(src.read_block(0, 2), ACC.astype(np.float64))


@pytest.mark.parametrize("times, attrs, said", [
    (np.arange(N) * DT_S, {"dt_s": 2 * DT_S}, "time step of 0.02 s but the time coordinate 0.01 s"),
    (np.arange(N) * DT_S, {"start_time": "2019-07-06T03:20:00Z"}, "is +7 s from the time coordinate's first time"),
    (np.arange(N) ** 1.1 * DT_S, {}, "not evenly spaced"),
])
def test_a_time_scale_that_disagrees_is_refused_in_one_line(tmp_path, times, attrs, said):
    with pytest.raises(InputError) as err:
        open_grid(_grid(tmp_path / "g.h5", times, {"units": SINCE}, **attrs))
    assert said in str(err.value) and "\n" not in str(err.value)


def test_a_scale_of_another_name_still_only_names_the_dimension(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N) * 0.5, {"units": "s"}, scale_name="sample",
                         dataset="samples", dt_s=DT_S)) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-12)


# A scale made without a NAME (h5py `make_scale()`) in a dataset named for its unit (t_s, time_s), attached to a time
# axis labelled "time" (dims[i].label): its values were not read (the grid was refused as having 'no time step', its CF
# start lost, and a dt_s it contradicts read silently). The axis' label names it the time coordinate, as a NAME does.
def _unnamed(path, times, time_attrs, dataset="t_s", label="time", transposed=False, **attrs):
    return _grid(path, times, time_attrs, None, dataset, transposed, label, **attrs)       # no NAME


@pytest.mark.parametrize("dataset, label, transposed", [("t_s", "time", False), ("time_s", "time", False),
                                                        ("t_s", "t", True), ("dims/time_s", "Time", False)])
def test_an_unnamed_scale_on_an_axis_labelled_time_is_the_time_coordinate(tmp_path, dataset, label, transposed):
    with open_grid(_unnamed(tmp_path / "g.h5", 0.04 + np.arange(N) * DT_S, {"units": SINCE}, dataset=dataset,
                            label=label, transposed=transposed)) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9)
        assert src.start_time.startswith("2019-07-06T03:19:53.04")
        np.testing.assert_array_equal(src.read_block(0, 2), ACC.astype(np.float64))


def test_an_unnamed_time_scale_that_disagrees_with_dt_s_is_refused(tmp_path):
    with pytest.raises(InputError, match="time step of 0.02 s but the time coordinate 0.01 s"):
        open_grid(_unnamed(tmp_path / "g.h5", np.arange(N) * DT_S, {"units": "s"}, dt_s=2 * DT_S))


def test_an_unnamed_scale_labelled_time_holding_indices_is_an_index(tmp_path):
    with open_grid(_unnamed(tmp_path / "a.h5", np.arange(N), {}, dt_s=DT_S)) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-12) and src.start_time == ""
    with pytest.raises(InputError, match="'t_s' has no units and holds the sample indices 0…599"):
        open_grid(_unnamed(tmp_path / "b.h5", np.arange(N), {}))


def test_an_unnamed_scale_on_an_axis_of_another_label_still_only_names_it(tmp_path):
    with open_grid(_unnamed(tmp_path / "g.h5", np.arange(N) * 0.5, {"units": "s"}, label="samples",
                            dt_s=DT_S)) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-12)
