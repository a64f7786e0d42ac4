"""Old-layout PEER AT2 files (the 1990s strong-motion database, Pacific Engineering processing): line 2
`EVENT MM/DD/YY HHMM, station, component (DATA SOURCE STATION n)`, line 4 `NPTS  DT  NPTS, DT`."""
import pytest

from seisdiff.io.at2 import read_at2
from seisdiff.io.formats.common import orientation
from seisdiff.preprocess.groups import triplet_groups

TITLE = "PEER STRONG MOTION DATABASE RECORD. PROCESSING BY PACIFIC ENGINEERING."


def _old_at2(path, line2):
    path.write_text("\n".join([TITLE, line2, "ACCELERATION TIME HISTORY IN UNITS OF G", "    6    0.0100    NPTS, DT",
                               "  .1000E-02  .2000E-02  .3000E-02", "  .4000E-02  .5000E-02  .6000E-02"]) + "\n")
    return path


@pytest.mark.parametrize("line2, station, component, kind", [
    ("IMPERIAL VALLEY 10/15/79 2316, EC CO CENTER FF, 092 (CDMG STATION 5154)", "EC CO CENTER FF", "092", "H"),
    ("IMPERIAL VALLEY 10/15/79 2316, EC CO CENTER FF, UP (CDMG STATION 5154)", "EC CO CENTER FF", "UP", "Z"),
    ("IMPERIAL VALLEY 5/19/40 0439, EL CENTRO ARRAY #9, 180 (USGS STATION 117)", "EL CENTRO ARRAY #9", "180", "H"),
    ("NORTHRIDGE 01/17/94 1231, ARLETA, 090", "ARLETA", "090", "H"),
])
def test_data_source_note_is_not_part_of_the_component(tmp_path, line2, station, component, kind):
    (rec,) = read_at2(_old_at2(tmp_path / "rec.AT2", line2))
    assert (rec.station, rec.component, orientation(rec.component)) == (station, component, kind)


def test_old_layout_triplet_with_data_source_notes_groups(tmp_path):
    """092, 002 and UP of one CDMG station: one 3-component record, not three 'incomplete set' skips."""
    recs = [read_at2(_old_at2(tmp_path / f"H-ECC{c}.AT2",
                              f"IMPERIAL VALLEY 10/15/79 2316, EC CO CENTER FF, {c} (CDMG STATION 5154)"))[0]
            for c in ("092", "002", "UP")]
    groups, skipped = triplet_groups(recs)
    assert len(groups) == 1 and skipped == []


@pytest.mark.parametrize("line2, event, date", [
    ("NORTHRIDGE 01/17/94 1231, ARLETA, 090", "NORTHRIDGE", "1994-01-17"),
    ("IMPERIAL VALLEY 10/15/79 2319, EL CENTRO ARRAY 6, 230", "IMPERIAL VALLEY", "1979-10-15"),
    ("SAN FERNANDO 02/09/71 14:00, PACOIMA DAM, 164 (CDMG STATION 279)", "SAN FERNANDO", "1971-02-09"),
])
def test_old_layout_time_of_day_is_neither_origin_nor_start_time(tmp_path, line2, event, date):
    """The HHMM after the date is UTC but varies by data provider for one event (2316 and 2319 for Imperial
    Valley 1979, origin 23:16:54 UTC): the date is kept, no origin_time and no start time are made up from it."""
    (rec,) = read_at2(_old_at2(tmp_path / "rec.AT2", line2))
    assert (rec.event, rec.metadata["event_date"], rec.start_time) == (event, date, "")
    assert "origin_time" not in rec.metadata


