"""Grouped cross-validation: hold out each region (or event) in turn, train on the rest, generate the
held-out records from their low band and measure them against the real ones, next to both baselines.

For each fold (one per distinct value of the grouping column; records with an empty value — e.g.
simulations — stay in training, unless their event is one the fold holds out: an earthquake is held
out whole) under OUT/<fold>/:
  train.zarr, test.zarr        the records (m/s², unchanged) copied from the store (`io.subset`)
  model/                       `engine.train.train` with the given config; crossval_train.json marks it done
  samples.zarr                 the held-out records generated from best.pt (`engine.sampling`)
  eval/                        `evaluate.report.evaluate` (metrics.json, report.md, figures); the
                               stochastic baseline gets the store's κ only if the model was given κ
  test_<kind>.zarr, eval_<kind>/   the same for horizontals (H1, H2, H) and verticals (Z) apart, when a
                               fold has both (the `component` column); a three-component store's (H1, H2, Z)
                               records are measured apart in eval/ itself (RotD50 of the pair; `_vertical`)
  samples_no_metadata.zarr, eval_no_metadata/   with --without-metadata: the held-out records generated
                               again with magnitude, distance, Vs30 and κ hidden, to show what they add
Every stage is skipped when its output is complete, so an interrupted run continues where it stopped;
OUT/crossval_inputs.json holds the store's fingerprint (`io.fingerprint`), and a resume from a store
rewritten in place since (records added, signals or metadata changed) is refused; the store is known by that
fingerprint and a fold's samples record its files relative to their own folder (`sample`'s resume check reads
them so: `io.sinks.read_settings`), so a moved OUT or store resumes, and so does `sample` run by hand on a fold.
A fold's samples made by an earlier seisdiff whose sampling defaults differ are made again (crossval has no
option to restore them), and so are samples made from another model than the fold's best.pt now holds (their
recorded epoch, step and fingerprint: a run killed after best.pt was rewritten, before its samples were deleted).
OUT/crossval.json and OUT/crossval.md hold the goals of the issue per fold and their mean over folds.
The model's values are one realization per record (with several realizations: the mean over the
draws, `model_one_realization`), the form in which the goals are stated.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from seisdiff.errors import UserError
from seisdiff.io.atomic import write_text_atomic
from seisdiff.io.store import Store, open_store, require_records
from seisdiff.io.subset import copy_records

SYSTEMS = ("model", "stochastic", "lf_only")
# (short name, report summary key, label, goal: (kind, threshold) with kind abs_max | max | min, or None)
GOALS = [
    ("PSA bias", "psa_band_bias_ln", "PSA bias 0.05–1 s, mean ln(real/gen)", ("abs_max", 0.15)),
    ("PSA σ", "psa_band_sigma_ln", "PSA sigma 0.05–1 s (ln)", ("max", 0.45)),
    ("FAS bias", "fas_band_bias_ln", "FAS bias 1–25 Hz, mean ln(real/gen)", ("abs_max", 0.15)),
    ("PGA", "pga_median_ln", "PGA, median ln(real/gen)", ("abs_max", 0.15)),
    ("Arias", "arias_median_ln", "Arias intensity, median ln(real/gen)", ("abs_max", 0.2)),
    ("D5–95 s", "d5_95_median_diff_s", "D5–95, median real − gen (s)", ("abs_max", 2.0)),
    ("envelope r", "envelope_corr_median", "envelope correlation, median", ("min", 0.6)),
    ("low-band r", "lowband_corr_median", "low-band correlation, median", ("min", 0.99)),
    ("pre-event", "pre_event_ratio_median", "pre-event > 2 Hz level gen/real, median (no goal)", None),
]
KINDS = {"horizontal": ("H1", "H2", "H"), "vertical": ("Z",)}
# an (H1, H2, Z) store's records (`report.horizontal_pair`) each hold a horizontal pair and a vertical, which
# `evaluate` measures apart: the horizontals' values under GOALS' keys, the vertical's under these (others: none apart)
VERTICAL_KEYS = {"psa_band_bias_ln": "psa_vertical_band_bias_ln", "psa_band_sigma_ln": "psa_vertical_band_sigma_ln",
                 "fas_band_bias_ln": "fas_vertical_band_bias_ln", "pga_median_ln": "pga_vertical_median_ln",
                 "arias_median_ln": "arias_vertical_median_ln", "d5_95_median_diff_s": "d5_95_vertical_median_diff_s"}
BIAS_MARGIN = 0.05  # the issue: on every fold, PSA and FAS bias no worse than stochastic's by more than this
INPUTS = "crossval_inputs.json"  # OUT/INPUTS: the fingerprint of the --data store (`check_store_unchanged`)


@dataclass
class CrossvalConfig:
    """What `seisdiff crossval` is asked to do; each default lives here."""

    data: str                        # the store of every record (m/s²)
    out: str                         # output folder
    by: str = "region"               # the store column whose values are the folds
    config: str | None = None        # training TOML (TrainConfig); --epochs / --max-minutes override it
    epochs: int | None = None
    max_minutes: float | None = None
    sampler: str | None = None       # None: SampleConfig's defaults
    steps: int | None = None
    realizations: int = 1
    seed: int = 0                    # sampling seed and the stochastic baseline's seed
    device: str = "auto"
    folds: list | None = None        # only these folds (values of the `by` column)
    without_metadata: bool = False   # also generate with the metadata hidden (what giving it changes)
    level_model: bool = True         # apply the fold model's high-frequency level model (engine/hf_level.py)
    progress: bool = True


@dataclass
class Fold:
    name: str                        # the held-out value of the grouping column
    dirname: str                     # its folder under OUT
    train: np.ndarray                # record indices (sorted) of the store
    test: np.ndarray
    withheld: int = 0                # records in neither: of a held-out event, recorded outside the fold


def _too_few_groups(store: Store, by: str, names: list[str]) -> str:
    """The error line of a store whose column `by` holds fewer than two distinct values (names): which, what to do."""
    has = f"one value ({names[0]})" if names else f"no values in its {len(store)} records"
    remedy = {"region": "preprocess the records with a `region` column in the --metadata CSV (files whose headers "
                        "give no coordinates, e.g. PEER AT2), or from files whose headers give the station's or "
                        "hypocentre's coordinates; or hold out by --by event",
              "event": "preprocess the records with an `event` column in the --metadata CSV (or --event-from folder);"
                       " or hold out by --by region"}.get(by, "give another --by")
    return f"{store.path}: column {by!r} has {has}; cross-validation holds out one group at a time and needs at " \
           f"least two: {remedy}"


def plan_folds(store: Store, by: str, only=None) -> list[Fold]:
    """One fold per distinct non-empty value of column `by`; UserError when it cannot be grouped."""
    if by not in store.columns:
        raise UserError(f"{store.path}: no column {by!r} to hold out by (columns: {', '.join(store.columns)}); "
                        "use --by region or --by event (written by `seisdiff preprocess`)")
    values = _text_column(store, by)
    events = _text_column(store, "event") if by != "event" and "event" in store.columns else None
    names = sorted(set(values.tolist()) - {""})
    if len(names) < 2:
        raise UserError(_too_few_groups(store, by, names))
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise UserError(f"--folds {' '.join(unknown)}: not a value of {by!r}; choose among {', '.join(names)}")
    folds, used = [], set()
    for name in names:
        dirname = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "fold"
        while dirname in used:
            dirname += "_"
        used.add(dirname)
        if not only or name in only:
            test = values == name
            train = ~test & ~_same_events(events, test)
            folds.append(Fold(name, dirname, np.flatnonzero(train), np.flatnonzero(test),
                              int(np.sum(~test & ~train))))
    return folds


def _text_column(store: Store, name: str) -> np.ndarray:
    """(N,) str values of a store column, "" where unknown (NaN in a numeric column)."""
    values = store.column(name)
    return np.where(values == values, values, "").astype(str) if values.dtype.kind == "f" else values.astype(str)


def _same_events(events, test) -> np.ndarray:
    """(N,) bool: records of an event (non-empty) that one of the `test` records belongs to; all False
    without events. A held-out region's event recorded outside it is held out whole."""
    if events is None:
        return np.zeros(len(test), dtype=bool)
    return np.isin(events, list(set(events[test].tolist()) - {""}))


