"""The training loop: AdamW, warm-up + cosine LR, gradient clipping, EMA, bf16 autocast on CUDA,
optional torch.compile, DistributedDataParallel under torchrun (gloo on CPU, nccl on GPU).

Writes to the checkpoint folder: config.json (resolved), last.pt every epoch, best.pt (lowest
validation loss, over the epochs that have one; the training loss when there are no validation
records), epoch_NNNN.pt every `checkpoint_every` epochs, metrics.jsonl (one JSON object per
epoch, diagnostics and generation check), generation_epochNNNN.png. Checkpoints carry the
high-frequency level model fitted on the training split's real records (`hf_level.fit`, once per
run; sampling applies it). A resumed run replays exactly:
the data order, crops, flips, noise levels and noise depend only on (seed, epoch, step); so it must
keep the seed, data.val_fraction, the conditioning fields and the store's layout (refused otherwise).
"""
from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import re
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from seisdiff.engine import diagnostics, hf_level
from seisdiff.engine.checkpoint import (check_compatible, load_checkpoint, load_state, rng_state,
                                        save_checkpoint, set_rng_state)
from seisdiff.engine.config import TrainConfig
from seisdiff.engine.data import BatchLoader, crop, metadata, split_indices, validation_set
from seisdiff.engine.denoiser import Denoiser
from seisdiff.engine.diffusion import NOISE_STREAM, forward_loss, step_seed, validation_loss
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import Scaler, count_scalars, fit_scaling
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.readings import other_component_reading
from seisdiff.io.store import open_store, require_records


@dataclass
class Runtime:
    rank: int
    world_size: int
    device: torch.device
    owns_group: bool  # this call initialised the process group (and tears it down)

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_runtime(device: str = "auto") -> Runtime:
    """Device and, under torchrun (WORLD_SIZE > 1), the process group."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is visible; use --device cpu or auto")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    owns = world > 1 and not dist.is_initialized()
    if owns:
        dist.init_process_group("nccl" if device == "cuda" else "gloo")
    rank = dist.get_rank() if dist.is_initialized() else 0
    if device == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        return Runtime(rank, world, torch.device("cuda", torch.cuda.current_device()), owns)
    return Runtime(rank, world, torch.device("cpu"), owns)


def lr_factor(step: int, warmup: int, total: int, min_ratio: float) -> float:
    """Learning-rate multiplier: linear warm-up over `warmup` steps, then cosine down to min_ratio at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float, step: int) -> None:
    """ema ← d·ema + (1 − d)·model, with d warmed up as (1 + step)/(10 + step) so early EMAs track the model."""
    d = min(decay, (1 + step) / (10 + step))
    torch._foreach_lerp_(list(ema.parameters()), list(model.parameters()), 1.0 - d)


def train_step(model, micro_batches, optimizer, scheduler, cfg: TrainConfig, schedule, step: int, rt: Runtime):
    """One optimizer step over this process's micro-batches → (mean loss, last LossTerms, grad norm).

    The step has one seed; micro-batch j (b records) of rank r is records (r·grad_accum + j)·b … of the
    step's whole batch (BatchLoader's order) and draws their times and noise, so the gradient is that of
    the whole batch whatever world size × grad_accum cuts it (to float rounding)."""
    optimizer.zero_grad(set_to_none=True)
    autocast = torch.autocast("cuda", torch.bfloat16, enabled=cfg.amp and rt.device.type == "cuda")
    total = 0.0
    seed = step_seed(cfg.seed, step, 0)
    for j, mb in enumerate(micro_batches):
        record_offset = (rt.rank * cfg.grad_accum + j) * len(mb["x0"])   # the loader's micro-batches are equal
        last = j == len(micro_batches) - 1
        sync = model.no_sync() if rt.world_size > 1 and not last else contextlib.nullcontext()
        with sync:
            with autocast:
                terms = forward_loss(model, mb["x0"].to(rt.device), mb["cond"].to(rt.device), mb["scalars"],
                                     seed, schedule, cfg.target, cfg.min_snr_gamma, record_offset=record_offset)
            (terms.loss / len(micro_batches)).backward()
        total += float(terms.loss.detach()) / len(micro_batches)
    grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip))
    if not math.isfinite(grad_norm):  # the same on every rank (the gradients are all-reduced): all stop here
        raise UserError(f"step {step}: the gradient is {grad_norm} (loss {total:.4g}); stopped before the "
                        "weights were changed (last.pt holds the last good epoch): lower lr, or check the store "
                        "with `seisdiff verify`")
    optimizer.step()
    scheduler.step()
    return total, terms, grad_norm


