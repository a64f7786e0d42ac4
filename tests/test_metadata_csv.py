"""The --metadata CSV as spreadsheets save it (`preprocess.metadata.load_metadata_csv`): Excel's "CSV UTF-8" (a BOM
before the first header), its plain "CSV" (Windows-1252: accented names), UTF-16; a binary file is one clear line."""
import math

import pytest

from seisdiff.errors import UserError
from seisdiff.preprocess.metadata import load_metadata_csv

ROWS = "RSN,Station Name,Earthquake Magnitude,HypD (km)\n5000,M\u00e9xico,6.8,195.5\n"
WANT = {"RSN5000": {"magnitude": 6.8, "distance_km": 195.5, "distance_kind": "hypocentral"}}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_a_csv_as_a_spreadsheet_saves_it_is_read(tmp_path, encoding):
    """utf-8-sig: refused ("needs a 'record_id', 'RSN' … column (found ['\\ufeffRSN', …])"); cp1252: a traceback
    (UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9); utf-16: refused. Now each reads as UTF-8 does."""
    path = tmp_path / "m.csv"
    path.write_bytes(ROWS.encode(encoding))
    assert load_metadata_csv(path) == WANT


def test_a_station_list_keeps_its_accented_names(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_bytes("station,vs30\nQuer\u00e9taro,400\n".encode("cp1252"))
    assert load_metadata_csv(path) == {"station:quer\u00e9taro": {"vs30_mps": 400.0}}


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary\x00\nrecord_id\n", bytes(range(256)) * 8,
                                  b"\x1f\x8b\x08\x00rest of a gzip"], ids=["one_line", "bytes", "gzip"])
def test_a_binary_file_is_one_line(tmp_path, data):
    """A binary file gave a traceback (UnicodeDecodeError) or, for one with a single line, nothing at all."""
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    with pytest.raises(UserError) as err:
        load_metadata_csv(path)
    assert f"{path}: not a text file" in str(err.value) and str(err.value).isprintable()


def test_peers_missing_code_is_unknown_and_an_impossible_value_one_line(tmp_path):
    """-999 (the NGA-West2 flatfile's "not available") was stored as a distance of -999 km, which BSSA14 (`verify`,
    `evaluate --gmm`) took as 999 km (ln PGA predicted −13.55 instead of unknown), and as a Vs30 of −999 m/s. Now -999
    is unknown; another negative distance, κ or a Vs30 of 0 is refused in one line."""
    path = tmp_path / "m.csv"
    path.write_text("record_id,rjb (km),magnitude,vs30\na,-999,6,-999\nb,10,-999,300\n")
    rows = load_metadata_csv(path)
    assert rows["a"]["magnitude"] == 6.0 and all(math.isnan(rows["a"][k]) for k in ("distance_km", "vs30_mps"))
    assert math.isnan(rows["b"]["magnitude"]) and (rows["b"]["distance_km"], rows["b"]["vs30_mps"]) == (10.0, 300.0)
    for text, words in (("rjb (km)\na,-5", "rjb (km) -5 is not a distance"), ("vs30\na,0", "vs30 0 is not a vs30"),
                        ("kappa\na,-0.01", "kappa -0.01 is not a kappa")):
        path.write_text(f"record_id,{text}\n")
        with pytest.raises(UserError) as err:
            load_metadata_csv(path)
        assert f"{path}: row 'a': {words}" in str(err.value) and "\n" not in str(err.value)


SEARCH_RESULTS = """ PEER NGA-West2 Ground Motion Database,,,,,
 -- Summary of GMDApp Search Criteria --,,,,,
 Magnitude:,6.5,7.5,,,
 Rjb (km):,0,200,,,

 -- Summary of Metadata of Selected Records --,,,,,
 Result ID, Scale Factor, Record Sequence Number, Earthquake Name, Magnitude, Rjb (km), Rrup (km), Vs30 (m/sec)
1,1.0,5000,"Chuetsu-oki, Japan",6.8,186.2,186.3,663.8
2,1.0,5001,"Chuetsu-oki, Japan",6.8,90.1,90.2,703.57

 These records were obtained from the NGA-West2 On-Line Ground-Motion Database Tool,,,,,
 -- Scaled Spectra used in Search & Scaling --,,,,,
 Period (sec),Arithmetic Mean pSa (g),,,,
0.01,0.2,,,,
"""


