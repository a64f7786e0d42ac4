"""`seisdiff bench`: run the pytest-benchmark suites in bench/ and print baseline/candidate ratios.

Each benchmark group times a baseline (SciPy, PyTorch eager, the old approach…) and a candidate in
the same run (`extra_info["role"]`); the table shows baseline time / candidate time per group, and
bench/conftest.py appends the same figures as rows to bench/results/<suite>.csv (machine, versions, date).
"""
from seisdiff.bench_results import ratio_table, unpaired

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
    benchmarks = json.loads(Path(args.json).read_text())["benchmarks"]
    print(f"\n{'group':40s} {'baseline':28s} {'candidate':28s} {'ratio':>8s}")
    for group, base, cand, ratio in ratio_table(benchmarks):
        print(f"{group:40s} {base:28s} {cand:28s} {ratio:8.2f}x")
    for group, missing, names in unpaired(benchmarks):
        print(f"{group:40s} no ratio: no {missing} in this run (none in the group, or failed, skipped, "
              f"not selected); ran {', '.join(names)}")
    print(f"raw results: {args.json}")
    return code
