"""`seisdiff sample --cond GRID`: a station grid goes to engine.grid_sample through the command, with the
grid options; the output store has the input's stations, sample count and start time, per-station files
beside it, and rerunning the same command writes nothing new. Grid options without a grid, and options
a grid run does not take, are refused in one line before anything is written.

Uses the tiny model and the grid writers of tests/test_grid.py (DDIM, 2 steps: the low band is the
conditioning's by the low-frequency merge).
"""
import numpy as np
import obspy
import pytest
import zarr
from test_grid import COMPONENTS, FS, HYPO, LAT, LON, LOWPASS_HZ, START, STATIONS, _assert_low_band, _signals, _write_zarr
from test_grid import tiny_checkpoint
from test_scaling import make_store

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.io.formats.common import hypocentral_distance_km
from seisdiff.io.grid import open_grid
from seisdiff.io.grid_store import station_files_dir

N_SAMPLES = 3001


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("grid_cli_tiny"))


def _sample(tiny, *args):
    return main(["sample", "--checkpoint", str(tiny.ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 *map(str, args)])


def _grid(tmp_path):
    acc_mps2 = _signals(N_SAMPLES, FS, seed=11)
    grid = _write_zarr(tmp_path / "grid.zarr", acc_mps2, attrs={"units": "m/s^2", "dt_s": 1 / FS, "start_time": START})
    return grid, acc_mps2


def _snapshot(*folders):
    return {p: p.stat().st_mtime_ns for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


def test_cli_grid_keeps_stations_samples_start_and_resumes(tiny, tmp_path, capsys):
    grid, acc_mps2 = _grid(tmp_path)
    out = tmp_path / "out.zarr"
    command = ("--cond", grid, "--out", out, "--format", "sac", "--hypocenter", *HYPO, "--magnitude", 6.5,
               "--block-stations", 2)
    assert _sample(tiny, *command) == 0
    assert "9 records generated (0 already written)" in capsys.readouterr().out
    with open_grid(out) as res:
        assert (res.n_stations, res.n_components, res.n_samples) == (3, 3, N_SAMPLES)
        assert res.start_time == START and res.dt_s == pytest.approx(1 / FS) and res.units == "m/s^2"
        assert res.stations.names.tolist() == STATIONS and res.components == COMPONENTS
        generated = res.read_block(0, 3)
    _assert_low_band(generated, lowpass(acc_mps2.astype(np.float32).astype(np.float64), FS, LOWPASS_HZ))
    group = zarr.open_group(str(out), mode="r")
    np.testing.assert_allclose(group["distance_km"][:], [hypocentral_distance_km(*HYPO, la, lo)
                                                         for la, lo in zip(group["lat"][:], group["lon"][:])])
    assert np.all(group["magnitude"][:] == 6.5) and group["committed"][:].tolist() == [1, 1]
    assert np.asarray(group["distance_kind"][:]).tolist() == ["hypocentral"] * 3     # from --hypocenter

    files = station_files_dir(out, "sac")
    assert sorted(p.name for p in files.iterdir()) == sorted(f"{s}_{c}.sac" for s in STATIONS for c in COMPONENTS)
    tr = obspy.read(str(files / "ST02_N.sac"))[0]
    assert (tr.stats.station, tr.stats.channel, tr.stats.npts) == ("ST02", "N", N_SAMPLES)
    assert tr.stats.starttime == obspy.UTCDateTime(START)
    np.testing.assert_allclose(tr.data / 1e9, generated[1, 1], rtol=1e-6, atol=1e-9)   # SAC holds nm/s²
    # the header says where the station and the event are, and how the component points (they were unset)
    sac = tr.stats.sac
    np.testing.assert_allclose([sac.stla, sac.stlo, sac.evla, sac.evlo, sac.evdp, sac.mag],
                               [LAT[1], LON[1], *HYPO, 6.5], rtol=1e-6)
    assert (sac.cmpaz, sac.cmpinc) == (0.0, 90.0)                                 # N: north, horizontal
    assert obspy.read(str(files / "ST02_Z.sac"))[0].stats.sac.cmpinc == 0.0       # Z: up

    before = _snapshot(out, files)
    assert _sample(tiny, *command) == 0                                       # the same command: resumes
    assert "0 records generated (9 already written)" in capsys.readouterr().out
    assert _snapshot(out, files) == before                                    # nothing new, nothing rewritten
    assert _sample(tiny, *command, "--seed", 3) == 2
    assert "other settings" in capsys.readouterr().err


def test_cli_grid_options_are_refused_where_they_do_not_apply(tiny, tmp_path, capsys):
    grid, _ = _grid(tmp_path)
    store = make_store(tmp_path / "cond.zarr", n=2, length=512)
    cases = [
        ((("--cond", store.path, "--out", tmp_path / "a.zarr", "--magnitude", 7)), ["--magnitude", "station grid"]),
        ((("--cond", grid, "--out", tmp_path / "b.zarr", "--realizations", 2)), ["--realizations", "grid.zarr"]),
        ((("--cond", grid, "--out", tmp_path / "c", "--format", "mseed", "--output", "velocity")),
         ["--output velocity", "grid.zarr"]),
    ]
    for args, words in cases:
        assert _sample(tiny, *args) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and all(w in err for w in words), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cond.zarr", "grid.zarr"]      # nothing written


def test_cli_bad_grid_is_one_line_and_writes_nothing(tiny, tmp_path, capsys):
    grid = _write_zarr(tmp_path / "nodt.zarr", _signals(600, FS), attrs={"units": "m/s^2"})
    assert _sample(tiny, "--cond", grid, "--out", tmp_path / "out.zarr") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nodt.zarr" in err and "no time step" in err
    assert not (tmp_path / "out.zarr").exists() and not list(tmp_path.glob(".out*"))


def test_cli_grid_level_model_places_stations_by_distance(tiny, tmp_path):
    """A grid is one event: with a hypocentre, the level model's within-event distance term sets each
    station's high band by its distance among the grid's stations (hf_level.relative_ln_distance over
    all of them, whatever the block); without one, every station the same level."""
    from seisdiff.engine import hf_level
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint

    level = {"version": 3, "features": list(hf_level.FEATURES), "bands_hz": [list(b) for b in hf_level.BANDS_HZ],
             "mean": [0.0] * 3, "scale": [1.0] * 3, "intercept": [-2.0, -2.5], "coef": [[0.0] * 3, [0.0] * 3],
             "regions": [], "distance": {"coef": [-2.0, -2.0], "n_traces": 30, "n_events": 5}}
    ckpt = save_checkpoint(tmp_path / "level.pt", {**{k: v for k, v in load_checkpoint(tiny.ckpt).items()
                                                      if k not in ("format", "version")}, "level_model": level})
    grid, _ = _grid(tmp_path)
    high = lambda x: x - lowpass(x, FS, LOWPASS_HZ)
    levels = {}
    for name, extra in (("hypo", ("--hypocenter", *HYPO)), ("none", ())):
        out = tmp_path / f"{name}.zarr"
        assert main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                     "--cond", str(grid), "--out", str(out), "--block-stations", "2", *map(str, extra)]) == 0
        with open_grid(out) as res:
            generated = res.read_block(0, 3).astype(np.float64)
        levels[name] = np.stack([hf_level.band_level(high(generated), FS, b) for b in hf_level.BANDS_HZ], -1)
    rel = hf_level.relative_ln_distance(np.full(3, "grid"), [hypocentral_distance_km(*HYPO, la, lo)
                                                             for la, lo in zip(LAT, LON)])
    expected = np.array([-2.0, -2.5]) - 2.0 * rel[:, None, None]          # (stations, 1, bands)
    np.testing.assert_allclose(levels["hypo"], np.broadcast_to(expected, levels["hypo"].shape), atol=0.1)
    np.testing.assert_allclose(levels["none"], np.broadcast_to([-2.0, -2.5], levels["none"].shape), atol=0.1)
    assert np.ptp(rel) > 0.3                                                  # the stations do differ


