"""best.pt and best_val_loss: with validation records only epochs that have a validation loss compete
(eval_every > 1 leaves epochs without one); without validation records the training loss is the score."""
import json

from synth import make_store
from test_train import TINY_TOML as BASE_TOML

from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint

# test_train's tiny model, without its frequent diagnostics
TINY_TOML = BASE_TOML.replace("diagnostics_every = 2", "diagnostics_every = 100\ncheckpoint_every = 100")


def _epoch_rows(ckpt_dir):
    rows = [json.loads(line) for line in (ckpt_dir / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if r["kind"] == "epoch"]


def test_eval_every_picks_best_on_validation_epochs_only(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    (tmp_path / "e.toml").write_text(TINY_TOML.replace("progress = false", "progress = false\neval_every = 2"))
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "e.toml"),
                 "--checkpoint-dir", str(tmp_path / "e"), "--epochs", "4", "--device", "cpu"]) == 0
    rows = _epoch_rows(tmp_path / "e")
    assert [("val_loss" in r) for r in rows] == [False, True, False, True]
    val = {r["epoch"]: r["val_loss"] for r in rows if "val_loss" in r}
    best_epoch = min(val, key=val.get)
    last, best = load_checkpoint(tmp_path / "e" / "last.pt"), load_checkpoint(tmp_path / "e" / "best.pt")
    assert last["best_val_loss"] == best["best_val_loss"] == val[best_epoch]
    assert best["epoch"] == best_epoch


def test_without_validation_records_the_training_loss_is_the_score(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=3, length=256)                  # one event: no validation
    (tmp_path / "t.toml").write_text(TINY_TOML.replace("progress = false", "progress = false\neval_every = 2"))
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "t.toml"),
                 "--checkpoint-dir", str(tmp_path / "t"), "--epochs", "2", "--batch-size", "3", "--device", "cpu"]) == 0
    rows = _epoch_rows(tmp_path / "t")
    assert all("val_loss" not in r for r in rows)
    losses = {r["epoch"]: r["train_loss"] for r in rows}
    best = load_checkpoint(tmp_path / "t" / "best.pt")
    assert best["best_val_loss"] == min(losses.values()) and best["epoch"] == min(losses, key=losses.get)
