"""`evaluate --gmm bssa14`: stations against a ground-motion model. Residuals are checked against the RotD50 and
BSSA14 computed directly; pairing (verticals and coda windows out, horizontals by station) and the summaries'
arithmetic against hand-made stores; the command's one-line refusals."""
import json

import numpy as np
import pytest

from seisdiff import G_MPS2
from seisdiff.cli import main
from seisdiff.dsp import bssa14, lowpass, rotd50
from seisdiff.dsp.bssa14 import rjb_km
from seisdiff.evaluate.gmm import PERIODS_S, compare
from seisdiff.io.store import create_store
from synth import accelerogram

FS_HZ, N = 100.0, 2048


def _store(path, gains=(1.0, 2.0, 0.5), vertical_gain=50.0, coda_gain=50.0):
    """A one-channel store of three stations of one M 6.5 event (each H1, H2, Z and a coda window of H1):
    station k's horizontals are the same pair times gains[k]; its vertical and coda window are scaled by
    vertical_gain, coda_gain (they must not count)."""
    h1, h2, z = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2, 3))
    bb, ids, cols = [], [], {"station": [], "component": [], "event": [], "magnitude": [], "distance_km": [],
                             "hypo_depth_km": []}
    for k, g in enumerate(gains):
        for trace, comp, suffix in ((h1 * g, "H1", "_w0"), (h2 * g, "H2", "_w0"), (z * vertical_gain, "Z", "_w0"),
                                    (h1 * coda_gain, "H1", "_w1")):
            bb.append(trace[None])
            ids.append(f"ev.S{k}_{comp}{suffix}")
            for key, value in (("station", f"S{k}"), ("component", comp), ("event", "ev"), ("magnitude", 6.5),
                               ("distance_km", 20.0 + 10 * k), ("hypo_depth_km", 8.0)):
                cols[key].append(value)
    bb = np.stack(bb).astype(np.float32)
    w = create_store(path, sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ids, {k: np.asarray(v) for k, v in cols.items()})
    return h1, h2


def test_residuals_are_rotd50_over_bssa14(tmp_path):
    gains = (1.0, 2.0, 0.5)
    h1, h2 = _store(tmp_path / "s.zarr", gains)
    result = compare(tmp_path / "s.zarr", tmp_path / "out")
    assert result["n_stations"] == 3 and result["n_single_horizontal"] == 0   # verticals and coda windows left out
    periods = np.asarray(PERIODS_S)
    observed = np.empty(len(periods))
    observed[periods > 0] = rotd50(h1, h2, FS_HZ, periods[periods > 0])
    angles = np.pi * np.arange(180) / 180
    observed[periods == 0] = np.median([np.abs(np.cos(a) * h1 + np.sin(a) * h2).max() for a in angles])
    distance = np.sqrt(np.array([20.0, 30.0, 40.0]) ** 2 - 8.0 ** 2)
    ln_median, sigma = bssa14.predict(6.5, distance, 760.0, periods)
    want = np.log(observed / G_MPS2)[None] + np.log(gains)[:, None] - ln_median
    np.testing.assert_allclose(result["bias_ln"], want.mean(0), atol=2e-3)      # float32 store, rounded to 1e-4
    np.testing.assert_allclose(result["sd_ln"], want.std(0, ddof=1), atol=2e-3)
    np.testing.assert_allclose(result["gmm_sigma_ln"], sigma.mean(0), atol=1e-4)
    band = (periods >= 0.05) & (periods <= 1.0)
    assert result["band_bias_ln"] == pytest.approx(want[:, band].mean(), abs=2e-3)
    assert result["band_within_1_sigma"] == pytest.approx(np.mean(np.abs(want[:, band]) <= sigma[:, band]), abs=1e-4)
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["bias_ln"] == result["bias_ln"]
    assert (tmp_path / "out" / "gmm_residual_period.png").stat().st_size > 0
    assert "| PGA |" in (tmp_path / "out" / "report.md").read_text()


def test_rjb_is_the_epicentral_distance():
    np.testing.assert_allclose(rjb_km([10.0, 5.0, 30.0], [6.0, 8.0, np.nan]), [8.0, 5.0, 30.0])


