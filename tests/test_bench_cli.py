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
