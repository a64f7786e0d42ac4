"""`seisdiff bench`: run the pytest-benchmark suites in bench/ and print baseline/candidate ratios.

Each benchmark group times a baseline (SciPy, PyTorch eager, the old approach…) and a candidate in
the same run (`extra_info["role"]`); the table shows baseline time / candidate time per group.
"""
HELP = "run bench/ (pytest-benchmark) and print the measured speed-up ratios"


def add_arguments(p):
    p.add_argument("-k", dest="keyword", help="only benchmarks matching this pytest -k expression")
    p.add_argument("--json", default="bench_results.json", help="where to save the raw results")
    p.add_argument("--bench-dir", default=None, help="folder of the suites (default: the repository's bench/)")


def run(args) -> int:
    import json
    import subprocess
    import sys
    from pathlib import Path

    from seisdiff.errors import UserError

    bench_dir = Path(args.bench_dir) if args.bench_dir else Path(__file__).resolve().parents[2] / "bench"
    if not bench_dir.is_dir():
        raise UserError(f"{bench_dir}: no bench/ folder; run from a source checkout or pass --bench-dir")
    cmd = [sys.executable, "-m", "pytest", str(bench_dir), "--benchmark-only", "-q",
           f"--benchmark-json={args.json}", "-p", "no:cacheprovider", "-o", "python_files=bench_*.py"]
    if args.keyword:
        cmd += ["-k", args.keyword]
    code = subprocess.call(cmd)
    if not Path(args.json).exists() or not Path(args.json).read_text().strip():
        print("bench: no benchmark ran", file=sys.stderr)
        return code or 1
    rows = ratio_table(json.loads(Path(args.json).read_text())["benchmarks"])
    print(f"\n{'group':40s} {'baseline':28s} {'candidate':28s} {'ratio':>8s}")
    for group, base, cand, ratio in rows:
        print(f"{group:40s} {base:28s} {cand:28s} {ratio:8.2f}x")
    print(f"raw results: {args.json}")
    return code


def ratio_table(benchmarks: list[dict]) -> list[tuple[str, str, str, float]]:
    """(group, baseline name, candidate name, baseline time / candidate time) per group and candidate,
    from median times.

    Times are per record when a benchmark says how many it processed (`extra_info["records"]`), so a
    slow baseline timed on a subset pairs with a candidate timed on the full batch."""
    groups = {}
    for b in benchmarks:
        role = b.get("extra_info", {}).get("role")
        groups.setdefault(b.get("group") or b["name"], {}).setdefault(role, []).append(b)
    rows = []
    for group, roles in sorted(groups.items()):
        for base in roles.get("baseline", []):
            for cand in roles.get("candidate", []):
                rows.append((group, base["name"][:28], cand["name"][:28], _per_record(base) / _per_record(cand)))
    return rows


def _per_record(bench: dict) -> float:
    """Median time (robust to the odd slow round on a shared machine; the mean where no median)."""
    stats = bench["stats"]
    return stats.get("median", stats["mean"]) / bench.get("extra_info", {}).get("records", 1)