def test_peers_search_results_file_is_read_from_its_table_of_records(tmp_path):
    """The web tool's _SearchResults.csv was refused ("needs a 'record_id', 'RSN' … column (found [' PEER NGA-West2
    Ground Motion Database', …])"): its records' table sits between search settings and spectra."""
    path = tmp_path / "_SearchResults.csv"
    path.write_bytes(SEARCH_RESULTS.replace("\n", "\r\n").encode())
    assert load_metadata_csv(path) == {
        "RSN5000": {"magnitude": 6.8, "distance_km": 186.3, "distance_kind": "rupture", "vs30_mps": 663.8,
                    "event": "Chuetsu-oki, Japan"},
        "RSN5001": {"magnitude": 6.8, "distance_km": 90.2, "distance_kind": "rupture", "vs30_mps": 703.57,
                    "event": "Chuetsu-oki, Japan"}}


FLATFILE = ('"Record Sequence Number","EQID","Earthquake Name","YEAR","Station Name","Earthquake Magnitude",'
            '"HypD (km)","Vs30 (m/s) selected for analysis"\n'
            '5000,278,"Chuetsu-oki_ Japan",2007,"FKS031",6.8,195.54,663.8\n'
            '5456,279,"Iwate_ Japan",2008,"AKT004",6.9,-999,-999\n')


def test_peers_earthquake_name_is_the_records_event(tmp_path, ngaw2_dir):
    """The NGA-West2 flatfile's and search results' "Earthquake Name" was not read: a record kept the event its AT2
    header names ('Chuetsu-oki', 'Chuetsu-oki, Japan' in another file of the event), so --metadata could not set the
    events the training split groups by. Now it is the record's event where no event/event_id column is given."""
    from seisdiff.preprocess import run_preprocess
    from seisdiff.io.store import open_store
    from seisdiff.preprocess.metadata import lookup

    flatfile = tmp_path / "flatfile.csv"
    flatfile.write_text(FLATFILE)
    table = load_metadata_csv(flatfile)
    assert table["RSN5000"]["event"] == "Chuetsu-oki_ Japan" and table["RSN5456"]["event"] == "Iwate_ Japan"
    assert lookup(table, ["RSN5000_CHUETSU_FKS031EW"], 5000, event="Chuetsu-oki")["event"] == "Chuetsu-oki_ Japan"
    search = tmp_path / "_SearchResults.csv"
    search.write_text(SEARCH_RESULTS)
    assert {k: v["event"] for k, v in load_metadata_csv(search).items()} == {
        "RSN5000": "Chuetsu-oki, Japan", "RSN5001": "Chuetsu-oki, Japan"}
    flatfile.write_text(FLATFILE.replace('"EQID"', '"event"'))            # an event column given: it is read
    assert load_metadata_csv(flatfile)["RSN5000"]["event"] == "278"
    per_event = tmp_path / "events.csv"                                   # no RSN: a table of events by name
    per_event.write_text("Earthquake Name,Earthquake Magnitude\nChuetsu-oki_ Japan,6.8\n")
    assert load_metadata_csv(per_event) == {"event:chuetsu-oki_ japan": {"name": "Chuetsu-oki_ Japan",
                                                                         "magnitude": 6.8}}
    flatfile.write_text(FLATFILE)
    run_preprocess([str(ngaw2_dir / "RSN5000_CHUETSU_FKS031EW.AT2")], tmp_path / "s.zarr", metadata_csv=[flatfile],
                   progress=False, workers=1)
    assert open_store(tmp_path / "s.zarr").column("event").tolist() == ["Chuetsu-oki_ Japan"]


PEER_ROWS = (" -- Summary of Metadata of Selected Records --,,,,,,\n"
             "Result ID, Spectral Ordinate, Record Sequence Number, Earthquake Name, Year, Station Name, Magnitude,"
             " Rrup (km), Vs30 (m/sec), Horizontal-1 Acc. Filename,,,\n"
             '1, SRSS,864," ""Landers""",1992," ""Joshua Tree""",7.28,11.03,379.32, RSN864_LANDERS_JOS000.AT2,,,\n'
             '2, SRSS,1614," ""Duzce_ Turkey""",1999," ""Lamont 1061""",7.14,11.46,481, RSN1614_DUZCE_1061-N.AT2,,,\n'
             ",,,,,,\n These records were obtained from the NGA-West2 On-Line Ground-Motion Database Tool,,,,,,\n")


