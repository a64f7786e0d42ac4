"""A station's second event lacking a channel (HNN and HNE, no HNZ, in their own files) was skipped with advice to
merge each channel's segments into one trace (ObsPy st.merge), which is wrong for separate recordings: merging
cannot give the missing channel. Traces more than a minute from the station's others are a recording of their own;
one lacking a channel is skipped saying so, at its start, with --components each to keep it."""
from pathlib import Path

import numpy as np
import obspy

from seisdiff.io.readers import read
from seisdiff.preprocess.groups import triplet_groups

T0 = obspy.UTCDateTime(2020, 1, 1)


def _files(folder: Path, start, pieces: dict) -> list:
    """XX.STA records read from one miniSEED file per channel: {channel: ((start s, end s), …)} from `start`."""
    folder.mkdir()
    for cha, spans in pieces.items():
        st = obspy.Stream()
        for a, b in spans:
            tr = obspy.Trace(np.random.default_rng(7).standard_normal(int((b - a) * 100)).astype(np.float32))
            tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                             "starttime": start + a})
            st += tr
        st.write(str(folder / f"XX.STA.{cha}.mseed"), format="MSEED")
    return [r for p in sorted(folder.glob("*.mseed")) for r in read(p, units="m/s^2")]


def test_a_second_event_lacking_a_channel_is_skipped_naming_its_recording(tmp_path):
    whole = _files(tmp_path / "ev1", T0, {c: ((0, 30),) for c in ("HNN", "HNE", "HNZ")})
    later = _files(tmp_path / "ev2", T0 + 86400, {c: ((0, 30),) for c in ("HNN", "HNE")})
    groups, skipped = triplet_groups(whole + later)
    assert len(groups) == 1 and sorted(r.record_id for r, _ in skipped) == sorted(r.record_id for r in later)
    for _, reason in skipped:
        assert "lacks a channel for the recording at 2020-01-02T00:00:00" in reason, reason
        assert "no Z" in reason and "--components each" in reason and "merge(" not in reason, reason


def test_two_events_both_lacking_a_channel_name_each_recording(tmp_path):
    first = _files(tmp_path / "ev1", T0, {c: ((0, 30),) for c in ("HNN", "HNE")})
    later = _files(tmp_path / "ev2", T0 + 3600, {c: ((0, 30),) for c in ("HNN", "HNE")})
    groups, skipped = triplet_groups(first + later)
    assert groups == [] and len(skipped) == 4
    starts = sorted(reason.split("recording at ")[1][:19] for _, reason in skipped)
    assert starts == ["2020-01-01T00:00:00"] * 2 + ["2020-01-01T01:00:00"] * 2, skipped
    assert all("merge(" not in reason for _, reason in skipped)


def test_segments_of_one_recording_keep_the_advice_to_merge(tmp_path):
    """HNE overlapping itself by 2 s within one recording: merging its segments is the fix."""
    recs = _files(tmp_path / "ev1", T0, {"HNN": ((0, 60),), "HNE": ((0, 30), (28, 60)), "HNZ": ((0, 60),)})
    groups, skipped = triplet_groups(recs)
    assert groups == [] and len(skipped) == 4
    assert all("merge(" in reason and "lacks a channel" not in reason for _, reason in skipped)
