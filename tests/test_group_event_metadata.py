"""A three-component record's event (date, origin time, magnitude, hypocentre, distance) as its files give it.

Preprocess and `sample`'s whole-record conditioning took each from the record's first file (in channel order, H1):
three AT2 files of one station and event name whose dates differ (360: 2/4/2004; 090 and UP: 2/3/2004) gave the
record event_date '2004-02-04' without a word, and a date or hypocentre given only by the vertical's file was lost
(event_date '', hypo_lat NaN). Now a field is the one the files that give it agree on, unknown (with one stderr
line naming the files and their values) when they disagree."""
import math

import numpy as np
import obspy
import pytest
from synth import accelerogram

from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess
from seisdiff.preprocess.whole import prepare_conditioning

CFG = PreprocessConfig(sampling_rate_hz=100.0, lowpass_hz=1.0, length=512, band_hz=(0.1, 30.0), min_duration_s=5.0,
                       margin_s=10.0)


def _at2_triplet(folder, dates):
    folder.mkdir()
    for seed, (cha, date) in enumerate(zip(("090", "360", "UP"), dates)):
        values_g = accelerogram(seed, n=3001, fs_hz=100.0) / 9.80665
        line2 = f"Quake, {date}, STA, {cha}" if date else f"Quake, STA, {cha}"
        (folder / f"Q_STA{cha}.AT2").write_text(
            "PEER NGA STRONG MOTION DATABASE RECORD\n" + line2 + "\nACCELERATION TIME SERIES IN UNITS OF G\n"
            "NPTS= 3001, DT= .0100 SEC\n" + "\n".join("%15.7E" % v for v in values_g) + "\n")
    return folder


@pytest.mark.parametrize("dates, expected, warned", [
    (("2/3/2004", "2/4/2004", "2/3/2004"), "", True),            # was the 360's (H1, the first) 2004-02-04
    (("", "", "2/4/2004"), "2004-02-04", False),                  # was '' (the 360 gives none)
    (("2/3/2004", "2/3/2004", "2/3/2004"), "2004-02-03", False)])
def test_whole_record_event_date_is_the_files_date(tmp_path, dates, expected, warned):
    folder = _at2_triplet(tmp_path / "in", dates)
    prepared = prepare_conditioning([str(folder)], tmp_path / "c.zarr", CFG, n_channels=3, progress=False)
    assert prepared.store.column("event_date").tolist() == [expected]
    lines = [line for _, line in prepared.warnings if "disagree" in line]
    assert len(lines) == int(warned)
    if warned:
        assert all(s in lines[0] for s in ("Q_STA360.AT2: 2004-02-04", "Q_STA090.AT2, Q_STAUP.AT2: 2004-02-03"))


def _sac_triplet(folder, hypocentres):
    folder.mkdir()
    for seed, (cha, hypo) in enumerate(zip(("HNN", "HNE", "HNZ"), hypocentres)):
        tr = obspy.Trace((accelerogram(seed, n=6000, fs_hz=100.0)).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                         "starttime": obspy.UTCDateTime(2020, 1, 1)})
        tr.stats.sac = obspy.core.AttribDict(idep=8, stla=34.0, stlo=-118.0)   # idep 8: acceleration, nm/s²
        if hypo:
            tr.stats.sac.update({"evla": hypo[0], "evlo": -118.3, "evdp": 10.0, "mag": 5.5})
        tr.write(str(folder / f"XX.STA.{cha}.sac"), format="SAC")
    return folder


@pytest.mark.parametrize("hypocentres, hypo_lat", [((None, None, (34.2,)), 34.2),      # was NaN (HNN gives none)
                                                   (((34.5,), (34.2,), (34.2,)), math.nan)])  # was HNN's 34.5
@pytest.mark.filterwarnings("ignore:Sample spacing read from SAC file")
def test_preprocess_hypocentre_is_the_files_hypocentre(tmp_path, capsys, hypocentres, hypo_lat):
    folder = _sac_triplet(tmp_path / "in", hypocentres)
    run_preprocess([str(folder)], tmp_path / "s.zarr", CFG, components="three", progress=False, units="m/s^2")
    store = open_store(tmp_path / "s.zarr")
    assert len(store) >= 1
    got = store.column("hypo_lat")
    assert np.allclose(got, hypo_lat, equal_nan=True) and np.isfinite(store.column("distance_km")).all() == (
        not math.isnan(hypo_lat))
    lines = [line for line in capsys.readouterr().err.splitlines() if "disagree" in line]
    assert len(lines) == int(math.isnan(hypo_lat))


@pytest.mark.filterwarnings("ignore:Sample spacing read from SAC file")
def test_a_triplets_region_comes_from_the_hypocentre_its_files_give(tmp_path):
    """Files without station coordinates whose hypocentre only the vertical gives: the record's region was read
    from the first file's metadata (none: region '') while its hypocentre columns came from the group."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed, cha in enumerate(("HNN", "HNE", "HNZ")):
        tr = obspy.Trace((accelerogram(seed, n=6000, fs_hz=100.0)).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                         "starttime": obspy.UTCDateTime(2020, 1, 1)})
        tr.stats.sac = obspy.core.AttribDict(idep=8)
        if cha == "HNZ":
            tr.stats.sac.update({"evla": 38.0, "evlo": 141.0, "evdp": 10.0, "mag": 6.0})   # off north-east Japan
        tr.write(str(folder / f"XX.STA.{cha}.sac"), format="SAC")
    run_preprocess([str(folder)], tmp_path / "s.zarr", CFG, components="three", progress=False, units="m/s^2")
    assert set(open_store(tmp_path / "s.zarr").column("region").tolist()) == {"japan"}
    prepared = prepare_conditioning([str(folder)], tmp_path / "c.zarr", CFG, n_channels=3, progress=False,
                                    units="m/s^2")
    assert prepared.store.column("region").tolist() == ["japan"]
