"""A `--components 3` training store did not record how its triplets' channels were placed in time
(`readings.TRIPLET_ALIGNMENT_VERSION`: 1 cut to the shortest from their first samples, 2 aligned on their common
time span), as it records the reading of component names (`component_reading`): appending to a store made with
version 1, training on it or verifying it said nothing, though its channels may sit shifted against each other by
their start times' offset. `preprocess` now writes the attribute `triplet_alignment` in three-component stores, and
`readings.other_component_reading` (appending, train, verify, sample) says when it differs, naming each version's
placing (`readings.TRIPLET_ALIGNMENTS`)."""
import numpy as np
import obspy
import zarr
from synth import make_store

from seisdiff.engine.train import _warn_other_reading
from seisdiff.io.components import COMPONENT_READING_VERSION
from seisdiff.io.readings import (STORE_ALIGNMENT_ATTR, STORE_READING_ATTR, TRIPLET_ALIGNMENT_VERSION,
                                  other_component_reading)
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess
from seisdiff.preprocess.verify import verify_store

CFG = PreprocessConfig(length=1024)
T0 = obspy.UTCDateTime(2020, 1, 1)
PLACED = "three channels were placed in time"


def _triplet(folder, station: str) -> str:
    """XX.<station>..HN? 30 s at 100 Hz, one miniSEED file per channel; returns the folder."""
    folder.mkdir()
    rng = np.random.default_rng(len(station) + ord(station[-1]))
    for cha in ("HNN", "HNE", "HNZ"):
        tr = obspy.Trace(rng.standard_normal(3000).astype(np.float32) * 0.1)
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": station, "channel": cha,
                         "starttime": T0})
        tr.write(str(folder / f"XX.{station}.{cha}.mseed"), format="MSEED")
    return str(folder)


def _preprocess(inputs, out):
    return run_preprocess(inputs, out, CFG, units="m/s^2", components="3", progress=False)


def _set(store, **attrs) -> None:
    """The store's attributes with `attrs` set (None: removed), as an older seisdiff would have left them."""
    group = zarr.open_group(str(store), mode="r+")
    kept = {k: v for k, v in {**dict(group.attrs), **attrs}.items() if v is not None}
    group.attrs.put(kept)


def _placed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if PLACED in line]


def test_a_three_component_store_records_its_triplet_alignment(tmp_path):
    _preprocess([_triplet(tmp_path / "a", "STA")], tmp_path / "s.zarr")
    assert open_store(tmp_path / "s.zarr").attrs[STORE_ALIGNMENT_ATTR] == TRIPLET_ALIGNMENT_VERSION
    one = tmp_path / "one.zarr"                         # single traces: no triplets to place
    run_preprocess([str(tmp_path / "a")], one, CFG, units="m/s^2", progress=False)
    assert STORE_ALIGNMENT_ATTR not in open_store(one).attrs


def test_appending_to_a_store_of_another_alignment_says_so_once(tmp_path, capsys):
    first, second = _triplet(tmp_path / "a", "STA"), _triplet(tmp_path / "b", "STB")
    out = tmp_path / "s.zarr"
    _preprocess([first], out)
    _set(out, **{STORE_ALIGNMENT_ATTR: 1})
    before = open_store(out).read()["broadband"]
    capsys.readouterr()
    assert _preprocess([first, second], out).stored == 1
    (line,) = _placed_lines(capsys.readouterr().err)
    assert (f"its 1 stored records' {PLACED} with version 1 (cut to the shortest from their first samples), this "
            "seisdiff's with version 2 (aligned on their common time span)") in line
    assert "into a new store" in line and "components were read" not in line
    store = open_store(out)
    assert store.attrs[STORE_ALIGNMENT_ATTR] == 1                   # what its first records were placed with
    np.testing.assert_array_equal(store.read(0, 1)["broadband"], before)


def test_a_store_from_before_stores_recorded_either_says_both(tmp_path, capsys):
    first, second = _triplet(tmp_path / "a", "STA"), _triplet(tmp_path / "b", "STB")
    out = tmp_path / "s.zarr"
    _preprocess([first], out)
    _set(out, **{STORE_ALIGNMENT_ATTR: None, STORE_READING_ATTR: None})
    capsys.readouterr()
    _preprocess([second], out)
    (line,) = _placed_lines(capsys.readouterr().err)
    assert "components were read from their channel names by an older seisdiff" in line
    assert f"their {PLACED} by an older seisdiff, which did not record its version of the triplet alignment" in line


