"""A training run SIGKILLed while it writes an epoch's files resumes to the same end: best.pt, last.pt
and metrics.jsonl agree (one row per epoch) and no temporary file is left; config.json is atomic."""
import json
import os
import subprocess
import sys

import pytest
from synth import make_store
from test_train import TINY_TOML as BASE_TOML

from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.engine.config import TrainConfig

# test_train's tiny model, without its frequent diagnostics
TINY_TOML = BASE_TOML.replace("diagnostics_every = 2", "diagnostics_every = 100\ncheckpoint_every = 2")

# runs `seisdiff train`, killing itself (SIGKILL) half-way through the KILL_AT-th checkpoint write
KILLER = """
import io, os, signal, sys, torch
from seisdiff.cli import main
calls, save = [0], torch.save
def killing_save(obj, f, *a, **k):
    calls[0] += 1
    if calls[0] == int(os.environ["KILL_AT"]):
        buf = io.BytesIO(); save(obj, buf)
        with open(f, "wb") as out:
            out.write(buf.getvalue()[: len(buf.getvalue()) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    return save(obj, f, *a, **k)
torch.save = killing_save
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupted")
    (root / "tiny.toml").write_text(TINY_TOML)
    return make_store(root / "s.zarr", n=12, length=256), root / "tiny.toml"


def _rows(ckpt_dir, kind="epoch"):
    return [r for r in map(json.loads, (ckpt_dir / "metrics.jsonl").read_text().splitlines()) if r["kind"] == kind]


def _check_consistent(ckpt_dir, epochs):
    rows = _rows(ckpt_dir)
    assert [r["epoch"] for r in rows] == list(range(1, epochs + 1))
    last, best = load_checkpoint(ckpt_dir / "last.pt"), load_checkpoint(ckpt_dir / "best.pt")
    val = {r["epoch"]: r["val_loss"] for r in rows}
    assert last["epoch"] == epochs and last["best_val_loss"] == best["best_val_loss"] == min(val.values())
    assert best["epoch"] == min(val, key=val.get)
    assert load_checkpoint(ckpt_dir / f"epoch_{epochs:04d}.pt")["epoch"] == epochs
    assert not [p.name for p in ckpt_dir.iterdir() if p.name.endswith(".tmp")]


# 2 epochs: epoch 1 writes best.pt and last.pt, epoch 2 up to best.pt, epoch_0002.pt and last.pt;
# every kill point of epoch 2 (whichever file it hits) must resume to a consistent folder
@pytest.mark.parametrize("kill_at", [3, 4, 5])
def test_a_run_killed_while_saving_resumes_consistently(store, tmp_path, kill_at):
    data, toml = store
    ckpt = tmp_path / "b"
    args = ["train", "--data", str(data.path), "--config", str(toml), "--checkpoint-dir", str(ckpt),
            "--epochs", "2", "--device", "cpu"]
    env = {**os.environ, "KILL_AT": str(kill_at), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", KILLER, *args], env=env, capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr[-2000:]                       # killed during a write
    assert main([*args, "--resume"]) == 0
    _check_consistent(ckpt, 2)


def test_resume_drops_metrics_rows_after_last_pt_and_stale_temporary_files(store, tmp_path):
    data, toml = store
    ckpt = tmp_path / "b"
    args = ["train", "--data", str(data.path), "--config", str(toml), "--checkpoint-dir", str(ckpt), "--device", "cpu"]
    assert main([*args, "--epochs", "1"]) == 0
    with open(ckpt / "metrics.jsonl", "a") as f:                    # what a kill before last.pt leaves
        f.write(json.dumps({"kind": "epoch", "epoch": 2, "train_loss": 9.0, "val_loss": 1e-9}) + "\n")
        f.write(json.dumps({"kind": "diagnostics", "noisy_std": 1.0}) + "\n")
        f.write('{"kind": "epo')                                     # torn mid-line
    (ckpt / ".best.pt.4242.tmp").write_bytes(b"\0" * 1000)
    (ckpt / "keep.tmp").write_text("not ours")
    assert main([*args, "--epochs", "2", "--resume"]) == 0
    rows = _rows(ckpt)
    assert [r["epoch"] for r in rows] == [1, 2] and rows[1]["val_loss"] > 1e-9
    assert not (ckpt / ".best.pt.4242.tmp").exists() and (ckpt / "keep.tmp").exists()
    assert load_checkpoint(ckpt / "last.pt")["best_val_loss"] == min(r["val_loss"] for r in rows)


def test_config_json_is_written_atomically(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text('{"epochs": 3}\n')

    write_text = type(tmp_path).write_text

    def fail(self, text, *a, **k):                                 # the disk fills half-way through
        write_text(self, text[:10], *a, **k)
        raise OSError("disk full")
    monkeypatch.setattr(type(tmp_path), "write_text", fail)
    with pytest.raises(OSError):
        TrainConfig(epochs=7).save(tmp_path / "config.json")
    monkeypatch.undo()
    assert (tmp_path / "config.json").read_text() == '{"epochs": 3}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
    TrainConfig(epochs=7).save(tmp_path / "config.json")
    assert json.loads((tmp_path / "config.json").read_text())["epochs"] == 7
