"""Progressive distillation (Salimans & Ho 2022): a sampler of a few model evaluations from a trained model.

A round halves the number of deterministic (DDIM) sampling steps: the student, started from its
teacher's weights, learns to take in one step what two of the teacher's steps do. The first teacher is
the trained model sampled with `teacher_steps` DDIM steps; each round's student is the next round's
teacher, until `final_steps` remain. All in model units, in the VE form of `engine.samplers`
(x = x0 + sigma·eps) on the training schedule's grid, uniform in t (`CosineSchedule.sigmas_ve`), which
is the grid `sample --sampler ddim` uses, so the distilled model samples with plain DDIM.

One training step, for records x0 (the training store's, as `engine.data` serves them) and a student
step i of n (t = i/n, s = (i − 1)/n, the teacher's midpoint m = (i − ½)/n):
    x_t = x0 + sigma_t·eps
    teacher: x_m = D(x_t) + (sigma_m/sigma_t)(x_t − D(x_t)),  x_s = D(x_m) + (sigma_s/sigma_m)(x_m − D(x_m))
    target:  x~ = (x_s − r·x_t)/(1 − r),  r = sigma_s/sigma_t   (one DDIM step from x_t to x_s lands on x~'s)
    loss:    max(1/sigma_t², 1)·mean((S(x_t) − x~)²)             (truncated-SNR weighting)
Everything else (conditioning, metadata dropout, crops, flips) is the teacher's training recipe.

Output under OUT: round_<n>.pt (the student of n steps, a normal checkpoint with a "distilled" entry:
sampler "ddim", steps n, the teacher and its steps), distilled.pt (the last round's), last.pt (the state
of the round in progress: an interrupted run resumes there), distill.jsonl (one line per logged step).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from seisdiff.engine.checkpoint import load_checkpoint, load_state, save_checkpoint
from seisdiff.engine.config import config_from_dict
from seisdiff.engine.data import BatchLoader, split_indices
from seisdiff.engine.denoiser import Denoiser
from seisdiff.engine.diffusion import step_seed
from seisdiff.engine.model import UNet1d
from seisdiff.engine.samplers import ddim_step
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.store import open_store, require_records


@dataclass
class DistillConfig:
    teacher: str                    # checkpoint (or "default")
    data: str                       # store of training records (m/s²), e.g. the teacher's own
    out: str                        # output folder
    teacher_steps: int = 32         # DDIM steps of the first teacher (a power of two times final_steps)
    final_steps: int = 4            # model evaluations of the distilled sampler
    steps_per_round: int = 400      # optimizer steps per halving
    batch_size: int = 32
    lr: float = 1e-4                # AdamW, decayed linearly to 0 over each round
    max_minutes: float | None = None  # wall-clock budget over all rounds (stops, resumable, after the step
                                      # that exceeds it)
    seed: int = 0
    log_every: int = 25


def rounds(teacher_steps: int, final_steps: int) -> list[int]:
    """Student step counts, one per round: teacher_steps/2, …, final_steps."""
    if final_steps < 1 or teacher_steps <= final_steps or teacher_steps % final_steps \
            or (teacher_steps // final_steps) & (teacher_steps // final_steps - 1):
        raise UserError(f"teacher steps {teacher_steps} must be final steps {final_steps} times a power of two (≥ 2)")
    out, n = [], teacher_steps
    while n > final_steps:
        n //= 2
        out.append(n)
    return out


def distill_target(teacher: Denoiser, x_t, cond, scalars, sig_t, sig_m, sig_s) -> torch.Tensor:
    """x~ (B, C, L): the clean estimate whose single DDIM step from x_t (at sig_t) reproduces two teacher
    steps sig_t → sig_m → sig_s (sig_* (B,) float64, sig_s may be 0)."""
    with torch.no_grad():
        x_m = ddim_step(teacher(x_t, sig_t, cond, scalars), x_t, sig_m / sig_t)
        x_s = ddim_step(teacher(x_m, sig_m, cond, scalars), x_m, sig_s / sig_m)
    r = (sig_s / sig_t).to(x_t.dtype).reshape(-1, 1, 1).to(x_t.device)
    return (x_s - r * x_t) / (1.0 - r)


def distill_loss(student: Denoiser, teacher: Denoiser, batch: dict, n: int, seed: int) -> torch.Tensor:
    """The truncated-SNR weighted loss of one batch for a student of n steps (module docstring)."""
    x0, cond, scalars = batch["x0"], batch["cond"], batch["scalars"]
    g = torch.Generator().manual_seed(seed)
    i = torch.randint(1, n + 1, (x0.shape[0],), generator=g).double()
    sched = student.schedule
    sig_t, sig_m = sched.sigma_ve(i / n), sched.sigma_ve((i - 0.5) / n)
    sig_s = torch.where(i > 1, sched.sigma_ve((i - 1) / n), torch.zeros_like(i))
    eps = torch.randn(x0.shape, generator=g)
    x_t = x0 + sig_t.float()[:, None, None] * eps
    target = distill_target(teacher, x_t, cond, scalars, sig_t, sig_m, sig_s)
    weight = torch.clamp(1.0 / sig_t**2, min=1.0).float()
    err = ((student(x_t, sig_t, cond, scalars) - target) ** 2).mean(dim=(1, 2))
    return (weight * err).mean()


def _student_checkpoint(net, teacher_ckpt: dict, n: int, cfg: DistillConfig, step: int) -> dict:
    return {"ema": {k: v.detach().clone() for k, v in net.state_dict().items()}, "config": teacher_ckpt["config"],
            "scaling": teacher_ckpt["scaling"], "store": teacher_ckpt.get("store"), "epoch": teacher_ckpt.get("epoch"),
            "step": step, "best_val_loss": teacher_ckpt.get("best_val_loss"),
            "level_model": teacher_ckpt.get("level_model"),      # the teacher's level model (engine/hf_level.py)
            "distilled": {"sampler": "ddim", "steps": n, "grid": "schedule", "teacher": str(cfg.teacher),
                          "teacher_steps": cfg.teacher_steps, "round_teacher_steps": 2 * n,
                          "steps_per_round": cfg.steps_per_round, "teacher_id": teacher_id(teacher_ckpt)}}


def distill(cfg: DistillConfig, log=print) -> Path | None:
    """Run (or resume) every round; returns OUT/distilled.pt, or None when the `max_minutes` budget ran out
    first (the state is saved: the same call continues exactly where this one stopped)."""
    from seisdiff.pretrained import resolve_checkpoint

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    teacher_ckpt = load_checkpoint(resolve_checkpoint(cfg.teacher))
    if "distilled" in teacher_ckpt:
        raise UserError(f"{cfg.teacher}: already a distilled model; distil from the trained model it came from")
    config = config_from_dict(teacher_ckpt["config"], str(cfg.teacher))
    scaler = Scaler.from_dict(teacher_ckpt["scaling"])
    schedule = CosineSchedule(config.logsnr_min, config.logsnr_max)
    plan = rounds(cfg.teacher_steps, cfg.final_steps)
    store = require_records(open_store(cfg.data), "distil on")
    if store.n_channels != config.model.n_channels:
        raise UserError(f"{store.path}: records have {store.n_channels} channel(s), the model {config.model.n_channels}")
    train_idx, _ = split_indices(store, config.data.val_fraction, config.seed)
    loader = BatchLoader(store, train_idx, scaler, config.data, cfg.batch_size, cfg.seed)

    def network(state):
        net = UNet1d(config.model)
        load_state(net, state, cfg.teacher, "weights")
        return net

    state = load_checkpoint(out / "last.pt", kind="distill state") if (out / "last.pt").is_file() else None
    if state is not None and state["distill_config"] != _resume_view(cfg):
        raise UserError(f"{out / 'last.pt'}: a distillation with other settings ({state['distill_config']}); "
                        "use the same options or another --out")
    _check_same_teacher(out, plan, state, teacher_id(teacher_ckpt), cfg.teacher)
    _tidy_log(out, state)
    t0, budget_s = time.perf_counter(), (cfg.max_minutes or math.inf) * 60
    for k, n in enumerate(plan):
        done = out / f"round_{n}.pt"
        if done.is_file():
            continue
        previous = load_checkpoint(out / f"round_{plan[k - 1]}.pt")["ema"] if k else teacher_ckpt["ema"]
        teacher = Denoiser(network(previous), schedule, scaler, config.target).eval().requires_grad_(False)
        student_net = network(previous)
        optimizer = torch.optim.AdamW(student_net.parameters(), lr=cfg.lr, weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1.0 - s / cfg.steps_per_round))
        step = 0
        if state is not None and state["round"] == n:
            load_state(student_net, state["model"], out / "last.pt", "student weights")
            load_state(optimizer, state["optimizer"], out / "last.pt", "optimizer state")
            load_state(scheduler, state["scheduler"], out / "last.pt", "scheduler state")
            step = state["step"]
            log(f"distill: resuming round {n} at step {step}")
        student = Denoiser(student_net, schedule, scaler, config.target).train()
        log(f"distill: round {k + 1}/{len(plan)}: {2 * n} → {n} DDIM steps, {cfg.steps_per_round} optimizer steps")
        losses = []

        def save_state():
            save_checkpoint(out / "last.pt", {
                "round": n, "step": step, "model": student_net.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "distill_config": _resume_view(cfg),
                "teacher_id": teacher_id(teacher_ckpt)})

        def log_row():
            row = {"round": n, "step": step, "loss": float(np.mean(losses)), "lr": scheduler.get_last_lr()[0],
                   "seconds": round(time.perf_counter() - t0, 1)}
            with open(out / "distill.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
            log(f"distill: round {n} step {step} loss {row['loss']:.4g}")
            losses.clear()

        epoch, position = locate(loader, k, step)       # a resumed round continues its batch sequence
        while step < cfg.steps_per_round:
            before = step
            for (batch,) in loader.epoch(1000 * k + epoch, start=position):
                loss = distill_loss(student, teacher, batch, n, seed=step_seed(cfg.seed, step, n))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(student_net.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                step += 1
                losses.append(float(loss.detach()))
                if step % cfg.log_every == 0 or step == cfg.steps_per_round:
                    log_row()
                    save_state()
                if step >= cfg.steps_per_round:
                    break
                if time.perf_counter() - t0 > budget_s:
                    if losses:
                        log_row()
                        save_state()
                    log(f"distill: time budget of {cfg.max_minutes:g} min reached in round {n} at step {step} "
                        f"of {cfg.steps_per_round}; re-run the same command to continue")
                    return None
            if step == before:                           # never spin: every pass must take a step
                raise UserError(f"distill: epoch {1000 * k + epoch} of {store.path} gave no batch from position "
                                f"{position} (round {n}, step {step}); data.block_records "
                                f"{config.data.block_records} or data.max_memory_gb {config.data.max_memory_gb:g} "
                                f"leave no full batch of {cfg.batch_size} records per pool")
            epoch, position = epoch + 1, 0
        save_checkpoint(done, _student_checkpoint(student_net, teacher_ckpt, n, cfg, step))
        state = None
        if time.perf_counter() - t0 > budget_s and k + 1 < len(plan):
            log(f"distill: time budget of {cfg.max_minutes:g} min reached after round {n} ({done}); "
                "re-run the same command to continue")
            return None
    final = out / "distilled.pt"
    save_checkpoint(final, load_checkpoint(out / f"round_{plan[-1]}.pt"))
    log(f"distill: {final} samples with {plan[-1]} DDIM steps")
    return final


def teacher_id(ckpt: dict) -> dict:
    """What tells two versions of a teacher file apart (a run that went on, or another run, rewrote it)."""
    return {"epoch": ckpt.get("epoch"), "step": ckpt.get("step"), "best_val_loss": ckpt.get("best_val_loss"),
            "global_factor": ckpt["scaling"].get("global_factor")}


def _check_same_teacher(out: Path, plan: list[int], state: dict | None, now: dict, teacher) -> None:
    """UserError when the state or a finished round under `out` was distilled from another version of the
    teacher file: resuming would give a student of the old teacher the new one's scaling and level model.
    Files of before the teacher was recorded are taken as they are."""
    found = [(out / "last.pt", state.get("teacher_id") if state else None)]
    found += [(path, load_checkpoint(path)["distilled"].get("teacher_id"))
              for path in (out / f"round_{n}.pt" for n in plan) if path.is_file()]
    for path, saved in found:
        if saved is not None and saved != now:
            raise UserError(f"{path}: distilled from another version of {teacher} (epoch {saved['epoch']}, step "
                            f"{saved['step']}; it is now at epoch {now['epoch']}, step {now['step']}); give "
                            "another --out, or empty this one to distil the new teacher")


def _tidy_log(out: Path, state: dict | None) -> None:
    """distill.jsonl as the saved state left it: a run killed after a row's write and before last.pt's
    (or mid-row) left rows its resumption writes again. Kept: rows of finished rounds (round_<n>.pt) and of
    the saved round up to its saved step."""
    log = out / "distill.jsonl"
    if not log.is_file():
        return
    lines = log.read_text().splitlines()
    kept = [line for line in lines if _row_saved(line, out, state)]
    if kept != lines:
        write_text_atomic(log, "".join(line + "\n" for line in kept))


def _row_saved(line: str, out: Path, state: dict | None) -> bool:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return False                                          # torn by a kill mid-write
    if (out / f"round_{row.get('round')}.pt").is_file():
        return True
    return state is not None and row.get("round") == state["round"] and row.get("step", math.inf) <= state["step"]


def locate(loader: BatchLoader, k: int, step: int) -> tuple[int, int]:
    """(epoch of round k counted from 0, position in it) of a round's `step`: the epochs' real lengths walked
    in order (a streamed training set's epochs differ in length)."""
    epoch = 0
    while True:
        n_steps = loader.steps_in_epoch(1000 * k + epoch)
        if n_steps <= 0:
            raise UserError(f"distill: epoch {1000 * k + epoch} of {loader.store.path} holds no full batch of "
                            f"{loader.batch_size} records (data.block_records {loader.cfg.block_records}, "
                            f"data.max_memory_gb {loader.cfg.max_memory_gb:g}); lower --batch-size")
        if step < n_steps:
            return epoch, step
        epoch, step = epoch + 1, step - n_steps


def _resume_view(cfg: DistillConfig) -> dict:
    """The settings a resumed run must share (the budget may change)."""
    d = asdict(cfg)
    d.pop("max_minutes")
    d.pop("log_every")
    return d
