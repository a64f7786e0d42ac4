"""Generation in physical units: scale integrity, the low-frequency merge, windows, determinism across
batch sizes and shards, and the `sample` command (zarr and file outputs, waveform conditioning,
resume, torchrun shards). A tiny model is trained once for this module (~300 steps)."""
import copy
import json
from types import SimpleNamespace

import numpy as np
import obspy
import pytest
import torch
from synth import accelerogram, train_tiny, write_at2
from test_scaling import make_store

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.engine.checkpoint import save_checkpoint
from seisdiff.engine.config import TrainConfig
from seisdiff.engine.denoiser import load_denoiser
from seisdiff.engine.generate import DEFAULT_SAMPLER, crossfade_layout, generate, record_seed
from seisdiff.engine.lfmerge import lf_merge
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.evaluate import lowband_consistency
from seisdiff.io.readers import read
from seisdiff.io.store import open_store


FS, LOWPASS_HZ, LENGTH = 100.0, 1.0, 512


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors on a shared 2-core machine: one intra-op thread is many times faster."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny model trained 300 steps on 32 synthetic records of 512 samples; its checkpoint records
    the training store's settings under "store" (rate, window, filters)."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("tiny")
    store = make_store(root / "train.zarr", n=32, length=LENGTH)
    model, schedule, scaler, cfg = train_tiny(store, np.arange(len(store)), steps=300)
    step = 300
    spec = {"sampling_rate_hz": FS, "lowpass_hz": LOWPASS_HZ, "length": LENGTH, "band_hz": [0.1, 30.0],
            "n_channels": 1, "preprocess": {"min_duration_s": 5.0, "margin_s": 10.0}}
    payload = {"epoch": 1, "step": step, "model": model.state_dict(), "ema": model.state_dict(),
               "scaling": scaler.to_dict(), "config": cfg.to_dict(), "store": spec}
    ckpt = save_checkpoint(root / "tiny.pt", payload)
    bare = save_checkpoint(root / "bare.pt", {k: v for k, v in payload.items() if k != "store"})
    denoiser, config, scaler = load_denoiser(ckpt)
    return SimpleNamespace(root=root, store=store, ckpt=ckpt, bare=bare, denoiser=denoiser, config=config,
                           scaler=scaler)


def _generate(tiny, lowpass_mps2, ids, **kw):
    """Deterministic DDIM at 10 steps unless told: these tests are about scale, merge and seeding, and
    ancestral sampling at so few steps adds noise that a 300-step model cannot remove."""
    kw = {"realizations": 1, "steps": 10, "sampler": "ddim", "fs_hz": FS, "lowpass_hz": LOWPASS_HZ, **kw}
    return {(rid, k): acc for rid, k, acc in generate(tiny.denoiser, tiny.scaler, tiny.config, lowpass_mps2, ids, **kw)}


def _corr(a, b):
    return (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))


def test_output_amplitude_follows_the_conditioning_scale(tiny):
    """Conditioning ×1e-3, ×1, ×1e3: PGA(out)/PGA(cond) stays in the training records' range."""
    blk = tiny.store.read(0, 6)
    ids = tiny.store.record_ids[:6].tolist()
    train = tiny.store.read()
    train_ratio = np.abs(train["broadband"]).max(axis=(1, 2)) / np.abs(train["lowpass"]).max(axis=(1, 2))
    for k in (1e-3, 1.0, 1e3):
        cond = blk["lowpass"] * np.float32(k)
        out = np.stack(list(_generate(tiny, cond, ids, lf_merge=False).values()))
        assert np.all(np.isfinite(out))
        ratio = np.abs(out).max(axis=(1, 2)) / np.abs(cond).max(axis=(1, 2))
        assert np.all((ratio > 0.5 * train_ratio.min()) & (ratio < 2.0 * train_ratio.max())), (k, ratio, train_ratio)


def test_exact_equivariance_without_the_amplitude_scalar(tiny):
    """With the log-scale scalar's input weights zeroed the model sees the same model-space input for
    any k, so the whole pipeline (scaling in, sampling, scaling out, merge) must return k × the output."""
    denoiser = copy.deepcopy(tiny.denoiser)
    with torch.no_grad():
        denoiser.model.scalar_mlp[0].weight[:, 0] = 0.0          # value column of scalar 0 = log-scale
    net = SimpleNamespace(**{**vars(tiny), "denoiser": denoiser})
    blk = tiny.store.read(0, 3)
    ids = tiny.store.record_ids[:3].tolist()
    ref = _generate(net, blk["lowpass"], ids, realizations=2)
    for k in (1e-3, 1e3):
        out = _generate(net, blk["lowpass"] * np.float32(k), ids, realizations=2)
        for key, acc in ref.items():
            np.testing.assert_allclose(out[key], k * acc.astype(np.float64), rtol=1e-4, atol=1e-6 * k * np.abs(acc).max())


