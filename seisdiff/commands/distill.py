"""`seisdiff distill` — a few-step sampler distilled from a trained model (progressive distillation,
resumable). The work is `seisdiff.engine.distill`'s."""
from __future__ import annotations

from seisdiff.commands import nonnegative_int, positive_float, positive_int

HELP = ("distil a trained model into a few-step sampler (progressive distillation; OUT/distilled.pt samples "
        "with `sample --checkpoint OUT/distilled.pt`; resumable)")


def add_arguments(p):
    """Options default to None: DistillConfig (engine/distill.py) holds every default."""
    p.add_argument("--teacher", required=True, metavar="CKPT|default", help="the trained model (or 'default')")
    p.add_argument("--data", required=True, metavar="STORE", help="training records (m/s²), e.g. the teacher's store")
    p.add_argument("--out", required=True, metavar="DIR", help="folder: round_<n>.pt per round, distilled.pt, last.pt")
    p.add_argument("--teacher-steps", type=positive_int, help="DDIM steps of the first teacher (default 32)")
    p.add_argument("--final-steps", type=positive_int, help="model evaluations of the distilled sampler (default 4)")
    p.add_argument("--steps-per-round", type=positive_int, help="optimizer steps per halving (default 400)")
    p.add_argument("--batch-size", type=positive_int, help="records per optimizer step (default 32)")
    p.add_argument("--lr", type=positive_float, help="AdamW learning rate, decayed to 0 over each round (default 1e-4)")
    p.add_argument("--max-minutes", type=positive_float, help="wall-clock budget; stops (saved, exit 0) after the step that "
                   "exceeds it; re-run the same command to continue")
    p.add_argument("--seed", type=nonnegative_int, help="default 0")


def run(args) -> int:
    import os
    from dataclasses import fields

    from seisdiff.engine.distill import DistillConfig, distill
    from seisdiff.errors import UserError

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:   # each rank would run the whole distillation into one --out
        raise UserError("distill runs in one process: under torchrun every rank would distil the whole model "
                        "into the same --out; run `seisdiff distill` without torchrun")

    given = {f.name: getattr(args, f.name) for f in fields(DistillConfig) if getattr(args, f.name, None) is not None}
    distill(DistillConfig(**given))
    return 0
