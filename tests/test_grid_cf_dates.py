"""CF time coordinates whose reference date is written as UDUNITS and Fortran/C codes write it (fields unpadded,
'2007-7-16 1:13:22'; a zone after a space, '+0:00', '+9:00') lost their date without a word: the grid's start
time was '' (the output and its per-station files had none) though the file gave it. They are read now, and a
date that cannot be read at all ('seconds since origin') is refused in one line instead of dropped."""
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid
from synth import write_cf_grid


def _write(path, time_units, t0_s=-5.0, dt_s=0.05, n=200):
    return write_cf_grid(path, time_units, None, t0_s, dt_s, n)


@pytest.mark.parametrize("units", ["seconds since 2007-7-16 1:13:22.5", "seconds since 2007-07-16 01:13:22.5 +0:00",
                                   "seconds since 2007-07-16 10:13:22.5 +9:00", "s since 2007-07-16T01:13:22.5Z"])
def test_udunits_reference_dates_give_the_start(tmp_path, units):
    with open_grid(_write(tmp_path / "g.nc", units)) as g:
        assert g.start_time == "2007-07-16T01:13:17.500000+00:00"
        assert g.dt_s == pytest.approx(0.05)


def test_a_reference_that_is_no_date_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"'seconds since origin' name no date that can be read"):
        open_grid(_write(tmp_path / "g.nc", "seconds since origin"))
