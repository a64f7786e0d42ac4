"""evaluate's pre-event ratio (generated / real > 2 Hz level over a window's first 2 s) is judged only where the real
window begins with a pre-event segment. preprocess places windows shorter than 40 s where they hold the most Arias
intensity (b6c9d51), and windows after the first (`_w1`, …) start in the motion: their first 2 s are strong motion,
and evaluate reported a ratio of strong motion to strong motion as the pre-event ratio (NGA-West2 FKSH01-04, 8
traces, stochastic baseline: median 0.74 at --length 1024, 0.60 at 2048, 0.32 at 4096, the only one whose windows
begin 3 s before 5 % Arias). Those records are now not judged (NaN, left out of the median; pre_event_n_records says
how many were judged)."""
import json

import numpy as np
import pytest
from synth import accelerogram

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.io.store import create_store

FS_HZ, LOWPASS_HZ, LENGTH, PERIODS = 100.0, 1.0, 1024, ["0.1", "0.5", "1.0"]


def _stores(tmp_path, real_bb, gen_bb, ids, attrs=None):
    for name, bb, rids in (("real", real_bb, ids), ("gen", gen_bb, [f"{r}_r0" for r in ids])):
        create_store(tmp_path / f"{name}.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                     lowpass_hz=LOWPASS_HZ, extra_attrs=attrs or {}).append(
            bb.astype(np.float32), lowpass(bb, FS_HZ, LOWPASS_HZ).astype(np.float32), rids)
    assert main(["evaluate", "--real", str(tmp_path / "real.zarr"), "--generated", str(tmp_path / "gen.zarr"),
                 "--out", str(tmp_path / "out"), "--periods", *PERIODS]) == 0
    return json.loads((tmp_path / "out" / "metrics.json").read_text())


def _quiet_then_event(n_records=3):
    """Real: a 0.01 m/s² 10 Hz sine over the first 2 s, then the event (from 2.05 s); generated: the sine 2× louder."""
    t = np.arange(LENGTH) / FS_HZ
    pre = np.where(t < 2.0, 0.01 * np.sin(2 * np.pi * 10.0 * t), 0.0)
    event = np.stack([[accelerogram(10 * i, n=LENGTH, pga=0.4 + i)] for i in range(n_records)])
    return event + pre, event + 2 * pre


@pytest.mark.parametrize("attrs, judged", [
    ({}, 3),                                                                  # a store of unknown windows: by its data
    ({"whole_records": True, "preprocess": {"length": 1024, "sampling_rate_hz": 100.0}}, 3),   # whole records
    ({"preprocess": {"length": 4096, "sampling_rate_hz": 100.0}}, 3),         # onset windows (>= 40 s)
    ({"preprocess": {"length": 1024, "sampling_rate_hz": 100.0}, "window_placement": 2}, 0)])   # at the most Arias
def test_windows_placed_by_arias_intensity_are_not_judged(tmp_path, attrs, judged):
    real, gen = _quiet_then_event()
    model = _stores(tmp_path, real, gen, ["a_w0", "b_w0", "c_w0"], attrs)["summary"]["model"]
    assert model["pre_event_n_records"] == judged
    assert model["pre_event_ratio_median"] == (pytest.approx(2.0, rel=0.02) if judged else None)
    assert ("| pre-event ratio: records judged (a quiet start before the onset) | "
            f"{judged} |") in (tmp_path / "out" / "report.md").read_text()


def test_a_window_starting_in_the_motion_is_not_judged(tmp_path):
    """Three records with a quiet start: the second is a later window (_w1), the third's event starts at its first
    sample (5 % of its Arias intensity within the first 2 s): only the first is judged."""
    real, gen = _quiet_then_event()
    motion = np.sin(2 * np.pi * 5.0 * np.arange(LENGTH) / FS_HZ)            # as strong from the first sample on
    real[2, 0], gen[2, 0] = motion, 1.5 * motion
    result = _stores(tmp_path, real, gen, ["a_w0", "a_w1", "c_w0"])
    ratios = [row["pre_event_ratio"] for row in result["records"]]
    assert ratios[0] == pytest.approx(2.0, rel=0.02) and ratios[1:] == [None, None]
    assert result["summary"]["model"]["pre_event_n_records"] == 1


@pytest.mark.parametrize("length, judged", [(1024, 0), (4096, 3)])
def test_shared_records_judged_only_in_onset_windows(ngaw2_dir, tmp_path, length, judged):
    files = [str(ngaw2_dir / f"RSN5001_CHUETSU_FKSH01{c}.AT2") for c in ("EW", "NS", "UD")]
    assert main(["preprocess", *files, "--out", str(tmp_path / "s.zarr"), "--length", str(length)]) == 0
    assert main(["evaluate", "--real", str(tmp_path / "s.zarr"), "--generated", "baseline:stochastic",
                 "--out", str(tmp_path / "out"), "--periods", *PERIODS]) == 0
    model = json.loads((tmp_path / "out" / "metrics.json").read_text())["summary"]["model"]
    assert model["pre_event_n_records"] == judged
    assert (model["pre_event_ratio_median"] is None) == (judged == 0)
