"""Times whose rate changes within the record by less than their rounding per step passed: the evenness check held
each step to its mean within the times' rounding (one unit per step for integers rounded to it: 300 Hz in whole ms;
2·eps·|t| for float32), not each time to its place. Integer ms times 3 ms apart, then 4 ms (mean 3.5 ms), beside
dt_s = 0.0035 were read with dt_s, sample 500 at 1.75 s where the file puts it at 1.501 s (71 samples apart); a
300 Hz ms grid whose clock drifts 100 ms (30 samples) mid-record alike; float32 times at 1e5 s beside dt_s and
float32 times to 120 s without one (a 0.2 % rate change midway: 6 samples) too. Each time must now lie within its
rounding of the even grid of its first time and mean step; a time coordinate that does not is refused in one line
naming the time, the offset in s and samples and the time step attribute it disagrees with."""
import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N = 2, 3, 1000
ACC = np.random.default_rng(8).normal(size=(S, C, N)).astype("f4")
MS = "milliseconds since 2019-07-06 03:19:53"


def _grid(path, time, units, **attrs):
    return write_h5_time_grid(path, np.resize(ACC, (S, C, len(time))), time, {"units": units}, **attrs)


def _summed_float32(n: int, dt_s: float) -> np.ndarray:
    time = np.zeros(n, np.float32)
    for k in range(1, n):
        time[k] = time[k - 1] + np.float32(dt_s)
    return time


def _refusal(path) -> str:
    with pytest.raises(InputError) as err:
        open_grid(path)
    said = str(err.value)
    assert "not evenly spaced" in said and "\n" not in said
    return said


def test_integer_ms_times_whose_step_changes_beside_a_dt_s_of_their_mean_are_refused_naming_both(tmp_path):
    time = np.concatenate([np.arange(500) * 3, 1497 + np.arange(1, 501) * 4]).astype(np.int64)   # 3 ms, then 4 ms
    said = _refusal(_grid(tmp_path / "g.h5", time, MS, dt_s=0.0035))
    assert "attribute dt_s of the array 'acceleration' (0.0035 s)" in said and "time 499" in said
    assert "-0.25 s (-71 samples)" in said and "sample 499 would come out at 1.7465 s" in said


def test_a_drifting_300_hz_clock_in_whole_ms_beside_dt_s_is_refused(tmp_path):
    k = np.arange(N)
    drift_ms = 100.0 * np.clip(np.minimum(k - 100, 900 - k) / 400.0, 0.0, 1.0)    # 0 → 100 ms → 0: 0.25 ms a step
    time = np.round(k * 1000 / 300 + drift_ms).astype(np.int64)
    said = _refusal(_grid(tmp_path / "g.h5", time, MS, dt_s=1 / 300))
    assert "+0.1 s (+30 samples)" in said


def test_coarse_float32_times_whose_step_changes_beside_dt_s_are_refused(tmp_path):
    steps = np.where(np.arange(N - 1) < N // 2, 0.005, 0.015)                    # mean 0.01 s, rounded to 0.0078 s
    time = (1e5 + np.concatenate([[0.0], np.cumsum(steps)])).astype(np.float32)
    said = _refusal(_grid(tmp_path / "g.h5", time, "seconds since 2019-07-06 00:00:00", dt_s=0.01))
    assert "attribute dt_s" in said


def test_float32_times_whose_rate_changes_slightly_are_refused_without_dt_s(tmp_path):
    n = 12000
    steps = np.where(np.arange(n - 1) < n // 2, 0.01, 0.00998)                  # 0.2 % faster from 60 s
    time = np.concatenate([[0.0], np.cumsum(steps)]).astype(np.float32)
    said = _refusal(_grid(tmp_path / "g.h5", time, "s"))
    assert "samples" in said and "dt_s" not in said.split(";")[0]


@pytest.mark.parametrize("time, units, attrs", [
    (np.round(np.arange(N) * 1000 / 300).astype(np.int64), MS, {"dt_s": 1 / 300}),       # rounded once: one unit
    ((1e5 + np.arange(N) * 0.01).astype(np.float32), "seconds since 2019-07-06 00:00:00", {"dt_s": 0.01}),
    ((np.arange(12000) * 0.01).astype(np.float32), "s", {}),                           # float32 to 120 s
    (np.arange(N) * 0.01 + 1.5e9, "seconds since 1970-01-01", {}),                     # float64 epoch seconds
])
def test_evenly_spaced_times_rounded_once_are_still_read(tmp_path, time, units, attrs):
    with open_grid(_grid(tmp_path / "g.h5", time, units, **attrs)) as src:
        assert src.n_samples == len(time)


def test_float32_times_summed_step_by_step_are_read_at_their_mean_step(tmp_path):
    """t += dt in float32 (a solver's constant step, its labels rounded as summed) drifts 0.86 samples over 12000 at
    100 Hz: less than one step from the even grid, the same samples; read at the mean step, as before the check."""
    time = _summed_float32(12000, 0.01)
    drift = np.abs(time - np.arange(len(time)) * (float(time[-1]) / (len(time) - 1))).max() / 0.01
    assert 0.5 < drift < 1.0
    with open_grid(_grid(tmp_path / "g.h5", time, "s")) as src:
        assert src.n_samples == len(time)
        assert abs(src.sampling_rate_hz - 100.0) < 0.01


def test_an_offset_just_past_one_step_is_not_shown_as_one_step(tmp_path):
    """A time refused for lying beyond one step of the even grid was shown rounded to whole samples: a 300 Hz clock
    in whole ms drifting 7 ms over half the record read 'is +0.00375 s (+1 samples) from the even grid ..., beyond
    its rounding or one step (0.0033 s)', the very allowance it is said to exceed. Offsets under 10 samples are
    shown to a tenth (+1.1)."""
    n = 12000
    k = np.arange(n)
    drift_ms = 7.0 * np.minimum(k, n // 2) / (n // 2)
    time = np.round(k * 1000 / 300 + drift_ms).astype(np.int64)
    said = _refusal(write_h5_time_grid(tmp_path / "g.h5", np.zeros((2, 3, n), "f4"), time, {"units": MS}))
    assert "+0.00375 s (+1.1 samples)" in said and "(+1 samples)" not in said


def test_float32_times_summed_step_by_step_beside_their_dt_s_are_read_with_it(tmp_path):
    """Their mean step (0.0100006 s) and dt_s put the last sample 0.7 samples apart: the same samples, read with
    dt_s; a step 0.1 % off over 12000 samples (12 samples) is still refused."""
    time = _summed_float32(12000, 0.01)
    with open_grid(_grid(tmp_path / "g.h5", time, "s", dt_s=0.01)) as src:
        assert src.sampling_rate_hz == 100.0 and src.n_samples == len(time)
    with pytest.raises(InputError, match="stretched"):
        open_grid(_grid(tmp_path / "h.h5", time, "s", dt_s=0.01001))
