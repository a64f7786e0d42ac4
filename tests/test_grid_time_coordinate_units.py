"""The units of a grid's `time` coordinate as CF and UDUNITS write "no unit" and "a pure number".

An empty or blank `units` attribute names no unit: a coordinate holding times in seconds with `units = ""` was refused
("the time coordinate's units '' are not seconds") while the same coordinate without the attribute was read as seconds.
"""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N, DT_S = 2, 3, 600, 0.01


def _grid(path, time, time_attrs=None, **attrs):
    data = np.random.default_rng(1).normal(size=(S, C, N)).astype("f4")
    return write_h5_time_grid(path, data, time, time_attrs, **attrs)


@pytest.mark.parametrize("blank", ["", " "])
def test_times_with_a_blank_unit_read_as_seconds_like_times_without_one(tmp_path, blank):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S, {"units": blank})) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9) and src.start_time == ""
    with pytest.raises(InputError, match="time step of 0.02 s but the time coordinate 0.01 s"):
        open_grid(_grid(tmp_path / "h.h5", np.arange(N) * DT_S, {"units": blank}, dt_s=0.02))


# The unit 1 (CF's dimensionless unit; UDUNITS-2 also reads 'count', 'counts' as it) on a coordinate holding the
# sample indices 0…N−1 was refused ("units '1' are not seconds … give a dt_s attribute") even beside dt_s; it is an
# index, as the same coordinate without units: ignored beside a time step, refused in one line without one.
UNIT_ONE = ["1", "1.0", "count", "counts", " 1 "]


@pytest.mark.parametrize("unit", UNIT_ONE)
@pytest.mark.parametrize("step", [{"dt_s": DT_S}, {"sampling_rate_hz": 1 / DT_S}])
def test_indices_in_the_unit_one_beside_a_time_step_are_an_index(tmp_path, unit, step):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N, dtype="i4"), {"units": unit}, **step)) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-12) and src.start_time == "" and src.n_samples == N


@pytest.mark.parametrize("unit", UNIT_ONE)
def test_indices_in_the_unit_one_without_a_time_step_are_refused_as_indices(tmp_path, unit):
    with pytest.raises(InputError) as err:
        open_grid(_grid(tmp_path / "g.h5", np.arange(1, N + 1, dtype="f8"), {"units": unit}))
    said = str(err.value)
    assert f"units {unit.strip()!r}" in said and "sample indices 1…600" in said and "dt_s" in said and "\n" not in said


@pytest.mark.parametrize("unit", ["1", "count"])
def test_times_in_the_unit_one_are_not_seconds(tmp_path, unit):
    with pytest.raises(InputError, match=f"units {unit!r} are not seconds"):
        open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S, {"units": unit}, dt_s=DT_S))


@pytest.mark.parametrize("unit", ["percent", "100"])
def test_indices_in_a_scaled_number_are_not_an_index(tmp_path, unit):
    with pytest.raises(InputError, match=f"units {unit!r} are not seconds"):
        open_grid(_grid(tmp_path / "g.h5", np.arange(N), {"units": unit}, dt_s=DT_S))
