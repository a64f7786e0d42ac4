"""`engine.lfmerge.lf_merge` on a window cut from inside a record (a training store's, `sample --cond STORE`).

The window's conditioning is its record's low band (`preprocess.condition`): within EDGE_CYCLES periods of the
crossover from its ends it is not the low-pass of anything in the window. Merged there pass after pass, the
mismatch piled up inverse-filtered in the output: AZ.CPE..HNZ (Ridgecrest M6.4) ran to MAX_PASSES with an
edge peak 55× the generated trace's peak. With edge_samples the merge is judged beyond the edge zones and
weighted to 0 at the ends. (Whole records: tests/test_lfmerge.py.)
"""
import numpy as np
import pytest

from seisdiff.dsp import lowpass
from seisdiff.engine.lfmerge import MERGE_TOL, lf_merge
from seisdiff.io.store import open_store
from seisdiff.preprocess import PreprocessConfig, condition_group, run_preprocess
from seisdiff.preprocess.condition import edge_samples

FS_HZ, LOWPASS_HZ = 100.0, 1.0


def _motion_throughout(duration_s=200.0, onset_s=60.0):
    """(n,) m/s²: a 0.05 m/s² 0.3 Hz sinusoid and, from onset_s to the end, a 1 m/s² 10 Hz burst: the window
    (3 s before 5 % Arias, 41 s long) starts and ends inside the motion."""
    t = np.arange(int(duration_s * FS_HZ)) / FS_HZ
    env = 0.5 - 0.5 * np.cos(np.pi * np.clip((t - onset_s) / 2.0, 0.0, 1.0))
    return 0.05 * np.sin(2 * np.pi * 0.3 * t) + env * np.sin(2 * np.pi * 10.0 * t)


def _check_merge(generated, cond):
    """Converged in 64 passes beyond the edge zones (as with MAX_PASSES), to MERGE_TOL there; no edge peak."""
    edge = edge_samples(cond.shape[-1], FS_HZ, LOWPASS_HZ)
    merged = lf_merge(generated, cond, FS_HZ, LOWPASS_HZ, edge_samples=edge)
    np.testing.assert_array_equal(merged, lf_merge(generated, cond, FS_HZ, LOWPASS_HZ, edge_samples=edge,
                                                   max_passes=64))
    inner = slice(edge, cond.shape[-1] - edge)
    residual = lowpass(merged, FS_HZ, LOWPASS_HZ)[..., inner] - cond[..., inner]
    assert np.linalg.norm(residual) <= MERGE_TOL * np.linalg.norm(cond[..., inner])
    ends = np.concatenate([merged[..., :edge], merged[..., -edge:]], axis=-1)
    return np.abs(ends).max() / np.abs(generated).max()


def test_window_inside_the_motion_merges_without_an_edge_peak():
    bb, lp = condition_group(_motion_throughout()[None], FS_HZ, PreprocessConfig())
    cond = lp[:, 0].astype(np.float64)
    generated = np.roll(bb[:, 0].astype(np.float64), 2000, axis=-1)    # the record's motion, elsewhere
    assert abs(cond[0, -1]) > 0.5 * np.abs(cond).max()                   # the window ends inside the motion
    assert _check_merge(generated, cond) < 1.05                          # was 1.48 merged over every sample


def test_strongmotion_window_merge_converges(tmp_path, strongmotion_dir):
    """AZ.CPE..HNZ: merged over every sample it ran 1024 passes, edge peak 54.7× the generated peak."""
    path = strongmotion_dir / "fdsn_mseed+stationxml" / "20190704_ridgecrest_m6.4" / "AZ.CPE..HNZ.mseed"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    run_preprocess([str(path)], tmp_path / "s.zarr", PreprocessConfig(), progress=False)
    blk = open_store(tmp_path / "s.zarr").read()
    cond = blk["lowpass"][:, 0].astype(np.float64)
    generated = np.roll(blk["broadband"][:, 0].astype(np.float64), 3346, axis=-1)
    assert _check_merge(generated, cond) < 1.0


def test_edge_zone_is_at_most_a_quarter_of_the_trace():
    """A short window (the tiny test model's 512 samples) is judged over its middle half."""
    assert edge_samples(4096, FS_HZ, LOWPASS_HZ) == 500 and edge_samples(512, FS_HZ, LOWPASS_HZ) == 128
    x = np.random.default_rng(0).normal(size=(2, 512))
    cond = lowpass(x, FS_HZ, LOWPASS_HZ)
    np.testing.assert_allclose(lf_merge(x, cond, FS_HZ, LOWPASS_HZ, edge_samples=10_000),
                               lf_merge(x, cond, FS_HZ, LOWPASS_HZ, edge_samples=128), rtol=0, atol=0)