def _resume_state(ckpt_dir: Path, cfg: TrainConfig, resume: bool, store_info: dict, log, world_size: int = 1):
    last = ckpt_dir / "last.pt"
    if not last.exists():
        if resume:
            log(f"{ckpt_dir}: no last.pt to resume from; starting a new run")
        return None
    if not resume:
        raise UserError(f"{ckpt_dir}: already holds a training run (last.pt); pass --resume to continue it "
                        "or choose another --checkpoint-dir")
    state = load_checkpoint(last)
    _check_same_data(state, cfg, store_info, last, log, world_size)
    check_compatible(state["config"], cfg.to_dict(), last)
    return state


# the store's physical layout a resumed run must keep: the saved scaling and split were made on it
# (the store's path may change)
STORE_LAYOUT_KEYS = ("sampling_rate_hz", "length", "n_channels", "lowpass_hz", "band_hz", "filter")


def _check_same_data(state: dict, cfg: TrainConfig, store_info: dict, path, log, world_size: int = 1) -> None:
    """UserError when a resumed run would train on other data than the run it continues: another split
    (seed, data.val_fraction), other conditioning fields than the saved scaling's, or a store of another
    layout; a warning line when the batching (batch_size, data.window) changed; a note when only world
    size × grad_accum did (the same batches, times and noise: the run replays to float rounding), or when the
    state was written on the older noise stream (`diffusion.NOISE_STREAM`) by micro-batches (world size ×
    grad_accum > 1): it continues on the new one, no longer replaying the uninterrupted run."""
    saved = state["config"]
    fixed = [("seed", saved.get("seed"), cfg.seed),
             ("data.val_fraction", saved.get("data", {}).get("val_fraction"), cfg.data.val_fraction),
             ("data.metadata_fields", list(state["scaling"]["metadata"]), list(cfg.data.metadata_fields))]
    spec = state.get("store") or {}   # None: a checkpoint from before the store was recorded
    fixed += [(f"the --data store's {key}", spec[key], store_info.get(key))
              for key in STORE_LAYOUT_KEYS if key in spec]
    for name, old, new in fixed:
        if old is not None and old != new:
            raise UserError(f"{path}: {name} was {old!r}, this run has {new!r}; resume with the saved value "
                            "or start a new --checkpoint-dir")
    batching = [("batch_size", saved.get("batch_size"), cfg.batch_size),
                ("data.window", saved.get("data", {}).get("window"), cfg.data.window)]
    changed = [f"{name} {old!r} -> {new!r}" for name, old, new in batching if old != new]
    if changed:
        log(f"WARNING: resuming {path} with {', '.join(changed)}: the data order, crops and steps per epoch "
            "change, so the run no longer replays the uninterrupted one")
    # each record's time and noise depend on its index in the step's whole batch, not on how world size ×
    # grad_accum cuts the batch into micro-batches: only the order of the gradient's sums changes
    old_micro = state.get("world_size", 1) * saved.get("grad_accum", 1)
    if state.get("noise_stream", 1) < NOISE_STREAM and old_micro > 1:   # its micro-batches drew a seed each
        log(f"note: {path} was written before the noise stream of this seisdiff (world size × grad_accum was "
            f"{old_micro}: each micro-batch drew its noise and times from a seed of its own; now each record from the "
            "step's one seed by its place in the whole batch): the run continues on the new stream, so it no longer "
            "replays the uninterrupted one")
    elif old_micro != world_size * cfg.grad_accum:
        log(f"note: resuming {path} with world size × grad_accum {old_micro} -> {world_size * cfg.grad_accum}: "
            "the same batches and noise cut into other micro-batches; the run replays to float rounding")


