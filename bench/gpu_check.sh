#!/usr/bin/env bash
# The GPU checks, as one prepared run for a device machine (the `device` tool's `run`; last run 2026-12-04, evening, H200):
# the Triton kernel tests compiled for the GPU (not interpreted) and bench/bench_kernels.py (Triton against
# PyTorch eager and torch.compile in the same run). No install: the machine's own python3 has torch, triton,
# numpy, scipy, pytest and pytest-benchmark, and these paths import nothing else of seisdiff's dependencies.
#   run: bash bench/gpu_check.sh            (timeout_s ~450: 5 min on an H200; the files come back from $OUT)
# Then add the rows of $OUT/bench_kernels.csv to bench/results/bench_kernels.csv and the ratios to the README.
# On a machine without a GPU it runs the same with the kernels interpreted (a dry run of the wiring).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_check}
mkdir -p "$out"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 SEISDIFF_BENCH_RESULTS=$out
if nvidia-smi -L >/dev/null 2>&1; then
    export TRITON_INTERPRET=0
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/machine.txt"
fi
python3 -c "import platform, torch, triton; print('python', platform.python_version(), 'torch', torch.__version__,
'triton', triton.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$out/machine.txt"
python3 -m pytest -q -p no:cacheprovider tests/test_kernels.py 2>&1 | tee "$out/kernel_tests.log"
tests=${PIPESTATUS[0]}
python3 -m pytest -q -p no:cacheprovider -o python_files='bench_*.py' bench/bench_kernels.py --benchmark-only \
    --benchmark-json="$out/bench_kernels.json" 2>&1 | tee "$out/bench_kernels.log"
bench=${PIPESTATUS[0]}
python3 - "$out/bench_kernels.json" <<'PY' | tee "$out/ratios.txt"
import json, sys
from seisdiff.bench_results import ratio_table
for group, base, cand, ratio in ratio_table(json.load(open(sys.argv[1]))["benchmarks"]):
    print(f"{group:40s} {base:28s} {cand:28s} {ratio:8.2f}x")
PY
echo "kernel tests exit $tests, bench exit $bench"
exit $(( tests || bench ))
