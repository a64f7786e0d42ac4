"""A streamed training set whose pools (whole blocks less their validation records) each hold less than a
batch gives epochs of no step: training died after the scaling and level fits with UnboundLocalError
(grad_norm); now one line naming the store and the settings to change."""
from synth import make_store
from test_train import TINY_TOML

from seisdiff.cli import main


def test_epochs_without_a_full_batch_are_one_clear_line(tmp_path, capsys):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)     # 3 records per event: blocks of 3 = events
    toml = TINY_TOML.replace("[data]\n", "[data]\nblock_records = 3\nmax_memory_gb = 1e-9\n")
    (tmp_path / "t.toml").write_text(toml)
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "t.toml"), "--checkpoint-dir",
                 str(tmp_path / "run"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no full batch of 4" in err and "data.max_memory_gb" in err and "\n" not in err
    assert not (tmp_path / "run" / "last.pt").exists()