def test_a_store_that_records_its_reading_was_aligned_already(tmp_path, capsys):
    """Stores recorded their reading (0f3fb1d) after triplets were aligned (3df2be8): one without the alignment
    attribute but with the reading was placed with version 2, and nothing is said."""
    first, second = _triplet(tmp_path / "a", "STA"), _triplet(tmp_path / "b", "STB")
    out = tmp_path / "s.zarr"
    _preprocess([first], out)
    _set(out, **{STORE_ALIGNMENT_ATTR: None})
    capsys.readouterr()
    assert _preprocess([second], out).stored == 1
    assert _placed_lines(capsys.readouterr().err) == []


def test_only_three_component_training_stores_are_judged():
    made = {"preprocess": {}, "channels": ["H1", "H2", "Z"], STORE_READING_ATTR: COMPONENT_READING_VERSION}
    assert other_component_reading({**made, STORE_ALIGNMENT_ATTR: TRIPLET_ALIGNMENT_VERSION}) is None
    assert other_component_reading({**made, STORE_ALIGNMENT_ATTR: 1}).startswith(f"{PLACED} with version 1")
    assert other_component_reading({**made, "channels": ["single trace"], STORE_ALIGNMENT_ATTR: 1}) is None
    both = other_component_reading({**made, STORE_READING_ATTR: 3, STORE_ALIGNMENT_ATTR: 1})
    assert both.startswith("components were read from their channel names with version 3")
    assert f"; their {PLACED}" in both


def _old_store(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=256, n_channels=3)
    zarr.open_group(str(store.path), mode="r+").attrs.update(
        {"preprocess": {}, "channels": ["H1", "H2", "Z"], STORE_READING_ATTR: COMPONENT_READING_VERSION,
         STORE_ALIGNMENT_ATTR: 1})
    return open_store(store.path)


def test_verify_and_train_say_the_stores_alignment_differs(tmp_path):
    store = _old_store(tmp_path)
    (line,) = _placed_lines("\n".join(verify_store(store.path).lines))
    assert f"{PLACED} with version 1 (cut to the shortest from their first samples), this seisdiff's with version 2" in line
    said = []
    _warn_other_reading(store, said.append)
    (line,) = _placed_lines("\n".join(said))
    assert line.startswith(f"WARNING: {store.path}: its records' {PLACED} with version 1")


def test_the_lines_name_the_placing_of_each_of_the_two_versions(tmp_path, monkeypatch):
    """The line said 'before version 2 they were cut to the shortest from their first samples, since then aligned on
    their common time span' whatever the two versions were: under a version 3, a store of version 2 would read as cut
    to the shortest. Each version's placing is now named from readings.TRIPLET_ALIGNMENTS, for any two; so is a
    conditioning cache's reason to be made again, which always said 'cut to the shortest'."""
    import json

    from seisdiff.io import readings
    from seisdiff.preprocess.whole import MADE_FROM, _stale

    monkeypatch.setattr(readings, "TRIPLET_ALIGNMENTS", {1: "cut to the shortest from their first samples",
                                                         2: "aligned on their common time span",
                                                         3: "interpolated onto one time grid"}, raising=False)
    monkeypatch.setattr(readings, "TRIPLET_ALIGNMENT_VERSION", 3)
    made = {"preprocess": {}, "channels": ["H1", "H2", "Z"], STORE_READING_ATTR: COMPONENT_READING_VERSION}
    line = other_component_reading({**made, STORE_ALIGNMENT_ATTR: 2})
    assert line.startswith(f"{PLACED} with version 2 (aligned on their common time span), this seisdiff's with "
                           "version 3 (interpolated onto one time grid)")
    assert "cut to the shortest" not in line
    assert "version 4 (" not in other_component_reading({**made, STORE_ALIGNMENT_ATTR: 4})   # a later seisdiff's
    cache = tmp_path / "c.zarr"
    cache.mkdir()
    (cache / "zarr.json").write_text(json.dumps({"attributes": {"whole_records": True, MADE_FROM: {
        STORE_ALIGNMENT_ATTR: 2}}}))
    reason = _stale(cache, {STORE_ALIGNMENT_ATTR: 3}, {}, 100)
    assert ("three-component records placed in time with version 2 (aligned on their common time span), now version "
            "3 (interpolated onto one time grid)") in reason
