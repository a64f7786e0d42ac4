"""`sample` on a miniSEED file whose channel comes in several segments (a gap or an overlap between them;
ObsPy reads each segment as its own trace, `io.obspy_io` names each `<id>_<start time>`): every segment keeps
the file's NET.STA.LOC.CHA codes (the location code too) and the run says, in one line, that the segments
are generated as separate records. Conditioning only (`preprocess.whole`): no model needed."""

import numpy as np
import obspy

from seisdiff.io.readers import read
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import location_code
from seisdiff.preprocess.whole import prepare_conditioning

START = obspy.UTCDateTime("2021-03-04T05:06:07.25")


def _trace(values, start, sta="GAP"):
    tr = obspy.Trace(np.asarray(values, dtype=np.float64))
    tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": sta, "location": "00", "channel": "HNE",
                     "starttime": start})
    return tr


def _signal(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(n), np.hanning(50), mode="same") * 0.01


def _gapped(path, gap_s=5.0):
    """XX.GAP.00.HNE in two segments of 30 s and 40 s with gap_s missing between them (negative: overlap)."""
    x = _signal(8000)
    obspy.Stream([_trace(x[:3000], START), _trace(x[3000:], START + 30.0 + gap_s)]).write(str(path), format="MSEED")


def test_segments_keep_location_code(tmp_path):
    _gapped(tmp_path / "gap.mseed")
    records = read(tmp_path / "gap.mseed", units="m/s^2")
    assert len(records) == 2 and all(r.record_id.endswith(("T050607.250000", "T050642.250000")) for r in records)
    assert [location_code(r) for r in records] == ["00", "00"]
    store = prepare_conditioning([str(tmp_path / "gap.mseed")], tmp_path / "c.zarr", PreprocessConfig(),
                                 units="m/s^2", progress=False).store
    assert store.column("location").tolist() == ["00", "00"]
    assert store.column("channel").tolist() == ["HNE", "HNE"]


def test_segments_are_named_in_one_line_each(tmp_path):
    """A gap and an overlap: one note line per channel, naming the joint and its length; a file of one
    segment per channel gets none."""
    _gapped(tmp_path / "gap.mseed", gap_s=5.0)
    _gapped(tmp_path / "overlap.mseed", gap_s=-2.0)
    obspy.Stream([_trace(_signal(6000), START, sta="ONE")]).write(str(tmp_path / "one.mseed"), format="MSEED")
    prepared = prepare_conditioning([str(tmp_path / n) for n in ("gap.mseed", "overlap.mseed", "one.mseed")],
                                    tmp_path / "c.zarr", PreprocessConfig(), units="m/s^2", progress=False)
    lines = [n for n in prepared.notes if "segments" in n]
    assert len(lines) == 2 and len(prepared.store) == 5
    assert "gap.mseed: XX.GAP.00.HNE comes in 2 segments (a gap of 5 s ending at 2021-03-04T05:06:42.250000" in lines[0]
    overlap = "overlap.mseed: XX.GAP.00.HNE comes in 2 segments (an overlap of 2 s from 2021-03-04T05:06:35.250000"
    assert overlap in lines[1]
