"""`seisdiff sample`: broadband accelerograms (m/s²) from low-frequency conditioning, resumably.

parse → load the model → conditioning → generate block by block into a sink. The work is the
library's: `engine.sampling` (SampleConfig, the conditioning, the block loop; waveform files are
conditioned whole, on their own time axis, through the model's filters: `preprocess.whole`),
`io.sinks` (a store, or one file per record and realization with the input's sample count, start
time and codes), `io.merge` (torchrun rank stores), `engine.grid_sample` (a station grid as --cond:
OUT is a grid store of the same layout). OUT/sample_config.json holds the resolved settings and the
inputs' fingerprints (a relative path there is relative to OUT: how crossval records a fold's files);
re-running the same command resumes (refused when an input was rewritten since: `io.fingerprint`). Under
torchrun rank r takes records i % WORLD_SIZE == r (waveform inputs: every rank conditions every file, as one
process would), skips those any rank's store holds (a run resumed with another world size) and the last rank
to finish merges the rank stores into OUT/samples.zarr.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

HELP = "generate broadband accelerograms (m/s²) from low-frequency ones with a trained model (resumable)"


def add_arguments(p):
    """Options default to None: SampleConfig (engine/sampling.py) holds every default."""
    p.add_argument("--checkpoint", required=True, metavar="CKPT|default",
                   help="checkpoint (.pt) or 'default' (the pretrained model shipped with seisdiff)")
    p.add_argument("--cond", required=True, nargs="+", metavar="INPUT",
                   help="a store, a station grid (one Zarr, HDF5 or NetCDF array stations × components × time "
                        "with its time step, start time, units and station table; see seisdiff/io/grid.py), or "
                        "waveform files/folders/globs: each record is generated whole, with its start time, "
                        "duration (at the model's rate) and codes, conditioned through the model's own filters. "
                        "A 3-component file, station or grid with a single-component model: each component is "
                        "generated separately, with its own noise, and keeps its channel code")
    p.add_argument("--out", required=True, help="output store (zarr; a grid's output store has the grid's layout) "
                                                "or folder (at2, mseed, sac)")
    p.add_argument("--format", choices=["zarr", "at2", "mseed", "sac"],
                   help="zarr (default): a store (m/s²); at2 (g), mseed (m/s²), sac (nm/s², idep IACC): one file "
                        "per record and realization (a station grid: the output store plus one file per station, "
                        "or per station and component for at2/sac, in <OUT stem>_<format> beside it)")
    p.add_argument("--output", choices=["acceleration", "velocity"],
                   help="files: acceleration (default) or velocity (m/s; integrated, drift removed by the band's "
                        "zero-phase high-pass); stores always hold acceleration")
    p.add_argument("--realizations", type=int, help="samples per conditioning record (default 1)")
    p.add_argument("--sampler", metavar="NAME",
                   help="distilled: a few-step model from `seisdiff distill` (the default with --checkpoint "
                        "default: the shipped twin, 2 evaluations, ~50x ddpm-100's speed, within DDPM-1000's noise); "
                        "ddpm (ancestral, 100 steps, the default for other checkpoints; 1000 is the reference), "
                        "ddim, dpmpp (DPM-Solver++ 2M) or heun (EDM): deterministic, 25 steps. Any --sampler but "
                        "distilled, or --steps without it, with --checkpoint default samples the undistilled model. A "
                        "distilled checkpoint always samples with its own sampler and steps")
    p.add_argument("--steps", type=int, help="model evaluations per sample (default: the sampler's own, 100 for "
                                             "ddpm and 25 for the others; ddpm with 1000 is the reference)")
    p.add_argument("--seed", type=int, help="seed (default 0); record i realization k uses hash(seed, id, k)")
    p.add_argument("--batch-size", type=int, help="windows per model call (default 16)")
    p.add_argument("--lf-merge", action=argparse.BooleanOptionalAction,
                   help="replace the output's low band by the conditioning at the crossover (default on)")
    p.add_argument("--pre-event-gate", action=argparse.BooleanOptionalAction,
                   help="remove generated high frequencies before the conditioning's onset (default off; "
                        "engine/onset.py; it also removes P-wave high frequencies at distant stations)")
    p.add_argument("--level-model", action=argparse.BooleanOptionalAction,
                   help="rescale the generated high frequencies (2–25 Hz) to the level the checkpoint's level "
                        "model predicts from the conditioning (default on when the checkpoint has one; "
                        "engine/hf_level.py); --no-level-model keeps the network's own level")
    level_rule = p.add_mutually_exclusive_group()
    level_rule.add_argument("--network-level", dest="scenario", action="store_false", default=None,
                            help="in the regions the network was trained on, keep its own high-frequency level (the "
                                 "level model acts elsewhere; the earlier rule: its own level came out 0.3–0.5 "
                                 "ln too weak, docs/MEASUREMENTS.md, 'The network's own level where it saw the region'); "
                                 "stores and waveform files only")
    level_rule.add_argument("--scenario", dest="scenario", action="store_true", default=None,
                            help="the level model sets every record's level: the default (kept for scripts that give it)")
    p.add_argument("--lowband-input", action="store_true",
                   help="the inputs (waveform files, a station grid) are already a low band cut at the model's "
                        "crossover (a simulation delivered low-passed at 1 Hz): they are the conditioning as they are, "
                        "not low-passed again (cut twice, 1–1.3 Hz would come out nearly empty)")
    p.add_argument("--kappa-s", type=float, metavar="S",
                   help="high-frequency decay κ of the records to generate, s (site κ0 plus path, as "
                        "dsp.kappa measures it); overrides the store's kappa_s; for models trained with it")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default auto")
    p.add_argument("--units", help="units of waveform files that do not declare them (g, cm/s^2, m/s^2, …; "
                                   "with --quantity: m/s, cm/s, … or m, cm, …); in SAC files it overrules "
                                   "the header's idep")
    p.add_argument("--quantity", choices=["acceleration", "velocity", "displacement"],
                   help="what waveform files that do not declare it hold (default acceleration); velocity and "
                        "displacement are differentiated once on reading (AT2 VELOCITY, SAC IVEL: from the file)")
    p.add_argument("--compile", action="store_true", default=None, help="torch.compile the model (GPU)")
    p.add_argument("--block-records", type=int, help="conditioning records read at once (default 256)")
    grid = p.add_argument_group("station grids (--cond GRID); --hypocenter, --magnitude and --src also for waveform files")
    grid.add_argument("--hypocenter", nargs=3, type=float, metavar=("LAT", "LON", "DEPTH_KM"),
                      help="the event's hypocentre: fills every station's hypocentral distance (km); for waveform "
                           "files too (one event), where a file gives the station's coordinates and no distance")
    grid.add_argument("--magnitude", type=float, metavar="M",
                      help="the event's moment magnitude, for every station (waveform files: where their "
                           "headers give none)")
    grid.add_argument("--src", metavar="FILE",
                      help="the event's rupture, a Broadband Platform simple source description (.src): its hypocentre "
                           "and magnitude instead of --hypocenter and --magnitude (given too, they must agree), recorded "
                           "in the output's settings so that `evaluate --gmm bssa14` takes each station's R_JB from the "
                           "fault and the mechanism from the rake; the level model keeps hypocentral distances")
    grid.add_argument("--stations", metavar="CSV",
                      help="station table (header name,lat,lon[,vs30][,network]; one row per station) used "
                           "instead of the grid's own, or matched to it by name")
    grid.add_argument("--grid-variable", metavar="NAME", help="the data array, when the grid file holds several")
    grid.add_argument("--block-stations", type=int, metavar="N",
                      help="stations read, generated and committed together (default 64); memory grows with "
                           "N × components × samples, not with the grid")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.grid_sample import grid_request, sample_grid
    from seisdiff.engine.sampling import (RESUME_DEFAULTS, RESUME_HINTS, RESUME_KEYS, SampleConfig, check_inputs,
                                          check_model, for_checkpoint, model_path, model_settings, open_conditioning,
                                          resolve_device, resolve_settings, sample_into, with_src)
    from seisdiff.io.merge import finish_rank
    from seisdiff.io.sinks import FileSink, ZarrSink, write_settings

    cfg = with_src(SampleConfig.from_args(args))     # --src: its hypocentre and magnitude
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    device = resolve_device(cfg.device)
    path = model_path(cfg)               # --checkpoint default: the model, or its distilled twin
    ckpt = load_checkpoint(path)
    cfg = for_checkpoint(cfg, ckpt)      # a distilled checkpoint brings its own sampler
    if rank != 0:                        # under torchrun rank 0 alone speaks for the run (its bar: its share)
        cfg = dataclasses.replace(cfg, progress=False)
    grid = grid_request(cfg, device)     # (path, options) when --cond is one station grid
    model = load_denoiser(ckpt, device)._replace(source=str(path.resolve()))
    if cfg.kappa_s is not None and "kappa_s" not in model.scaler.metadata and rank == 0:
        print(f"sample: note: {Path(model.source).name} was not trained with kappa_s, so --kappa-s changes nothing")
    out = Path(cfg.out)
    if grid:
        sample_grid(model, grid[0], out, model_record=model_settings(ckpt), **grid[1])
        return 0
    inputs = check_inputs(cfg, out)         # before any work: OUT started from inputs since rewritten is refused
    cond, shard = open_conditioning(cfg, model, world, rank)
    settings = resolve_settings(cfg, model, ckpt, cond, device, world)
    check_model(out, settings)              # OUT started from a checkpoint file trained on since is refused
    if settings["level_model"] and rank == 0:         # the counts of the whole run, as one process gives them
        import numpy as np

        from seisdiff.engine.hf_level import record_regions, relative_ln_distance, strong_motion_windows, unseen
        every = np.arange(len(cond))
        regions = record_regions(cond.column("region")[every] if "region" in cond.columns else [""] * len(every),
                                 cond.column("event")[every] if "event" in cond.columns else None, settings["scenario"])
        moved = unseen(model.level_model, regions)
        what = "level, slope" + (", timing and texture" if model.level_model.get("texture") else " and timing")
        print(f"sample: the high frequencies of {int(moved.sum())} of {len(every)} records take the level model's "
              f"{what} (simulations: the level) (--no-level-model: the network's own)" if settings["scenario"] else
              f"sample: {int(moved.sum())} of {len(every)} records are of a region the model never saw, or unknown: "
              f"their high frequencies take its level model's {what} (simulations: the level); the others the "
              "network's own (--network-level)")
        if model.level_model.get("depth") and moved.any():
            deep = np.isfinite(cond.column("hypo_depth_km")[every].astype(np.float64)) \
                if "hypo_depth_km" in cond.columns else np.zeros(len(every), bool)
            print(f"sample: {int((deep & moved).sum())} of them take the depth term (their event's hypocentral depth "
                  f"is known; the others, without one, the level without it)")
        if (model.level_model.get("timing") or {}).get("end_source") and moved.any():
            known = np.isfinite(cond.column("magnitude")[every].astype(np.float64)) if "magnitude" in cond.columns \
                else np.zeros(len(every), bool)
            print(f"sample: {int((known & moved).sum())} of them end their high band by their magnitude (the "
                  f"timing's source-duration line; the others, without one, at its median offset)")
        if model.level_model.get("distance") and moved.any() and {"event", "distance_km"} <= set(cond.columns):
            placed = np.isfinite(relative_ln_distance(cond.column("event"), cond.column("distance_km"),
                                                      strong_motion_windows(cond.record_ids))[every])
            print(f"sample: {int((placed & moved).sum())} of them are placed among their event's stations by "
                  f"distance (the others: no distance, or no other station of their event with one)")
            if model.level_model.get("within"):
                from seisdiff.engine.hf_level import within_event_groups
                from seisdiff.engine.scaling import metadata_columns
                vertical = metadata_columns({c: cond.column(c) for c in cond.columns}).get("vertical")
                grouped = within_event_groups(cond.column("event"), vertical)[every]
                print(f"sample: {int((grouped & placed & moved).sum())} of these also by their conditioning's peak "
                      f"and level (the others: no other record of their event and kind)")
    sink = ZarrSink(out, cond, settings, world, rank) if cfg.format == "zarr" else \
        FileSink(out, cond, cfg.format, cfg.output)
    write_settings(out, settings | {"inputs": inputs}, RESUME_KEYS, RESUME_DEFAULTS, RESUME_HINTS)
    written, already, seconds = sample_into(
        sink, model, cond, shard, settings, kappa_s=cfg.kappa_s, block_records=cfg.block_records,
        progress=cfg.progress, compile=cfg.compile, label=f"sample{f' rank {rank}' if world > 1 else ''}")
    print(f"sample: {written} realizations generated ({already} already written) in {seconds:.1f} s "
          f"({written / max(seconds, 1e-9):.2f} records/s); output in {sink.path}")
    if cfg.format == "zarr" and world > 1 and (merged := finish_rank(out, world, rank, cond.record_ids)):
        print(f"sample: merged the {world} rank stores into {merged}")
    return 0
