"""The store says which distance `distance_km` holds (`distance_kind`): preprocess takes it from the CSV column that
gave the distance (or a `distance_kind` column), from the header or the places (hypocentral); `sample` keeps it;
`simulate` writes the rupture distance; a store from before the column reads as "" (unknown)."""
import numpy as np
import pytest
from synth import accelerogram, make_store, sample_cli, sample_one_and_two_ranks, whole_record_checkpoint, write_at2

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.io.store import open_store
from seisdiff.preprocess.metadata import load_metadata_csv, lookup

# CSV column → the kind the store records for its distance
NAMED = {"hypd (km)": "hypocentral", "rhypo (km)": "hypocentral", "HypD": "hypocentral", "rrup (km)": "rupture",
         "Rrup": "rupture", "rjb (km)": "joyner_boore", "rjb": "joyner_boore", "repi (km)": "epicentral",
         "distance_km": "", "distance": ""}


def _kinds(store) -> dict:
    """{recording (record id without its window suffix): (distance_km, distance_kind)}."""
    return {rid.rsplit("_w", 1)[0]: (float(d), str(k)) for rid, d, k in
            zip(store.record_ids, store.column("distance_km"), store.column("distance_kind"))}


def test_preprocess_stores_the_kind_of_the_csv_column_that_gave_each_distance(tmp_path):
    """One record per distance column name, each from its own CSV: the store holds the value as given and the
    kind the column's name says ("" for a plain distance_km/distance column); a plain column beside a
    `distance_kind` column takes the row's kind; a record no source gives a distance has none and ""."""
    csvs = []
    for i, (column, kind) in enumerate(NAMED.items()):
        write_at2(tmp_path / f"n{i}.AT2", accelerogram(i, n=3000, pga=0.05), 0.01, station=f"N{i}")
        (tmp_path / f"n{i}.csv").write_text(f"record_id,{column}\nn{i},{10.0 + i}\n")
        csvs.append(tmp_path / f"n{i}.csv")
    for i in range(4):
        write_at2(tmp_path / f"k{i}.AT2", accelerogram(50 + i, n=3000, pga=0.05), 0.01, station=f"K{i}")
    (tmp_path / "kinds.csv").write_text("record_id,distance_km,distance_kind\nk0,30,joyner_boore\nk1,31,Rrup\n"
                                        "k2,32,\nk3,,epicentral\n")
    write_at2(tmp_path / "none.AT2", accelerogram(60, n=3000, pga=0.05), 0.01, station="X")
    assert main(["preprocess", str(tmp_path / "*.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", *map(str, csvs), str(tmp_path / "kinds.csv")]) == 0
    got = _kinds(open_store(tmp_path / "m.zarr"))
    for i, kind in enumerate(NAMED.values()):
        assert got[f"n{i}"] == (10.0 + i, kind)
    assert [got[f"k{i}"][1] for i in range(4)] == ["joyner_boore", "rupture", "", ""]
    assert [got[f"k{i}"][0] for i in range(3)] == [30.0, 31.0, 32.0] and np.isnan(got["k3"][0])
    assert np.isnan(got["none"][0]) and got["none"][1] == ""


def test_header_and_place_distances_are_hypocentral_and_a_row_of_a_named_column_keeps_its_kind(tmp_path):
    """SAC files: a header with hypocentre and station → hypocentral; a station-only header placed by an event CSV's
    hypocentre → hypocentral; a record's `rjb (km)` row → joyner_boore, over its header's hypocentral distance;
    an event CSV's `rrup (km)` → rupture for the records of that event that have no distance of their own."""
    from obspy import Trace
    from obspy.core.util import AttribDict

    from seisdiff.io.units import to_mps2_factor

    g_to_nm = to_mps2_factor("g") / to_mps2_factor("nm/s^2")
    headers = {"s0": {"kevnm": "Alpha", "evla": 36.2, "evlo": -117.1, "evdp": 5.0, "stla": 36.0, "stlo": -117.0},
               "s1": {"kevnm": "Alpha", "stla": 34.0, "stlo": -118.0},
               "s2": {"kevnm": "Alpha", "evla": 36.2, "evlo": -117.1, "evdp": 5.0, "stla": 36.0, "stlo": -117.0},
               "s3": {"kevnm": "Beta"}}
    for k, (name, header) in enumerate(headers.items()):
        tr = Trace((accelerogram(20 + k, n=3000, pga=0.1) * g_to_nm).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "station": name.upper(), "channel": "HNE"})
        tr.stats.sac = AttribDict({"idep": 8, **header})
        tr.write(str(tmp_path / f"{name}.sac"), format="SAC")
    (tmp_path / "alpha.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\nAlpha,6.4,35.7,-117.5,10.5\n")
    (tmp_path / "beta.csv").write_text("event,magnitude,rrup (km)\nBeta,6.0,44.0\n")
    (tmp_path / "records.csv").write_text("record_id,rjb (km)\ns2..S2..HNE,3.0\n")
    assert main(["preprocess", str(tmp_path / "*.sac"), "--out", str(tmp_path / "m.zarr"), "--quiet", "--metadata",
                 *(str(tmp_path / f) for f in ("alpha.csv", "beta.csv", "records.csv"))]) == 0
    store = open_store(tmp_path / "m.zarr")
    got = dict(zip(np.char.lower(store.column("station").astype(str)),
                   zip(store.column("distance_km"), store.column("distance_kind"))))
    assert got["s0"][1] == got["s1"][1] == "hypocentral" and 5.0 < got["s0"][0] < 30.0 and got["s1"][0] > 150.0
    assert got["s2"] == (3.0, "joyner_boore") and got["s3"] == (44.0, "rupture")


