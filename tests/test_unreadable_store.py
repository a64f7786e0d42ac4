"""A store (or a station grid) whose zarr.json the user may not read: zarr takes it for no Zarr v3 group, finds no v2
one either, and every command said something untrue: 'STORE: not a seisdiff store (PermissionError); create one with
`seisdiff preprocess`' (verify, evaluate, train, crossval, preprocess appending to it), for a grid 'which GRID is not'
a station grid, as sample's --out 'a store that `sample` did not write'. Each now says the file cannot be read, and
what to do, in the line the CLI gives any input that cannot be read (`cli.cannot_write_line`): one line, exit 2, no
traceback. Run in a process without the right to read what a file's mode forbids (as root: setpriv without
CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH); skipped where there is none to be had."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from synth import accelerogram, make_store, write_at2
from test_grid import FS, START, _signals, _write_zarr

ROOT = Path(__file__).resolve().parents[1]
DROP = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search",
        "--reuid=0"]
LINE = "Permission denied: cannot be read as you: make it and the folders above it readable for you, or give a copy " \
       "you can read"
# each command in the same process, its exit status after it on stderr (a traceback may come late: asyncio's)
PROBE = """import json, sys
from seisdiff.cli import main
for args in json.loads(sys.argv[1]):
    print("== " + args[0], file=sys.stderr, flush=True)
    print(f"exit {main(args)}", file=sys.stderr, flush=True)
"""


def _without_read_permission(tmp_path) -> list[str]:
    """The prefix of a command that may not read a file of mode 000 ([] when this user may not already)."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        for prefix in ([], DROP if os.geteuid() == 0 and shutil.which("setpriv") else None):
            if prefix is not None and subprocess.run([*prefix, "cat", str(probe)], capture_output=True).returncode:
                return prefix
    finally:
        probe.unlink()
    pytest.skip("no way to run without the right to read a file of mode 000 (root without setpriv)")


def test_a_store_or_grid_whose_zarr_json_cannot_be_read_is_said_so(tmp_path):
    prefix = _without_read_permission(tmp_path)
    store, other = make_store(tmp_path / "s.zarr", n=6, length=512).path, make_store(tmp_path / "r.zarr", n=6).path
    grid = tmp_path / "grid.zarr"
    _write_zarr(grid, _signals(1501, FS, seed=3), attrs={"units": "m/s^2", "dt_s": 1 / FS, "start_time": START})
    (tmp_path / "in").mkdir()
    write_at2(tmp_path / "in" / "a.AT2", accelerogram(0, n=4000, pga=0.1), 0.01)
    runs = [(["verify", store], store), (["evaluate", "--real", store, "--generated", other, "--out", "e1"], store),
            (["evaluate", "--real", other, "--generated", store, "--out", "e2"], store),
            (["train", "--data", store, "--checkpoint-dir", "t"], store),
            (["crossval", "--data", store, "--out", "cv"], store),
            (["preprocess", tmp_path / "in", "--out", store, "--quiet"], store),
            (["sample", "--checkpoint", "default", "--cond", store, "--out", "o1.zarr"], store),
            (["sample", "--checkpoint", "default", "--cond", other, "--out", store], store),   # said: not sample's
            (["sample", "--checkpoint", "default", "--cond", grid, "--out", "o2.zarr", "--hypocenter", "34", "-118",
              "10", "--magnitude", "6.5"], grid)]
    for path in (store, grid):
        (Path(path) / "zarr.json").chmod(0)
    done = subprocess.run([*prefix, sys.executable, "-c", PROBE, json.dumps([[str(a) for a in r] for r, _ in runs])],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "Traceback" not in done.stderr, done.stderr
    said = done.stderr.split("== ")[1:]
    assert len(said) == len(runs), done.stderr
    for (args, path), text in zip(runs, said):
        assert text.splitlines() == [args[0], f"seisdiff {args[0]}: error: {path}/zarr.json: {LINE}", "exit 2"], text
