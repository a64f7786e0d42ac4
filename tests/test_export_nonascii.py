"""Non-ASCII header text (a Latin-1 AT2 header, a grid station 'Åre') is written in ASCII ('Vina', 'Are')
by every export format instead of stopping the run; a record that still cannot be written is one line
from the file sink, and the records after it are written."""
from types import SimpleNamespace

import numpy as np
import obspy
import pytest

from seisdiff.io.at2 import read_at2
from seisdiff.io.export import export_records
from seisdiff.io.grid_store import write_station_files
from seisdiff.io.readers import read
from seisdiff.io.sinks import FileSink

META = {"network": "XX", "station": "Viña del Mar", "location": "", "channel": "HNZ",
        "event": "Valparaíso 1985", "start_time": "2020-01-02T03:04:05"}


@pytest.fixture
def acc():
    return np.random.default_rng(3).standard_normal((1, 600)) * 0.1


def test_ascii_text():
    from seisdiff.io.at2 import ascii_text

    assert ascii_text("Viña del Mar") == "Vina del Mar" and ascii_text("Åre") == "Are"
    assert ascii_text("Vi\ufffda") == "Vi?a" and ascii_text("a\nb") == "a b" and ascii_text("ABC") == "ABC"


def test_latin1_at2_header_is_read_and_every_format_writes_it(tmp_path, ngaw2_dir, acc):
    lines = (ngaw2_dir / "RSN5000_CHUETSU_FKS031EW.AT2").read_bytes().split(b"\n")
    lines[1] = "Valparaíso 1985, 03/03/1985, Viña del Mar, 070".encode("latin-1")
    src = tmp_path / "VINA_070.AT2"
    src.write_bytes(b"\n".join(lines))
    (rec,) = read_at2(src)
    assert (rec.event, rec.station, rec.component) == ("Valparaíso 1985", "Viña del Mar", "070")
    meta = [{"station": rec.station, "event": rec.event, "channel": rec.component}]
    (at2,) = export_records(tmp_path / "at2", "at2", rec.acc_mps2[None], rec.sampling_rate_hz, ["VINA_070_r0"],
                            meta=meta)
    assert at2.read_bytes().decode("ascii").splitlines()[1] == "Valparaiso 1985, , Vina del Mar, 070"
    (back,) = read(at2)
    assert (back.event, back.station, back.component) == ("Valparaiso 1985", "Vina del Mar", "070")
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, rtol=1e-7)
    for fmt in ("mseed", "sac"):
        (path,) = export_records(tmp_path / fmt, fmt, rec.acc_mps2[None], rec.sampling_rate_hz, ["VINA_070_r0"],
                                 meta=meta)
        (tr,) = obspy.read(str(path))
        assert tr.stats.station == ("Vina" if fmt == "mseed" else "Vina del")   # 5 / 8 characters
        assert tr.stats.channel == "070"
        if fmt == "sac":
            assert tr.stats.sac.kevnm.strip() == "Valparaiso 1985"


@pytest.mark.parametrize("fmt", ["at2", "mseed", "sac"])
def test_every_format_writes_non_ascii_meta(tmp_path, acc, fmt):
    (path,) = export_records(tmp_path, fmt, acc, 100.0, ["Åre_r0"], meta=[{**META, "station": "Åre"}])
    assert path.name == f"Åre_r0{'.AT2' if fmt == 'at2' else '.' + fmt}"        # the file name as given
    (rec,) = read(path, units="m/s^2") if fmt == "mseed" else read(path)
    assert rec.station == "Are"
    np.testing.assert_allclose(rec.acc_mps2, acc[0], rtol=2e-7)
    if fmt != "at2":
        assert rec.start_time.startswith("2020-01-02T03:04:05")


@pytest.mark.parametrize("fmt", ["mseed", "sac", "at2"])
def test_grid_station_with_non_ascii_name_is_written(tmp_path, fmt):
    acc = np.random.default_rng(4).standard_normal((3, 400)) * 0.1
    paths = write_station_files(tmp_path, fmt, acc, 50.0, "Åre", "XX", ["H1", "H2", "Z"], "2021-05-06T07:08:09.5")
    assert len(paths) == (1 if fmt == "mseed" else 3) and all(p.is_file() for p in paths)
    recs = [r for p in paths for r in (read(p, units="m/s^2") if fmt == "mseed" else read(p))]
    assert [r.station for r in recs] == ["Are"] * 3
    np.testing.assert_allclose(np.stack([r.acc_mps2 for r in recs]), acc, rtol=2e-7, atol=1e-12)


def test_file_sink_reports_a_record_it_cannot_write_and_goes_on(tmp_path, capsys):
    cond = SimpleNamespace(path=tmp_path / "cond.zarr", sampling_rate_hz=100.0, band_hz=(0.1, 25.0), n_channels=1)
    sink = FileSink(tmp_path, cond, "mseed")
    acc = np.random.default_rng(5).standard_normal((1, 500)) * 0.1
    sink.add("bad", 0, acc, None, {"start_time": "not a time", "station": "ABC"})     # UTCDateTime refuses it
    sink.add("good", 0, acc, None, {"start_time": "2020-01-02T03:04:05", "station": "Åre"})
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"sample: skipped {tmp_path / 'bad_r0.mseed'}: cannot be written")
    assert not sink.done("bad", 0) and sink.done("good", 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good_r0.mseed"]
    (rec,) = read(tmp_path / "good_r0.mseed", units="m/s^2")
    assert rec.station == "Are"
    np.testing.assert_array_equal(rec.acc_mps2, acc[0])


def test_file_sink_says_whether_it_wrote_the_record(tmp_path, capsys):
    """`sample` counts only the records its sink wrote (the summary's "generated" is what is on disk)."""
    cond = SimpleNamespace(path=tmp_path / "cond.zarr", sampling_rate_hz=100.0, band_hz=(0.1, 25.0), n_channels=1)
    sink = FileSink(tmp_path, cond, "mseed")
    acc = np.random.default_rng(6).standard_normal((1, 500)) * 0.1
    assert sink.add("bad", 0, acc, None, {"start_time": "not a time"}) is False
    assert sink.add("good", 0, acc, None, {"start_time": "2020-01-02T03:04:05"}) is True
    assert sorted(p.name for p in tmp_path.glob("*.mseed")) == ["good_r0.mseed"]
