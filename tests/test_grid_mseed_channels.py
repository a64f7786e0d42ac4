"""Per-station miniSEED files of a grid run: each component gets its own channel code. Component names longer
than 3 characters used to be cut to 3 ('vel_x', 'vel_y', 'vel_z' all written '..vel', one trace per code
unreadable apart); recognisable axis names now become SEED-like codes (HNE, HNN, HNZ), names that fit and
differ are kept, and codes that still coincide are refused in one line before anything is written."""
import numpy as np
import obspy
import pytest
import zarr

from seisdiff.errors import UserError
from seisdiff.io.grid import open_grid
from seisdiff.io.grid_store import create_grid_output, mseed_channel_codes, write_station_files

START = "2019-07-06T03:19:53.000000Z"


@pytest.mark.parametrize("names, codes", [
    (["E", "N", "Z"], ["E", "N", "Z"]),                       # fit and differ: kept
    (["x", "y", "z"], ["x", "y", "z"]),
    (["HNE", "HNN", "HNZ"], ["HNE", "HNN", "HNZ"]),
    (["vel_x", "vel_y", "vel_z"], ["HNE", "HNN", "HNZ"]),
    (["east", "north", "up"], ["HNE", "HNN", "HNZ"]),
    (["North", "East", "Vertical"], ["HNN", "HNE", "HNZ"]),
    (["acc-e", "acc-n", "acc-u"], ["HNE", "HNN", "HNZ"]),
    (["vel_x", "vel_y", "pressure"], ["HNE", "HNN", "pressure"]),  # the rest cut on writing (export warns)
])
def test_codes(names, codes):
    assert mseed_channel_codes(names, 100.0) == codes


def test_band_follows_the_rate():
    assert mseed_channel_codes(["vel_x", "vel_y", "vel_z"], 20.0) == ["BNE", "BNN", "BNZ"]


@pytest.mark.parametrize("names", [["vel_x", "acc_x", "vel_z"], ["velocity1", "velocity2", "velocity3"],
                                   ["e", "E", "z"]])
def test_codes_that_still_coincide_are_refused(names):
    with pytest.raises(UserError, match="same miniSEED channel code"):
        mseed_channel_codes(names, 100.0)


def test_files_have_distinct_channels_with_each_components_samples(tmp_path):
    fs = 100.0
    acc = np.stack([np.sin(2 * np.pi * f * np.arange(500) / fs) * a for f, a in ((1, 0.5), (2, 1.5), (3, 2.5))])
    paths = write_station_files(tmp_path, "mseed", acc, fs, "S000", "XX", ["vel_x", "vel_y", "vel_z"], START)
    st = obspy.read(str(paths[0]))
    assert [tr.id for tr in st] == ["XX.S000..HNE", "XX.S000..HNN", "XX.S000..HNZ"]
    for tr, want in zip(st, acc):
        np.testing.assert_array_equal(tr.data, want)                                # float64 m/s², unscaled
        assert tr.stats.starttime == obspy.UTCDateTime(START)


def test_run_refused_before_its_output_is_made(tmp_path):
    g = zarr.open_group(str(tmp_path / "grid.zarr"), mode="w")
    g.create_array("acceleration", shape=(2, 3, 400), dtype="float32")[:] = np.ones((2, 3, 400), np.float32)
    g["acceleration"].attrs.update({"units": "m/s^2", "dt_s": 0.01, "start_time": START})
    g.create_array("component", shape=(3,), dtype=str)[:] = np.array(["vel_x", "acc_x", "vel_z"])
    g.create_array("station", shape=(2,), dtype=str)[:] = np.array(["A", "B"])
    g.create_array("lat", shape=(2,), dtype="float64")[:] = [34.0, 34.1]
    g.create_array("lon", shape=(2,), dtype="float64")[:] = [-118.0, -118.1]
    out = tmp_path / "out.zarr"
    with open_grid(tmp_path / "grid.zarr") as source:
        with pytest.raises(UserError, match="same miniSEED channel code"):
            create_grid_output(out, source, n_samples=400, sampling_rate_hz=100.0, block_stations=2,
                               settings={"station_format": "mseed"})
        assert not out.exists()
        create_grid_output(out, source, n_samples=400, sampling_rate_hz=100.0, block_stations=2,
                           settings={"station_format": "sac"})        # SAC files are named by component
        assert out.exists()


@pytest.mark.parametrize("names, codes", [
    (["vel_north", "vel_east", "vel.down"], ["HNN", "HNE", "HNZ"]),
    (["vel_north", "vel_east", "vel_down"], ["HNN", "HNE", "HNZ"]),
    (["north", "east", "down"], ["HNN", "HNE", "HNZ"]),
    (["velnorth", "veleast", "veldown"], ["HNN", "HNE", "HNZ"]),
    (["vel_n", "vel_e", "vel_up2"], ["HNN", "HNE", "HNZ"]),
])
def test_a_down_or_glued_direction_gets_its_axis_code(names, codes):
    """SEED's Z is the vertical whatever its sign (the sign is the dip's): vel.down was written 'vel_down' (cut to VEL
    on writing) beside HNN, HNE, and velnorth/veleast/veldown were refused as all 'VEL'."""
    assert mseed_channel_codes(names, 100.0) == codes
