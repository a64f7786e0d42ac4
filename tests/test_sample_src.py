"""`sample --src FILE`: a Broadband Platform scenario's rupture gives the run its event. Its hypocentre (`dsp.fault`,
from HYPO_ALONG_STK, HYPO_DOWN_DIP) and magnitude stand for --hypocenter and --magnitude: the traces are bit for bit
those of the equivalent options (the level model keeps hypocentral distances), on a station grid and on waveform
files alike. The output's settings record the src, so that `evaluate --gmm bssa14 --generated OUT` compares with the
finite fault without being given --src again (the same metrics.json numbers as with it). A disagreeing --hypocenter or
--magnitude, a src with a conditioning store, a resume with another src: one line each."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
import zarr
from obspy import Trace
from obspy.core.util import AttribDict
from synth import accelerogram
from test_grid import FS, HYPO, LAT, LON, START, _signals, _write_zarr, tiny_checkpoint

from seisdiff.cli import main
from seisdiff.dsp import fault
from seisdiff.engine import hf_level
from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
from seisdiff.io.bbp_src import read_src, to_settings
from seisdiff.io.formats.common import hypocentral_distance_km
from seisdiff.io.grid import open_grid
from seisdiff.io.store import open_store

# a reverse fault beside the test grid's stations (34.0–34.5 N, 117.9–118.3 W); the hypocentre 6 km along strike and
# 9 km down dip of the top edge's centre, not below it
SRC = """MAGNITUDE = 6.6
FAULT_LENGTH = 30.0
FAULT_WIDTH = 18.0
DLEN = 0.1
DWID = 0.1
DEPTH_TO_TOP = 2.0
STRIKE = 300
DIP = 45
RAKE = 90
LAT_TOP_CENTER = 34.25
LON_TOP_CENTER = -118.15
HYPO_ALONG_STK = 6.0
HYPO_DOWN_DIP = 9.0
"""


@pytest.fixture(scope="module")
def level_ckpt(tmp_path_factory):
    """The tiny model with a level model whose within-event distance term acts: the hypocentre moves the output."""
    root = tmp_path_factory.mktemp("src_tiny")
    tiny = tiny_checkpoint(root)
    level = {"version": 3, "features": list(hf_level.FEATURES), "bands_hz": [list(b) for b in hf_level.BANDS_HZ],
             "mean": [0.0] * 3, "scale": [1.0] * 3, "intercept": [-2.0, -2.5], "coef": [[0.0] * 3, [0.0] * 3],
             "regions": [], "distance": {"coef": [-2.0, -2.0], "n_traces": 30, "n_events": 5}}
    base = load_checkpoint(tiny.ckpt)
    return save_checkpoint(root / "level.pt", {**{k: v for k, v in base.items() if k not in ("format", "version")},
                                               "level_model": level})


def _src(tmp_path, text=SRC, name="event.src"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def _event(src_path):
    """(--hypocenter's three values, --magnitude) equivalent to the src, as command-line text (exact floats)."""
    src = read_src(src_path)
    return [repr(v) for v in fault.hypocentre(src)], repr(src.magnitude)


def _sample(ckpt, *args):
    return main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 *map(str, args)])


def _grid(tmp_path):
    return _write_zarr(tmp_path / "grid.zarr", _signals(800, FS, seed=5),
                       attrs={"units": "m/s^2", "dt_s": 1 / FS, "start_time": START})


def _grid_output(path):
    with open_grid(path) as res:
        return res.read_block(0, res.n_stations)


@pytest.fixture(scope="module")
def grid_runs(level_ckpt, tmp_path_factory):
    """A grid sampled with --src, with the equivalent --hypocenter/--magnitude, and with the hypocentre at the top
    edge's centre: SimpleNamespace(root, src, src_out, opt_out, top_out)."""
    root = tmp_path_factory.mktemp("grid_src")
    grid, src = _grid(root), _src(root)
    hypo, magnitude = _event(src)
    runs = SimpleNamespace(root=root, src=src, **{f"{name}_out": root / f"{name}.zarr" for name in ("src", "opt", "top")})
    assert _sample(level_ckpt, "--cond", grid, "--out", runs.src_out, "--src", src) == 0
    assert _sample(level_ckpt, "--cond", grid, "--out", runs.opt_out, "--hypocenter", *hypo, "--magnitude", magnitude) == 0
    assert _sample(level_ckpt, "--cond", grid, "--out", runs.top_out, "--hypocenter", 34.25, -118.15, 2.0,
                   "--magnitude", magnitude) == 0
    return runs


