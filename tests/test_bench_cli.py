"""`seisdiff bench`'s table: baseline time / candidate time, per record when counts are given."""
import pytest

from seisdiff.commands.bench import ratio_table


def _b(name, group, role, mean, records=None):
    info = {"role": role, **({"records": records} if records else {})}
    return {"name": name, "group": group, "extra_info": info, "stats": {"mean": mean}}


def test_ratio_per_group_and_per_record():
    rows = ratio_table([_b("scipy", "g1", "baseline", 2.0), _b("numba", "g1", "candidate", 0.5),
                        _b("pyrotd", "g2", "baseline", 1.0, records=20),      # 50 ms/record
                        _b("ours", "g2", "candidate", 2.0, records=1000),     # 2 ms/record
                        _b("lonely", "g3", "candidate", 1.0)])
    assert rows == [("g1", "scipy", "numba", pytest.approx(4.0)), ("g2", "pyrotd", "ours", pytest.approx(25.0))]


def test_ratio_uses_the_median_when_given():
    base = {"name": "npz", "group": "g", "extra_info": {"role": "baseline"}, "stats": {"mean": 4.0, "median": 3.0}}
    cand = {"name": "store", "group": "g", "extra_info": {"role": "candidate"},
            "stats": {"mean": 1.0, "median": 0.1}}                          # one slow round inflates the mean
    assert ratio_table([base, cand]) == [("g", "npz", "store", pytest.approx(30.0))]


def test_result_rows_per_suite_with_medians_and_the_printed_ratio():
    from seisdiff.bench_results import RESULT_FIELDS, result_rows

    base = {**_b("scipy", "g1", "baseline", 2.0), "fullname": "bench/bench_filters.py::test_scipy"}
    cand = {**_b("numba", "g1", "candidate", 0.5), "fullname": "bench/bench_filters.py::test_numba"}
    other = {**_b("alone", "g2", "candidate", 1.0), "fullname": "bench/bench_psa.py::test_alone"}
    rows = result_rows([base, cand, other])
    assert sorted(rows) == ["bench_filters", "bench_psa"] and rows["bench_psa"] == []
    (row,) = rows["bench_filters"]
    assert tuple(row) == RESULT_FIELDS
    assert (row["group"], row["baseline"], row["baseline_median_s"], row["candidate"], row["candidate_median_s"],
            row["ratio"]) == ("g1", "scipy", 2.0, "numba", 0.5, 4.0)
    assert row["date_utc"].endswith("+00:00") and row["cpu_cores"] >= 1 and row["numpy"] and row["gpu"]


BENCH_TINY = '''
import pytest


@pytest.mark.benchmark(group="sum_1000")
def test_sum_builtin(benchmark):
    benchmark.extra_info["role"] = "baseline"
    benchmark.pedantic(lambda: sum(range(1000)), rounds=3, iterations=1)


@pytest.mark.benchmark(group="sum_1000")
def test_sum_formula(benchmark):
    benchmark.extra_info["role"] = "candidate"
    benchmark.pedantic(lambda: 999 * 1000 // 2, rounds=3, iterations=1)
'''


def test_bench_conftest_appends_one_row_per_group_and_run(tmp_path):
    """bench/conftest.py's hook, on a tiny synthetic suite run the way `seisdiff bench` runs bench/."""
    import csv
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from seisdiff.bench_results import RESULT_FIELDS

    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "bench" / "conftest.py", suite / "conftest.py")
    (suite / "bench_tiny.py").write_text(BENCH_TINY)
    env = {**os.environ, "SEISDIFF_BENCH_RESULTS": str(tmp_path / "results")}
    for run in range(2):
        cmd = [sys.executable, "-m", "pytest", str(suite), "--benchmark-only", "-q", "-p", "no:cacheprovider",
               f"--benchmark-json={tmp_path / f'run{run}.json'}", "-o", "python_files=bench_*.py",
               "--rootdir", str(suite)]
        done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "results" / "bench_tiny.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and tuple(rows[0]) == RESULT_FIELDS
    for row in rows:
        assert (row["group"], row["baseline"], row["candidate"]) == ("sum_1000", "test_sum_builtin", "test_sum_formula")
        assert float(row["ratio"]) == pytest.approx(float(row["baseline_median_s"]) / float(row["candidate_median_s"]),
                                                    rel=1e-3)
        assert row["python"] and row["torch"] and row["machine"]



