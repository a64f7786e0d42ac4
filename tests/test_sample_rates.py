"""`sample` with waveform files at odd rates (the tiny model: tests/conftest.py): a header rate printed
rounded (AT2 DT= .0033333 for 300 Hz) is snapped to the exact rate it stands for; a rate that resamples to
the model's by no small ratio skips that file with one line, and the other files are generated."""
from synth import TINY_FS_HZ as FS, accelerogram, sample_cli, write_at2, write_mseed_trace

from seisdiff.io.store import open_store
from seisdiff.preprocess.whole import samples_at


def test_snap_rate():
    from seisdiff.dsp.resample import snap_rate

    assert snap_rate(1 / 0.0033333, 100.0) == 300.0             # DT printed rounded
    assert snap_rate(1 / 0.0019531, 100.0) == 512.0
    assert snap_rate(200.00000000000003, 100.0) == 200.00000000000003   # exact enough already: as it is
    assert snap_rate(99.7, 100.0) == 99.7                        # 1000/997 is exact
    for bad in (163934.4262, 0.0, float("nan")):
        try:
            snap_rate(bad, 100.0)
        except ValueError as exc:
            assert "Hz" in str(exc)
        else:
            raise AssertionError(bad)


def test_rounded_header_rate_is_snapped_and_an_unusable_rate_skips_only_its_file(tiny, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    n300 = 3001
    dt300 = write_at2(folder / "dt300.AT2", accelerogram(5, n=n300, fs_hz=300.0, pga=0.05), 1 / 300)
    dt300.write_text(dt300.read_text().replace("DT=    0.0033 SEC", "DT= .0033333 SEC"))
    write_at2(folder / "good.AT2", accelerogram(6, n=1200, pga=0.05), 0.01)
    fs_bad = 1 / 0.0000061                                        # 163934 Hz: 100/fs_bad is no ratio of terms ≤ 1000
    write_mseed_trace(folder / "odd.mseed", accelerogram(7, n=int(2.5 * fs_bad), fs_hz=fs_bad, pga=0.5), fs=fs_bad)
    out = tmp_path / "gen"
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", folder, "--units", "m/s^2", "--out", out,
                   "--format", "at2") == 0
    printed = capsys.readouterr().out.splitlines()
    skipped = [line for line in printed if "skipped" in line]
    assert len(skipped) == 1 and "odd.mseed" in skipped[0] and "Hz" in skipped[0], printed
    assert sorted(p.name for p in out.glob("*.AT2")) == ["dt300_r0.AT2", "good_r0.AT2"]
    cond = open_store(tmp_path / "gen_conditioning.zarr")
    lengths = dict(zip(cond.record_ids.tolist(), cond.column("n_samples").tolist()))
    assert lengths["dt300"] == samples_at(n300, 300.0, FS) == 1000 and lengths["good"] == 1200
