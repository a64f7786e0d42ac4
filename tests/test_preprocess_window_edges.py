"""The stored low band of a window cut from inside a record has no edge transient (seisdiff.preprocess.condition).

A window starts 3 s before 5 % of the Arias intensity, often inside the motion. Its low band was once the
low-pass of the cut window alone: odd reflection about the first sample (sosfiltfilt's padding) pinned the
low band's first sample to the broadband's value there, high frequencies included (NGA-West2 RSN5820 NS:
low-band peak 0.303 m/s² at the first sample, the record's low band in that window peaks at 0.064 m/s²).
"""
import numpy as np
import pytest
from scipy import signal

from seisdiff import G_MPS2, dsp
from seisdiff.io.store import open_store
from seisdiff.preprocess import PreprocessConfig, condition_group, run_preprocess
from seisdiff.preprocess.condition import EDGE_CYCLES, EDGE_TOLERANCE
from seisdiff.preprocess.reference import scipy_preprocess

FS_HZ = 100.0
LOW_HZ, LOW_AMP_MPS2 = 0.3, 0.05      # the record's low band: a sinusoid over the whole record
HF_HZ, HF_AMP_MPS2 = 10.0, 1.0        # strong motion 20× the low band, with a smooth 2 s onset


def _record(duration_s=200.0, onset_s=60.0, offset_mps2=0.0):
    """(n,) m/s²: a LOW_HZ sinusoid throughout, a HF_HZ burst from onset_s, and a baseline offset."""
    t = np.arange(int(duration_s * FS_HZ)) / FS_HZ
    rise = np.clip((t - onset_s) / 2.0, 0.0, 1.0)
    env = 0.5 - 0.5 * np.cos(np.pi * rise)
    return (LOW_AMP_MPS2 * np.sin(2 * np.pi * LOW_HZ * t) + HF_AMP_MPS2 * env * np.sin(2 * np.pi * HF_HZ * t)
            + offset_mps2), t


def _gain(kind, cutoffs_hz, f_hz):
    """|H(f)|² of the zero-phase order-4 Butterworth (closed-form response of the forward–backward filter)."""
    sos = signal.butter(4, cutoffs_hz, kind, fs=FS_HZ, output="sos")
    return float(np.abs(signal.sosfreqz(sos, worN=[f_hz], fs=FS_HZ)[1][0]) ** 2)


@pytest.mark.parametrize("offset_mps2", [0.0, 0.3])
def test_window_inside_strong_motion_low_band_has_no_edge_transient(offset_mps2):
    acc, t = _record(offset_mps2=offset_mps2)
    cfg = PreprocessConfig()
    bb, lp = condition_group(acc[None], FS_HZ, cfg)
    bb, lp = bb[0, 0].astype(float), lp[0, 0].astype(float)
    assert np.abs(bb[:100]).max() > 0.5 * HF_AMP_MPS2            # the window starts inside the strong motion
    # closed form: inside the window (far from the record's tapered ends) the low band is the sinusoid times
    # the band-pass and low-pass gains at LOW_HZ; the HF burst is 1e-8 down at 10 Hz
    _, ref_lp = scipy_preprocess(acc, FS_HZ)
    t0_s = _window_start_s(acc, t)
    want = (_gain("bandpass", [0.1, 30.0], LOW_HZ) * _gain("lowpass", 1.0, LOW_HZ) * LOW_AMP_MPS2
            * np.sin(2 * np.pi * LOW_HZ * (t0_s + np.arange(cfg.length) / FS_HZ)))
    edge_error = np.abs(lp - want)
    assert edge_error[:100].max() < 0.02 * LOW_AMP_MPS2, "edge transient in the window's first second"
    assert edge_error.max() < 0.02 * LOW_AMP_MPS2
    np.testing.assert_allclose(lp, ref_lp, rtol=0, atol=1e-4 * np.abs(ref_lp).max())   # SciPy, margins and all


def _window_start_s(acc, t):
    """Start time of the first window, as the documented rule places it (3 s before 5 % Arias)."""
    x = signal.detrend(acc, type="linear") * signal.windows.tukey(len(acc), alpha=0.1)
    husid = np.cumsum(x ** 2) / np.sum(x ** 2)
    return t[int(np.searchsorted(husid, 0.05))] - 3.0


def test_stored_low_band_is_filter_of_broadband_away_from_window_edges():
    """Invariant 4 on a window inside strong motion: dsp.lowpass(stored broadband) beyond EDGE_CYCLES periods."""
    acc, _ = _record()
    cfg = PreprocessConfig()
    bb, lp = condition_group(acc[None], FS_HZ, cfg)
    k = int(EDGE_CYCLES / cfg.lowpass_hz * FS_HZ)
    own = dsp.lowpass(bb.astype(np.float64), FS_HZ, cfg.lowpass_hz)
    assert np.abs(lp - own)[..., k:-k].max() <= EDGE_TOLERANCE * np.abs(lp).max()


def test_ngaw2_window_low_band_peak_is_the_records(tmp_path, ngaw2_dir):
    """RSN5820 NS: its window starts 24 s into the record; the stored low band peaks where the record's does."""
    path = ngaw2_dir / "RSN5820_IWATE_4CAB1NS.AT2"
    if not path.is_file():
        pytest.skip("RSN5820_IWATE_4CAB1NS.AT2 absent")
    run_preprocess([str(path)], tmp_path / "s.zarr", PreprocessConfig(), progress=False)
    s = open_store(tmp_path / "s.zarr")
    lp = s.read()["lowpass"][0, 0].astype(float)
    values = np.array(" ".join(path.read_text().splitlines()[4:]).split(), dtype=float) * G_MPS2
    _, ref_lp = scipy_preprocess(values, 100.0)
    assert np.abs(lp).argmax() >= FS_HZ                          # not in the first second
    assert s.column("pga_lowpass")[0] == pytest.approx(np.abs(ref_lp).max(), rel=1e-3)   # 0.0644, not 0.303 m/s²
    np.testing.assert_allclose(lp, ref_lp, rtol=0, atol=1e-4 * np.abs(ref_lp).max())