def test_bench_conftest_leaves_out_a_benchmark_whose_test_failed(tmp_path, monkeypatch):
    """A candidate computing something else (its check after the timing fails) gets no row and no ratio:
    pytest-benchmark keeps every benchmark whose timed call returned."""
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    monkeypatch.setenv("SEISDIFF_BENCH_RESULTS", str(tmp_path / "results"))
    spec = importlib.util.spec_from_file_location("bench_conftest", Path(__file__).resolve().parents[1] / "bench" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    base = {**_b("test_sum_builtin", "sum_1000", "baseline", 2e-5), "fullname": "bench/bench_sum.py::test_sum_builtin"}
    wrong = {**_b("test_sum_wrong", "sum_1000", "candidate", 2e-7), "fullname": "bench/bench_sum.py::test_sum_wrong"}
    for nodeid, outcome in ((base["fullname"], "passed"), (wrong["fullname"], "failed")):
        getattr(conftest, "pytest_runtest_logreport", lambda report: None)(SimpleNamespace(nodeid=nodeid, failed=outcome == "failed"))
    output_json = {"benchmarks": [base, wrong]}
    conftest.pytest_benchmark_update_json(SimpleNamespace(), [], output_json)
    assert [b["name"] for b in output_json["benchmarks"]] == ["test_sum_builtin"]   # what `seisdiff bench` reads
    assert ratio_table(output_json["benchmarks"]) == []
    assert not (tmp_path / "results" / "bench_sum.csv").exists()


def test_unpaired_names_the_groups_without_a_ratio():
    from seisdiff.bench_results import unpaired

    rows = unpaired([_b("scipy", "g1", "baseline", 2.0), _b("numba", "g1", "candidate", 0.5),
                     _b("lonely", "g3", "candidate", 1.0), _b("ref", "g4", "baseline", 1.0),
                     {"name": "no_role", "group": "g5", "extra_info": {}, "stats": {"mean": 1.0}}])
    assert rows == [("g3", "baseline", ["lonely"]), ("g4", "candidate", ["ref"]),
                    ("g5", "baseline and candidate", ["no_role"])]


BENCH_WRONG = '''
import pytest


def _check():
    assert 999 * 1000 // 2 + 1 == sum(range(1000)), "candidate 499501, baseline 499500"


@pytest.mark.benchmark(group="sum_1000")
def test_sum_builtin(benchmark, checked):
    checked("sum_1000", _check)
    benchmark.extra_info["role"] = "baseline"
    benchmark.pedantic(lambda: open(TIMED, "a").write("baseline\\n"), rounds=1, iterations=1)


@pytest.mark.benchmark(group="sum_1000")
def test_sum_wrong_formula(benchmark, checked):
    checked("sum_1000", _check)
    benchmark.extra_info["role"] = "candidate"
    benchmark.pedantic(lambda: open(TIMED, "a").write("candidate\\n"), rounds=1, iterations=1)
'''


def test_bench_check_fails_a_wrong_candidate_and_its_baseline_before_either_is_timed(tmp_path):
    """bench/conftest.py's `checked` fixture: a group whose candidate computes something else is not timed at all
    (neither side's timed function runs), both benchmarks fail, and no row is written."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "bench" / "conftest.py", suite / "conftest.py")
    timed = tmp_path / "timed.txt"
    (suite / "bench_wrong.py").write_text(f"TIMED = {str(timed)!r}\n" + BENCH_WRONG)
    env = {**os.environ, "SEISDIFF_BENCH_RESULTS": str(tmp_path / "results")}
    cmd = [sys.executable, "-m", "pytest", str(suite), "--benchmark-only", "-q", "-p", "no:cacheprovider",
           f"--benchmark-json={tmp_path / 'run.json'}", "-o", "python_files=bench_*.py", "--rootdir", str(suite)]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "2 failed" in done.stdout, done.stdout + done.stderr
    assert "candidate 499501, baseline 499500" in done.stdout
    assert not timed.exists()                                   # nothing was timed
    assert not (tmp_path / "results").exists()


def test_bench_check_runs_once_per_group_and_returns_its_value():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_conftest", Path(__file__).resolve().parents[1] / "bench" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    checked, calls = conftest.GroupChecks(), []
    assert [checked("g", lambda: calls.append(1) or 42) for _ in range(3)] == [42, 42, 42] and calls == [1]

    def wrong():
        calls.append(2)
        raise AssertionError("0.5 != 0.25")
    for _ in range(2):
        with pytest.raises(AssertionError, match="g2: the candidate's result differs.*0.5 != 0.25"):
            checked("g2", wrong)
    assert calls == [1, 2]


def test_default_sampler_level_check_rejects_a_high_band_twice_as_strong():
    """bench_default_sampler's level check: ln ratio of 2–25 Hz levels, median over records, within ±1.0."""
    import importlib.util
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import numpy as np

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("bench_default_sampler", root / "bench" / "bench_default_sampler.py")
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    ref = np.random.default_rng(0).standard_normal((4, 1, 4096))
    bench = SimpleNamespace(extra_info={})
    assert module.level_ln_ratio(1.2 * ref, ref) == pytest.approx(np.log(1.2))
    module.check_level(bench, 2.0 * ref, ref, "twice as strong")                 # ln 2 = 0.69: inside the noise
    assert bench.extra_info["hf_level_ln_ratio_vs_ddpm1000"] == pytest.approx(np.log(2.0))
    with pytest.raises(AssertionError, match=r"\+2.283 ln from the reference's"):
        module.check_level(bench, 9.81 * ref, ref, "in g, read as m/s²")
    # the median over records, not the mean: half of them half as strong → ln(0.5) / 2
    assert module.level_ln_ratio(ref, ref * [[[1]], [[1]], [[2]], [[2]]]) == pytest.approx(np.log(0.5) / 2)
