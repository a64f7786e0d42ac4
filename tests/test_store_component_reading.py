"""A training store appended to by a seisdiff that reads component names otherwise (COMPONENT_READING_VERSION) mixed
two readings silently: an ESM HN3 stored as 'H' by the old, '?' by the new, both read as the model's vertical flag.
`preprocess` now records the version in the store it makes (attribute `component_reading`) and says in one line when
it appends to a store made with another version, or before stores recorded it; `train` and `verify` say it too.
Stored records are not rewritten."""
import numpy as np
import zarr
from synth import accelerogram, make_store, write_at2
from test_train import TINY_TOML

from seisdiff.cli import main
from seisdiff.io.components import COMPONENT_READING_VERSION
from seisdiff.io.readings import STORE_READING_ATTR, other_component_reading
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess
from seisdiff.preprocess.verify import verify_store

CFG = PreprocessConfig(length=1024)


def _inputs(tmp_path):
    return [str(write_at2(tmp_path / f"{name}.AT2", accelerogram(i, n=3000), 0.01, station=name))
            for i, name in enumerate(("STA01", "STA02"))]


def _set_reading(store, version) -> None:
    """The store as a seisdiff of reading `version` made it (None: one from before stores recorded it)."""
    attrs = dict(zarr.open_group(str(store), mode="r").attrs)
    attrs.pop(STORE_READING_ATTR, None)
    attrs.update({} if version is None else {STORE_READING_ATTR: version})
    zarr.open_group(str(store), mode="r+").attrs.put(attrs)


def _reading_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "components were read" in line]


def test_preprocess_records_the_reading_in_the_store_it_makes(tmp_path):
    run_preprocess(_inputs(tmp_path)[:1], tmp_path / "s.zarr", CFG, progress=False)
    assert open_store(tmp_path / "s.zarr").attrs[STORE_READING_ATTR] == COMPONENT_READING_VERSION


def test_appending_to_a_store_of_another_reading_says_so_once_and_rewrites_nothing(tmp_path, capsys):
    first, second = _inputs(tmp_path)
    out = tmp_path / "s.zarr"
    run_preprocess([first], out, CFG, progress=False)
    _set_reading(out, COMPONENT_READING_VERSION - 1)
    before = open_store(out).read()["broadband"]
    capsys.readouterr()
    assert run_preprocess([first, second], out, CFG, progress=False).stored == 1
    (line,) = _reading_lines(capsys.readouterr().err)
    assert (f"its 1 stored records' components were read from their channel names with version "
            f"{COMPONENT_READING_VERSION - 1}, this seisdiff's with version {COMPONENT_READING_VERSION}") in line
    assert "into a new store" in line
    store = open_store(out)
    assert store.attrs[STORE_READING_ATTR] == COMPONENT_READING_VERSION - 1    # what its first records were read with
    np.testing.assert_array_equal(store.read(0, 1)["broadband"], before)
    assert run_preprocess([first, second], out, CFG, progress=False).stored == 0   # nothing appended: nothing said
    assert _reading_lines(capsys.readouterr().err) == []


def test_appending_to_a_store_made_before_stores_recorded_the_reading_says_so(tmp_path, capsys):
    first, second = _inputs(tmp_path)
    out = tmp_path / "s.zarr"
    run_preprocess([first], out, CFG, progress=False)
    _set_reading(out, None)
    capsys.readouterr()
    run_preprocess([second], out, CFG, progress=False)
    (line,) = _reading_lines(capsys.readouterr().err)
    assert "were read from their channel names by an older seisdiff" in line and "ESM HN3 was 'H'" in line


def test_a_store_of_this_reading_or_an_empty_one_says_nothing(tmp_path, capsys):
    first, second = _inputs(tmp_path)
    out = tmp_path / "s.zarr"
    run_preprocess([first], out, CFG, progress=False)
    run_preprocess([second], out, CFG, progress=False)
    empty = tmp_path / "empty.zarr"   # an old run that stored nothing: no records to mix with
    create_store(empty, sampling_rate_hz=CFG.sampling_rate_hz, length=CFG.length, lowpass_hz=CFG.lowpass_hz,
                 extra_attrs={"preprocess": CFG.as_attrs()})
    run_preprocess([first], empty, CFG, progress=False)
    assert _reading_lines(capsys.readouterr().err) == []
    assert open_store(empty).attrs[STORE_READING_ATTR] == COMPONENT_READING_VERSION


def test_only_training_stores_are_judged():
    old = {"preprocess": {}, STORE_READING_ATTR: 1}
    assert other_component_reading(old).startswith("components were read from their channel names with version 1 (an "
                                                   "ESM HN3 was 'H' before version 2, '?' since), this seisdiff's")
    assert other_component_reading({**old, STORE_READING_ATTR: COMPONENT_READING_VERSION}) is None
    assert other_component_reading({STORE_READING_ATTR: 1}) is None                  # simulate's: no `preprocess`
    assert other_component_reading({**old, "whole_records": True}) is None           # its own check (made_from)
    assert other_component_reading({**old, "sampling": {}}) is None                  # sample's output


def _old_store(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    group = zarr.open_group(str(store.path), mode="r+")
    group.attrs.update({"preprocess": {}, STORE_READING_ATTR: COMPONENT_READING_VERSION - 1})
    return store


def test_verify_says_the_stores_reading_differs(tmp_path):
    lines = verify_store(_old_store(tmp_path).path).lines
    (line,) = _reading_lines("\n".join(lines))
    old, now = COMPONENT_READING_VERSION - 1, COMPONENT_READING_VERSION
    assert f"with version {old}, this seisdiff's with version {now}" in line


def test_train_says_the_stores_reading_differs(tmp_path, capsys):
    store = _old_store(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "tiny.toml"),
                 "--checkpoint-dir", str(tmp_path / "run"), "--epochs", "1"]) == 0
    (line,) = _reading_lines(capsys.readouterr().out)
    assert f"read from their channel names with version {COMPONENT_READING_VERSION - 1}" in line
    assert f"this seisdiff's with version {COMPONENT_READING_VERSION}" in line


def test_sample_from_a_store_says_its_reading_differs(tmp_path, capsys):
    """`sample --cond STORE` gives the model the store's `component` column as its vertical flag: a store read with
    another version said nothing."""
    store = _old_store(tmp_path)
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "tiny.toml"),
                 "--checkpoint-dir", str(tmp_path / "run"), "--epochs", "1"]) == 0
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(tmp_path / "run" / "best.pt"), "--cond", str(store.path),
                 "--out", str(tmp_path / "gen.zarr"), "--steps", "2", "--no-progress"]) == 0
    (line,) = _reading_lines(capsys.readouterr().err)
    assert f"with version {COMPONENT_READING_VERSION - 1}" in line and "vertical flag" in line