def test_lookup_takes_the_kind_of_the_source_that_gives_the_distance():
    """Record row > file header > station row > event row, each with its own kind; places → hypocentral."""
    table = {"r1": {"distance_km": 12.0, "distance_kind": "rupture"}, "r2": {"magnitude": 6.0},
             "event:e": {"name": "e", "distance_km": 40.0, "distance_kind": ""},
             "station:s": {"distance_km": 20.0, "distance_kind": "epicentral"}}
    header = {"distance_km": 15.0, "distance_kind": "hypocentral"}
    assert (lookup(table, ["r1"], None, "e", header)["distance_kind"]) == "rupture"
    assert (lookup(table, ["r2"], None, "e", header)["distance_kind"]) == "hypocentral"
    assert lookup(table, ["r2"], None, "e", {}, station="s")["distance_km"] == 20.0
    assert lookup(table, ["r2"], None, "e", {}, station="s")["distance_kind"] == "epicentral"
    assert lookup(table, ["r2"], None, "e", {})["distance_kind"] == ""
    placed = lookup({}, ["r"], None, "", {"sta_lat": 35.0, "sta_lon": -117.0},
                    default_event={"hypo_lat": 35.5, "hypo_lon": -117.0, "hypo_depth_km": 10.0})
    assert placed["distance_kind"] == "hypocentral" and 56.0 < placed["distance_km"] < 57.5
    nothing = lookup({}, ["r"], None, "", {})
    assert np.isnan(nothing["distance_km"]) and nothing["distance_kind"] == ""


@pytest.mark.parametrize("text, words", [
    ("record_id,rjb (km),distance_kind\na,30,rupture\n", ["row 'a'", "contradicts", "'rjb (km)'", "joyner_boore"]),
    ("record_id,distance_km,distance_kind\na,30,closest\n", ["row 'a'", "'closest'", "joyner_boore"]),
    ("record_id,magnitude,distance_kind\na,6,rupture\n", ["without a distance column"]),
])
def test_a_distance_kind_that_cannot_hold_is_one_clear_line(tmp_path, text, words):
    (tmp_path / "m.csv").write_text(text)
    with pytest.raises(UserError) as err:
        load_metadata_csv(tmp_path / "m.csv")
    assert str(tmp_path / "m.csv") in str(err.value) and "\n" not in str(err.value)
    assert all(w in str(err.value) for w in words)


def test_a_named_column_with_a_matching_or_empty_kind_is_accepted(tmp_path):
    (tmp_path / "m.csv").write_text("record_id,Rjb (km),distance_kind\na,30,JOYNER_BOORE\nb,31,\nc,32,rjb\n")
    assert {k: v["distance_kind"] for k, v in load_metadata_csv(tmp_path / "m.csv").items()} == \
        {"a": "joyner_boore", "b": "joyner_boore", "c": "joyner_boore"}


