"""Checkpoints: atomic writes, `weights_only=True` loads, clear errors for corrupt or mismatched files.

A checkpoint is a dict of tensors and plain Python values only:
  format, version, epoch, step, best_val_loss, model, ema, optimizer, scheduler (state dicts),
  rng (torch / numpy / python / cuda states), scaling (Scaler.to_dict()), config (TrainConfig.to_dict()),
  store (the training store's rate, length and filters; None when unknown), world_size (processes of the
  run that wrote it; absent in older files: with grad_accum, how its steps' batches were cut into
  micro-batches; a resume may cut them otherwise, the noise being drawn per record of the whole batch),
  noise_stream (`diffusion.NOISE_STREAM`, how training drew its times and noise; absent in older files: 1, per
  micro-batch, the same as 2 where world size × grad_accum was 1; `train --resume` notes the change otherwise).

Versions: `load_checkpoint` reads the version once and `migrate` brings older files up to VERSION, in
memory (the file is not rewritten); a newer file is refused. Everything downstream reads the current
layout only.
  1  scaling may lack the amplitude reference (then "peak" at 100 Hz, 1 Hz, order 4) and the metadata
     fields (then magnitude, distance_km, vs30_mps); config may lack eval_sampler (with eval_steps
     given, the generation check was DDIM); "store" may be missing
  2  every key above present
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from seisdiff.engine.config import upgrade_saved
from seisdiff.errors import UserError, check_version
from seisdiff.io.atomic import atomic_path

FORMAT = "seisdiff-checkpoint"
VERSION = 2
# keys of the config that fix the network and what it predicts: a resumed run must keep them
ARCHITECTURE_KEYS = ("model", "target", "logsnr_min", "logsnr_max")
FULL_DISK_BYTES = 1 << 20     # free space under which a failed torch.save is taken as a full disk
# what sampling takes from a checkpoint (`denoiser.load_denoiser`, `sampling.for_checkpoint`): the parts
# `model_fingerprint` hashes
SAMPLED_PARTS = ("ema", "config", "scaling", "store", "level_model", "distilled")


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Write payload (plus format/version) to path atomically: a crash leaves the old file intact."""
    path = Path(path)
    with atomic_path(path) as tmp:
        try:
            torch.save({"format": FORMAT, "version": VERSION, **payload}, tmp)
        except RuntimeError as exc:   # torch says a short write on a full disk as "unexpected pos", with no errno
            if shutil.disk_usage(tmp.parent).free < FULL_DISK_BYTES:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
            raise
    return path


# what each kind of file `load_checkpoint` is asked for holds: a model (`train`'s checkpoints, `distill`'s
# round_<n>.pt and distilled.pt) or the state of a distillation in progress (`distill`'s OUT/last.pt)
KINDS = {"model": ("config", "scaling", "ema"), "distill state": ("distill_config", "round", "model")}


