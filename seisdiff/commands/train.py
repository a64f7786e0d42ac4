"""`seisdiff train` — train the conditional diffusion model on a store (runs under torchrun too)."""
from seisdiff.commands import nonnegative_int, positive_float, positive_int

HELP = "train the diffusion model on a store (resumable; torchrun for several processes/GPUs)"


def add_arguments(p):
    p.add_argument("--data", required=True, metavar="STORE", help="training store (from `seisdiff preprocess`)")
    p.add_argument("--checkpoint-dir", required=True, metavar="DIR", help="where checkpoints and metrics.jsonl go")
    p.add_argument("--epochs", type=positive_int, help="train until this many epochs in total")
    p.add_argument("--resume", action="store_true", help="continue DIR/last.pt (with DIR/config.json unless --config)")
    p.add_argument("--config", metavar="FILE", help="TOML (or saved config.json) with settings; CLI options win")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--model-size", choices=["small", "large"],
                   help="model preset (default small); replaces the --config file's [model] network settings")
    p.add_argument("--batch-size", type=positive_int, help="records per optimizer step, over all processes")
    p.add_argument("--lr", type=positive_float, help="peak learning rate")
    p.add_argument("--seed", type=nonnegative_int, help="seed of the split, data order, noise and initial weights")
    p.add_argument("--max-minutes", type=positive_float, help="wall-clock budget; stops after the epoch that exceeds it")
    p.add_argument("--window", type=positive_int, help="training window in samples (default: the store's length)")
    p.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a progress bar")


def run(args) -> int:
    from pathlib import Path

    from seisdiff.engine.config import load_config
    from seisdiff.engine.train import train

    config = args.config
    saved = Path(args.checkpoint_dir) / "config.json"
    if args.resume and config is None and saved.is_file():
        config = saved  # a resumed run keeps its own settings unless told otherwise
    overrides = {"epochs": args.epochs, "model_size": args.model_size, "batch_size": args.batch_size,
                 "lr": args.lr, "seed": args.seed, "max_minutes": args.max_minutes, "data.window": args.window,
                 "progress": False if args.no_progress else None}
    cfg = load_config(config, overrides)
    summary = train(cfg, args.data, args.checkpoint_dir, resume=args.resume, device=args.device)
    if summary["rank"] == 0:
        print(f"train: done at epoch {summary['epoch']} (step {summary['step']}); best loss "
              f"{summary['best_val_loss']:.4g}; checkpoints in {args.checkpoint_dir}")
    return 0