def test_sample_outputs_carry_their_conditionings_kinds(tmp_path, monkeypatch):
    """A conditioning store's kinds reach every realization (one process and a torchrun run's merged store alike);
    waveform files placed by `--hypocenter` are hypocentral, a file without the station's coordinates ""."""
    ckpt = whole_record_checkpoint(tmp_path, steps=2)
    kinds = np.array(["joyner_boore", "rupture", "", "epicentral", "hypocentral"])
    cond = make_store(tmp_path / "cond.zarr", n=5, length=512, seed=3, columns={"distance_kind": kinds})
    given = dict(zip(cond.record_ids, kinds))
    for out in sample_one_and_two_ranks(monkeypatch, tmp_path, "--checkpoint", ckpt, "--cond", cond.path):
        assert out.column("distance_kind").tolist() == [given[s] for s in out.column("source_record_id")]

    from obspy import Trace
    from obspy.core.util import AttribDict

    folder = tmp_path / "lf"
    folder.mkdir()
    for k, place in enumerate([{"stla": 34.0, "stlo": -118.0}, {}]):
        tr = Trace((accelerogram(k, n=1200, pga=0.05) * 9.80665).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "station": f"S{k}", "channel": "HNE"})
        tr.stats.sac = AttribDict({"idep": 8, **place})
        tr.write(str(folder / f"s{k}.sac"), format="SAC")
    assert sample_cli("--checkpoint", ckpt, "--cond", folder, "--out", tmp_path / "gen.zarr", "--units", "m/s^2",
                      "--hypocenter", 35.7, -117.5, 10.5, "--magnitude", 6.4) == 0
    gen = open_store(tmp_path / "gen.zarr")
    assert dict(zip(gen.column("station"), gen.column("distance_kind"))) == {"S0": "hypocentral", "S1": ""}


def test_a_store_from_before_the_column_reads_unknown_where_records_are_appended(tmp_path):
    """Records appended with the column to a store written without it: the old ones read "" (the writer's rule for
    text columns), the new ones their kind."""
    from seisdiff.dsp import lowpass
    from seisdiff.io.store import StoreWriter

    store = make_store(tmp_path / "s.zarr", n=3, length=256)
    assert "distance_kind" not in store.columns
    bb = np.stack([[accelerogram(9, n=256, pga=0.02)]]).astype(np.float32)
    StoreWriter(tmp_path / "s.zarr").append(bb, lowpass(bb, 100.0, 1.0), ["new"],
                                            {"distance_kind": np.array(["rupture"])})
    assert open_store(tmp_path / "s.zarr").column("distance_kind").tolist() == ["", "", "", "rupture"]


def test_simulate_records_the_rupture_distance(tmp_path):
    """`simulate`'s distance is the closest distance to the rupture: its store and its AT2 corpus's metadata.csv
    (hence a store preprocessed from it) say so."""
    import csv

    assert main(["simulate", "--out", str(tmp_path / "sim.zarr"), "--n", "2", "--duration-s", "20.48",
                 "--format", "zarr"]) == 0
    assert open_store(tmp_path / "sim.zarr").column("distance_kind").tolist() == ["rupture", "rupture"]
    assert main(["simulate", "--out", str(tmp_path / "at2"), "--n", "2", "--duration-s", "20.48"]) == 0
    with open(tmp_path / "at2" / "metadata.csv", newline="") as fh:
        assert [r["distance_kind"] for r in csv.DictReader(fh)] == ["rupture", "rupture"]
    assert main(["preprocess", str(tmp_path / "at2"), "--out", str(tmp_path / "p.zarr"), "--quiet",
                 "--metadata", str(tmp_path / "at2" / "metadata.csv")]) == 0
    assert set(open_store(tmp_path / "p.zarr").column("distance_kind").tolist()) == {"rupture"}