@pytest.mark.parametrize("line2, provider_station", [
    ("NORTHRIDGE EQ 1/17/94 1231, SYLMAR, 360 (CDMG STATION 24514)", "CDMG 24514"),
    ("IMPERIAL VALLEY 5/19/40 0439, EL CENTRO ARRAY #9, 180 (USGS STATION 117)", "USGS 117"),
    ("SAN FERNANDO 02/09/71 14:00, PACOIMA DAM, 164 (CDMG STATION 279)                \r", "CDMG 279"),
    ("NORTHRIDGE 01/17/94 1231, ARLETA, 090", None),
    ("Chuetsu-oki, 7/16/2007, FKS031, EW", None),
])
def test_data_source_note_is_kept_as_the_provider_station(tmp_path, line2, provider_station):
    """The note dropped from the component (196bedb) is the provider's station number, which links the record to
    its data source's catalogue: kept in the record's metadata (no store column), not lost."""
    (rec,) = read_at2(_old_at2(tmp_path / "rec.AT2", line2))
    assert rec.metadata.get("provider_station") == provider_station
    assert "(" not in rec.component


@pytest.mark.parametrize("line2, event, station", [
    ("NORTHRIDGE EQ 1/17/94, 1231, SYLMAR, 360 (CDMG STATION 24514)", "NORTHRIDGE EQ", "SYLMAR"),
    ("SAN FERNANDO 02/09/71, 14:00, PACOIMA DAM, 164", "SAN FERNANDO", "PACOIMA DAM"),
    ("NORTHRIDGE 01/17/94, 1231, 090", "NORTHRIDGE", "1231"),          # nothing else to be the station
])
def test_a_time_of_day_in_its_own_field_is_not_the_station(tmp_path, line2, event, station):
    """`EVENT 1/17/94, 1231, SYLMAR, 360`: the time of day after the date's field was read as part of the station
    ('1231, SYLMAR'), so the station's records did not group with files that name it SYLMAR."""
    (rec,) = read_at2(_old_at2(tmp_path / "rec.AT2", line2))
    assert (rec.event, rec.station) == (event, station) and rec.metadata["event_date"].startswith("19")
    assert "origin_time" not in rec.metadata and rec.start_time == ""


@pytest.mark.parametrize("line2, event, station, component, provider_station", [
    ("NORTHRIDGE EQ, 1/17/94, 1231, SYLMAR, 360", "NORTHRIDGE EQ", "SYLMAR", "360", None),
    ("NORTHRIDGE EQ, 1/17/94, 1231 PST, SYLMAR, 360", "NORTHRIDGE EQ", "SYLMAR", "360", None),
    ("NORTHRIDGE EQ 1/17/94, 1231 PST, SYLMAR, 360", "NORTHRIDGE EQ", "SYLMAR", "360", None),
    ("NORTHRIDGE EQ, 1/17/94, 12:31 UTC, SYLMAR, 360", "NORTHRIDGE EQ", "SYLMAR", "360", None),
    ("NORTHRIDGE EQ 1/17/94 1231, SYLMAR, 360 (CDMG STATION 24514, CH 3)", "NORTHRIDGE EQ", "SYLMAR", "360",
     "CDMG 24514, CH 3"),
    ("NORTHRIDGE EQ, 1/17/94, 1231, SYLMAR, 360 (CDMG STATION 24514, CH 3)", "NORTHRIDGE EQ", "SYLMAR", "360",
     "CDMG 24514, CH 3"),
    ("NORTHRIDGE EQ, 1/17/94, 1231, 360", "NORTHRIDGE EQ", "1231", "360", None),   # nothing else to be the station
])
def test_a_time_of_day_after_a_date_field_and_a_note_with_a_comma(tmp_path, line2, event, station, component,
                                                                 provider_station):
    """The time of day was skipped only after a date inside the event's field: `EVENT, 1/17/94, 1231, SYLMAR, 360`
    read station '1231, SYLMAR' (also with `1231 PST`); and a data-source note holding a comma,
    `360 (CDMG STATION 24514, CH 3)`, was split there: station 'SYLMAR, 360 (CDMG STATION 24514', component 'CH 3)'."""
    (rec,) = read_at2(_old_at2(tmp_path / "rec.AT2", line2))
    assert (rec.event, rec.metadata["event_date"], rec.station, rec.component) == (event, "1994-01-17", station,
                                                                                   component)
    assert rec.metadata.get("provider_station") == provider_station
    assert "origin_time" not in rec.metadata and rec.start_time == ""