def _tidy_checkpoint_dir(ckpt_dir: Path, epoch: int, log) -> None:
    """What a run killed after last.pt of `epoch` left: metrics.jsonl rows of later epochs (they are
    replayed) and torn lines, and the temporary files of interrupted atomic writes."""
    for tmp in ckpt_dir.glob(".*.tmp"):
        if tmp.is_file() and re.fullmatch(r"\..+\.\d+\.tmp", tmp.name):
            tmp.unlink(missing_ok=True)
            log(f"removed {tmp}, left by an interrupted write")
    metrics = ckpt_dir / "metrics.jsonl"
    if not metrics.is_file():
        return
    lines = metrics.read_text().splitlines()
    kept = []
    for line in lines:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue                                    # torn by a kill mid-write
        if row.get("kind") == "epoch" and row.get("epoch", 0) > epoch:
            break                                       # this epoch and all after it are not in last.pt
        kept.append(line)
    if kept != lines:
        write_text_atomic(metrics, "".join(line + "\n" for line in kept))
        log(f"{metrics}: dropped {len(lines) - len(kept)} line(s) after epoch {epoch} (not in last.pt; replayed)")


def _init_state(cfg: TrainConfig, log) -> dict:
    """The checkpoint `cfg.init_from` that starts a fine-tuning run, checked against cfg: a trained model
    (not a distilled student: `engine.distill`), the same network and the same conditioning scalars (its
    scaling is kept, so model units stay its own)."""
    from seisdiff.pretrained import resolve_checkpoint

    base = load_checkpoint(resolve_checkpoint(cfg.init_from))
    if "distilled" in base:             # a few-step student: the diffusion loss would undo its distillation
        info = base["distilled"]
        raise UserError(f"{cfg.init_from}: a distilled model ({info.get('steps')}-step student of "
                        f"{info.get('teacher')}), not a trained one; set init_from to the model it was distilled "
                        "from (`default` for the shipped twin) and distil the fine-tuned model again")
    fields = tuple(base["scaling"]["metadata"])
    if fields != tuple(cfg.data.metadata_fields):
        raise UserError(f"{cfg.init_from}: trained with metadata fields {list(fields)}, this run asks for "
                        f"{list(cfg.data.metadata_fields)}; give the same [data] metadata_fields")
    check_compatible(base["config"], cfg.to_dict(), cfg.init_from)
    log(f"initial weights and scaling from {cfg.init_from}")
    return base


def _warn_other_reading(store, log) -> None:
    """One line when the store's records had their channels read otherwise than this seisdiff reads them
    (`readings.other_component_reading`: component names, a triplet's placing in time): what the model learns of
    them is not what `sample` will give it."""
    said = other_component_reading(store.attrs)
    if said:
        log(f"WARNING: {store.path}: its records' {said}. The model learns them so, while `sample`'s conditioning "
            "reads files with this seisdiff's; to train on this reading, preprocess the inputs into a new store")