def test_lf_merge_reproduces_the_conditioning(tiny):
    blk = tiny.store.read(0, 8)
    ids = tiny.store.record_ids[:8].tolist()
    raw = np.stack(list(_generate(tiny, blk["lowpass"], ids, lf_merge=False).values())).astype(np.float64)
    merged = np.stack(list(_generate(tiny, blk["lowpass"], ids).values())).astype(np.float64)
    corr_raw, _ = lowband_consistency(raw, blk["lowpass"], FS, LOWPASS_HZ)
    corr, amp = lowband_consistency(merged, blk["lowpass"], FS, LOWPASS_HZ)
    assert corr.min() > 0.999 and np.all(np.abs(amp - 1.0) < 0.01), (corr, amp)
    assert corr_raw.min() < 0.99                      # the tiny model alone does not get there
    # the high band is the model's: above twice the crossover the merge changes little
    hp = lambda x: x - lowpass(x, FS, 2 * LOWPASS_HZ)
    assert np.linalg.norm(hp(merged - raw)) < 0.05 * np.linalg.norm(hp(raw))


def test_lf_merge_one_pass_and_fixed_point():
    rng = np.random.default_rng(0)
    broadband = np.stack([accelerogram(s, n=1000, pga=0.05) for s in range(4)])[:, None]
    cond = lowpass(broadband, FS, LOWPASS_HZ)
    generated = np.stack([accelerogram(10 + s, n=1000, pga=0.05) for s in range(4)])[:, None]
    generated += rng.normal(0, 1e-3, generated.shape)
    one = lf_merge(generated, cond, FS, LOWPASS_HZ, tol=np.inf)            # the Broadband Platform merge
    np.testing.assert_allclose(one, cond + generated - lowpass(generated, FS, LOWPASS_HZ), rtol=0, atol=1e-15)
    # a record whose low band is already the conditioning's is left as it is
    np.testing.assert_allclose(lf_merge(broadband, cond, FS, LOWPASS_HZ), broadband, rtol=0, atol=1e-12)
    merged = lf_merge(generated, cond, FS, LOWPASS_HZ)
    residual = np.linalg.norm(lowpass(merged, FS, LOWPASS_HZ) - cond, axis=-1) / np.linalg.norm(cond, axis=-1)
    assert residual.max() <= 0.02 < (np.linalg.norm(lowpass(one, FS, LOWPASS_HZ) - cond, axis=-1)
                                     / np.linalg.norm(cond, axis=-1)).max()
    # linear and per trace: each trace merged alone gives the same
    np.testing.assert_allclose(lf_merge(generated[2:3], cond[2:3], FS, LOWPASS_HZ), merged[2:3], rtol=0, atol=1e-15)


