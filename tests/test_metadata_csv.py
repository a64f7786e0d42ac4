"""The --metadata CSV as spreadsheets save it (`preprocess.metadata.load_metadata_csv`): Excel's "CSV UTF-8" (a BOM
before the first header), its plain "CSV" (Windows-1252: accented names), UTF-16; a binary file is one clear line."""
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
