"""A resumed `sample` output whose input was rewritten in place (same records, other amplitudes) is refused
with one line instead of mixing realizations of the old input with the new (seisdiff.io.fingerprint);
unchanged, or only touched, inputs resume as before, and an output of an earlier version (no fingerprint)
resumes with a warning. The tiny model: tests/conftest.py."""
import json
import os
import shutil

import numpy as np
import pytest
from synth import TINY_LENGTH, accelerogram, make_store, sample_cli, write_mseed_trace

from seisdiff.io import sinks
from seisdiff.io.store import open_store


@pytest.fixture
def stop_after_one_block(monkeypatch):
    """Interrupt `sample` (KeyboardInterrupt, exit 130) at its second block's commit: one record kept."""
    real, calls = sinks.ZarrSink.flush, []

    def flush(self):
        if self.buffer and calls:
            raise KeyboardInterrupt
        calls.append(len(self.buffer))
        real(self)

    monkeypatch.setattr(sinks.ZarrSink, "flush", flush)
    return lambda: monkeypatch.setattr(sinks.ZarrSink, "flush", real)


def _files(folder, scale=1.0):
    folder.mkdir(exist_ok=True)
    for s in range(3):   # rewritten in place: the same files, stations and lengths
        write_mseed_trace(folder / f"S{s}.mseed", scale * accelerogram(s, n=1000, pga=0.3), sta=f"S{s}")
    return folder


def _sample(tiny, cond, out, *extra):
    return sample_cli("--checkpoint", tiny.ckpt, "--cond", cond, "--units", "m/s^2", "--out", out,
                      "--block-records", 1, *extra)


def test_waveform_files_rewritten_in_place_are_not_mixed_into_a_resumed_output(tiny, tmp_path, stop_after_one_block,
                                                                              capsys):
    folder, out = _files(tmp_path / "lf"), tmp_path / "gen.zarr"
    assert _sample(tiny, folder, out) == 130
    stop_after_one_block()
    assert len(open_store(out)) == 1
    _files(folder, scale=3.0)                       # the same files, 3x the amplitudes
    capsys.readouterr()
    assert _sample(tiny, folder, out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "S0.mseed" in err[0] and "another --out" in err[0], err
    assert len(open_store(out)) == 1                # nothing added: no realization of the new input mixed in
    # the input as it was: the output resumes, and equals a run never interrupted
    _files(folder)
    assert _sample(tiny, folder, out) == 0
    assert "2 realizations generated (1 already written)" in capsys.readouterr().out
    assert _sample(tiny, folder, tmp_path / "ref.zarr") == 0
    a, b = open_store(out), open_store(tmp_path / "ref.zarr")
    np.testing.assert_array_equal(a.read()["broadband"][np.argsort(a.record_ids)],
                                  b.read()["broadband"][np.argsort(b.record_ids)])


def test_a_rewritten_conditioning_store_is_not_mixed_into_a_resumed_output(tiny, tmp_path, stop_after_one_block, capsys):
    cond, out = tmp_path / "cond.zarr", tmp_path / "gen.zarr"
    make_store(cond, n=3, length=TINY_LENGTH, seed=1)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond, "--out", out, "--block-records", 1) == 130
    stop_after_one_block()
    shutil.rmtree(cond)
    make_store(cond, n=3, length=TINY_LENGTH, seed=2)   # preprocessed again: the same ids, other records
    capsys.readouterr()
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond, "--out", out, "--block-records", 1) == 2
    err = capsys.readouterr().err
    assert "cond.zarr" in err and "other versions of them" in err, err
    assert len(open_store(out)) == 1


def test_file_outputs_refuse_a_rewritten_input_and_resume_an_unchanged_or_touched_one(tiny, tmp_path, capsys):
    folder, out = _files(tmp_path / "lf"), tmp_path / "files"
    assert _sample(tiny, folder, out, "--format", "mseed") == 0
    (out / "S2.XX.S2.00.HNZ_r0.mseed").unlink()                  # as if interrupted before the last record
    for f in folder.iterdir():                      # touched (or copied): the same content, other times
        st = f.stat()
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    capsys.readouterr()
    assert _sample(tiny, folder, out, "--format", "mseed") == 0
    assert "1 realizations generated (2 already written)" in capsys.readouterr().out
    (out / "S2.XX.S2.00.HNZ_r0.mseed").unlink()
    _files(folder, scale=0.5)
    assert _sample(tiny, folder, out, "--format", "mseed") == 2
    assert "other versions of them" in capsys.readouterr().err
    assert not (out / "S2.XX.S2.00.HNZ_r0.mseed").exists()


def test_an_output_without_fingerprints_resumes_with_a_warning(tiny, tmp_path, capsys):
    folder, out = _files(tmp_path / "lf"), tmp_path / "gen.zarr"
    assert _sample(tiny, folder, out) == 0
    config = out / "sample_config.json"
    settings = json.loads(config.read_text())
    assert set(settings["inputs"]) == {str((folder / f"S{s}.mseed").resolve()) for s in range(3)}
    config.write_text(json.dumps({k: v for k, v in settings.items() if k != "inputs"}))   # an earlier version's
    capsys.readouterr()
    assert _sample(tiny, folder, out, "--realizations", 2) == 0
    printed = capsys.readouterr()
    assert "3 realizations generated (3 already written)" in printed.out and "earlier seisdiff" in printed.err
    assert "inputs" in json.loads(config.read_text())          # recorded now: later resumes are checked


def test_files_added_or_left_out_are_not_mixed_into_a_resumed_output(tiny, tmp_path, stop_after_one_block, capsys):
    """Waveform files given one by one: a resume with a file added (its event's stations placed the records already
    written without it) or left out (its records would stay in OUT) is refused in one line; the same files resume."""
    folder, out = _files(tmp_path / "lf"), tmp_path / "gen.zarr"
    two = [folder / "S0.mseed", folder / "S1.mseed"]
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", *two, "--units", "m/s^2", "--out", out,
                      "--block-records", 1) == 130
    stop_after_one_block()
    capsys.readouterr()
    for cond in ([*two, folder / "S2.mseed"], two[:1]):
        assert sample_cli("--checkpoint", tiny.ckpt, "--cond", *cond, "--units", "m/s^2", "--out", out,
                          "--block-records", 1) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and ("1 input(s) added" in err[0] or "1 left out" in err[0]), err
    assert len(open_store(out)) == 1
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", *two, "--units", "m/s^2", "--out", out,
                      "--block-records", 1) == 0
    assert "1 realizations generated (1 already written)" in capsys.readouterr().out
