"""`sample --cond` over a folder of event folders: one station's recordings of two events are often named
alike (`CI.MIKB..HNE.mseed` in two Ridgecrest event folders of ../shared/data/strongmotion). Both are
generated: the second under `<its folder>.<id>`, as `preprocess` names it, with its own codes; a third
recording whose both names are taken is skipped with one line saying what to do. Conditioning only."""

import numpy as np
import obspy

from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import prepare_conditioning


def _write(path, seed):
    rng = np.random.default_rng(seed)
    tr = obspy.Trace(np.convolve(rng.standard_normal(6000), np.hanning(50), mode="same") * 0.01)
    tr.stats.update({"sampling_rate": 100.0, "network": "CI", "station": "MIKB", "location": "00", "channel": "HNE",
                     "starttime": obspy.UTCDateTime(2019, 7, 4 + seed)})
    path.parent.mkdir(parents=True, exist_ok=True)
    tr.write(str(path), format="MSEED")


def test_same_named_files_of_two_events_are_both_generated(tmp_path):
    for seed, event in enumerate(("ev1", "ev2")):
        _write(tmp_path / "data" / event / "CI.MIKB.00.HNE.mseed", seed)
    prepared = prepare_conditioning([str(tmp_path / "data")], tmp_path / "c.zarr", PreprocessConfig(),
                                    units="m/s^2", progress=False)
    store = prepared.store
    assert prepared.skipped == []
    assert store.record_ids.tolist() == ["CI.MIKB.00.HNE", "ev2.CI.MIKB.00.HNE"]
    assert store.column("start_time").tolist() == ["2019-07-04T00:00:00.000000+00:00",
                                                   "2019-07-05T00:00:00.000000+00:00"]
    for column, code in (("network", "CI"), ("station", "MIKB"), ("location", "00"), ("channel", "HNE")):
        assert store.column(column).tolist() == [code, code]


def test_a_third_same_named_file_is_skipped_in_one_line(tmp_path):
    for seed, folder in enumerate(("a/ev", "b/ev", "c/ev")):
        _write(tmp_path / folder / "CI.MIKB.00.HNE.mseed", seed)
    prepared = prepare_conditioning([str(tmp_path / f) for f in ("a", "b", "c")], tmp_path / "c.zarr",
                                    PreprocessConfig(), units="m/s^2", progress=False)
    assert len(prepared.store) == 2
    [(file, reason)] = prepared.skipped
    assert file.endswith("c/ev/CI.MIKB.00.HNE.mseed")
    assert "CI.MIKB.00.HNE" in reason and "ev.CI.MIKB.00.HNE" in reason and "rename" in reason
