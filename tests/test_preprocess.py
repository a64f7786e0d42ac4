"""Scale regression and invariants of `preprocess` (ARCHITECTURE.md invariants 1, 3, 4, 7)."""
import numpy as np
import pytest
from scipy import signal

from seisdiff import G_MPS2, dsp
from seisdiff.io.store import open_store
from seisdiff.preprocess import PreprocessConfig, run_preprocess
from seisdiff.preprocess.condition import EDGE_CYCLES, EDGE_TOLERANCE
from synth import accelerogram, read_at2_values, write_at2
from seisdiff.preprocess.reference import scipy_preprocess

CFG = PreprocessConfig()


def _run(inputs, out, **kw):
    return run_preprocess([str(i) for i in inputs], out, kw.pop("cfg", CFG), progress=False, **kw)


def test_g_to_mps2_exactly_once(tmp_path):
    """The same motion declared in g and in cm/s² is stored identically, = g·9.80665 (m/s²)."""
    acc_g = accelerogram(1, n=5000, pga=0.3)
    write_at2(tmp_path / "a_g.AT2", acc_g, 0.01, units="G")
    write_at2(tmp_path / "a_cm.AT2", acc_g * G_MPS2 * 100, 0.01, units="CM/S/S")
    _run([tmp_path / "a_g.AT2"], tmp_path / "g.zarr")
    _run([tmp_path / "a_cm.AT2"], tmp_path / "cm.zarr")
    bb_g = open_store(tmp_path / "g.zarr").read()["broadband"]
    bb_cm = open_store(tmp_path / "cm.zarr").read()["broadband"]
    np.testing.assert_allclose(bb_g, bb_cm, rtol=1e-5, atol=1e-7 * np.abs(bb_g).max())
    values, dt = read_at2_values(tmp_path / "a_g.AT2")          # independent reading, in g
    ref_bb, _ = scipy_preprocess(values * G_MPS2, 1 / dt)
    stored_pga = open_store(tmp_path / "g.zarr").column("pga_broadband")[0]
    assert stored_pga == pytest.approx(np.abs(ref_bb).max(), rel=1e-4)
    assert stored_pga > 0.3 * G_MPS2 * 0.5   # m/s², not g: a 0.3 g record keeps PGA of order 3 m/s²


@pytest.mark.parametrize("k", [1e-3, 1.0, 1e3])
def test_linearity(tmp_path, k):
    acc = accelerogram(2, n=6000, pga=0.1)
    write_at2(tmp_path / "x.AT2", acc, 0.01)
    write_at2(tmp_path / "kx.AT2", acc * k, 0.01)
    _run([tmp_path / "x.AT2"], tmp_path / "x.zarr")
    _run([tmp_path / "kx.AT2"], tmp_path / "kx.zarr")
    a, b = open_store(tmp_path / "x.zarr").read(), open_store(tmp_path / "kx.zarr").read()
    for name in ("broadband", "lowpass"):
        np.testing.assert_allclose(b[name], a[name] * k, rtol=2e-5, atol=2e-6 * k * np.abs(a[name]).max())


def test_lowpass_is_filter_of_stored_broadband_and_band_limited(tmp_path):
    write_at2(tmp_path / "x.AT2", accelerogram(3, n=9000, fs_hz=200.0, pga=0.2), 0.005)
    _run([tmp_path / "x.AT2"], tmp_path / "x.zarr")
    s = open_store(tmp_path / "x.zarr")
    blk = s.read()
    bb, lp = blk["broadband"].astype(np.float64), blk["lowpass"]
    edge = int(EDGE_CYCLES / 1.0 * 100.0)   # the low band is filtered with the window's margins (condition.py)
    own = dsp.lowpass(bb, 100.0, 1.0)
    assert np.abs(lp - own)[..., edge:-edge].max() <= EDGE_TOLERANCE * np.abs(lp).max()
    sos = signal.butter(4, 1.0, "lowpass", fs=100.0, output="sos")
    own_scipy = signal.sosfiltfilt(sos, bb)
    np.testing.assert_allclose(lp[..., edge:-edge], own_scipy[..., edge:-edge], rtol=0,
                               atol=EDGE_TOLERANCE * np.abs(lp).max())
    values, dt = read_at2_values(tmp_path / "x.AT2")
    _, ref_lp = scipy_preprocess(values * G_MPS2, 1 / dt)       # SciPy, margins included: edges too
    np.testing.assert_allclose(lp[0, 0], ref_lp, rtol=0, atol=1e-5 * np.abs(ref_lp).max())
    freqs = np.fft.rfftfreq(s.length, 0.01)
    power = np.abs(np.fft.rfft(bb[0, 0])) ** 2
    assert power[freqs > 45].sum() / power.sum() < 1e-6        # band-pass 0.1–30 Hz, 8th-order effective
    lp_power = np.abs(np.fft.rfft(lp[0, 0].astype(float))) ** 2
    assert lp_power[freqs > 2.0].sum() / lp_power.sum() < 1e-3


