"""`seisdiff sample`: broadband accelerograms (m/s²) from low-frequency conditioning, resumably.

--cond is a store (its `lowpass`, record ids and metadata columns) or waveform files, folders or
globs; those are preprocessed exactly as training data (`seisdiff.preprocess`, with the checkpoint's
rate, window and filters) into `<OUT stem>_conditioning.zarr` beside OUT, whose `lowpass` is then the
conditioning. Output, in m/s²:
  zarr          OUT is a store: broadband = generated, lowpass = the conditioning, record_id =
                `<source id>_r<k>`, columns source_record_id, realization, the source's metadata
  at2|mseed|sac OUT is a folder of `<source id>_r<k>.<ext>` (3-component: `…_r<k>_<H1|H2|Z>`)
OUT/sample_config.json holds the resolved settings. Re-running the same command skips what is
written (a store commits whole records; files appear whole), so an interrupted run resumes.

Under torchrun (WORLD_SIZE, RANK), rank r takes the conditioning records i with i % WORLD_SIZE == r
(waveform inputs: the files) and writes its own `OUT/rank<r>.zarr` (files: into OUT). When a rank
finishes it leaves `OUT/rank<r>.done`; the last rank to finish merges the rank stores into
`OUT/samples.zarr` (ids already there are skipped, so `merge_rank_stores` can be re-run by hand).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

HELP = "generate broadband accelerograms (m/s²) from low-frequency ones with a trained model (resumable)"
SAMPLER_CHOICES = ["dpmpp", "ddim", "ddpm", "heun"]   # = seisdiff.engine.samplers.SAMPLERS
DEFAULT_SAMPLER = "ddpm"                              # = seisdiff.engine.generate.DEFAULT_SAMPLER
# settings a resumed run must share with the run that started OUT
RESUME_KEYS = ("checkpoint", "sampler", "steps", "grid", "seed", "lf_merge", "merge_tol", "window", "format", "kappa_s")


def add_arguments(p):
    p.add_argument("--checkpoint", required=True, metavar="CKPT|default",
                   help="checkpoint (.pt) or 'default' (the pretrained model shipped with seisdiff)")
    p.add_argument("--cond", required=True, nargs="+", metavar="INPUT",
                   help="a store, or waveform files/folders/globs (preprocessed with the model's settings)")
    p.add_argument("--out", required=True, help="output store (zarr) or folder (at2, mseed, sac)")
    p.add_argument("--format", choices=["zarr", "at2", "mseed", "sac"], default="zarr")
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
    p.add_argument("--units", help="units of waveform files that do not declare them (g, cm/s^2, m/s^2, …)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (GPU)")
    p.add_argument("--block-records", type=int, default=256, help="conditioning records read at once")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    import torch

    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.errors import UserError

    if args.realizations < 1 or args.batch_size < 1 or (args.steps is not None and args.steps < 1):
        raise UserError("--realizations, --batch-size and --steps must be positive integers")
    if args.kappa_s is not None and not 0.0 <= args.kappa_s <= 0.2:
        raise UserError(f"--kappa-s {args.kappa_s}: give κ in seconds, between 0 and 0.2 (typically 0.02–0.08)")
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
    sink = ZarrSink(out, cond, settings, world, rank) if args.format == "zarr" else FileSink(out, cond, args.format)
    write_settings(out, settings)
    written, already, seconds = sample_into(sink, model, cond, shard, settings, args, rank, world)
    print(f"sample: {written} realizations generated ({already} already written) in {seconds:.1f} s "
          f"({written / max(seconds, 1e-9):.2f} records/s); output in {sink.path}")
    if args.format == "zarr" and world > 1:
        merged = finish_rank(out, world, rank)
        if merged:
            print(f"sample: merged the {world} rank stores into {merged}")
    return 0


def resolve_settings(args, ckpt_path: Path, ckpt: dict, spec: dict | None, cond, config, device: str, world: int) -> dict:
    """Every setting the output depends on (saved as OUT/sample_config.json)."""
    from seisdiff.engine.generate import STEPS_FOR
    from seisdiff.engine.lfmerge import MERGE_TOL
    from seisdiff.engine.samplers import DEFAULT_GRID, evaluations, intervals_for

    steps = args.steps or STEPS_FOR[args.sampler]
    return {
        "checkpoint": str(ckpt_path.resolve()), "checkpoint_epoch": ckpt.get("epoch"), "checkpoint_step": ckpt.get("step"),
        "cond": [str(c) for c in args.cond], "conditioning_store": str(cond.path), "format": args.format,
        "realizations": args.realizations, "sampler": args.sampler, "steps": steps,
        "evaluations": evaluations(args.sampler, intervals_for(args.sampler, steps)),
        "grid": DEFAULT_GRID[args.sampler], "seed": args.seed, "lf_merge": args.lf_merge, "merge_tol": MERGE_TOL,
        "crossover_hz": cond.lowpass_hz, "sampling_rate_hz": cond.sampling_rate_hz,
        "window": config.data.window or (spec or {}).get("length") or cond.length,
        "batch_size": args.batch_size, "device": device, "world_size": world, "units": "m/s^2",
        "kappa_s": args.kappa_s,
    }


def sample_into(sink, model, cond, shard, settings: dict, args, rank: int, world: int) -> tuple[int, int, float]:
    """Generate every realization of the records `shard` of `cond` not yet in `sink`, block by block.
    Returns (generated now, found already written, seconds)."""
    import time

    import numpy as np
    from tqdm import tqdm

    from seisdiff.engine.generate import generate
    from seisdiff.engine.scaling import METADATA_FEATURES

    denoiser, config, scaler = model
    k_all = range(settings["realizations"])
    columns = {c: cond.column(c) for c in cond.columns if c not in ("pga_broadband", "pga_lowpass")}
    if args.kappa_s is not None:
        columns["kappa_s"] = np.full(len(cond), float(args.kappa_s))
    meta_names = [c for c in METADATA_FEATURES if c in columns]
    already = sum(sink.done(rid, k) for rid in cond.record_ids[shard].tolist() for k in k_all)
    bar = tqdm(total=len(shard) * len(k_all), initial=already, unit="rec", disable=True if args.no_progress else None,
               desc=f"sample{f' rank {rank}' if world > 1 else ''}")
    t0, written = time.perf_counter(), 0
    for lo in range(0, len(shard), args.block_records):
        rows = shard[lo:lo + args.block_records]
        ids = cond.record_ids[rows].tolist()
        done = {(rid, k) for rid in ids for k in k_all if sink.done(rid, k)}
        if len(done) == len(ids) * len(k_all):
            continue
        lowpass_mps2 = cond.read(int(rows[0]), int(rows[-1]) + 1, fields=("lowpass",))["lowpass"][rows - rows[0]]
        by_id = {rid: r for r, rid in enumerate(ids)}
        for rid, k, acc_mps2 in generate(
                denoiser, scaler, config, lowpass_mps2, ids, realizations=len(k_all), steps=settings["steps"],
                sampler=settings["sampler"], seed=settings["seed"], batch_size=settings["batch_size"],
                lf_merge=settings["lf_merge"], merge_tol=settings["merge_tol"], fs_hz=cond.sampling_rate_hz,
                lowpass_hz=cond.lowpass_hz, window=settings["window"], device=settings["device"],
                metadata={c: columns[c][rows] for c in meta_names}, done=done, compile=args.compile):
            r = by_id[rid]
            sink.add(rid, k, acc_mps2, lowpass_mps2[r], {c: v[rows[r]] for c, v in columns.items()})
            written += 1
            bar.update(1)
        sink.flush()
    bar.close()
    return written, already, time.perf_counter() - t0


def resolve_checkpoint(name: str) -> Path:
    """The checkpoint path; 'default' is the pretrained model inside the package."""
    from seisdiff.errors import UserError

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

    from seisdiff.errors import UserError
    from seisdiff.io.store import open_store

    cond_args = [Path(c) for c in args.cond]
    if len(cond_args) == 1 and (cond_args[0] / "zarr.json").is_file():
        store = open_store(cond_args[0])
        shard = np.arange(rank, len(store), world, dtype=np.int64)
    else:
        store = preprocess_waveforms(args, out, ckpt_path, spec, config, world, rank)
        shard = np.arange(len(store), dtype=np.int64)   # this rank's files only
    if store.n_channels != config.model.n_channels:
        raise UserError(f"{store.path}: records have {store.n_channels} channel(s), the model {config.model.n_channels}; "
                        "use conditioning with the model's number of components")
    if spec:
        for key, have in (("sampling_rate_hz", store.sampling_rate_hz), ("lowpass_hz", store.lowpass_hz)):
            if abs(have - float(spec[key])) > 1e-9 * float(spec[key]):
                raise UserError(f"{store.path}: {key} = {have}, but the model was trained at {spec[key]}; "
                                "preprocess the conditioning with the training settings (or pass waveform files)")
    return store, shard


def preprocess_waveforms(args, out: Path, ckpt_path: Path, spec: dict | None, config, world: int, rank: int):
    """Preprocess this rank's waveform files with the checkpoint's settings into the conditioning store."""
    import dataclasses

    from seisdiff.errors import UserError
    from seisdiff.io.readers import find_inputs
    from seisdiff.io.store import open_store
    from seisdiff.preprocess import PreprocessConfig, run_preprocess

    if not spec:
        raise UserError(f"{ckpt_path}: the checkpoint does not record its training data's sampling rate, window "
                        "and filters, so waveform files cannot be prepared for it; pass as --cond a store made "
                        "by `seisdiff preprocess` with the training settings")
    known = {f.name for f in dataclasses.fields(PreprocessConfig)}
    given = dict(spec.get("preprocess") or {})
    given.update({"sampling_rate_hz": spec["sampling_rate_hz"], "lowpass_hz": spec["lowpass_hz"],
                  "length": spec["length"], "band_hz": spec["band_hz"]})
    cfg = PreprocessConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if k in known})
    files, problems = find_inputs(args.cond)
    for item, reason in problems:
        print(f"sample: skipped {item}: {reason}")
    suffix = f"_rank{rank}" if world > 1 else ""
    path = out.parent / f"{out.stem}_conditioning{suffix}.zarr"
    summary = run_preprocess([str(f) for f in files[rank::world]], path, cfg, units=args.units,
                             components="each" if config.model.n_channels == 1 else "3",
                             progress=not args.no_progress)
    for file, reason in summary.skipped:
        print(f"sample: skipped {file}: {reason}")
    if summary.store_records == 0:
        raise UserError(f"no usable waveform among --cond {' '.join(args.cond)}; see {path}/preprocess_report.csv")
    return open_store(path)


def write_settings(out: Path, settings: dict) -> None:
    """Write OUT/sample_config.json, refusing to resume an output made with other settings."""
    import json

    from seisdiff.errors import UserError

    path = out / "sample_config.json"
    if path.is_file():
        old = json.loads(path.read_text())
        diffs = [f"{k}: {old.get(k)!r} vs {settings[k]!r}" for k in RESUME_KEYS if old.get(k) != settings[k]]
        if diffs:
            raise UserError(f"{out}: was generated with other settings (there vs now: {'; '.join(diffs)}); "
                            "use the same options to resume, or another --out")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".sample_config.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(settings, indent=2) + "\n")
    os.replace(tmp, path)


class ZarrSink:
    """Generated records → a store (OUT, or OUT/rank<r>.zarr under torchrun), one commit per flush."""

    def __init__(self, out: Path, cond, settings: dict, world: int, rank: int, flush_records: int = 64):
        from seisdiff import __version__
        from seisdiff.errors import UserError
        from seisdiff.io.store import create_store

        self.path = out if world == 1 else out / f"rank{rank}.zarr"
        if self.path.is_dir() and not (self.path / "zarr.json").is_file() and any(self.path.iterdir()):
            raise UserError(f"{self.path}: exists and is not a store (creating one would delete its files); "
                            "choose another --out")
        if world > 1:
            (out / f"rank{rank}.done").unlink(missing_ok=True)
        self.writer = create_store(self.path, sampling_rate_hz=cond.sampling_rate_hz, length=cond.length,
                                   n_channels=cond.n_channels, lowpass_hz=cond.lowpass_hz, band_hz=cond.band_hz,
                                   producer=f"seisdiff {__version__} sample", extra_attrs={"sampling": settings})
        self.existing = self.writer.existing_ids
        self.flush_records = flush_records
        self.buffer: list = []

    def done(self, record_id: str, k: int) -> bool:
        return f"{record_id}_r{k}" in self.existing

    def add(self, record_id: str, k: int, acc_mps2, lowpass_mps2, columns: dict) -> None:
        self.buffer.append((record_id, k, acc_mps2, lowpass_mps2, columns))
        if len(self.buffer) >= self.flush_records:
            self.flush()

    def flush(self) -> None:
        import numpy as np

        if not self.buffer:
            return
        ids, ks, accs, lps, cols = zip(*self.buffer)
        bb, lp = np.stack(accs), np.stack(lps)
        columns = {name: np.array([c[name] for c in cols]) for name in cols[0]}
        columns.update({"source_record_id": np.array(ids, dtype=str), "realization": np.array(ks, dtype=np.int64),
                        "pga_broadband": np.abs(bb).max(axis=(1, 2)).astype(np.float64),
                        "pga_lowpass": np.abs(lp).max(axis=(1, 2)).astype(np.float64)})
        names = [f"{rid}_r{k}" for rid, k in zip(ids, ks)]
        self.writer.append(bb, lp, names, columns)
        self.existing.update(names)
        self.buffer = []


class FileSink:
    """Generated records → one file per record, realization (and channel) in the folder OUT."""

    def __init__(self, out: Path, cond, fmt: str):
        from seisdiff.io.export import SUFFIXES

        self.path, self.fmt, self.fs_hz = out, fmt, cond.sampling_rate_hz
        self.suffix = SUFFIXES[fmt]
        self.channels = [""] if cond.n_channels == 1 else \
            ([f"_{c}" for c in ("H1", "H2", "Z")] if cond.n_channels == 3 else [f"_c{j}" for j in range(cond.n_channels)])

    def names(self, record_id: str, k: int) -> list[str]:
        return [f"{record_id}_r{k}{c}" for c in self.channels]

    def done(self, record_id: str, k: int) -> bool:
        return all((self.path / f"{n}{self.suffix}").is_file() for n in self.names(record_id, k))

    def add(self, record_id: str, k: int, acc_mps2, lowpass_mps2, columns: dict) -> None:
        from seisdiff.io.export import export_records

        export_records(self.path, self.fmt, acc_mps2, self.fs_hz, self.names(record_id, k))

    def flush(self) -> None:
        pass


def finish_rank(out: Path, world: int, rank: int) -> Path | None:
    """Mark this rank done; if every rank is, merge (one process at a time). Returns the merged store or None."""
    (out / f"rank{rank}.done").write_text("done\n")
    if not all((out / f"rank{r}.done").is_file() for r in range(world)):
        return None
    lock = out / "merge.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return None               # another rank is merging everything
    os.close(fd)
    try:
        return merge_rank_stores([out / f"rank{r}.zarr" for r in range(world)], out / "samples.zarr")
    finally:
        lock.unlink(missing_ok=True)


def merge_rank_stores(sources: list[Path], dest: Path, block_records: int = 256) -> Path:
    """Append the records of the stores `sources` not yet in `dest` (created like the first) to `dest`."""
    import numpy as np

    from seisdiff.io.store import create_store, open_store

    first = open_store(sources[0])
    writer = create_store(dest, sampling_rate_hz=first.sampling_rate_hz, length=first.length,
                          n_channels=first.n_channels, lowpass_hz=first.lowpass_hz, band_hz=first.band_hz,
                          producer=first.attrs.get("producer", "seisdiff sample"),
                          extra_attrs={"sampling": first.attrs.get("sampling", {})})
    existing = writer.existing_ids
    for source in sources:
        src = open_store(source)
        for lo in range(0, len(src), block_records):
            hi = min(lo + block_records, len(src))
            ids = src.record_ids[lo:hi]
            new = np.flatnonzero([rid not in existing for rid in ids.tolist()])
            if len(new) == 0:
                continue
            block = src.read(lo, hi)
            columns = {c: src.column(c)[lo:hi][new] for c in src.columns}
            writer.append(block["broadband"][new], block["lowpass"][new], ids[new], columns)
            existing.update(ids[new].tolist())
    return dest