def test_cli_needs_real_or_gmm_and_a_magnitude(tmp_path, capsys):
    _store(tmp_path / "s.zarr")
    assert main(["evaluate", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o")]) != 0
    assert "--real STORE" in capsys.readouterr().err
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out",
                 str(tmp_path / "o")]) == 0
    assert "3 stations against BSSA14" in capsys.readouterr().out
    bb = np.stack([accelerogram(i, n=N)[None] for i in range(2)]).astype(np.float32)
    w = create_store(tmp_path / "bare.zarr", sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["a", "b"], {"event": np.array(["e", "e"])})
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "bare.zarr"), "--out",
                 str(tmp_path / "o2")]) != 0
    assert "no `magnitude` column" in capsys.readouterr().err


def test_three_component_store_gives_the_one_channel_result(tmp_path):
    """The same stations stored as (H1, H2, Z) records: the same residuals as the one-channel store's."""
    _store(tmp_path / "one.zarr")
    one = compare(tmp_path / "one.zarr", tmp_path / "o1")
    h1, h2 = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2))
    z = accelerogram(3, n=N, pga=1.0) * 50.0
    bb = np.stack([np.stack([h1 * g, h2 * g, z]) for g in (1.0, 2.0, 0.5)]).astype(np.float32)
    w = create_store(tmp_path / "three.zarr", sampling_rate_hz=FS_HZ, length=N, n_channels=3, lowpass_hz=1.0,
                     extra_attrs={"channels": ["H1", "H2", "Z"]})
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["ev.S0", "ev.S1", "ev.S2"],
             {"event": np.array(["ev"] * 3), "station": np.array(["S0", "S1", "S2"]), "magnitude": np.full(3, 6.5),
              "distance_km": np.array([20.0, 30.0, 40.0]), "hypo_depth_km": np.full(3, 8.0)})
    three = compare(tmp_path / "three.zarr", tmp_path / "o3")
    assert three["n_stations"] == 3
    np.testing.assert_allclose(three["bias_ln"], one["bias_ln"], atol=1e-4)


def test_a_station_grid_gives_the_store_result(tmp_path, capsys):
    """The same stations as an HDF5 grid (station, component, time) with the event given: the store's residuals;
    without the event, one line asking for it."""
    h5py = pytest.importorskip("h5py")
    _store(tmp_path / "one.zarr")
    one = compare(tmp_path / "one.zarr", tmp_path / "o1")
    h1, h2 = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2))
    z = accelerogram(3, n=N, pga=1.0) * 50.0
    lat0, lon0, depth_km = 34.0, -118.0, 8.0
    epicentral_km = np.sqrt(np.array([20.0, 30.0, 40.0]) ** 2 - depth_km ** 2)
    with h5py.File(tmp_path / "grid.h5", "w") as f:
        data = f.create_dataset("acceleration", data=np.stack([np.stack([h1 * g, h2 * g, z]) for g in (1.0, 2.0, 0.5)]))
        data.attrs.update({"units": "m/s^2", "dt_s": 1.0 / FS_HZ, "components": "H1,H2,Z"})
        f.create_dataset("station", data=np.array([b"S0", b"S1", b"S2"]))
        f.create_dataset("lat", data=np.full(3, lat0))
        f.create_dataset("lon", data=lon0 + epicentral_km / (111.195 * np.cos(np.radians(lat0))))
    grid = compare(tmp_path / "grid.h5", tmp_path / "og", hypocenter=(lat0, lon0, depth_km), magnitude=6.5)
    assert grid["n_stations"] == 3
    np.testing.assert_allclose(grid["bias_ln"], one["bias_ln"], atol=3e-3)     # spherical distances, float32 store
    assert compare(tmp_path / "grid.h5", tmp_path / "og2", hypocenter=(lat0, lon0, depth_km), magnitude=6.5,
                   max_stations=2)["n_stations"] == 2                        # --max-records: the first stations
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "grid.h5"), "--out", str(tmp_path / "o")]) != 0
    assert "--hypocenter LAT LON DEPTH_KM and --magnitude M" in capsys.readouterr().err


