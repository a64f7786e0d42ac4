"""A store with one NaN sample: training used to run to the end (exit 0) with every weight of last.pt and
best.pt NaN. Now the records are refused by name, and a non-finite gradient stops before the weights change."""
import numpy as np
import torch
import zarr
from synth import make_store
from test_train import TINY_TOML

from seisdiff.cli import main
from seisdiff.engine import data


def _nan_store(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    broadband = zarr.open(str(store.path), mode="r+")["broadband"]
    record = broadband[3]
    record[0, 100] = np.nan
    broadband[3] = record
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    return store


def _train(tmp_path, store):
    return main(["train", "--data", str(store.path), "--config", str(tmp_path / "tiny.toml"),
                 "--checkpoint-dir", str(tmp_path / "run"), "--epochs", "1"])


def test_a_store_with_a_nan_record_is_refused_naming_it(tmp_path, capsys):
    store = _nan_store(tmp_path)
    assert _train(tmp_path, store) == 2
    err = capsys.readouterr().err.strip()
    assert "NaN or infinite" in err and "r003" in err and "\n" not in err
    assert not (tmp_path / "run" / "last.pt").exists()


def test_a_non_finite_gradient_stops_before_the_weights_change(tmp_path, capsys, monkeypatch):
    store = _nan_store(tmp_path)
    monkeypatch.setattr(data, "_refuse_non_finite", lambda *a: None, raising=False)  # as if the NaN came from elsewhere
    assert _train(tmp_path, store) == 2
    assert "the gradient is nan" in capsys.readouterr().err
    for name in ("last.pt", "best.pt"):   # nothing NaN was saved
        path = tmp_path / "run" / name
        if path.exists():
            ckpt = torch.load(path, weights_only=True)
            assert all(torch.isfinite(v).all() for v in ckpt["model"].values())
