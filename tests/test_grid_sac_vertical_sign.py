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


def test_a_z_whose_x_and_y_were_skipped_keeps_its_sign_unknown(tmp_path):
    """GridWriter writes only a station's generated components: a station whose x and y were skipped (unusable
    input) gave write_station_files the z alone, and its z was written up (cmpinc 0) where every other station's
    z of the same x/y/z grid had no orientation."""
    import zarr

    from seisdiff.io.grid_store import GridWriter

    group = zarr.open_group(str(tmp_path / "out.zarr"), mode="w", zarr_format=3)
    group.create_array("acceleration", shape=(2, 3, 300), dtype="float32", fill_value=np.nan)
    for name, values in (("station", ["S0", "S1"]), ("network", ["XX", "XX"])):
        group.create_array(name, shape=(2,), dtype=str)[:] = np.asarray(values, dtype=str)
    group.create_array("committed", shape=(1,), chunks=(1,), dtype="uint8", fill_value=0)
    group.attrs.update({"block_stations": 2, "n_blocks": 1, "components": ["x", "y", "z"],
                        "sampling_rate_hz": 100.0, "start_time": START})
    acc = np.random.default_rng(0).standard_normal((2, 3, 300)).astype(np.float32)
    acc[1, :2] = np.nan                                          # S1: x and y skipped, z generated
    GridWriter(tmp_path / "out.zarr", group).write_block(0, acc, files=(tmp_path / "sac", "sac"))
    for station in ("S0", "S1"):
        sac = obspy.read(str(tmp_path / "sac" / f"{station}_z.sac"))[0].stats.sac
        assert "cmpinc" not in sac and "cmpaz" not in sac
    assert not (tmp_path / "sac" / "S1_x.sac").exists()
