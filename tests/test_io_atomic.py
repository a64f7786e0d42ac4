"""seisdiff.io.atomic: the target is replaced whole or left as it was."""
import pytest

from seisdiff.io.atomic import atomic_path, write_text_atomic


def test_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def _record_sync_order(monkeypatch, folder):
    """Record os.fsync (as "file" or "folder" by the synced inode) and os.replace calls, in order; the calls
    still happen."""
    import os

    calls, fsync, replace = [], os.fsync, os.replace

    def fake_fsync(fd):
        calls.append("folder" if os.fstat(fd).st_ino == os.stat(folder).st_ino else f"file:{os.fstat(fd).st_ino}")
        fsync(fd)

    def fake_replace(src, dst):
        calls.append(f"replace:{os.stat(src).st_ino}")
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", fake_fsync)
    monkeypatch.setattr(os, "replace", fake_replace)
    return calls


@pytest.mark.parametrize("writer", ["text", "checkpoint"])
def test_the_new_file_is_synced_before_the_rename_and_its_folder_after(tmp_path, monkeypatch, writer):
    """A write then rename without fsync can leave, after a power loss, the new name on an empty file (the
    rename reaches the disk before the data). The temporary file is synced, then renamed, then its folder."""
    import os

    import torch

    from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint

    target = tmp_path / "a.pt"
    target.write_text("old")
    calls = _record_sync_order(monkeypatch, tmp_path)
    if writer == "text":
        write_text_atomic(target, "new")
    else:
        save_checkpoint(target, {"config": {}, "scaling": {}, "ema": {"w": torch.ones(3)}})
    ino = os.stat(target).st_ino
    assert calls == [f"file:{ino}", f"replace:{ino}", "folder"], calls
    assert (target.read_text() == "new") if writer == "text" else load_checkpoint(target)["ema"]["w"].sum() == 3


def test_a_folder_that_cannot_be_synced_does_not_fail_the_write(tmp_path, monkeypatch):
    """A file system that refuses to sync a folder (EINVAL) still gets the file, synced and renamed."""
    import errno
    import os
    import stat

    fsync = os.fsync

    def no_folder_sync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "Invalid argument")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", no_folder_sync)
    write_text_atomic(tmp_path / "a.txt", "new")
    assert (tmp_path / "a.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