def train(cfg: TrainConfig, data_path, checkpoint_dir, *, resume: bool = False, device: str = "auto",
          log=print) -> dict:
    """Train on the store at data_path into checkpoint_dir; returns a summary of the last epoch."""
    rt = setup_runtime(device)
    log = log if rt.is_main else (lambda *a, **k: None)
    store = require_records(open_store(data_path), "train on")
    _warn_other_reading(store, log)
    cfg.model.n_channels = store.n_channels
    cfg.model.n_scalars = count_scalars(cfg.data.metadata_fields)  # before a resumed run is checked
    ckpt_dir = Path(checkpoint_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    # what sampling needs to prepare new conditioning exactly as the training data was prepared
    store_info = {"sampling_rate_hz": store.sampling_rate_hz, "lowpass_hz": store.lowpass_hz,
                  "band_hz": list(store.band_hz), "length": store.length, "n_channels": store.n_channels,
                  "filter": store.attrs.get("filter"), "preprocess": store.attrs.get("preprocess")}
    state = _resume_state(ckpt_dir, cfg, resume, store_info, log, rt.world_size)
    if rt.is_main:
        _tidy_checkpoint_dir(ckpt_dir, state["epoch"] if state else 0, log)

    train_idx, val_idx = split_indices(store, cfg.data.val_fraction, cfg.seed)
    # statistics on the raw store's training records, once; a resumed run keeps the saved ones
    base = _init_state(cfg, log) if not state and cfg.init_from else None
    scaler = Scaler.from_dict((state or base)["scaling"]) if state or base else fit_scaling(
        store, train_idx, cfg.data.block_records, reference=cfg.scale_reference, window=cfg.data.window,
        metadata=cfg.data.metadata_fields)
    cfg.model.n_scalars = scaler.n_scalars
    # the high-frequency level model (engine/hf_level.py), fitted on the real training records once
    level_model = state["level_model"] if state and "level_model" in state else \
        hf_level.fit(store, train_idx, log=log if rt.is_main else (lambda *a: None))
    loader = BatchLoader(store, train_idx, scaler, cfg.data, cfg.batch_size, cfg.seed, rt.rank, rt.world_size,
                         cfg.grad_accum)
    _refuse_empty_epochs(loader, state["epoch"] if state else 0, cfg.epochs)
    steps_per_epoch = loader.steps_per_epoch()
    schedule = CosineSchedule(cfg.logsnr_min, cfg.logsnr_max)

    torch.manual_seed(cfg.seed)
    raw_model = UNet1d(cfg.model).to(rt.device)
    ema = copy.deepcopy(raw_model).requires_grad_(False).eval()
    optimizer = torch.optim.AdamW(raw_model.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2),
                                  weight_decay=cfg.weight_decay)
    total_steps = sum(loader.steps_in_epoch(e) for e in range(cfg.lr_decay_epochs or cfg.epochs))  # streamed: uneven
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(
        lr_factor, warmup=cfg.warmup_steps, total=total_steps, min_ratio=cfg.min_lr_ratio))
    epoch0, step, best = 0, 0, math.inf
    if base:
        load_state(raw_model, base["ema"], cfg.init_from, "initial weights")
        load_state(ema, base["ema"], cfg.init_from, "initial weights")
    if state:
        last = ckpt_dir / "last.pt"
        load_state(raw_model, state["model"], last, "model weights")
        load_state(ema, state["ema"], last, "EMA weights")
        load_state(optimizer, state["optimizer"], last, "optimizer state")
        load_state(scheduler, state["scheduler"], last, "scheduler state")
        _apply_optimizer_settings(optimizer, scheduler, cfg, last, log)
        set_rng_state(state["rng"])
        epoch0, step, best = state["epoch"], state["step"], state["best_val_loss"]
        log(f"resuming {last} at epoch {epoch0}, step {step}")
    model = torch.compile(raw_model) if cfg.compile else raw_model
    if rt.world_size > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[rt.device.index] if rt.device.type == "cuda" else None)

    denoiser = Denoiser(ema, schedule, scaler, cfg.target)
    val_batches, val_pool, val_offsets = (validation_set(store, val_idx, scaler, cfg.data, cfg.batch_size)
                                          if rt.is_main and len(val_idx) else (None, None, None))
    if rt.is_main:
        cfg.save(ckpt_dir / "config.json")
        log(f"train: {len(train_idx)} records ({len(val_idx)} validation), {steps_per_epoch} steps/epoch, "
            f"{sum(p.numel() for p in raw_model.parameters()) / 1e6:.2f} M parameters, device {rt.device}, "
            f"world size {rt.world_size}, global factor {scaler.global_factor:.4g}")
    summary = {"rank": rt.rank, "epoch": epoch0, "step": step, "best_val_loss": best}
    if epoch0 >= cfg.epochs:
        log(f"{ckpt_dir}: already trained for {epoch0} epochs; pass a larger --epochs to continue")
    t_start = time.perf_counter()
    for epoch in range(epoch0, cfg.epochs):
        model.train()
        start, losses = time.perf_counter(), []
        steps = loader.epoch(epoch)
        if cfg.progress and rt.is_main:
            from tqdm import tqdm
            steps = tqdm(steps, total=loader.steps_in_epoch(epoch), desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="step",
                         leave=False)
        for micro_batches in steps:
            loss, terms, grad_norm = train_step(model, micro_batches, optimizer, scheduler, cfg, schedule, step, rt)
            ema_update(ema, raw_model, cfg.ema_decay, step)
            losses.append(loss)
            step += 1
            if hasattr(steps, "set_postfix"):
                steps.set_postfix(loss=f"{loss:.4f}")
        train_loss = _mean_over_ranks(float(np.mean(losses)), rt)
        seconds = time.perf_counter() - start
        row = {"kind": "epoch", "epoch": epoch + 1, "step": step, "train_loss": train_loss,
               "lr": scheduler.get_last_lr()[0], "grad_norm": grad_norm, "seconds": round(seconds, 3),
               "records_per_s": round(len(losses) * cfg.batch_size / seconds, 2)}
        if rt.is_main:
            if val_batches and (epoch + 1) % cfg.eval_every == 0:
                row["val_loss"] = validation_loss(ema, val_batches, cfg.seed, schedule, cfg.target,
                                                  cfg.min_snr_gamma, device=rt.device)
            # with validation records only a validation loss can improve best (eval_every > 1 leaves epochs
            # without one); without them (a one-event store) the training loss is the score
            score = row.get("val_loss") if val_batches else train_loss
            improved = score is not None and score < best
            best = score if improved else best
            rows = [row]
            if (epoch + 1) % cfg.diagnostics_every == 0:
                rows += _diagnose(terms, micro_batches[-1], grad_norm, cfg, denoiser, store, val_pool, val_offsets,
                                  ckpt_dir / f"generation_epoch{epoch + 1:04d}.png", rt, log)
            payload = {"epoch": epoch + 1, "step": step, "best_val_loss": best, "model": raw_model.state_dict(),
                       "ema": ema.state_dict(), "optimizer": optimizer.state_dict(),
                       "scheduler": scheduler.state_dict(),
                       "rng": rng_state(), "scaling": scaler.to_dict(), "config": cfg.to_dict(),
                       "store": store_info, "level_model": level_model, "world_size": rt.world_size,
                       "noise_stream": NOISE_STREAM}
            # last.pt last: it is what --resume trusts, so a run killed before it replays this epoch
            # (whose metrics rows `_tidy_checkpoint_dir` drops) and rewrites best.pt and epoch_NNNN.pt
            if improved:
                save_checkpoint(ckpt_dir / "best.pt", payload)
            if (epoch + 1) % cfg.checkpoint_every == 0:
                save_checkpoint(ckpt_dir / f"epoch_{epoch + 1:04d}.pt", payload)
            with open(ckpt_dir / "metrics.jsonl", "a") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            save_checkpoint(ckpt_dir / "last.pt", payload)
            val = f" val {row['val_loss']:.4f}" if "val_loss" in row else ""
            log(f"epoch {epoch + 1}/{cfg.epochs} step {step} loss {train_loss:.4f}{val} lr {row['lr']:.2e} "
                f"|g| {grad_norm:.3g} {row['records_per_s']:.1f} rec/s")
        if rt.world_size > 1:
            dist.barrier()
        summary = {**summary, **row, "best_val_loss": best}
        over_budget = cfg.max_minutes is not None and time.perf_counter() - t_start > 60 * cfg.max_minutes
        if _mean_over_ranks(float(over_budget), rt) > 0:  # every rank stops at the same epoch
            log(f"stopping after epoch {epoch + 1}: time budget of {cfg.max_minutes:g} min reached "
                "(--resume continues)")
            break
    if rt.owns_group:
        dist.destroy_process_group()
    return summary


