"""A grid giving its start twice, as an attribute start_time and as a CF time coordinate ('seconds since
<date>' plus its first value), used the attribute and dropped the coordinate without a word: a simulation
whose time axis starts 5 s before its reference date (time = -5 … 45 s since the origin) with start_time the
origin came back 5 s late. Where both are given they must agree within half a sample, else one line."""
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid
from synth import write_cf_grid

ORIGIN = "2007-07-16 01:13:22.5"


def _write(path, start_attr, t0_s=-5.0, dt_s=0.05, n=200):
    return write_cf_grid(path, f"seconds since {ORIGIN}", start_attr, t0_s, dt_s, n)


def test_a_start_attribute_that_disagrees_with_the_time_coordinate_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"\+5 s from the time coordinate's first time 2007-07-16T01:13:17.5"):
        open_grid(_write(tmp_path / "g.nc", "2007-07-16T01:13:22.5Z"))


@pytest.mark.parametrize("attr, start", [("2007-07-16T01:13:17.5Z", "2007-07-16T01:13:17.500000+00:00"),
                                         ("2007-07-16T01:13:17.52Z", "2007-07-16T01:13:17.520000+00:00"),
                                         ("", "2007-07-16T01:13:17.500000+00:00")])
def test_agreeing_or_single_starts_are_the_first_sample(tmp_path, attr, start):
    with open_grid(_write(tmp_path / "g.nc", attr)) as g:
        assert g.start_time == start