def test_ngaw2_all_stored_pga_matches_scipy(tmp_path, ngaw2_dir):
    files = sorted(ngaw2_dir.glob("*.AT2"))
    summary = _run([ngaw2_dir], tmp_path / "nga.zarr", metadata_csv=str(ngaw2_dir / "metadata_partial.csv"))
    s = open_store(tmp_path / "nga.zarr")
    assert len(s) == len(files) == 60 and not summary.skipped
    pga = dict(zip(s.record_ids, s.column("pga_broadband")))
    for f in files:
        values, dt = read_at2_values(f)
        bb, _ = scipy_preprocess(values * G_MPS2, 1.0 / dt)
        assert pga[f"{f.stem}_w0"] == pytest.approx(np.abs(bb).max(), rel=0.02), f.name
    mag = dict(zip(s.record_ids, s.column("magnitude")))
    assert mag["RSN5000_CHUETSU_FKS031EW_w0"] == 6.8 and np.isnan(mag["RSN5878_SIERRA.MEX_IRF090_w0"])
    assert len(set(s.column("event"))) == 3


def test_three_components(tmp_path, ngaw2_dir):
    files = sorted(ngaw2_dir.glob("RSN500[01]_*.AT2")) + sorted(ngaw2_dir.glob("RSN5818_*.AT2"))
    summary = _run(files, tmp_path / "c3.zarr", components="3")
    s = open_store(tmp_path / "c3.zarr")
    assert s.n_channels == 3 and len(s) == 2
    assert sorted(s.record_ids) == ["RSN5000_CHUETSU_FKS031_w0", "RSN5001_CHUETSU_FKSH01_w0"]
    assert [f for f, _ in summary.skipped] == [str(ngaw2_dir / "RSN5818_IWATE_48A61UD.AT2")]
    bb = s.read()["broadband"]
    # channel order H1 (NS), H2 (EW), Z (UD): the vertical is usually the weakest
    assert np.all(np.abs(bb[:, 2]).max(-1) < np.abs(bb[:, :2]).max(-1).max(-1))


def test_windows(tmp_path):
    rng = np.random.default_rng(4)
    acc = signal.sosfilt(signal.butter(4, [0.5, 20], "bandpass", fs=100, output="sos"), rng.normal(size=30000))
    acc[:2000] = 0.0                                  # 280 s of steady motion after 20 s of quiet
    write_at2(tmp_path / "long.AT2", acc, 0.01)
    _run([tmp_path / "long.AT2"], tmp_path / "w.zarr",
         cfg=PreprocessConfig(length=4096, windows=4))       # onset windows: 3 s before 5 % Arias (condition.py)
    s = open_store(tmp_path / "w.zarr")
    assert s.record_ids.tolist() == ["long_w0", "long_w1", "long_w2", "long_w3"]
    bb = s.read()["broadband"][:, 0].astype(float)
    # consecutive windows tile one filtered record: compare with filtering the whole record at once
    x = signal.detrend(acc * G_MPS2) * signal.windows.tukey(len(acc), 0.1)   # file in g → m/s²
    full = signal.sosfiltfilt(signal.butter(4, [0.1, 30], "bandpass", fs=100, output="sos"), x)
    start = int(np.searchsorted(np.cumsum(x ** 2) / np.sum(x ** 2), 0.05)) - 300
    tiles = np.stack([full[start + k * 4096:start + (k + 1) * 4096] for k in range(4)])
    np.testing.assert_allclose(bb, tiles, atol=1e-3 * np.abs(full).max())


def test_bounded_map_keeps_order_and_reads_only_so_far_ahead():
    """preprocess's readers run at most `ahead` files ahead of the conditioning (Executor.map would read
    every file at once and hold all their records in memory)."""
    from concurrent.futures import ThreadPoolExecutor

    from seisdiff.preprocess.run import bounded_map

    submitted = []

    def fn(i):
        submitted.append(i)
        return i * i

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = bounded_map(pool, fn, range(100), ahead=5)
        assert next(results) == 0
        assert len(submitted) <= 6            # the one yielded and the five ahead of it
        assert list(results) == [i * i for i in range(1, 100)]
    assert sorted(submitted) == list(range(100))
