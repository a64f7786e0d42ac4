"""Config files with settings of the wrong type or out of range: one clear line naming the setting, before
any training (they used to pass load_config and fail later as tracebacks, or train silently: lr ≤ 0)."""
import pytest

from seisdiff.cli import main
from seisdiff.engine.config import load_config
from seisdiff.errors import UserError

BAD = [
    ("lr = 0.0", "lr"), ("lr = -1e-3", "lr"), ("lr = nan", "lr"), ('lr = "1e-3"', "lr"),
    ("epochs = 0", "epochs"), ('epochs = "ten"', "epochs"), ("batch_size = 0", "batch_size"),
    ("grad_accum = 0", "grad_accum"), ("eval_every = 0", "eval_every"), ("diagnostics_every = 0", "diagnostics_every"),
    ("checkpoint_every = 0", "checkpoint_every"), ("ema_decay = 2.0", "ema_decay"), ("warmup_steps = -1", "warmup_steps"),
    ("min_lr_ratio = 2", "min_lr_ratio"), ('target = "foo"', "target"), ('scale_reference = "rms"', "scale_reference"),
    ("logsnr_min = 20.0", "logsnr_min"), ("max_minutes = 0", "max_minutes"), ('amp = "no"', "amp"),
    ('model = "small"', "model"),
    ("[data]\nwindow = -5", "data.window"), ('[data]\nwindow = "x"', "data.window"),
    ("[data]\nval_fraction = 1.5", "data.val_fraction"), ("[data]\nmetadata_dropout = 2", "data.metadata_dropout"),
    ("[data]\nblock_records = 0", "data.block_records"),
    ("[model]\nchannels = 8", "model.channels"), ("[model]\ngroups = 5", "model.groups"),
    ("[model]\nkernel_size = 4", "model.kernel_size"), ("[model]\nheads = 3", "model.heads"),
    ("[model]\nemb_dim = 33", "model.emb_dim"), ("[model]\nchannels = [8, 16]\ngroups = 4", "model.down_factors"),
]


@pytest.mark.parametrize("text,key", BAD)
def test_a_bad_setting_is_one_line_naming_it(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n")
    with pytest.raises(UserError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and key in message, message


def test_train_refuses_a_bad_config_before_reading_the_store(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text("eval_every = 0\n")   # was a ZeroDivisionError after the first epoch
    assert main(["train", "--data", str(tmp_path / "missing.zarr"), "--config", str(tmp_path / "bad.toml"),
                 "--checkpoint-dir", str(tmp_path / "run")]) == 2
    assert "eval_every = 0" in capsys.readouterr().err


def test_the_shipped_recipes_and_defaults_pass(tmp_path):
    from pathlib import Path
    for recipe in sorted(Path(__file__).parents[1].glob("docs/recipe/*.toml")):
        load_config(recipe)
    cfg = load_config(None)
    assert cfg.lr > 0 and cfg.model.kernel_size % 2 == 1


def test_a_checkpoint_trained_with_a_now_refused_setting_still_samples(tmp_path):
    """The checks are for configurations a user gives; a checkpoint's own config (an lr = 0 fine-tuning
    run of before) stays loadable."""
    from seisdiff.engine.checkpoint import save_checkpoint
    from seisdiff.engine.config import ModelConfig, TrainConfig
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.model import UNet1d
    from seisdiff.engine.scaling import Scaler
    cfg = TrainConfig(model=ModelConfig(channels=(8, 16), down_factors=(4,), groups=4, emb_dim=32, heads=2), lr=0.0)
    path = save_checkpoint(tmp_path / "old.pt", {"ema": UNet1d(cfg.model).state_dict(), "config": cfg.to_dict(),
                                                 "scaling": Scaler().to_dict()})
    assert load_denoiser(path).config.lr == 0.0