def test_a_specfem_grid_compares_its_bxx_bxy_pair(tmp_path):
    """A grid whose components are SPECFEM's Cartesian channels BXX, BXY, BXZ is the same stations as H1, H2, Z
    (it was refused: no horizontal by name)."""
    h5py = pytest.importorskip("h5py")
    pair = [accelerogram(seed, n=N, pga=1.0) for seed in (1, 2)]
    z = accelerogram(3, n=N, pga=1.0) * 50.0
    for names in ("H1,H2,Z", "BXX,BXY,BXZ"):
        with h5py.File(tmp_path / f"{names}.h5", "w") as f:
            data = f.create_dataset("acceleration", data=np.stack([np.stack([*pair, z]) * g for g in (1.0, 2.0)]))
            data.attrs.update({"units": "m/s^2", "dt_s": 1.0 / FS_HZ, "components": names})
            f.create_dataset("station", data=np.array([b"S0", b"S1"]))
            f.create_dataset("lat", data=np.array([34.1, 34.2]))
            f.create_dataset("lon", data=np.array([-118.0, -118.0]))
    event = {"hypocenter": (34.0, -118.0, 8.0), "magnitude": 6.5}
    h = compare(tmp_path / "H1,H2,Z.h5", tmp_path / "h", **event)
    bxx = compare(tmp_path / "BXX,BXY,BXZ.h5", tmp_path / "b", **event)
    assert bxx["n_stations"] == 2
    np.testing.assert_array_equal(bxx["bias_ln"], h["bias_ln"])


def test_one_station_and_a_deep_event(tmp_path, capsys):
    """One station: its sd is no number ('—', not a crash); an event deeper than 40 km is named in one warning."""
    h1, h2 = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2))
    bb = np.stack([h1[None], h2[None]]).astype(np.float32)
    w = create_store(tmp_path / "deep.zarr", sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["ev.S0_H1", "ev.S0_H2"],
             {"event": np.array(["ev"] * 2), "station": np.array(["S0"] * 2), "component": np.array(["H1", "H2"]),
              "magnitude": np.full(2, 7.1), "distance_km": np.full(2, 60.0), "hypo_depth_km": np.full(2, 46.7)})
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "deep.zarr"), "--out",
                 str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "1 stations against BSSA14" in out and "sd —" in out and "deeper than 40 km" in out
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["sd_ln"][0] is None


def test_cli_periods_reach_the_gmm_comparison(tmp_path, capsys):
    """--periods with --gmm were ignored (the default 14 periods were compared, 20 s accepted without a word): the
    comparison now takes them (PGA always), and periods beyond BSSA14's 0.01–10 s are refused in one line."""
    _store(tmp_path / "s.zarr")
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o"),
                 "--periods", "0.3", "0.1"]) == 0
    saved = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert saved["periods_s"] == [0.0, 0.1, 0.3]
    direct = compare(tmp_path / "s.zarr", tmp_path / "o2", periods_s=(0.0, 0.1, 0.3))
    assert saved["bias_ln"] == direct["bias_ln"]
    capsys.readouterr()
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o3"),
                 "--periods", "0.1", "20"]) != 0
    err = capsys.readouterr().err
    assert "--periods 0.1 20" in err and "0.01–10 s" in err and "Traceback" not in err


def test_stations_of_one_code_in_two_networks_are_two(tmp_path):
    """Waveform files of CI.PSD and PG.PSD (Ridgecrest M 6.4's folder holds both): a `sample` output's one-channel
    store pairs horizontals by station, network and location. Paired by station code alone they were one station
    (5 of Ridgecrest's 6 compared; here 1 of 2, PG.PSD's record dropped)."""
    h1, h2, z = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2, 3))
    traces, ids, cols = [], [], {k: [] for k in ("network", "station", "location", "channel", "event", "magnitude",
                                                 "distance_km", "hypo_depth_km")}
    for net, gain in (("CI", 1.0), ("PG", 4.0)):
        for trace, cha in ((h1 * gain, "HNE"), (h2 * gain, "HNN"), (z, "HNZ")):
            traces.append(trace[None])
            ids.append(f"{net}.PSD..{cha}")
            for key, value in zip(cols, (net, "PSD", "", cha, "given event", 6.4, 30.0, 10.0)):
                cols[key].append(value)
    bb = np.stack(traces).astype(np.float32)
    w = create_store(tmp_path / "s.zarr", sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ids, {k: np.asarray(v) for k, v in cols.items()})
    result = compare(tmp_path / "s.zarr", tmp_path / "o")
    assert result["n_stations"] == 2 and result["n_single_horizontal"] == 0
    assert result["sd_ln"][0] == pytest.approx(np.log(4.0) / np.sqrt(2), abs=2e-3)   # the two stations differ ×4


