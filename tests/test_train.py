"""Training: a tiny model overfits a few records, resume replays exactly, data split/sharding/streaming,
LR schedule, config resolution, diagnostics."""
import json

import numpy as np
import pytest
import torch
from synth import make_store

from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.engine.config import DataConfig, ModelConfig, load_config
from seisdiff.engine.data import BatchLoader, RecordPool, crop, split_indices, validation_set
from seisdiff.engine.denoiser import Denoiser
from seisdiff.engine.diagnostics import batch_report, quick_sample
from seisdiff.engine.diffusion import forward_loss, validation_loss
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import Scaler, fit_scaling
from seisdiff.engine.schedule import CosineSchedule
from seisdiff.engine.train import lr_factor
from seisdiff.errors import UserError
from seisdiff.io.store import create_store, open_store

TINY_TOML = """
batch_size = 4
warmup_steps = 2
lr = 2e-3
diagnostics_every = 2
progress = false
[model]
channels = [8, 16]
down_factors = [4]
groups = 4
emb_dim = 32
heads = 2
[data]
val_fraction = 0.25
"""


def tiny_run(root, n: int, epochs: int, run: str = "run", *options, toml: str = TINY_TOML):
    """`seisdiff train` of the `toml` model (root/tiny.toml) for `epochs` on a synthetic store of n records in
    root; returns (the store, the checkpoint folder root/run)."""
    store = make_store(root / "s.zarr", n=n, length=256)
    (root / "tiny.toml").write_text(toml)
    assert main(["train", "--data", str(store.path), "--config", str(root / "tiny.toml"), "--checkpoint-dir",
                 str(root / run), "--epochs", str(epochs), *options]) == 0
    return store, root / run


def test_tiny_model_overfits_a_handful_of_records(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=4, length=128)
    scaler = fit_scaling(store, np.arange(4))
    (batch,) = next(BatchLoader(store, np.arange(4), scaler, DataConfig(flip_polarity=False), 4, seed=0).epoch(0))
    torch.manual_seed(0)
    model = UNet1d(ModelConfig(channels=(16, 32), down_factors=(4,), groups=4, emb_dim=32, heads=2))
    schedule = CosineSchedule()
    # the loss at 8 fixed noise levels with fixed noise, before and after 200 steps
    before = validation_loss(model, [batch], 0, schedule, "x0", 5.0, n_levels=8)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
    for step in range(200):
        opt.zero_grad()
        forward_loss(model, batch["x0"], batch["cond"], batch["scalars"], step, schedule, "x0").loss.backward()
        opt.step()
    after = validation_loss(model, [batch], 0, schedule, "x0", 5.0, n_levels=8)
    assert after < before / 10, (before, after)


def _run(args):
    assert main(["train", *args]) == 0


def test_resume_replays_the_same_training(tmp_path, capsys):
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    # the LR schedule spans 2 epochs in both runs, so stopping after 1 and resuming changes nothing
    (tmp_path / "tiny.toml").write_text(TINY_TOML.replace("progress = false", "progress = false\nlr_decay_epochs = 2"))
    common = ["--data", str(store.path), "--config", str(tmp_path / "tiny.toml")]
    _run([*common, "--checkpoint-dir", str(tmp_path / "a"), "--epochs", "2"])
    _run([*common, "--checkpoint-dir", str(tmp_path / "b"), "--epochs", "1"])
    assert main(["train", *common, "--checkpoint-dir", str(tmp_path / "b"), "--epochs", "2"]) == 2
    assert "pass --resume" in capsys.readouterr().err                    # never overwrite a run silently
    _run(["--data", str(store.path), "--checkpoint-dir", str(tmp_path / "b"), "--epochs", "2", "--resume"])
    a, b = load_checkpoint(tmp_path / "a" / "last.pt"), load_checkpoint(tmp_path / "b" / "last.pt")
    assert a["step"] == b["step"] == 4 and a["epoch"] == b["epoch"] == 2
    for key in ("model", "ema"):
        for name, value in a[key].items():
            torch.testing.assert_close(b[key][name], value, rtol=1e-5, atol=1e-6, msg=f"{key}.{name}")
    assert a["scaling"] == b["scaling"]
    rows = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    kinds = [r["kind"] for r in rows]
    assert kinds == ["epoch", "epoch", "diagnostics", "generation"]
    gen = rows[-1]
    assert gen["gen_pga_ratio_median"] > 0 and len(gen["gen_psa_bias"]) == len(gen["gen_psa_periods_s"])
    assert 0.25 < rows[2]["noise_signal_ratio"] < 4.0 and rows[2]["warnings"] == []
    assert (tmp_path / "a" / "generation_epoch0002.png").stat().st_size > 0
    assert json.loads((tmp_path / "a" / "config.json").read_text())["model"]["channels"] == [8, 16]


