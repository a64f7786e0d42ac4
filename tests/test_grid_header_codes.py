"""Per-station miniSEED / SAC files of a grid run: stations whose codes would coincide in the headers (names
cut to 5 characters for miniSEED, 8 for SAC) are refused in one line before anything is written. Stations
STA00001 and STA00002 were both written as SI.STA00..E/N/Z (their file names differ), one id for two
places once read together."""
import h5py
import numpy as np
import pytest

from seisdiff.errors import UserError
from seisdiff.io.grid import open_grid
from seisdiff.io.grid_store import check_header_station_codes, create_grid_output


def _grid(path, names):
    n = len(names)
    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=np.ones((n, 3, 50), np.float32))
        d.attrs.update({"units": "m/s^2", "dt_s": 0.01})
        f.attrs.update({"network": "SIM", "components": "E,N,Z"})
        f["station"] = np.array(names, dtype="S")
        f["lat"], f["lon"] = np.linspace(35, 36, n), np.linspace(139, 140, n)
    return path


@pytest.mark.parametrize("fmt, refused", [("mseed", True), ("sac", False), ("at2", False)])
def test_stations_alike_within_the_header_width_are_refused_before_any_work(tmp_path, fmt, refused):
    source = open_grid(_grid(tmp_path / "g.h5", ["STA00001", "STA00002", "STA00003"]))
    out = tmp_path / "out.zarr"
    kwargs = dict(n_samples=50, sampling_rate_hz=100.0, block_stations=2, settings={"station_format": fmt})
    with source:
        if refused:
            with pytest.raises(UserError, match=r"'STA00001' and 'STA00002' \(and 1 more\) would carry the same "
                                                r"miniSEED codes SI\.STA00"):
                create_grid_output(out, source, **kwargs)
            assert not out.exists()
        else:
            assert create_grid_output(out, source, **kwargs).n_stations == 3


def test_header_codes_compare_the_ascii_names_as_written():
    check_header_station_codes(["AB01", "AB02", "LONGNAME5"], ["XX"] * 3, "mseed")
    check_header_station_codes(["Åre", "Are"], ["XX", "YY"], "sac")              # other networks: distinct
    with pytest.raises(UserError, match="same SAC codes XX.Are"):
        check_header_station_codes(["Åre", "Are"], ["XX", "XX"], "sac")