@pytest.mark.parametrize("length,window", [(512, 512), (300, 512), (1200, 512), (1001, 257), (2048, 512)])
def test_crossfade_weights_are_complementary(length, window):
    starts, weights = crossfade_layout(length, window)
    total = np.zeros(max(length, window))
    for start, w in zip(starts, weights):
        total[start:start + window] += w
    np.testing.assert_allclose(total[:length], 1.0, rtol=0, atol=1e-12)
    assert starts[0] == 0 and (length <= window or starts[-1] + window == length)
    assert np.all(np.diff(starts) <= (window + 1) // 2) and weights.min() >= 0 and weights.max() <= 1


class _Echo(torch.nn.Module):
    """A stand-in denoiser whose x0 estimate is twice the model-space conditioning."""

    def __init__(self):
        super().__init__()
        self.schedule = CosineSchedule()
        self.sigma_min, self.sigma_max = self.schedule.sigma_ve_min, self.schedule.sigma_ve_max

    def forward(self, x, sigma, cond_model, scalars):
        return 2.0 * cond_model


@pytest.mark.parametrize("length", [300, 512, 1337])
def test_windows_scale_and_crossfade_in_physical_units(length):
    """Each window is scaled by its own conditioning and back; the cross-fade must give 2 × cond exactly."""
    cond = np.stack([accelerogram(s, n=length, pga=10.0 ** -s) for s in range(3)])[:, None].astype(np.float32)
    net = SimpleNamespace(denoiser=_Echo(), scaler=Scaler(global_factor=3.0), config=TrainConfig())
    out = _generate(net, cond, ["a", "b", "c"], sampler="ddim", window=512, lf_merge=False)
    for i, rid in enumerate("abc"):
        assert out[(rid, 0)].shape == (1, length)
        np.testing.assert_allclose(out[(rid, 0)], 2.0 * cond[i], rtol=1e-5, atol=1e-7 * np.abs(cond[i]).max())


def test_same_results_across_batch_sizes_shards_and_order(tiny):
    lp = tiny.store.read(0, 5)["lowpass"]
    lp = np.concatenate([lp, lp[:, :, ::-1]], axis=-1)                 # 1024 samples: 3 windows of 512
    ids = tiny.store.record_ids[:5].tolist()
    one = _generate(tiny, lp, ids, realizations=2, batch_size=1)
    three = _generate(tiny, lp, ids, realizations=2, batch_size=3)
    shards = {**_generate(tiny, lp[0::2], ids[0::2], realizations=2, batch_size=3),
              **_generate(tiny, lp[1::2][::-1], ids[1::2][::-1], realizations=2, batch_size=2)}
    assert list(one) == list(three) and sorted(shards) == sorted(one)
    for key, acc in one.items():
        # equal up to float32 convolution rounding, which depends on the batch shape
        for other in (three, shards):
            np.testing.assert_allclose(other[key], acc, rtol=0, atol=1e-5 * np.abs(acc).max())


def test_realizations_differ_and_seeds_reproduce(tiny):
    blk = tiny.store.read(0, 2)
    ids = tiny.store.record_ids[:2].tolist()
    out = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False)
    again = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False)
    other_seed = _generate(tiny, blk["lowpass"], ids, realizations=3, lf_merge=False, seed=1)
    for rid in ids:
        for k in range(3):
            np.testing.assert_array_equal(again[(rid, k)], out[(rid, k)])
            assert _corr(other_seed[(rid, k)][0], out[(rid, k)][0]) < 0.95
            for j in range(k):
                assert _corr(out[(rid, j)][0], out[(rid, k)][0]) < 0.95
    assert len({record_seed(0, rid, k) for rid in ids for k in range(3)}) == 6


def _sample(*args):
    return main(["sample", "--no-progress", "--steps", "10", *map(str, args)])


def test_cli_zarr_end_to_end_and_resume(tiny, tmp_path, capsys):
    cond = make_store(tmp_path / "cond.zarr", n=5, length=LENGTH, seed=7)
    out = tmp_path / "gen.zarr"
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--realizations", 1) == 0
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 0
    assert "5 realizations generated (5 already written)" in capsys.readouterr().out
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 0
    assert "0 realizations generated (10 already written)" in capsys.readouterr().out
    fresh = tmp_path / "fresh.zarr"
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", fresh, "--realizations", 2) == 0

    gen, ref, src = open_store(out), open_store(fresh), cond.read()
    assert len(gen) == 10 and len(set(gen.record_ids.tolist())) == 10 and gen.attrs["units"] == "m/s^2"
    resumed = gen.read()["broadband"][np.argsort(gen.record_ids)]
    in_one_go = ref.read()["broadband"][np.argsort(ref.record_ids)]
    np.testing.assert_allclose(resumed, in_one_go, rtol=0, atol=1e-5 * np.abs(in_one_go).max())
    sources, ks = gen.column("source_record_id"), gen.column("realization")
    rows = [cond.record_ids.tolist().index(s) for s in sources]
    assert gen.record_ids.tolist() == [f"{s}_r{k}" for s, k in zip(sources, ks)]
    np.testing.assert_array_equal(gen.read()["lowpass"], src["lowpass"][rows])     # the conditioning, as given
    np.testing.assert_array_equal(gen.column("magnitude"), cond.column("magnitude")[rows])
    corr, _ = lowband_consistency(gen.read()["broadband"], src["lowpass"][rows], FS, LOWPASS_HZ)
    assert corr.min() > 0.999
    np.testing.assert_allclose(gen.column("pga_broadband"), np.abs(gen.read()["broadband"]).max(axis=(1, 2)))
    config = json.loads((out / "sample_config.json").read_text())
    settings = (config["sampler"], config["steps"], config["evaluations"], config["lf_merge"])
    assert settings == (DEFAULT_SAMPLER, 10, 10, True)

    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--seed", 5) == 2
    assert "other settings" in capsys.readouterr().err                 # never mix two runs in one output