def crossval(cfg: CrossvalConfig, log=print) -> dict:
    """Run (or continue) every fold; write OUT/crossval.json and OUT/crossval.md; return the JSON."""
    from seisdiff.engine.config import load_config

    if cfg.realizations < 1:
        raise UserError(f"--realizations {cfg.realizations}: give a positive number")
    check_sampler(cfg.sampler)
    store = require_records(open_store(cfg.data), "cross-validate on")
    refuse_out_in_store(Path(cfg.out), Path(store.path))
    folds = plan_folds(store, cfg.by, cfg.folds)
    train_cfg = load_config(cfg.config, {"epochs": cfg.epochs, "max_minutes": cfg.max_minutes,
                                         "progress": None if cfg.progress else False})  # --no-progress: no epoch bars
    check_trainable(store, folds, cfg.by, train_cfg.batch_size, train_cfg.data.val_fraction, train_cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    check_store_unchanged(store, out, folds, log)
    rows = [run_fold(fold, store, train_cfg, cfg, out / fold.dirname, log) for fold in folds]
    result = {"store": str(store.path), "by": cfg.by,
              "held_out": held_out_text(cfg.by, cfg.by != "event" and "event" in store.columns),
              "settings": asdict(cfg), "train_config": train_cfg.to_dict(),
              "model_values": ("one realization per record, mean over the draws" if cfg.realizations > 1
                               else "one realization per record"),
              "goals": [{"name": n, "key": k, "label": label, "goal": goal_text(g)} for n, k, label, g in GOALS],
              "folds": rows, "mean": mean_over_folds(rows)}
    write_text_atomic(out / "crossval.json", json.dumps(result, indent=1, allow_nan=False) + "\n")
    write_text_atomic(out / "crossval.md", markdown(result))
    return result


def check_sampler(sampler: str | None) -> None:
    """UserError (one line) for a --sampler no fold can use, before any fold trains: it was refused by the first
    fold's sampling, after its training; a fold's model is trained here, never distilled (--sampler distilled)."""
    from seisdiff.engine.samplers import SAMPLERS

    if sampler is not None and sampler not in SAMPLERS:
        raise UserError(f"--sampler {sampler}: choose one of {', '.join(SAMPLERS)}"
                        + (" (the folds' models are trained by crossval, not distilled)" if sampler == "distilled"
                           else ""))


def refuse_out_in_store(out: Path, data: Path) -> None:
    """UserError (one line) when OUT is a Zarr store's folder or inside one (--out STORE.zarr, or a folder in it):
    the folds' stores, models and samples were written into it, the --data store's fingerprint then changed
    with every stage (a resume refused), and only the first evaluation refused the folder, after a training."""
    where = out.resolve()
    stores = [p for p in (where, *where.parents) if (p / "zarr.json").is_file()]
    if stores:
        store = stores[-1]     # the outermost: a store's arrays hold a zarr.json too
        which = " (the --data store)" if store == data.resolve() else ""
        raise UserError(f"--out {out}: is {'the' if where == store else 'inside the'} store {store}{which}; the "
                        "folds' stores, models and samples would be written into it: give a folder outside it")


class _Rows:
    """Records `rows` of a store as `split_indices` reads a store: their number and columns."""

    def __init__(self, store: Store, rows):
        self.store, self.rows, self.columns = store, rows, store.columns

    def __len__(self):
        return len(self.rows)

    def column(self, name):
        return self.store.column(name)[self.rows]


def check_trainable(store: Store, folds: list[Fold], by: str, batch_size: int, val_fraction: float, seed: int):
    """UserError (one line) before any fold is trained when one's training records, less the validation split
    `train` will make (`split_indices`), cannot fill one batch: found by its training, after the folds before
    it had trained (hours), and said as of its train.zarr ('preprocess records into it', '--batch-size')."""
    from seisdiff.engine.data import split_indices

    for fold in folds:
        if not len(fold.train):
            raise UserError(f"{store.path}: fold {fold.name!r} leaves no record to train on (every record is of "
                            f"{by} {fold.name!r}" + (" or of one of its earthquakes" if fold.withheld else "")
                            + "); cross-validation needs records outside each fold: group by another --by column")
        n_train = len(split_indices(_Rows(store, fold.train), val_fraction, seed)[0])
        if n_train < batch_size:
            raise UserError(f"{store.path}: fold {fold.name!r} trains on {n_train} record(s) (of "
                            f"{len(fold.train)}, less the validation split), fewer than one batch ({batch_size}): "
                            "lower batch_size in --config, or add records")


def check_store_unchanged(store: Store, out: Path, folds: list[Fold], log) -> None:
    """Record the fingerprint (`io.fingerprint`) of the --data store in OUT/INPUTS when OUT is started;
    UserError (one line) when OUT was started from a store since rewritten in place (records added or
    removed, signals or metadata changed): its fold stores, models and samples hold the old store's records,
    and resuming would mix both (a fold store is completed with the new records, a finished model is kept).
    The store is known by its fingerprint, not its path: the same store moved or copied elsewhere resumes (its
    new path recorded). An OUT of an earlier version, which recorded none, resumes unchecked (one warning line)."""
    from seisdiff.io.fingerprint import compare_inputs

    path = out / INPUTS
    old = json.loads(path.read_text()).get("inputs") if path.is_file() else None
    if old is None and any((out / fold.dirname).exists() for fold in folds):
        log(f"crossval: warning: {out} was started by an earlier seisdiff, which did not record its store: "
            f"resuming it without checking that {store.path} is unchanged")
    here = {str(Path(store.path).resolve()): next(iter(old.values()))} if old and len(old) == 1 else old
    changed, now = compare_inputs(here, [store.path])   # by its fingerprint, not its path: a moved store resumes
    if changed:
        raise UserError(f"{out}: was started from another version of the store ({changed}); its folds' stores, "
                        f"models and samples hold the old records: crossval into another --out, or delete {out} "
                        "to start again")
    if now != old:
        write_text_atomic(path, json.dumps({"inputs": now}, indent=1) + "\n")


def run_fold(fold: Fold, store: Store, train_cfg, cfg: CrossvalConfig, d: Path, log) -> dict:
    """The stages of one fold (each skipped when complete); returns its row of crossval.json."""
    def say(stage, message):
        log(f"crossval [{fold.name}] {stage}: {message}")

    _discard(d.glob(f".*{DISCARDED}"))    # outputs a run killed while it deleted them left
    train_store = _copy(store, fold.train, d / "train.zarr", say, "train store")
    test_store = _copy(store, fold.test, d / "test.zarr", say, "test store")
    new_model = _train(train_cfg, train_store, d / "model", cfg.device, say)
    new_level = cfg.level_model and _ensure_level_model(d / "model" / "best.pt", train_store, say)
    if new_model or new_level:
        _discard([*d.glob("eval*"), *d.glob("samples*.zarr")])     # made by an earlier model
    samples = _sample(d / "model" / "best.pt", test_store, d / "samples.zarr", cfg, say,
                      stale_evaluations=[p for p in d.glob("eval*") if p.name != "eval_no_metadata"])
    kappa = baseline_kappa(d / "model" / "best.pt")
    values, notes = {"all": _evaluate(test_store, samples, d / "eval", cfg, say, kappa)}, []
    if fold.withheld:
        notes.append(f"{fold.withheld} record(s) of its held-out events, recorded outside it, left out of training")
    if cfg.without_metadata:
        hidden = _sample(d / "model" / "best.pt", test_store, d / "samples_no_metadata.zarr", cfg, say,
                         hide_metadata=True, stale_evaluations=[d / "eval_no_metadata"])
        values["no_metadata"] = _evaluate(test_store, hidden, d / "eval_no_metadata", cfg, say, kappa)
    if _triplets(test_store):           # (H1, H2, Z) records: evaluate measured their horizontals and vertical apart
        values.update(horizontal=values["all"], vertical=_vertical_values(d / "eval" / "metrics.json"))
    elif "component" not in test_store.columns:
        notes.append("no `component` column: horizontals and verticals not reported apart")
    else:
        component = test_store.column("component")
        kinds = {kind: np.flatnonzero(np.isin(component, codes)) for kind, codes in KINDS.items()}
        if n_other := len(component) - sum(len(v) for v in kinds.values()):
            notes.append(f"{n_other} record(s) neither horizontal nor vertical (3-component or unknown)")
        for kind, rows in kinds.items():
            if len(rows) == 0:
                notes.append(f"no {kind} records")
            elif len(rows) == len(component):
                values[kind] = values["all"]
            else:
                sub = _copy(test_store, rows, d / f"test_{kind}.zarr", say, f"test store, {kind}")
                values[kind] = _evaluate(sub, samples, d / f"eval_{kind}", cfg, say, kappa)
    return {"fold": fold.name, "dir": fold.dirname, "n_train": len(fold.train), "n_test": len(fold.test),
            "n_kind": _kind_counts(test_store),
            "stochastic_kappa": kappa, "notes": notes, "values": values}


DISCARDED = ".discarded"   # the suffix of a fold output renamed to be deleted (`_discard`)


def _discard(paths) -> None:
    """Delete fold outputs (samples, evaluations) in the order given, evaluations before the samples they measured:
    each is first renamed (atomically) to a hidden name ending in DISCARDED, which `run_fold` deletes where a killed
    run left one. A run killed midway leaves no half-deleted output to resume, nor an evaluation (its metrics.json:
    done, for `_evaluate`) of samples it deleted, which the next run would keep for the samples it makes again."""
    for path in list(paths):
        trash = path if path.name.endswith(DISCARDED) else path.with_name(f".{path.name}{DISCARDED}")
        if trash != path:
            if not path.exists():
                continue
            if trash.exists():              # left by a killed run
                shutil.rmtree(trash, ignore_errors=True)
            path.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)


