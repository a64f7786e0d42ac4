"""Unusable stations of a grid (NaN or inf samples, no signal, a level beyond any recorded ground motion)
are skipped one by one (engine.grid_sample): one warning line each (plain names, bounded per run), NaN in
their output rows, listed in the output's attribute skipped_stations; every other station is generated as
if they were not there, and a rerun into the same output resumes without retrying them.

Uses the tiny single-component model of tests/test_grid.py (DDIM, 2 steps).
"""
from types import SimpleNamespace

import numpy as np
import pytest
import zarr
from synth import accelerogram
from test_grid import FS, tiny_checkpoint

from seisdiff.engine import grid_sample
from seisdiff.engine.grid_sample import sample_grid
from seisdiff.io.grid import open_grid
from seisdiff.io.grid_store import station_files_dir

COMPONENTS = ["E", "N", "Z"]
N_SAMPLES = 1500


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("grid_unusable_tiny"))


def _grid(path, n, edit=None, keep=None):
    """n stations S000.. of 3 components, m/s², PGA 0.5–1.4 m/s²; edit(data) changes the samples; keep: only
    these stations."""
    data = np.stack([[accelerogram(10 * s + c, n=N_SAMPLES, fs_hz=FS, pga=0.5 + 0.1 * s) for c in range(3)]
                     for s in range(n)])
    if edit is not None:
        edit(data)
    keep = list(range(n)) if keep is None else list(keep)
    data, n = data[keep], len(keep)
    g = zarr.open_group(str(path), mode="w")
    a = g.create_array("acceleration", shape=data.shape, dtype="float32", chunks=(1, 3, N_SAMPLES))
    a[:] = data.astype(np.float32)
    a.attrs.update({"units": "m/s^2", "dt_s": 1 / FS})
    g.create_array("station", shape=(n,), dtype=str)[:] = np.array([f"S{i:03d}" for i in keep])
    g.create_array("component", shape=(3,), dtype=str)[:] = np.array(COMPONENTS)
    g.create_array("lat", shape=(n,), dtype="float64")[:] = 34.0 + 0.01 * np.array(keep)
    g.create_array("lon", shape=(n,), dtype="float64")[:] = -118.0 - 0.01 * np.array(keep)
    return path


def _run(tiny, grid, out, lines, **kw):
    return sample_grid(tiny.ckpt, grid, out, **{"sampler": "ddim", "steps": 2, "batch_size": 64, "progress": False,
                                                "block_stations": 4, "log": lines.append, **kw})


def _output(out):
    with open_grid(out) as res:
        return res.read_block(0, res.n_stations)


def _warnings(lines):
    return [line for line in lines if line.startswith("warning")]


