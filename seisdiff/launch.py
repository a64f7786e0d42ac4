"""Workers of a `torchrun` launch die with their launcher.

torchrun (torch.distributed.elastic) starts each worker in a session of its own (`start_new_session`), so a
signal sent to the launcher's process group reaches the launcher only. SIGTERM, SIGINT, SIGHUP and SIGQUIT it
forwards to its workers; SIGKILL (`kill -9 -- -PGID`, the OOM killer) it cannot, and its `sample`/`train`
workers went on running, orphaned, writing into OUT (or the checkpoint folder) beside the run that resumes it.
On Linux each worker asks the kernel (prctl PR_SET_PDEATHSIG) for SIGTERM when its launcher exits; elsewhere
stop a run with SIGTERM or Ctrl-C to torchrun (README.md, "Stopping a torchrun run").
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1          # <linux/prctl.h>


def under_torchrun() -> bool:
    """Whether this process is a worker started by torchrun's agent (its environment says so)."""
    return "TORCHELASTIC_RUN_ID" in os.environ


def die_with_launcher(sig: int = signal.SIGTERM) -> bool:
    """Under torchrun on Linux: have the kernel send `sig` to this process when its parent (the launcher)
    exits, and send it now when the launcher went between the two reads of the parent's pid. True when that is
    arranged. A parent that is pid 1 is the launcher, not a sign that it is gone: torchrun is pid 1 in a
    container whose command it is (taking it for gone made every worker end itself at start), and the kernel
    ends a pid namespace's processes when its pid 1 exits."""
    if not under_torchrun() or not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):     # no libc prctl (another C library): left as it was
        return False
    if os.getppid() != parent:          # the launcher died before the request took hold
        os.kill(os.getpid(), sig)
    return True