def _triplets(store: Store) -> bool:
    """Whether the store's records are (H1, H2, Z) triplets, whose horizontal pair and vertical `evaluate` measures
    apart (`report.horizontal_pair`)."""
    from seisdiff.evaluate.report import horizontal_pair

    return horizontal_pair(store)


def _kind_counts(store: Store) -> dict:
    """{kind: records of the store holding that kind of component}: every (H1, H2, Z) record holds both; None
    without a `component` column in a one-component store."""
    if _triplets(store):
        return {kind: len(store) for kind in KINDS}
    if "component" not in store.columns:
        return {kind: None for kind in KINDS}
    return {kind: int(np.isin(store.column("component"), codes).sum()) for kind, codes in KINDS.items()}


def _copy(source: Store, rows, dest: Path, say, stage: str) -> Store:
    """The fold store `dest` of `rows` of `source`; one made by another plan (another store, --by, fold
    rule) is refused (`copy_records`), as the fold's model trained on it would be kept."""
    sub, written = copy_records(source, rows, dest, producer="seisdiff crossval",
                                remedy=f"delete the fold folder {dest.parent} or use another --out")
    say(stage, f"{len(sub)} records" + (f" ({written} copied)" if written else ", complete: skipped"))
    return sub


def _train(train_cfg, data: Store, model_dir: Path, device: str, say) -> bool:
    """Train (or continue) the fold's model; True when its best.pt (what the samples are made from) changed:
    not when it was complete already, nor when a resume had nothing left to train (--max-minutes changed on a
    run that had finished its epochs; a run killed before it marked itself finished)."""
    from seisdiff.engine.train import train

    best, marker = model_dir / "best.pt", model_dir / "crossval_train.json"
    asked = {"epochs": train_cfg.epochs, "max_minutes": train_cfg.max_minutes}
    if best.is_file() and marker.is_file() and json.loads(marker.read_text())["asked"] == asked:
        say("train", "best.pt present and training finished: skipped")
        return False
    resume = (model_dir / "last.pt").is_file()
    say("train", f"{'resuming' if resume else 'training'} on {len(data)} records into {model_dir}")
    before = _stamp(best)
    summary = train(copy.deepcopy(train_cfg), data.path, model_dir, resume=resume, device=device,
                    log=lambda line: say("train", line))
    write_text_atomic(marker, json.dumps({"asked": asked, "epoch": summary["epoch"], "step": summary["step"],
                                          "best_val_loss": summary["best_val_loss"]}) + "\n")
    return _stamp(best) != before


