"""Progressive distillation (engine/distill.py): the round plan, the target's defining identity (one
DDIM step onto it = two teacher steps), a round that brings the student's few steps closer to the
teacher's many, exact resumption, and sampling with a distilled checkpoint."""
import json

import numpy as np
import pytest
import torch
from test_train import tiny_run

from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.engine.denoiser import load_denoiser
from seisdiff.engine.distill import DistillConfig, distill, distill_target, rounds
from seisdiff.engine.samplers import ddim_step, sample_ddim
from seisdiff.engine.sampling import SampleConfig, for_checkpoint
from seisdiff.errors import UserError
from seisdiff.io.store import open_store


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    root = tmp_path_factory.mktemp("distill")
    store, run = tiny_run(root, 16, 6)
    return root, store, run / "best.pt"


def test_rounds_halve_down_to_the_final_steps():
    assert rounds(32, 4) == [16, 8, 4] and rounds(8, 1) == [4, 2, 1] and rounds(4, 2) == [2]
    for bad in ((24, 4), (4, 4), (2, 4), (8, 0)):
        with pytest.raises(UserError):
            rounds(*bad)


def _batch(store, model, n=4):
    data = store.read(0, n)
    cond, log_scale = model.scaler.cond_to_model(data["lowpass"])
    return torch.from_numpy(cond), model.scaler.scalars(log_scale)


def test_one_ddim_step_onto_the_target_lands_where_two_teacher_steps_do(teacher):
    _, store, best = teacher
    model = load_denoiser(best)
    cond, scalars = _batch(store, model)
    sched = model.denoiser.schedule
    sig_t, sig_m, sig_s = (sched.sigma_ve(torch.full((4,), t, dtype=torch.float64)) for t in (0.75, 0.625, 0.5))
    x_t = torch.randn(cond.shape, generator=torch.Generator().manual_seed(0)) * float(sig_t[0])
    target = distill_target(model.denoiser, x_t, cond, scalars, sig_t, sig_m, sig_s)
    grid = torch.tensor([sig_t[0], sig_m[0], sig_s[0]], dtype=torch.float64)
    two_steps = sample_ddim(lambda x, s: model.denoiser(x, s, cond, scalars), x_t, torch.cat([grid, grid[-1:] * 0])[:3])
    torch.testing.assert_close(ddim_step(target, x_t, sig_s / sig_t), two_steps, rtol=1e-4, atol=1e-4)
    # the last step ends at sigma = 0: the target is then the teacher's two-step sample itself
    zero = torch.zeros(4, dtype=torch.float64)
    end = distill_target(model.denoiser, x_t, cond, scalars, sig_t, sig_m, zero)
    torch.testing.assert_close(end, sample_ddim(lambda x, s: model.denoiser(x, s, cond, scalars), x_t,
                                                torch.cat([grid[:2], zero[:1]])), rtol=1e-4, atol=1e-4)


def _ddim(model, cond, scalars, n, x):
    sigmas = model.denoiser.schedule.sigmas_ve(n)
    return sample_ddim(lambda xx, s: model.denoiser(xx, s, cond, scalars), x * float(sigmas[0]), sigmas)


