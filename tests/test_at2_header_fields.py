"""AT2 header line 2 `event, date, station, component` is read by position: what write_at2 writes
comes back field for field (an empty event or date does not shift the station), and the 60 NGA-West2
files read exactly as before (ngaw2_at2_headers.json, made by the reader before the positional parse)."""
import json
from pathlib import Path

import numpy as np
import pytest

from seisdiff.io.at2 import read_at2, write_at2
from seisdiff.io.export import export_records

EXPECTED = json.loads((Path(__file__).parent / "ngaw2_at2_headers.json").read_text())


@pytest.mark.parametrize("event, date, station, component", [
    ("", "", "ABC", "HNZ"),
    ("Quake", "", "ABC", "HNZ"),
    ("", "2001-01-02", "ABC", "HNZ"),
    ("", "", "", "HNZ"),
    ("", "", "ABC", ""),
    ("Quake", "2001-01-02", "Hemet - 1-story Library", "UP"),
    ("Quake, Chile", "", "STA", "EW"),
    ("Quake", "", "Station, North", "EW"),
])
def test_write_read_round_trip_keeps_each_field(tmp_path, event, date, station, component):
    path = tmp_path / "x_r0.AT2"
    us_date = "" if not date else "{1}/{2}/{0}".format(*date.split("-"))
    write_at2(path, np.full(10, 0.01), 100.0, "x_r0", event=event, date=us_date, station=station,
              component=component)
    (rec,) = read_at2(path)
    assert (rec.event, rec.metadata.get("event_date", ""), rec.station, rec.component) == (event, date, station, component)


def test_export_without_event_keeps_the_station(tmp_path):
    meta = [{"network": "XX", "station": "ABC", "channel": "HNZ", "start_time": "2020-01-01T00:00:00"}]
    (path,) = export_records(tmp_path, "at2", np.zeros((1, 500)) + 0.01, 100.0, ["x_r0"], meta=meta)
    assert path.read_text().splitlines()[1] == ", 1/1/2020, ABC, HNZ"              # the start time's date
    (rec,) = read_at2(path)
    assert (rec.event, rec.station, rec.component) == ("", "ABC", "HNZ")


def test_ngaw2_files_read_as_before(ngaw2_dir):
    got = {}
    for path in sorted(ngaw2_dir.glob("*.AT2")):
        (rec,) = read_at2(path)
        got[rec.record_id] = [rec.event, rec.metadata.get("event_date", ""), rec.station, rec.component]
    assert len(got) == len(EXPECTED) == 60
    assert got == EXPECTED