def test_split_by_event_never_shares_an_event(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=30, length=64)
    events = store.column("event")
    train, val = split_indices(store, 0.2, seed=3)
    assert len(train) + len(val) == 30 and not set(events[train]) & set(events[val])
    assert len(set(events[val])) == 2                                          # 20 % of 10 events
    np.testing.assert_array_equal(split_indices(store, 0.2, seed=3)[1], val)   # deterministic
    assert not np.array_equal(split_indices(store, 0.2, seed=4)[1], val)
    no_events = make_store(tmp_path / "n.zarr", n=10, length=64, events=False)
    train, val = split_indices(no_events, 0.3, seed=0)
    assert len(val) == 3 and len(train) == 7


def test_sharded_processes_see_the_joint_micro_batches(tmp_path):
    """world_size 2 × grad_accum 1 == world_size 1 × grad_accum 2; each record once per epoch."""
    store = make_store(tmp_path / "s.zarr", n=12, length=128)
    scaler = Scaler(global_factor=2.0)
    cfg = DataConfig(window=100, block_records=5)
    single = list(BatchLoader(store, np.arange(12), scaler, cfg, 4, seed=1, grad_accum=2).epoch(0))
    ranks = [list(BatchLoader(store, np.arange(12), scaler, cfg, 4, seed=1, rank=r, world_size=2).epoch(0))
             for r in range(2)]
    assert len(single) == 3
    for step, micro in enumerate(single):
        for r in range(2):
            torch.testing.assert_close(ranks[r][step][0]["x0"], micro[r]["x0"], rtol=0, atol=0)
    seen = np.concatenate([mb["log_scale"].numpy() for step in single for mb in step])
    assert len(np.unique(seen.round(9))) == 12 and single[0][0]["x0"].shape == (2, 1, 100)
    again = list(BatchLoader(store, np.arange(12), scaler, cfg, 4, seed=1, grad_accum=2).epoch(0))
    torch.testing.assert_close(again[2][1]["x0"], single[2][1]["x0"], rtol=0, atol=0)


def test_streaming_blocks_cover_every_record_once(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=20, length=64)
    scaler = Scaler()
    tiny_memory = DataConfig(block_records=4, max_memory_gb=8 * 2 * 64 * 4 / 2**30)   # 8 records fit
    loader = BatchLoader(store, np.arange(20), scaler, tiny_memory, 4, seed=0)
    assert loader._resident is None and loader.steps_per_epoch() == 5
    seen = np.concatenate([mb["log_scale"].numpy() for step in loader.epoch(2) for mb in step])
    expected = scaler.log_scale(store.read(0, 20)["lowpass"])
    np.testing.assert_allclose(np.sort(seen), np.sort(expected), rtol=1e-12)


def test_crops_past_a_record_are_zero_filled():
    rng = np.random.default_rng(0)
    bb, lp = rng.normal(size=(2, 3, 2, 20)).astype(np.float32)
    pool = RecordPool(bb, lp, {})
    got_bb, got_lp = crop(pool, [2, 0, 1], [-5, 12, 3], 12)
    padded = np.pad(bb, ((0, 0), (0, 0), (12, 12)))                  # 12 zeros either side
    for row, (r, o) in enumerate([(2, -5), (0, 12), (1, 3)]):
        np.testing.assert_array_equal(got_bb[row], padded[r, :, 12 + o:12 + o + 12])
    np.testing.assert_array_equal(got_lp[1], np.pad(lp[0], ((0, 0), (12, 12)))[:, 24:36])


