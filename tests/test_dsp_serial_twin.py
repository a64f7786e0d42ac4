"""The serial, GIL-free twins of the parallel dsp kernels must not share the parallel kernels' numba cache.

numba keys its on-disk cache by function name and argument types, not by parallel/nogil: a twin made from
the same Python function loaded the parallel kernel another process had cached, and `seisdiff preprocess`
(which conditions groups in threads) then aborted in numba's workqueue layer ('Concurrent access')."""
import os
import subprocess
import sys
from pathlib import Path

import importlib

import pytest

from seisdiff.dsp import baseline

resample_module = importlib.import_module("seisdiff.dsp.resample")
TWINS = [(baseline._remove_trend, baseline._remove_trend_one), (baseline._apply_taper, baseline._apply_taper_one),
         (resample_module._resample_records, resample_module._resample_one)]
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("parallel,serial", TWINS, ids=lambda f: f.py_func.__name__)
def test_serial_twin_has_its_own_cache_entry(parallel, serial):
    assert parallel.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
    assert serial.targetoptions.get("nogil")
    assert serial._cache._cache_file._index_name != parallel._cache._cache_file._index_name


BATCH = "import numpy as np, seisdiff.dsp as d; d.detrend(np.random.default_rng(0).standard_normal((16, 2000)))"
THREADS = """
import numpy as np
from concurrent.futures import ThreadPoolExecutor
from seisdiff.dsp import baseline, detrend
xs = [np.random.default_rng(i).standard_normal((1, 200_000)) for i in range(24)]
with ThreadPoolExecutor(2) as pool:
    list(pool.map(detrend, xs))
assert not baseline._remove_trend_one.stats.cache_hits, "the serial twin loaded the parallel kernel's cache entry"
print("ok")
"""


def test_threads_after_a_batch_process_cached_the_parallel_kernel(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba_cache"), "PYTHONPATH": str(ROOT),
           "NUMBA_NUM_THREADS": "2"}
    for code in (BATCH, THREADS):   # two processes: the second finds the first one's cache
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
