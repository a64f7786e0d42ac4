"""A resumed output must come from the model it was started from. A station-grid output recorded no epoch or step,
so a grid run resumed after `train --resume` rewrote best.pt mixed two models; and `hf_level.attach` rewrites a
checkpoint's level model in place (epoch and step kept), so neither a store nor a grid output noticed a refitted
level model (+0.5 ln on its intercepts: 1.6–1.9 times the 2–25 Hz amplitude). Both outputs now record the
checkpoint's epoch, step and fingerprint of what sampling uses (`checkpoint.model_fingerprint`) and refuse such a
resume in one line; the same model resumes; a grid output of an earlier seisdiff resumes with one warning line."""
import json

import pytest
import zarr
from synth import make_store, sample_cli, whole_record_checkpoint
from test_grid import FS, START, _signals, _write_zarr

from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
from seisdiff.pretrained import DEFAULT_CHECKPOINT

GRID_EVENT = ("--hypocenter", 34.0, -118.0, 10.0, "--magnitude", 6.5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny model with the shipped model's level model, a conditioning store of 4 records and a 3-station grid."""
    root = tmp_path_factory.mktemp("rewritten_since")
    ckpt = load_checkpoint(whole_record_checkpoint(root, steps=2))
    ckpt["level_model"] = load_checkpoint(DEFAULT_CHECKPOINT)["level_model"]
    grid = _write_zarr(root / "grid.zarr", _signals(1501, FS, seed=3),
                       attrs={"units": "m/s^2", "dt_s": 1 / FS, "start_time": START})
    return _payload(ckpt), make_store(root / "cond.zarr", n=4, length=512).path, grid


def _payload(ckpt: dict) -> dict:
    return {k: v for k, v in ckpt.items() if k not in ("format", "version")}


def _refitted(payload: dict) -> dict:
    """What `hf_level.attach` leaves: another level model, the same epoch and step."""
    level = payload["level_model"]
    return {**payload, "level_model": {**level, "intercept": [v + 0.5 for v in level["intercept"]]}}


@pytest.mark.parametrize("kind", ["store", "grid"])
def test_a_resume_after_the_level_model_was_refitted_in_place_is_refused(tiny, tmp_path, capsys, kind):
    payload, cond, grid = tiny
    best = save_checkpoint(tmp_path / "best.pt", payload)
    args = ["--checkpoint", best, "--out", tmp_path / "out.zarr",
            *(("--cond", cond) if kind == "store" else ("--cond", grid, *GRID_EVENT))]
    assert sample_cli(*args) == 0
    save_checkpoint(best, _refitted(payload))
    capsys.readouterr()
    assert sample_cli(*args) == 2
    assert "which still holds epoch 1, step 2 but another level_model (rewritten since, e.g. a level model refitted" \
        in capsys.readouterr().err
    save_checkpoint(best, payload)                               # the model it was started from: resumes
    assert sample_cli(*args) == 0


def test_a_level_model_not_used_may_change(tiny, tmp_path):
    payload, cond, _ = tiny
    best = save_checkpoint(tmp_path / "best.pt", payload)
    args = ["--checkpoint", best, "--cond", cond, "--out", tmp_path / "out.zarr", "--no-level-model"]
    assert sample_cli(*args) == 0
    save_checkpoint(best, _refitted(payload))
    assert sample_cli(*args) == 0


def test_a_grid_resume_from_a_checkpoint_trained_since_is_refused(tiny, tmp_path, capsys):
    payload, _, grid = tiny
    best = save_checkpoint(tmp_path / "best.pt", payload)
    out = tmp_path / "out.zarr"
    args = ["--checkpoint", best, "--cond", grid, "--out", out, *GRID_EVENT, "--block-stations", 2]
    assert sample_cli(*args) == 0
    settings = zarr.open_group(str(out), mode="r").attrs["settings"]
    assert (settings["checkpoint_epoch"], settings["checkpoint_step"]) == (1, 2)
    save_checkpoint(best, {**payload, "epoch": 3, "step": 15})      # what `train --resume` writes over best.pt
    capsys.readouterr()
    assert sample_cli(*args) == 2
    assert "at epoch 1, step 2; the file now holds epoch 3, step 15 (trained since)" in capsys.readouterr().err
    save_checkpoint(best, payload)
    assert sample_cli(*args) == 0


def test_a_grid_output_of_an_earlier_seisdiff_resumes_with_one_line(tiny, tmp_path, capsys):
    payload, _, grid = tiny
    best = save_checkpoint(tmp_path / "best.pt", payload)
    out = tmp_path / "out.zarr"
    args = ["--checkpoint", best, "--cond", grid, "--out", out, *GRID_EVENT]
    assert sample_cli(*args) == 0
    group = zarr.open_group(str(out), mode="r+")
    group.attrs["settings"] = {k: v for k, v in group.attrs["settings"].items()
                               if k not in ("checkpoint_epoch", "checkpoint_step", "checkpoint_fingerprint")}
    save_checkpoint(best, {**payload, "epoch": 3, "step": 15})
    capsys.readouterr()
    assert sample_cli(*args) == 0                                 # as before: nothing recorded, nothing to compare
    err = capsys.readouterr().err
    assert err.count("did not record what its checkpoint held") == 1


def test_a_store_output_that_recorded_epoch_and_step_only_resumes_with_one_line(tiny, tmp_path, capsys):
    payload, cond, _ = tiny
    best = save_checkpoint(tmp_path / "best.pt", payload)
    out = tmp_path / "out.zarr"
    args = ["--checkpoint", best, "--cond", cond, "--out", out]
    assert sample_cli(*args) == 0
    recorded = json.loads((out / "sample_config.json").read_text())
    del recorded["checkpoint_fingerprint"]                         # as `sample` before the fingerprint wrote it
    (out / "sample_config.json").write_text(json.dumps(recorded))
    save_checkpoint(best, {**payload, "epoch": 3, "step": 15})
    assert sample_cli(*args) == 2                                  # epoch and step: still compared
    save_checkpoint(best, payload)
    capsys.readouterr()
    assert sample_cli(*args) == 0
    assert capsys.readouterr().err.count("did not record what its checkpoint held but its epoch and step") == 1
    assert "checkpoint_fingerprint" in json.loads((out / "sample_config.json").read_text())   # checked from now on


def test_the_fingerprint_tells_each_part_apart_and_only_the_part_that_changed(tiny):
    from seisdiff.engine.checkpoint import model_fingerprint

    payload = tiny[0]
    same = {**payload, "ema": dict(reversed(list(payload["ema"].items()))), "epoch": 9, "optimizer": {"x": 1}}
    assert model_fingerprint(same) == model_fingerprint(payload)     # what sampling does not use, or key order
    name = next(iter(payload["ema"]))
    ema = {**payload["ema"], name: payload["ema"][name].clone()}
    ema[name].view(-1)[0] += 1e-3
    changed = [part for part, fp in model_fingerprint({**payload, "ema": ema}).items()
               if fp != model_fingerprint(payload)[part]]
    assert changed == ["ema"]
    assert model_fingerprint({**payload, "distilled": None})["distilled"] is None
