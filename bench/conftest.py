"""Benchmarks: each group times a baseline and a candidate in the same run.

Convention (read by `seisdiff bench`): every benchmark sets
    benchmark.extra_info["role"] = "baseline" | "candidate"
and shares `group` with its counterpart; the ratio reported is baseline time / candidate time.
"""
import os

os.environ.setdefault("TRITON_INTERPRET", "0")