def test_cli_files_round_trip_through_our_readers_and_obspy(tiny, tmp_path):
    cond = make_store(tmp_path / "cond.zarr", n=2, length=LENGTH, seed=3)
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", tmp_path / "ref.zarr") == 0
    ref = open_store(tmp_path / "ref.zarr")
    expected = dict(zip(ref.record_ids.tolist(), ref.read()["broadband"][:, 0].astype(np.float64)))
    for fmt, ext in (("at2", "AT2"), ("mseed", "mseed"), ("sac", "sac")):
        out = tmp_path / fmt
        assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--format", fmt) == 0
        for name, acc in expected.items():
            path = out / f"{name}.{ext}"
            (rec,) = read(path, units="m/s^2" if fmt == "mseed" else None)
            assert rec.record_id == name and rec.sampling_rate_hz == FS
            # AT2: 8 significant digits in g; SAC: float32 nm/s²; miniSEED: float64 m/s², exact
            np.testing.assert_allclose(rec.acc_mps2, acc, rtol=1e-6, atol=1e-7 * np.abs(acc).max())
            if fmt == "mseed":
                np.testing.assert_array_equal(obspy.read(str(path))[0].data, acc)
            elif fmt == "sac":
                np.testing.assert_allclose(obspy.read(str(path))[0].data * 1e-9, acc, rtol=1e-6,
                                           atol=1e-7 * np.abs(acc).max())
        assert json.loads((out / "sample_config.json").read_text())["format"] == fmt


def test_cli_waveform_conditioning(tiny, tmp_path, capsys):
    folder = tmp_path / "lf"
    folder.mkdir()
    for s in range(3):   # 12 s records in g
        write_at2(folder / f"SYN{s}.AT2", accelerogram(s, n=1200, pga=0.02 * (s + 1)), 0.01, station=f"ST{s}")
    out = tmp_path / "gen.zarr"
    assert _sample("--checkpoint", tiny.ckpt, "--cond", folder, "--out", out) == 0
    cond, gen = open_store(tmp_path / "gen_conditioning.zarr"), open_store(out)
    # whole records: 1200 samples each, not a training window of LENGTH (tests/test_sample_time_axis.py)
    assert len(cond) == 3 and len(gen) == 3 and cond.length == gen.length == 1200
    np.testing.assert_array_equal(cond.column("n_samples"), 1200)
    # the conditioning is the training filter applied to the preprocessed record
    lp, bb = cond.read()["lowpass"], cond.read()["broadband"].astype(np.float64)
    np.testing.assert_allclose(lp, lowpass(bb, FS, LOWPASS_HZ), rtol=0, atol=1e-6 * np.abs(lp).max())
    assert sorted(gen.column("source_record_id")) == sorted(cond.record_ids)
    assert _sample("--checkpoint", tiny.bare, "--cond", folder, "--out", tmp_path / "x.zarr") == 2
    assert "does not record its training data" in capsys.readouterr().err


def test_cli_torchrun_shards_merge_to_the_single_process_output(tiny, tmp_path, monkeypatch):
    cond = make_store(tmp_path / "cond.zarr", n=5, length=LENGTH, seed=11)
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", tmp_path / "one.zarr",
                   "--realizations", 2) == 0
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in (1, 0):
        monkeypatch.setenv("RANK", str(rank))
        assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", tmp_path / "two",
                       "--realizations", 2) == 0
    ranks = [open_store(tmp_path / "two" / f"rank{r}.zarr") for r in range(2)]
    assert sorted(set(ranks[0].column("source_record_id"))) == cond.record_ids[0::2].tolist()
    assert sorted(set(ranks[1].column("source_record_id"))) == cond.record_ids[1::2].tolist()
    one, merged = open_store(tmp_path / "one.zarr"), open_store(tmp_path / "two" / "samples.zarr")
    assert sorted(merged.record_ids) == sorted(one.record_ids)
    a = one.read()["broadband"][np.argsort(one.record_ids)]
    b = merged.read()["broadband"][np.argsort(merged.record_ids)]
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * np.abs(a).max())


