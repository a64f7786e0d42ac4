"""Benchmarks: each group times a baseline and a candidate in the same run.

Convention (read by `seisdiff bench`): every benchmark sets
    benchmark.extra_info["role"] = "baseline" | "candidate"
and shares `group` with its counterpart; the ratio reported is baseline time / candidate time.

Every benchmark first calls the `checked` fixture: `checked(group, check)` runs check() once per group and session,
outside any timing (it computes the candidate's and the baseline's results and raises where they differ), so a
candidate computing something else fails, with its baseline, before either is timed.

Results are committed as rows: whenever pytest-benchmark saves results (`seisdiff bench` always does,
with --benchmark-json), one row per group and candidate is appended to bench/results/<suite>.csv
(date UTC, CPU, cores, GPU, versions, each side's median s, the ratio; `seisdiff.bench_results`), but none
from a test that failed.
SEISDIFF_BENCH_RESULTS names another folder.
"""
import os
from pathlib import Path

import pytest

os.environ.setdefault("TRITON_INTERPRET", "0")

RESULTS_DIR = Path(os.environ.get("SEISDIFF_BENCH_RESULTS") or Path(__file__).with_name("results"))
_FAILED: set[str] = set()   # node ids of the tests that failed (a check after the timing included)


class GroupChecks:
    """`checked(group, check)`: the value of check() (run once per group: the reference its benchmarks may
    reuse), or check()'s error again for every benchmark of a group whose check failed."""

    def __init__(self):
        self._done: dict[str, tuple] = {}

    def __call__(self, group: str, check):
        if group not in self._done:
            try:
                self._done[group] = (check(), None)
            except Exception as error:      # noqa: BLE001 — re-raised for every benchmark of the group
                self._done[group] = (None, error)
        value, error = self._done[group]
        if error is not None:
            raise AssertionError(f"{group}: the candidate's result differs from its baseline's (checked before "
                                 f"timing either): {error}") from error
        return value


@pytest.fixture(scope="session")
def checked():
    return GroupChecks()


def pytest_runtest_logreport(report):
    if report.failed:
        _FAILED.add(report.nodeid)


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Leave out the benchmarks whose test failed: pytest-benchmark keeps any whose timed call returned, so a
    candidate whose output differs from its baseline's (checked after the timing) would get a ratio."""
    if getattr(config, "_seisdiff_results_written", False):   # called again when both --benchmark-json
        return                                                 # and --benchmark-save are given
    config._seisdiff_results_written = True
    from seisdiff.bench_results import append_results

    failed = [b["name"] for b in output_json["benchmarks"] if b.get("fullname") in _FAILED]
    output_json["benchmarks"] = [b for b in output_json["benchmarks"] if b.get("fullname") not in _FAILED]
    for name in failed:
        print(f"\nbench: {name} failed: left out of the results and the ratios")
    for path in append_results(RESULTS_DIR, output_json["benchmarks"]):
        print(f"\nbench: results appended to {path}")
