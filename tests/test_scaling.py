"""Scale integrity: the one physical ↔ model conversion, and the old project's three bugs as regressions.

Bug 1/2 (loader "denormalized" raw broadband/lowpass by a PGA): model batches must come back to the
stored arrays exactly through `to_physical`, and a PGA column must change nothing. Bug 3 (statistics on
rescaled data): `fit_scaling` must equal NumPy on the store's raw arrays. And noise and signal must
meet at the same model scale: std(x_model)/std(eps) ≈ 1.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from synth import make_store

from seisdiff.dsp import bandpass, lowpass
from seisdiff.engine.config import DataConfig
from seisdiff.engine.data import BatchLoader, RecordPool, make_batch, split_indices
from seisdiff.engine.scaling import Scaler, fit_scaling
from seisdiff.io.store import create_store, open_store
from seisdiff.kernels import reference


signals = st.integers(0, 10_000).map(lambda s: np.random.default_rng(s).normal(size=(3, 2, 64)).astype(np.float32))


@settings(max_examples=40, deadline=None)
@given(signals, st.floats(1e-3, 1e3), st.floats(0.05, 20.0))
def test_round_trip_and_amplitude_invariance(x, k, g):
    scaler = Scaler(global_factor=g)
    lp = x * 0.3
    x_model, cond_model, log_scale = scaler.to_model(x, lp)
    np.testing.assert_allclose(scaler.to_physical(x_model, log_scale), x, rtol=2e-6, atol=0)
    np.testing.assert_allclose(scaler.to_physical(cond_model, log_scale), lp, rtol=2e-6, atol=0)
    xk, ck, log_k = scaler.to_model(k * x, k * lp)                # any k > 0: the same model input
    np.testing.assert_allclose(xk, x_model, rtol=1e-5)
    np.testing.assert_allclose(ck, cond_model, rtol=1e-5)
    np.testing.assert_allclose(log_k - log_scale, np.log(np.float32(k) * 1.0), rtol=0, atol=1e-6)
    # the scale comes from the conditioning only: max|cond_model| = 1/g whatever the broadband
    np.testing.assert_allclose(np.abs(cond_model).max(axis=(1, 2)), 1.0 / g, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(signals)
def test_torch_and_numpy_agree(x):
    scaler = Scaler(global_factor=2.5)
    xn, cn, ln = scaler.to_model(x, x[:, :, ::-1] * 0.1)
    xt, ct, lt = scaler.to_model(torch.from_numpy(x), torch.from_numpy(x[:, :, ::-1].copy() * 0.1))
    np.testing.assert_allclose(xt.numpy(), xn, rtol=1e-6)
    np.testing.assert_allclose(lt.numpy(), ln, rtol=1e-12)
    np.testing.assert_allclose(scaler.to_physical(xt, lt).numpy(), x, rtol=2e-6)
    cond_only, log_only = scaler.cond_to_model(x)
    np.testing.assert_allclose(cond_only, scaler.to_model(x, x)[1])


def test_zero_conditioning_is_floored():
    scaler = Scaler()
    x_model, cond, log_scale = scaler.to_model(np.ones((1, 1, 8), np.float32), np.zeros((1, 1, 8), np.float32))
    assert np.isfinite(x_model).all() and np.isfinite(cond).all()
    assert log_scale[0] == pytest.approx(np.log(scaler.eps_mps2))


def _numpy_reference(lp, reference):
    """Independent NumPy amplitude reference of (n, C, L) lowpass records at 100 Hz, 1 Hz, order 4."""
    if reference == "peak":
        return np.abs(lp).max(axis=(1, 2))
    n_fft = max(lp.shape[-1], 2048)                              # zero-padded to 16 periods of 1 Hz
    f = np.fft.rfftfreq(n_fft, 0.01)
    power = (np.abs(np.fft.rfft(lp, n=n_fft, axis=-1) * 0.01) * (1 + f**8)) ** 2    # |X|²/G²
    edges = np.geomspace(0.35, 0.9, 6)
    logs = [np.log(power[..., (f >= a) & (f < b)].mean(-1)) for a, b in zip(edges[:-1], edges[1:])
            if ((f >= a) & (f < b)).any()]
    return np.exp(0.5 * np.mean(logs, axis=0).mean(axis=-1))                         # mean over bins, channels


@pytest.mark.parametrize("reference,n_channels", [("peak", 1), ("spectral", 1), ("spectral", 3)])
def test_fit_scaling_equals_numpy_on_raw_store(tmp_path, reference, n_channels):
    """Bug 3: statistics on the raw arrays as stored (a subset of records, read in several blocks)."""
    store = make_store(tmp_path / "s.zarr", n=11, n_channels=n_channels)
    indices = np.array([0, 2, 3, 5, 7, 8, 10])
    scaler = fit_scaling(store, indices, block_records=3, reference=reference)
    assert (scaler.reference, scaler.sampling_rate_hz, scaler.lowpass_hz, scaler.filter_order) == (reference, 100.0, 1.0, 4)
    raw = store.read(0, len(store))
    bb, lp = raw["broadband"][indices].astype(np.float64), raw["lowpass"][indices].astype(np.float64)
    level = _numpy_reference(lp, reference)
    g = np.median(bb.std(axis=(1, 2)) / level)
    assert scaler.global_factor == pytest.approx(g, rel=1e-9)
    assert scaler.log_scale_mean == pytest.approx(np.mean(np.log(level * g)), rel=1e-9)
    assert scaler.log_scale_std == pytest.approx(np.std(np.log(level * g)), rel=1e-9)
    x_model, _, _ = scaler.to_model(bb, lp)
    assert np.median(x_model.std(axis=(1, 2))) == pytest.approx(1.0, rel=1e-5)   # unit std by construction
    assert Scaler.from_dict(scaler.to_dict()) == scaler                            # as saved in checkpoints


def test_fit_scaling_uses_the_training_window(tmp_path):
    # a Fourier level grows as sqrt(duration), a std does not: the factor is fitted on what the model sees
    store = make_store(tmp_path / "s.zarr", n=6, length=1024)
    raw = store.read(0, len(store))
    scaler = fit_scaling(store, np.arange(6), window=512)
    crop = slice(256, 768)
    x_model, _, _ = scaler.to_model(raw["broadband"][..., crop], raw["lowpass"][..., crop])
    assert np.median(x_model.std(axis=(1, 2))) == pytest.approx(1.0, rel=1e-5)


def test_checkpoints_from_before_the_spectral_reference_load_as_peak():
    from seisdiff.engine.checkpoint import migrate

    old = {"global_factor": 2.0, "log_scale_mean": -3.0, "log_scale_std": 1.5, "eps_mps2": 1e-8}
    scaler = Scaler.from_dict(migrate({"version": 1, "scaling": old, "config": {}})["scaling"])
    assert scaler.reference == "peak" and scaler.metadata == ("magnitude", "distance_km", "vs30_mps")
    lp = np.zeros((1, 1, 64))
    lp[0, 0, 10] = -0.25
    assert scaler.log_scale(lp)[0] == pytest.approx(np.log(0.25 * 2.0))


def test_loader_batches_return_exactly_to_stored_arrays(tmp_path):
    """Bugs 1 and 2: nothing multiplies stored arrays by a PGA; to_physical(batch) is the store."""
    store = make_store(tmp_path / "s.zarr", n=8)      # PGA columns 0.01–0.07 m/s²: a product would show
    assert store.column("pga_broadband").max() < 0.1
    scaler = fit_scaling(store, np.arange(8))
    cfg = DataConfig(flip_polarity=False, block_records=3)
    loader = BatchLoader(store, np.arange(8), scaler, cfg, batch_size=8, seed=0)
    (batch,), = list(loader.epoch(0))
    raw = store.read(0, 8)
    back_bb = scaler.to_physical(batch["x0"], batch["log_scale"]).numpy()
    back_lp = scaler.to_physical(batch["cond"], batch["log_scale"]).numpy()
    ids = [int(np.argmin(np.abs(raw["broadband"] - b).max(axis=(1, 2)))) for b in back_bb]  # loader shuffles
    assert sorted(ids) == list(range(8))
    np.testing.assert_allclose(back_bb, raw["broadband"][ids], rtol=2e-6, atol=1e-12)
    np.testing.assert_allclose(back_lp, raw["lowpass"][ids], rtol=2e-6, atol=1e-12)
    # model-space amplitudes are O(1), not O(PGA) or O(PGA²)
    assert 0.3 < float(batch["x0"].std()) < 3.0


def test_crops_and_flips_keep_the_pair_consistent(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=6, length=256)
    pool = RecordPool.read(store, np.arange(6), block_records=4)
    scaler = Scaler(global_factor=1.7)
    offsets, signs = np.array([0, 10, 50, 100, 3, 7]), np.array([1, -1, 1, -1, -1, 1])
    batch = make_batch(pool, np.arange(6), offsets, signs, 128, scaler, use_metadata=True)
    bb = scaler.to_physical(batch["x0"], batch["log_scale"]).numpy()
    lp = scaler.to_physical(batch["cond"], batch["log_scale"]).numpy()
    for i in range(6):
        sl = slice(offsets[i], offsets[i] + 128)
        np.testing.assert_allclose(bb[i], signs[i] * pool.broadband_mps2[i][:, sl], rtol=2e-6, atol=1e-12)
        np.testing.assert_allclose(lp[i], signs[i] * pool.lowpass_mps2[i][:, sl], rtol=2e-6, atol=1e-12)
    scalars = batch["scalars"].numpy()
    np.testing.assert_allclose(scalars[:, 1], store.column("magnitude")[:6] - 6.0, rtol=1e-6)
    assert np.isnan(scalars[:, 3]).all()                     # no Vs30 column: unknown, masked by the model


def test_noise_and_signal_meet_at_unit_scale_synthetic(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=12, length=1024)
    _check_noise_signal_ratio(store)


def test_noise_and_signal_meet_at_unit_scale_ngaw2(tmp_path, ngaw2_dir):
    from scipy.signal import resample_poly

    from seisdiff.io.readers import read
    records = [r for f in sorted(ngaw2_dir.glob("*.AT2"))[:24] for r in read(f)]
    windows = []
    for r in records:
        acc = r.acc_mps2 if r.sampling_rate_hz == 100 else resample_poly(r.acc_mps2, 100, int(r.sampling_rate_hz))
        acc = bandpass(acc, 100.0, 0.1, 30.0)
        start = int(np.clip(np.argmax(np.abs(acc)) - 1024, 0, max(len(acc) - 4096, 0)))
        if len(acc) >= 4096:
            windows.append(acc[start:start + 4096])
    bb = np.stack(windows)[:, None].astype(np.float32)
    w = create_store(tmp_path / "nga.zarr", sampling_rate_hz=100.0, length=4096, lowpass_hz=1.0)
    w.append(bb, lowpass(bb, 100.0, 1.0), [f"n{i}" for i in range(len(bb))])
    _check_noise_signal_ratio(open_store(tmp_path / "nga.zarr"))


def _check_noise_signal_ratio(store):
    train, _ = split_indices(store, 0.0, seed=0)
    scaler = fit_scaling(store, train)
    loader = BatchLoader(store, train, scaler, DataConfig(), batch_size=len(train), seed=0)
    (batch,), = list(loader.epoch(0))
    eps = reference.noise(7, batch["x0"].shape, "cpu")
    ratio = float(batch["x0"].std(dim=(1, 2)).median() / eps.std())
    assert 0.5 < ratio < 2.0, f"std(x_model)/std(eps) = {ratio}"


def test_metadata_fields_become_scalars_in_order_and_old_checkpoints_keep_three():
    """The Scaler names its model's metadata fields; scalars follow them, on their fixed scales."""
    log_scale = np.log([0.1, 0.2])
    meta = {"magnitude": np.array([6.0, 7.0]), "distance_km": np.array([np.sqrt(1000.0), 316.2]),
            "vs30_mps": np.array([500.0, np.nan]), "kappa_s": np.array([0.04, 0.08])}
    with_kappa = Scaler(metadata=("magnitude", "distance_km", "vs30_mps", "kappa_s"))
    s = with_kappa.scalars(log_scale, **meta).numpy()
    assert with_kappa.n_scalars == 5 and s.shape == (2, 5)
    np.testing.assert_allclose(s[:, 1:3], [[0.0, 0.0], [1.0, 2.0]], atol=1e-4)  # M−6; (log10 R − 1.5)/0.5
    assert s[0, 3] == pytest.approx(0.0, abs=1e-6) and np.isnan(s[1, 3])
    np.testing.assert_allclose(s[:, 4], [0.0, 2.0], atol=1e-6)        # (κ − 0.04 s) / 0.02 s
    # a model trained without κ ignores it; a missing field is unknown for every record
    default = Scaler()
    assert default.metadata == ("magnitude", "distance_km", "vs30_mps") and default.n_scalars == 4
    np.testing.assert_array_equal(default.scalars(log_scale, **meta).numpy(), s[:, :4])
    assert np.isnan(with_kappa.scalars(log_scale, magnitude=meta["magnitude"]).numpy()[:, 2:]).all()
    assert Scaler.from_dict(with_kappa.to_dict()) == with_kappa
    with pytest.raises(ValueError, match="unknown"):
        Scaler(metadata=("kappa",))