def test_grid_src_is_its_hypocentre_and_magnitude_bit_for_bit(grid_runs):
    got, want = _grid_output(grid_runs.src_out), _grid_output(grid_runs.opt_out)
    np.testing.assert_array_equal(got, want)
    assert np.abs(got - _grid_output(grid_runs.top_out)).max() > 1e-3 * np.abs(got).max()   # the hypocentre acts
    group = zarr.open_group(str(grid_runs.src_out), mode="r")
    src = read_src(grid_runs.src)
    lat, lon, depth_km = fault.hypocentre(src)
    assert (lat, depth_km) != (34.25, 2.0) and depth_km == pytest.approx(2.0 + 9.0 * np.sqrt(0.5), abs=1e-12)
    np.testing.assert_allclose(group["distance_km"][:], [hypocentral_distance_km(lat, lon, depth_km, la, lo)
                                                         for la, lo in zip(LAT, LON)])      # hypocentral still
    assert np.all(group["magnitude"][:] == 6.6)
    settings = group.attrs["settings"]
    assert settings["src"] == to_settings(src) and settings["src_path"] == str(grid_runs.src.resolve())
    assert settings["hypocenter"] == [lat, lon, depth_km] and settings["magnitude"] == 6.6
    assert zarr.open_group(str(grid_runs.opt_out), mode="r").attrs["settings"]["src"] is None


def _metrics(path):
    result = json.loads((path / "metrics.json").read_text())
    result["events"] = [{k: v for k, v in e.items() if k != "event"} for e in result["events"]]   # named by OUT
    return {k: v for k, v in result.items() if k not in ("store", "distance", "source")}, result


