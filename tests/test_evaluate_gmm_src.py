"""`evaluate --gmm bssa14 --src FILE`: a finite fault. Stations beyond the end of a vertical strike-slip rupture are
compared at their R_JB from it (not their epicentral distance) with BSSA14's strike-slip median, from a grid's station
table or a store's sta_lat/sta_lon alike; metrics.json and report.md name the distance; a disagreeing --magnitude or
--hypocenter, a station without coordinates, a store of several events are refused in one line."""
import json

import numpy as np
import pytest

from seisdiff import G_MPS2
from seisdiff.cli import main
from seisdiff.dsp import bssa14, fault, lowpass, rotd50
from seisdiff.errors import UserError
from seisdiff.evaluate.gmm import PERIODS_S, compare
from seisdiff.io.bbp_src import read_src
from seisdiff.io.store import create_store
from synth import accelerogram

FS_HZ, N = 100.0, 2048
LAT0, LON0 = 35.0, -117.0
GAINS = (1.0, 2.0, 0.5)
NORTH_KM = np.array([30.0, 40.0, 55.0])     # stations due north of the top centre: the trace ends 20 km north
RJB_KM = NORTH_KM - 20.0

SRC = """# a vertical right-lateral fault striking north, 40 km long, surface to 15 km
MAGNITUDE = 7.0
FAULT_LENGTH = 40.0
FAULT_WIDTH = 15.0
DLEN = 0.2
DWID = 0.2
DEPTH_TO_TOP = 0.0
STRIKE = 0
RAKE = 180
DIP = 90
LAT_TOP_CENTER = 35.0
LON_TOP_CENTER = -117.0
HYPO_ALONG_STK = 0.0
HYPO_DOWN_DIP = 8.0
"""


def _src(tmp_path, text=SRC):
    (tmp_path / "event.src").write_text(text)
    return tmp_path / "event.src"


def _places():
    return fault.unproject_deg(np.zeros(3), NORTH_KM, LAT0, LON0)


def _grid(path):
    h5py = pytest.importorskip("h5py")
    h1, h2, z = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2, 3))
    lat, lon = _places()
    with h5py.File(path, "w") as f:
        data = f.create_dataset("acceleration", data=np.stack([np.stack([h1 * g, h2 * g, z]) for g in GAINS]))
        data.attrs.update({"units": "m/s^2", "dt_s": 1.0 / FS_HZ, "components": "H1,H2,Z"})
        f.create_dataset("station", data=np.array([b"S0", b"S1", b"S2"]))
        f.create_dataset("lat", data=lat)
        f.create_dataset("lon", data=lon)
    return h1, h2


def _store(path, places=True, events=("ev", "ev", "ev"), magnitude=7.0):
    """A three-component store of the grid's stations; sta_lat/sta_lon where places."""
    h1, h2, z = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2, 3))
    bb = np.stack([np.stack([h1 * g, h2 * g, z]) for g in GAINS]).astype(np.float32)
    w = create_store(path, sampling_rate_hz=FS_HZ, length=N, n_channels=3, lowpass_hz=1.0,
                     extra_attrs={"channels": ["H1", "H2", "Z"]})
    columns = {"event": np.array(events), "station": np.array(["S0", "S1", "S2"]), "magnitude": np.full(3, magnitude),
               "distance_km": np.hypot(NORTH_KM, 8.0), "hypo_depth_km": np.full(3, 8.0)}
    if places:
        columns["sta_lat"], columns["sta_lon"] = _places()
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["ev.S0", "ev.S1", "ev.S2"], columns)


def _want(h1, h2, rjb_km, mechanism):
    periods = np.asarray(PERIODS_S)
    observed = np.empty(len(periods))
    observed[periods > 0] = rotd50(h1, h2, FS_HZ, periods[periods > 0])
    angles = np.pi * np.arange(180) / 180
    observed[periods == 0] = np.median([np.abs(np.cos(a) * h1 + np.sin(a) * h2).max() for a in angles])
    ln_median, _ = bssa14.predict(7.0, rjb_km, 760.0, periods, mechanism)
    return (np.log(observed / G_MPS2)[None] + np.log(GAINS)[:, None] - ln_median).mean(0)


def test_a_grid_is_compared_at_its_rjb_from_the_rupture(tmp_path):
    h1, h2 = _grid(tmp_path / "grid.h5")
    result = compare(tmp_path / "grid.h5", tmp_path / "o", source=_src(tmp_path))
    assert result["n_stations"] == 3 and result["mechanism"] == "SS"
    np.testing.assert_allclose(result["bias_ln"], _want(h1, h2, RJB_KM, "SS"), atol=2e-3)
    assert [b["rjb_km"] for b in result["by_distance"]] == [[10.0, 30.0], [30.0, 100.0]]   # 10, 20 | 35 km
    point = compare(tmp_path / "grid.h5", tmp_path / "p", hypocenter=(LAT0, LON0, 8.0), magnitude=7.0)
    np.testing.assert_allclose(point["bias_ln"], _want(h1, h2, NORTH_KM, "U"), atol=3e-3)   # the epicentral distance
    saved = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert saved["distance"] == f"R_JB from {tmp_path / 'event.src'} (a finite fault)"
    assert saved["source"]["hypo_depth_km"] == 8.0 and saved["source"]["fault_length_km"] == 40.0
    report = (tmp_path / "o" / "report.md").read_text()
    assert f"R_JB from {tmp_path / 'event.src'}" in report and "mechanism SS" in report and "- rupture: M7, 40 × 15 km" in report
    assert point["distance"].startswith("R_JB from distance_km by its kind") and "source" not in point