@pytest.mark.parametrize("overhang", [0.0, 1.0])
def test_crop_overhang_puts_every_record_time_at_every_window_position(tmp_path, overhang):
    """Broadband = the record's sample index + 1 (lowpass constant, so one scale): the record time each
    window position sees. With overhang 1 its mean is the record's middle at every position (no
    positional prior to learn); without, a crop's start sits earlier in the record than its end."""
    length, window, n = 64, 16, 32
    t = np.arange(length, dtype=np.float32)
    w = create_store(tmp_path / "ramp.zarr", sampling_rate_hz=100.0, length=length, lowpass_hz=1.0)
    w.append(np.tile(t + 1, (n, 1, 1)), np.ones((n, 1, length), np.float32), [f"r{i}" for i in range(n)])
    store, scaler = open_store(tmp_path / "ramp.zarr"), Scaler()
    cfg = DataConfig(window=window, flip_polarity=False, crop_overhang=overhang, val_fraction=0.0)
    loader = BatchLoader(store, np.arange(n), scaler, cfg, n, seed=0)
    raw = np.concatenate([scaler.to_physical(mb["x0"], mb["log_scale"]).numpy()[:, 0]
                          for e in range(150) for step in loader.epoch(e) for mb in step])
    inside = raw > 0.5
    assert np.all(np.abs(raw[~inside]) == 0)                          # past the record: exactly zero
    record_time = np.where(inside, raw - 1, np.nan)
    mean_at = np.nanmean(record_time, axis=0)                         # (window,) mean record time per position
    if overhang:
        np.testing.assert_allclose(mean_at, (length - 1) / 2, atol=1.5)
        assert inside.mean() == pytest.approx(length / (length + window - 1), abs=0.02)
    else:
        assert inside.all() and mean_at[-1] - mean_at[0] == pytest.approx(window - 1, abs=1e-9)
        assert mean_at[0] == pytest.approx((length - window) / 2, abs=1.5)


def test_crop_overhang_outside_zero_to_one_is_refused(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=8, length=64)
    with pytest.raises(UserError, match="crop_overhang"):
        BatchLoader(store, np.arange(8), Scaler(), DataConfig(crop_overhang=1.5), 4, seed=0)


@pytest.mark.parametrize("dropout", [0.0, 0.5, 1.0])
def test_metadata_dropout_hides_whole_records_reproducibly(tmp_path, dropout):
    store = make_store(tmp_path / "s.zarr", n=40, length=128)   # every record knows magnitude and distance
    cfg = DataConfig(metadata_dropout=dropout, flip_polarity=False)
    loader = BatchLoader(store, np.arange(40), Scaler(), cfg, 40, seed=3)
    (batch,), = list(loader.epoch(0))
    scalars = batch["scalars"].numpy()                            # log-scale, magnitude, distance, Vs30
    assert np.isfinite(scalars[:, 0]).all() and np.isnan(scalars[:, 3]).all()      # no Vs30 in this store
    hidden = np.isnan(scalars[:, 1])
    np.testing.assert_array_equal(hidden, np.isnan(scalars[:, 2]))  # a record's metadata goes as a whole
    assert hidden.mean() == {0.0: 0.0, 0.5: pytest.approx(0.5, abs=0.2), 1.0: 1.0}[dropout]
    (again,), = list(BatchLoader(store, np.arange(40), Scaler(), cfg, 40, seed=3).epoch(0))
    torch.testing.assert_close(again["scalars"], batch["scalars"], equal_nan=True)
    val_batches, _, _ = validation_set(store, np.arange(40), Scaler(), cfg, 40)
    assert np.isfinite(val_batches[0]["scalars"][:, 1].numpy()).all()  # validation always sees the metadata


def test_lr_schedule_warmup_then_cosine():
    lrs = [lr_factor(s, warmup=10, total=110, min_ratio=0.1) for s in range(120)]
    np.testing.assert_allclose(lrs[:10], np.arange(1, 11) / 10)
    assert lrs[60] == pytest.approx(0.1 + 0.9 * 0.5)                      # half-way down the cosine
    assert lrs[110] == pytest.approx(0.1) and lrs[119] == pytest.approx(0.1)