def test_sample_file_output_is_refused_in_one_clear_line(tmp_path, capsys):
    """A `sample --format sac` output (files and sample_config.json) given to --gmm: the line said 'not a seisdiff
    store (GroupNotFoundError); create one with `seisdiff preprocess`'; it now says what the folder is and what to
    give."""
    out = tmp_path / "files"
    out.mkdir()
    (out / "sample_config.json").write_text("{}")
    (out / "CI.GR2.01.HNE_r0.sac").write_bytes(b"\0" * 632)
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(out), "--out", str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err
    assert "sample --format sac|mseed|at2" in err and "--format zarr" in err and "GroupNotFoundError" not in err


def test_a_pair_with_one_dead_horizontal_is_compared_on_the_other(tmp_path):
    """A grid station whose H2 holds a NaN (a dead channel) was dropped whole (the pair's RotD50 is NaN); it is
    compared on its H1 alone, as the docstring says, and counted as a single horizontal."""
    h5py = pytest.importorskip("h5py")
    from seisdiff.dsp import psa

    h1, h2 = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2))
    data = np.stack([np.stack([h1 * g, h2 * g, h1]) for g in (1.0, 2.0, 0.5)])
    data[1, 1, 100] = np.nan
    with h5py.File(tmp_path / "grid.h5", "w") as f:
        acc = f.create_dataset("acceleration", data=data)
        acc.attrs.update({"units": "m/s^2", "dt_s": 1.0 / FS_HZ, "components": "H1,H2,Z"})
        f.create_dataset("station", data=np.array([b"S0", b"S1", b"S2"]))
        f.create_dataset("lat", data=np.full(3, 34.0))
        f.create_dataset("lon", data=np.array([-118.0, -117.9, -117.8]))
    result = compare(tmp_path / "grid.h5", tmp_path / "o", hypocenter=(34.0, -118.1, 8.0), magnitude=6.5)
    assert result["n_stations"] == 3 and result["n_single_horizontal"] == 1
    from seisdiff.evaluate.gmm import grid_motions
    motions = grid_motions(tmp_path / "grid.h5", PERIODS_S, (34.0, -118.1, 8.0), 6.5)
    periods = np.asarray(PERIODS_S)
    np.testing.assert_allclose(motions["psa_g"][1, periods > 0], psa(2.0 * h1, FS_HZ, periods[periods > 0]) / G_MPS2,
                               rtol=1e-6)
    assert motions["psa_g"][1, 0] == pytest.approx(2.0 * np.abs(h1).max() / G_MPS2, rel=1e-6)


def test_a_store_without_station_or_component_says_so(tmp_path, capsys):
    """Without `station` no horizontal pair can be formed, without `component`/`channel` a vertical passes for a
    horizontal: both said in a warning line (the comparison itself runs)."""
    bb = np.stack([accelerogram(i, n=N)[None] for i in range(2)]).astype(np.float32)
    w = create_store(tmp_path / "bare.zarr", sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["a", "b"], {"event": np.array(["e", "e"]), "magnitude": np.full(2, 6.0),
                                                        "distance_km": np.array([20.0, 40.0])})
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "bare.zarr"), "--out",
                 str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "warning: no `station` column" in out and "warning: no `component` or `channel` column" in out
    assert "- warning: no `station` column" in (tmp_path / "o" / "report.md").read_text()


def test_max_records_takes_the_first_stations(tmp_path, capsys):
    """--max-records N beside --gmm compares the first N stations (it was silently ignored: all 3 were compared)."""
    _store(tmp_path / "s.zarr", gains=(1.0, 2.0, 0.5))
    _store(tmp_path / "first_two.zarr", gains=(1.0, 2.0))
    two = compare(tmp_path / "s.zarr", tmp_path / "two", max_stations=2)
    want = compare(tmp_path / "first_two.zarr", tmp_path / "want")
    assert two["n_stations"] == 2 and two["bias_ln"] == want["bias_ln"] and two["sd_ln"] == want["sd_ln"]
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o"),
                 "--max-records", "1"]) == 0
    assert "1 stations against BSSA14" in capsys.readouterr().out
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o0"),
                 "--max-records", "0"]) != 0
    assert "--max-records 0" in capsys.readouterr().err


@pytest.mark.parametrize("flag", [["--seed", "3"], ["--baseline-kappa", "store"], ["--seed", "0"]])
def test_baseline_options_are_refused_beside_gmm(tmp_path, capsys, flag):
    """--seed and --baseline-kappa set the stochastic baseline, which a GMM comparison has none of: refused in one
    line (they were silently ignored)."""
    _store(tmp_path / "s.zarr")
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o"),
                 *flag]) != 0
    err = capsys.readouterr().err
    assert flag[0] in err and "--gmm" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
