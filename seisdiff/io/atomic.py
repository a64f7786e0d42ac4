"""Atomic writes: write beside the target, then rename over it. An interrupted run leaves either the
old file or the new one, never half of one (os.replace is atomic on POSIX and Windows).

Durable too: the temporary file's data is flushed to disk (fsync) before the rename, and the folder's
entry after it, so a power loss cannot leave the new name on an empty or partial file (a journaling file
system may commit the rename before the data) nor lose the rename itself. Where the system does not sync
folders (Windows; some network file systems), the rename is left to its own ordering."""
from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` (hidden, named with the process id) to write to; on
    success it is synced to disk and replaces `path` (whose folder is then synced), on error it is
    removed and `path` is left as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_folder(path.parent)
    finally:
        with contextlib.suppress(OSError):   # a read-only folder: the error that stopped the write is the one to say
            tmp.unlink(missing_ok=True)


def fsync_file(path: str | Path) -> None:
    """Flush the data of the (closed) file at `path` to disk, whatever wrote it."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))   # Windows syncs writable handles only
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: str | Path) -> None:
    """Flush the entries of `folder` (a rename into it) to disk; nothing where folders cannot be synced."""
    if os.name != "posix":
        return                                            # Windows cannot open a folder as a file
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:                                # EINVAL/ENOTSUP: a file system without folder sync
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def fsync_tree(paths, root: str | Path) -> None:
    """Flush the files `paths` (inside the folder `root`; those that exist) to disk, then every folder from each
    one's up to `root` itself, whose entries name them (a file renamed into place, a folder made for it): what a
    commit marker written next must not get ahead of after a power loss."""
    root = Path(root)
    folders = set()
    for path in map(Path, paths):
        try:
            fsync_file(path)
        except FileNotFoundError:                         # not written (a chunk left at its fill value)
            continue
        folders.update(f for f in path.parents if f == root or root in f.parents)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):   # deepest first
        fsync_folder(folder)


def fsync_all(root: str | Path) -> None:
    """`fsync_tree` of every file under the folder `root` (a freshly built store or grid output, before it is
    renamed or used), and `root` itself."""
    root = Path(root)
    fsync_tree([p for p in root.rglob("*") if p.is_file()], root)
    fsync_folder(root)


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)
