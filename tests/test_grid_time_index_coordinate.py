"""A `time` coordinate without units holding the sample indices 0…N−1 (or 1…N) is an index, not times: it was
read as seconds (dt = 1 s), so a 100 Hz grid was refused later by `sample` as 'sampled at 1 Hz, too coarse'
with no word of the coordinate, and beside a dt_s = 0.01 attribute refused as a disagreement (1 s against
0.01 s). Without a time step it is now refused at opening in one line naming the indices and what to add;
beside one it is read as an index. A coordinate with units, or holding times, reads as before."""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N = 2, 3, 600


def _grid(path, time, time_attrs=None, **attrs):
    data = np.random.default_rng(1).normal(size=(S, C, N)).astype("f4")
    return write_h5_time_grid(path, data, time, time_attrs, **attrs)


@pytest.mark.parametrize("time, shown", [(np.arange(N), "0…599"), (np.arange(1, N + 1, dtype="f8"), "1…600")])
def test_indices_without_a_time_step_are_refused_with_what_to_add(tmp_path, time, shown):
    with pytest.raises(InputError) as err:
        open_grid(_grid(tmp_path / "g.h5", time))
    said = str(err.value)
    assert "no units" in said and f"sample indices {shown}" in said and "dt_s" in said and "\n" not in said


@pytest.mark.parametrize("attrs", [{"dt_s": 0.01}, {"sampling_rate_hz": 100.0}])
def test_indices_beside_a_time_step_are_an_index(tmp_path, attrs):
    with open_grid(_grid(tmp_path / "g.h5", np.arange(N), **attrs)) as src:
        assert src.dt_s == pytest.approx(0.01, rel=1e-12) and src.start_time == ""


def test_unitless_times_and_index_values_with_units_read_as_before(tmp_path):
    with open_grid(_grid(tmp_path / "a.h5", np.arange(N) * 0.01)) as src:           # seconds, no units
        assert src.dt_s == pytest.approx(0.01, rel=1e-9)
    with pytest.raises(InputError, match="time step of 0.01 s but the time coordinate 1 s"):
        open_grid(_grid(tmp_path / "b.h5", np.arange(N), {"units": "s"}, dt_s=0.01))   # said to be seconds
