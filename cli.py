"""Thin entry point: `python cli.py <command> …` (same as the installed `seisdiff` command)."""
import sys

from seisdiff.cli import main

if __name__ == "__main__":
    sys.exit(main())
