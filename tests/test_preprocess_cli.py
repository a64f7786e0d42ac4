"""Bad input is reported and skipped, good input never lost; re-runs and killed runs resume."""
import csv
import os
import signal as sig
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from seisdiff.cli import main
from seisdiff.io.store import open_store
from synth import accelerogram, write_at2

ROOT = Path(__file__).resolve().parents[1]


def _good(folder: Path, n: int) -> list[Path]:
    return [write_at2(folder / f"good{i:02d}.AT2", accelerogram(i, n=4000, pga=0.05 * (i + 1)), 0.01,
                      station=f"S{i:02d}") for i in range(n)]


def _bad(folder: Path) -> dict[str, str]:
    """file name → a word the reason must contain."""
    ok = accelerogram(99, n=4000, pga=0.1)
    (folder / "empty.AT2").write_text("")
    write_at2(folder / "truncated.AT2", ok, 0.01)
    text = (folder / "truncated.AT2").read_text().splitlines()
    (folder / "truncated.AT2").write_text("\n".join(text[:20]) + "\n")
    write_at2(folder / "nonnumeric.AT2", ok, 0.01)
    text = (folder / "nonnumeric.AT2").read_text().splitlines()
    text[10] = "   abc   def"
    (folder / "nonnumeric.AT2").write_text("\n".join(text) + "\n")
    write_at2(folder / "nan.AT2", np.where(np.arange(4000) == 5, np.nan, ok), 0.01)
    write_at2(folder / "zeros.AT2", np.zeros(4000), 0.01)
    write_at2(folder / "short.AT2", ok[1000:1500], 0.01)
    write_at2(folder / "units.AT2", ok, 0.01, units="FURLONGS/FORTNIGHT")
    (folder / "unknown.xyz").write_bytes(b"\x00\x01 not a waveform")
    return {"empty.AT2": "empty", "truncated.AT2": "", "nonnumeric.AT2": "", "nan.AT2": "nan",
            "zeros.AT2": "zero", "short.AT2": "10 s", "units.AT2": "unit", "unknown.xyz": "format"}


