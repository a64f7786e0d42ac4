"""A preprocess interrupted after some commits and run again leaves the same preprocess_report.csv as an
uninterrupted run: a line for every file, those stored by the interrupted run included."""
import csv

import numpy as np
import pytest
from synth import accelerogram, write_at2

from seisdiff.io.store import open_store
from seisdiff.preprocess import run as run_module
from seisdiff.preprocess.run import REPORT_NAME, run_preprocess


def _files(folder, n):
    folder.mkdir()
    return [write_at2(folder / f"rec{i:02d}.AT2", accelerogram(i, n=4000, pga=0.05 * (i + 1)), 0.01,
                      station=f"S{i:02d}") for i in range(n)]


def _report(store) -> dict:
    with open(store / REPORT_NAME, newline="") as fh:
        return {row["file"]: (row["status"], row["record_ids"]) for row in csv.DictReader(fh)}


def test_a_resumed_run_reports_the_files_the_interrupted_one_stored(tmp_path, monkeypatch):
    files = _files(tmp_path / "in", 6)
    whole, resumed = tmp_path / "whole.zarr", tmp_path / "resumed.zarr"
    run_preprocess([str(tmp_path / "in")], whole, batch_records=2, progress=False, workers=1)
    store_groups, calls = run_module._store_groups, []

    def interrupted(*args, **kwargs):   # Ctrl-C after the first batch's commit
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return store_groups(*args, **kwargs)

    monkeypatch.setattr(run_module, "_store_groups", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_preprocess([str(tmp_path / "in")], resumed, batch_records=2, progress=False, workers=1)
    assert len(open_store(resumed)) == 2 and not (resumed / REPORT_NAME).exists()
    monkeypatch.setattr(run_module, "_store_groups", store_groups)
    run_preprocess([str(tmp_path / "in")], resumed, batch_records=2, progress=False, workers=1)
    assert sorted(open_store(resumed).record_ids) == sorted(open_store(whole).record_ids)
    report = _report(resumed)
    assert report == _report(whole)
    assert sorted(report) == sorted(map(str, files))
    assert {status for status, _ in report.values()} == {"stored"}
    # a third run over the complete store changes nothing
    run_preprocess([str(tmp_path / "in")], resumed, batch_records=2, progress=False, workers=1)
    assert _report(resumed) == report


def test_a_file_of_three_traces_reports_the_records_of_all_three(tmp_path):
    import obspy

    rng = np.random.default_rng(1)
    traces = [obspy.Trace(rng.normal(0, 0.1, 6000), header=dict(network="XX", station="THREE", channel=c,
                                                                 sampling_rate=100.0)) for c in ("HNE", "HNN", "HNZ")]
    obspy.Stream(traces).write(str(tmp_path / "three.mseed"), format="MSEED")
    out = tmp_path / "s.zarr"
    run_preprocess([str(tmp_path / "three.mseed")], out, units="m/s^2", progress=False, workers=1)
    ids = open_store(out).record_ids.tolist()
    assert len(ids) == 3
    assert _report(out) == {str(tmp_path / "three.mseed"): ("stored", " ".join(ids))}
