"""A channel with a gap (miniSEED read as several segments, record ids `<id>_<start time>`) gave its station four
traces, so a three-component preprocess and `sample --cond` skipped the station as an 'incomplete three-component
set (HNE, HNE, HNN, HNZ)', with advice that did not name the gap. Each time span where all three channels have data
is now its own three-component record (`<stem>_<span start>`), nothing filled in; an overlap, a span too short,
or traces without start times are skipped with a line naming the channel, its segments and what to do."""
from pathlib import Path

import numpy as np
import obspy

from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import triplet_groups
from seisdiff.io.readers import read
from seisdiff.preprocess.whole import prepare_conditioning

T0 = obspy.UTCDateTime(2020, 1, 1)


def _mseed(folder: Path, hne_pieces=((0.0, 25.0), (27.0, 60.0))) -> Path:
    """XX.STA HNN, HNZ 60 s at 100 Hz; HNE in `hne_pieces` (start, end in s): by default a 2 s gap at 25 s."""
    rng = np.random.default_rng(1)
    st = obspy.Stream()
    for cha in ("HNN", "HNE", "HNZ"):
        x = (np.convolve(rng.standard_normal(6000), np.hanning(40), mode="same") * 0.1).astype(np.float32)
        pieces = hne_pieces if cha == "HNE" else ((0.0, 60.0),)
        for a, b in pieces:
            tr = obspy.Trace(x[int(a * 100):int(b * 100)].copy())
            tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                             "starttime": T0 + a})
            st += tr
    path = folder / "XX.STA.mseed"
    st.write(str(path), format="MSEED")
    return path


def test_a_gapped_channel_gives_one_triplet_per_span_with_all_three(tmp_path):
    _mseed(tmp_path)
    prepared = prepare_conditioning([str(tmp_path)], tmp_path / "c.zarr", PreprocessConfig(), n_channels=3,
                                    units="m/s^2", progress=False)
    store = prepared.store
    assert prepared.skipped == []                       # was 3 × 'incomplete three-component set'
    assert store.record_ids.tolist() == ["XX.STA.XX.STA..HN_20200101T000000.000000",
                                       "XX.STA.XX.STA..HN_20200101T000027.000000"]
    assert store.column("n_samples").tolist() == [2500, 3300]
    assert [t[:26] for t in store.column("start_time")] == ["2020-01-01T00:00:00.000000", "2020-01-01T00:00:27.000000"]
    assert store.column("channel").tolist() == ["HNN,HNE,HNZ"] * 2
    assert any("each time span" in line for line in prepared.notes)


def test_the_spans_hold_each_channels_own_samples(tmp_path):
    recs = read(_mseed(tmp_path), units="m/s^2")
    groups, skipped = triplet_groups(recs)
    assert skipped == [] and len(groups) == 2
    hnn = next(r for r in recs if r.component == "HNN")
    second = next(r for r in recs if r.component == "HNE" and r.start_time.startswith("2020-01-01T00:00:27"))
    np.testing.assert_array_equal(groups[1].acc_mps2[0], hnn.acc_mps2[2700:6000])
    np.testing.assert_array_equal(groups[1].acc_mps2[1], second.acc_mps2)


def test_an_overlap_or_a_short_span_is_skipped_naming_the_segments(tmp_path):
    recs = read(_mseed(tmp_path, ((0.0, 30.0), (28.0, 60.0))), units="m/s^2")
    groups, skipped = triplet_groups(recs)
    assert groups == [] and len(skipped) == 4
    assert all("XX.STA..HNE in 2 traces" in reason and "merge" in reason for _, reason in skipped)
    recs = read(_mseed(tmp_path, ((0.0, 55.0), (57.0, 60.0))), units="m/s^2")
    groups, skipped = triplet_groups(recs, min_span_s=10.0)
    assert len(groups) == 1 and groups[0].acc_mps2.shape == (3, 5500)
    assert len(skipped) == 3 and all("3 s" in reason and "shorter than 10 s" in reason for _, reason in skipped)


def test_preprocess_stores_each_span_of_a_gapped_station(tmp_path):
    from seisdiff.io.store import open_store
    from seisdiff.preprocess.run import run_preprocess

    _mseed(tmp_path)
    summary = run_preprocess([str(tmp_path / "XX.STA.mseed")], tmp_path / "s.zarr", PreprocessConfig(length=1024),
                             units="m/s^2", components="3", progress=False)
    assert summary.skipped == []                        # was 4 × 'incomplete three-component set'
    ids = open_store(tmp_path / "s.zarr").record_ids.tolist()
    assert sorted({i.rsplit("_w", 1)[0] for i in ids}) == ["XX.STA.XX.STA..HN_20200101T000000.000000",
                                                          "XX.STA.XX.STA..HN_20200101T000027.000000"]


def test_a_trace_in_no_span_with_the_other_two_is_reported(tmp_path):
    """A second recording of HNE and HNN (a later event, no Z) shares no time with a Z: reported, not dropped."""
    import dataclasses
    recs = read(_mseed(tmp_path), units="m/s^2")
    later = [dataclasses.replace(r, record_id=r.record_id + "_later", start_time="2020-01-02T00:00:00.000000+00:00")
             for r in recs if r.component in ("HNN", "HNE") and r.start_time.startswith("2020-01-01T00:00:00")]
    groups, skipped = triplet_groups(recs + later)
    assert len(groups) == 2 and [g.start_time[:19] for g in groups] == ["2020-01-01T00:00:00", "2020-01-01T00:00:27"]
    assert sorted(r.record_id for r, _ in skipped) == sorted(r.record_id for r in later)
    assert all("lacks a channel for the recording at 2020-01-02T00:00:00" in reason for _, reason in skipped)
