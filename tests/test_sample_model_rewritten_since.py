"""A station-grid output recorded no epoch or step of its checkpoint, so a grid run resumed after `train --resume`
rewrote best.pt mixed realizations of two models (what `sample` into a store refuses since it compares them). A grid
output now records the checkpoint's epoch and step and refuses such a resume in one line; the same model resumes; a
grid output of an earlier seisdiff resumes as before, with one warning line."""
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
