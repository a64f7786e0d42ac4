"""A fold's samples must come from the model its best.pt holds. crossval deletes a fold's samples after the stage that
rewrote best.pt (`_ensure_level_model` refitting the level model in place, a training resume), so a run killed between
the two left samples of the old model, which the next run took as current ('complete: skipped', and their
sample_config.json rewritten to the new model's epoch, step and fingerprint): `_sample` compared only the settings of
crossval's options. Samples that recorded another epoch, step or fingerprint (`sampling.model_settings`) than best.pt
now holds are made again (one line) with their evaluations; samples of the same model still resume."""
import json

import numpy as np
import pytest
from synth import make_store, whole_record_checkpoint

from seisdiff.dsp import bandpass
from seisdiff.engine.checkpoint import load_checkpoint, model_fingerprint, save_checkpoint
from seisdiff.evaluate.crossval import CrossvalConfig, _sample
from seisdiff.io.store import open_store
from seisdiff.pretrained import DEFAULT_CHECKPOINT


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny model with the shipped model's level model, and a held-out store of 4 records."""
    root = tmp_path_factory.mktemp("cv_rewritten_since")
    ckpt = load_checkpoint(whole_record_checkpoint(root, steps=2))
    ckpt["level_model"] = load_checkpoint(DEFAULT_CHECKPOINT)["level_model"]
    return {k: v for k, v in ckpt.items() if k not in ("format", "version")}, make_store(root / "test.zarr", n=4,
                                                                                           length=512)


def _refitted(payload: dict) -> dict:
    """What `hf_level.attach` leaves in best.pt: another level model, the same epoch and step."""
    level = payload["level_model"]
    return {**payload, "level_model": {**level, "intercept": [v + 0.5 for v in level["intercept"]]}}


def _trained_on(payload: dict) -> dict:
    """What a training resume leaves in best.pt: other weights at a later epoch and step."""
    ema = {k: v.clone() for k, v in payload["ema"].items()}
    next(iter(ema.values())).view(-1)[0] += 0.1
    return {**payload, "ema": ema, "epoch": 3, "step": 15}


def _fold(tmp_path, payload, level_model=True):
    """A fold folder holding model/best.pt of `payload`; crossval's settings of its samples."""
    (tmp_path / "model").mkdir()
    best = save_checkpoint(tmp_path / "model" / "best.pt", payload)
    cfg = CrossvalConfig(data="", out=str(tmp_path), sampler="ddim", steps=2, device="cpu", progress=False,
                         level_model=level_model)
    return best, cfg


def _run(best, store, cfg, said):
    fold = best.parent.parent
    return _sample(best, store, fold / "samples.zarr", cfg, lambda stage, line: said.append(f"{stage}: {line}"),
                   stale_evaluations=[fold / "eval"])


def _hf_rms(path) -> np.ndarray:
    """(records,) 2–25 Hz RMS (m/s²) of a samples store's broadband."""
    return np.sqrt((bandpass(open_store(path).read()["broadband"].astype(np.float64), 100.0, 2.0, 25.0) ** 2)
                   .mean(-1)).ravel()


@pytest.mark.parametrize("rewrite, says", [(_refitted, "(level_model)"),
                                           (_trained_on, "(epoch 1, step 2 there vs epoch 3, step 15 now)")])
def test_samples_of_the_model_best_pt_held_before_are_made_again(tiny, tmp_path, rewrite, says):
    payload, store = tiny
    best, cfg = _fold(tmp_path, payload)
    said = []
    samples = _run(best, store, cfg, said)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "metrics.json").write_text("{}")       # their evaluation, made before the kill
    before = _hf_rms(samples)
    save_checkpoint(best, rewrite(payload))                     # best.pt rewritten; the run killed before the clean-up
    said.clear()
    _run(best, store, cfg, said)
    assert [line for line in said if "made again" in line] == \
        [f"sample: samples.zarr was made from another model than {best} now holds {says}: made again"], said
    assert any("4 realizations generated (0 already there)" in line for line in said), said
    assert not (tmp_path / "eval").exists()                     # its evaluation of the old samples: gone
    recorded = json.loads((samples / "sample_config.json").read_text())
    held = load_checkpoint(best)
    assert recorded["checkpoint_fingerprint"] == model_fingerprint(held)
    assert (recorded["checkpoint_epoch"], recorded["checkpoint_step"]) == (held["epoch"], held["step"])
    if rewrite is _refitted:                                    # the new level model's level: +0.5 ln on 2-25 Hz
        ln_ratio = np.log(_hf_rms(samples) / before)             # (0.49, 0.65, 0.50, 0.50)
        assert np.all(ln_ratio > 0.4) and abs(np.median(ln_ratio) - 0.5) < 0.05, ln_ratio


def test_samples_of_the_same_model_resume(tiny, tmp_path):
    payload, store = tiny
    best, cfg = _fold(tmp_path, payload)
    said = []
    samples = _run(best, store, cfg, said)
    (tmp_path / "eval").mkdir()
    data = open_store(samples).read()["broadband"]
    save_checkpoint(best, {**payload, "optimizer": {"x": 1}})     # rewritten, but not in what sampling uses
    said.clear()
    _run(best, store, cfg, said)
    assert said == ["sample: 4 realizations present, complete: skipped"], said
    assert (tmp_path / "eval").is_dir() and np.array_equal(open_store(samples).read()["broadband"], data)


def test_a_level_model_not_used_may_change(tiny, tmp_path):
    payload, store = tiny
    best, cfg = _fold(tmp_path, payload, level_model=False)
    said = []
    _run(best, store, cfg, said)
    save_checkpoint(best, _refitted(payload))
    said.clear()
    _run(best, store, cfg, said)
    assert said == ["sample: 4 realizations present, complete: skipped"], said


def test_a_run_killed_while_it_deletes_stale_samples_leaves_no_evaluation_of_them(tiny, tmp_path, monkeypatch):
    """Stale samples were deleted before their evaluations (here and in `run_fold`, after a new model): a run killed
    in between left eval/metrics.json of the old samples, and the next run made the samples again and skipped their
    evaluation ('metrics.json present: skipped', the same number of traces), the old model's numbers reported as the
    new one's. Evaluations now go first, and each output is renamed (atomically) before it is deleted."""
    from seisdiff.evaluate import crossval

    payload, store = tiny
    best, cfg = _fold(tmp_path, payload)
    said = []
    _run(best, store, cfg, said)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "metrics.json").write_text("{}")
    save_checkpoint(best, _trained_on(payload))
    rmtree, calls = crossval.shutil.rmtree, []

    def killed_at_the_second(path, *a, **k):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return rmtree(path, *a, **k)

    monkeypatch.setattr(crossval.shutil, "rmtree", killed_at_the_second)
    with pytest.raises(KeyboardInterrupt):
        _run(best, store, cfg, said)
    monkeypatch.setattr(crossval.shutil, "rmtree", rmtree)
    _run(best, store, cfg, said)
    assert not (tmp_path / "eval" / "metrics.json").exists()
    assert json.loads((tmp_path / "samples.zarr" / "sample_config.json").read_text())["checkpoint_epoch"] == 3
