"""The event's date (whole-record column `event_date`, YYYY-MM-DD, '' unknown) from input to output.

A PEER AT2 gives the event's date on line 2 (`Chuetsu-oki, 7/16/2007, FKS031, EW`) but no time of day, so no
start time: `sample --cond FILE.AT2 --format at2` wrote `Chuetsu-oki, , FKS031, EW` (the exporter took the date
from the start time, which AT2 has not), and SAC/zarr outputs had no date either. The date is now its own column,
never a start time: AT2 line 2 in PEER's form, SAC kuser2 (YYYYMMDD; the reference time stays undefined)."""
import numpy as np
import obspy
import pytest
from synth import accelerogram

from seisdiff.cli import main
from seisdiff.io.export import export_records
from seisdiff.io.readers import read
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import prepare_conditioning

pytestmark = pytest.mark.filterwarnings("ignore:Sample spacing read from SAC file")
REAL = "RSN5000_CHUETSU_FKS031EW.AT2"      # `Chuetsu-oki, 7/16/2007, FKS031, EW`, 8900 samples at 100 Hz
CFG = PreprocessConfig(sampling_rate_hz=100.0, lowpass_hz=1.0, length=512, band_hz=(0.1, 30.0), min_duration_s=5.0,
                       margin_s=10.0)


@pytest.fixture(scope="module")
def ckpt(tiny):
    return tiny.ckpt          # the session's tiny model (100 Hz, 1 Hz crossover, whole-record settings)


def _sample(ckpt, *args):
    return main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 "--no-level-model", *map(str, args)])


def _at2(path, line2, n=3001):
    values_g = accelerogram(3, n=n, fs_hz=100.0) / 9.80665
    path.write_text("PEER NGA STRONG MOTION DATABASE RECORD\n" + line2 + "\nACCELERATION TIME SERIES IN UNITS OF G\n"
                    f"NPTS= {n}, DT= .0100 SEC\n" + "\n".join("%15.7E" % v for v in values_g) + "\n")
    return path


@pytest.fixture
def inputs(tmp_path, request):
    """A folder with one AT2: a synthetic one, or the real NGA-West2 record (skipped without the shared data)."""
    folder = tmp_path / "in"
    folder.mkdir()
    if request.param == "real":
        ngaw2 = request.getfixturevalue("ngaw2_dir")          # skips without the shared data
        (folder / REAL).write_bytes((ngaw2 / REAL).read_bytes())
        return folder, "Chuetsu-oki, 7/16/2007, FKS031, EW", "2007-07-16"
    _at2(folder / "SYN.AT2", "Imperial Valley-06, 10/15/1979, El Centro Array #9, 180")
    return folder, "Imperial Valley-06, 10/15/1979, El Centro Array #9, 180", "1979-10-15"


@pytest.mark.parametrize("inputs", ["synthetic", "real"], indirect=True)
def test_at2_in_at2_out_keeps_the_title_lines_date(ckpt, tmp_path, inputs):
    folder, line2, iso = inputs
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "at2", "--format", "at2") == 0
    (out,) = (tmp_path / "at2").glob("*.AT2")
    assert out.read_text().splitlines()[1] == line2            # was 'Chuetsu-oki, , FKS031, EW'
    (rec,) = read(out)
    assert rec.metadata["event_date"] == iso and rec.start_time == ""


@pytest.mark.parametrize("inputs", ["synthetic"], indirect=True)
def test_sac_output_carries_the_date_and_no_start_time(ckpt, tmp_path, inputs):
    folder, _, iso = inputs
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "sac", "--format", "sac") == 0
    (out,) = (tmp_path / "sac").glob("*.sac")
    sac = obspy.read(str(out))[0].stats.sac
    assert sac.kuser2 == iso.replace("-", "") and "nzyear" not in sac     # no invented reference (start) time
    (rec,) = read(out)
    assert rec.metadata["event_date"] == iso and rec.start_time == ""


@pytest.mark.parametrize("inputs", ["synthetic"], indirect=True)
def test_store_output_carries_the_date_and_no_start_time(ckpt, tmp_path, inputs):
    folder, _, iso = inputs
    assert _sample(ckpt, "--cond", folder, "--out", tmp_path / "gen.zarr") == 0
    store = open_store(tmp_path / "gen.zarr")
    assert store.column("event_date").tolist() == [iso] and store.column("start_time").tolist() == [""]


