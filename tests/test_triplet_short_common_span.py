"""Three traces whose common span was under half the longest (`MIN_COMMON_SPAN_FRACTION`) were skipped whole: HNZ
300 s with HNN and HNE 100 s inside it lost 100 s of good three-component data, while a channel with a gap keeps
each span of at least the minimum duration (`gap_spans`). The common span is now kept when it is at least
min_span_s (the minimum duration), with one line saying how much of which channel is left out; shorter spans and
traces sharing no time are skipped, saying which."""
import numpy as np
import obspy

from seisdiff.io.record import Record
from seisdiff.preprocess.groups import triplet_groups

FS = 100.0
T0 = obspy.UTCDateTime(2020, 1, 1)


def _records(starts_s, lengths_s):
    """XX.STA HNN, HNE, HNZ from T0 + starts_s, each on one time axis (sample k at T0 + k / FS holds k + 1000 c)."""
    recs = []
    for c, (cha, a, d) in enumerate(zip(("HNN", "HNE", "HNZ"), starts_s, lengths_s)):
        x = np.arange(round(a * FS), round((a + d) * FS), dtype=float) + 1e6 * c
        recs.append(Record(acc_mps2=x, sampling_rate_hz=FS, record_id=f"XX.STA..{cha}", station="STA", component=cha,
                           network="XX", start_time=str(T0 + a), source_file=f"/in/XX.STA..{cha}.mseed"))
    return recs


def test_a_common_span_of_at_least_the_minimum_duration_is_kept_naming_what_is_left_out():
    groups, skipped = triplet_groups(_records((100, 100, 0), (100, 100, 300)), min_span_s=10.0)
    assert skipped == [] and len(groups) == 1                     # was skipped: 100 s of 300 s, under 50 %
    (g,) = groups
    np.testing.assert_array_equal(g.acc_mps2, np.arange(10000, 20000) + 1e6 * np.arange(3)[:, None])
    assert g.start_time[:19] == "2020-01-01T00:01:40"
    (line,) = g.warnings
    assert "XX.STA..HNZ.mseed HNZ: 200 s of 300 s" in line, line
    assert "HNN.mseed" not in line and "HNE.mseed" not in line, line


def test_a_common_span_shorter_than_the_minimum_duration_or_none_is_skipped_saying_which():
    groups, skipped = triplet_groups(_records((100, 100, 0), (100, 100, 300)), min_span_s=150.0)
    assert groups == [] and len(skipped) == 3
    assert all("share 100 s, shorter than the minimum duration 150 s" in r for _, r in skipped), skipped[0][1]
    groups, skipped = triplet_groups(_records((0, 0, 100), (10, 10, 10)), min_span_s=1.0)
    assert groups == [] and len(skipped) == 3
    assert all("share no time" in r and "--components each" in r for _, r in skipped), skipped[0][1]


def test_a_common_span_over_half_the_longest_stays_silent():
    groups, skipped = triplet_groups(_records((0, 1, 2), (60, 60, 60)), min_span_s=10.0)
    assert skipped == [] and groups[0].acc_mps2.shape == (3, 5800) and groups[0].warnings == []