def test_a_nan_station_is_skipped_alone_and_the_run_resumes(tiny, tmp_path):
    def nan_in_s002_e(data):
        data[2, 0, N_SAMPLES // 2] = np.nan

    clean = _grid(tmp_path / "clean.zarr", 5)
    grid = _grid(tmp_path / "nan.zarr", 5, nan_in_s002_e)
    _run(tiny, clean, tmp_path / "ref.zarr", [])
    lines = []
    out = tmp_path / "out.zarr"
    run = _run(tiny, grid, out, lines, station_format="sac")                 # no exception: the rest is made
    warned = _warnings(lines)
    assert len(warned) == 1 and "station 'S002'" in warned[0] and "NaN or inf" in warned[0], lines
    assert "np.str_" not in "".join(lines) and "nan.zarr" in warned[0] and "\n" not in warned[0]
    assert "component E skipped" in warned[0]
    assert (run.records_generated, run.records_bad, run.stations_skipped) == (14, 1, ["S002"])
    got, ref = _output(out), _output(tmp_path / "ref.zarr")
    assert np.isnan(got[2, 0]).all()                                         # the bad trace: NaN, not made up
    usable = np.ones(got.shape[:2], bool)
    usable[2, 0] = False
    assert np.isfinite(got[usable]).all()
    np.testing.assert_allclose(got[usable], ref[usable], rtol=1e-4, atol=1e-6)   # as if it were not there
    group = zarr.open_group(str(out), mode="r")
    assert group["committed"][:].tolist() == [1, 1]
    assert list(group.attrs["skipped_stations"]) == ["S002"] and "NaN" in group.attrs["skipped_stations"]["S002"]
    files = sorted(p.name for p in station_files_dir(out, "sac").iterdir())
    assert "S002_E.sac" not in files and "S002_N.sac" in files and len(files) == 14

    again = []
    rerun = _run(tiny, grid, out, again, station_format="sac")               # resumes: nothing retried
    assert (rerun.records_generated, rerun.records_skipped, rerun.stations_skipped) == (0, 15, ["S002"])
    assert not _warnings(again) and "1 station(s) skipped" in again[-1]


def test_zero_and_implausible_stations_each_get_their_line_and_are_skipped(tiny, tmp_path, monkeypatch):
    def bad(data):
        data[1] = 0.0                     # no signal
        data[3] *= 100                    # cm/s² declared as m/s²: both implausible ones, not only the first
        data[4] *= 100

    grid = _grid(tmp_path / "bad.zarr", 6, bad)
    lines = []
    run = _run(tiny, grid, tmp_path / "out.zarr", lines)
    warned = _warnings(lines)
    assert len(warned) == 3, lines
    assert "station 'S001'" in warned[0] and "no signal" in warned[0]
    for line, name in zip(warned[1:], ("S003", "S004")):
        assert f"station '{name}'" in line and "beyond any recorded ground motion" in line
        assert "looks like cm/s^2 read as m/s^2" in line and "skipped" in line
    assert run.stations_skipped == ["S001", "S003", "S004"] and run.records_generated == 9
    got = _output(tmp_path / "out.zarr")
    assert np.isnan(got[[1, 3, 4]]).all() and np.isfinite(got[[0, 2, 5]]).all()
    assert sorted(zarr.open_group(str(tmp_path / "out.zarr"), mode="r").attrs["skipped_stations"]) == \
        ["S001", "S003", "S004"]

    monkeypatch.setattr(grid_sample, "MAX_SKIP_LINES", 1)                    # many: the first named, the rest counted
    lines = []
    _run(tiny, grid, tmp_path / "out2.zarr", lines)
    warned = _warnings(lines)
    assert len(warned) == 2 and "station 'S001'" in warned[0]
    assert "2 more stations" in warned[1] and "skipped_stations" in warned[1]


def test_a_skipped_station_places_no_other_for_the_level_model(tiny, tmp_path):
    """The level model's within-event term ranks every station's conditioning among the grid's: a skipped
    station takes no part (the others come out as from the grid without it), and does not stop the run."""
    from seisdiff.engine import hf_level
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint

    level = {"version": 4, "features": list(hf_level.FEATURES), "bands_hz": [list(b) for b in hf_level.BANDS_HZ],
             "mean": [0.0] * 3, "scale": [1.0] * 3, "intercept": [-2.0, -2.5], "coef": [[0.0] * 3, [0.0] * 3],
             "regions": [], "distance": None,
             "within": {"distance_coef": [0.0, 0.0], "coef": [[1.0, 0.0], [1.0, 0.0]],
                        "features": list(hf_level.WITHIN_FEATURES), "n_traces": 30, "n_events": 5}}
    base = load_checkpoint(tiny.ckpt)
    ckpt = save_checkpoint(tmp_path / "level.pt", {**{k: v for k, v in base.items() if k not in ("format", "version")},
                                                   "level_model": level})

    def nan_station(data):
        data[2, :, 100] = np.inf

    hypo = (34.5, -117.5, 8.0)
    with_bad = _grid(tmp_path / "bad.zarr", 5, nan_station)
    without = _grid(tmp_path / "without.zarr", 5, keep=[0, 1, 3, 4])
    lines = []
    run = _run(SimpleNamespace(ckpt=ckpt), with_bad, tmp_path / "out.zarr", lines, hypocenter=hypo)
    _run(SimpleNamespace(ckpt=ckpt), without, tmp_path / "ref.zarr", [], hypocenter=hypo)
    assert any("level model" in line for line in lines)                     # the within-event term acted
    assert run.stations_skipped == ["S002"]
    got, ref = _output(tmp_path / "out.zarr"), _output(tmp_path / "ref.zarr")
    assert np.isnan(got[2]).all()
    np.testing.assert_allclose(got[[0, 1, 3, 4]], ref, rtol=1e-4, atol=1e-6)