def load_checkpoint(path: str | Path, map_location="cpu", kind: str = "model") -> dict:
    """The checkpoint dict at path (weights_only=True) of `kind` (KINDS); UserError when missing, corrupt,
    foreign or of the other kind (`distill`'s last.pt, named as `train`'s is, is not a model)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found; check the path (a training run writes last.pt and best.pt)")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, pickle errors, foreign objects: all mean "unusable file"
        raise UserError(f"{path}: not a readable checkpoint ({type(exc).__name__}: "
                        f"{(str(exc).splitlines() or ['empty file'])[0][:120]}); the file is corrupt or incomplete — "
                        "use another checkpoint (best.pt, epoch_*.pt) or retrain") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise UserError(f"{path}: not a seisdiff checkpoint; pass a file written by `seisdiff train`")
    check_version(ckpt.get("version"), VERSION, f"{path}: checkpoint version", "use a checkpoint written by "
                  "`seisdiff train`")                    # a newer file: that message, before what it holds
    _check_kind(ckpt, path, kind)
    return migrate(ckpt, path)


def _check_kind(ckpt: dict, path, kind: str) -> None:
    if all(key in ckpt for key in KINDS[kind]):
        return
    if kind == "model" and "distill_config" in ckpt:
        raise UserError(f"{path}: the state of a distillation (`seisdiff distill`'s last.pt), not a model; use "
                        "its folder's distilled.pt or round_<n>.pt (re-run an unfinished distill to write them)")
    if kind == "distill state" and all(key in ckpt for key in KINDS["model"]):
        raise UserError(f"{path}: a trained model's checkpoint, not a distillation's state; give `seisdiff "
                        "distill` an --out folder of its own (not a training run's)")
    missing = [key for key in KINDS[kind] if key not in ckpt]
    raise UserError(f"{path}: a seisdiff checkpoint without {missing}, so not a {kind}; pass a file written "
                    f"by `seisdiff {'distill' if kind == 'distill state' else 'train'}`")


def migrate(ckpt: dict, path="checkpoint") -> dict:
    """The checkpoint dict `ckpt` (as loaded) brought up to VERSION, in place; UserError for a version
    this seisdiff does not know (newer, or not a version at all)."""
    version = check_version(ckpt.get("version"), VERSION, f"{path}: checkpoint version",
                            "use a checkpoint written by `seisdiff train`")
    if version == 1:
        scaling = ckpt["scaling"]
        if "reference" not in scaling:       # before the "spectral" reference: peak, with the defaults of then
            scaling.update(reference="peak", sampling_rate_hz=100.0, lowpass_hz=1.0, filter_order=4)
        scaling.setdefault("metadata", ["magnitude", "distance_km", "vs30_mps"])  # before metadata_fields
        ckpt["config"] = upgrade_saved(ckpt["config"])
        ckpt.setdefault("store", None)
        ckpt["version"] = 2
    return ckpt


def check_compatible(saved_config: dict, config: dict, path) -> None:
    """UserError when the architecture-defining settings of two config dicts differ."""
    diffs = []
    for key in ARCHITECTURE_KEYS:
        a, b = saved_config.get(key), config.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{key}.{k}: {a.get(k)!r} vs {b.get(k)!r}" for k in sorted(set(a) | set(b))
                      if a.get(k) != b.get(k)]
        elif a != b:
            diffs.append(f"{key}: {a!r} vs {b!r}")
    if diffs:
        raise UserError(f"{path}: checkpoint was trained with other settings (checkpoint vs now: {'; '.join(diffs)}); "
                        "use the same --config/--model-size to resume, or a new --checkpoint-dir")


def load_state(module_or_optimizer, state: dict, path, what: str) -> None:
    """load_state_dict with a UserError naming the file when shapes or keys do not fit."""
    try:
        module_or_optimizer.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise UserError(f"{path}: {what} does not fit the configured model ({str(exc).splitlines()[0][:160]}); "
                        "use the checkpoint's own config (config.json beside it) or a new --checkpoint-dir") from None


def model_fingerprint(ckpt: dict) -> dict:
    """{part: sha256 (16 hex digits)} of each of SAMPLED_PARTS of a loaded checkpoint (weights: their names, dtypes,
    shapes and bytes; the rest: as sorted JSON; a part it lacks: None). What tells two versions of a file apart
    that sample differently though their epoch and step agree: `hf_level.attach` rewrites the level model in place,
    a default exported again (`pretrained.export_default`) or a run trained again from scratch keeps both."""
    return {part: None if ckpt.get(part) is None else _digest(ckpt[part]) for part in SAMPLED_PARTS}


def _digest(value) -> str:
    h = hashlib.sha256()

    def plain(v):                # tensors (a state dict's) by their hash, into the JSON of the rest
        if isinstance(v, torch.Tensor):
            t = v.detach().cpu().contiguous().reshape(-1)
            h.update(f"{t.dtype}{tuple(v.shape)}".encode())
            h.update(t.view(torch.uint8).numpy().tobytes())
            return f"tensor {t.dtype} {tuple(v.shape)}"
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))}
        return [plain(x) for x in v] if isinstance(v, (list, tuple)) else v

    h.update(json.dumps(plain(value), sort_keys=True, default=repr).encode())
    return h.hexdigest()[:16]


def rng_state() -> dict:
    """RNG states of torch, numpy's global generator, Python's `random` (and CUDA), as plain values."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": random.getstate(),
             "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "gauss": float(gauss)}}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what `rng_state` returned."""
    torch.set_rng_state(state["torch"])
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