def test_cli_grid_takes_the_level_model_in_a_region_the_model_saw(tiny, tmp_path):
    """A grid is a scenario simulation's output, an earthquake nobody trained on: its stations take the level
    model's level even where the model saw their region (docs/MEASUREMENTS.md, "A scenario against BSSA14": there
    the network's own level was 0.35–1.05 ln too weak on simulated scenarios)."""
    from seisdiff.engine import hf_level
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
    from seisdiff.preprocess.regions import REGIONS, region_of

    assert region_of(LAT[0], LON[0]) in REGIONS                            # the test grid lies in a named region
    level = {"version": 2, "features": list(hf_level.FEATURES), "bands_hz": [list(b) for b in hf_level.BANDS_HZ],
             "mean": [0.0] * 3, "scale": [1.0] * 3, "intercept": [-2.0, -2.5], "coef": [[0.0] * 3, [0.0] * 3],
             "regions": list(REGIONS)}
    ckpt = save_checkpoint(tmp_path / "level.pt", {**{k: v for k, v in load_checkpoint(tiny.ckpt).items()
                                                      if k not in ("format", "version")}, "level_model": level})
    grid, _ = _grid(tmp_path)
    assert main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 "--cond", str(grid), "--out", str(tmp_path / "out.zarr")]) == 0
    with open_grid(tmp_path / "out.zarr") as res:
        generated = res.read_block(0, 3).astype(np.float64)
    high = generated - lowpass(generated, FS, LOWPASS_HZ)
    levels = np.stack([hf_level.band_level(high, FS, b) for b in hf_level.BANDS_HZ], -1)
    np.testing.assert_allclose(levels, np.broadcast_to([-2.0, -2.5], levels.shape), atol=0.1)


