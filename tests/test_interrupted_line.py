"""Ctrl-C says how to resume, and what it says resumes: `train` needs --resume (the same command without it is
refused, its folder holding last.pt); the other commands resume with the same command."""
import pytest
from synth import make_store
from test_train import TINY_TOML

from seisdiff.cli import main
from seisdiff.engine import train as train_module


@pytest.fixture()
def stopped(monkeypatch):
    real, calls = train_module.train_step, []

    def stop_in_the_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "train_step", stop_in_the_second_epoch)


def test_an_interrupted_train_says_the_command_that_resumes_it(tmp_path, capsys, stopped):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    (tmp_path / "tiny.toml").write_text(TINY_TOML.replace("diagnostics_every = 2", "diagnostics_every = 100"))
    args = ["train", "--data", str(store.path), "--config", str(tmp_path / "tiny.toml"), "--checkpoint-dir",
            str(tmp_path / "run"), "--epochs", "2", "--device", "cpu"]
    assert main(args) == 130
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == "seisdiff train: interrupted; re-run the same command with --resume to resume."
    assert (tmp_path / "run" / "last.pt").is_file()
    assert main(args) == 2                                    # without --resume: refused
    assert main([*args, "--resume"]) == 0
    assert main([*args, "--resume"]) == 0                     # nothing left: the same line still resumes


def test_a_train_stopped_by_a_full_disk_says_the_command_that_resumes_it(tmp_path, capsys, monkeypatch):
    """... and names the output option train has: its line offered '(or give another --out)', an option train
    does not have (its output is --checkpoint-dir; `train --out` is refused by argparse)."""
    import errno

    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    (tmp_path / "tiny.toml").write_text(TINY_TOML.replace("diagnostics_every = 2", "diagnostics_every = 100"))
    args = ["train", "--data", str(store.path), "--config", str(tmp_path / "tiny.toml"), "--checkpoint-dir",
            str(tmp_path / "run"), "--epochs", "1", "--device", "cpu"]

    def full(path, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(train_module, "save_checkpoint", full)
    assert main(args) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "re-run the same command with --resume;" in line
    assert "--out" not in line and "give another --checkpoint-dir" in line


def test_an_interrupted_demo_stops_as_interrupted_not_as_failed(tmp_path, capsys, monkeypatch):
    from seisdiff.commands import simulate

    def stopped(args):
        raise KeyboardInterrupt          # Ctrl-C in the demo's first step

    monkeypatch.setattr(simulate, "run", stopped)
    assert main(["demo", "--out", str(tmp_path / "demo"), "--records", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "seisdiff demo: interrupted; re-run the same command to resume."
    assert "failed" not in err
