"""The pretrained default model shipped with the package (`--checkpoint default`).

`default.pt` holds only what sampling needs — EMA weights (float16 to keep the wheel small; loaded
into float32), the resolved training config and the scaling statistics — and loads with
`torch.load(weights_only=True)` like every checkpoint. MODEL_CARD.md says what it was trained on and
how well it does on events it never saw.
"""
from __future__ import annotations

from pathlib import Path

from seisdiff.errors import UserError

DEFAULT_CHECKPOINT = Path(__file__).with_name("default.pt")
DISTILLED_CHECKPOINT = Path(__file__).with_name("distilled.pt")  # the default, distilled (`seisdiff distill`)
# whether `sample --checkpoint default` without --sampler/--steps samples with DISTILLED_CHECKPOINT: only
# while the distilled model holds DDPM-1000's spectra to the reference's own noise floor. The one shipped
# (2 ancestral evaluations) does: against DDPM-1000 on real records the default never trained on, PSA
# bias +0.045 ± 0.046, FAS +0.068 ± 0.057, nearer than DDPM-100's +0.058 / +0.099, spread within 0.03
# (docs/MEASUREMENTS.md, "Sampler")
DEFAULT_SAMPLES_DISTILLED = True


def resolve_checkpoint(name: str | Path, distilled: bool = False) -> Path:
    """A checkpoint path; "default" means the shipped model (distilled: its distilled few-step twin).
    UserError when it does not exist."""
    if str(name) == "default":
        path = DISTILLED_CHECKPOINT if distilled else DEFAULT_CHECKPOINT
    else:
        path = Path(name)
    if not path.is_file():
        if str(name) == "default" and distilled:
            raise UserError(f"{path}: no distilled default is shipped yet; distil one with `seisdiff distill "
                            "--teacher default` and pass its distilled.pt, or use another --sampler")
        what = "the shipped default model" if str(name) == "default" else "checkpoint"
        raise UserError(f"{path}: {what} not found; train one with `seisdiff train` and pass its best.pt")
    return path


def export_default(src: str | Path, dst: str | Path = DEFAULT_CHECKPOINT) -> Path:
    """Write a sampling-only copy of training checkpoint `src` (EMA weights in float16) to `dst`; a
    distilled checkpoint keeps its "distilled" entry (its sampler and steps), and any checkpoint its
    "level_model" (`engine.hf_level`)."""
    import torch

    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint

    ckpt = load_checkpoint(src)
    ema = {k: (v.half() if v.is_floating_point() else v) for k, v in ckpt["ema"].items()}
    payload = {"ema": ema, "config": ckpt["config"], "scaling": ckpt["scaling"], "store": ckpt["store"],
               "epoch": ckpt["epoch"],
               "step": ckpt["step"], "best_val_loss": ckpt["best_val_loss"], "source": str(src),
               "torch_version": str(torch.__version__),
               **{k: ckpt[k] for k in ("distilled", "level_model") if k in ckpt}}
    return save_checkpoint(dst, payload)
