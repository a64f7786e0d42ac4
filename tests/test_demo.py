"""The README's first command, shrunk: the whole path on the shipped default model."""
import json

import numpy as np
import pytest
import torch

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.io.store import open_store
from seisdiff import pretrained
from seisdiff.pretrained import DEFAULT_CHECKPOINT, export_default, resolve_checkpoint


@pytest.mark.skipif(not DEFAULT_CHECKPOINT.is_file(), reason="no shipped default model")
def test_demo_end_to_end_on_the_default(tmp_path, capsys):
    empty = tmp_path / "no_real_records"
    empty.mkdir()
    code = main(["demo", "--out", str(tmp_path / "d"), "--records", str(empty), "--n-sim", "6",
                 "--n-test", "3", "--realizations", "1"])     # the default's own sampler: its distilled twin
    assert code == 0
    out = capsys.readouterr().out
    assert "VERDICT: scale is physical" in out and "report.md" in out
    metrics = json.loads((tmp_path / "d" / "report" / "metrics.json").read_text())
    model = metrics["summary"]["model"]
    assert model["lowband_corr_median"] > 0.999                 # the low band is the conditioning
    gen = open_store(tmp_path / "d" / "generated.zarr")
    real = open_store(tmp_path / "d" / "test.zarr")
    assert gen.attrs["units"] == "m/s^2" and len(gen) == 3
    if pretrained.DEFAULT_SAMPLES_DISTILLED and pretrained.DISTILLED_CHECKPOINT.is_file():   # the few-step twin
        assert gen.attrs["sampling"]["evaluations"] <= 4
        assert gen.attrs["sampling"]["checkpoint"].endswith("distilled.pt")
    ratio = np.abs(gen.read()["broadband"]).max() / np.abs(real.read()["broadband"]).max()
    assert 0.1 < ratio < 10                                     # physical scale, not g or normalized


@pytest.mark.skipif(not DEFAULT_CHECKPOINT.is_file(), reason="no shipped default model")
def test_default_checkpoint_loads_weights_only_and_round_trips(tmp_path):
    ckpt = torch.load(DEFAULT_CHECKPOINT, weights_only=True)
    assert {"ema", "config", "scaling", "store"} <= set(ckpt)
    assert ckpt["store"]["sampling_rate_hz"] == 100.0 and ckpt["store"]["lowpass_hz"] == 1.0
    copy = export_default(DEFAULT_CHECKPOINT, tmp_path / "copy.pt")   # a sampling-only file re-exports
    again = torch.load(copy, weights_only=True)
    for k, v in ckpt["ema"].items():
        torch.testing.assert_close(again["ema"][k], v)
    assert resolve_checkpoint("default") == DEFAULT_CHECKPOINT
    with pytest.raises(UserError, match="not found"):
        resolve_checkpoint(tmp_path / "missing.pt")


@pytest.mark.skipif(not DEFAULT_CHECKPOINT.is_file(), reason="no shipped default model")
def test_default_checkpoint_loads_through_the_migration():
    """default.pt loads as the current version with the scaling and settings it was shipped with (settings
    added since take their defaults)."""
    from seisdiff.engine.checkpoint import VERSION, load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser

    raw = torch.load(DEFAULT_CHECKPOINT, weights_only=True)
    assert load_checkpoint(DEFAULT_CHECKPOINT)["version"] == VERSION
    _, config, scaler, *_ = load_denoiser(DEFAULT_CHECKPOINT)
    assert scaler.to_dict() == {**raw["scaling"], "filter_order": float(raw["scaling"]["filter_order"])}
    assert _saved_part(config.to_dict(), raw["config"]) == raw["config"]
    assert config.data.crop_overhang == 0.0            # a setting added since: its default, the old crops


def _saved_part(current: dict, saved: dict) -> dict:
    """`current` restricted to the keys `saved` has, at every level (settings added since dropped)."""
    return {k: _saved_part(current[k], v) if isinstance(v, dict) and isinstance(current.get(k), dict)
            else current.get(k) for k, v in saved.items()}


def test_a_missing_default_model_is_one_clear_line(monkeypatch, tmp_path):
    """The one resolver of `--checkpoint default` (the `sample` command uses it)."""
    import seisdiff.pretrained as pretrained

    monkeypatch.setattr(pretrained, "DEFAULT_CHECKPOINT", tmp_path / "default.pt")
    with pytest.raises(UserError, match="shipped default model not found") as err:
        pretrained.resolve_checkpoint("default")
    assert "\n" not in str(err.value)


def test_demo_train_batch_fits_a_small_training_split(tmp_path, monkeypatch, capsys):
    """demo --n-sim 8 --train failed at its train step: '4 training records, fewer than one batch (16); lower
    --batch-size', an option the demo does not have (it passed 16 whatever the split held)."""
    import seisdiff.cli
    from seisdiff.engine.data import split_indices

    real_main, seen = seisdiff.cli.main, {}

    class Stop(Exception):
        pass

    def fake_main(argv):
        if argv[0] == "train":
            seen["train"] = argv
            return 0
        if argv[0] == "sample":
            raise Stop
        return real_main(argv)

    monkeypatch.setattr(seisdiff.cli, "main", fake_main)
    empty = tmp_path / "no_real_records"
    empty.mkdir()
    with pytest.raises(Stop):
        real_main(["demo", "--out", str(tmp_path / "d"), "--records", str(empty), "--n-sim", "8", "--n-test", "1",
                   "--train"])
    n_train = len(split_indices(open_store(tmp_path / "d" / "train.zarr"), 0.1, 0)[0])
    argv = seen["train"]
    assert n_train == 4 and int(argv[argv.index("--batch-size") + 1]) == 4
    assert "training split holds 4 records" in capsys.readouterr().out
