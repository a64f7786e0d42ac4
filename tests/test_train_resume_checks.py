"""--resume continues the same run on the same data: another split (seed, data.val_fraction), other
conditioning fields or a store of another layout are refused in one line naming the setting, its saved
and its new value; a moved store is fine; another batching is a warning; another world size × grad_accum
(the same batches cut otherwise) a note."""
import json
import shutil

import numpy as np
import pytest
from synth import accelerogram
from test_train import TINY_TOML as BASE_TOML
from test_train import tiny_run

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.io.store import create_store

# test_train's tiny model, without its frequent diagnostics
TINY_TOML = BASE_TOML.replace("diagnostics_every = 2", "diagnostics_every = 100\ncheckpoint_every = 100")


def _store(path, rate_hz=100.0, lowpass_hz=1.0, length=256, n=12):
    bb = np.stack([[accelerogram(i, n=length, fs_hz=rate_hz, pga=0.01 * (1 + i % 5))] for i in range(n)])
    bb = bb.astype(np.float32)
    w = create_store(path, sampling_rate_hz=rate_hz, length=length, n_channels=1, lowpass_hz=lowpass_hz)
    w.append(bb, lowpass(bb, rate_hz, lowpass_hz), [f"q{i:03d}" for i in range(n)],
             {"event": np.array([f"e{i // 3}" for i in range(n)])})
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A one-epoch run on a 100 Hz store (the seed of every resume below)."""
    root = tmp_path_factory.mktemp("resume_checks")
    tiny_run(root, 12, 1, "base", "--device", "cpu", toml=TINY_TOML)
    return root


def _resume(run, tmp_path, *args, data=None):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(run / "base", ckpt)
    rc = main(["train", "--data", str(data or run / "s.zarr"), "--checkpoint-dir", str(ckpt), "--resume",
               "--epochs", "2", "--device", "cpu", *args])
    return rc, ckpt


def _refused(capsys, *parts):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for part in (*parts, "resume with the saved value or start a new --checkpoint-dir"):
        assert part in err, err


def test_another_seed_is_refused(run, tmp_path, capsys):
    rc, ckpt = _resume(run, tmp_path, "--seed", "5")
    assert rc == 2 and load_checkpoint(ckpt / "last.pt")["epoch"] == 1
    _refused(capsys, "seed was 0", "has 5")


def test_another_val_fraction_is_refused(run, tmp_path, capsys):
    (tmp_path / "v.toml").write_text(TINY_TOML.replace("val_fraction = 0.25", "val_fraction = 0.5"))
    rc, _ = _resume(run, tmp_path, "--config", str(tmp_path / "v.toml"))
    assert rc == 2
    _refused(capsys, "data.val_fraction was 0.25", "has 0.5")


def test_other_metadata_fields_of_the_same_count_are_refused(run, tmp_path, capsys):
    (tmp_path / "k.toml").write_text(TINY_TOML.replace(
        "[data]", '[data]\nmetadata_fields = ["magnitude", "distance_km", "kappa_s"]'))
    rc, _ = _resume(run, tmp_path, "--config", str(tmp_path / "k.toml"))
    assert rc == 2
    _refused(capsys, "data.metadata_fields was ['magnitude', 'distance_km', 'vs30_mps']", "kappa_s")


@pytest.mark.parametrize("layout, setting", [({"rate_hz": 50.0}, "sampling_rate_hz was 100.0"),
                                             ({"lowpass_hz": 2.0}, "lowpass_hz was 1.0"),
                                             ({"length": 384}, "length was 256")])
def test_a_store_of_another_layout_is_refused(run, tmp_path, capsys, layout, setting):
    other = _store(tmp_path / "other.zarr", **layout)
    rc, ckpt = _resume(run, tmp_path, data=other)
    assert rc == 2
    _refused(capsys, "--data store", setting)
    assert load_checkpoint(ckpt / "last.pt")["store"]["sampling_rate_hz"] == 100.0     # not rewritten


def test_a_moved_store_and_another_batch_size_are_accepted(run, tmp_path, capsys):
    moved = shutil.copytree(run / "s.zarr", tmp_path / "moved.zarr")
    rc, ckpt = _resume(run, tmp_path, "--batch-size", "2", data=moved)
    assert rc == 0 and load_checkpoint(ckpt / "last.pt")["epoch"] == 2
    warnings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "batch_size 4 -> 2" in warnings[0]


def _as_if_written_by(ckpt, world_size):
    """ckpt/last.pt as a run of `world_size` torchrun processes (with its grad_accum) writes it."""
    import torch

    from seisdiff.engine.checkpoint import save_checkpoint

    state = torch.load(ckpt / "last.pt", weights_only=True)
    save_checkpoint(ckpt / "last.pt", {**state, "world_size": world_size})


def test_another_world_size_or_grad_accum_is_a_note_and_replays_the_run(run, tmp_path, capsys):
    """A 2-process run (grad_accum 1: two micro-batches a step) resumed in one process used to train with
    other noise (each micro-batch had its own seed: epoch 2 loss 0.354 instead of 0.322 in a measured
    run), hence a warning naming the grad_accum that kept the micro-batches. The noise and times are now
    drawn per record of the step's whole batch: another world size × grad_accum is a note, and the resumed
    run ends where the unchanged one does, to float rounding."""
    import torch

    assert load_checkpoint(run / "base" / "last.pt")["world_size"] == 1
    shutil.copytree(run / "base", tmp_path / "ckpt")
    _as_if_written_by(tmp_path / "ckpt", 2)
    assert main(["train", "--data", str(run / "s.zarr"), "--checkpoint-dir", str(tmp_path / "ckpt"), "--resume",
                 "--epochs", "2", "--device", "cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert not [line for line in out if line.startswith("WARNING")], out
    notes = [line for line in out if line.startswith("note:")]
    assert len(notes) == 1 and "world size × grad_accum 2 -> 1" in notes[0], notes

    rc, same = _resume(run, tmp_path / "same")
    (tmp_path / "accum2.toml").write_text(TINY_TOML.replace("batch_size = 4", "batch_size = 4\ngrad_accum = 2"))
    rc2, accum = _resume(run, tmp_path / "accum", "--config", str(tmp_path / "accum2.toml"))
    out = capsys.readouterr().out.splitlines()
    assert rc == rc2 == 0 and not [line for line in out if line.startswith("WARNING")], out
    assert sum("world size × grad_accum 1 -> 2" in line for line in out) == 1
    a, b = load_checkpoint(same / "last.pt"), load_checkpoint(accum / "last.pt")
    assert a["step"] == b["step"] > load_checkpoint(run / "base" / "last.pt")["step"]
    for name, value in a["model"].items():
        torch.testing.assert_close(b["model"][name], value, rtol=1e-4, atol=1e-6, msg=name)


def test_a_learning_rate_given_to_resume_is_the_one_used(run, tmp_path, capsys):
    """--lr with --resume used to be ignored: the saved optimizer and scheduler states kept the old peak lr
    (2e-3) while config.json recorded the new one."""
    from seisdiff.engine.train import lr_factor
    rc, ckpt = _resume(run, tmp_path, "--lr", "1e-5")
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in (ckpt / "metrics.jsonl").read_text().splitlines()]
    last = [r for r in rows if r["kind"] == "epoch"][-1]
    total = 2 * (last["step"] - rows[0]["step"])                     # 2 epochs of equal length
    assert last["epoch"] == 2
    assert last["lr"] == pytest.approx(1e-5 * lr_factor(last["step"], warmup=2, total=total, min_ratio=0.05), rel=1e-9)
    state = load_checkpoint(ckpt / "last.pt")
    assert state["scheduler"]["base_lrs"] == [1e-5] and state["optimizer"]["param_groups"][0]["initial_lr"] == 1e-5
    assert rc == 0 and "lr 0.002 -> 1e-05" in out


def _as_if_written_before_the_noise_stream(ckpt, world_size):
    """ckpt/last.pt as a run of `world_size` processes wrote it before each record drew its noise from the step's one
    seed and its place in the whole batch: no `noise_stream` entry (the format is otherwise the same)."""
    import torch

    from seisdiff.engine.checkpoint import save_checkpoint

    state = torch.load(ckpt / "last.pt", weights_only=True)
    save_checkpoint(ckpt / "last.pt", {k: v for k, v in state.items() if k not in ("noise_stream", "format", "version")}
                    | {"world_size": world_size})


def test_a_state_from_before_the_noise_stream_of_micro_batches_is_a_note(run, tmp_path, capsys):
    """A checkpoint written before the per-record noise stream by a run of world size × grad_accum > 1 drew each
    micro-batch's noise from a seed of its own: resumed now it continues on the new stream, no longer replaying the
    run it continues, and says so in one note line (once: the checkpoints it writes carry the stream). One of one
    process and grad_accum 1 drew the same noise then as now: no note. Checkpoints load with weights_only=True."""
    import torch

    from seisdiff.engine.diffusion import NOISE_STREAM

    assert torch.load(run / "base" / "last.pt", weights_only=True)["noise_stream"] == NOISE_STREAM == 2
    for world_size, noted in ((2, True), (1, False)):
        ckpt = tmp_path / f"w{world_size}"
        shutil.copytree(run / "base", ckpt)
        _as_if_written_before_the_noise_stream(ckpt, world_size)
        assert main(["train", "--data", str(run / "s.zarr"), "--checkpoint-dir", str(ckpt), "--resume",
                     "--epochs", "2", "--device", "cpu"]) == 0
        out = capsys.readouterr().out.splitlines()
        notes = [line for line in out if line.startswith("note:")]
        assert not [line for line in out if line.startswith("WARNING")], out
        if noted:
            assert len(notes) == 1 and "written before the noise stream" in notes[0], notes
            assert "world size × grad_accum was 2" in notes[0] and "no longer replays" in notes[0]
        else:
            assert notes == [], notes
        assert torch.load(ckpt / "last.pt", weights_only=True)["noise_stream"] == NOISE_STREAM
    assert main(["train", "--data", str(run / "s.zarr"), "--checkpoint-dir", str(tmp_path / "w2"), "--resume",
                 "--epochs", "3", "--device", "cpu"]) == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]


def test_the_shipped_checkpoints_load_as_they_are():
    """The shipped models (written before `noise_stream`) load unchanged, with weights_only=True."""
    import torch

    from seisdiff.pretrained import DISTILLED_CHECKPOINT, resolve_checkpoint

    for path in (resolve_checkpoint("default"), DISTILLED_CHECKPOINT):
        if not path.is_file():
            pytest.skip(f"{path} not shipped")
        assert "noise_stream" not in torch.load(path, weights_only=True)
        assert load_checkpoint(path)["config"]
