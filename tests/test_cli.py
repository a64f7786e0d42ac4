"""The command-line help: every option's help text is printed as written (argparse %-formats help
strings, so a bare '%' in one prints argparse internals instead)."""
import argparse
import re

import pytest

from seisdiff.cli import COMMANDS, build_parser


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _words(text: str) -> str:
    """Without whitespace: argparse re-wraps help, also after hyphens."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_prints_every_option_as_written(command):
    parser = _subparsers()[command]
    shown = _words(parser.format_help())
    assert "option_strings" not in shown
    checked = 0
    for action in parser._actions:
        if not action.help or action.help == argparse.SUPPRESS or "%(" in action.help:
            continue
        assert _words(action.help.replace("%%", "%")) in shown, (command, action.dest)
        checked += 1
    assert checked >= 1
