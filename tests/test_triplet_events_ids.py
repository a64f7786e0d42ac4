"""One station's three-component recordings of two events whose files name no event (two event folders given
as inputs, as Ridgecrest CI.MIKB's in shared/data/strongmotion) were grouped as time spans (`gap_spans`) with ids
`<stem>_<span start>`, while the first event's files given alone make `<stem>`: a preprocess of the first event,
then of both, stored the first event's record twice (CI.MIKB..HN_w0 and CI.MIKB..HN_20190704T173319.039500_w0, same
files), and with a location code both were renamed `<stem>_00`. A span of three whole traces that no other span
uses now keeps the id the three have on their own; the other event's is `<folder>.<id>` as in `--components each`."""
from pathlib import Path

import numpy as np
import obspy
import pytest

from seisdiff.io.readers import read
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import triplet_groups
from seisdiff.preprocess.run import run_preprocess

T0 = obspy.UTCDateTime(2020, 1, 1)


def _triplet(folder: Path, start, location: str) -> None:
    """XX.STA.<location>.HN? 30 s at 100 Hz from `start`, one miniSEED file per channel."""
    folder.mkdir()
    rng = np.random.default_rng(int(start.timestamp) % 1000)
    for cha in ("HNN", "HNE", "HNZ"):
        tr = obspy.Trace(rng.standard_normal(3000).astype(np.float32) * 0.1)
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "location": location,
                         "channel": cha, "starttime": start})
        tr.write(str(folder / f"XX.STA.{location}.{cha}.mseed"), format="MSEED")


@pytest.mark.parametrize("location", ["", "00"])
def test_a_second_events_files_do_not_store_the_first_again(tmp_path, location):
    _triplet(tmp_path / "ev1", T0, location)
    _triplet(tmp_path / "ev2", T0 + 86400, location)
    out, cfg = tmp_path / "s.zarr", PreprocessConfig(length=1024)
    run_preprocess([str(tmp_path / "ev1")], out, cfg, units="m/s^2", components="3", progress=False)
    summary = run_preprocess([str(tmp_path / "ev1"), str(tmp_path / "ev2")], out, cfg, units="m/s^2",
                             components="3", progress=False)
    stem = f"XX.STA.{location}.HN"
    assert open_store(out).record_ids.tolist() == [f"{stem}_w0", f"ev2.{stem}_w0"]   # was 3: ev1's twice
    assert summary.stored == 1 and summary.already == 1


def test_each_events_triplet_is_its_three_whole_traces(tmp_path):
    _triplet(tmp_path / "ev1", T0, "00")
    _triplet(tmp_path / "ev2", T0 + 86400, "00")
    recs = [r for f in sorted(tmp_path.glob("ev*/*.mseed")) for r in read(f, units="m/s^2")]
    groups, skipped = triplet_groups(recs)
    assert skipped == [] and [g.group_id for g in groups] == ["XX.STA.00.HN"] * 2
    assert [g.start_time[:19] for g in groups] == ["2020-01-01T00:00:00", "2020-01-02T00:00:00"]
    hnz = next(r for r in recs if r.component == "HNZ" and "ev2" in r.source_file)
    np.testing.assert_array_equal(groups[1].acc_mps2[2], hnz.acc_mps2)


def test_segments_of_one_file_keep_their_span_ids(tmp_path):
    """All three channels with one gap, in one file: two spans of the same file keep `<stem>_<span start>`."""
    st = obspy.Stream()
    for cha in ("HNN", "HNE", "HNZ"):
        for a, b in ((0.0, 25.0), (27.0, 60.0)):
            tr = obspy.Trace(np.random.default_rng(int(a)).standard_normal(int((b - a) * 100)).astype(np.float32))
            tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                             "starttime": T0 + a})
            st += tr
    st.write(str(tmp_path / "XX.STA.mseed"), format="MSEED")
    groups, skipped = triplet_groups(read(tmp_path / "XX.STA.mseed", units="m/s^2"))
    assert skipped == [] and [g.group_id for g in groups] == ["XX.STA.XX.STA..HN_20200101T000000.000000",
                                                              "XX.STA.XX.STA..HN_20200101T000027.000000"]