def test_a_round_brings_two_student_steps_closer_to_four_teacher_steps(teacher, tmp_path):
    _, store, best = teacher
    out = distill(DistillConfig(teacher=str(best), data=str(store.path), out=str(tmp_path / "d"), teacher_steps=4,
                                final_steps=2, steps_per_round=80, batch_size=4, lr=1e-3, log_every=40),
                  log=lambda *a: None)
    model, student = load_denoiser(best), load_denoiser(out)
    cond, scalars = _batch(store, model, n=8)
    x = torch.randn(cond.shape, generator=torch.Generator().manual_seed(1))
    reference = _ddim(model, cond, scalars, 4, x)
    before = float(((_ddim(model, cond, scalars, 2, x) - reference) ** 2).mean())
    after = float(((_ddim(student, cond, scalars, 2, x) - reference) ** 2).mean())
    assert after < 0.7 * before, (before, after)
    info = load_checkpoint(out)["distilled"]
    assert info["steps"] == 2 and info["sampler"] == "ddim" and info["teacher_steps"] == 4
    rows = [json.loads(line) for line in (tmp_path / "d" / "distill.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [40, 80]


def test_an_interrupted_distillation_resumes_to_the_same_weights(teacher, tmp_path):
    _, store, best = teacher
    common = dict(teacher=str(best), data=str(store.path), teacher_steps=8, final_steps=2, steps_per_round=6,
                  batch_size=4, log_every=2)
    whole = distill(DistillConfig(**common, out=str(tmp_path / "whole")), log=lambda *a: None)
    said = []                                              # the budget is a resumable stop, not an error
    assert distill(DistillConfig(**common, out=str(tmp_path / "cut"), max_minutes=1e-9), log=said.append) is None
    assert said[-1].endswith("re-run the same command to continue") and "at step 1 of 6" in said[-1]
    assert not (tmp_path / "cut" / "round_4.pt").exists()
    resumed = distill(DistillConfig(**common, out=str(tmp_path / "cut")), log=lambda *a: None)
    a, b = load_checkpoint(whole)["ema"], load_checkpoint(resumed)["ema"]
    for name, value in a.items():
        torch.testing.assert_close(b[name], value, rtol=1e-5, atol=1e-6, msg=name)
    (tmp_path / "cut" / "round_2.pt").unlink()            # an unfinished round, asked with other settings
    with pytest.raises(UserError, match="other settings"):
        distill(DistillConfig(**{**common, "steps_per_round": 7}, out=str(tmp_path / "cut")), log=lambda *a: None)


def test_a_resumed_distillation_logs_each_step_once(teacher, tmp_path):
    """A run killed after writing a row of distill.jsonl and before saving last.pt (or mid-row) used to leave
    that row, and the resumed run wrote it again: two rows for one step, and a torn line."""
    _, store, best = teacher
    cfg = dict(teacher=str(best), data=str(store.path), teacher_steps=4, final_steps=2, steps_per_round=3,
               batch_size=4, log_every=1, out=str(tmp_path / "d"))
    assert distill(DistillConfig(**cfg, max_minutes=1e-9), log=lambda *a: None) is None     # last.pt at step 1
    log = tmp_path / "d" / "distill.jsonl"
    with open(log, "a") as fh:                   # as the killed run left it: step 2 logged, not saved; a torn row
        fh.write(json.dumps({"round": 2, "step": 2, "loss": 1.0, "lr": 0.0, "seconds": 0.0}) + '\n{"round": 2, "st')
    distill(DistillConfig(**cfg), log=lambda *a: None)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["round"], r["step"]) for r in rows] == [(2, 1), (2, 2), (2, 3)]
    assert rows[1]["loss"] != 1.0                                                     # the replayed step's own


def test_a_teacher_rewritten_in_place_is_not_mixed_with_its_old_rounds(teacher, tmp_path):
    """The teacher file rewritten between two runs of the same command (its training went on): the resumed run
    used to take the old teacher's finished rounds and state, and save them with the new teacher's scaling."""
    from seisdiff.engine.checkpoint import save_checkpoint
    _, store, best = teacher
    path = tmp_path / "teacher.pt"
    original = load_checkpoint(best)
    save_checkpoint(path, original)
    cfg = dict(teacher=str(path), data=str(store.path), teacher_steps=8, final_steps=2, steps_per_round=2,
               batch_size=4, out=str(tmp_path / "d"))
    assert distill(DistillConfig(**cfg, max_minutes=1e-9), log=lambda *a: None) is None     # mid round 4
    save_checkpoint(path, {**original, "epoch": original["epoch"] + 1, "step": original["step"] + 8,
                           "scaling": {**original["scaling"], "global_factor": 2 * original["scaling"]["global_factor"]}})
    with pytest.raises(UserError, match="another version of") as err:
        distill(DistillConfig(**cfg), log=lambda *a: None)
    assert "last.pt" in str(err.value)
    save_checkpoint(path, original)                                   # the same teacher again: resumes
    assert distill(DistillConfig(**cfg), log=lambda *a: None).name == "distilled.pt"


def test_a_distilled_checkpoint_samples_with_its_own_sampler(teacher, tmp_path, capsys):
    root, store, best = teacher
    out = distill(DistillConfig(teacher=str(best), data=str(store.path), out=str(tmp_path / "d"), teacher_steps=4,
                                final_steps=2, steps_per_round=2, batch_size=4), log=lambda *a: None)
    ckpt = load_checkpoint(out)
    cfg = for_checkpoint(SampleConfig(checkpoint=str(out), cond=["x"], out="y"), ckpt)
    assert (cfg.sampler, cfg.steps) == ("ddim", 2)
    with pytest.raises(UserError, match="distilled for 2 steps"):
        for_checkpoint(SampleConfig(checkpoint=str(out), cond=["x"], out="y", steps=8), ckpt)
    with pytest.raises(UserError, match="not a distilled model"):
        for_checkpoint(SampleConfig(checkpoint=str(best), cond=["x"], out="y", sampler="distilled"),
                       load_checkpoint(best))
    assert main(["sample", "--checkpoint", str(out), "--cond", str(store.path), "--out", str(tmp_path / "g.zarr"),
                 "--sampler", "distilled", "--no-progress"]) == 0
    settings = json.loads((tmp_path / "g.zarr" / "sample_config.json").read_text())
    assert settings["sampler"] == "ddim" and settings["steps"] == 2 and settings["evaluations"] == 2
    generated = open_store(tmp_path / "g.zarr").read()["broadband"]
    assert generated.shape == store.read()["broadband"].shape and np.isfinite(generated).all()
    with pytest.raises(UserError, match="already a distilled model"):
        distill(DistillConfig(teacher=str(out), data=str(store.path), out=str(tmp_path / "again")))