def _apply_optimizer_settings(optimizer, scheduler, cfg: TrainConfig, path, log) -> None:
    """The optimizer settings of cfg over those of a resumed state (its param groups and the scheduler's
    base_lrs would otherwise keep the saved lr, betas and weight decay: a --lr given to --resume was ignored);
    the lr of the current step recomputed exactly as LambdaLR does, so an unchanged resume stays bitwise."""
    saved = optimizer.param_groups[0]
    now = {"lr": cfg.lr, "betas": (cfg.beta1, cfg.beta2), "weight_decay": cfg.weight_decay}
    was = {"lr": scheduler.base_lrs[0], "betas": tuple(saved["betas"]), "weight_decay": saved["weight_decay"]}
    changed = [f"{k} {was[k]!r} -> {now[k]!r}" for k in now if was[k] != now[k]]
    if changed:
        log(f"resuming {path} with {', '.join(changed)}")
    scheduler.base_lrs = [cfg.lr] * len(optimizer.param_groups)
    for group, factor in zip(optimizer.param_groups, scheduler.lr_lambdas):
        group.update(initial_lr=cfg.lr, lr=cfg.lr * factor(scheduler.last_epoch), betas=now["betas"],
                     weight_decay=cfg.weight_decay)
    scheduler._last_lr = [group["lr"] for group in optimizer.param_groups]


