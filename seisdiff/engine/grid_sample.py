"""Sampling a station grid: blocks of stations read, conditioned, generated and committed, resumably.

Per block of `block_stations` stations (memory ∝ block × components × samples, never the whole grid):
  read (n, C, T) m/s² (`io.grid`; velocity/displacement differentiated by the reader) → condition every
  trace whole with the sample command's implementation (`preprocess.whole.condition_whole`: the training
  chain with no window selection; at the model's rate, same start, same duration: samples_at(T) samples)
  → `generate` (long traces: overlapping windows cross-faded in m/s²; low band merged back to the
  conditioning) → the output block (`io.grid_store.GridWriter`, per-station files on request).
With a single-component model each component of a station is its own record (id `<station>_<component>`),
so it gets its own noise; a C-component model takes the station's components together.
Unusable input is skipped trace by trace (a C-component model: station by station), each station named
in one warning line (the first MAX_SKIP_LINES of a run; the rest counted): NaN, inf or missing samples
(the array's _FillValue / missing_value, or outside its valid_range / valid_min / valid_max), no signal (all
zero or constant), a level beyond any recorded ground motion (`preprocess.whole.level_warning`, the likely
unit error named). Its output rows stay NaN
(never mistaken for ground motion, unlike zeros) and its block is committed like any: the output's
attribute `skipped_stations` ({station: reason}) and per-station array `skipped` list them, and a rerun
into the same output does not retry them.

Resume: a block is committed after its data (and per-station files) are written; a rerun skips committed
blocks and redoes the rest, so nothing is written twice. A rerun must be over the same grid
(`io.grid_store.grid_identity`: path, array, units, start time, station table, --stations CSV; and its
content, `io.fingerprint`: a grid rewritten in place is refused, not mixed into the output) with the
same RESUME_KEYS settings, and from the checkpoint file holding the same model (its epoch, step and what
sampling uses of it: `sampling.check_model`); another grid's output as --out is refused. Under torchrun
(WORLD_SIZE, RANK) rank r takes blocks b with b % WORLD_SIZE == r and writes them into the one output.

`grid_request(args, device)` turns the options of `seisdiff sample` into `sample_grid`'s arguments when
--cond is one station grid.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seisdiff.engine import hf_level
from seisdiff.engine.generate import CROSSFADE_SPLIT, LEAD_SAMPLES, generate
from seisdiff.engine.hf_level import relative_ln_distance
from seisdiff.engine.samplers import DEFAULT_SAMPLER, STEPS_FOR
from seisdiff.engine.scaling import vertical_flag
from seisdiff.errors import UserError
from seisdiff.io.validate import demeaned_peak_mps2
from seisdiff.preprocess.whole import condition_whole, config_for_model, level_warning, samples_at

DEFAULT_BLOCK_STATIONS = 64
SKIP_ATTR = "attribute skipped_stations"
SCENARIO_REGION = ""     # a grid's stations, for the level model: a region it never saw (`hf_level.unseen`)
MAX_SKIP_LINES = 20     # unusable stations named one line each per run; the rest counted in one line
# settings a resumed run must share with the run that started the output
RESUME_KEYS = ("checkpoint", "sampler", "steps", "seed", "lf_merge", "block_stations", "hypocenter", "magnitude",
               "station_format", "grid_shape", "grid_dt_s", "kappa_s", "level_model", "band_top_hz",
               "crossfade_split_hz", "pre_event_gate", "scenario", "lowband_input", "src", "lead_samples")
RESUME_DEFAULTS = {"level_model": False, "band_top_hz": None, "crossfade_split_hz": None,     # older outputs: none
                   "pre_event_gate": False, "scenario": False, "lowband_input": False, "src": None, "lead_samples": 0}
# `sample` options that only station grids take (argparse dests)
GRID_OPTIONS = ("hypocenter", "magnitude", "src", "stations", "grid_variable", "block_stations")
EVENT_OPTIONS = ("hypocenter", "magnitude", "src")   # … of which waveform files take these too (their event's)


@dataclass
class GridRun:
    out: Path
    files_dir: Path | None
    records_generated: int      # traces generated now (stations × components)
    records_skipped: int        # traces in blocks committed before this run
    seconds: float
    blocks_total: int
    blocks_done: int            # committed blocks of the whole output after this run (all ranks)
    records_bad: int = 0        # traces not generated now: unusable input (NaN, no signal, impossible level)
    stations_skipped: list = field(default_factory=list)   # every station the output skips (all runs, all ranks)

    @property
    def records_per_s(self) -> float:
        return self.records_generated / max(self.seconds, 1e-9)


def sample_grid(model, source, out, *, hypocenter=None, magnitude=None, stations_csv=None, variable=None,
                sampler: str | None = None, steps: int | None = None, seed: int = 0, batch_size: int = 16,
                block_stations: int = DEFAULT_BLOCK_STATIONS, station_format: str | None = None,
                progress: bool = True, lf_merge: bool = True, device: str = "cpu", kappa_s: float | None = None,
                compile: bool = False, world_size: int | None = None, rank: int | None = None, log=None,
                level_model: bool = True, pre_event_gate: bool = False, lowband_input: bool = False,
                src=None, model_record: dict | None = None) -> GridRun:
    """Generate broadband acceleration (m/s²) for every station of a grid into the grid output `out`.

    model: checkpoint path, 'default' (the shipped model), a loaded checkpoint dict, or a tuple
    (denoiser, config, scaler, store_spec[, checkpoint name]) with store_spec = the checkpoint's "store" entry.
    source: grid path (seisdiff.io.grid convention) or an open GridSource; stations_csv, hypocenter
    (lat, lon, depth_km), magnitude and variable are passed to `open_grid` for a path. src: the event's rupture (a
    BBP .src path): its hypocentre and magnitude instead (given too, they must agree: `io.bbp_src.source_event`),
    recorded in the output's settings for `evaluate --gmm` (distances here stay hypocentral).
    sampler/steps/seed/batch_size/kappa_s/compile: as `generate` (default sampler and its steps).
    level_model: apply the checkpoint's high-frequency level model when it has one (`engine.hf_level`).
    pre_event_gate: remove generated high frequencies before each trace's onset (`generate`, as `sample`).
    lowband_input: the grid is already a low band cut at the crossover, the conditioning as it is (`condition_whole`).
    block_stations: stations read, generated and committed together. station_format: mseed | sac | at2
    to also write per-station files into `io.grid_store.station_files_dir(out, fmt)`, or None.
    world_size/rank: default WORLD_SIZE/RANK from the environment. log: one-line messages, warnings
    starting with 'warning:' (default: stderr, prefixed 'grid: '). model_record: what the checkpoint holds
    (`sampling.model_settings`: epoch, step, fingerprint) when `model` is a tuple (a path or dict: read from it),
    recorded in the output's settings; a resume from a checkpoint file that now holds another model is refused
    (`sampling.check_model`).
    Everything is checked (input, settings against an existing output) before anything is written.
    """
    from tqdm import tqdm

    from seisdiff.engine.sampling import check_model
    from seisdiff.io.bbp_src import read_src, source_event, src_settings
    from seisdiff.io.grid import GridSource, open_grid
    from seisdiff.io.grid_store import FILE_FORMATS, create_grid_output, grid_identity, station_files_dir

    log = log or (lambda line: print(f"grid: {line}", file=sys.stderr))
    world = int(os.environ.get("WORLD_SIZE", "1")) if world_size is None else int(world_size)
    rank = int(os.environ.get("RANK", "0")) if rank is None else int(rank)
    sampler = sampler or DEFAULT_SAMPLER
    steps = int(steps or STEPS_FOR[sampler])
    if batch_size < 1 or block_stations < 1 or steps < 1:
        raise UserError("--batch-size, --block-stations and --steps must be positive integers")
    if station_format is not None and station_format not in FILE_FORMATS:
        raise UserError(f"per-station format {station_format!r}: choose one of {', '.join(FILE_FORMATS)}")
    if not 0 <= rank < world:
        raise UserError(f"RANK={rank} is not below WORLD_SIZE={world}")

    if src is not None:         # the rupture's event: its hypocentre and magnitude (`sample --src`)
        hypocenter, magnitude = source_event(read_src(src), hypocenter, magnitude)
    own_source = not isinstance(source, GridSource)
    if own_source:
        source = open_grid(source, stations_csv=stations_csv, hypocenter=hypocenter, magnitude=magnitude,
                           variable=variable)
    try:
        denoiser, config, scaler, cfg, ckpt_name, level, held = load_model(model, device)
        held = model_record or held
        level = level if level_model else None
        n_channels = config.model.n_channels
        if n_channels not in (1, source.n_components):
            raise UserError(f"{source.path}: {source.n_components} components per station, the model takes "
                            f"{n_channels}; use a single-component model or a grid with {n_channels} components")
        _check_rate(source, cfg)
        fs = cfg.sampling_rate_hz
        n_out = samples_at(source.n_samples, source.sampling_rate_hz, fs)
        settings = {"checkpoint": ckpt_name, "sampler": sampler, "steps": steps, "seed": int(seed),
                    "lf_merge": bool(lf_merge), "block_stations": int(block_stations),
                    "hypocenter": None if source.hypocenter is None else list(source.hypocenter),
                    "magnitude": source.magnitude, "station_format": station_format,
                    "grid_shape": [source.n_stations, source.n_components, source.n_samples],
                    "grid_dt_s": source.dt_s, "crossover_hz": cfg.lowpass_hz, "sampling_rate_hz": fs,
                    "window": int(config.data.window or cfg.length), "units": "m/s^2", "batch_size": batch_size,
                    "kappa_s": kappa_s, "level_model": bool(level),
                    "scenario": True,      # every station the level model's (SCENARIO_REGION); older outputs: by region
                    "lowband_input": bool(lowband_input),   # the grid is the conditioning as it is (`condition_whole`)
                    "band_top_hz": float(cfg.band_hz[1]), "band_order": int(cfg.filter_order),
                    "crossfade_split_hz": CROSSFADE_SPLIT * cfg.lowpass_hz, "pre_event_gate": bool(pre_event_gate),
                    "lead_samples": LEAD_SAMPLES,     # each trace's first window starts before it (`generate`)
                    "grid": grid_identity(source, stations_csv)} | src_settings(src) | (held or {})   # `sample --src`
        writer = create_grid_output(out, source, n_samples=n_out, sampling_rate_hz=fs, block_stations=block_stations,
                                    settings=settings, resume_keys=RESUME_KEYS, resume_defaults=RESUME_DEFAULTS,
                                    identity_key="grid")
        if held:            # a checkpoint file trained on (or its level model refitted) since OUT was started: refused
            check_model(out, settings, dict(writer.attrs.get("settings", {})),
                        warn=lambda line: log(f"warning: {line}") if rank == 0 else None)
        if "content" not in writer.attrs.get("settings", {}).get("grid", {}) and rank == 0:
            log(f"warning: {out} was started by an earlier seisdiff, which did not record its grid's content: "
                "resuming it without checking that the grid is unchanged")
        files = None if station_format is None else (station_files_dir(out, station_format), station_format)
        mine = [b for b in range(writer.n_blocks) if b % world == rank]
        committed = writer.committed()
        todo = [b for b in mine if b not in committed]
        per_block = [(writer.block_range(b)[1] - writer.block_range(b)[0]) * source.n_components for b in mine]
        skipped = sum(n for b, n in zip(mine, per_block) if b in committed)
        bar = tqdm(total=sum(per_block), initial=skipped, unit="rec", disable=not progress, dynamic_ncols=True,
                   desc=f"grid{f' rank {rank}' if world > 1 else ''}")
        t0, generated, bad_records, bad_stations = time.perf_counter(), 0, 0, 0
        # where each station sits among all of the grid's (one event) by distance, for the level model
        ln_distance_rel = relative_ln_distance(np.full(source.n_stations, "grid"), source.distance_km)
        # a grid is a scenario simulation's output, an earthquake nobody trained on: the level model sets every
        # station's level whatever its region (on simulated scenarios in a region the network saw, its own level was
        # 0.35–1.05 ln too weak against BSSA14, the level model's within 0.05–0.31; docs/MEASUREMENTS.md, "A scenario
        # against BSSA14")
        regions = np.full(source.n_stations, SCENARIO_REGION)
        within = (_grid_within(source, cfg, writer, n_channels, log, lowband_input, hf_level.grid_samples(level))  # where it acts
                  if level and level.get("within") and np.isfinite(ln_distance_rel).any()
                  and hf_level.unseen(level, regions).any() else None)
        for b in todo:
            lo, hi = writer.block_range(b)
            n, c = hi - lo, source.n_components
            cond_mps2, problems, level_lines = _read_checked(source, lo, hi, cfg, lowband_input)   # (n, C, n_out); (n, C)
            use = problems == ""                                             # (n, C): the traces generated
            if n_channels > 1:       # the model takes a station's components together
                use &= use.all(axis=1, keepdims=True)
            reasons = [_skip_reason(source, problems[i], use[i], level_lines[i]) for i in range(n)]
            for i in np.flatnonzero([bool(r) for r in reasons]):
                if bad_stations < MAX_SKIP_LINES:
                    log(f"warning: {source.path.name}: station {str(source.stations.names[lo + i])!r}: {reasons[i]}")
                bad_stations += 1
            names = source.stations.names[lo:hi]
            columns = source.columns(lo, hi)
            if kappa_s is not None:
                columns["kappa_s"] = np.full(n, float(kappa_s))
            columns["region"] = regions[lo:hi]                                     # for the level model
            columns["ln_distance_rel"] = ln_distance_rel[lo:hi]
            if n_channels == 1:    # every component its own record, its own noise
                ids = [f"{s}_{comp}" for s in names for comp in source.components]
                cond = cond_mps2.reshape(n * c, 1, n_out)
                meta = {k: np.repeat(v, c) for k, v in columns.items()}
                meta["vertical"] = np.tile(vertical_flag(source.components), n)
            else:
                ids, cond, meta = [str(s) for s in names], cond_mps2, columns
            if within is not None:     # the traces' rows: (station, component) for a one-channel model
                per = c if n_channels == 1 else 1
                meta = {**meta, "level_within": within[lo * per:hi * per]}
            keep = np.flatnonzero(use.reshape(-1) if n_channels == 1 else use.all(axis=1))   # the records made
            if len(keep) < len(ids):
                ids, cond = [ids[i] for i in keep], cond[keep]
                meta = {k: np.asarray(v)[keep] for k, v in meta.items()}
            out_block = np.full((n * c // n_channels, n_channels, n_out), np.nan, np.float32)   # skipped: NaN
            row = {rid: i for i, rid in zip(keep, ids)}
            bad_records += n * c - len(keep) * n_channels
            bar.update(n * c - len(keep) * n_channels)
            for rid, _, bb_mps2 in generate(denoiser, scaler, config, cond, ids, realizations=1, steps=steps,
                                            sampler=sampler, seed=seed, batch_size=batch_size, lf_merge=lf_merge,
                                            sampling_rate_hz=fs, lowpass_hz=cfg.lowpass_hz, window=settings["window"],
                                            device=device, metadata=meta, compile=compile, level_model=level,
                                            band_top_hz=settings["band_top_hz"], band_order=settings["band_order"],
                                            crossfade_split_hz=settings["crossfade_split_hz"],
                                            lead_samples=settings["lead_samples"],
                                            pre_event_gate=settings["pre_event_gate"]) if ids else ():
                out_block[row[rid]] = bb_mps2
                bar.update(n_channels)
            writer.write_block(b, out_block.reshape(n, c, n_out), files, skipped=reasons)
            generated += len(keep) * n_channels
            bar.set_postfix_str(f"{generated / max(time.perf_counter() - t0, 1e-9):.2f} rec/s", refresh=False)
        bar.close()
        if bad_stations > MAX_SKIP_LINES:
            log(f"warning: {source.path.name}: {bad_stations - MAX_SKIP_LINES} more stations skipped as above, "
                "not shown; the output's attribute skipped_stations lists every one with its reason")
        listed = writer.publish_skipped()       # {station: reason} of the committed blocks, into the attrs
        unusable = f"; {len(listed)} station(s) skipped as unusable input (NaN in the output; {SKIP_ATTR})"
        seconds = time.perf_counter() - t0
        run = GridRun(Path(out), None if files is None else files[0], generated, skipped, seconds,
                      writer.n_blocks, len(writer.committed()), bad_records, sorted(listed))
        log(f"{generated} records generated ({skipped} already written) in {seconds:.1f} s "
            f"({run.records_per_s:.2f} records/s); {run.blocks_done}/{run.blocks_total} blocks committed in {out}"
            f"{f'; per-station files in {run.files_dir}' if run.files_dir else ''}"
            f"{unusable if listed else ''}")
        return run
    finally:
        if own_source:
            source.close()


def load_model(model, device: str = "cpu"):
    """(denoiser, config, scaler, PreprocessConfig of the training data, checkpoint name, level model or None,
    `sampling.model_settings` of the checkpoint or None) for `model` (path | 'default' | checkpoint dict | a
    `LoadedModel` or tuple (denoiser, config, scaler, store_spec[, name[, level model]]): no model settings)."""
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.sampling import model_settings
    from seisdiff.pretrained import resolve_checkpoint

    held = None
    if not isinstance(model, tuple):
        path = resolve_checkpoint(model) if isinstance(model, (str, Path)) else None
        ckpt = model if path is None else load_checkpoint(path)
        held = model_settings(ckpt)
        model = load_denoiser(ckpt, device)
        model = model if path is None else model._replace(source=str(Path(path).resolve()))
    denoiser, config, scaler, spec, *rest = model
    name = str(rest[0]) if rest else "<loaded model>"
    level = rest[1] if len(rest) > 1 else None
    if not spec:
        raise UserError(f"{name}: the checkpoint does not record its training data's sampling rate and filters, "
                        "so a grid cannot be conditioned for it; use a checkpoint written by `seisdiff train`")
    return denoiser, config, scaler, config_for_model(spec, name), name, level, held


def _grid_within(source, cfg, writer, n_channels: int, log, lowband_input: bool = False,
                 grid: int | None = None) -> np.ndarray:
    """`hf_level.within_event` of every trace of the grid (one event: all its stations; verticals apart),
    as `generate` takes them (rows: station × component for a one-channel model, stations for a C-channel
    one, each channel among its own): one pass reading and conditioning the whole grid, block by block,
    before any is generated (a resumed run too: the places are over all stations, not the blocks left); the
    features on the DFT grid of `grid` (the level model's `hf_level.grid_samples`, as `predict` measures them)."""
    t0, feats, vertical = time.perf_counter(), [], []
    for b in range(writer.n_blocks):
        lo, hi = writer.block_range(b)
        cond_mps2, problems, _ = _read_checked(source, lo, hi, cfg, lowband_input)     # (n, C, n_out), (n, C)
        unusable = problems != ""
        if n_channels == 1:
            cond_mps2, unusable = cond_mps2.reshape(-1, 1, cond_mps2.shape[-1]), unusable.reshape(-1, 1)
            vertical.append(np.tile(vertical_flag(source.components), hi - lo))
        block = hf_level.features(cond_mps2, cfg.sampling_rate_hz, cfg.lowpass_hz, np.zeros(len(cond_mps2)), grid)
        block[unusable.any(axis=1)] = np.nan        # skipped stations place no other among them
        feats.append(block)
    feats = np.concatenate(feats)
    log(f"level model: the {source.n_stations} stations' conditioning placed among the grid's in "
        f"{time.perf_counter() - t0:.1f} s")
    return hf_level.within_event(np.full(len(feats), "grid"), feats, np.concatenate(vertical) if vertical else None)


def grid_request(args, device: str) -> tuple[Path, dict] | None:
    """(grid path, `sample_grid` keyword arguments) from the options of `seisdiff sample` when --cond is
    one station grid (`io.grid.looks_like_grid`), else None. UserError (one line) for grid options
    given without a grid, and for options a grid run does not take."""
    from seisdiff.io.grid import looks_like_grid

    from seisdiff.engine.sampling import is_conditioning_store

    if not (len(args.cond) == 1 and looks_like_grid(args.cond[0])):
        store = is_conditioning_store(args.cond)
        refused = [name for name in GRID_OPTIONS if getattr(args, name, None) is not None
                   and (store or name not in EVENT_OPTIONS)]
        if refused:
            also_files = " or of waveform files" if set(refused) <= set(EVENT_OPTIONS) else ""
            store_note = "; a conditioning store carries its own metadata (`preprocess --metadata`)" if store else ""
            raise UserError(f"{' '.join('--' + n.replace('_', '-') for n in refused)}: options of a station grid "
                            f"(one Zarr, HDF5 or NetCDF array of stations × components × time as --cond){also_files}, "
                            f"which {' '.join(args.cond)} is not{store_note}")
        return None
    grid = Path(args.cond[0])
    refused = [what for what, wrong in (
        ("--realizations", args.realizations != 1), (f"--output {args.output}", args.output != "acceleration"),
        ("--units", args.units is not None), ("--quantity", args.quantity is not None),
        ("--network-level", getattr(args, "scenario", None) is False)) if wrong]
    if refused:
        raise UserError(f"{grid}: a station grid run takes no {', '.join(refused)} (one realization per station, "
                        "acceleration out; units and quantity come from the grid's 'units' attribute); "
                        "drop them (another realization: another --seed and --out; every station takes the level model)")
    return grid, {
        "hypocenter": args.hypocenter, "magnitude": args.magnitude, "stations_csv": args.stations,
        "variable": args.grid_variable, "sampler": args.sampler, "steps": args.steps, "seed": args.seed,
        "batch_size": args.batch_size, "block_stations": args.block_stations or DEFAULT_BLOCK_STATIONS,
        "station_format": None if args.format == "zarr" else args.format, "progress": args.progress,
        "lf_merge": args.lf_merge, "device": device, "kappa_s": args.kappa_s, "compile": args.compile,
        "level_model": args.level_model is not False, "pre_event_gate": bool(args.pre_event_gate),
        "lowband_input": bool(getattr(args, "lowband_input", False)), "src": getattr(args, "src", None),
        "log": lambda line: print(f"sample: {line}", file=sys.stderr if line.startswith("warning") else sys.stdout)}


def _check_rate(source, cfg) -> None:
    """UserError unless the grid's rate carries the crossover and resamples to the model's. A time step
    stored rounded (float32 0.01 s is 100.0000022 Hz) is snapped to the rate it stands for
    (`dsp.resample.snap_rate`, as `sample` does for waveform files) and kept: source.dt_s is set to it."""
    from seisdiff.dsp.resample import snap_rate

    if source.sampling_rate_hz < 2.5 * cfg.lowpass_hz:
        raise UserError(f"{source.path}: sampled at {source.sampling_rate_hz:g} Hz, too coarse to carry the "
                        f"model's {cfg.lowpass_hz:g} Hz crossover; give a grid sampled at ≥ "
                        f"{2.5 * cfg.lowpass_hz:g} Hz")
    try:
        rate_hz = snap_rate(source.sampling_rate_hz, cfg.sampling_rate_hz)
    except ValueError as exc:
        raise UserError(f"{source.path}: sampled at {source.sampling_rate_hz:g} Hz: {exc}; resample the grid to "
                        f"a rate such as {cfg.sampling_rate_hz:g} Hz, or correct its time step") from None
    if rate_hz != source.sampling_rate_hz:
        source.dt_s = 1.0 / rate_hz


def _read_checked(source, lo: int, hi: int, cfg, lowband_input: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Stations lo..hi read and conditioned: ((n, C, n_out) m/s², (n, C) why each trace cannot be generated
    (UNUSABLE keys; '' where it can), (n,) the `level_warning` line of each station's strongest trace
    beyond any recorded ground motion, or ''). Unusable: NaN or inf samples, no signal (all zero or
    constant), a level beyond any recorded ground motion (its raw peak or low band). Each trace is judged and
    conditioned on its own: an unusable one (conditioned as zeros) changes nothing of the others. lowband_input: the
    grid is a low band already cut at the crossover (`condition_whole`)."""
    from seisdiff.io.grid import nonfinite_traces

    acc_mps2 = source.read_block(lo, hi)
    problems = np.full(acc_mps2.shape[:2], "", dtype=object)
    nonfinite = nonfinite_traces(acc_mps2)
    problems[nonfinite] = "nonfinite"
    acc_mps2[nonfinite] = 0.0
    cond_mps2 = condition_whole(acc_mps2, source.sampling_rate_hz, cfg, lowband_input)[1]
    level_lines, worst = [""] * len(acc_mps2), np.zeros(len(acc_mps2))
    for i, j in zip(*np.nonzero(~nonfinite)):
        peak = demeaned_peak_mps2(acc_mps2[i, j])
        if not peak > 0:
            problems[i, j] = "zero"
            continue
        line = level_warning(peak, float(np.abs(cond_mps2[i, j]).max()), cfg.lowpass_hz, source.units,
                             source.quantity, advice="check the grid's 'units' attribute")
        if line:
            problems[i, j] = "level"
            if peak > worst[i]:
                level_lines[i], worst[i] = line, peak
    return cond_mps2, problems, level_lines


UNUSABLE = {"nonfinite": "NaN or inf samples or missing values (_FillValue / missing_value, or outside valid_range / "
                          "valid_min / valid_max; fill them in the grid)",
            "zero": "no signal, all samples zero or constant (check the simulation's output there)"}


def _skip_reason(source, problems, use, level_line: str) -> str:
    """'' when all of a station's traces are generated; else one line: what is wrong with which component,
    and what is skipped (NaN in the output; a rerun into the same --out does not retry it)."""
    if use.all():
        return ""
    comps = source.components
    by_kind: dict[str, list[str]] = {}
    for j, kind in enumerate(problems):
        if kind:
            by_kind.setdefault(kind, []).append(comps[j])
    whole = len(by_kind) == 1 and len(next(iter(by_kind.values()))) == len(comps)     # one problem, every trace
    what = "; ".join(f"{'' if whole else '/'.join(cs) + ': '}{level_line if kind == 'level' else UNUSABLE[kind]}"
                     for kind, cs in by_kind.items())
    if use.any():
        off = [comps[j] for j in np.flatnonzero(~use)]
        skipped = f"component{'s' if len(off) > 1 else ''} {'/'.join(off)} skipped (NaN in the output), " \
                  "the others generated"
    else:
        together = "" if problems.all() else " (the model takes its components together)"
        skipped = f"skipped{together}, its output is NaN"
    return f"{what} — {skipped}; a rerun into this --out leaves it so: fix the grid and sample it into another --out"
