"""`seisdiff crossval` — grouped cross-validation: hold out each region (or event), train on the rest,
generate the held-out records and measure them against the real ones and both baselines (resumable).
The work is `seisdiff.evaluate.crossval`'s."""
from __future__ import annotations

from seisdiff.commands import nonnegative_int, positive_float, positive_int

HELP = ("cross-validation by region or event: per fold train, generate the held-out records, evaluate "
        "them with both baselines; OUT/crossval.json and crossval.md (resumable)")


def add_arguments(p):
    """Options default to None: CrossvalConfig (evaluate/crossval.py) holds every default."""
    p.add_argument("--data", required=True, metavar="STORE", help="store of every record (from `seisdiff preprocess`)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder: one subfolder per fold, crossval.json/.md")
    p.add_argument("--by", metavar="COLUMN", help="store column whose values are the folds: region (default) or "
                                                   "event; records with an empty value train (by region: "
                                                   "unless their event is held out)")
    p.add_argument("--config", metavar="FILE.toml", help="training settings (as `seisdiff train --config`)")
    p.add_argument("--epochs", type=positive_int, help="training epochs per fold (overrides the config)")
    p.add_argument("--max-minutes", type=positive_float, help="training time budget per fold (overrides the config)")
    p.add_argument("--sampler", metavar="NAME", help="sampler of the held-out records (default: sample's)")
    p.add_argument("--steps", type=positive_int, help="model evaluations per sample (default: the sampler's own)")
    p.add_argument("--realizations", type=positive_int, help="realizations per held-out record (default 1); with more, "
                                                    "the table gives one realization's statistics, mean over draws")
    p.add_argument("--seed", type=nonnegative_int, help="seed of the sampling and the stochastic baseline (default 0)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="default auto")
    p.add_argument("--folds", nargs="+", metavar="NAME", help="run only these folds (values of --by)")
    p.add_argument("--without-metadata", action="store_true", default=None,
                   help="also generate the held-out records with their metadata hidden, to show what it adds")
    p.add_argument("--no-level-model", dest="level_model", action="store_false", default=None,
                   help="keep the network's own high-frequency level (default: each fold model's level model, "
                        "fitted on its training records, sets it; engine/hf_level.py)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args) -> int:
    from dataclasses import fields

    from seisdiff.evaluate.crossval import CrossvalConfig, crossval, markdown

    given = {f.name: getattr(args, f.name) for f in fields(CrossvalConfig) if getattr(args, f.name, None) is not None}
    result = crossval(CrossvalConfig(**given, progress=not args.no_progress))
    print(markdown(result), end="")
    print(f"crossval: {len(result['folds'])} folds; {args.out}/crossval.json and crossval.md")
    return 0
