"""The low-band consistency of a window cut from inside a record (`evaluate.metrics.lowband_consistency`,
`evaluate.report.consistency`).

A training store's window has its record's low band as conditioning (`preprocess.condition`); the low-pass of
the window alone reflects about its end samples, so it departs from that within EDGE_CYCLES periods of the
crossover from the ends. A real window's own broadband scored 0.838 against its conditioning (NGA-West2
RSN5820 NS; 59 of 60 NGA-West2 windows and 282 of 327 strong-motion windows below 0.9999, the worst 0.45);
beyond the edge zones every one scores 1.0000. `evaluate` compares there for stores of windows.
"""
import json

import numpy as np
import pytest

from seisdiff.cli import main
from seisdiff.evaluate.metrics import lowband_consistency
from seisdiff.evaluate.report import consistency
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess import PreprocessConfig, run_preprocess
from seisdiff.preprocess.condition import edge_samples

FS_HZ, LOWPASS_HZ = 100.0, 1.0


@pytest.fixture(scope="module")
def rsn5820(tmp_path_factory, ngaw2_dir):
    """RSN5820 NS preprocessed (its window starts 24 s into the record, inside the motion)."""
    path = ngaw2_dir / "RSN5820_IWATE_4CAB1NS.AT2"
    if not path.is_file():
        pytest.skip("RSN5820_IWATE_4CAB1NS.AT2 absent")
    out = tmp_path_factory.mktemp("rsn5820") / "real.zarr"
    run_preprocess([str(path)], out, PreprocessConfig(), progress=False)
    return open_store(out)


def test_a_real_window_scores_one_against_its_conditioning(rsn5820):
    blk = rsn5820.read()
    bb, lp = blk["broadband"], blk["lowpass"]
    corr, amp = lowband_consistency(bb, lp, FS_HZ, LOWPASS_HZ, edge_samples(rsn5820.length, FS_HZ, LOWPASS_HZ))
    assert corr.min() >= 0.9999 and np.abs(amp - 1.0).max() < 1e-3
    whole, _ = lowband_consistency(bb, lp, FS_HZ, LOWPASS_HZ)      # the window's ends included: 0.838
    assert whole.max() < 0.9
    out = consistency(bb, bb, lp, FS_HZ, LOWPASS_HZ, np.array([rsn5820.length]), cut_windows=True)
    assert out["lowband_corr"].min() >= 0.9999


def test_evaluate_scores_a_window_store_beyond_its_edge_zones(rsn5820, tmp_path):
    """`evaluate` of a generated store equal to the real windows: low-band correlation 1, not 0.838."""
    blk = rsn5820.read()
    create_store(tmp_path / "gen.zarr", sampling_rate_hz=FS_HZ, length=rsn5820.length, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(blk["broadband"], blk["lowpass"],
                                               [f"{rid}_r0" for rid in rsn5820.record_ids], {"realization": [0]})
    rc = main(["evaluate", "--real", str(rsn5820.path), "--generated", str(tmp_path / "gen.zarr"),
               "--out", str(tmp_path / "out"), "--periods", "0.1", "1.0"])
    assert rc == 0
    model = json.loads((tmp_path / "out" / "metrics.json").read_text())["summary"]["model"]
    assert model["lowband_corr_median"] >= 0.9999
    assert model["lowband_amp_ratio_median"] == pytest.approx(1.0, abs=1e-3)