def _stamp(path: Path):
    """(mtime_ns, size) of a file, None when there is none: whether a checkpoint was written since."""
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else None


def _ensure_level_model(best: Path, train_store: Store, say) -> bool:
    """Give a fold model trained before the level model (or its timing, `hf_timing`, or its current
    VERSION: two bands) existed one (`hf_level.attach`, on its own training split: None when it has too
    few real records); True when one was added now (the fold's samples are then stale)."""
    from seisdiff.engine import hf_level
    from seisdiff.engine.checkpoint import load_checkpoint

    if not best.is_file():
        return False
    ckpt = load_checkpoint(best)
    level = ckpt.get("level_model", {})
    if level is None or ("timing" in level and level.get("version", 1) >= hf_level.VERSION):
        return False
    return hf_level.attach(best, train_store,
                           log=lambda line: say("level model", line.removeprefix("level model: "))) is not None


# the sampling settings a crossval run sets (its options, its fold's model); the others are `sample`'s own
CROSSVAL_SETTINGS = ("checkpoint", "sampler", "steps", "seed", "level_model")


def _sample(best: Path, cond_store: Store, out: Path, cfg: CrossvalConfig, say, hide_metadata: bool = False,
            stale_evaluations=()) -> Path:
    """Generate `cfg.realizations` per held-out record from `best` into the store `out` (resumably),
    with the metadata given, or hidden (`sample_into`'s hide_metadata). Samples made from another model than `best`
    now holds, or by an earlier seisdiff with other settings than crossval's options set (`_stale_samples`), are
    made again, and the evaluations of them, `stale_evaluations`, removed."""
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.sampling import (RESUME_DEFAULTS, RESUME_KEYS, SampleConfig, check_inputs, for_checkpoint,
                                          open_conditioning, resolve_device, resolve_settings, sample_into)
    from seisdiff.io.sinks import ZarrSink, map_paths, write_settings

    if not best.is_file():
        raise UserError(f"{best}: training wrote no best.pt; delete {best.parent} and re-run")
    given = {k: v for k, v in (("sampler", cfg.sampler), ("steps", cfg.steps)) if v is not None}
    scfg = SampleConfig(checkpoint=str(best), cond=[str(Path(cond_store.path).resolve())], out=str(out),
                        realizations=cfg.realizations,
                        seed=cfg.seed, device=cfg.device, progress=cfg.progress, level_model=cfg.level_model,
                        **given)
    device = resolve_device(scfg.device)
    ckpt = load_checkpoint(best)
    scfg = for_checkpoint(scfg, ckpt)
    model = load_denoiser(ckpt, device)._replace(source=str(best.resolve()))
    cond, shard = open_conditioning(scfg, model, 1, 0)
    settings = resolve_settings(scfg, model, ckpt, cond, device, 1)
    _fold_settings(out)                     # samples of an earlier seisdiff: their paths as they are recorded now
    inputs = check_inputs(scfg, out)        # as `sample`: a fold store rewritten since the samples began is refused
    if why := _stale_samples(out, settings):
        say("sample", f"{out.name} {why}: made again")
        _discard([*stale_evaluations, out])
    sink = ZarrSink(out, cond, settings, 1, 0)
    inside = _relative_to(out.parent.resolve())     # the fold's files relative to `out`: a moved OUT resumes
    recorded = map_paths(settings | {"inputs": inputs}, inside)
    write_settings(out, recorded | {"cond": [inside(c) for c in settings["cond"]]}, RESUME_KEYS, RESUME_DEFAULTS)
    if len(sink.existing) >= len(cond) * cfg.realizations:
        say("sample", f"{len(sink.existing)} realizations present, complete: skipped")
        return out
    written, already, seconds = sample_into(sink, model, cond, shard, settings, progress=cfg.progress,
                                            label=f"sample {cond_store.path.parent.name}", hide_metadata=hide_metadata)
    say("sample", f"{written} realizations generated ({already} already there) in {seconds:.1f} s "
                  f"({settings['sampler']}, {settings['steps']} steps)")
    return out


