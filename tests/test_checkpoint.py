"""Checkpoints: atomic weights_only round trip, RNG states, clear errors for corrupt or mismatched files."""
import random

import numpy as np
import pytest
import torch

from seisdiff.engine.checkpoint import (check_compatible, load_checkpoint, load_state, rng_state, save_checkpoint,
                                        set_rng_state)
from seisdiff.engine.config import ModelConfig, TrainConfig
from seisdiff.engine.denoiser import load_denoiser
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import Scaler
from seisdiff.errors import UserError

TINY = ModelConfig(channels=(8, 16), down_factors=(4,), groups=4, emb_dim=32, heads=2)


def _payload(cfg: TrainConfig, seed=0):
    torch.manual_seed(seed)
    model, ema = UNet1d(cfg.model), UNet1d(cfg.model)
    opt = torch.optim.AdamW(model.parameters())
    model(torch.randn(1, 1, 64), torch.zeros(1), torch.randn(1, 1, 64), torch.zeros(1, 4)).sum().backward()
    opt.step()
    return {"epoch": 3, "step": 30, "best_val_loss": 0.5, "model": model.state_dict(), "ema": ema.state_dict(),
            "optimizer": opt.state_dict(), "scheduler": {}, "rng": rng_state(),
            "scaling": Scaler(global_factor=2.5, log_scale_mean=-3.0).to_dict(), "config": cfg.to_dict()}


def test_round_trip_weights_only_and_atomic(tmp_path):
    cfg = TrainConfig(model=TINY)
    payload = _payload(cfg)
    path = save_checkpoint(tmp_path / "last.pt", payload)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]       # no temporary left behind
    torch.load(path, weights_only=True)                                     # plain types only
    ckpt = load_checkpoint(path)
    for name, value in payload["model"].items():
        torch.testing.assert_close(ckpt["model"][name], value, rtol=0, atol=0)
    assert ckpt["config"] == cfg.to_dict() and ckpt["scaling"]["global_factor"] == 2.5
    opt = torch.optim.AdamW(UNet1d(TINY).parameters())
    load_state(opt, ckpt["optimizer"], path, "optimizer state")
    assert opt.state_dict()["state"][0]["step"] == 1
    denoiser, config, scaler, *_ = load_denoiser(path)
    assert config.model == TINY and scaler == Scaler(global_factor=2.5, log_scale_mean=-3.0)
    for name, value in payload["ema"].items():                              # sampling uses the EMA weights
        torch.testing.assert_close(denoiser.model.state_dict()[name], value, rtol=0, atol=0)


def test_rng_states_restore_all_generators():
    state = rng_state()
    first = (torch.rand(3), np.random.rand(3), random.random())
    set_rng_state(state)
    again = (torch.rand(3), np.random.rand(3), random.random())
    torch.testing.assert_close(again[0], first[0], rtol=0, atol=0)
    np.testing.assert_array_equal(again[1], first[1])
    assert again[2] == first[2]


def test_corrupt_truncated_and_foreign_files_are_clear_errors(tmp_path):
    good = save_checkpoint(tmp_path / "good.pt", _payload(TrainConfig(model=TINY)))
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all" * 10)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    for path, match in [(truncated, "corrupt"), (garbage, "corrupt"), (foreign, "not a seisdiff checkpoint"),
                        (tmp_path / "missing.pt", "not found")]:
        with pytest.raises(UserError, match=match) as err:
            load_checkpoint(path)
        assert str(path) in str(err.value)
    pickled = tmp_path / "pickled.pt"                                       # arbitrary objects are refused
    torch.save({"format": "seisdiff-checkpoint", "version": 1, "obj": TrainConfig()}, pickled)
    with pytest.raises(UserError, match="corrupt"):
        load_checkpoint(pickled)


