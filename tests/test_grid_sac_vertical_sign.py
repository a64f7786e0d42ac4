"""SAC files of a grid run say which way a component points (cmpaz, cmpinc) only where its name tells. A bare z
reads as up (a recording's Z, an E/N/Z grid's), but beside a simulation's x and y it is the solver's z axis, up in
SPECFEM and down in SW4 and Hercules: an x/y/z grid's z was written cmpinc 0 (up) whatever its sign."""
import numpy as np
import obspy
import pytest

from seisdiff.io.components import sign_unknown
from seisdiff.io.grid_store import write_station_files

START = "2019-07-06T03:19:53.000000Z"


@pytest.mark.parametrize("names, vertical_inc", [
    (["x", "y", "z"], None),                 # the solver's axes: z's sign unknown
    (["X", "Y", "Z"], None),
    (["E", "N", "Z"], 0.0),                  # east, north, up: Z up as in recordings
    (["east", "north", "z"], 0.0),
    (["HNE", "HNN", "HNZ"], 0.0),
    (["vel_x", "vel_y", "vel_z"], None),     # a quantity's z: no orientation either way
])
def test_a_simulations_z_beside_x_and_y_gets_no_orientation(tmp_path, names, vertical_inc):
    acc = np.stack([np.sin(2 * np.pi * f * np.arange(300) / 100.0) for f in (1, 2, 3)])
    paths = write_station_files(tmp_path, "sac", acc, 100.0, "S000", "XX", names, START)
    sac = obspy.read(str(paths[2]))[0].stats.sac
    assert sac.get("cmpinc") == vertical_inc
    if vertical_inc is None:
        assert "cmpaz" not in sac
    np.testing.assert_allclose(obspy.read(str(paths[2]))[0].data, acc[2] * 1e9, rtol=1e-6)  # nm/s², data as given


def test_sign_unknown_only_for_a_z_among_x_and_y():
    assert sign_unknown("z", ["x", "y", "z"]) and sign_unknown("vz", ["vx", "vy", "vz"])
    assert not sign_unknown("z", ["z"]) and not sign_unknown("Z", ["E", "N", "Z"])
    assert not sign_unknown("x", ["x", "y", "z"]) and not sign_unknown("HNZ", ["HNE", "HNN", "HNZ"])
