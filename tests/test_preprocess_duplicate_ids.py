"""Different recordings whose readers give the same record id: each stored once, under a reproducible id."""
import numpy as np
import obspy
import pytest

from seisdiff.io.store import open_store
from seisdiff.preprocess import run_preprocess

X = "XX.STA..HNE"


def _write(path, seed, fmt="MSEED"):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.random.default_rng(seed).normal(0, 0.1, 6000)
    obspy.Trace(data, header=dict(network="XX", station="STA", channel="HNE", sampling_rate=100.0,
                                  starttime=obspy.UTCDateTime(2020, 1, 1))).write(str(path), format=fmt)
    return str(path)


def _run(inputs, out, **kw):
    return run_preprocess(inputs, out, progress=False, units="m/s^2", workers=1, **kw)


@pytest.mark.parametrize("batch_records", [256, 1])   # one batch, then one group a batch
def test_same_id_from_two_events(tmp_path, batch_records):
    a, b = _write(tmp_path / "ev1" / f"{X}.mseed", 1), _write(tmp_path / "ev2" / f"{X}.mseed", 2)
    out = tmp_path / "s.zarr"
    summary = _run([a, b], out, batch_records=batch_records)
    assert summary.skipped == [] and summary.stored == 2
    store = open_store(out)
    assert store.record_ids.tolist() == [f"{X}_w0", f"ev2.{X}_w0"]
    assert store.column("source_file").tolist() == [a, b]
    bb = store.read()["broadband"]
    assert not np.allclose(bb[0], bb[1])               # two recordings, neither lost

    again = _run([b, a], out, batch_records=batch_records)   # resume, in another order
    assert (again.stored, again.already, again.skipped, len(open_store(out))) == (0, 2, [], 2)


def test_resume_from_another_working_directory(tmp_path, monkeypatch):
    a, b = _write(tmp_path / "data" / "ev1" / f"{X}.mseed", 1), _write(tmp_path / "data" / "ev2" / f"{X}.mseed", 2)
    out = tmp_path / "s.zarr"
    _run([a, b], out)
    monkeypatch.chdir(tmp_path / "data")
    again = _run([f"ev1/{X}.mseed", f"ev2/{X}.mseed"], out)
    assert (again.stored, again.already, again.skipped, len(open_store(out))) == (0, 2, [], 2)


def test_both_ids_taken_and_a_repeat_in_one_run_are_reported(tmp_path):
    a, b = _write(tmp_path / "ev1" / f"{X}.mseed", 1), _write(tmp_path / "ev2" / f"{X}.mseed", 2)
    c = _write(tmp_path / "ev1" / f"{X}.sac", 3, "SAC")          # ev1: a taken, ev1.<id> free
    d = _write(tmp_path / "ev2" / f"{X}.sac", 4, "SAC")          # ev2: a and b hold both ids
    e = _write(tmp_path / "copy" / "ev2" / f"{X}.mseed", 5)      # same folder + name as b
    out = tmp_path / "s.zarr"
    summary = _run([a, b, c, d, e], out)
    assert sorted(open_store(out).record_ids.tolist()) == sorted([f"{X}_w0", f"ev2.{X}_w0", f"ev1.{X}_w0"])
    reasons = dict(summary.skipped)
    assert len(summary.skipped) == 2
    assert a in reasons[d] and b in reasons[d] and "rename" in reasons[d]
    assert "comes twice" in reasons[e] and b in reasons[e]