def test_a_store_with_station_coordinates_gives_the_grid_result(tmp_path):
    _grid(tmp_path / "grid.h5")
    grid = compare(tmp_path / "grid.h5", tmp_path / "og", source=_src(tmp_path))
    _store(tmp_path / "s.zarr")
    store = compare(tmp_path / "s.zarr", tmp_path / "os", source=_src(tmp_path))
    np.testing.assert_allclose(store["bias_ln"], grid["bias_ln"], atol=1e-3)          # float32 store
    assert store["warnings"] == []


def test_a_store_without_coordinates_or_of_several_events_is_refused(tmp_path):
    _store(tmp_path / "bare.zarr", places=False)
    with pytest.raises(UserError) as err:
        compare(tmp_path / "bare.zarr", tmp_path / "o", source=_src(tmp_path))
    assert "3 of 3 stations without coordinates (e.g. ev.S0)" in str(err.value) and "\n" not in str(err.value)
    # a re-run of preprocess into a store written before the columns adds nothing (its records are there): a new store
    assert "preprocess its files into a new store" in str(err.value)
    _store(tmp_path / "two.zarr", events=("ev", "ev", "other"))
    with pytest.raises(UserError, match="2 events .* and one rupture"):
        compare(tmp_path / "two.zarr", tmp_path / "o", source=_src(tmp_path))
    _store(tmp_path / "m.zarr", magnitude=6.4)                   # the src's magnitude, said in a warning
    result = compare(tmp_path / "m.zarr", tmp_path / "o", source=_src(tmp_path))
    assert result["events"][0]["magnitude"] == 7.0
    assert result["warnings"] == [f"the store's magnitude M6.4 differs from {tmp_path / 'event.src'}'s M7 (the src's is used)"]


@pytest.mark.parametrize("rake, mechanism", [(0, "SS"), (180, "SS"), (-180, "SS"), (-150, "SS"), (-149.9, "NS"),
                                             (-90, "NS"), (-30, "SS"), (-30.1, "NS"), (30, "SS"), (30.1, "RS"),
                                             (90, "RS"), (150, "SS"), (149.9, "RS"), (270, "NS"), (-270, "RS")])
def test_mechanism_from_rake(rake, mechanism):
    assert bssa14.mechanism_from_rake(rake) == mechanism


def test_a_reverse_fault_takes_the_reverse_median(tmp_path):
    h1, h2 = _grid(tmp_path / "grid.h5")
    result = compare(tmp_path / "grid.h5", tmp_path / "o", source=_src(tmp_path, SRC.replace("RAKE = 180", "RAKE = 90")))
    assert result["mechanism"] == "RS"
    np.testing.assert_allclose(result["bias_ln"], _want(h1, h2, RJB_KM, "RS"), atol=2e-3)


