"""Integer times whose step is no whole number of their unit are rounded to one unit: a 300 Hz grid in integer
milliseconds (`round(k·1000/300)`, 3 or 4 ms apart) was refused as 'not evenly spaced and increasing' with and without
dt_s = 1/300, its allowance being float64's (1e-6 of the step + 1 ns). Such times now get their rounding (one unit per
step) and the float32 coarseness rule: without a time step attribute they are refused in one line when one unit over
N−1 steps leaves their step uncertain (add dt_s); beside dt_s they are checked only to their rounding. Integer times
of one step (100 Hz in ms) are exact, as before."""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N, FS_HZ = 2, 3, 1000, 300.0
ACC = np.random.default_rng(6).normal(size=(S, C, N)).astype("f4")
DATE = "2019-07-06 03:19:53"


def _grid(path, time, units, **attrs):
    return write_h5_time_grid(path, ACC, time, {"units": units}, **attrs)


def _rounded(per_s):
    return np.round(np.arange(N) * per_s / FS_HZ).astype(np.int64)       # 300 Hz in ms: 0, 3, 7, 10, 13, 17, …


def test_300_hz_in_integer_milliseconds_beside_dt_s_is_read(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", _rounded(1000), f"milliseconds since {DATE}", dt_s=1 / FS_HZ)) as src:
        assert src.dt_s == 1 / FS_HZ and src.n_samples == N
        assert src.start_time.startswith("2019-07-06T03:19:53.000")
        np.testing.assert_array_equal(src.read_block(0, S), ACC.astype(np.float64))


def test_300_hz_in_integer_milliseconds_without_dt_s_is_refused_as_too_coarse(tmp_path):
    with pytest.raises(InputError) as err:
        open_grid(_grid(tmp_path / "g.h5", _rounded(1000), f"milliseconds since {DATE}"))
    said = str(err.value)
    assert "too coarse for their step" in said and "milliseconds" in said and "0.001 s" in said and "dt_s" in said
    assert "not evenly spaced" not in said and "\n" not in said


def test_300_hz_in_integer_microseconds_gives_its_step_without_dt_s(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", _rounded(10**6), f"microseconds since {DATE}")) as src:
        assert src.dt_s == pytest.approx(1 / FS_HZ, rel=1e-6)             # one µs over 999 steps: 3e-7 of it


def test_rounded_integer_times_that_disagree_with_dt_s_are_refused_as_such(tmp_path):
    with pytest.raises(InputError, match="time step of 0.004 s but the time coordinate 0.00333333 s"):
        open_grid(_grid(tmp_path / "g.h5", _rounded(1000), f"milliseconds since {DATE}", dt_s=0.004))


def test_rounded_integer_times_are_still_checked_to_their_rounding(tmp_path):
    time = _rounded(1000)
    time[N // 2] += 2                                                     # 2 ms late: beyond one unit
    with pytest.raises(InputError, match="not evenly spaced"):
        open_grid(_grid(tmp_path / "g.h5", time, f"milliseconds since {DATE}", dt_s=1 / FS_HZ))
    time = _rounded(1000)
    time[N // 2:] += 5                                                    # a gap of 1.5 samples
    with pytest.raises(InputError, match="not evenly spaced"):
        open_grid(_grid(tmp_path / "g2.h5", time, f"milliseconds since {DATE}"))


def test_half_unit_times_rounded_half_to_even_are_read(tmp_path):
    time = np.round(2.5 + np.arange(N) * 5.0).astype(np.int64)            # 200 Hz from 2.5 ms: 2, 8, 12, 18, …
    with open_grid(_grid(tmp_path / "g.h5", time, f"milliseconds since {DATE}", dt_s=0.005)) as src:
        assert src.dt_s == 0.005 and src.start_time.startswith("2019-07-06T03:19:53.002")
