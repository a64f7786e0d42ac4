"""An evaluation interrupted while it writes its files is evaluated again by crossval's resume: metrics.json,
which crossval takes as the evaluation done, is written last, after report.md and the figures."""

import numpy as np
import pytest
from synth import accelerogram

from seisdiff.dsp import lowpass
from seisdiff.evaluate import crossval, report
from seisdiff.evaluate.crossval import CrossvalConfig
from seisdiff.io.store import create_store, open_store

FS_HZ, LENGTH = 100.0, 1024


def _stores(tmp_path):
    bb = np.stack([[accelerogram(i, n=LENGTH, pga=0.4 + i)] for i in range(3)]).astype(np.float32)
    lp = lowpass(bb, FS_HZ, 1.0)
    ids = [f"rec{i}" for i in range(3)]
    create_store(tmp_path / "real.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, lowpass_hz=1.0).append(bb, lp, ids)
    create_store(tmp_path / "gen.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, lowpass_hz=1.0).append(
        1.5 * bb, lp, [f"{i}_r0" for i in ids], {"realization": np.zeros(3, np.int64)})
    return open_store(tmp_path / "real.zarr"), tmp_path / "gen.zarr"


def test_an_evaluation_stopped_before_its_report_is_not_taken_as_done(tmp_path, monkeypatch):
    real, gen = _stores(tmp_path)
    out, said = tmp_path / "eval", []
    cfg = CrossvalConfig(data=str(real.path), out=str(tmp_path), progress=False)
    write = report.write_text_atomic

    def interrupted(path, text, *args, **kwargs):   # Ctrl-C after the first of the evaluation's two texts
        write(path, text, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_text_atomic", interrupted)
    with pytest.raises(KeyboardInterrupt):
        crossval._evaluate(real, gen, out, cfg, lambda stage, line: said.append(line), "default")
    # crossval's resume skips an evaluation whose metrics.json is there: it must not be without its report
    assert (out / "report.md").is_file() or not (out / "metrics.json").is_file()
    assert not (out / "metrics.json").is_file()          # so the resume evaluates it again