def test_rjb_estimate_per_kind_closed_forms():
    """joyner_boore and epicentral as given; hypocentral √(R² − depth²) (R where the depth is unknown or not below
    R); rupture √(max(R_rup² − top², 0)) where the depth to the top is known, else as given; unknown as hypocentral."""
    from seisdiff.dsp.bssa14 import rjb_estimate_km

    kind = ["joyner_boore", "epicentral", "hypocentral", "hypocentral", "hypocentral", "rupture", "rupture", "rupture",
            "", "closest"]
    r = [30.0, 30.0, 30.0, 30.0, 10.0, 30.0, 30.0, 4.0, 30.0, 30.0]
    depth = [12.0, 12.0, 12.0, np.nan, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0]
    top = [5.0, 5.0, 5.0, 5.0, 5.0, np.nan, 5.0, 5.0, 5.0, 5.0]
    expected = [30.0, 30.0, np.sqrt(30.0 ** 2 - 12.0 ** 2), 30.0, 10.0, 30.0, np.sqrt(30.0 ** 2 - 5.0 ** 2), 0.0,
                np.sqrt(30.0 ** 2 - 12.0 ** 2), np.sqrt(30.0 ** 2 - 12.0 ** 2)]
    np.testing.assert_allclose(rjb_estimate_km(r, kind, depth, top), expected, rtol=1e-12)
    assert rjb_estimate_km([30.0], ["hypocentral"], [12.0])[0] == pytest.approx(27.4955, abs=1e-4)
    np.testing.assert_allclose(rjb_estimate_km(r, kind, depth), [*expected[:6], 30.0, 4.0, *expected[8:]], rtol=1e-12)
    assert np.isnan(rjb_estimate_km([np.nan], ["joyner_boore"], [5.0])[0])


def test_the_kinds_used_are_counted_and_unknown_ones_warned():
    from seisdiff.dsp.bssa14 import distance_kinds_used

    counts, warnings = distance_kinds_used(["joyner_boore", "joyner_boore", "", "rupture", "x", "hypocentral"])
    assert counts == {"joyner_boore": 2, "hypocentral": 1, "rupture": 1, "unknown": 2}
    assert len(warnings) == 2 and warnings[0].startswith("2 records' distance_km of unknown kind")
    assert "as hypocentral" in warnings[0] and "1 records' rupture distance" in warnings[1]
    assert distance_kinds_used(["rupture"], [4.0], noun="stations") == ({"rupture_top": 1}, [])
    assert distance_kinds_used([""], noun="stations")[1][0].startswith("1 stations' distance_km of unknown kind")
    assert distance_kinds_used(["epicentral"]) == ({"epicentral": 1}, [])


