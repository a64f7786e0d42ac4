"""Fingerprints of a run's inputs, so a resumed output notices an input rewritten in place.

An input (a waveform file, a station grid file, or a folder such as a Zarr grid or store) is fingerprinted
when an output is started: its files' count and bytes, `stat_sha256` (each file's relative name, size and
mtime_ns), `ends_sha256` (a single file: its first and last MiB) and `sha256` (every file's whole content).
A resumed run compares (`compare_inputs`): another count or size, or other first/last MiB → changed; the same
sizes, times and ends → unchanged without reading the rest; times changed (a copy, `touch`) → the whole
content decides, so only a real change of content refuses the resume. One read of the inputs when an
output is started; on resume only what changed is read again.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

ENDS_BYTES = 1 << 20          # the first and last MiB of a file
READ_BYTES = 8 << 20


def _files(path: Path) -> list[tuple[str, Path]]:
    """(name relative to path, file) of the file path, or of every file under the folder path (sorted)."""
    if not path.is_dir():
        return [("", path)]
    found = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        found += [(str(Path(root, n).relative_to(path)), Path(root, n)) for n in sorted(names)]
    return found


def _stat(files) -> tuple[int, int, str]:
    h, total = hashlib.sha256(), 0
    for name, f in files:
        st = f.stat()
        total += st.st_size
        h.update(f"{name}\x00{st.st_size}\x00{st.st_mtime_ns}\x00".encode())
    return len(files), total, h.hexdigest()


def _ends(files) -> str | None:
    """sha256 of a single file's first and last MiB (all of it when smaller); None for a folder."""
    if len(files) != 1 or files[0][0]:
        return None
    f = files[0][1]
    with open(f, "rb") as fh:
        head = fh.read(ENDS_BYTES)
        fh.seek(max(len(head), f.stat().st_size - ENDS_BYTES))
        return hashlib.sha256(head + fh.read(ENDS_BYTES)).hexdigest()


def _content(files) -> str:
    h = hashlib.sha256()
    for name, f in files:
        h.update(f"{name}\x00".encode())
        with open(f, "rb") as fh:
            while block := fh.read(READ_BYTES):
                h.update(block)
        h.update(b"\x00")
    return h.hexdigest()


def fingerprint(path) -> dict:
    """{files, bytes, stat_sha256, ends_sha256, sha256} of the file or folder `path` (one full read)."""
    files = _files(Path(path))
    n, total, stat = _stat(files)
    return {"files": n, "bytes": total, "stat_sha256": stat, "ends_sha256": _ends(files), "sha256": _content(files)}


def compare(old: dict, path) -> tuple[str | None, dict]:
    """(why `path` is not the input fingerprinted as `old`, or None; its fingerprint now). Reads its
    whole content only when its modification times changed and nothing cheaper tells."""
    path = Path(path)
    if not path.exists():
        return "it is gone", old
    files = _files(path)
    n, total, stat = _stat(files)
    if (n, total) != (old.get("files"), old.get("bytes")):
        what = f"{n} file(s), {total} bytes" if path.is_dir() else f"{total} bytes"
        was = f"{old.get('files')} file(s), {old.get('bytes')} bytes" if path.is_dir() else f"{old.get('bytes')} bytes"
        return f"{was} then, {what} now", old
    ends = _ends(files)
    if ends != old.get("ends_sha256"):
        return "its first or last MiB differ", old
    if stat == old.get("stat_sha256"):
        return None, old
    now = {**old, "stat_sha256": stat, "sha256": _content(files)}
    return (None if now["sha256"] == old.get("sha256") else "its content differs"), now


def compare_inputs(old: dict | None, paths) -> tuple[str | None, dict]:
    """(why `paths` are not the inputs fingerprinted in `old` ({resolved path: fingerprint}): an input added or
    left out since (records of a removed file would stay, and those already written were placed among their
    event's stations without the added ones), else the first whose fingerprint it no longer matches, as
    'PATH: REASON'; None when they are; the fingerprints to record now). An output started before fingerprints
    were recorded (old None or empty) has its inputs fingerprinted."""
    old, now = old or {}, {}
    keys = [str(Path(p).resolve()) for p in paths]
    if old and set(keys) != set(old):
        added, gone = sorted(set(keys) - set(old)), sorted(set(old) - set(keys))
        return ("; ".join(part for part in (f"{len(added)} input(s) added, e.g. {added[0]}" if added else "",
                                            f"{len(gone)} left out, e.g. {gone[0]}" if gone else "") if part),
                old)
    for p in paths:
        key = str(Path(p).resolve())
        if key not in old:
            now[key] = fingerprint(p)
            continue
        reason, now[key] = compare(old[key], p)
        if reason:
            return f"{p}: {reason}", {**old, **now}
    return None, {**old, **now}
