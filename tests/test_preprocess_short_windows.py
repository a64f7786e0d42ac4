"""Short training windows (`preprocess --length` under ONSET_WINDOW_MIN_S) hold the strong motion
(seisdiff.preprocess.condition.first_window_start)."""
import numpy as np
import pytest

from seisdiff.io.store import open_store
from seisdiff.preprocess import PreprocessConfig, run_preprocess
from seisdiff.preprocess.condition import ONSET_WINDOW_MIN_S, first_window_start

SHORT_RECORDS = ["RSN5000_CHUETSU_FKS031EW.AT2", "RSN5814_IWATE_44B91EW.AT2", "RSN5874_SIERRA.MEX_SIL090.AT2"]


def _windows(tmp_path, ngaw2_dir, length):
    files = [ngaw2_dir / name for name in SHORT_RECORDS]
    if not all(f.is_file() for f in files):
        pytest.skip("RSN5000 / RSN5814 / RSN5874 records absent")
    out = tmp_path / f"s{length}.zarr"
    run_preprocess([str(f) for f in files], out, PreprocessConfig(length=length), progress=False, workers=1)
    s = open_store(out)
    return dict(zip(s.record_ids.tolist(), s.read()["broadband"].astype(np.float64)))


@pytest.mark.parametrize("length", [128, 256])
def test_a_short_window_holds_the_strong_motion(tmp_path, ngaw2_dir, length):
    """A window started 3 s before the 5 % Arias time whatever its length: at --length 256 these records' windows ended
    before the shaking, with 0.4-1.2 % of the Arias intensity of their 4096-sample windows and 10-21 % of their PGA
    (the strong-motion set's K-NET and CWB records at 128: e^-1.79 of BSSA14's PGA, judged a unit slip). A window
    shorter than ONSET_WINDOW_MIN_S now lies where it holds the most Arias intensity."""
    short, full = _windows(tmp_path, ngaw2_dir, length), _windows(tmp_path, ngaw2_dir, 4096)
    assert short.keys() == full.keys()
    for rid, x in short.items():
        assert np.abs(x).max() >= 0.99 * np.abs(full[rid]).max(), rid
        assert np.sum(x ** 2) >= 0.05 * np.sum(full[rid] ** 2), rid


def test_the_strongest_window_and_the_onset_rule():
    """The rule's two cases on a Husid curve: energy uniform but for a burst at samples 600-700 of 1000."""
    energy = np.ones(1000)
    energy[600:700] = 100.0
    husid = np.cumsum(energy) / energy.sum()
    assert first_window_start(husid, PreprocessConfig(length=100)) == 600
    assert first_window_start(husid, PreprocessConfig(length=2000)) == 0          # longer than the record
    onset = PreprocessConfig(length=int(ONSET_WINDOW_MIN_S * 100))                # 3 s before the 5 % Arias time
    assert first_window_start(husid, onset) == int(np.searchsorted(husid, 0.05)) - 300