def _rjb_store(tmp_path, column="rjb (km)"):
    """Two horizontals of one station (M 6.0), their CSV row giving `column` 30 km and the hypocentre 12 km deep."""
    tmp_path.mkdir(exist_ok=True)
    for comp, seed in (("EW", 1), ("NS", 2)):
        write_at2(tmp_path / f"a_{comp}.AT2", accelerogram(seed, n=4000, pga=0.05), 0.01, station="A", component=comp)
    (tmp_path / "m.csv").write_text(f"record_id,magnitude,{column},hypo_depth_km\na_EW,6.0,30,12\na_NS,6.0,30,12\n")
    assert main(["preprocess", str(tmp_path / "*.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", str(tmp_path / "m.csv")]) == 0
    return open_store(tmp_path / "m.zarr")


def test_verify_compares_a_csv_rjb_at_its_own_distance(tmp_path):
    """Regression: verify took every distance for hypocentral, so a CSV's R_JB of 30 km at 12 km depth was compared
    at √(30² − 12²) = 27.5 km (PGA predicted +0.06 ln too strong); now at 30 km. A plain distance_km column
    (unknown kind) keeps the hypocentral rule."""
    from seisdiff import G_MPS2
    from seisdiff.dsp import bssa14
    from seisdiff.preprocess.verify import gmm_ln_ratios

    for column, rjb in (("rjb (km)", 30.0), ("distance_km", np.sqrt(30.0 ** 2 - 12.0 ** 2))):
        store = _rjb_store(tmp_path / column.split()[0], column)
        pga = store.column("pga_broadband")
        expected = np.log(pga / G_MPS2) - bssa14.predict(6.0, rjb, bssa14.VS30_REF_MPS, [0.0])[0][:, 0]
        order = np.argsort(store.record_ids)                         # one value per recording, by its id
        np.testing.assert_allclose(gmm_ln_ratios(store, pga[:, None]), expected[order], rtol=1e-9)


def test_evaluate_gmm_compares_a_csv_rjb_at_its_own_distance_and_says_which_kinds(tmp_path):
    """Regression (evaluate --gmm bssa14): the same station sat in the 10–30 km bin, predicted at 27.5 km; now in
    30–100 km at 30 km, and metrics.json / report.md say which kinds were used."""
    import json

    from seisdiff.dsp import bssa14
    from seisdiff.evaluate.gmm import compare, station_motions

    store = _rjb_store(tmp_path)
    result = compare(store.path, tmp_path / "gmm")
    motions = station_motions(store)
    expected = np.log(motions["psa_g"][:, 0]) - bssa14.predict(6.0, 30.0, 760.0, [0.0])[0][:, 0]
    assert result["n_stations"] == 1 and result["bias_ln"][0] == pytest.approx(float(expected[0]), abs=1e-4)
    assert [b["rjb_km"] for b in result["by_distance"]] == [[30.0, 100.0]]
    saved = json.loads((tmp_path / "gmm" / "metrics.json").read_text())
    assert saved["distance_kinds"] == {"joyner_boore": 1} and "joyner_boore" in saved["distance"]
    assert "joyner_boore" in (tmp_path / "gmm" / "report.md").read_text()


@pytest.mark.parametrize("column, kind", [("repi", "epicentral"), ("Rhypo", "hypocentral"), ("rhypo (km)", "hypocentral"),
                                          ("REPI (km)", "epicentral")])
def test_repi_and_rhypo_without_km_are_read_with_their_kind(tmp_path, capsys, column, kind):
    """`record_id,repi` / `a1,30` gave no distance at all (the column was not recognised): now 30 km, epicentral."""
    (tmp_path / "m.csv").write_text(f"record_id,{column}\na1,30\n")
    assert load_metadata_csv(tmp_path / "m.csv") == {"a1": {"distance_km": 30.0, "distance_kind": kind}}
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("header, named", [("r_rup", ["'r_rup'"]), ("Ry0,Rx", ["'Ry0'", "'Rx'"]),
                                           ("dist", ["'dist'"]), ("hypo_distance", ["'hypo_distance'"])])
def test_a_column_that_looks_like_a_distance_but_is_not_read_gets_one_warning_line(tmp_path, capsys, header, named):
    """Its values are not read (the distance stays unknown), as before, but no longer without a word."""
    (tmp_path / "m.csv").write_text(f"record_id,magnitude,{header}\n" + "".join(
        f"a{i},6.0{',30' * len(named)}\n" for i in range(3)))
    assert all("distance_km" not in row for row in load_metadata_csv(tmp_path / "m.csv").values())
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path / "m.csv") in err and "warning" in err and "rrup (km)" in err
    assert all(n in err for n in named)


@pytest.mark.parametrize("text", ["record_id,magnitude,region,rake,rsn,hypo_depth_km,sta_lat\na,6,x,90,1,5,30\n",
                                  "record_id,rjb (km),rx,ry0,rrup_km\na,10,1,2,3\n"])
def test_no_warning_for_other_columns_or_beside_a_recognised_distance(tmp_path, capsys, text):
    (tmp_path / "m.csv").write_text(text)
    load_metadata_csv(tmp_path / "m.csv")
    assert capsys.readouterr().err == ""


# PEER's NGA-West2 flatfile and search results spellings, and snake case → the kind the store records
SPELLINGS = {"EpiD (km)": "epicentral", "HypD (km)": "hypocentral", "ClstD (km)": "rupture",
             "Joyner-Boore Dist. (km)": "joyner_boore", "Rjb (km)": "joyner_boore", "Rrup (km)": "rupture",
             "rrup_km": "rupture", "rjb_km": "joyner_boore", "repi_km": "epicentral", "rhypo_km": "hypocentral",
             "hypd_km": "hypocentral", "epid_km": "epicentral", "clstd": "rupture", "epid": "epicentral"}


