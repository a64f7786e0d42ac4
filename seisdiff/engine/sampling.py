"""The block loop of `seisdiff sample`: conditioning store → `generate` → a sink, resumably, in m/s².

Records are read `block_records` at a time (memory bounded by the block); realizations already in the
sink are skipped. Records of one store may differ in length (whole-record conditioning, column
`n_samples`; see preprocess.whole): each is generated over its own samples only — its windows,
cross-fades and low-frequency merge never see the padding — and handed to the sink padded back to the
store's length. Stores without `n_samples` (windows cut for training) are generated exactly as stored; their
merge leaves each window's edge zones, where its conditioning is its record's low band, to the generated
low band (`generate`'s cut_conditioning).
Record i, realization k is seeded from (seed, record id, k, window) (`generate.record_seed`), so
results do not depend on blocks, batch size, grouping by length or sharding; the sink receives them in the
conditioning's order (record, then realization) whatever the grouping.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from tqdm import tqdm

from seisdiff.engine.generate import CROSSFADE_SPLIT, LEAD_SAMPLES, band_top, generate
from seisdiff.engine.lfmerge import MERGE_TOL
from seisdiff.engine.samplers import DEFAULT_GRID, DEFAULT_SAMPLER, SAMPLERS, STEPS_FOR, evaluations, intervals_for
from seisdiff.engine.scaling import ALWAYS_KNOWN, metadata_columns
from seisdiff.errors import UserError
from seisdiff.io.store import pad_to_length

# settings a resumed run must share with the run that started OUT (older outputs lack "output")
RESUME_KEYS = ("checkpoint", "sampler", "steps", "grid", "seed", "lf_merge", "merge_tol", "window", "format",
               "kappa_s", "output", "pre_event_gate", "level_model", "band_top_hz", "crossfade_split_hz",
               "hypocenter", "magnitude", "input_units", "input_quantity", "scenario",
               "lowband_input", "src", "lead_samples", "merge_edge_zones")
RESUME_DEFAULTS = {"output": "acceleration", "pre_event_gate": False, "level_model": False, "scenario": False,
                   "lowband_input": False,
                   "band_top_hz": None,
                   "crossfade_split_hz": None, "hypocenter": None, "magnitude": None, "input_units": None,
                   "input_quantity": None, "src": None, "lead_samples": 0, "merge_edge_zones": False}
# settings whose default changed: {key: {the value an older output recorded: what resumes it, where it is the only
# setting that differs}} (`write_settings`)
RESUME_HINTS = {"scenario": {False: "begun under the earlier level rule, the network's own level in the regions it "
                                    "was trained on: --network-level resumes it"}}
DISTILLED = "distilled"  # --sampler: a distilled checkpoint's own few-step sampler (engine/distill.py)


@dataclass
class SampleConfig:
    """Everything `seisdiff sample` is asked to do; each default lives here (the command passes on only
    the options a user set)."""

    checkpoint: str                     # checkpoint path or "default" (the shipped model)
    cond: list                          # a store, a station grid, or waveform files/folders/globs
    out: str                            # output store or folder
    format: str = "zarr"                # zarr | at2 | mseed | sac
    output: str = "acceleration"        # files only: acceleration (m/s²) or velocity (m/s)
    realizations: int = 1               # samples per conditioning record
    sampler: str | None = None          # one of samplers.SAMPLERS, or "distilled"; None: `model_path`'s choice
    steps: int | None = None            # model evaluations per sample (None: the sampler's own, STEPS_FOR)
    seed: int = 0
    batch_size: int = 16                # windows per model call
    lf_merge: bool = True               # replace the output's low band by the conditioning
    pre_event_gate: bool = False        # no generated high frequencies before the conditioning's onset
    level_model: bool = True            # high frequencies at the checkpoint's level model's level, if it has one
    scenario: bool = True               # the level model sets every record's level (False, --network-level: the
                                        # network's own in the regions it was trained on, the earlier rule)
    lowband_input: bool = False         # the inputs are a low band already cut at the crossover: not filtered again
    kappa_s: float | None = None        # high-frequency decay κ of the records to generate, s
    device: str = "auto"                # auto | cpu | cuda
    units: str | None = None            # unit of waveform files that declare none
    quantity: str | None = None         # what those files hold (acceleration | velocity | displacement)
    compile: bool = False               # torch.compile the model
    block_records: int = 256            # conditioning records read at once
    progress: bool = True
    hypocenter: tuple | None = None     # station grids and waveform files: (lat, lon, depth_km) of the event
    magnitude: float | None = None      # station grids and waveform files: the event's magnitude
    src: str | None = None              # station grids and waveform files: the event's rupture (BBP .src), `with_src`
    stations: str | None = None         # station grids: station table CSV
    grid_variable: str | None = None    # station grids: the data array's name
    block_stations: int | None = None   # station grids: stations per block (None: grid_sample's default)

    def __post_init__(self):
        if self.sampler not in (None, *SAMPLERS, DISTILLED):
            raise UserError(f"--sampler {self.sampler}: choose one of {', '.join((*SAMPLERS, DISTILLED))}")
        counts = (self.realizations, self.batch_size, self.steps, self.block_stations, self.block_records)
        if any(c is not None and c < 1 for c in counts):
            raise UserError("--realizations, --batch-size, --steps, --block-records and --block-stations must be "
                            "positive integers")
        if self.kappa_s is not None and not 0.0 <= self.kappa_s <= 0.2:
            raise UserError(f"--kappa-s {self.kappa_s}: give κ in seconds, between 0 and 0.2 (typically 0.02–0.08)")
        if self.output != "acceleration" and self.format == "zarr":
            raise UserError(f"--output {self.output} writes files (--format at2|mseed|sac); stores hold "
                            "acceleration in m/s² only")

    @classmethod
    def from_args(cls, args) -> "SampleConfig":
        """The options an argparse namespace sets (None = not set: the default here)."""
        given = {f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name, None) is not None}
        return cls(**given, progress=not getattr(args, "no_progress", False))


def model_path(cfg: SampleConfig) -> Path:
    """The checkpoint file cfg samples with. `--checkpoint default` is the shipped model's distilled
    few-step twin (pretrained/distilled.pt) when the sampler is "distilled", or when neither --sampler
    nor --steps is given and `pretrained.DEFAULT_SAMPLES_DISTILLED`; else the shipped model itself."""
    from seisdiff import pretrained

    auto = cfg.sampler is None and cfg.steps is None and str(cfg.checkpoint) == "default" \
        and pretrained.DEFAULT_SAMPLES_DISTILLED and pretrained.DISTILLED_CHECKPOINT.is_file()
    return pretrained.resolve_checkpoint(cfg.checkpoint, distilled=auto or cfg.sampler == DISTILLED)


def for_checkpoint(cfg: SampleConfig, ckpt: dict) -> SampleConfig:
    """cfg as it applies to checkpoint `ckpt`: a distilled checkpoint (`engine.distill`) samples with the
    sampler and steps its "distilled" entry names (a few steps), whatever --sampler says; --sampler
    distilled asks for such a checkpoint; no --sampler for another checkpoint is DEFAULT_SAMPLER.
    UserError for other --steps, or a checkpoint not distilled."""
    info = ckpt.get("distilled")
    if info is None:
        if cfg.sampler == DISTILLED:
            raise UserError(f"{cfg.checkpoint}: not a distilled model; --sampler {DISTILLED} needs one written by "
                            "`seisdiff distill` (its distilled.pt), or choose another --sampler")
        return dataclasses.replace(cfg, sampler=cfg.sampler or DEFAULT_SAMPLER)
    if cfg.steps not in (None, info["steps"]):
        raise UserError(f"{cfg.checkpoint}: distilled for {info['steps']} steps; leave --steps out (or give "
                        f"{info['steps']})")
    return dataclasses.replace(cfg, sampler=info["sampler"], steps=int(info["steps"]))


def resolve_device(device: str) -> str:
    """'cpu' or 'cuda:<LOCAL_RANK>' for auto | cpu | cuda; UserError for cuda without a GPU."""
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise UserError("--device cuda: no CUDA device is visible; use --device cpu or auto")
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


def is_conditioning_store(cond) -> bool:
    """--cond names one preprocessed store (rather than waveform files or a grid)."""
    return len(cond) == 1 and (Path(cond[0]) / "zarr.json").is_file()


def conditioning_path(out: Path, rank: int = 0, world: int = 1) -> Path:
    """The conditioning store `sample` keeps beside OUT for waveform inputs: `<OUT name>_conditioning.zarr`
    (OUT's `.zarr` dropped: out.zarr → out_conditioning.zarr; run.v1 → run.v1_conditioning.zarr, not run's),
    one per rank under torchrun."""
    out = Path(out)
    name = out.name[:-len(".zarr")] if out.name.lower().endswith(".zarr") else out.name
    return out.parent / f"{name}_conditioning{f'_rank{rank}' if world > 1 else ''}.zarr"


def open_conditioning(cfg: SampleConfig, model, world: int, rank: int):
    """(conditioning store, this rank's record indices (n,) int64) for cfg.cond, checked against the
    model (a `LoadedModel`): a store's `lowpass` as it is, or waveform files conditioned whole through
    the model's filters into `conditioning_path(OUT)` beside OUT (under torchrun every rank conditions every
    file and generates every world-th record: a record's id (the second of two files named alike takes
    `<folder>.<id>`), its 3-component group and the level model's place among its event's stations depend
    on the other files; rebuilt, with one line, when made with other settings or from files since changed:
    `preprocess.whole`)."""
    from seisdiff.io.readings import other_component_reading
    from seisdiff.io.store import open_store, require_records
    from seisdiff.preprocess.whole import config_for_model, prepare_conditioning, store_level_warnings

    spec, out = model.store_spec, Path(cfg.out)
    if is_conditioning_store(cfg.cond) and cfg.lowband_input:
        raise UserError(f"--lowband-input: {cfg.cond[0]} is a store, whose `lowpass` is the conditioning already; the "
                        "option is for waveform files or a station grid holding a low band cut at the crossover")
    if is_conditioning_store(cfg.cond):
        store = require_records(open_store(cfg.cond[0]), "condition on")
        shard = np.arange(rank, len(store), world, dtype=np.int64)
        warnings = store_level_warnings(store, np.arange(len(store))) if rank == 0 else []
        read = other_component_reading(store.attrs)
        if read and rank == 0:   # the model's vertical flag is the store's `component` column
            warnings.append(f"{store.path}: its records' {read}; files given as --cond would be read with this "
                            "seisdiff's; preprocess the inputs into a new store, or give the files")
    else:
        prepared = prepare_conditioning(         # every file on every rank, as one process conditions them
            cfg.cond, conditioning_path(out, rank, world),
            config_for_model(spec, model.source), n_channels=model.config.model.n_channels, units=cfg.units,
            quantity=cfg.quantity, progress=cfg.progress and rank == 0,
            event=event_row(cfg.hypocenter, cfg.magnitude), lowband_input=cfg.lowband_input)
        for line in prepared.notes if rank == 0 else ():             # under torchrun: rank 0 speaks for all
            print(f"sample: {line}")
        for file, reason in prepared.skipped if rank == 0 else ():
            print(f"sample: skipped {file}: {reason}")
        store, warnings = prepared.store, [line for _, line in prepared.warnings] if rank == 0 else []
        shard = np.arange(rank, len(store), world, dtype=np.int64)
    for line in warnings:
        print(f"sample: warning: {line}", file=sys.stderr)
    if store.n_channels != model.config.model.n_channels:
        raise UserError(f"{store.path}: records have {store.n_channels} channel(s), the model "
                        f"{model.config.model.n_channels}; use conditioning with the model's number of components")
    for key, have in (("sampling_rate_hz", store.sampling_rate_hz), ("lowpass_hz", store.lowpass_hz)):
        if spec and abs(have - float(spec[key])) > 1e-9 * float(spec[key]):
            raise UserError(f"{store.path}: {key} = {have}, but the model was trained at {spec[key]}; "
                            "preprocess the conditioning with the training settings (or pass waveform files)")
    return store, shard


def check_inputs(cfg: SampleConfig, out: Path) -> dict:
    """The fingerprints (`io.fingerprint`) of the inputs of cfg.cond (a store, or waveform files) to record in
    OUT/sample_config.json. UserError (one line) when OUT was started from an input since rewritten (its
    records would mix realizations of the old input and the new); an output of an earlier version, which
    recorded none, resumes unchecked (one warning line)."""
    from seisdiff.io.fingerprint import compare_inputs
    from seisdiff.io.readers import find_inputs
    from seisdiff.io.sinks import read_settings

    paths = [Path(cfg.cond[0])] if is_conditioning_store(cfg.cond) else find_inputs(cfg.cond)[0]
    old = read_settings(out)        # its inputs by absolute path (one recorded relative: relative to OUT)
    if old is not None and "inputs" not in old and int(os.environ.get("RANK", "0")) == 0:
        print(f"sample: warning: {out} was started by an earlier seisdiff, which did not record its inputs: resuming "
              "it without checking that they are unchanged", file=sys.stderr)
    changed, now = compare_inputs((old or {}).get("inputs"), paths)
    if changed:
        raise UserError(f"{out}: was started from other inputs or other versions of them ({changed}); resuming would "
                        f"mix realizations of both: sample into another --out, or delete {out} to start again")
    return now


def model_settings(ckpt: dict) -> dict:
    """What an output records of the checkpoint it is sampled from, for `check_model`: its epoch, step and
    `checkpoint.model_fingerprint` (what sampling uses of it)."""
    from seisdiff.engine.checkpoint import model_fingerprint

    return {"checkpoint_epoch": ckpt.get("epoch"), "checkpoint_step": ckpt.get("step"),
            "checkpoint_fingerprint": model_fingerprint(ckpt)}


def check_model(out: Path, settings: dict, old: dict | None = None, warn=None) -> None:
    """UserError (one line) when OUT was started from the checkpoint file `settings` names, and that file now holds
    another model: trained on since (its epoch or step differ; a best.pt rewritten by `train --resume`), or another
    part of what sampling uses (`model_settings`: a level model refitted in place by `hf_level.attach`, epoch and
    step kept): resuming would mix realizations of both models. Another path is `write_settings`'s to refuse.
    old: the settings OUT recorded (default: OUT/sample_config.json; a grid output: its attribute). An output of an
    earlier seisdiff that recorded less is checked on what it recorded, with one `warn` line (default: stderr)."""
    from seisdiff.io.sinks import read_settings

    old = read_settings(out) if old is None else old
    if old is None or old.get("checkpoint") != settings["checkpoint"]:
        return
    now = (settings.get("checkpoint_epoch"), settings.get("checkpoint_step"))
    if there := trained_since(old, settings):
        raise UserError(f"{out}: was started from {settings['checkpoint']} at epoch {there[0]}, step {there[1]}; the "
                        f"file now holds epoch {now[0]}, step {now[1]} (trained since), and resuming would mix "
                        f"realizations of both models: sample into another --out, or delete {out} to start again")
    if old.get("checkpoint_fingerprint") is None:
        (warn or _warn)(f"{out} was started by an earlier seisdiff, which did not record what its checkpoint held"
                        f"{' but its epoch and step' if 'checkpoint_epoch' in old else ''}: resuming it without checking "
                        f"that {settings['checkpoint']} is otherwise unchanged since (a level model refitted in place)")
        return
    if changed := changed_parts(old, settings):
        raise UserError(f"{out}: was started from {settings['checkpoint']}, which still holds epoch {now[0]}, step "
                        f"{now[1]} but another {', '.join(changed)} (rewritten since, e.g. a level model refitted in place "
                        f"by `hf_level.attach`), and resuming would mix realizations of both models: sample into another "
                        f"--out, or delete {out} to start again")


def trained_since(old: dict, settings: dict) -> tuple | None:
    """The (epoch, step) an output recorded of its checkpoint (`old`, its settings) where the checkpoint now holds
    others (`settings`): trained on since; None where alike, or where it recorded none (an earlier seisdiff)."""
    there, now = ((s.get("checkpoint_epoch"), s.get("checkpoint_step")) for s in (old, settings))
    return there if "checkpoint_epoch" in old and there != now else None


def changed_parts(old: dict, settings: dict) -> list[str]:
    """The parts of the checkpoint that sampling uses (`model_settings`' fingerprint) in which the settings an output
    recorded, `old`, and `settings` differ; the level model only where `settings` use one (--no-level-model: not);
    [] where `old` recorded no fingerprint (an earlier seisdiff)."""
    recorded, held = old.get("checkpoint_fingerprint"), settings["checkpoint_fingerprint"]
    if recorded is None:
        return []
    used = [p for p in held if p != "level_model" or settings.get("level_model")]
    return [p for p in used if recorded.get(p) != held[p]]


def _warn(line: str) -> None:
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"sample: warning: {line}", file=sys.stderr)


def with_src(cfg: SampleConfig) -> SampleConfig:
    """cfg with its --src's event: the hypocentre (lat, lon, depth_km) and magnitude of the BBP simple source
    description (`io.bbp_src.source_event`) in place of --hypocenter and --magnitude, which may be given only where
    they agree with it. UserError (one line) for a src with a conditioning store (it carries its own metadata), a
    file that is no src, or a disagreeing option."""
    from seisdiff.io.bbp_src import read_src, source_event
    from seisdiff.io.grid import looks_like_grid

    if cfg.src is None:
        return cfg
    if is_conditioning_store(cfg.cond) and not looks_like_grid(cfg.cond[0]):
        raise UserError(f"--src {cfg.src}: an option of a station grid or of waveform files (their event), which "
                        f"{' '.join(map(str, cfg.cond))} is not; a conditioning store carries its own metadata "
                        "(`preprocess --metadata`); `evaluate --gmm bssa14 --src FILE` compares its output with the rupture")
    hypocentre, magnitude = source_event(read_src(cfg.src), cfg.hypocenter, cfg.magnitude)
    return dataclasses.replace(cfg, hypocenter=list(hypocentre), magnitude=magnitude)


def event_row(hypocenter, magnitude) -> dict:
    """`sample --hypocenter LAT LON DEPTH_KM --magnitude M` for waveform files: their event's metadata row
    (`preprocess.metadata.lookup`'s default_event: what the files' headers do not give)."""
    row = dict(zip(("hypo_lat", "hypo_lon", "hypo_depth_km"), map(float, hypocenter))) if hypocenter else {}
    return row | ({"magnitude": float(magnitude)} if magnitude is not None else {})


def resolve_settings(cfg: SampleConfig, model, ckpt: dict, cond, device: str, world: int) -> dict:
    """Every setting the output depends on (saved as OUT/sample_config.json)."""
    from seisdiff.io.bbp_src import src_settings

    steps = cfg.steps or STEPS_FOR[cfg.sampler]
    top_hz, order = band_top(model.store_spec)
    return {
        "checkpoint": model.source, **model_settings(ckpt),         # what it held: `check_model`
        "cond": [str(c) for c in cfg.cond], "conditioning_store": str(cond.path), "format": cfg.format,
        "realizations": cfg.realizations, "sampler": cfg.sampler, "steps": steps,
        "evaluations": evaluations(cfg.sampler, intervals_for(cfg.sampler, steps)),
        "grid": DEFAULT_GRID[cfg.sampler], "seed": cfg.seed, "lf_merge": cfg.lf_merge, "merge_tol": MERGE_TOL,
        "crossover_hz": cond.lowpass_hz, "sampling_rate_hz": cond.sampling_rate_hz,
        "window": model.config.data.window or (model.store_spec or {}).get("length") or cond.length,
        "batch_size": cfg.batch_size, "device": device, "world_size": world, "units": "m/s^2",
        "kappa_s": cfg.kappa_s, "output": cfg.output, "pre_event_gate": cfg.pre_event_gate,
        "hypocenter": list(cfg.hypocenter) if cfg.hypocenter else None, "magnitude": cfg.magnitude,
        # waveform files: what --units/--quantity said they hold (the conditioning's scale)
        "input_units": None if is_conditioning_store(cfg.cond) else cfg.units,
        "input_quantity": None if is_conditioning_store(cfg.cond) else cfg.quantity,
        "level_model": bool(cfg.level_model and model.level_model),   # `engine.hf_level`
        "scenario": bool(cfg.scenario),        # every record a region the model never saw (`hf_level.record_regions`)
        "lowband_input": bool(cfg.lowband_input),   # the conditioning is the input as given (`condition_whole`)
        # the training records' upper band edge: the output is low-passed there (`generate`)
        "band_top_hz": top_hz, "band_order": order,
        # windows cross-fade their high frequencies (independent draws) with power weights (`generate`)
        "crossfade_split_hz": CROSSFADE_SPLIT * cond.lowpass_hz,
        # each record's first window starts before it, past the network's edge artefact (`generate`)
        "lead_samples": LEAD_SAMPLES,
        # a training store's windows are merged beyond their edge zones (`generate`'s cut_conditioning)
        "merge_edge_zones": True,
        # the model's conditioning inputs: `evaluate` gives its stochastic baseline κ only when the model had it
        "metadata_fields": list(model.config.data.metadata_fields or ()),
    } | src_settings(cfg.src)     # the event's rupture (`sample --src`): `evaluate --gmm` compares with it


def sample_into(sink, model, cond, shard, settings: dict, *, kappa_s: float | None = None, block_records: int = 256,
                progress: bool = True, compile: bool = False, label: str = "sample",
                hide_metadata: bool = False) -> tuple[int, int, float]:
    """Generate every realization of the records `shard` (indices into `cond`) not yet in `sink`,
    block by block. model: a `LoadedModel`. hide_metadata: give the model every metadata field as
    unknown but those read from the data (the component), as when a user knows none.
    Returns (generated now, found already written, seconds)."""
    denoiser, config, scaler = model.denoiser, model.config, model.scaler
    k_all = range(settings["realizations"])
    columns = {c: cond.column(c) for c in cond.columns}
    if kappa_s is not None:
        columns["kappa_s"] = np.full(len(cond), float(kappa_s))
    meta = metadata_columns(columns)
    if hide_metadata:
        meta = {k: v for k, v in meta.items() if k in ALWAYS_KNOWN}
    if "region" in columns or "event" in columns:     # where the level model applies (engine/hf_level.py)
        from seisdiff.engine.hf_level import record_regions
        meta["region"] = record_regions(columns.get("region", [""] * len(cond)), columns.get("event"),
                                        settings.get("scenario", False))
    if not hide_metadata and "hypo_depth_km" in columns:                # the level model's depth term
        meta["hypo_depth_km"] = np.asarray(columns["hypo_depth_km"], np.float64)
    if not hide_metadata and "event" in columns and "distance_km" in columns:
        from seisdiff.engine.hf_level import relative_ln_distance, strong_motion_windows  # the whole store's
        meta["ln_distance_rel"] = relative_ln_distance(columns["event"], columns["distance_km"],   # every shard alike
                                                       strong_motion_windows(cond.record_ids))
    if settings.get("level_model") and (model.level_model or {}).get("within") and "ln_distance_rel" in meta:
        from seisdiff.engine.hf_level import grid_samples, store_within_event, unseen   # only with distances, where it acts
        acts = unseen(model.level_model, meta.get("region", np.array([""] * len(cond)))[shard])
        if (acts & np.isfinite(meta["ln_distance_rel"][shard])).any():
            meta["level_within"] = store_within_event(cond, grid=grid_samples(model.level_model))   # one pass
    lengths = columns.get("n_samples")
    already = sum(sink.done(rid, k) for rid in cond.record_ids[shard].tolist() for k in k_all)
    bar = tqdm(total=len(shard) * len(k_all), initial=already, unit="rec", desc=label,
               disable=None if progress else True)
    t0, written = time.perf_counter(), 0
    for lo in range(0, len(shard), block_records):
        rows = shard[lo:lo + block_records]
        ids = cond.record_ids[rows].tolist()
        done = {(rid, k) for rid in ids for k in k_all if sink.done(rid, k)}
        if len(done) == len(ids) * len(k_all):
            continue
        lowpass_mps2 = cond.read(int(rows[0]), int(rows[-1]) + 1, fields=("lowpass",))["lowpass"][rows - rows[0]]
        # to the sink in the block's order (record, realization), whatever the order of the length groups
        todo = iter([(pos, k) for pos, rid in enumerate(ids) for k in k_all if (rid, k) not in done])
        wanted, ready = next(todo, None), {}
        for sel, n in _by_length(lowpass_mps2.shape[-1], None if lengths is None else lengths[rows]):
            part = lowpass_mps2 if sel is None else lowpass_mps2[sel, :, :n]
            part_rows = rows if sel is None else rows[sel]
            part_ids = ids if sel is None else [ids[i] for i in sel]
            by_id = {rid: r for r, rid in enumerate(part_ids)}
            for rid, k, acc_mps2 in generate(
                    denoiser, scaler, config, part, part_ids, realizations=len(k_all), steps=settings["steps"],
                    sampler=settings["sampler"], seed=settings["seed"], batch_size=settings["batch_size"],
                    lf_merge=settings["lf_merge"], merge_tol=settings["merge_tol"], sampling_rate_hz=cond.sampling_rate_hz,
                    lowpass_hz=cond.lowpass_hz, window=settings["window"], device=settings["device"],
                    metadata={c: v[part_rows] for c, v in meta.items()}, done=done, compile=compile,
                    pre_event_gate=settings.get("pre_event_gate", False),
                    level_model=model.level_model if settings.get("level_model") else None,
                    band_top_hz=settings.get("band_top_hz"), band_order=settings.get("band_order", 4),
                    crossfade_split_hz=settings.get("crossfade_split_hz"),
                    lead_samples=settings.get("lead_samples", 0),
                    cut_conditioning=lengths is None and settings.get("merge_edge_zones", False)):
                r = by_id[rid]
                pos = r if sel is None else int(sel[r])      # the record's place in the block
                ready[(pos, k)] = acc_mps2
                while wanted in ready:
                    pos, k = wanted
                    acc = pad_to_length(ready.pop(wanted), lowpass_mps2.shape[-1])
                    written += sink.add(ids[pos], k, acc, lowpass_mps2[pos],       # False: not writable
                                        {c: v[rows[pos]] for c, v in columns.items()})
                    bar.update(1)
                    wanted = next(todo, None)
        sink.flush()
    bar.close()
    return written, already, time.perf_counter() - t0


def _by_length(length: int, n_samples) -> list[tuple[np.ndarray | None, int]]:
    """(row selection, samples) per distinct record length; [(None, length)] when every record is whole."""
    if n_samples is None:
        return [(None, length)]
    n = np.where((n_samples > 0) & (n_samples <= length), n_samples, length).astype(np.int64)
    return [(np.flatnonzero(n == v), int(v)) for v in dict.fromkeys(n.tolist())]
