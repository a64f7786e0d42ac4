"""Distillation from a teacher whose training set is streamed (larger than data.max_memory_gb: records read
block by block, epochs of different lengths): the step → (epoch, position) mapping follows the real epoch
lengths, so a round finishes (no busy loop) and a resumed round continues on the very batches an
uninterrupted one takes; a loop that would not advance is a clear error; the --max-minutes budget is a
resumable stop (exit 0), as `train`'s is."""
import contextlib
import signal

import numpy as np
import pytest
import torch
from synth import make_store
from test_train import tiny_run

import seisdiff.engine.distill as distill_module
from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint, save_checkpoint
from seisdiff.engine.config import DataConfig, config_from_dict
from seisdiff.engine.data import BatchLoader, split_indices
from seisdiff.engine.distill import DistillConfig, distill
from seisdiff.engine.scaling import Scaler
from seisdiff.errors import UserError

RECORD_BYTES = 2 * 1 * 256 * 4                                       # broadband + lowpass, 1 channel, 256 samples
STREAMED = {"block_records": 4, "max_memory_gb": 8 * RECORD_BYTES / 2**30}  # pools of two blocks of 4 records


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the test run) when the body takes longer than `seconds`."""
    def expired(*_):
        raise TimeoutError(f"no end after {seconds} s: a loop spins without progress")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    """(store, teacher checkpoint whose data config streams the store, its distillation loader's epoch lengths)."""
    root = tmp_path_factory.mktemp("distill_stream")
    store, run = tiny_run(root, 16, 2)
    ckpt = load_checkpoint(run / "last.pt")
    ckpt["config"]["data"].update(STREAMED)
    save_checkpoint(root / "teacher.pt", ckpt)
    config = config_from_dict(ckpt["config"], "teacher")
    train_idx, _ = split_indices(store, config.data.val_fraction, config.seed)
    loader = BatchLoader(store, train_idx, Scaler.from_dict(ckpt["scaling"]), config.data, 4, seed=0)
    assert loader._resident is None
    return store, root / "teacher.pt", [loader.steps_in_epoch(e) for e in range(12)]


def test_streamed_epochs_know_their_exact_length_and_start_anywhere(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=22, length=64)
    indices = np.setdiff1d(np.arange(22), [1, 9, 10, 17])               # ragged blocks, as a validation split leaves
    cfg = DataConfig(block_records=4, max_memory_gb=8 * 2 * 64 * 4 / 2**30)
    loader = BatchLoader(store, indices, Scaler(), cfg, 4, seed=3)
    assert loader._resident is None
    lengths = []
    for e in range(10):
        steps = [mb["x0"] for (mb,) in loader.epoch(e)]
        assert loader.steps_in_epoch(e) == len(steps)
        lengths.append(len(steps))
        for start in (1, len(steps) - 1, len(steps), len(steps) + 2):
            tail = [mb["x0"] for (mb,) in loader.epoch(e, start=start)]
            assert len(tail) == max(0, len(steps) - start)
            for a, b in zip(tail, steps[start:]):
                torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert len(set(lengths)) > 1, lengths                             # streamed epochs differ in length
    assert loader.steps_per_epoch() == lengths[0]


def test_a_streamed_distillation_finishes(streamed, tmp_path):
    store, teacher, lengths = streamed
    assert len(set(lengths)) > 1, lengths
    steps = sum(lengths[:8]) + 1                                      # past several epochs of differing lengths
    logged = []
    with deadline(240):
        out = distill(DistillConfig(teacher=str(teacher), data=str(store.path), out=str(tmp_path / "d"),
                                    teacher_steps=4, final_steps=2, steps_per_round=steps, batch_size=4,
                                    log_every=1), log=logged.append)
    assert out == tmp_path / "d" / "distilled.pt" and out.is_file()
    assert [int(m.split()[4]) for m in logged if m.startswith("distill: round 2 step ")] == list(range(1, steps + 1))
    assert load_checkpoint(out)["step"] == steps


def test_a_resumed_streamed_distillation_continues_on_the_same_batches(streamed, tmp_path):
    store, teacher, lengths = streamed
    ends = np.cumsum(lengths)
    short = next(i for i in range(1, len(lengths)) if lengths[i] != lengths[0])   # the first epoch of another length
    cut = int(ends[short]) + 1                                        # resume inside the epoch after it
    steps = int(ends[short + 1]) + 1
    assert cut < steps
    common = dict(teacher=str(teacher), data=str(store.path), teacher_steps=4, final_steps=2, steps_per_round=steps,
                  batch_size=4, log_every=1)

    class Killed(Exception):
        pass

    def kill_at(msg):                                                 # dies before step `cut` is saved
        if msg.startswith(f"distill: round 2 step {cut} "):
            raise Killed

    with deadline(300):
        whole = distill(DistillConfig(**common, out=str(tmp_path / "whole")), log=lambda *a: None)
        with pytest.raises(Killed):
            distill(DistillConfig(**common, out=str(tmp_path / "cut")), log=kill_at)
        assert load_checkpoint(tmp_path / "cut" / "last.pt", kind="distill state")["step"] == cut - 1
        logged = []
        resumed = distill(DistillConfig(**common, out=str(tmp_path / "cut")), log=logged.append)
    assert f"distill: resuming round 2 at step {cut - 1}" in logged
    a, b = load_checkpoint(whole)["ema"], load_checkpoint(resumed)["ema"]
    for name, value in a.items():
        torch.testing.assert_close(b[name], value, rtol=0, atol=0, msg=name)


def test_a_loop_that_takes_no_step_is_an_error_not_a_spin(streamed, tmp_path, monkeypatch):
    store, teacher, _ = streamed
    monkeypatch.setattr(distill_module, "locate", lambda loader, k, step: (0, 10**6))   # a position past the end
    with deadline(120), pytest.raises(UserError, match="gave no batch"):
        distill(DistillConfig(teacher=str(teacher), data=str(store.path), out=str(tmp_path / "d"), teacher_steps=4,
                              final_steps=2, steps_per_round=5, batch_size=4), log=lambda *a: None)


def test_pools_too_small_for_a_batch_are_an_error(streamed, tmp_path):
    store, teacher, _ = streamed
    ckpt = load_checkpoint(teacher)
    ckpt["config"]["data"].update(block_records=3, max_memory_gb=4 * RECORD_BYTES / 2**30)  # pools of one block (3)
    save_checkpoint(tmp_path / "t.pt", ckpt)
    with deadline(120), pytest.raises(UserError, match="no full batch of 4 records"):
        distill(DistillConfig(teacher=str(tmp_path / "t.pt"), data=str(store.path), out=str(tmp_path / "d"),
                              teacher_steps=4, final_steps=2, steps_per_round=5, batch_size=4), log=lambda *a: None)


def test_the_time_budget_is_a_resumable_stop_with_exit_0(streamed, tmp_path, capsys):
    store, teacher, _ = streamed
    args = ["distill", "--teacher", str(teacher), "--data", str(store.path), "--out", str(tmp_path / "d"),
            "--teacher-steps", "8", "--final-steps", "2", "--steps-per-round", "3", "--batch-size", "4"]
    with deadline(240):
        assert main(args + ["--max-minutes", "1e-9"]) == 0
        said = capsys.readouterr().out.strip().splitlines()
        assert said[-1] == ("distill: time budget of 1e-09 min reached in round 4 at step 1 of 3; "
                            "re-run the same command to continue")
        assert load_checkpoint(tmp_path / "d" / "last.pt", kind="distill state")["step"] == 1
        assert not (tmp_path / "d" / "round_4.pt").exists() and not (tmp_path / "d" / "distilled.pt").exists()
        assert main(args + ["--max-minutes", "1e-9"]) == 0           # one step further each time
        assert capsys.readouterr().out.strip().splitlines()[-1].endswith("in round 4 at step 2 of 3; "
                                                                         "re-run the same command to continue")
        assert main(args + ["--max-minutes", "1e-9"]) == 0           # a round ends: stop before the next one
        assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
            "distill: time budget of 1e-09 min reached after round 4 (")
        assert (tmp_path / "d" / "round_4.pt").is_file() and not (tmp_path / "d" / "distilled.pt").exists()
        assert main(args) == 0
    assert load_checkpoint(tmp_path / "d" / "distilled.pt")["distilled"]["steps"] == 2