def _relative_to(fold: Path):
    """path → as a fold's samples record it in their sample_config.json: a file in the fold folder `fold` (where it
    is, or where it was) relative to the samples' folder, which is in the fold folder ('../model/best.pt');
    others as they are."""
    def move(path: str) -> str:
        p = Path(path)
        return f"../{p.relative_to(fold).as_posix()}" if p.is_absolute() and p.is_relative_to(fold) else path
    return move


def _fold_settings(out: Path) -> None:
    """Rewrite out/sample_config.json as crossval records it now (`_relative_to`) where an earlier seisdiff
    recorded the fold's files (the checkpoint, the conditioning store, `cond`, the keys of `inputs`) relative to
    the fold folder ('model/best.pt'; `sample` reads a relative path relative to out), or absolute where the fold
    folder was (found by the checkpoint, always <fold>/model/best.pt; also `sample` run by hand on a new fold)."""
    from seisdiff.io.sinks import map_paths

    path = out / "sample_config.json"
    if not path.is_file():
        return
    settings = json.loads(path.read_text())
    was = Path(settings.get("checkpoint") or "")
    was = was.parent.parent if was.is_absolute() and was.parts[-2:] == ("model", "best.pt") else out.parent.resolve()
    inside = _relative_to(was)

    def move(p: str) -> str:
        return p if Path(p).is_absolute() or p.startswith("../") else f"../{p}" if p else p

    new = map_paths(settings, lambda p: move(inside(p)))
    if isinstance(settings.get("cond"), list):
        new["cond"] = [move(inside(c)) for c in settings["cond"]]
    if new != settings:
        write_text_atomic(path, json.dumps(new, indent=2) + "\n")