def test_config_file_and_overrides(tmp_path):
    (tmp_path / "c.toml").write_text("epochs = 7\nbatch_size = 8\n[data]\nwindow = 2048\n")
    cfg = load_config(tmp_path / "c.toml", {"batch_size": 32, "lr": None, "model_size": "large"})
    assert (cfg.epochs, cfg.batch_size, cfg.data.window, cfg.lr) == (7, 32, 2048, 3e-4)
    assert cfg.model.channels == (64, 128, 256, 384, 512)
    (tmp_path / "bad.toml").write_text("epochz = 3\n")
    with pytest.raises(UserError, match="epochz"):
        load_config(tmp_path / "bad.toml")
    with pytest.raises(UserError, match="not found"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "old.json").write_text('{"eval_steps": 20}')   # saved before eval_sampler: DDIM as then
    assert (load_config(tmp_path / "old.json").eval_sampler, load_config().eval_sampler) == ("ddim", "ddpm")
    (tmp_path / "sampler.toml").write_text('eval_sampler = "euler"\n')
    with pytest.raises(UserError, match="eval_sampler 'euler' is unknown"):
        load_config(tmp_path / "sampler.toml")


class _FixedX0(torch.nn.Module):
    def __init__(self, x0):
        super().__init__()
        self.x0 = x0

    def forward(self, x_ve, sigma_ve, cond, scalars):
        return self.x0


def test_generation_check_ends_on_the_denoiser_estimate_and_batch_warnings():
    x0 = torch.randn(2, 1, 50)
    fixed = _FixedX0(x0)
    fixed.schedule, fixed.sigma_min, fixed.sigma_max = CosineSchedule(), 1e-3, 1e3
    for sampler in ("ddpm", "ddim"):   # ancestral noise vanishes at the last step: both end on the estimate
        torch.testing.assert_close(quick_sample(fixed, torch.zeros(2, 1, 50), torch.zeros(2, 4), sampler, steps=5), x0)
    denoiser = Denoiser(UNet1d(ModelConfig(channels=(8, 16), down_factors=(4,), groups=4, emb_dim=32, heads=2)),
                        CosineSchedule(), Scaler(), "v")
    terms = forward_loss(denoiser.model, 1e-4 * x0, torch.zeros(2, 1, 50), torch.zeros(2, 4), 0, CosineSchedule())
    report, warnings = batch_report(terms, 1e-4 * x0, torch.zeros(2, 1, 50), grad_norm=0.0, target="v")
    assert report["pred_std"] == 0.0 and report["noise_signal_ratio"] > 1e3    # fresh model outputs 0
    assert any("CONSTANT" in w for w in warnings) and any("ZERO" in w for w in warnings)
    assert any("ratio" in w for w in warnings)


def test_kappa_as_a_conditioning_field(tmp_path, capsys):
    """[data] metadata_fields adds κ: the model takes 5 scalars, the checkpoint's scaling names the
    fields (so sampling builds the same scalars); an unknown field is refused in one line."""
    store = make_store(tmp_path / "s.zarr", n=12, length=256, columns={"kappa_s": np.linspace(0.02, 0.08, 12)})
    toml = TINY_TOML + 'metadata_fields = ["magnitude", "distance_km", "vs30_mps", "kappa_s"]\n'
    (tmp_path / "k.toml").write_text(toml)
    _run(["--data", str(store.path), "--config", str(tmp_path / "k.toml"), "--checkpoint-dir", str(tmp_path / "k"),
          "--epochs", "1"])
    state = load_checkpoint(tmp_path / "k" / "last.pt")
    scaler = Scaler.from_dict(state["scaling"])
    assert scaler.metadata == ("magnitude", "distance_km", "vs30_mps", "kappa_s")
    assert state["config"]["model"]["n_scalars"] == 5
    assert state["model"]["scalar_mlp.0.weight"].shape[1] == 2 * 5
    (tmp_path / "bad.toml").write_text(TINY_TOML + 'metadata_fields = ["kappa"]\n')
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "bad.toml"),
                 "--checkpoint-dir", str(tmp_path / "bad"), "--epochs", "1"]) == 2
    assert "metadata_fields" in capsys.readouterr().err


