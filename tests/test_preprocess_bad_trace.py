"""One unusable trace of a file is reported on its own line; the file's good traces are stored."""
import csv

import numpy as np
import obspy

from seisdiff.io.store import open_store
from seisdiff.preprocess import run_preprocess
from seisdiff.preprocess.run import REPORT_NAME


def _trace(data, channel, start=obspy.UTCDateTime(2020, 1, 1)):
    return obspy.Trace(np.asarray(data, np.float64), header=dict(network="XX", station="GOOD", channel=channel,
                                                                   sampling_rate=100.0, starttime=start))


def test_one_bad_trace_keeps_the_files_good_traces(tmp_path):
    rng = np.random.default_rng(0)
    # a dead (all-zero) vertical beside two good horizontals
    obspy.Stream([_trace(rng.normal(0, 0.1, 6000), "HNE"), _trace(rng.normal(0, 0.1, 6000), "HNN"),
                  _trace(np.zeros(6000), "HNZ")]).write(str(tmp_path / "deadz.mseed"), format="MSEED")
    # a 120 s segment, a gap, then a 5 s fragment of the same channel
    obspy.Stream([_trace(rng.normal(0, 0.1, 12000), "HNE"),
                  _trace(rng.normal(0, 0.1, 500), "HNE", obspy.UTCDateTime(2020, 1, 1, 0, 5))]
                 ).write(str(tmp_path / "gap.mseed"), format="MSEED")
    out = tmp_path / "s.zarr"
    summary = run_preprocess([str(tmp_path / "deadz.mseed"), str(tmp_path / "gap.mseed")], out, progress=False,
                             units="m/s^2", workers=1)
    assert summary.records_in == 5
    ids = open_store(out).record_ids.tolist()
    assert any("HNE" in i and "deadz" in i for i in ids) and any("HNN" in i for i in ids)
    assert not any("HNZ" in i for i in ids)
    assert sum("gap" in i for i in ids) >= 1          # the 120 s segment (one or more windows)
    reasons = dict(summary.skipped)
    assert len(summary.skipped) == 2
    assert "HNZ" in reasons[str(tmp_path / "deadz.mseed")] and "all samples are zero" in reasons[
        str(tmp_path / "deadz.mseed")]
    assert "only 5.00 s long" in reasons[str(tmp_path / "gap.mseed")]
    with open(out / REPORT_NAME, newline="") as fh:
        rows = list(csv.DictReader(fh))
    statuses = {(r["file"], r["status"]) for r in rows}
    assert (str(tmp_path / "deadz.mseed"), "stored") in statuses
    assert (str(tmp_path / "deadz.mseed"), "skipped") in statuses
    assert (str(tmp_path / "gap.mseed"), "stored") in statuses


def test_sample_conditioning_keeps_the_good_traces_of_a_file_with_a_dead_one(tmp_path):
    """`sample`'s waveform inputs (preprocess.whole) are checked trace by trace as preprocess's are."""
    from seisdiff.preprocess.condition import PreprocessConfig
    from seisdiff.preprocess.whole import prepare_conditioning

    rng = np.random.default_rng(1)
    obspy.Stream([_trace(rng.normal(0, 0.1, 6000), "HNE"), _trace(rng.normal(0, 0.1, 6000), "HNN"),
                  _trace(np.zeros(6000), "HNZ")]).write(str(tmp_path / "deadz.mseed"), format="MSEED")
    prepared = prepare_conditioning([str(tmp_path / "deadz.mseed")], tmp_path / "cond.zarr",
                                    PreprocessConfig(), units="m/s^2", progress=False)
    ids = prepared.store.record_ids.tolist()
    assert len(ids) == 2 and not any("HNZ" in i for i in ids)
    assert len(prepared.skipped) == 1 and "HNZ" in prepared.skipped[0][1]
    assert "all samples are zero" in prepared.skipped[0][1]