def test_default_checkpoint_missing_is_a_clear_error(tmp_path, capsys):
    from seisdiff.commands.sample import resolve_checkpoint

    try:
        resolve_checkpoint("default")
    except Exception:
        assert _sample("--checkpoint", "default", "--cond", tmp_path, "--out", tmp_path / "o.zarr") == 2
        assert "pretrained default model is not installed" in capsys.readouterr().err
    else:
        pytest.skip("the pretrained default model is installed")


def test_cli_choices_match_the_engine():
    from seisdiff.commands import sample
    from seisdiff.engine import samplers

    assert sample.SAMPLER_CHOICES == list(samplers.SAMPLERS) and sample.DEFAULT_SAMPLER == DEFAULT_SAMPLER


def test_kappa_s_reaches_a_kappa_trained_model_and_is_recorded(tmp_path, capsys):
    """--kappa-s sets κ for every record: a model trained with kappa_s generates differently for
    0.02 and 0.08 s (same seed), the output store records the κ used; a model trained without it
    says so and is unchanged."""
    from test_train import TINY_TOML

    store = make_store(tmp_path / "s.zarr", n=12, length=256, columns={"kappa_s": np.linspace(0.02, 0.08, 12)})
    fields = 'metadata_fields = ["magnitude", "distance_km", "vs30_mps", "kappa_s"]\n'
    for name, toml in (("k", TINY_TOML + fields), ("plain", TINY_TOML)):
        (tmp_path / f"{name}.toml").write_text(toml)
        assert main(["train", "--data", str(store.path), "--config", str(tmp_path / f"{name}.toml"),
                     "--checkpoint-dir", str(tmp_path / name), "--epochs", "1"]) == 0

    def generated(run, kappa):
        out = tmp_path / f"{run}_{kappa}.zarr"
        assert main(["sample", "--checkpoint", str(tmp_path / run / "last.pt"), "--cond", str(store.path),
                     "--out", str(out), "--steps", "4", "--no-progress", "--kappa-s", str(kappa)]) == 0
        return open_store(out)

    a, b = generated("k", 0.02), generated("k", 0.08)
    assert not np.allclose(a.read(0, 3)["broadband"], b.read(0, 3)["broadband"])
    np.testing.assert_array_equal(b.column("kappa_s"), 0.08)
    capsys.readouterr()
    c, d = generated("plain", 0.02), generated("plain", 0.08)
    assert "not trained with kappa_s" in capsys.readouterr().out
    np.testing.assert_array_equal(c.read(0, 3)["broadband"], d.read(0, 3)["broadband"])


def test_compare_samplers_bias_sign_and_both_spectra(monkeypatch):
    """A stand-in `generate` whose 'ddim' output is twice the reference's: PSA and FAS bias
    ln(reference/candidate) = −ln 2 at every period and frequency (both linear in amplitude); the
    reference rerun with another seed (here identical) is the zero noise floor."""
    import seisdiff.engine.generate as gen_mod

    base = np.stack([accelerogram(s, n=1024) for s in range(3)])[:, None]

    def fake(denoiser, scaler, config, lowpass_mps2, ids, *, realizations, sampler, **kw):
        for i, rid in enumerate(ids):
            for k in range(realizations):
                yield rid, k, (2.0 if sampler == "ddim" else 1.0) * (1.0 + 0.1 * k) * base[i]

    monkeypatch.setattr(gen_mod, "generate", fake)
    rows = gen_mod.compare_samplers(None, None, None, base, ["a", "b", "c"], FS, candidates=[("ddim", 5)],
                                    reference=("ddpm", 7), realizations=2)
    ref, floor, cand = rows
    assert ref["reference"] and floor["noise_floor"] and not cand["noise_floor"]
    for key, n in (("psa", len(gen_mod.COMPARE_PERIODS_S)), ("fas", len(gen_mod.COMPARE_FREQS_HZ))):
        np.testing.assert_allclose(cand[f"{key}_bias"], -np.log(2.0), atol=1e-4)
        assert len(cand[f"{key}_bias"]) == n
        assert cand[f"{key}_band_bias"] == pytest.approx(-np.log(2.0), abs=1e-4)
        assert floor[f"max_abs_{key}_bias"] == 0.0
    assert cand["evaluations"] == 5