def test_cli_src(tmp_path, capsys):
    _grid(tmp_path / "grid.h5")
    src = str(_src(tmp_path))
    base = ["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "grid.h5"), "--src", src]
    assert main(base + ["--out", str(tmp_path / "o")]) == 0
    assert f"3 stations against BSSA14 (R_JB from {src} (a finite fault))" in capsys.readouterr().out
    assert main(base + ["--out", str(tmp_path / "o2"), "--magnitude", "7.0", "--hypocenter", "35.0", "-117.0", "8"]) == 0
    capsys.readouterr()
    assert main(base + ["--out", str(tmp_path / "o3"), "--magnitude", "6.5"]) != 0
    err = capsys.readouterr().err
    assert "--magnitude 6.5 disagrees with" in err and "MAGNITUDE = 7" in err and len(err.strip().splitlines()) == 1
    assert main(base + ["--out", str(tmp_path / "o4"), "--hypocenter", "35.1", "-117.0", "8"]) != 0
    assert "--hypocenter 35.1 -117 8 is 11.1 km from" in capsys.readouterr().err
    assert main(["evaluate", "--real", str(tmp_path / "grid.h5"), "--generated", str(tmp_path / "grid.h5"), "--src", src,
                 "--out", str(tmp_path / "o5")]) != 0
    assert "a rupture is for --gmm" in capsys.readouterr().err
    (tmp_path / "bad.src").write_text(SRC.replace("DIP = 90", "DIP = 0"))
    assert main(base[:-1] + [str(tmp_path / "bad.src"), "--out", str(tmp_path / "o6")]) != 0
    assert "DIP = 0 is out of range" in capsys.readouterr().err


def test_a_deep_rupture_is_named_as_the_point_source_is(tmp_path):
    _grid(tmp_path / "grid.h5")
    deep = SRC.replace("DEPTH_TO_TOP = 0.0", "DEPTH_TO_TOP = 45.0")
    result = compare(tmp_path / "grid.h5", tmp_path / "o", source=_src(tmp_path, deep))
    assert result["n_deeper_than_model_km"] == 3 and read_src(tmp_path / "event.src").hypo_depth_km == 53.0


def test_an_empty_store_is_one_line(tmp_path, capsys):
    """A store `preprocess` left empty: with --src (no magnitude or distance needed) numpy's traceback (ValueError:
    zero-size array to reduction operation minimum); without it, a line about a missing `magnitude` column. Both
    now say that the store holds no records."""
    create_store(tmp_path / "empty.zarr", sampling_rate_hz=FS_HZ, length=N, lowpass_hz=1.0)
    base = ["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "empty.zarr"), "--out", str(tmp_path / "o")]
    for extra in (["--src", str(_src(tmp_path))], []):
        capsys.readouterr()
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "the store holds no records to compare with a ground-motion model" in err[0], err


def _recorded_store(path, src_path):
    """`_store` as `sample --src` writes it from waveform files: hypocentral distances, the rupture in its settings."""
    from seisdiff.io.bbp_src import src_settings

    h1, h2, z = (accelerogram(seed, n=N, pga=1.0) for seed in (1, 2, 3))
    bb = np.stack([np.stack([h1 * g, h2 * g, z]) for g in GAINS]).astype(np.float32)
    w = create_store(path, sampling_rate_hz=FS_HZ, length=N, n_channels=3, lowpass_hz=1.0,
                     extra_attrs={"channels": ["H1", "H2", "Z"], "sampling": src_settings(src_path)})
    lat, lon = _places()
    w.append(bb, lowpass(bb, FS_HZ, 1.0), ["ev.S0", "ev.S1", "ev.S2"], {
        "event": np.array(["ev"] * 3), "station": np.array(["S0", "S1", "S2"]), "magnitude": np.full(3, 7.0),
        "distance_km": np.hypot(NORTH_KM, 8.0), "distance_kind": np.array(["hypocentral"] * 3),
        "hypo_depth_km": np.full(3, 8.0), "sta_lat": lat, "sta_lon": lon})
    return h1, h2


def test_cli_point_source_overrides_the_recorded_rupture(tmp_path, capsys):
    """An output of `sample --src` was always compared with its recorded rupture from the CLI (only the Python API's
    source=False gave the point source): --point-source gives R_JB from the hypocentral distance (√(R² − 8²) = the
    epicentral 30, 40, 55 km, mechanism U); the default keeps the rupture's (10, 20, 35 km, SS); with --src refused."""
    h1, h2 = _recorded_store(tmp_path / "s.zarr", _src(tmp_path))
    base = ["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr")]
    assert main(base + ["--out", str(tmp_path / "rupture")]) == 0
    assert main(base + ["--out", str(tmp_path / "point"), "--point-source"]) == 0
    assert "(R_JB from distance_km by its kind" in capsys.readouterr().out
    rupture, point = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("rupture", "point"))
    np.testing.assert_allclose(rupture["bias_ln"], _want(h1, h2, RJB_KM, "SS"), atol=2e-3)
    np.testing.assert_allclose(point["bias_ln"], _want(h1, h2, NORTH_KM, "U"), atol=2e-3)
    assert point["mechanism"] == "U" and "source" not in point and point["distance_kinds"] == {"hypocentral": 3}
    assert rupture["source"]["from"] == "the `sample` run's --src, from its settings"
    assert main(base + ["--out", str(tmp_path / "o"), "--point-source", "--src", str(_src(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--point-source and --src" in err[0] and "give one of them" in err[0]
    assert main(["evaluate", "--real", str(tmp_path / "s.zarr"), "--generated", str(tmp_path / "s.zarr"),
                 "--point-source", "--out", str(tmp_path / "o")]) == 2
    assert "a point source is for --gmm" in capsys.readouterr().err


def test_a_magnitude_or_hypocentre_beside_a_store_is_refused_not_ignored(tmp_path, capsys):
    """`--magnitude 5` beside a store was ignored without a word (the records' M7 compared, the same numbers as
    without it); --hypocenter likewise. Now one line; beside --src they are still checked against the rupture."""
    _store(tmp_path / "s.zarr")
    base = ["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--out", str(tmp_path / "o")]
    for extra, named in ((["--magnitude", "5"], "--magnitude:"), (["--hypocenter", "35", "-117", "8"], "--hypocenter:")):
        assert main(base + extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and named in err[0] and "is a store" in err[0], err
    assert main(base + ["--magnitude", "7.0", "--src", str(_src(tmp_path))]) == 0