def test_cli_grid_refuses_network_level(tiny, tmp_path, capsys):
    """--network-level (the network's own level in the regions it saw) is for stores and waveform files: a grid's
    stations always take the level model, so the option is refused in one line naming it, before any work."""
    grid, _ = _grid(tmp_path)
    assert main(["sample", "--checkpoint", str(tiny.ckpt), "--no-progress", "--cond", str(grid),
                 "--out", str(tmp_path / "out.zarr"), "--network-level"]) == 2
    err = capsys.readouterr().err
    assert "--network-level" in err and "level model" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.zarr").exists()


def test_cli_grid_level_model_places_stations_by_their_conditioning(tiny, tmp_path, capsys):
    """The level model's within-event features' term (version 4) over a grid with a hypocentre: each
    trace's high band is set by its conditioning's ln peak less the mean over all the grid's traces of its
    kind (every station's horizontals, or verticals, whatever the block), as `hf_level.within_event`
    computes it (the distance's share set to 0 here)."""
    from seisdiff.engine import hf_level
    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
    from seisdiff.preprocess.whole import condition_whole, config_for_model

    base = load_checkpoint(tiny.ckpt)
    level = {"version": 4, "features": list(hf_level.FEATURES), "bands_hz": [list(b) for b in hf_level.BANDS_HZ],
             "mean": [0.0] * 3, "scale": [1.0] * 3, "intercept": [-2.0, -2.5], "coef": [[0.0] * 3, [0.0] * 3],
             "regions": [], "distance": None,
             "within": {"distance_coef": [0.0, 0.0], "coef": [[1.0, 0.0], [1.0, 0.0]],
                        "features": list(hf_level.WITHIN_FEATURES), "n_traces": 30, "n_events": 5}}
    ckpt = save_checkpoint(tmp_path / "level.pt", {**{k: v for k, v in base.items() if k not in ("format", "version")},
                                                   "level_model": level})
    grid, acc_mps2 = _grid(tmp_path)
    out = tmp_path / "within.zarr"
    assert main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 "--cond", str(grid), "--out", str(out), "--block-stations", "2", "--hypocenter", *map(str, HYPO)]) == 0
    with open_grid(out) as res:
        generated = res.read_block(0, len(STATIONS)).astype(np.float64)             # (stations, C, T)
    cfg = config_for_model(base.get("store"), tiny.ckpt)
    cond = np.stack([condition_whole(a, FS, cfg)[1] for a in acc_mps2])             # as the sampler saw it
    ln_peak = np.log(np.abs(cond).max(-1))                                         # (stations, C)
    vertical = np.array([c == "Z" for c in COMPONENTS])
    mean = np.where(vertical, ln_peak[:, vertical].mean(), ln_peak[:, ~vertical].mean())   # verticals apart
    expected = np.array([-2.0, -2.5]) + (ln_peak - mean)[..., None]                 # (stations, C, bands)
    levels = np.stack([hf_level.band_level(generated - lowpass(generated, FS, LOWPASS_HZ), FS, b)
                       for b in hf_level.BANDS_HZ], -1)
    np.testing.assert_allclose(levels, expected, atol=0.1)
    assert np.ptp(ln_peak) > 0.3                                                    # the traces do differ
    assert "conditioning placed among the grid's" in capsys.readouterr().out
    # not without a hypocentre: the term is fitted with the distance and acts only with one
    assert main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 "--cond", str(grid), "--out", str(tmp_path / "nohypo.zarr"), "--block-stations", "2"]) == 0
    assert "placed among the grid's" not in capsys.readouterr().out
