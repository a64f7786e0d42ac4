"""Benchmark results (pytest-benchmark JSON): the baseline/candidate ratio per group, and the rows
committed under bench/results/ (date, machine, versions, medians, ratio) that the README's figures cite.

Convention (bench/conftest.py): every benchmark sets `extra_info["role"]` = "baseline" | "candidate"
and shares its `group` with its counterpart.
"""
from __future__ import annotations

from pathlib import Path


def ratio_table(benchmarks: list[dict]) -> list[tuple[str, str, str, float]]:
    """(group, baseline name, candidate name, baseline time / candidate time) per group and candidate,
    from median times.

    Times are per record when a benchmark says how many it processed (`extra_info["records"]`), so a
    slow baseline timed on a subset pairs with a candidate timed on the full batch."""
    return [(group, base["name"][:28], cand["name"][:28], _per_record(base) / _per_record(cand))
            for group, base, cand in _pairs(benchmarks)]


def unpaired(benchmarks: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(group, the role it lacks, its benchmarks' names) for each group without a baseline or a candidate
    (failed, skipped, not selected by -k, or without a role): no ratio for those."""
    out = []
    for group, roles in sorted(_groups(benchmarks).items()):
        missing = [role for role in ("baseline", "candidate") if not roles.get(role)]
        if missing:
            out.append((group, " and ".join(missing), [b["name"] for members in roles.values() for b in members]))
    return out


RESULT_FIELDS = ("date_utc", "machine", "cpu_cores", "gpu", "python", "torch", "numpy", "scipy", "numba", "group",
                 "baseline", "baseline_median_s", "candidate", "candidate_median_s", "ratio")


def result_rows(benchmarks: list[dict]) -> dict[str, list[dict]]:
    """{suite (bench file stem): [one row per group and candidate, RESULT_FIELDS]} from pytest-benchmark's
    JSON benchmarks: median seconds of each side and the ratio `ratio_table` prints."""
    machine = _machine()
    by_suite: dict[str, list[dict]] = {}
    for b in benchmarks:
        by_suite.setdefault(Path(b.get("fullname", b["name"]).split("::")[0]).stem, []).append(b)
    return {suite: [{**machine, "group": group, "baseline": base["name"], "baseline_median_s": _median(base),
                     "candidate": cand["name"], "candidate_median_s": _median(cand),
                     "ratio": float(f"{_per_record(base) / _per_record(cand):.6g}")}
                    for group, base, cand in _pairs(rows)]
            for suite, rows in sorted(by_suite.items())}


def append_results(results_dir: Path, benchmarks: list[dict]) -> list[Path]:
    """Append `result_rows` to results_dir/<suite>.csv (header once); a suite whose CSV already holds
    other columns (its own rows) gets <suite>_ratios.csv. Returns the files written."""
    import csv

    written = []
    for suite, rows in result_rows(benchmarks).items():
        if not rows:
            continue
        path = results_dir / f"{suite}.csv"
        if path.is_file() and path.read_text().split("\n", 1)[0].split(",") != list(RESULT_FIELDS):
            path = results_dir / f"{suite}_ratios.csv"
        new = not path.is_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", newline="") as f:
            out = csv.DictWriter(f, fieldnames=RESULT_FIELDS)
            if new:
                out.writeheader()
            out.writerows(rows)
        written.append(path)
    return written


def _pairs(benchmarks: list[dict]):
    """(group, baseline, candidate) for every baseline and candidate sharing a group, groups sorted."""
    return [(group, base, cand) for group, roles in sorted(_groups(benchmarks).items())
            for base in roles.get("baseline", []) for cand in roles.get("candidate", [])]


def _groups(benchmarks: list[dict]) -> dict[str, dict]:
    """{group (the name where none): {role: [benchmarks]}}."""
    groups = {}
    for b in benchmarks:
        role = b.get("extra_info", {}).get("role")
        groups.setdefault(b.get("group") or b["name"], {}).setdefault(role, []).append(b)
    return groups


def _median(bench: dict) -> float:
    stats = bench["stats"]
    return stats.get("median", stats["mean"])


def _per_record(bench: dict) -> float:
    """Median time (robust to the odd slow round on a shared machine; the mean where no median)."""
    return _median(bench) / bench.get("extra_info", {}).get("records", 1)


def _machine() -> dict:
    """Date (UTC), CPU model and cores, GPU name (or none) and library versions, for a results row."""
    import datetime
    import os
    import platform
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = "none"
    try:
        import torch
        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except ImportError:
        pass

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return ""

    return {"date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": cpu, "cpu_cores": os.cpu_count(), "gpu": gpu, "python": platform.python_version(),
            **{name: version(name) for name in ("torch", "numpy", "scipy", "numba")}}