def test_the_shipped_default_samples_with_its_distilled_twin(teacher, tmp_path, monkeypatch):
    """`--checkpoint default` with no --sampler and no --steps is pretrained/distilled.pt (exported
    with its "distilled" entry kept) when DEFAULT_SAMPLES_DISTILLED, else the default with
    DEFAULT_SAMPLER; any sampler or step count asked for is the undistilled default, --sampler
    distilled the twin; another checkpoint without --sampler samples with DEFAULT_SAMPLER."""
    from seisdiff import pretrained
    from seisdiff.engine.samplers import DEFAULT_SAMPLER
    from seisdiff.engine.sampling import model_path

    _, store, best = teacher
    out = distill(DistillConfig(teacher=str(best), data=str(store.path), out=str(tmp_path / "d"), teacher_steps=4,
                                final_steps=2, steps_per_round=1, batch_size=4), log=lambda *a: None)
    default, twin = pretrained.export_default(best, tmp_path / "default.pt"), \
        pretrained.export_default(out, tmp_path / "distilled.pt")
    assert load_checkpoint(twin)["distilled"]["steps"] == 2 and "distilled" not in load_checkpoint(default)
    monkeypatch.setattr(pretrained, "DEFAULT_CHECKPOINT", default)
    monkeypatch.setattr(pretrained, "DISTILLED_CHECKPOINT", twin)
    monkeypatch.setattr(pretrained, "DEFAULT_SAMPLES_DISTILLED", True)   # as shipped (MEASUREMENTS.md)

    def chosen(**kw):
        cfg = SampleConfig(cond=["x"], out="y", **{"checkpoint": "default", **kw})
        path = model_path(cfg)
        cfg = for_checkpoint(cfg, load_checkpoint(path))
        return path, cfg.sampler, cfg.steps

    assert chosen() == (twin, "ddim", 2)
    assert chosen(sampler="distilled") == (twin, "ddim", 2)
    assert chosen(sampler="ddpm") == (default, "ddpm", None)
    assert chosen(steps=50) == (default, DEFAULT_SAMPLER, 50)
    assert chosen(checkpoint=str(best)) == (best, DEFAULT_SAMPLER, None)
    monkeypatch.setattr(pretrained, "DEFAULT_SAMPLES_DISTILLED", False)   # were a twin not to hold quality
    assert chosen() == (default, DEFAULT_SAMPLER, None)
    assert chosen(sampler="distilled") == (twin, "ddim", 2)
    twin.unlink()                                          # not shipped: the default, and a clear line when asked
    monkeypatch.setattr(pretrained, "DEFAULT_SAMPLES_DISTILLED", True)
    assert chosen() == (default, DEFAULT_SAMPLER, None)
    with pytest.raises(UserError, match="no distilled default"):
        chosen(sampler="distilled")


def test_the_shipped_distilled_twin_belongs_to_the_shipped_default():
    """pretrained/distilled.pt: a few-step (≤ 4 evaluations) distillation of default.pt itself — same
    network config, same scaling (the physical↔model conversion), a sampler `sample` knows."""
    from seisdiff.engine.samplers import SAMPLERS
    from seisdiff.pretrained import DEFAULT_CHECKPOINT, DISTILLED_CHECKPOINT

    if not DISTILLED_CHECKPOINT.is_file():
        pytest.skip("no distilled twin shipped")
    twin, default = load_checkpoint(DISTILLED_CHECKPOINT), load_checkpoint(DEFAULT_CHECKPOINT)
    info = twin["distilled"]
    assert info["sampler"] in SAMPLERS and 1 <= info["steps"] <= 4 and info["teacher"] == "default"
    assert twin["config"] == default["config"] and twin["scaling"] == default["scaling"]
    assert twin["ema"].keys() == default["ema"].keys()
    assert any(not torch.equal(twin["ema"][k], default["ema"][k]) for k in default["ema"])   # trained further


def test_an_empty_store_is_one_line(tmp_path, capsys):
    """A store `preprocess` left empty was refused as '0 training records, fewer than one batch (32); lower
    --batch-size or add records' (no batch size helps); it says, as train does, that the store holds no records."""
    from seisdiff.io.store import create_store

    create_store(tmp_path / "empty.zarr", sampling_rate_hz=100.0, length=4096, lowpass_hz=1.0)
    assert main(["distill", "--teacher", "default", "--data", str(tmp_path / "empty.zarr"), "--out",
                 str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the store holds no records to distil on" in err[0], err