def _stale_samples(out: Path, settings: dict) -> str:
    """Why the fold samples at out are to be made again ('' when they are not): made from another model than their
    checkpoint now holds (`_made_from_another_model`), or by an earlier seisdiff whose defaults of `sample` differ
    (`_made_by_another_version`)."""
    if model := _made_from_another_model(out, settings):
        return f"was made from another model than {settings['checkpoint']} now holds ({model})"
    if changed := _made_by_another_version(out, settings):
        return f"was made by an earlier seisdiff with other settings than it now uses ({', '.join(changed)})"
    return ""


def _made_from_another_model(out: Path, settings: dict) -> str:
    """What differs between the model the fold samples at out were made from (the epoch, step and fingerprint they
    recorded: `sampling.model_settings`) and the one their checkpoint, the fold's best.pt, holds now ('' when nothing
    does, or they recorded none: an earlier seisdiff). `run_fold` deletes the samples after the stage that rewrote
    best.pt (`_ensure_level_model` refitting its level model in place, a training resume); a run killed in between
    left them, and the next run took them as current."""
    from seisdiff.engine.sampling import changed_parts, trained_since
    from seisdiff.io.sinks import read_settings

    old = read_settings(out)
    if not old:
        return ""
    if there := trained_since(old, settings):
        return (f"epoch {there[0]}, step {there[1]} there vs epoch {settings.get('checkpoint_epoch')}, step "
                f"{settings.get('checkpoint_step')} now")
    return ", ".join(changed_parts(old, settings))


def _made_by_another_version(out: Path, settings: dict) -> list[str]:
    """The settings of the fold samples at out that differ from `settings` where none is one crossval's options set
    (CROSSVAL_SETTINGS): a default of `sample` changed since they began (the level rule, 56c4299; the first window's
    lead, fd5660e), which no crossval option restores; [] when they match, or when one of crossval's own differs
    (refused by `write_settings`: the same options resume)."""
    from seisdiff.engine.sampling import RESUME_DEFAULTS, RESUME_KEYS
    from seisdiff.io.sinks import read_settings

    old = read_settings(out) or {}          # its paths absolute, as `settings` has them
    changed = [k for k in RESUME_KEYS if old and old.get(k, RESUME_DEFAULTS.get(k)) != settings[k]]
    return [] if any(k in CROSSVAL_SETTINGS for k in changed) else changed


