"""`seisdiff demo`: the whole path on the embedded default, in minutes on a CPU.

simulate a small corpus (+ the shared NGA-West2 records when present) → preprocess → verify → the
shipped model (or a few minutes of training with --train) → sample → evaluate. Each step is the
public command a user would run, printed before it runs, so the demo doubles as a tutorial; every
step resumes, so an interrupted demo continues where it stopped.
"""
from seisdiff.commands import positive_float, positive_int

HELP = "run the whole path (simulate → preprocess → verify → model → sample → evaluate) on the embedded default"

SHARED_NGAW2 = "../shared/data/ngaw2"
BATCH_SIZE = 16  # records per training step with --train, fewer when the training split holds fewer


def add_arguments(p):
    p.add_argument("--out", default="seisdiff_demo", help="working folder (default ./seisdiff_demo)")
    p.add_argument("--records", default=None,
                   help=f"extra real records to add (default: {SHARED_NGAW2} when it exists)")
    p.add_argument("--n-sim", type=positive_int, default=96, help="simulated training records (default 96)")
    p.add_argument("--n-test", type=positive_int, default=16, help="simulated test records, never trained on (default 16)")
    p.add_argument("--train", action="store_true", help="train a small model instead of using the shipped one")
    p.add_argument("--minutes", type=positive_float, default=4.0, help="training budget with --train (default 4)")
    p.add_argument("--realizations", type=positive_int, default=2, help="realizations per test record (default 2)")
    p.add_argument("--steps", type=positive_int, default=None, help="sampler steps (default: the sampler's own, see `sample`)")


def run(args) -> int:
    import time
    from pathlib import Path

    from seisdiff.cli import main
    from seisdiff.errors import UserError
    from seisdiff.pretrained import DEFAULT_CHECKPOINT

    t0 = time.perf_counter()
    out = Path(args.out)
    def has_at2(folder: Path) -> bool:
        return folder.is_dir() and any(folder.glob("*.AT2"))

    if args.records:
        real = Path(args.records)
        if not real.is_dir():
            raise UserError(f"--records {real}: no such folder; give a folder of PEER .AT2 files (an empty one: "
                            "simulations only), or leave --records out (the shared records when present)")
        if not has_at2(real):
            print(f"demo: no .AT2 files in {real}: simulations only")
            real = None
    else:   # beside the working directory, else beside the repository this package lives in
        found = [p for p in (Path(SHARED_NGAW2), Path(__file__).resolve().parents[2] / SHARED_NGAW2) if has_at2(p)]
        real = found[0] if found else None
        if real is None:
            print(f"demo: no real records at {SHARED_NGAW2} (from here or from the repository): simulations only")

    def step(title, argv):
        print(f"\n== {title}\n$ seisdiff {' '.join(map(str, argv))}", flush=True)
        code = main([str(a) for a in argv])
        if code == 130:             # Ctrl-C, which the step's command caught: the demo stops as interrupted too
            raise KeyboardInterrupt
        if code not in (0, None):
            raise UserError(f"demo step '{title}' failed (exit {code}); fix the message above and re-run")

    step("simulate training records (Boore stochastic method)",
         ["simulate", "--out", out / "records" / "sim", "--n", args.n_sim, "--seed", 0])
    step("simulate test records (another seed: never trained on)",
         ["simulate", "--out", out / "records" / "test", "--n", args.n_test, "--seed", 12345])
    inputs, meta = [out / "records" / "sim"], [out / "records" / "sim" / "metadata.csv"]
    if real is not None:
        inputs.append(real)
        meta += list(real.glob("*.csv"))
    step("preprocess to a store in m/s²", ["preprocess", *inputs, "--out", out / "train.zarr", "--quiet",
                                            "--metadata", *meta])
    step("verify the store's physical scale", ["verify", out / "train.zarr"])
    step("preprocess the test records", ["preprocess", out / "records" / "test", "--out", out / "test.zarr",
                                         "--quiet", "--metadata", out / "records" / "test" / "metadata.csv"])
    if args.train or not DEFAULT_CHECKPOINT.is_file():
        if not args.train:
            print(f"(no shipped model at {DEFAULT_CHECKPOINT}: training one for {args.minutes:g} min)")
        ckpt_dir = out / "model"
        resume = ["--resume"] if (ckpt_dir / "last.pt").is_file() else []
        batch_size = _batch_size(out / "train.zarr", ckpt_dir)
        step("train a small model", ["train", "--data", out / "train.zarr", "--checkpoint-dir", ckpt_dir,
                                     "--epochs", 200, "--max-minutes", args.minutes, "--window", 2048,
                                     "--batch-size", batch_size, "--no-progress", *resume])
        checkpoint = ckpt_dir / "best.pt"
    else:
        checkpoint = "default"
    step("sample broadband realizations from the test records' low-pass",
         ["sample", "--checkpoint", checkpoint, "--cond", out / "test.zarr", "--out", out / "generated.zarr",
          "--realizations", args.realizations, *(["--steps", args.steps] if args.steps else []), "--seed", 0])
    step("evaluate against the real broadband (and the baselines)",
         ["evaluate", "--real", out / "test.zarr", "--generated", out / "generated.zarr", "--out", out / "report"])
    print(f"\ndemo finished in {time.perf_counter() - t0:.0f} s")
    print(f"report:  {out / 'report' / 'report.md'}")
    print(f"figures: {out / 'report'}/*.png")
    print(f"metrics: {out / 'report' / 'metrics.json'}")
    return 0


def _batch_size(store_path, ckpt_dir) -> int:
    """BATCH_SIZE, or the number of records in the store's training split when it holds fewer (the split
    `train` makes: whole events held out for validation, with the settings of the run it resumes, else its
    defaults, which the demo keeps). `train` refuses a batch larger than the split, with advice
    (--batch-size) the demo's command line does not offer."""
    from seisdiff.engine.config import load_config
    from seisdiff.engine.data import split_indices
    from seisdiff.io.store import open_store

    saved = ckpt_dir / "config.json"
    cfg = load_config(saved if (ckpt_dir / "last.pt").is_file() and saved.is_file() else None, {})
    n_train = len(split_indices(open_store(store_path), cfg.data.val_fraction, cfg.seed)[0])
    if n_train < BATCH_SIZE:
        print(f"demo: the training split holds {n_train} records (whole events are held out for validation): "
              f"batches of {n_train} instead of {BATCH_SIZE}; raise --n-sim for a better model")
    return max(1, min(BATCH_SIZE, n_train))
