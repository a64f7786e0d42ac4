"""A float32 time coordinate far from zero cannot give its step: float32 1e5 + k·0.01 s ('seconds since 2019-07-06
00:00:00') is rounded to 0.0078 s, passed the evenness check (its rounding allowance, 0.024 s, exceeds the step) and
gave dt = 0.0100022 s (99.978 Hz), a grid `sample` refused later with a message about its rate. Without a time step
attribute it is now refused at opening in one line (too coarse; add dt_s); beside dt_s the attribute is read and the
coordinate checked only to its precision (also its CF start: a 0.3 s start in float32 at 1.6e7 s, rounded to 1 s, was
refused as disagreeing with start_time). Float32 times near zero (0…30 s at 100 Hz: dt to 1e-7) read as before.
A NaN time is refused as such (it was read beside dt_s, NaN passing every comparison)."""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N, DT_S = 2, 3, 1000, 0.01
ACC = np.random.default_rng(4).normal(size=(S, C, N)).astype("f4")
MIDNIGHT = "seconds since 2019-07-06 00:00:00"


def _grid(path, time, units=MIDNIGHT, **attrs):
    return write_h5_time_grid(path, np.resize(ACC, (S, C, len(time))), time, {"units": units}, **attrs)


def _far(first_s=1e5, n=N):
    return (first_s + np.arange(n) * DT_S).astype(np.float32)


def test_float32_times_too_coarse_for_their_step_are_refused_without_dt_s(tmp_path):
    with pytest.raises(InputError) as err:
        open_grid(_grid(tmp_path / "g.h5", _far()))
    said = str(err.value)
    assert "too coarse for their step" in said and "rounded to 0.0078 s" in said and "dt_s" in said
    assert "\n" not in said


def test_beside_dt_s_coarse_times_give_way_to_it_and_their_cf_start_is_read(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", _far(), dt_s=DT_S)) as src:
        assert src.dt_s == DT_S and src.sampling_rate_hz == pytest.approx(100.0, rel=1e-12)
        assert src.start_time.startswith("2019-07-07T03:46:40.00")           # 1e5 s after midnight


def test_beside_dt_s_coarse_times_are_checked_to_their_precision(tmp_path):
    with pytest.raises(InputError, match="time step of 0.02 s but the time coordinate 0.0100022 s"):
        open_grid(_grid(tmp_path / "a.h5", _far(), dt_s=2 * DT_S))
    jump = _far().astype(np.float64)
    jump[N // 2:] += 0.1                                                      # 10 samples missing: beyond 0.024 s
    with pytest.raises(InputError, match="not evenly spaced"):
        open_grid(_grid(tmp_path / "b.h5", jump.astype(np.float32), dt_s=DT_S))


def test_a_cf_start_rounded_to_a_second_agrees_with_start_time_within_its_rounding(tmp_path):
    time = _far(1.6e7 + 0.3)                                                 # float32 there: 1 s apart
    grid = _grid(tmp_path / "g.h5", time, "seconds since 2019-01-01 00:00:00", dt_s=DT_S,
                 start_time="2019-07-05T04:26:40.3Z")                         # 1.6e7 s + 0.3 s
    with open_grid(grid) as src:
        assert src.dt_s == DT_S and src.start_time.startswith("2019-07-05T04:26:40.30")


def test_float32_times_near_zero_still_give_their_step(tmp_path):
    with open_grid(_grid(tmp_path / "g.h5", (np.arange(3000) * DT_S).astype(np.float32), "s")) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-6) and src.n_samples == 3000


def test_nan_times_are_refused_as_such_not_as_too_coarse(tmp_path):
    time = np.arange(N) * DT_S
    time[N // 2] = np.nan                                  # was accepted beside dt_s (NaN passes every comparison)
    for attrs in ({}, {"dt_s": DT_S}):
        with pytest.raises(InputError, match="holds 1 NaN or infinite times"):
            open_grid(_grid(tmp_path / "g.h5", time, "s", **attrs))


@pytest.mark.parametrize("time", [np.zeros(N), np.full(N, 1e8, np.float32), np.arange(N)[::-1] * DT_S])
def test_times_that_do_not_increase_are_refused_as_such_not_as_too_coarse(tmp_path, time):
    with pytest.raises(InputError, match="not evenly spaced and increasing"):
        open_grid(_grid(tmp_path / "g.h5", time, "s"))


def test_a_cf_start_coarser_than_half_a_sample_is_read_as_stored_and_said_once(tmp_path, capsys):
    """float32 seconds since 2019-01-01 at 1.6e7 s (1 s apart there) beside dt_s, without start_time: the start read
    (04:26:40.0 for a first sample at 40.3) is good only to ±0.5 s, 50 samples; it was read silently."""
    grid = _grid(tmp_path / "g.h5", _far(1.6e7 + 0.3), "seconds since 2019-01-01 00:00:00", dt_s=DT_S)
    with open_grid(grid) as src:
        assert src.start_time.startswith("2019-07-05T04:26:40.00")           # what the file says, to its precision
    said = capsys.readouterr().err.strip()
    assert said.count("\n") == 0 and str(grid) in said
    assert "2019-07-05T04:26:40" in said and "±0.5 s" in said and "start_time" in said and "float64" in said


def test_a_cf_start_within_half_a_sample_or_beside_start_time_is_read_silently(tmp_path, capsys):
    with open_grid(_grid(tmp_path / "a.h5", _far(), dt_s=DT_S)) as src:      # 1e5 s: ±0.0039 s, under 0.005 s
        assert src.start_time.startswith("2019-07-07T03:46:40.00")
    with open_grid(_grid(tmp_path / "b.h5", _far(1.6e7 + 0.3), "seconds since 2019-01-01 00:00:00", dt_s=DT_S,
                         start_time="2019-07-05T04:26:40.3Z")) as src:
        assert src.start_time.startswith("2019-07-05T04:26:40.30")
    assert capsys.readouterr().err == ""