def test_bad_inputs_reported_and_skipped(tmp_path, capsys):
    good = _good(tmp_path, 3)
    bad = _bad(tmp_path)
    code = main(["preprocess", str(tmp_path), "--out", str(tmp_path / "s.zarr"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert len(open_store(tmp_path / "s.zarr")) == len(good)
    with open(tmp_path / "s.zarr" / "preprocess_report.csv") as fh:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
    for name, word in bad.items():
        assert rows[name]["status"] == "skipped", name
        assert word in rows[name]["reason"].lower(), (name, rows[name]["reason"])
        assert name in out                              # one line in the summary too
    assert "Traceback" not in out


def test_nothing_stored_exits_nonzero(tmp_path):
    _bad(tmp_path)
    assert main(["preprocess", str(tmp_path), "--out", str(tmp_path / "s.zarr"), "--quiet"]) == 1


def test_rerun_adds_nothing_twice(tmp_path):
    files = _good(tmp_path, 4)
    out = str(tmp_path / "s.zarr")
    assert main(["preprocess", *map(str, files[:2]), "--out", out, "--quiet"]) == 0
    first = open_store(out).read()["broadband"].copy()
    assert main(["preprocess", str(tmp_path), "--out", out, "--quiet"]) == 0
    assert main(["preprocess", str(tmp_path), "--out", out, "--quiet"]) == 0
    s = open_store(out)
    assert len(s) == 4 and len(set(s.record_ids)) == 4
    np.testing.assert_array_equal(s.read(0, 2)["broadband"], first)     # good input never lost


@pytest.mark.slow
def test_sigkill_leaves_whole_records_and_resumes(tmp_path):
    files = _good(tmp_path, 24)
    out = tmp_path / "s.zarr"
    code = ("import sys; from seisdiff.preprocess import run_preprocess;"
            f"run_preprocess([{str(tmp_path)!r}], {str(out)!r}, batch_records=2, progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if 2 <= len(open_store(out)) < 24:
                break
        except Exception:
            pass
        time.sleep(0.02)
    proc.send_signal(sig.SIGKILL)
    proc.wait()
    partial = open_store(out)
    n = len(partial)
    assert n < 24, "the run finished before it could be killed; nothing was tested"
    assert np.isfinite(partial.read()["broadband"]).all() and (np.abs(partial.read()["broadband"]).max(-1) > 0).all()
    assert main(["preprocess", str(tmp_path), "--out", str(out), "--quiet"]) == 0
    s = open_store(out)
    assert len(s) == 24 and sorted(s.record_ids) == sorted(f"{f.stem}_w0" for f in files)


def test_measure_kappa_fills_unknown_kappa_and_keeps_given_values(tmp_path):
    """--measure-kappa stores each window's κ (dsp.kappa on the 0.1–30 Hz broadband): records simulated
    with site κ0 0.02 s and 0.07 s come out 0.05 s apart; a κ from the metadata CSV wins; without the
    flag, κ is unknown (NaN) unless the CSV gives it."""
    from seisdiff import G_MPS2
    from seisdiff.simulate import simulate_motion

    for i, kappa0 in enumerate([0.02, 0.07, 0.02, 0.07]):
        acc = simulate_motion(6.5, 30.0, 500.0, 100.0, 8192, np.random.default_rng(i // 2), kappa_s=kappa0)
        write_at2(tmp_path / f"k{i}.AT2", acc / G_MPS2, 0.01, station=f"K{i}")
    (tmp_path / "meta.csv").write_text("record_id,kappa (s)\nk3,0.033\n")
    common = [str(tmp_path / "k*.AT2"), "--metadata", str(tmp_path / "meta.csv"), "--quiet"]
    assert main(["preprocess", *common, "--out", str(tmp_path / "m.zarr"), "--measure-kappa"]) == 0
    assert main(["preprocess", *common, "--out", str(tmp_path / "n.zarr")]) == 0
    measured, plain = open_store(tmp_path / "m.zarr"), open_store(tmp_path / "n.zarr")
    k = dict(zip([rid.split("_")[0] for rid in measured.record_ids], measured.column("kappa_s")))
    assert k["k1"] - k["k0"] == pytest.approx(0.05, abs=0.008)
    assert k["k3"] == pytest.approx(0.033)
    assert 0.01 < k["k2"] < 0.04
    k_plain = dict(zip([rid.split("_")[0] for rid in plain.record_ids], plain.column("kappa_s")))
    assert k_plain["k3"] == pytest.approx(0.033) and np.isnan([k_plain[f"k{i}"] for i in range(3)]).all()


def test_per_event_metadata_fills_what_records_leave_unknown(tmp_path, capsys):
    """A CSV keyed by event gives every record of that event its magnitude; a record's own row, then
    what its file carries (a SAC header's magnitude), win field by field; an event no input names is
    reported in one line."""
    from obspy import Trace
    from obspy.core.util import AttribDict

    from seisdiff.io.units import to_mps2_factor

    for name, event in [("a0", "Alpha Quake, 1/2/2003"), ("a1", "Alpha Quake, 1/2/2003"), ("b0", "Beta, 4/5/2006")]:
        write_at2(tmp_path / f"{name}.AT2", accelerogram(len(name) + ord(name[0]), n=4000, pga=0.1), 0.01,
                  station=name.upper(), event=event)
    g_to_nm = to_mps2_factor("g") / to_mps2_factor("nm/s^2")
    sac = Trace((accelerogram(7, n=4000, pga=0.1) * g_to_nm).astype(np.float32))
    sac.stats.update({"sampling_rate": 100.0, "station": "S0", "channel": "HNE"})
    sac.stats.sac = AttribDict(idep=8, kevnm="Alpha Quake", mag=5.5)
    sac.write(str(tmp_path / "s0.sac"), format="SAC")
    (tmp_path / "events.csv").write_text("Event,Mw\nalpha quake,6.1\nBeta,7.0\nGamma,5.0\n")
    (tmp_path / "records.csv").write_text("record_id,magnitude,vs30\na1,6.4,300\n")
    assert main(["preprocess", str(tmp_path / "*.AT2"), str(tmp_path / "s0.sac"), "--out", str(tmp_path / "m.zarr"),
                 "--quiet", "--metadata", str(tmp_path / "events.csv"), str(tmp_path / "records.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    rows = {rid.split("_")[0].split(".")[0]: i for i, rid in enumerate(store.record_ids)}
    mag, vs30 = store.column("magnitude"), store.column("vs30_mps")
    assert [mag[rows[k]] for k in ("a0", "a1", "b0", "s0")] == [6.1, 6.4, 7.0, 5.5]
    assert vs30[rows["a1"]] == 300 and np.isnan(vs30[rows["a0"]]) and np.isnan(vs30[rows["b0"]])
    unmatched = [line for line in capsys.readouterr().out.splitlines() if "matches no input" in line]
    assert len(unmatched) == 1 and "'Gamma'" in unmatched[0]


def test_a_metadata_csv_names_the_region_of_files_that_do_not_tell(tmp_path):
    """AT2 files carry no coordinates: a per-event CSV's `region` names theirs (crossval folds by it), a
    record's own row wins over its event's, and records neither names keep an empty region."""
    for name, event in [("a0", "Alpha Quake, 1/2/2003"), ("a1", "Alpha Quake, 1/2/2003"), ("b0", "Beta, 4/5/2006")]:
        write_at2(tmp_path / f"{name}.AT2", accelerogram(len(name) + ord(name[0]), n=4000, pga=0.1), 0.01,
                  station=name.upper(), event=event)
    (tmp_path / "events.csv").write_text("event,magnitude,region\nAlpha Quake,6.1,japan\n")
    (tmp_path / "records.csv").write_text("record_id,region\na1,taiwan\n")
    assert main(["preprocess", str(tmp_path / "*.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", str(tmp_path / "events.csv"), str(tmp_path / "records.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    region = dict(zip([rid.split("_")[0] for rid in store.record_ids], store.column("region")))
    assert region == {"a0": "japan", "a1": "taiwan", "b0": ""}


def _haversine_km(lat1, lon1, lat2, lon2, radius_km=6371.0):
    """Great-circle distance on a sphere (an independent check of the WGS84 ellipsoid's, to ~0.5 %)."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(a))


def test_a_catalogue_hypocentre_gives_the_distance_of_records_whose_file_knows_only_the_station(tmp_path):
    """SAC files carry the station's coordinates: an event CSV's hypocentre gives them a hypocentral
    distance (sqrt(epicentral² + depth²)); a distance a record's row gives wins; a file that knows its
    own hypocentre keeps it; a record without station coordinates keeps NaN."""
    from obspy import Trace
    from obspy.core.util import AttribDict

    from seisdiff.io.units import to_mps2_factor

    g_to_nm = to_mps2_factor("g") / to_mps2_factor("nm/s^2")
    stations = {"s0": (34.0, -118.0, {}), "s1": (35.5, -116.0, {}), "s2": (36.0, -117.0, {"evla": 36.2, "evlo": -117.1, "evdp": 5.0}),
                "s3": (None, None, {})}
    for k, (name, (lat, lon, own)) in enumerate(stations.items()):
        tr = Trace((accelerogram(20 + k, n=4000, pga=0.1) * g_to_nm).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "station": name.upper(), "channel": "HNE"})
        header = {"idep": 8, "kevnm": "Alpha Quake", **own}
        if lat is not None:
            header.update(stla=lat, stlo=lon)
        tr.stats.sac = AttribDict(header)
        tr.write(str(tmp_path / f"{name}.sac"), format="SAC")
    (tmp_path / "events.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\nAlpha Quake,6.4,35.7,-117.5,10.5\n")
    (tmp_path / "records.csv").write_text("record_id,rrup (km)\ns1..S1..HNE,12.0\n")
    assert main(["preprocess", str(tmp_path / "*.sac"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", str(tmp_path / "events.csv"), str(tmp_path / "records.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    dist = dict(zip(np.char.lower(store.column("station").astype(str)), store.column("distance_km")))
    expected = np.hypot(_haversine_km(35.7, -117.5, 34.0, -118.0), 10.5)
    assert dist["s0"] == pytest.approx(expected, rel=5e-3) and 150 < expected < 250
    assert dist["s1"] == 12.0                                                   # the record's own row
    assert dist["s2"] == pytest.approx(np.hypot(_haversine_km(36.2, -117.1, 36.0, -117.0), 5.0), rel=5e-3)
    assert np.isnan(dist["s3"])
    # the event's depth is a column of its own (the level model's depth term): the file's own, else the event's
    depth = dict(zip(np.char.lower(store.column("station").astype(str)), store.column("hypo_depth_km")))
    assert (depth["s0"], depth["s1"], depth["s2"], depth["s3"]) == (10.5, 10.5, 5.0, 10.5)


def test_hypocentral_distances_from_a_catalogue_match_the_manifest(tmp_path, strongmotion_dir):
    """MiniSEED + StationXML (Ridgecrest M6.4 foreshock, 18 traces 183–315 km away): with the manifest's
    event hypocentre in a per-event CSV, every stored distance is the manifest's hypocentral distance."""
    rows = [r for r in csv.DictReader(open(strongmotion_dir / "manifest.csv")) if r["event"] == "20190704_ridgecrest_m6.4"]
    r0 = rows[0]
    (tmp_path / "events.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\n"
                                         f"{r0['event']},{r0['magnitude']},{r0['hypo_lat']},{r0['hypo_lon']},{r0['hypo_depth_km']}\n")
    folder = strongmotion_dir / "fdsn_mseed+stationxml" / r0["event"]
    assert main(["preprocess", str(folder), "--out", str(tmp_path / "m.zarr"), "--quiet", "--event-from", "folder",
                 "--metadata", str(tmp_path / "events.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    reference = {(r["network"], r["station"], r["channel"]): float(r["hypocentral_distance_km"]) for r in rows}
    got = {}
    for rid, d in zip(store.record_ids, store.column("distance_km")):
        network, station, _, channel = rid.rsplit("_w", 1)[0].split(".")[-4:]     # …NET.STA.LOC.CHA_w0
        got[(network, station, channel)] = d
    assert len(got) == len(reference) == 18
    for key, ref in reference.items():
        assert got[key] == pytest.approx(ref, rel=1e-3), key


def test_a_hypocentre_that_is_not_in_degrees_is_one_clear_error(tmp_path, capsys):
    write_at2(tmp_path / "a0.AT2", accelerogram(1, n=4000, pga=0.1), 0.01, station="A0", event="Alpha Quake, 1/2/2003")
    (tmp_path / "events.csv").write_text("event,hypo_lat,hypo_lon,hypo_depth_km\nAlpha Quake,-117.5,35.7,10\n")
    assert main(["preprocess", str(tmp_path / "a0.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet",
                 "--metadata", str(tmp_path / "events.csv")]) != 0
    err = capsys.readouterr().err
    assert "events.csv" in err and "hypo_lat -117.5" in err and "swapped" in err


def test_a_station_list_gives_coordinates_and_vs30_to_files_without_them(tmp_path):
    """AT2 files carry no coordinates: a station list (network, station, coordinates, Vs30) with the
    event's hypocentre gives their distance and Vs30; network.station wins over the bare code, a
    record's own row over its station's; a station the list does not name keeps NaN."""
    for name, station in [("a0", "S1"), ("a1", "S2"), ("a2", "S3")]:
        write_at2(tmp_path / f"{name}.AT2", accelerogram(len(name) + ord(name[1]), n=4000, pga=0.1), 0.01,
                  station=station, event="Alpha Quake, 1/2/2003")
    (tmp_path / "events.csv").write_text("event,magnitude,hypo_lat,hypo_lon,hypo_depth_km\nAlpha Quake,6.1,-36.0,-72.5,30\n")
    (tmp_path / "stations.csv").write_text("station,sta_lat,sta_lon,vs30\nS1,-37.0,-72.0,400\nS2,-35.0,-71.0,300\n")
    (tmp_path / "records.csv").write_text("record_id,vs30_mps\na1,650\n")
    assert main(["preprocess", str(tmp_path / "*.AT2"), "--out", str(tmp_path / "m.zarr"), "--quiet", "--metadata",
                 str(tmp_path / "events.csv"), str(tmp_path / "stations.csv"), str(tmp_path / "records.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    rows = {rid.split("_")[0]: i for i, rid in enumerate(store.record_ids)}
    dist, vs30 = store.column("distance_km"), store.column("vs30_mps")
    assert dist[rows["a0"]] == pytest.approx(np.hypot(_haversine_km(-36.0, -72.5, -37.0, -72.0), 30.0), rel=5e-3)
    assert dist[rows["a1"]] == pytest.approx(np.hypot(_haversine_km(-36.0, -72.5, -35.0, -71.0), 30.0), rel=5e-3)
    assert (vs30[rows["a0"]], vs30[rows["a1"]]) == (400, 650)
    assert np.isnan(dist[rows["a2"]]) and np.isnan(vs30[rows["a2"]])


def test_renadic_distances_from_a_station_list_match_the_manifest(tmp_path, strongmotion_dir):
    """RENADIC headers give no station coordinates (0.000): a station list keyed by network and station
    (the manifest's coordinates, which come from gmprocess's RENADIC table) and the event's hypocentre
    give the Maule records their hypocentral distances, as the manifest states them."""
    rows = [r for r in csv.DictReader(open(strongmotion_dir / "manifest.csv")) if r["format"] == "renadic"
            and r["event"] == "20100227_maule"]
    r0 = rows[0]
    (tmp_path / "events.csv").write_text("event,hypo_lat,hypo_lon,hypo_depth_km\n"
                                         f"{r0['event']},{r0['hypo_lat']},{r0['hypo_lon']},{r0['hypo_depth_km']}\n")
    stations = {(r["network"], r["station"]): (r["sta_lat"], r["sta_lon"]) for r in rows}
    (tmp_path / "stations.csv").write_text("network,station,sta_lat,sta_lon\n" + "".join(
        f"{n},{s},{lat},{lon}\n" for (n, s), (lat, lon) in stations.items()))
    assert main(["preprocess", str(strongmotion_dir / "renadic" / r0["event"]), "--out", str(tmp_path / "m.zarr"),
                 "--quiet", "--event-from", "folder", "--metadata", str(tmp_path / "events.csv"),
                 str(tmp_path / "stations.csv")]) == 0
    store = open_store(tmp_path / "m.zarr")
    reference = {r["station"]: float(r["hypocentral_distance_km"]) for r in rows}
    got = dict(zip(store.column("station"), store.column("distance_km")))
    assert set(got) == set(reference) and len(got) == 7
    for station, ref in reference.items():
        assert got[station] == pytest.approx(ref, rel=2e-3), station
