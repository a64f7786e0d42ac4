"""Command-line interface: `seisdiff <command> …` / `python cli.py <command> …`.

Each command lives in `seisdiff/commands/<name>.py` with `HELP`, `add_arguments(parser)` and
`run(args) -> int`. Modules are imported lazily so `--help` stays fast and one broken command
cannot take the others down.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["preprocess", "verify", "train", "distill", "sample", "evaluate", "crossval", "simulate", "demo", "bench"]

from seisdiff.errors import UserError
from seisdiff.launch import die_with_launcher


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seisdiff",
        description="Broadband (0.1–30 Hz) accelerograms in m/s² from low-frequency ones, "
        "with a conditional diffusion model.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"seisdiff.commands.{name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    die_with_launcher()                   # a torchrun worker: not orphaned by a SIGKILL of torchrun (launch.py)
    try:
        return int(args._module.run(args) or 0)
    except UserError as exc:
        print(f"seisdiff {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nseisdiff {args.command}: interrupted; re-run the same command to resume.", file=sys.stderr)
        return 130
    except (FileExistsError, NotADirectoryError) as exc:   # an output folder named where a file is
        print(f"seisdiff {args.command}: error: {exc.filename}: a file is in the way of an output folder; "
              "give another --out (or --checkpoint-dir) or move the file", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
