"""A CF start taken from a float32 time coordinate had its rounding estimated from the coordinate's largest time, not
its first: float32 'seconds since 2019-07-06 00:00:00' from 65,500 s at 200 Hz (12,000 samples, beside dt_s) crosses
65,536 s, where float32's spacing doubles to 0.0078 s; the start (65,500 s, stored to ±0.002 s, under half a sample,
0.0025 s) was said to be 'stored only to ±0.0039 s (more than half a sample)', and a start_time attribute 0.006 s
(1.2 samples) from it was taken as agreeing. The start's rounding is now its own (half the spacing of the first
time); float32 seconds since the origin time (−20…100 s) stay exact and silent, as before."""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

DT_S, N = 0.005, 12000
MIDNIGHT = "seconds since 2019-07-06 00:00:00"


def _grid(path, first_s, units=MIDNIGHT, **attrs):
    time = (first_s + np.arange(N) * DT_S).astype(np.float32)
    return write_h5_time_grid(path, np.zeros((2, 1, N), "f4"), time, {"units": units}, dt_s=DT_S, **attrs)


def test_a_start_stored_within_half_a_sample_is_read_silently_though_later_times_are_coarser(tmp_path, capsys):
    with open_grid(_grid(tmp_path / "g.h5", 65500.0)) as src:
        assert src.start_time == "2019-07-06T18:11:40.000000+00:00"
    assert capsys.readouterr().err == ""


def test_a_start_time_attribute_is_held_to_the_first_time_s_own_rounding(tmp_path):
    with pytest.raises(InputError, match="is -0.006 s from the time coordinate's first time"):
        open_grid(_grid(tmp_path / "g.h5", 65500.0, start_time="2019-07-06T18:11:39.994Z"))


def test_times_since_the_origin_time_are_exact_and_silent(tmp_path, capsys):
    with open_grid(_grid(tmp_path / "g.h5", -20.0, "seconds since 2019-07-06 03:19:53.04")) as src:
        assert src.start_time == "2019-07-06T03:19:33.040000+00:00"
    assert capsys.readouterr().err == ""
