"""evaluate judged every window shorter than 40 s (ONSET_WINDOW_MIN_S) as placed where it holds the most Arias
intensity, though stores record how theirs were placed (`window_placement`, condition.SHORT_WINDOW_PLACEMENTS):
version 1 started them 3 s before the 5 % Arias time, as longer ones, so their quiet start was left out of the
pre-event ratio (NGA-West2 FKSH01-04, 9 traces at --length 1024 placed by version 1, stochastic baseline: 0 records
judged, the ratio None; 4 judged now, median 0.88). evaluate now takes the store's version (`condition.placement_version`:
a store without the attribute as `preprocess` infers it, version 2 where it records its component reading, else 1)."""
import json

import numpy as np
import pytest
import zarr
from test_evaluate_pre_event_judged import _quiet_then_event, _stores

from seisdiff.cli import main
from seisdiff.io.readings import STORE_READING_ATTR
from seisdiff.preprocess import condition
from seisdiff.preprocess.condition import STORE_PLACEMENT_ATTR, PreprocessConfig
from seisdiff.preprocess.run import run_preprocess

SHORT = {"preprocess": {"length": 1024, "sampling_rate_hz": 100.0}}     # 10.24 s windows


@pytest.mark.parametrize("attrs, judged", [
    ({STORE_PLACEMENT_ATTR: 1}, 3),                           # 3 s before 5 % Arias: judged by their data
    ({STORE_PLACEMENT_ATTR: 2}, 0),                           # where they hold the most Arias intensity
    ({STORE_READING_ATTR: 1}, 0),                             # no version, made since 0f3fb1d: version 2
    ({}, 3)])                                                 # made before stores recorded either: version 1
def test_short_windows_are_judged_by_the_store_s_placement_version(tmp_path, attrs, judged):
    real, gen = _quiet_then_event()
    model = _stores(tmp_path, real, gen, ["a_w0", "b_w0", "c_w0"], {**SHORT, **attrs})["summary"]["model"]
    assert model["pre_event_n_records"] == judged
    assert model["pre_event_ratio_median"] == (pytest.approx(2.0, rel=0.02) if judged else None)


def _evaluate(store, out) -> dict:
    assert main(["evaluate", "--real", str(store), "--generated", "baseline:stochastic", "--out", str(out),
                 "--periods", "0.1", "0.5", "1.0"]) == 0
    return json.loads((out / "metrics.json").read_text())["summary"]["model"]


def test_shared_records_in_version_1_windows_are_judged(ngaw2_dir, tmp_path, monkeypatch):
    files = [str(ngaw2_dir / f"RSN5001_CHUETSU_FKSH01{c}.AT2") for c in ("EW", "NS", "UD")]
    cfg = PreprocessConfig(length=1024)
    run_preprocess(files, tmp_path / "v2.zarr", cfg, progress=False)
    with monkeypatch.context() as m:               # as version 1 placed them: 3 s before the 5 % Arias time
        m.setattr(condition, "placement_matters", lambda *a: False)
        run_preprocess(files, tmp_path / "v1.zarr", cfg, progress=False)
    zarr.open_group(str(tmp_path / "v1.zarr"), mode="r+").attrs[STORE_PLACEMENT_ATTR] = 1
    assert _evaluate(tmp_path / "v2.zarr", tmp_path / "out2")["pre_event_n_records"] == 0
    v1 = _evaluate(tmp_path / "v1.zarr", tmp_path / "out1")
    assert v1["pre_event_n_records"] > 0 and np.isfinite(v1["pre_event_ratio_median"])
