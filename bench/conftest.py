"""Benchmarks: each group times a baseline and a candidate in the same run.

Convention (read by `seisdiff bench`): every benchmark sets
    benchmark.extra_info["role"] = "baseline" | "candidate"
and shares `group` with its counterpart; the ratio reported is baseline time / candidate time.

Results are committed as rows: whenever pytest-benchmark saves results (`seisdiff bench` always does,
with --benchmark-json), one row per group and candidate is appended to bench/results/<suite>.csv
(date UTC, CPU, cores, GPU, versions, each side's median s, the ratio; `seisdiff.bench_results`).
SEISDIFF_BENCH_RESULTS names another folder.
"""
import os
from pathlib import Path

os.environ.setdefault("TRITON_INTERPRET", "0")

RESULTS_DIR = Path(os.environ.get("SEISDIFF_BENCH_RESULTS") or Path(__file__).with_name("results"))


def pytest_benchmark_update_json(config, benchmarks, output_json):
    if getattr(config, "_seisdiff_results_written", False):   # called again when both --benchmark-json
        return                                                 # and --benchmark-save are given
    config._seisdiff_results_written = True
    from seisdiff.bench_results import append_results

    for path in append_results(RESULTS_DIR, output_json["benchmarks"]):
        print(f"\nbench: results appended to {path}")
