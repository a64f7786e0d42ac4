"""A three-component span (`groups.gap_spans`) was cut from each trace with its start and end rounded apart, halves to
even, while a record's samples at the model's rate are counted halves up (`whole.samples_at`): HNE's second segment,
7753 samples at 200 Hz (38.765 s) from 1.5 samples after HNN's and HNZ's grid, gave the span record 7752 samples
(HNN, HNZ cut at round(6001.5) = 6002 to round(13754.5) = 13754), 3876 at 100 Hz, where HNE's segment alone (the
single-component path) gives 3877. The span's samples are now counted once, halves up, for its three traces."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from seisdiff.io.record import Record
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import single_groups, triplet_groups
from seisdiff.preprocess.whole import condition_whole, samples_at

T0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
FS_HZ = 200.0


def _trace(cha: str, start_s: float, n: int, seed: int) -> Record:
    return Record(np.random.default_rng(seed).standard_normal(n) * 0.01, FS_HZ, f"XX.STA..{cha}_{start_s:g}",
                  station="STA", component=cha, network="XX", start_time=(T0 + timedelta(seconds=start_s)).isoformat(),
                  source_file=f"XX.STA.{cha}.{start_s:g}.mseed")


@pytest.mark.parametrize("offset_s", [0.0, 0.0025, 0.0075, 0.004])
def test_a_span_has_the_samples_of_its_trace_alone(offset_s):
    hne = _trace("HNE", 30.0 + offset_s, 7753, 3)                     # 38.765 s: the span where all three have data
    recs = [_trace("HNN", 0.0, 20000, 1), _trace("HNZ", 0.0, 20000, 2), _trace("HNE", offset_s, 4000, 4), hne]
    groups, skipped = triplet_groups(recs)
    assert skipped == [] and len(groups) == 2
    span = groups[1]
    assert span.acc_mps2.shape == (3, 7753)                           # was (3, 7752) at 0.0075 s
    cfg = PreprocessConfig()
    (single,) = single_groups([hne])
    three, one = (condition_whole(g.acc_mps2, FS_HZ, cfg)[0] for g in (span, single))
    assert three.shape[-1] == one.shape[-1] == samples_at(7753, FS_HZ, cfg.sampling_rate_hz) == 3877   # was 3876
    np.testing.assert_array_equal(span.acc_mps2[1], hne.acc_mps2)     # HNE's own samples, none dropped
