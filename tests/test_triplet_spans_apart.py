"""Segments of a channel overlapping by under half a sample (0.5/fs) are accepted as neighbours, but the spans
around them were cut with each span's own start and end: HNE in two SAC files, 0.006–25.006 s and from 25.002 s
(0.4 samples of overlap), beside continuous HNN and HNZ at 100 Hz, gave HNN's and HNZ's sample 2500 to both span
records (the first ending with it, the second starting with it). A span now starts where the earlier one ends,
so that neighbouring spans share no sample."""
import numpy as np
import obspy

from seisdiff.io.readers import read
from seisdiff.preprocess.groups import triplet_groups

T0 = obspy.UTCDateTime(2020, 1, 1)


def _sac(path, cha, start_s, n):
    """A SAC file of acceleration whose sample k holds its time in samples of 10 ms (start_s * 100 + k), in nm/s²."""
    tr = obspy.Trace((np.arange(n) + start_s * 100).astype(np.float64))
    tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                     "starttime": T0 + start_s})
    tr.stats.sac = obspy.core.AttribDict(idep=8)
    tr.write(str(path), format="SAC")


def test_neighbouring_spans_share_no_sample(tmp_path):
    _sac(tmp_path / "XX.STA.HNN.sac", "HNN", 0.0, 6000)
    _sac(tmp_path / "XX.STA.HNZ.sac", "HNZ", 0.0, 6000)
    _sac(tmp_path / "XX.STA.HNE.1.sac", "HNE", 0.006, 2500)
    _sac(tmp_path / "XX.STA.HNE.2.sac", "HNE", 25.002, 3400)   # 0.4 samples before the first part ends
    recs = [r for p in sorted(tmp_path.glob("*.sac")) for r in read(p)]
    groups, skipped = triplet_groups(recs)
    assert skipped == [] and len(groups) == 2
    hnn = np.concatenate([g.acc_mps2[0] for g in groups]) * 1e9           # back to the samples' times
    assert len(np.unique(np.round(hnn))) == len(hnn)                       # was 2500 twice
    np.testing.assert_allclose(hnn, np.arange(1, 5900), atol=1e-3)         # each once, none lost between the spans
    np.testing.assert_allclose(groups[1].acc_mps2[2] * 1e9, groups[1].acc_mps2[0] * 1e9, atol=1e-3)