def test_export_prefers_the_events_date_to_the_start_times(tmp_path):
    """A record that starts after midnight UTC of its event's day: line 2 gives the event's date."""
    meta = [{"event": "Quake", "station": "STA", "channel": "HNE", "event_date": "2020-01-01",
             "start_time": "2020-01-02T00:00:30"}]
    (path,) = export_records(tmp_path, "at2", np.zeros((1, 100)), 100.0, ["r"], meta)
    assert path.read_text().splitlines()[1] == "Quake, 1/1/2020, STA, HNE"
    for bad in ("", "2020-13-01", "yesterday"):          # not a date: unknown, nothing written
        (path,) = export_records(tmp_path, "sac", np.zeros((1, 100)), 100.0, ["s"], [{"event_date": bad}])
        assert "kuser2" not in obspy.read(str(path))[0].stats.sac
        assert "event_date" not in read(path)[0].metadata


def test_foreign_sac_kuser2_is_no_date(tmp_path):
    """kuser2 is a user field: only seisdiff's own files (kuser1 = seisdiff) hold the date there."""
    tr = obspy.Trace(np.sin(np.arange(1000) / 10.0).astype(np.float32) * 1e8)
    tr.stats.sampling_rate = 100.0
    tr.stats.sac = obspy.core.AttribDict(idep=8, kuser2="20070716")
    tr.write(str(tmp_path / "f.sac"), format="SAC")
    assert "event_date" not in read(tmp_path / "f.sac")[0].metadata


@pytest.mark.parametrize("column, value", [("event_date", "2004-02-03"), ("component", "H2")])
def test_old_conditioning_cache_without_the_column_is_rebuilt(tmp_path, column, value):
    """A conditioning store made before the column would be reused and give every output an unknown date (or
    the model a vertical flag from the raw channel name)."""
    folder = tmp_path / "in"
    folder.mkdir()
    _at2(folder / "SYN.AT2", "Quake, 2/3/2004, STA, 090")
    out = tmp_path / "cond.zarr"
    prepare_conditioning([str(folder)], out, CFG, progress=False)
    import zarr
    group = zarr.open_group(str(out), mode="r+")
    group.attrs["columns"] = [c for c in group.attrs["columns"] if c != column]     # as made before it
    del group[column]
    prepared = prepare_conditioning([str(folder)], out, CFG, progress=False)
    assert any(column in note for note in prepared.notes)
    assert prepared.store.column(column).tolist() == [value]


def test_records_stored_before_the_column_read_unknown(tmp_path):
    """An output store written before the column, resumed: its earlier records read '' (the store's rule)."""
    writer = create_store(tmp_path / "s.zarr", sampling_rate_hz=100.0, length=8, lowpass_hz=1.0)
    signal = np.ones((1, 1, 8), np.float32)
    writer.append(signal, signal, ["a"], {"start_time": np.array([""])})
    writer.append(signal, signal, ["b"], {"start_time": np.array([""]), "event_date": np.array(["2004-02-03"])})
    assert open_store(tmp_path / "s.zarr").column("event_date").tolist() == ["", "2004-02-03"]


@pytest.mark.parametrize("relative, iso", [("bhrc/20120811_ahar/5520-1.V1", "2012-08-11"),
                                           ("dmg/19871001_whittier/MTWILSON.V2", "1987-10-01"),
                                           ("usc/19871001_whittier/274o42pv.s0a", "1987-10-01")])
def test_native_headers_without_a_start_time_give_the_events_date(strongmotion_dir, relative, iso):
    """BHRC, DMG, USC: the header's event time, no (reliable) start time: the date, still no start time."""
    rec = read(strongmotion_dir / relative)[0]
    assert (rec.metadata["event_date"], rec.start_time) == (iso, "")


@pytest.mark.parametrize("line2, iso", [("Quake, 2/30/2007, STA, EW", ""), ("Quake, 13/1/2007, STA, EW", ""),
                                        ("Quake, 2/28/2007, STA, EW", "2007-02-28"),
                                        ("QUAKE 02/29/00 1231, STA, EW", "2000-02-29")])
def test_a_day_no_calendar_has_is_no_date(tmp_path, line2, iso):
    """Line 2's `2/30/2007` was read as event_date '2007-02-30', which no date parser takes: unknown now; the
    station and component stay in their places."""
    (rec,) = read(_at2(tmp_path / "x.AT2", line2, n=10))
    assert (rec.metadata.get("event_date", ""), rec.station, rec.component) == (iso, "STA", "EW")
