"""33bd8b5 moved a window shorter than ONSET_WINDOW_MIN_S (40 s) from 3 s before the 5 % Arias time to where its
samples hold the most Arias intensity (`condition.first_window_start`), but stores did not record which placement
their windows had: appending to a --length 1024 store made before it mixed both placements without a word (the same
record gave a window of other samples). `preprocess` now records the version (attribute `window_placement`) in stores
whose windows are that short, and appending to one of another version, or to one made before stores recorded either
it or the component reading (taken as version 1), says so in one line, as for `component_reading`. Windows of 40 s
and more lie alike in every version: nothing recorded, nothing said."""
import zarr
from synth import accelerogram, write_at2

from seisdiff.io.readings import STORE_READING_ATTR
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import STORE_PLACEMENT_ATTR, WINDOW_PLACEMENT_VERSION, PreprocessConfig
from seisdiff.preprocess.run import run_preprocess

SHORT = PreprocessConfig(length=1024)       # 10.24 s at 100 Hz
LONG = PreprocessConfig(length=4096)        # 40.96 s: the default


def _inputs(tmp_path):
    return [str(write_at2(tmp_path / f"{name}.AT2", accelerogram(i, n=6000), 0.01, station=name))
            for i, name in enumerate(("STA01", "STA02"))]


def _set(store, **attrs) -> None:
    """The store's attributes with `attrs` (None: the attribute removed, as a store made before it)."""
    group = zarr.open_group(str(store), mode="r")
    kept = {k: v for k, v in {**dict(group.attrs), **attrs}.items() if v is not None}
    zarr.open_group(str(store), mode="r+").attrs.put(kept)


def _placement_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "were placed in their records" in line]


def _append(tmp_path, capsys, cfg, **attrs) -> list[str]:
    first, second = _inputs(tmp_path)
    out = tmp_path / "s.zarr"
    run_preprocess([first], out, cfg, progress=False)
    _set(out, **attrs)
    capsys.readouterr()
    assert run_preprocess([first, second], out, cfg, progress=False).stored == 1
    return _placement_lines(capsys.readouterr().err)


def test_a_store_of_short_windows_records_the_placement_and_a_default_one_does_not(tmp_path):
    first = _inputs(tmp_path)[0]
    run_preprocess([first], tmp_path / "short.zarr", SHORT, progress=False)
    run_preprocess([first], tmp_path / "long.zarr", LONG, progress=False)
    assert open_store(tmp_path / "short.zarr").attrs[STORE_PLACEMENT_ATTR] == WINDOW_PLACEMENT_VERSION
    assert STORE_PLACEMENT_ATTR not in open_store(tmp_path / "long.zarr").attrs


def test_appending_short_windows_to_a_store_of_the_earlier_placement_says_so(tmp_path, capsys):
    (line,) = _append(tmp_path, capsys, SHORT, **{STORE_PLACEMENT_ATTR: 1})
    assert ("its 1 stored records' windows (1024 samples at 100 Hz, shorter than 40 s) were placed in their records "
            "with version 1 (started pre_event_s before the 5 % Arias time") in line
    assert f"this seisdiff's with version {WINDOW_PLACEMENT_VERSION} (placed where their samples hold" in line
    assert "into a new store" in line
    assert open_store(tmp_path / "s.zarr").attrs[STORE_PLACEMENT_ATTR] == 1     # what its first windows were placed by


def test_a_store_made_before_stores_recorded_it_is_taken_as_the_earlier_placement(tmp_path, capsys):
    (line,) = _append(tmp_path, capsys, SHORT, **{STORE_PLACEMENT_ATTR: None, STORE_READING_ATTR: None})
    assert "by an older seisdiff, which did not record its version of the window placement, taken as version 1" in line
    assert "components were read" in line                      # the component reading's clause, in the same line


def test_a_store_recording_its_reading_but_not_the_placement_was_placed_by_version_2(tmp_path, capsys):
    """Stores first recorded their component reading (0f3fb1d) after windows were placed by version 2 (33bd8b5)."""
    assert _append(tmp_path, capsys, SHORT, **{STORE_PLACEMENT_ATTR: None}) == []


def test_windows_of_40_s_or_more_are_placed_alike_by_every_version(tmp_path, capsys):
    for folder, attrs in (("one", {STORE_PLACEMENT_ATTR: 1}), ("none", {STORE_READING_ATTR: None})):
        (tmp_path / folder).mkdir()
        assert _append(tmp_path / folder, capsys, LONG, **attrs) == []
