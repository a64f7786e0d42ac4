"""Event names by folder (seisdiff.preprocess.events): the `<event>/<files>` layout gives each record
its folder's event and a unique id; a flat folder keeps the header's event."""
from pathlib import Path

import numpy as np
import pytest

from seisdiff.errors import UserError
from seisdiff.io.record import Record
from seisdiff.preprocess.events import folder_events, name_by_folder


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    return path


def test_auto_names_files_in_event_subfolders_only(tmp_path):
    nested = _touch(tmp_path / "data" / "fmt" / "20190706_ridgecrest" / "CI.CLC.mseed")
    flat = _touch(tmp_path / "data" / "top.AT2")
    events = folder_events([str(tmp_path / "data")], [nested, flat])
    assert events == {nested.resolve(): "20190706_ridgecrest"}


def test_header_names_none_and_folder_names_every_file(tmp_path):
    flat = _touch(tmp_path / "ev1" / "a.AT2")
    assert folder_events([str(flat)], [flat], "header") == {}
    assert folder_events([str(flat)], [flat], "folder") == {flat.resolve(): "ev1"}
    with pytest.raises(UserError, match="event-from"):
        folder_events([str(flat)], [flat], "station")


def test_files_given_one_by_one_keep_the_header_event(tmp_path):
    f = _touch(tmp_path / "ev1" / "a.AT2")
    assert folder_events([str(f)], [f]) == {}


def test_one_station_in_two_events_gets_two_ids():
    a = [Record(np.zeros(3), 100.0, "CI.CLC..HNE", event="hdr")]
    b = [Record(np.zeros(3), 100.0, "CI.CLC..HNE")]
    name_by_folder(a, "m6.4")
    name_by_folder(b, "m7.1")
    assert (a[0].record_id, a[0].event) == ("m6.4.CI.CLC..HNE", "m6.4")
    assert b[0].record_id != a[0].record_id
    assert a[0].metadata["record_id_in_file"] == "CI.CLC..HNE"
