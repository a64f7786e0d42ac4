"""A full disk or a read-only output: one clear line (which file, what to do), no traceback, exit 2; what was
committed stays whole and the same command resumes once there is room."""
import errno
import os

import numpy as np
import pytest
import torch
from synth import accelerogram, write_at2

from seisdiff import cli
from seisdiff.cli import main
from seisdiff.engine import checkpoint
from seisdiff.io import store as store_module
from seisdiff.io.store import open_store

FULL = OSError(errno.ENOSPC, "No space left on device")      # as zarr's writes raise it: no file name


def _inputs(folder, n=3):
    folder.mkdir()
    for i in range(n):
        write_at2(folder / f"rec{i}.AT2", accelerogram(i, n=4000, pga=0.1 * (i + 1)), 0.01, station=f"S{i}")
    return folder


def test_a_full_disk_is_one_line_and_the_same_command_resumes(tmp_path, monkeypatch, capsys):
    args = ["preprocess", str(_inputs(tmp_path / "in")), "--out", str(tmp_path / "s.zarr"), "--quiet"]
    append = store_module.StoreWriter.append

    def full(self, *a, **k):
        raise FULL

    monkeypatch.setattr(store_module.StoreWriter, "append", full)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"{tmp_path / 's.zarr'}: No space left on device: free some space" in err
    assert len(open_store(tmp_path / "s.zarr")) == 0
    monkeypatch.setattr(store_module.StoreWriter, "append", append)
    assert main(args) == 0
    assert len(open_store(tmp_path / "s.zarr")) == 3


def test_a_read_only_output_names_the_file_not_its_temporary(tmp_path):
    report = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "s.zarr" / ".preprocess_report.csv.77.tmp"))
    line = cli.cannot_write_line(report)
    assert line.startswith(f"{tmp_path / 's.zarr' / 'preprocess_report.csv'}: Read-only file system: give an --out")
    meta = OSError(errno.EROFS, "Read-only file system", "/d/s.zarr/broadband/zarr.2133aba6f2d7429e812ea07.partial")
    assert cli.cannot_write_line(meta).startswith("/d/s.zarr/broadband/zarr.json: Read-only")
    assert cli.cannot_write_line(OSError(errno.EIO, "Input/output error")) is None   # not said as a full disk


def test_a_checkpoint_cut_short_by_a_full_disk_is_an_os_error(tmp_path, monkeypatch):
    def short_write(obj, f, *a, **k):   # what torch.save raises when the disk fills under it
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 768 vs 662")

    monkeypatch.setattr(torch, "save", short_write)
    monkeypatch.setattr(checkpoint.shutil, "disk_usage", lambda p: type("U", (), {"free": 0})())
    (tmp_path / "last.pt").write_bytes(b"the previous one")
    with pytest.raises(OSError) as caught:
        checkpoint.save_checkpoint(tmp_path / "last.pt", {"w": np.zeros(3)})
    assert caught.value.errno == errno.ENOSPC
    assert cli.cannot_write_line(caught.value).startswith(f"{tmp_path / 'last.pt'}: No space left on device")
    assert (tmp_path / "last.pt").read_bytes() == b"the previous one"
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_an_input_that_cannot_be_read_is_not_said_as_an_output_to_move(tmp_path, monkeypatch):
    """A store (or any input) the user may not read raised EACCES, which was said as an output that cannot be
    written: `verify STORE` (no --out at all) and `evaluate --real STORE --out DIR` with a chunk of STORE unreadable
    both said '…/broadband/c/0/0/0: Permission denied: give an --out (or --checkpoint-dir) in a folder you can write
    to', advice that changes nothing. A file that is there and cannot be read is said as such."""
    chunk = tmp_path / "s.zarr" / "broadband" / "c" / "0" / "0" / "0"
    chunk.parent.mkdir(parents=True)
    chunk.write_bytes(b"\0" * 8)
    chunk.chmod(0)
    real_access = os.access   # as root every file reads: say what a user without the permission is told
    monkeypatch.setattr(os, "access", lambda p, mode, **k: str(p) != str(chunk) and real_access(p, mode, **k))
    denied = PermissionError(errno.EACCES, "Permission denied", str(chunk))
    line = cli.cannot_write_line(denied, tmp_path / "eval")
    assert line.startswith(f"{chunk}: Permission denied: cannot be read") and "--out" not in line
    # a file this run creates in a folder it may not write to: still the output's line
    new = OSError(errno.EACCES, "Permission denied", str(tmp_path / "eval" / ".metrics.json.12.tmp"))
    assert "give an --out" in cli.cannot_write_line(new, tmp_path / "eval")
