"""Workers of a torchrun launch die with their launcher (seisdiff/launch.py)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# a torchrun worker as torchrun starts it (its own session, TORCHELASTIC_RUN_ID set) running a seisdiff command
# that lasts (verify's run replaced by a wait), and its launcher, which prints the worker's pid
WORKER = """
import pathlib, sys, time
import seisdiff.commands.verify as verify
verify.run = lambda args: (pathlib.Path(sys.argv[1]).touch(), time.sleep(60))
from seisdiff.cli import main
main(["verify", "store.zarr"])
"""
LAUNCHER = """
import os, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], start_new_session=True,
                          env={**os.environ, "TORCHELASTIC_RUN_ID": "test"})
print(worker.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """Whether process pid runs (a zombie left to a parent that does not reap it counts as dead)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def _wait(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl PR_SET_PDEATHSIG is Linux's")
def test_a_torchrun_worker_dies_with_its_launcher(tmp_path):
    """torchrun starts workers in sessions of their own: a SIGKILL of torchrun's process group (kill -9 -- -PGID)
    left its `sample`/`train` workers running, orphaned, writing into OUT beside a relaunch. A seisdiff command
    run as a torchrun worker now ends when its launcher does."""
    started = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, WORKER, str(started)], stdout=subprocess.PIPE,
                                env=env, cwd=tmp_path, text=True)
    pid = int(launcher.stdout.readline())
    try:
        assert _wait(started.exists, 30), "the worker never reached its command"
        launcher.kill()
        launcher.wait()
        assert _wait(lambda: not _alive(pid), 10), f"worker {pid} outlived its launcher"
    finally:
        launcher.kill()
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl PR_SET_PDEATHSIG is Linux's")
def test_a_launcher_that_is_pid_1_keeps_its_workers(tmp_path):
    """torchrun is pid 1 in a container whose command it is (docker run IMAGE torchrun …, a Kubernetes pod): a worker
    took its parent's pid 1 for a launcher already gone and sent itself SIGTERM before its command ran (return code
    -15, every rank). Run here as pid 1 of a new pid namespace (unshare; skipped where that is not allowed)."""
    import shutil

    started = tmp_path / "started"
    if shutil.which("unshare") is None or subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                                                         capture_output=True).returncode != 0:
        pytest.skip("no unshare of a pid namespace here")
    launcher = LAUNCHER.replace("time.sleep(60)", "print(worker.wait(), flush=True)")
    worker = WORKER.replace("time.sleep(60))", "0)[1]")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", launcher, worker,
                          str(started)], capture_output=True, env=env, cwd=tmp_path, text=True, timeout=60)
    assert started.exists(), run.stdout + run.stderr
    assert run.stdout.split()[-1] == "0", run.stdout


def test_outside_torchrun_nothing_is_armed(monkeypatch):
    from seisdiff.launch import die_with_launcher

    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert die_with_launcher() is False