def baseline_kappa(best: Path) -> str:
    """`evaluate`'s baseline_kappa for a fold whose model is `best`: "store" when it was conditioned on
    kappa_s, else "default": the held-out store's kappa_s is measured on the held-out broadband itself
    (`preprocess --measure-kappa`), an answer the model did not have."""
    from seisdiff.engine.checkpoint import load_checkpoint

    fields = load_checkpoint(best)["config"]["data"].get("metadata_fields") or ()
    return "store" if "kappa_s" in fields else "default"


def _evaluate(real: Store, samples: Path, out: Path, cfg: CrossvalConfig, say, kappa: str) -> dict:
    """{system: {summary key: value}} of the model (one realization per record) and both baselines; an
    evaluation made of another number of generated traces than `samples` now holds, or by another version
    of the measures (report.METRICS_VERSION), is redone."""
    from seisdiff.evaluate.report import METRICS_VERSION, evaluate, n_matched_traces

    metrics = out / "metrics.json"
    result = json.loads(metrics.read_text()) if metrics.is_file() else None
    now = n_matched_traces(str(samples), real)
    version = None if result is None else result.get("metrics_version", 1)
    if result is not None and result.get("n_generated_traces") == now and version == METRICS_VERSION:
        say(f"evaluate {out.name}", "metrics.json present: skipped")
    else:
        if result is not None and version != METRICS_VERSION:
            say(f"evaluate {out.name}", f"metrics.json made by version {version} of the measures, this is "
                                        f"{METRICS_VERSION}: evaluated again")
        elif result is not None:   # the samples gained realizations since (a re-run with more --realizations)
            say(f"evaluate {out.name}", f"metrics.json of {result.get('n_generated_traces')} generated traces, "
                                        f"{samples.name} now holds {now}: evaluated again")
        result = evaluate(real, str(samples), out, seed=cfg.seed, baseline_kappa=kappa,
                          progress=cfg.progress)
        say(f"evaluate {out.name}", f"{result['n_records']} records → {metrics}")
    summaries = _summaries(result)
    return {system: {key: summaries[system].get(key) for _, key, _, _ in GOALS} for system in SYSTEMS}


def _summaries(result: dict) -> dict:
    """{system: summary} of an evaluation's metrics.json, the model's one realization per record (mean over the
    draws, `model_one_realization`) where it has several."""
    draws = result.get("model_one_realization")
    return {**result["summary"], **({"model": draws["mean"]} if draws else {})}


def _vertical_values(metrics: Path) -> dict:
    """{system: {GOALS key: value}} of the verticals of an (H1, H2, Z) store's evaluation (`_evaluate`'s, made
    already), from their `_vertical` values (VERTICAL_KEYS); None where evaluate reports none apart."""
    summaries = _summaries(json.loads(metrics.read_text()))
    return {system: {key: summaries[system].get(VERTICAL_KEYS.get(key, "")) for _, key, _, _ in GOALS}
            for system in SYSTEMS}


def mean_over_folds(rows: list[dict]) -> dict:
    """{kind: {"n_folds": n, system: {key: mean over the folds that have the value}}}."""
    out = {}
    for kind in ("all", *KINDS, "no_metadata"):
        have = [r["values"][kind] for r in rows if kind in r["values"]]
        if have:
            out[kind] = {"n_folds": len(have), **{s: {key: _mean([v[s][key] for v in have]) for _, key, _, _ in GOALS}
                                                  for s in SYSTEMS}}
    return out


def _mean(values):
    finite = [v for v in values if v is not None]
    return float(f"{np.mean(finite):.6g}") if finite else None


def goal_met(goal, value) -> bool | None:
    if goal is None or value is None:
        return None
    kind, threshold = goal
    return abs(value) <= threshold if kind == "abs_max" else value <= threshold if kind == "max" else value >= threshold


def goal_text(goal) -> str:
    if goal is None:
        return "—"
    kind, threshold = goal
    return {"abs_max": f"±{threshold:g}", "max": f"≤ {threshold:g}", "min": f"≥ {threshold:g}"}[kind]


def table_lines(result: dict) -> list[str]:
    """The fold table (markdown): per fold (and component kind) and the mean, each system's goals, ✓ where met."""
    lines = ["| fold | records | system | " + " | ".join(n for n, _, _, _ in GOALS) + " |",
             "|---|---:|---|" + "---:|" * len(GOALS),
             "| goal | | | " + " | ".join(goal_text(g) for _, _, _, g in GOALS) + " |"]
    blocks = [(r["fold"], r["values"], {"all": r["n_test"], **r["n_kind"]}) for r in result["folds"]]
    blocks.append(("mean", result["mean"], {k: f"{v['n_folds']} fold{'s' * (v['n_folds'] != 1)}" for k, v in result["mean"].items()}))
    for name, values, counts in blocks:
        for kind in ("all", *KINDS):
            if kind not in values:
                continue
            label, count = (name if kind == "all" else f"{name}, {kind}"), counts.get(kind)
            for system in SYSTEMS:
                cells = [_cell(values[kind][system][key], goal) for _, key, _, goal in GOALS]
                lines.append(f"| {label} | {count} | {system} | " + " | ".join(cells) + " |")
    return lines