def test_peer_and_snake_case_distance_columns_are_stored_with_their_kind(tmp_path, capsys):
    """Each spelling gave no distance at all (a warning line naming the column, the value dropped): now one record per
    spelling, each from its own CSV, holds its value and kind; no warning."""
    csvs = []
    for i, column in enumerate(SPELLINGS):
        write_at2(tmp_path / f"p{i}.AT2", accelerogram(i, n=3000, pga=0.05), 0.01, station=f"P{i}")
        (tmp_path / f"p{i}.csv").write_text(f"record_id,{column}\np{i},{20.0 + i}\n")
        csvs.append(tmp_path / f"p{i}.csv")
    assert main(["preprocess", str(tmp_path / "*.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", *map(str, csvs)]) == 0
    got = _kinds(open_store(tmp_path / "m.zarr"))
    assert {f"p{i}": got[f"p{i}"] for i in range(len(SPELLINGS))} == {
        f"p{i}": (20.0 + i, kind) for i, kind in enumerate(SPELLINGS.values())}
    assert "like a distance" not in capsys.readouterr().err


def test_an_nga_west2_flatfile_row_gives_the_hypocentral_distance_vs30_and_magnitude(tmp_path, capsys):
    """The flatfile's columns (keyed by its Record Sequence Number): its four distances read as HypD, the hypocentral
    one (before: none, four columns warned about; "Vs30 (m/s) selected for analysis" was not read either, the CSV
    was refused for want of an RSN column); the search results' Rjb and Rrup as Rrup, the order `rrup (km)` had."""
    (tmp_path / "flat.csv").write_text(
        "Record Sequence Number,EQID,Earthquake Name,Earthquake Magnitude,EpiD (km),HypD (km),Joyner-Boore Dist. (km),"
        "ClstD (km),Rx,Vs30 (m/s) selected for analysis\n5000,278,Chuetsu-oki,6.8,195.33,195.54,186.2,186.3,-999,663.8\n")
    assert load_metadata_csv(tmp_path / "flat.csv") == {"RSN5000": {
        "magnitude": 6.8, "distance_km": 195.54, "distance_kind": "hypocentral", "vs30_mps": 663.8,
        "event": "Chuetsu-oki"}}
    (tmp_path / "search.csv").write_text(" Result ID, Record Sequence Number, Magnitude, Rjb (km), Rrup (km), Vs30 (m/sec)"
                                         "\n1,5000,6.8,186.2,186.3,663.8\n")
    assert load_metadata_csv(tmp_path / "search.csv") == {"RSN5000": {
        "magnitude": 6.8, "distance_km": 186.3, "distance_kind": "rupture", "vs30_mps": 663.8}}
    assert capsys.readouterr().err == ""


def test_an_nga_west2_flatfile_row_gives_the_hypocentre_and_the_station(tmp_path):
    """Its Hypocenter Latitude/Longitude (deg), Hypocenter Depth (km) (the level model's depth term, BSSA14's
    hypocentral-to-epicentral distance) and Station Latitude/Longitude were not read; -999 (not available) is unknown."""
    (tmp_path / "flat.csv").write_text(
        "Record Sequence Number,Hypocenter Latitude (deg),Hypocenter Longitude (deg),Hypocenter Depth (km),HypD (km),"
        "Station Latitude,Station Longitude\n5000,37.5568,138.6087,9,195.54,37.02,140.41\n5001,37.5568,138.6087,-999,"
        "100.3,-999,-999\n")
    rows = load_metadata_csv(tmp_path / "flat.csv")
    assert rows["RSN5000"] == {"hypo_lat": 37.5568, "hypo_lon": 138.6087, "hypo_depth_km": 9.0, "sta_lat": 37.02,
                               "sta_lon": 140.41, "distance_km": 195.54, "distance_kind": "hypocentral"}
    assert {k for k, v in rows["RSN5001"].items() if v == v} == {"hypo_lat", "hypo_lon", "distance_km", "distance_kind"}


@pytest.mark.parametrize("columns, distance_km, kind", [
    ("rrup (km),rhypo (km)", 20.0, "hypocentral"), ("rjb (km),hypd", 20.0, "hypocentral"), ("distance_km,hypd (km)", 10.0, ""),
    ("epid_km,rjb_km", 20.0, "joyner_boore"), ("distance,repi", 20.0, "epicentral"), ("rjb (km),rrup (km)", 20.0, "rupture")])
def test_of_several_distance_columns_the_hypocentral_one_is_read(tmp_path, columns, distance_km, kind):
    """distance_km first (as before), then any hypocentral column (before: `rrup (km)` beat `rhypo (km)`, and any
    `(km)` column a bare `hypd`), then rupture, Joyner–Boore, epicentral, a plain `distance`."""
    (tmp_path / "m.csv").write_text(f"record_id,{columns}\na,10,20\n")
    assert load_metadata_csv(tmp_path / "m.csv")["a"] == {"distance_km": distance_km, "distance_kind": kind}
