"""CF time coordinates whose reference date is written as UDUNITS and Fortran/C codes write it (fields unpadded,
'2007-7-16 1:13:22'; a zone after a space, '+0:00', '+9:00') lost their date without a word: the grid's start
time was '' (the output and its per-station files had none) though the file gave it. They are read now, and a
date that cannot be read at all ('seconds since origin') is refused in one line instead of dropped."""
import numpy as np
import pytest
from scipy.io import netcdf_file

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid


def _write(path, time_units, t0_s=-5.0, dt_s=0.05, n=200):
    f = netcdf_file(str(path), "w")
    f.createDimension("station", 2)
    f.createDimension("component", 3)
    f.createDimension("time", n)
    t = f.createVariable("time", "f8", ("time",))
    t[:] = t0_s + np.arange(n) * dt_s
    t.units = time_units
    v = f.createVariable("velocity", "f4", ("station", "component", "time"))
    v[:] = np.sin(np.arange(n) / 7.0)[None, None] * np.ones((2, 3, 1))
    v.units = "m/s"
    for key, values in (("lat", [37.0, 37.1]), ("lon", [138.5, 138.5])):
        f.createVariable(key, "f8", ("station",))[:] = values
    f.createDimension("strlen", 2)
    f.createVariable("station", "c", ("station", "strlen"))[:] = np.array([list("S1"), list("S2")], "S1")
    f.close()
    return path


@pytest.mark.parametrize("units", ["seconds since 2007-7-16 1:13:22.5", "seconds since 2007-07-16 01:13:22.5 +0:00",
                                   "seconds since 2007-07-16 10:13:22.5 +9:00", "s since 2007-07-16T01:13:22.5Z"])
def test_udunits_reference_dates_give_the_start(tmp_path, units):
    with open_grid(_write(tmp_path / "g.nc", units)) as g:
        assert g.start_time == "2007-07-16T01:13:17.500000+00:00"
        assert g.dt_s == pytest.approx(0.05)


def test_a_reference_that_is_no_date_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"'seconds since origin' name no date that can be read"):
        open_grid(_write(tmp_path / "g.nc", "seconds since origin"))
