"""`preprocess --out` a store it did not make, of the same rate, crossover, band and length, appended to it: a
`simulate` store of 2 records took an NGA-West2-like record (3 records, its `simulation` attribute describing all of
them, no `preprocess` attribute saying how the third was cut and filtered), and so would `sample`'s output or
whole-record conditioning. It is now refused in one line."""
import re

import pytest
from synth import accelerogram, make_store, write_at2

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess

CFG = PreprocessConfig(length=1024)


def _record(tmp_path) -> str:
    return str(write_at2(tmp_path / "S1.AT2", accelerogram(1, n=3000), 0.01, station="S1"))


def test_preprocess_into_a_simulate_store_is_refused(tmp_path, capsys):
    out = str(tmp_path / "sim.zarr")
    assert main(["simulate", "--out", out, "--n", "2", "--duration-s", "10.24"]) == 0
    capsys.readouterr()
    assert main(["preprocess", _record(tmp_path), "--out", out, "--length", "1024", "--quiet"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "holds 2 records `simulate` made, not a training store of `preprocess`" in line and "another --out" in line
    assert len(open_store(out)) == 2


@pytest.mark.parametrize("attrs, maker", [({}, "another tool wrote (no `preprocess` attribute)"),
                                          ({"sampling": {}, "preprocess": CFG.as_attrs()}, "`sample` generated"),
                                          ({"whole_records": True, "preprocess": CFG.as_attrs()},
                                           "`sample` conditioned whole")])
def test_preprocess_into_a_store_of_another_tool_is_refused(tmp_path, attrs, maker):
    out = tmp_path / "other.zarr"
    if attrs:
        create_store(out, sampling_rate_hz=100.0, length=1024, lowpass_hz=1.0, extra_attrs=attrs)
    else:
        make_store(out, n=2, length=1024)
    with pytest.raises(UserError, match=re.escape(f"holds {0 if attrs else 2} records {maker}")):
        run_preprocess([_record(tmp_path)], out, CFG, progress=False)


def test_a_store_preprocess_made_is_appended_to(tmp_path):
    out = tmp_path / "s.zarr"
    run_preprocess([_record(tmp_path)], out, CFG, progress=False)
    assert run_preprocess([_record(tmp_path)], out, CFG, progress=False).already == 1
