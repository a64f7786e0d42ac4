"""Stores keep where each record's station and its event's hypocentre are (`sta_lat`, `sta_lon`, `hypo_lat`,
`hypo_lon`, degrees, NaN unknown): `preprocess` from the files' headers and the --metadata rows, as `sample`'s
whole-record conditioning does; `sample`'s outputs, torchrun merges and subsets copy them; so a store of real
recordings can be compared with a finite fault (`evaluate --gmm bssa14 --src`)."""
import json
from pathlib import Path

import numpy as np
import pytest
from synth import accelerogram, sample_one_and_two_ranks, whole_record_checkpoint, write_at2

from seisdiff.cli import main
from seisdiff.io.store import open_store
from seisdiff.io.subset import copy_records
from seisdiff.preprocess.metadata import lookup

PLACES = ("sta_lat", "sta_lon", "hypo_lat", "hypo_lon")
STRONGMOTION = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "strongmotion"
RIDGECREST = "20190706_ridgecrest_m7.1"
SRC = Path(__file__).resolve().parents[1] / "docs" / "analysis" / "ridgecrest_m7.1.src"


def _write_sac(path, seed, station, header):
    from obspy import Trace
    from obspy.core.util import AttribDict

    tr = Trace((accelerogram(seed, n=3000, pga=0.5) * 1e9).astype(np.float32))   # m/s² → nm/s²
    tr.stats.update({"sampling_rate": 100.0, "station": station, "channel": "HNE"})
    tr.stats.sac = AttribDict({"idep": 8, "kevnm": "Alpha", **header})
    tr.write(str(path), format="SAC")


def _places_of(store) -> dict:
    """{station (lower case): (sta_lat, sta_lon, hypo_lat, hypo_lon)} of a store's records."""
    cols = [store.column(c) for c in PLACES]
    return {str(s).lower(): tuple(float(c[i]) for c in cols) for i, s in enumerate(store.column("station"))}


def _preprocess(tmp_path, *extra) -> Path:
    """SAC s0 (station and hypocentre in its header), s1 (station only: the event row's hypocentre), AT2 a0 (neither:
    a station list's row; the event row's hypocentre), AT2 a1 (no place anywhere: another earthquake by its header,
    or the records CSV's event for a0 would be its too, `events.csv_event_names`)."""
    _write_sac(tmp_path / "s0.sac", 1, "S0", {"evla": 36.2, "evlo": -117.1, "evdp": 5.0, "stla": 36.0, "stlo": -117.0})
    _write_sac(tmp_path / "s1.sac", 2, "S1", {"stla": 34.25, "stlo": -118.5})
    write_at2(tmp_path / "a0.AT2", accelerogram(3, n=3000, pga=0.05), 0.01, station="A0")
    write_at2(tmp_path / "a1.AT2", accelerogram(4, n=3000, pga=0.05), 0.01, station="A1", event="Other, 2/2/2021")
    (tmp_path / "event.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\nAlpha,6.4,35.7,-117.5,10.5\n")
    (tmp_path / "stations.csv").write_text("station,sta_lat,sta_lon\nA0,33.5,-116.25\n")
    (tmp_path / "records.csv").write_text("record_id,event\na0,Alpha\n")
    out = tmp_path / "m.zarr"
    assert main(["preprocess", *(str(tmp_path / f) for f in ("*.sac", "*.AT2")), "--out", str(out), "--quiet",
                 "--metadata", *(str(tmp_path / f) for f in ("event.csv", "stations.csv", "records.csv")),
                 *extra]) == 0
    return out


def test_preprocess_stores_the_station_and_the_hypocentre(tmp_path):
    """Each position as the record's file or its --metadata rows give it; NaN where none does; float64 columns."""
    store = open_store(_preprocess(tmp_path))
    assert all(store.column(c).dtype == np.float64 for c in PLACES)
    got = _places_of(store)
    assert got["s0"] == pytest.approx((36.0, -117.0, 36.2, -117.1))
    assert got["s1"] == pytest.approx((34.25, -118.5, 35.7, -117.5))
    assert got["a0"] == pytest.approx((33.5, -116.25, 35.7, -117.5))
    assert np.isnan(got["a1"]).all()


def test_lookup_takes_each_position_whole_from_one_source():
    """A row giving a latitude alone does not pair it with another source's longitude; the record's row wins over its
    file, the file over the station's (event's) row."""
    table = {"r": {"sta_lat": 10.0}, "station:s": {"sta_lat": 20.0, "sta_lon": 21.0},
             "event:e": {"name": "e", "hypo_lat": 30.0, "hypo_lon": 31.0}, "q": {"hypo_lat": 40.0, "hypo_lon": 41.0}}
    got = lookup(table, ["r"], None, "e", {"sta_lon": 5.0}, station="s")
    assert [got[c] for c in PLACES] == [20.0, 21.0, 30.0, 31.0]
    got = lookup(table, ["q"], None, "e", {"hypo_lat": 1.0, "hypo_lon": 2.0, "sta_lat": 3.0, "sta_lon": 4.0})
    assert [got[c] for c in PLACES] == [3.0, 4.0, 40.0, 41.0]
    assert np.isnan([lookup({}, ["x"], None)[c] for c in PLACES]).all()


def test_sample_merges_and_subsets_copy_the_places(tmp_path, monkeypatch):
    """A preprocessed store's places reach each realization of `sample` (one process and a torchrun run's merged
    store) and a subset of it, as the other metadata columns do."""
    cond = open_store(_preprocess(tmp_path, "--length", "512"))
    want = {rid: tuple(float(cond.column(c)[i]) for c in PLACES) for i, rid in enumerate(cond.record_ids)}
    ckpt = whole_record_checkpoint(tmp_path, steps=2)
    one, merged = sample_one_and_two_ranks(monkeypatch, tmp_path, "--checkpoint", ckpt, "--cond", cond.path)
    sub, _ = copy_records(one, [1, 2, 5], tmp_path / "sub.zarr")
    for out in (one, merged, sub):
        got = [tuple(float(out.column(c)[i]) for c in PLACES) for i in range(len(out))]
        np.testing.assert_array_equal(got, [want[s] for s in out.column("source_record_id")])
    every = np.array([[float(v) for v in one.column(c)] for c in PLACES])
    assert np.isfinite(every).any() and np.isnan(every).any()       # placed records and one (a1) placed nowhere


@pytest.mark.skipif(not (STRONGMOTION / "dmg" / RIDGECREST).is_dir(), reason="shared strong-motion data absent")
def test_a_preprocessed_store_of_real_recordings_is_compared_with_the_rupture(tmp_path):
    """Ridgecrest M 7.1's three DMG stations, preprocessed without --metadata: each keeps its header's coordinates,
    and `evaluate --gmm bssa14 --src` places them against the rupture (refused before: '3 of 3 stations without
    coordinates'); all three lie within 10 km of the src's surface projection (R_JB 9.45, 2.03, 8.87 km; CCC is
    34 km from the epicentre)."""
    out = tmp_path / "rc.zarr"
    assert main(["preprocess", str(STRONGMOTION / "dmg" / RIDGECREST), "--event-from", "folder", "--out", str(out),
                 "--quiet"]) == 0
    got = _places_of(open_store(out))
    assert got["ccc"][:2] == (35.525, -117.365) and got["clc"][:2] == (35.816, -117.598)
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(out), "--src", str(SRC),
                 "--out", str(tmp_path / "o")]) == 0
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["n_stations"] == 3 and "finite fault" in metrics["distance"]
    assert [(b["rjb_km"], b["n_stations"]) for b in metrics["by_distance"]] == [([0.0, 10.0], 3)]