def _cell(value, goal) -> str:
    if value is None:
        return "—"
    signed = goal is not None and goal[0] == "abs_max"
    return (f"{value:+.3f}" if signed else f"{value:.3f}") + (" ✓" if goal_met(goal, value) else "")


def bias_checks(result: dict) -> list[str]:
    """The issue's fold-wise criterion: PSA and FAS bias within BIAS_MARGIN of stochastic's on every fold
    (|model| ≤ |stochastic| + margin) and better on the mean."""
    lines = []
    for name, key in (("PSA", "psa_band_bias_ln"), ("FAS", "fas_band_bias_ln")):
        pairs = [(r["values"]["all"]["model"][key], r["values"]["all"]["stochastic"][key]) for r in result["folds"]]
        every = all(m is not None and s is not None and abs(m) <= abs(s) + BIAS_MARGIN for m, s in pairs)
        mean = result["mean"]["all"]
        m, s = mean["model"][key], mean["stochastic"][key]
        better = m is not None and s is not None and abs(m) < abs(s)
        lines.append(f"- {name} bias within {BIAS_MARGIN:g} of `stochastic`'s on every fold: "
                     f"{'✓' if every else '✗'}; better on the mean: {'✓' if better else '✗'}")
    return lines


def metadata_lines(result: dict) -> list[str]:
    """With --without-metadata: the model's PSA and FAS bias per fold with the metadata given and hidden."""
    folds = [r for r in result["folds"] if "no_metadata" in r["values"]]
    if not folds:
        return []
    lines = ["", "Metadata given against hidden (model, one realization per record; component always given):", "",
             "| fold | PSA bias, given | PSA bias, hidden | FAS bias, given | FAS bias, hidden |", "|---|---:|---:|---:|---:|"]
    rows = [(r["fold"], r["values"]) for r in folds] + [("mean", result["mean"])]
    for name, values in rows:
        cells = [values[kind]["model"][key] for key in ("psa_band_bias_ln", "fas_band_bias_ln")
                 for kind in ("all", "no_metadata")]
        lines.append(f"| {name} | " + " | ".join("—" if c is None else f"{c:+.3f}" for c in cells) + " |")
    return lines


KAPPA_TEXT = {"default": "0.04 s for every record, as the models were not given κ (the stores' kappa_s is "
                          "measured on the held-out broadband itself)",
              "store": "the held-out store's kappa_s, as the models were conditioned on it"}


def _kappa_mode(result: dict) -> str | None:
    modes = {r.get("stochastic_kappa", "store") for r in result["folds"]}    # before 2026-12-02: the store's
    return modes.pop() if len(modes) == 1 else None


def held_out_text(by: str, whole_events: bool) -> str:
    """What each fold holds out and which records always train (`plan_folds`), for crossval.md; whole_events:
    a held-out value's earthquakes are held out whole (grouped by another column than event, which the store has)."""
    if by == "event":
        return ("one fold per earthquake (`event`): its records held out, those of every other earthquake "
                "trained on (records with no event always train)")
    return (f"one fold per value of `{by}`: its records held out"
            + (", with every other record of their earthquakes (`event`)" if whole_events else "")
            + f", the others trained on (records with no {by} too" + (", unless of a held-out earthquake)"
                                                                      if whole_events else ")"))


def _never_saw(by: str) -> str:
    """Why a fold model's level model is judged out of sample, for the held-out group of column `by`."""
    if by == "event":
        return "every held-out earthquake is one it never saw; its region may be one it was fitted on"
    return "every held-out region is one it never saw" if by == "region" else \
        f"no held-out record's `{by}` is one it was fitted on"


def markdown(result: dict) -> str:
    by = result["by"]
    lines = ["# seisdiff cross-validation", "",
             f"- store `{result['store']}`, " + result.get("held_out", held_out_text(by, False))
             + "; model values: " + result["model_values"] + "; residuals ln(real/gen): positive = "
             "generated too weak; goal ±g: |value| ≤ g; ✓ where met",
             "- " + "; ".join(f"{g['name']}: {g['label']}" for g in result["goals"]),
             "- `stochastic`'s κ: " + KAPPA_TEXT.get(_kappa_mode(result), "per fold, see crossval.json"),
             "- the model's high-frequency level: " + (f"each fold model's level model, fitted on its training "
                                                       f"records (engine/hf_level.py; {_never_saw(by)})"
                                                       if result["settings"].get("level_model") else
                                                       "the network's own (--no-level-model)"), ""]
    lines += table_lines(result) + [""] + bias_checks(result) + metadata_lines(result)
    notes = [f"- {r['fold']}: {note}" for r in result["folds"] for note in r["notes"]]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines) + "\n"