def test_peers_quoted_earthquake_name_is_read_without_its_quotes(tmp_path):
    """The web tool writes each name cell as a blank and the name in quotes, inside the cell's own quotes (PEER_ROWS).
    The event read '"Landers"' (quotes kept), an event no AT2 header or other CSV names. Now 'Landers'."""
    path = tmp_path / "_SearchResults.csv"
    path.write_text(PEER_ROWS)
    rows = load_metadata_csv(path)
    assert {k: v["event"] for k, v in rows.items()} == {"RSN864": "Landers", "RSN1614": "Duzce_ Turkey"}
    assert (rows["RSN864"]["magnitude"], rows["RSN864"]["distance_km"], rows["RSN864"]["vs30_mps"]) == (
        7.28, 11.03, 379.32)
    path.write_text('record_id,event,region\na," ""Iwate""",""" japan"""\n')       # any such text cell
    assert load_metadata_csv(path)["a"] == {"event": "Iwate", "region": "japan"}


PARTIAL = ('"Record Sequence Number","Earthquake Name","Earthquake Magnitude","HypD (km)"\n'
           '5000,"Chuetsu-oki_ Japan",6.8,195.54\n5456,"Iwate_ Japan",6.9,145.37\n')


def test_a_partial_csv_gives_its_event_name_to_the_records_it_does_not_list(tmp_path, ngaw2_dir):
    """A PEER CSV listing only some records of an earthquake (a partial download) split it in two: RSN5000 took the
    CSV's 'Chuetsu-oki_ Japan', RSN5002 and RSN5003 (same event, not listed) kept their header's 'Chuetsu-oki', and
    RSN5814 (Iwate, whose RSN5456 the CSV lists but the run does not read) kept 'Iwate'. Event-split cross-validation
    and the level model's event terms saw 2 events where there is 1. Now the header's event takes the CSV's name for it,
    in the run that reads a listed file and in a later one adding unlisted files to the store; a per-event CSV row
    keyed by the header's name still applies."""
    from seisdiff.io.store import open_store
    from seisdiff.preprocess import run_preprocess
    from seisdiff.preprocess.condition import PreprocessConfig

    csv_path, events = tmp_path / "partial.csv", tmp_path / "events.csv"
    csv_path.write_text(PARTIAL)
    events.write_text("event,vs30\nChuetsu-oki,500\n")       # keyed by the AT2 header's name
    store, cfg = tmp_path / "s.zarr", PreprocessConfig(length=512)
    files = [str(ngaw2_dir / f) for f in ("RSN5000_CHUETSU_FKS031EW.AT2", "RSN5002_CHUETSU_FKSH02EW.AT2",
                                          "RSN5814_IWATE_44B91EW.AT2")]
    summary = run_preprocess(files, store, cfg, metadata_csv=[csv_path, events], progress=False, workers=1)
    run_preprocess([str(ngaw2_dir / "RSN5003_CHUETSU_FKSH04EW.AT2")], store, cfg, metadata_csv=[csv_path],
                   progress=False, workers=1)                  # a later run: only an unlisted file of the event
    s = open_store(store)
    assert dict(zip(s.record_ids.tolist(), s.column("event").tolist())) == {
        "RSN5000_CHUETSU_FKS031EW_w0": "Chuetsu-oki_ Japan", "RSN5002_CHUETSU_FKSH02EW_w0": "Chuetsu-oki_ Japan",
        "RSN5814_IWATE_44B91EW_w0": "Iwate", "RSN5003_CHUETSU_FKSH04EW_w0": "Chuetsu-oki_ Japan"}
    assert s.column("vs30_mps")[:2].tolist() == [500.0, 500.0]
    assert summary.unmatched_events == [] and summary.undecided_events == []


def test_a_header_event_the_csv_names_two_ways_keeps_its_name_with_one_line(tmp_path, ngaw2_dir):
    """Two listed records of one header event ('Chuetsu-oki', 2007-07-16) named differently by the CSV: which name its
    unlisted records take cannot be decided; they keep the header's, and one line says so."""
    from seisdiff.preprocess.events import csv_event_names

    table = {"RSN5000": {"event": "Chuetsu-oki_ Japan"}, "RSN5001": {"event": "EQ 278"}, "RSN5456": {"event": "Iwate"}}
    names, undecided = csv_event_names([ngaw2_dir / "RSN5000_CHUETSU_FKS031EW.AT2",
                                        ngaw2_dir / "RSN5001_CHUETSU_FKSH01EW.AT2",
                                        ngaw2_dir / "RSN5456_IWATE_AKT001EW.AT2"], table)
    assert names == {("iwate", "2008-06-13"): "Iwate"}
    assert undecided == ["metadata: the files of event 'Chuetsu-oki' (2007-07-16) are named 'Chuetsu-oki_ Japan' and "
                         "'EQ 278' by the metadata CSV: its records the CSV does not list keep 'Chuetsu-oki'; give all "
                         "its records one name (or list them all)"]
