"""Native strong-motion formats, detected by content (extensions collide: `.V1` is DMG, RENADIC and BHRC).

Every module in this package that defines the three names below is a format; nothing else registers:

    NAME: str                                   the format's short name (e.g. "cwb", "cosmos")
    sniff(head: str, path: Path) -> bool        True when `head` (the first 4 KiB, decoded latin-1)
                                                is this format; must be specific to it
    read(path: Path, units: str | None) -> list[Record]
                                                one Record per trace, acc_mps2 in m/s², converted once
                                                from the unit the file declares (`units` only overrules
                                                a declaration where the module says so); InputError
                                                (file, what is wrong, what to do) for damaged files

`detect(path)` returns the one module whose sniffer accepts the file, or None.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

HEAD_BYTES = 4096


@lru_cache(maxsize=1)
def modules() -> tuple:
    """Every format module of this package (sorted by module name)."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(module, name) for name in ("NAME", "sniff", "read")):
            found.append(module)
    return tuple(found)


def read_head(path: Path) -> str:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES).decode("latin-1")


def detect(path: Path, head: str | None = None):
    """The format module that recognises `path` by its content, or None."""
    head = read_head(path) if head is None else head
    for module in modules():
        if module.sniff(head, path):
            return module
    return None
