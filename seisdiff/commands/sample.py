"""`seisdiff sample`: broadband accelerograms (m/s²) from low-frequency conditioning, resumably.

parse → load the model → conditioning → generate block by block into a sink; the work is the
library's: waveform files are conditioned whole, on their own time axis, through the model's filters
(`preprocess.whole`, into `<OUT stem>_conditioning.zarr` beside OUT); a store's `lowpass` is used as
it is; the loop is `engine.sampling`, outputs `io.sinks` (store, or one file per record and
realization with the input's sample count, start time and codes), the torchrun merge `io.merge`.
OUT/sample_config.json holds the resolved settings; re-running the same command resumes. Under
torchrun rank r takes records i % WORLD_SIZE == r (waveform inputs: the files) and writes
OUT/rank<r>.zarr (files: into OUT); the last rank to finish merges them into OUT/samples.zarr.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from seisdiff.errors import UserError

HELP = "generate broadband accelerograms (m/s²) from low-frequency ones with a trained model (resumable)"
SAMPLER_CHOICES = ["dpmpp", "ddim", "ddpm", "heun"]   # = seisdiff.engine.samplers.SAMPLERS
DEFAULT_SAMPLER = "ddpm"                              # = seisdiff.engine.generate.DEFAULT_SAMPLER
# settings a resumed run must share with the run that started OUT (older outputs lack "output")
RESUME_KEYS = ("checkpoint", "sampler", "steps", "grid", "seed", "lf_merge", "merge_tol", "window", "format",
               "kappa_s", "output")
RESUME_DEFAULTS = {"output": "acceleration"}


def add_arguments(p):
    p.add_argument("--checkpoint", required=True, metavar="CKPT|default",
                   help="checkpoint (.pt) or 'default' (the pretrained model shipped with seisdiff)")
    p.add_argument("--cond", required=True, nargs="+", metavar="INPUT",
                   help="a store, or waveform files/folders/globs: each record is generated whole, with its "
                        "start time, duration (at the model's rate) and codes, conditioned through the model's "
                        "own filters. A 3-component file (or station) with a single-component model: each "
                        "component is generated separately, with its own noise, and keeps its channel code")
    p.add_argument("--out", required=True, help="output store (zarr) or folder (at2, mseed, sac)")
    p.add_argument("--format", choices=["zarr", "at2", "mseed", "sac"], default="zarr")
    p.add_argument("--output", choices=["acceleration", "velocity"], default="acceleration",
                   help="files: acceleration (default) or velocity (m/s; integrated, drift removed by the band's "
                        "zero-phase high-pass); stores always hold acceleration")
    p.add_argument("--realizations", type=int, default=1, help="samples per conditioning record (default 1)")
    p.add_argument("--steps", type=int,
                   help="model evaluations per sample (default 100 for ddpm, 25 for the others; "
                        "ddpm with 1000 is the reference)")
    p.add_argument("--sampler", choices=SAMPLER_CHOICES, default=DEFAULT_SAMPLER,
                   help=f"default {DEFAULT_SAMPLER}: ancestral, 100 steps, the sampler of the model card's "
                        "goals; ddim, dpmpp (DPM-Solver++ 2M), heun (EDM): deterministic, 4× faster. On the "
                        "shipped model DDPM-100 and DDIM-25 are within about the sampling noise of ddpm-1000 "
                        "(the earlier 60-epoch model's ODE solvers made high frequencies ~25 %% stronger)")
    p.add_argument("--seed", type=int, default=0, help="seed; record i realization k uses hash(seed, id, k)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per model call (default 16)")
    p.add_argument("--lf-merge", action=argparse.BooleanOptionalAction, default=True,
                   help="replace the output's low band by the conditioning at the crossover (default on)")
    p.add_argument("--kappa-s", type=float, metavar="S",
                   help="high-frequency decay κ of the records to generate, s (site κ0 plus path, as "
                        "dsp.kappa measures it); overrides the store's kappa_s; for models trained with it")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--units", help="units of waveform files that do not declare them (g, cm/s^2, m/s^2, …; "
                                   "with --quantity: m/s, cm/s, … or m, cm, …)")
    p.add_argument("--quantity", choices=["acceleration", "velocity", "displacement"],
                   help="what waveform files that do not declare it hold (default acceleration); velocity and "
                        "displacement are differentiated once on reading (AT2 VELOCITY, SAC IVEL: from the file)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (GPU)")
    p.add_argument("--block-records", type=int, default=256, help="conditioning records read at once")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    import torch

    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.sampling import resolve_settings, sample_into
    from seisdiff.io.merge import finish_rank
    from seisdiff.io.sinks import FileSink, ZarrSink, write_settings

    check_arguments(args)
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    if device == "cuda":
        if not torch.cuda.is_available():
            raise UserError("--device cuda: no CUDA device is visible; use --device cpu or auto")
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    ckpt_path = resolve_checkpoint(args.checkpoint)
    ckpt = load_checkpoint(ckpt_path)
    model = load_denoiser(ckpt, device)
    if args.kappa_s is not None and "kappa_s" not in model[2].metadata:
        print(f"sample: note: {ckpt_path.name} was not trained with kappa_s, so --kappa-s changes nothing")
    spec = ckpt.get("store")   # the training store's rate, length and filters (when the checkpoint has them)
    out = Path(args.out)
    cond, shard = conditioning(args, out, ckpt_path, spec, model[1], world, rank)
    settings = resolve_settings(args, ckpt_path, ckpt, spec, cond, model[1], device, world)
    sink = ZarrSink(out, cond, settings, world, rank) if args.format == "zarr" else \
        FileSink(out, cond, args.format, args.output)
    write_settings(out, settings, RESUME_KEYS, RESUME_DEFAULTS)
    written, already, seconds = sample_into(
        sink, model, cond, shard, settings, kappa_s=args.kappa_s, block_records=args.block_records,
        progress=not args.no_progress, compile=args.compile, label=f"sample{f' rank {rank}' if world > 1 else ''}")
    print(f"sample: {written} realizations generated ({already} already written) in {seconds:.1f} s "
          f"({written / max(seconds, 1e-9):.2f} records/s); output in {sink.path}")
    if args.format == "zarr" and world > 1:
        merged = finish_rank(out, world, rank)
        if merged:
            print(f"sample: merged the {world} rank stores into {merged}")
    return 0


def check_arguments(args) -> None:
    if args.realizations < 1 or args.batch_size < 1 or (args.steps is not None and args.steps < 1):
        raise UserError("--realizations, --batch-size and --steps must be positive integers")
    if args.kappa_s is not None and not 0.0 <= args.kappa_s <= 0.2:
        raise UserError(f"--kappa-s {args.kappa_s}: give κ in seconds, between 0 and 0.2 (typically 0.02–0.08)")
    if args.output != "acceleration" and args.format == "zarr":
        raise UserError(f"--output {args.output} writes files (--format at2|mseed|sac); stores hold acceleration "
                        "in m/s² only")


def resolve_checkpoint(name: str) -> Path:
    """The checkpoint path; 'default' is the pretrained model inside the package."""
    if name != "default":
        return Path(name)
    path = Path(__file__).resolve().parents[1] / "pretrained" / "default.pt"
    if not path.is_file():
        raise UserError(f"{path}: the pretrained default model is not installed in this copy of seisdiff; "
                        "pass a checkpoint you trained (--checkpoint DIR/best.pt)")
    return path


def conditioning(args, out: Path, ckpt_path: Path, spec: dict | None, config, world: int, rank: int):
    """(conditioning store, this rank's record indices (n,) int64) for --cond, checked against the model."""
    import numpy as np

    from seisdiff.io.store import open_store
    from seisdiff.preprocess.whole import config_for_model, prepare_conditioning, store_level_warnings

    cond_args = [Path(c) for c in args.cond]
    # one branch per kind of --cond (station grids, seisdiff.io.grid, are dispatched here too)
    if len(cond_args) == 1 and (cond_args[0] / "zarr.json").is_file():
        store = open_store(cond_args[0])
        shard = np.arange(rank, len(store), world, dtype=np.int64)
        warnings = store_level_warnings(store, shard)
    else:   # waveform files: this rank's files, each record whole through the model's filters
        prepared = prepare_conditioning(
            args.cond, out.parent / f"{out.stem}_conditioning{f'_rank{rank}' if world > 1 else ''}.zarr",
            config_for_model(spec, ckpt_path), n_channels=config.model.n_channels, units=args.units,
            quantity=args.quantity, rank=rank, world=world, progress=not args.no_progress)
        for file, reason in prepared.skipped:
            print(f"sample: skipped {file}: {reason}")
        store, warnings = prepared.store, [line for _, line in prepared.warnings]
        shard = np.arange(len(store), dtype=np.int64)
    for line in warnings:
        print(f"sample: warning: {line}", file=sys.stderr)
    if store.n_channels != config.model.n_channels:
        raise UserError(f"{store.path}: records have {store.n_channels} channel(s), the model {config.model.n_channels}; "
                        "use conditioning with the model's number of components")
    if spec:
        for key, have in (("sampling_rate_hz", store.sampling_rate_hz), ("lowpass_hz", store.lowpass_hz)):
            if abs(have - float(spec[key])) > 1e-9 * float(spec[key]):
                raise UserError(f"{store.path}: {key} = {have}, but the model was trained at {spec[key]}; "
                                "preprocess the conditioning with the training settings (or pass waveform files)")
    return store, shard