def test_evaluate_takes_the_grids_recorded_rupture(grid_runs, tmp_path, capsys):
    src = grid_runs.src
    evaluate = ["evaluate", "--gmm", "bssa14", "--generated"]
    assert main([*evaluate, str(grid_runs.src_out), "--out", str(tmp_path / "auto")]) == 0
    assert f"(R_JB from {src.resolve()} (a finite fault; the `sample` run's --src" in capsys.readouterr().out
    assert main([*evaluate, str(grid_runs.opt_out), "--out", str(tmp_path / "given"), "--src", str(src)]) == 0
    assert main([*evaluate, str(grid_runs.opt_out), "--out", str(tmp_path / "point")]) == 0
    (auto, auto_all), (given, given_all), (point, point_all) = (_metrics(tmp_path / d) for d in ("auto", "given", "point"))
    assert auto == given and auto["mechanism"] == "RS" and auto["n_stations"] == 3
    assert {k: v for k, v in auto_all["source"].items() if k not in ("path", "from")} == \
        {k: v for k, v in given_all["source"].items() if k not in ("path", "from")}
    assert (auto_all["source"]["from"], given_all["source"]["from"]) == ("the `sample` run's --src, from its settings",
                                                                       "--src")
    assert point["mechanism"] == "U" and "source" not in point_all and point["bias_ln"] != auto["bias_ln"]
    report = (tmp_path / "auto" / "report.md").read_text()
    assert "- rupture: M6.6, 30 × 18 km" in report and "(the `sample` run's --src, from its settings)" in report
    # a --magnitude beside the recorded rupture must agree with it; another --src is used, with a warning
    assert main([*evaluate, str(grid_runs.src_out), "--out", str(tmp_path / "o"), "--magnitude", "6.0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--magnitude 6 disagrees with" in err and "the `sample` run's --src" in err and "\n" not in err
    other = _src(tmp_path, SRC.replace("STRIKE = 300", "STRIKE = 310"), "other.src")
    assert main([*evaluate, str(grid_runs.src_out), "--out", str(tmp_path / "o"), "--src", str(other)]) == 0
    result = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert result["source"]["strike_deg"] == 310.0 and any("not the rupture `sample` was run with" in w
                                                            for w in result["warnings"])


def _sac_files(folder):
    """Two horizontals at each of three stations with coordinates (SAC stla/stlo), no event in the headers."""
    folder.mkdir()
    for s, (lat, lon) in enumerate(zip(LAT, LON)):
        for c, channel in enumerate(("HNE", "HNN")):
            tr = Trace((accelerogram(10 * s + c, n=1200, pga=0.5 + 0.3 * s)).astype(np.float32))
            tr.stats.update({"sampling_rate": FS, "station": f"S{s}", "channel": channel})
            tr.stats.sac = AttribDict({"idep": 8, "stla": lat, "stlo": lon})
            tr.write(str(folder / f"S{s}.{channel}.sac"), format="SAC")
    return folder


def test_waveform_files_src_is_bit_for_bit_and_recorded(level_ckpt, tmp_path, capsys):
    folder, src = _sac_files(tmp_path / "lf"), _src(tmp_path)
    hypo, magnitude = _event(src)
    common = ("--cond", folder, "--units", "m/s^2", "--scenario")
    assert _sample(level_ckpt, *common, "--out", tmp_path / "src.zarr", "--src", src) == 0
    assert _sample(level_ckpt, *common, "--out", tmp_path / "opt.zarr", "--hypocenter", *hypo,
                   "--magnitude", magnitude) == 0
    got, want = open_store(tmp_path / "src.zarr"), open_store(tmp_path / "opt.zarr")
    assert got.record_ids.tolist() == want.record_ids.tolist() and len(got) == 6
    np.testing.assert_array_equal(got.read()["broadband"], want.read()["broadband"])
    lat, lon, depth_km = fault.hypocentre(read_src(src))
    np.testing.assert_allclose(got.column("distance_km"), [hypocentral_distance_km(lat, lon, depth_km, la, lo)
                                                           for la, lo in zip(got.column("sta_lat"), got.column("sta_lon"))],
                               rtol=5e-3)
    assert set(got.column("distance_kind")) == {"hypocentral"} and set(got.column("magnitude")) == {6.6}
    config = json.loads((tmp_path / "src.zarr" / "sample_config.json").read_text())
    assert config["src"] == to_settings(read_src(src)) and config["src_path"] == str(src.resolve())
    assert got.attrs["sampling"]["src"] == config["src"] and config["hypocenter"] == [lat, lon, depth_km]
    evaluate = ["evaluate", "--gmm", "bssa14", "--generated"]
    assert main([*evaluate, str(tmp_path / "src.zarr"), "--out", str(tmp_path / "auto")]) == 0
    assert main([*evaluate, str(tmp_path / "opt.zarr"), "--out", str(tmp_path / "given"), "--src", str(src)]) == 0
    (auto, auto_all), (given, _) = _metrics(tmp_path / "auto"), _metrics(tmp_path / "given")
    assert auto == given and auto["n_stations"] == 3 and auto["n_single_horizontal"] == 0
    assert auto_all["distance"].endswith("(a finite fault; the `sample` run's --src, from its settings)")
    # files (SAC) carry the src's event in their headers, the settings in OUT/sample_config.json
    assert _sample(level_ckpt, *common, "--out", tmp_path / "sac", "--format", "sac", "--src", src) == 0
    assert json.loads((tmp_path / "sac" / "sample_config.json").read_text())["src"] == config["src"]
    from obspy import read
    header = read(str(next((tmp_path / "sac").glob("*.sac"))))[0].stats.sac
    np.testing.assert_allclose([header.evla, header.evlo, header.evdp, header.mag], [lat, lon, depth_km, 6.6], rtol=1e-6)


def test_refusals_are_one_line(level_ckpt, tmp_path, capsys):
    grid, src = _grid(tmp_path), _src(tmp_path)
    hypo, _ = _event(src)

    def refused(*args):
        assert _sample(level_ckpt, *args) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err
        return err

    err = refused("--cond", grid, "--out", tmp_path / "a.zarr", "--src", src, "--magnitude", 6.0)
    assert "--magnitude 6 disagrees with" in err and "MAGNITUDE = 6.6" in err
    err = refused("--cond", grid, "--out", tmp_path / "a.zarr", "--src", src, "--hypocenter", *HYPO)
    assert f"--hypocenter 35.77 -117.6 8 is" in err and "km from" in err and "HYPO_ALONG_STK" in err
    assert not (tmp_path / "a.zarr").exists()
    # agreeing options are taken (within 0.005 in magnitude, 1 km): the src's values are used
    assert _sample(level_ckpt, "--cond", grid, "--out", tmp_path / "b.zarr", "--src", src, "--magnitude", 6.601,
                   "--hypocenter", *hypo) == 0
    assert zarr.open_group(str(tmp_path / "b.zarr"), mode="r").attrs["settings"]["magnitude"] == 6.6
    err = refused("--cond", grid, "--out", tmp_path / "c.zarr", "--src", tmp_path / "nothere.src")
    assert "nothere.src: cannot be read" in err
    folder = _sac_files(tmp_path / "lf")
    assert _sample(level_ckpt, "--cond", folder, "--units", "m/s^2", "--out", tmp_path / "w0.zarr") == 0
    err = refused("--cond", tmp_path / "w0_conditioning.zarr", "--out", tmp_path / "d.zarr", "--src", src)
    assert f"--src {src}: an option of a station grid or of waveform files" in err and "preprocess --metadata" in err
    # a resume with a changed src, or none, is refused (grid and store outputs alike)
    moved = _src(tmp_path, SRC.replace("DIP = 45", "DIP = 50"), "moved.src")
    assert _sample(level_ckpt, "--cond", grid, "--out", tmp_path / "r.zarr", "--src", src) == 0
    err = refused("--cond", grid, "--out", tmp_path / "r.zarr", "--src", moved)
    assert "other settings" in err and "src: dip_deg 45.0 vs 50.0)" in err and "strike_deg" not in err
    capsys.readouterr()
    assert _sample(level_ckpt, "--cond", grid, "--out", tmp_path / "r.zarr", "--src", src) == 0       # the same: resumes
    assert "0 records generated (9 already written)" in capsys.readouterr().out
    assert _sample(level_ckpt, "--cond", folder, "--units", "m/s^2", "--out", tmp_path / "w.zarr", "--src", src) == 0
    err = refused("--cond", folder, "--units", "m/s^2", "--out", tmp_path / "w.zarr", "--src", moved)
    assert "other settings" in err and "src: dip_deg 45.0 vs 50.0" in err