def _refuse_empty_epochs(loader: BatchLoader, first: int, epochs: int) -> None:
    """UserError when an epoch to train yields no step: a streamed training set whose pools (whole blocks,
    less their validation records) each hold less than a batch."""
    empty = [e + 1 for e in range(first, epochs) if loader.steps_in_epoch(e) == 0]
    if empty:
        raise UserError(f"{loader.store.path}: epoch {empty[0]} holds no full batch of {loader.batch_size} training "
                        f"records per pool (data.block_records {loader.cfg.block_records}, data.max_memory_gb "
                        f"{loader.cfg.max_memory_gb:g}); raise data.max_memory_gb or lower --batch-size")


def _mean_over_ranks(value: float, rt: Runtime) -> float:
    if rt.world_size == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=rt.device)
    dist.all_reduce(t)
    return float(t) / rt.world_size


def _diagnose(terms, batch, grad_norm, cfg, denoiser, store, val_pool, val_offsets, png_path, rt, log) -> list[dict]:
    """Batch health report and, with validation records, the quick generation check (metrics.jsonl rows)."""
    report, warnings = diagnostics.batch_report(terms, batch["x0"].to(rt.device), batch["cond"], grad_norm, cfg.target)
    for w in warnings:
        log(f"WARNING: {w}")
    log(f"diagnostics: noisy std {report['noisy_std']:.3g}, cond std {report['cond_std']:.3g}, target std "
        f"{report['target_std']:.3g}, pred std {report['pred_std']:.3g} ({report['pred_unique']} unique), "
        f"noise/signal {report['noise_signal_ratio']:.3g}")
    rows = [{"kind": "diagnostics", **report, "warnings": warnings}]
    if val_pool is not None:
        rows_idx = np.arange(min(cfg.n_eval_records, len(val_pool)))
        bb, lp = crop(val_pool, rows_idx, val_offsets[rows_idx], cfg.data.window or store.length)
        gen = diagnostics.generation_report(denoiser, bb, lp, metadata(val_pool, rows_idx, cfg.data.use_metadata),
                                            store.sampling_rate_hz, cfg.eval_steps, cfg.seed, png_path, rt.device,
                                            sampler=cfg.eval_sampler)
        log(f"generation check: PGA ratio {gen['gen_pga_ratio_median']:.3g}, envelope corr "
            f"{gen['gen_envelope_corr']:.3g}, |PSA bias| {gen['gen_psa_bias_abs_mean']:.3g}")
        rows.append({"kind": "generation", **gen})
    return rows