def test_resume_with_the_same_config_file_and_metadata_fields(tmp_path):
    """Re-running the interrupted command with --resume (same --config, 4 metadata fields, so 5
    conditioning scalars where the default has 4) continues the run."""
    store = make_store(tmp_path / "s.zarr", n=12, length=256)
    (tmp_path / "k.toml").write_text(TINY_TOML.replace(
        "[data]", '[data]\nmetadata_fields = ["magnitude", "distance_km", "vs30_mps", "kappa_s"]'))
    common = ["--data", str(store.path), "--config", str(tmp_path / "k.toml"), "--checkpoint-dir", str(tmp_path / "k")]
    _run([*common, "--epochs", "1"])
    _run([*common, "--epochs", "2", "--resume"])
    state = load_checkpoint(tmp_path / "k" / "last.pt")
    assert state["epoch"] == 2 and state["config"]["model"]["n_scalars"] == 5


def test_a_run_started_from_a_checkpoint_begins_at_its_weights_and_scaling(tmp_path, capsys):
    """init_from (fine-tuning): with a negligible learning rate (a zero one is refused) the new run's weights
    stay the base's EMA weights, and its scaling is the base's, not one fitted on the new store; a base trained
    with other metadata fields is one clear error."""
    base_store = make_store(tmp_path / "base.zarr", n=12, length=256)
    new_store = make_store(tmp_path / "new.zarr", n=12, length=256, seed=5)
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    _run(["--data", str(base_store.path), "--config", str(tmp_path / "tiny.toml"), "--checkpoint-dir",
          str(tmp_path / "base"), "--epochs", "1"])
    base = load_checkpoint(tmp_path / "base" / "best.pt")
    frozen = TINY_TOML.replace("lr = 2e-3", f"lr = 1e-12\ninit_from = {json.dumps(str(tmp_path / 'base' / 'best.pt'))}")
    (tmp_path / "ft.toml").write_text(frozen)
    _run(["--data", str(new_store.path), "--config", str(tmp_path / "ft.toml"), "--checkpoint-dir",
          str(tmp_path / "ft"), "--epochs", "1"])
    ft = load_checkpoint(tmp_path / "ft" / "last.pt")
    assert ft["scaling"] == base["scaling"]
    for key in ("model", "ema"):
        for name, value in base["ema"].items():
            torch.testing.assert_close(ft[key][name], value, rtol=0, atol=1e-9, msg=f"{key}.{name}")
    (tmp_path / "other.toml").write_text(frozen.replace("[data]", '[data]\nmetadata_fields = ["magnitude"]'))
    assert main(["train", "--data", str(new_store.path), "--config", str(tmp_path / "other.toml"),
                 "--checkpoint-dir", str(tmp_path / "other"), "--epochs", "1"]) == 2
    assert "metadata fields" in capsys.readouterr().err


def test_a_distilled_checkpoint_is_refused_as_a_starting_point(tmp_path, capsys):
    """init_from a distilled student (`seisdiff distill`'s distilled.pt, the shipped twin) was accepted: the run
    fine-tuned the few-step student with the diffusion loss and wrote checkpoints without its "distilled" entry
    (sampled with DDPM-100 afterwards). It is refused in one line naming the file; its teacher is accepted."""
    from seisdiff.engine.config import config_from_dict
    from seisdiff.engine.train import _init_state
    from seisdiff.pretrained import DISTILLED_CHECKPOINT

    if not DISTILLED_CHECKPOINT.is_file():
        pytest.skip("no distilled twin shipped")
    twin = load_checkpoint(DISTILLED_CHECKPOINT)
    config = {**twin["config"], "init_from": str(DISTILLED_CHECKPOINT), "batch_size": 4, "progress": False}
    (tmp_path / "ft.json").write_text(json.dumps(config))
    store = make_store(tmp_path / "s.zarr", n=8, length=twin["config"]["data"]["window"])
    capsys.readouterr()
    assert main(["train", "--data", str(store.path), "--config", str(tmp_path / "ft.json"), "--checkpoint-dir",
                 str(tmp_path / "ft"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "distilled.pt: a distilled model (2-step student of default)" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "ft" / "last.pt").exists()
    cfg = config_from_dict({**config, "init_from": "default"}, "default")   # its teacher: accepted
    assert "distilled" not in _init_state(cfg, log=lambda *a: None)