def test_a_distillation_state_and_a_model_are_not_taken_for_each_other(tmp_path, capsys):
    """`distill`'s OUT/last.pt (a state: no config, scaling, EMA) given where a model is wanted used to be a
    KeyError traceback ('config') in sample, train --resume, distill --teacher and init_from."""
    from seisdiff.cli import main
    model = UNet1d(TINY)
    (tmp_path / "d").mkdir()
    state = save_checkpoint(tmp_path / "d" / "last.pt", {
        "round": 4, "step": 25, "model": model.state_dict(), "optimizer": {}, "scheduler": {},
        "distill_config": {"teacher": "t.pt", "data": "s.zarr", "out": str(tmp_path / "d")}})
    with pytest.raises(UserError, match="state of a distillation") as err:
        load_checkpoint(state)
    assert str(state) in str(err.value) and "distilled.pt" in str(err.value)
    assert load_checkpoint(state, kind="distill state")["round"] == 4
    trained = save_checkpoint(tmp_path / "last.pt", _payload(TrainConfig(model=TINY)))
    with pytest.raises(UserError, match="trained model's checkpoint"):
        load_checkpoint(trained, kind="distill state")
    assert main(["sample", "--checkpoint", str(state), "--cond", str(tmp_path / "none.zarr"),
                 "--out", str(tmp_path / "o.zarr")]) == 2
    assert "state of a distillation" in capsys.readouterr().err


def test_mismatched_config_and_shapes_are_clear_errors(tmp_path):
    path = save_checkpoint(tmp_path / "last.pt", _payload(TrainConfig(model=TINY)))
    ckpt = load_checkpoint(path)
    wider = TrainConfig(model=ModelConfig(**{**TINY.__dict__, "channels": (8, 24)}))
    with pytest.raises(UserError, match=r"model\.channels: \[8, 16\] vs \[8, 24\]"):
        check_compatible(ckpt["config"], wider.to_dict(), path)
    with pytest.raises(UserError, match="target: 'v' vs 'eps'"):
        check_compatible(ckpt["config"], TrainConfig(model=TINY, target="eps").to_dict(), path)
    check_compatible(ckpt["config"], TrainConfig(model=TINY, epochs=999, lr=1.0).to_dict(), path)  # may change
    with pytest.raises(UserError, match="does not fit") as err:
        load_state(UNet1d(wider.model), ckpt["model"], path, "model weights")
    assert str(path) in str(err.value)


def test_version_1_checkpoints_are_migrated_in_one_place(tmp_path):
    """A version-1 checkpoint (scaling before the spectral reference and metadata fields, config before
    eval_sampler, no "store") loads as the current version; the file itself is left as it was."""
    from seisdiff.engine.checkpoint import VERSION

    cfg = TrainConfig(model=TINY).to_dict()
    del cfg["eval_sampler"]
    payload = {**_payload(TrainConfig(model=TINY)), "config": cfg, "format": "seisdiff-checkpoint", "version": 1,
               "scaling": {"global_factor": 2.5, "log_scale_mean": -3.0, "log_scale_std": 1.0, "eps_mps2": 1e-8}}
    path = tmp_path / "v1.pt"
    torch.save(payload, path)
    ckpt = load_checkpoint(path)
    assert ckpt["version"] == VERSION and ckpt["store"] is None
    assert ckpt["config"]["eval_sampler"] == "ddim"                     # the check those runs made
    denoiser, config, scaler, *_ = load_denoiser(path)
    assert scaler == Scaler(global_factor=2.5, log_scale_mean=-3.0)      # peak, magnitude/distance/Vs30
    assert config.eval_sampler == "ddim" and config.model == TINY
    assert torch.load(path, weights_only=True)["version"] == 1


def test_newer_or_unknown_versions_are_one_clear_line(tmp_path):
    from seisdiff.engine.checkpoint import VERSION

    for version, match in ((VERSION + 1, "upgrade seisdiff"), (0, "written by `seisdiff train`"),
                           (None, "written by `seisdiff train`")):
        path = tmp_path / f"v{version}.pt"
        torch.save({**_payload(TrainConfig(model=TINY)), "format": "seisdiff-checkpoint", "version": version}, path)
        with pytest.raises(UserError, match=match) as err:
            load_checkpoint(path)
        assert str(path) in str(err.value) and "\n" not in str(err.value)
