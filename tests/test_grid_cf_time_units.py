"""A grid's `time` coordinate in CF time units of hours or days ('days since 2019-07-06 03:19:53', and the UDUNITS
spellings hour, hr, h, day, d), as climate-model and xarray writers store it. They were refused ("the time
coordinate's units 'days since …' are not seconds"): only seconds, ms and minutes were read. They read as 3,600 and
86,400 s, and a 0.01 s step in float64 days survives (1.16e-7 d; 0.1 s steps from 1970: 1e-9 of it off)."""
from datetime import datetime, timezone

import numpy as np
import pytest
from synth import write_h5_time_grid

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid

S, C, N, DT_S = 2, 3, 1000, 0.01
DATE = "2019-07-06 03:19:53"
ACC = np.random.default_rng(3).normal(size=(S, C, N)).astype("f4")


def _grid(path, time, units, **attrs):
    return write_h5_time_grid(path, ACC, time, {"units": units}, **attrs)


@pytest.mark.parametrize("unit, per_s", [("days", 86400.0), ("day", 86400.0), ("d", 86400.0),
                                         ("hours", 3600.0), ("hour", 3600.0), ("hr", 3600.0), ("h", 3600.0)])
def test_times_in_hours_or_days_since_a_date_give_the_step_and_the_start(tmp_path, unit, per_s):
    time = (0.04 + np.arange(N) * DT_S) / per_s                        # float64, first sample 0.04 s after the date
    with open_grid(_grid(tmp_path / "g.h5", time, f"{unit} since {DATE}")) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9)
        assert src.start_time.startswith("2019-07-06T03:19:53.04")
        np.testing.assert_array_equal(src.read_block(0, S), ACC.astype(np.float64))


def test_float64_days_since_1970_keep_a_hundredth_of_a_second(tmp_path):
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    first_d = (datetime(2019, 7, 6, 3, 19, 53, tzinfo=timezone.utc) - epoch).total_seconds() / 86400
    with open_grid(_grid(tmp_path / "g.h5", first_d + np.arange(N) * DT_S / 86400, "days since 1970-01-01")) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-6)
        assert src.start_time.startswith("2019-07-06T03:19:53.00")


def test_days_that_disagree_with_dt_s_are_refused(tmp_path):
    with pytest.raises(InputError, match="time step of 0.02 s but the time coordinate 0.01 s"):
        open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S / 86400, f"days since {DATE}", dt_s=0.02))


def test_a_unit_that_is_no_time_is_still_refused(tmp_path):
    with pytest.raises(InputError, match="units 'months since 2019-07-06 03:19:53' are not seconds"):
        open_grid(_grid(tmp_path / "g.h5", np.arange(N) * DT_S, f"months since {DATE}"))


# xarray writes datetime64 times as integers in the largest unit that divides every step, since the first time: a
# 400 Hz grid in 'microseconds since …' (2,500 µs apart), a 300 Hz one (3,333,333 / 3,333,334 ns apart), or times
# rounded to the nanosecond, in 'nanoseconds since …'; such grids were refused ('units 'nanoseconds since …' are not
# seconds'). Micro- and nanoseconds now read as 1e-6 and 1e-9 s.
@pytest.mark.parametrize("unit, per_s, fs_hz", [("nanoseconds", 1e9, 300.0), ("ns", 1e9, 300.0),
                                                ("microseconds", 1e6, 400.0), ("us", 1e6, 400.0),
                                                ("\u00b5s", 1e6, 400.0)])
def test_integer_micro_or_nanoseconds_as_xarray_writes_them(tmp_path, unit, per_s, fs_hz):
    time = np.round(np.arange(N) * per_s / fs_hz).astype(np.int64)             # rounded to the unit
    with open_grid(_grid(tmp_path / "g.h5", time, f"{unit} since 2019-07-06 03:19:53.040000")) as src:
        assert src.dt_s == pytest.approx(1 / fs_hz, rel=1e-9)
        assert src.start_time.startswith("2019-07-06T03:19:53.04")


@pytest.mark.parametrize("unit, per_s", [("nanoseconds", 10**9), ("microseconds", 10**6), ("milliseconds", 10**3)])
def test_integer_times_since_1970_are_evenly_spaced(tmp_path, unit, per_s):
    """int64 epoch times (ns, µs or ms since 1970, as many HDF5 writers store them) were converted to float64 seconds
    before their steps were taken: rounded to 256 ns (0.24 µs for ms), a 100 Hz grid's exact steps read 0.01 s ± 2.4e-7
    and it was refused as 'not evenly spaced' (tolerance 1.1e-8 s). Integer steps are now taken from the integers."""
    first = 1562383193040 * per_s // 1000                              # 2019-07-06T03:19:53.04Z
    time = first + np.arange(N, dtype=np.int64) * (per_s // 100)
    with open_grid(_grid(tmp_path / "g.h5", time, f"{unit} since 1970-01-01")) as src:
        assert src.dt_s == pytest.approx(DT_S, rel=1e-9)
        assert src.start_time.startswith("2019-07-06T03:19:53.04")
    time[500] += 2 * per_s // 1000               # one time 2 ms late (beyond whole ms times' rounding): still refused
    with pytest.raises(InputError, match="not evenly spaced"):
        open_grid(_grid(tmp_path / "g2.h5", time, f"{unit} since 1970-01-01"))
