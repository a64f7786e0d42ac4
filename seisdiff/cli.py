"""Command-line interface: `seisdiff <command> …` / `python cli.py <command> …`.

Each command lives in `seisdiff/commands/<name>.py` with `HELP`, `add_arguments(parser)` and
`run(args) -> int`. Modules are imported lazily so `--help` stays fast and one broken command
cannot take the others down.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import os
import re
import sys
from pathlib import Path

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
        print(f"\nseisdiff {args.command}: interrupted; re-run {_again(args)} to resume.", file=sys.stderr)
        return 130
    except (FileExistsError, NotADirectoryError) as exc:   # an output folder named where a file is
        print(f"seisdiff {args.command}: error: {exc.filename}: a file is in the way of an output folder; "
              "give another --out (or --checkpoint-dir) or move the file", file=sys.stderr)
        return 2
    except OSError as exc:
        out = getattr(args, "out", None) or getattr(args, "checkpoint_dir", None)
        line = cannot_write_line(exc, out, _again(args), _output_option(args))
        if line is None:
            raise
        print(f"seisdiff {args.command}: error: {line}", file=sys.stderr)
        return 2


def _again(args) -> str:
    """The command that resumes an interrupted one: the same, or for `train` the same with --resume (without it, a
    folder holding last.pt is refused)."""
    return "the same command with --resume" if getattr(args, "resume", None) is False else "the same command"


def _output_option(args) -> str:
    """The option naming the command's output: --out, train's --checkpoint-dir."""
    return "--checkpoint-dir" if hasattr(args, "checkpoint_dir") and not hasattr(args, "out") else "--out"


FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


def cannot_write_line(exc: OSError, out=None, again: str = "the same command", option: str | None = None) -> str | None:
    """The one line for an output that cannot be written (a full disk or quota, a read-only or forbidden folder),
    naming the file (an atomic write's temporary file by the file it replaces; the command's output `out` where the
    error names none, as zarr's writes), or for a file there that cannot be read (`_unreadable`: a store or input
    of another user's, not to be told as an output to move); None for any other OSError. Every command commits its
    outputs atomically, so what was written before stays whole and a re-run resumes."""
    if exc.errno not in FULL + NOT_WRITABLE:
        return None
    if exc.errno != errno.EROFS and exc.filename and _unreadable(exc.filename):
        return (f"{exc.filename}: {exc.strerror or 'permission denied'}: cannot be read as you: make it and the "
                "folders above it readable for you, or give a copy you can read")
    path = Path(str(exc.filename or out or ""))
    # the temporary names of io.atomic (.NAME.PID.tmp) and of zarr's writes (zarr.json: zarr.HEX.partial)
    hidden = re.fullmatch(r"\.(.+)\.\d+\.tmp", path.name) or re.fullmatch(r"(zarr)\.[0-9a-f]+\.partial", path.name)
    named = path.parent / (hidden.group(1) + (".json" if path.name.endswith(".partial") else "")) if hidden else path
    where = f"{named}: " if exc.filename or out else ""
    if exc.errno in FULL:
        return (f"{where}{exc.strerror or 'no space left on device'}: free some space there (or give another "
                f"{option or '--out'}) and re-run {again}; what was written before is kept whole and the run resumes")
    return (f"{where}{exc.strerror or 'not writable'}: give {'a' if option == '--checkpoint-dir' else 'an'} "
            f"{option or '--out (or --checkpoint-dir)'} in a folder you can write to")


def _unreadable(path) -> bool:
    """Whether `path` is there and cannot be read (or reached) as this user: EACCES or EPERM of a read, an input,
    not of an output being written (a file still to be made is not there)."""
    try:
        os.stat(path)
    except PermissionError:          # a folder above it cannot be searched
        return True
    except OSError:
        return False
    return not os.access(path, os.R_OK)


if __name__ == "__main__":
    sys.exit(main())
