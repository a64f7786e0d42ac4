"""`sample` under torchrun (WORLD_SIZE ranks, run here one after another): the merged output equals one
process's, record for record and in its order, nothing lost or twice."""
import shutil

import numpy as np
import pytest
from synth import accelerogram, make_store, whole_record_checkpoint, write_at2

from seisdiff.cli import main
from seisdiff.io.store import create_store, open_store

FS, FC = 100.0, 1.0


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return whole_record_checkpoint(tmp_path_factory.mktemp("tiny_ranks"), steps=5)


def _sample(ckpt, *args):
    return main(["sample", "--checkpoint", str(ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 *map(str, args)])


def _ranks(monkeypatch, world, run):
    """run() as each rank of a torchrun of `world` processes, the last rank first."""
    monkeypatch.setenv("WORLD_SIZE", str(world))
    for rank in reversed(range(world)):
        monkeypatch.setenv("RANK", str(rank))
        assert run() == 0
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.delenv("RANK")


def _by_id(store):
    ids = store.record_ids.tolist()
    return dict(zip(ids, store.read()["broadband"]))


def test_torchrun_keeps_both_recordings_of_files_named_alike(ckpt, tmp_path, monkeypatch):
    """Two events' files named alike (one station): one process keeps both, the second as `<folder>.<id>`;
    with the files dealt to two ranks each rank took its own for the first and the merge dropped one."""
    files = []
    for j, event in enumerate(("ev1", "ev2")):
        (tmp_path / event).mkdir()
        files.append(write_at2(tmp_path / event / "STA.AT2", accelerogram(j, n=1500) * 0.02, 0.01, station="STA"))
    assert _sample(ckpt, "--cond", *files, "--out", tmp_path / "one.zarr") == 0
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", *files, "--out", tmp_path / "two"))
    one, two = _by_id(open_store(tmp_path / "one.zarr")), _by_id(open_store(tmp_path / "two" / "samples.zarr"))
    assert sorted(one) == sorted(two) == ["STA_r0", "ev2.STA_r0"]
    kept = ("channels", "whole_records", "preprocess")     # what the conditioning says of the records, merged too
    assert {k: open_store(tmp_path / "two" / "samples.zarr").attrs.get(k) for k in kept} == \
        {k: open_store(tmp_path / "one.zarr").attrs.get(k) for k in kept} != {k: None for k in kept}
    for rid, acc in one.items():
        np.testing.assert_allclose(two[rid], acc, rtol=0, atol=1e-5 * np.abs(acc).max())


def test_a_merge_killed_midway_does_not_stop_the_next_runs(ckpt, tmp_path, monkeypatch):
    """A merge killed (SIGKILL) left OUT/merge.lock behind: every later run finished without merging and
    without a word (no OUT/samples.zarr, exit 0). The lock is now one the system releases with its process."""
    cond = make_store(tmp_path / "cond.zarr", n=5, length=512, seed=3)
    out = tmp_path / "two"
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", out))
    (out / "samples.zarr").rename(tmp_path / "first.zarr")     # as if the merge had died before writing
    (out / "merge.lock").write_text("")                        # what the killed merge left
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", out))
    assert sorted(open_store(out / "samples.zarr").record_ids) == [f"r{i:03d}_r0" for i in range(5)]


def test_a_rank_finishing_during_anothers_merge_still_gets_merged(ckpt, tmp_path, monkeypatch):
    """Resuming with more realizations, rank 1 found rank 0's rank0.done of the first run and merged while
    rank 0 was still generating; rank 0, finishing then, found the lock taken and left: its new records
    never reached OUT/samples.zarr. A rank finding the lock held now waits, then merges what is missing."""
    import fcntl
    import os
    import threading

    cond = make_store(tmp_path / "cond.zarr", n=4, length=512, seed=5)
    out = tmp_path / "two"
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", out))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert _sample(ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 0   # merges: stale rank0.done
    fd = os.open(out / "merge.lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)                          # rank 1's merge, still under way
    threading.Timer(1.0, os.close, [fd]).start()
    monkeypatch.setenv("RANK", "0")
    assert _sample(ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 0
    assert sorted(open_store(out / "samples.zarr").record_ids) == [f"r{i:03d}_r{k}" for i in range(4) for k in (0, 1)]


def test_merged_output_is_in_the_single_process_order(ckpt, tmp_path, monkeypatch):
    """The merge appended rank 0's records, then rank 1's: r000, r002, r004, r001, r003 where one process
    writes r000 … r004 (each with its realizations)."""
    cond = make_store(tmp_path / "cond.zarr", n=5, length=512, seed=11)
    assert _sample(ckpt, "--cond", cond.path, "--out", tmp_path / "one.zarr", "--realizations", 2) == 0
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", tmp_path / "two", "--realizations", 2))
    one, two = open_store(tmp_path / "one.zarr"), open_store(tmp_path / "two" / "samples.zarr")
    assert two.record_ids.tolist() == one.record_ids.tolist() == [f"r{i:03d}_r{k}" for i in range(5) for k in (0, 1)]
    a, b = one.read(), two.read()
    np.testing.assert_allclose(b["broadband"], a["broadband"], rtol=0, atol=1e-5 * np.abs(a["broadband"]).max())
    np.testing.assert_array_equal(b["lowpass"], a["lowpass"])
    for c in one.columns:                           # the PGAs of the generated records: float32 rounding
        x, y = one.column(c), two.column(c)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y, x, rtol=1e-5, err_msg=c)
        else:
            np.testing.assert_array_equal(y, x, err_msg=c)


def test_order_of_whole_records_of_several_lengths_depends_on_nothing(ckpt, tmp_path, monkeypatch):
    """Waveform files of two lengths (1500, 1200, 1500 samples): one process wrote a block's records grouped
    by length (A, C, B with the default --block-records, A, B, C with 1); now always the files' order."""
    files = [write_at2(tmp_path / f"{name}.AT2", accelerogram(j, n=n) * 0.02, 0.01, station=name)
             for j, (name, n) in enumerate((("A", 1500), ("B", 1200), ("C", 1500)))]
    runs = {"block256": ("--out", tmp_path / "a.zarr"), "block1": ("--out", tmp_path / "b.zarr", "--block-records", 1)}
    for args in runs.values():
        assert _sample(ckpt, "--cond", *files, *args) == 0
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", *files, "--out", tmp_path / "two"))
    expected = ["A_r0", "B_r0", "C_r0"]
    for out in (tmp_path / "a.zarr", tmp_path / "b.zarr", tmp_path / "two" / "samples.zarr"):
        assert open_store(out).record_ids.tolist() == expected, out
    assert open_store(tmp_path / "two" / "samples.zarr").column("n_samples").tolist() == [1500, 1200, 1500]


def test_rank_zero_alone_speaks_for_the_run(ckpt, tmp_path, monkeypatch, capsys):
    """Each rank printed the warnings of its own records (every file's, for waveform inputs: each warning
    once per rank) and its own progress bar; now rank 0 prints one process's lines, the others none."""
    quiet = make_store(tmp_path / "quiet.zarr", n=4, length=512, seed=2)
    src = quiet.read()
    w = create_store(tmp_path / "g.zarr", sampling_rate_hz=FS, length=512, n_channels=1, lowpass_hz=FC)
    w.append(src["broadband"] * 1e5, src["lowpass"] * 1e5, quiet.record_ids)     # m/s² that were counts
    assert _sample(ckpt, "--cond", tmp_path / "g.zarr", "--out", tmp_path / "one.zarr") == 0
    single = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(single) == 4, single
    monkeypatch.setenv("WORLD_SIZE", "2")
    lines = {}
    for rank in (1, 0):
        monkeypatch.setenv("RANK", str(rank))
        assert main(["sample", "--checkpoint", str(ckpt), "--sampler", "ddim", "--steps", "2", "--cond",
                     str(tmp_path / "g.zarr"), "--out", str(tmp_path / "two")]) == 0
        lines[rank] = capsys.readouterr()
    assert [line for line in lines[0].err.splitlines() if "warning" in line] == single
    assert "warning" not in lines[1].err and "%|" not in lines[1].err          # nor a progress bar


def test_distill_under_torchrun_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    """distill has no torchrun support: each rank ran the whole distillation, writing one --out together."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert main(["distill", "--teacher", "default", "--data", str(tmp_path / "s.zarr"),
                 "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "torchrun" in err[0] and not (tmp_path / "d").exists()


def test_one_process_into_a_torchrun_output_says_to_resume_it_under_torchrun(ckpt, tmp_path, monkeypatch, capsys):
    """One process given a torchrun run's OUT was told 'exists and is not a seisdiff store … give another
    --out', which hid what OUT is and how to resume it."""
    cond = make_store(tmp_path / "cond.zarr", n=3, length=512, seed=5)
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", tmp_path / "two"))
    capsys.readouterr()
    assert _sample(ckpt, "--cond", cond.path, "--out", tmp_path / "two") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds the rank stores of a torchrun run" in err[0] and "resume it under torchrun" in err[0]


def test_a_run_resumed_with_another_world_size_makes_no_record_twice(ckpt, tmp_path, monkeypatch, capsys):
    """Resumed with 2 ranks, an output 3 ranks started: each rank regenerated the records of its new share
    that another rank's store held (the merge dropped them again); now it takes them as written, and the
    merge takes the store of the rank the new run lacks."""
    cond = make_store(tmp_path / "cond.zarr", n=5, length=512, seed=12)
    assert _sample(ckpt, "--cond", cond.path, "--out", tmp_path / "one.zarr", "--realizations", 2) == 0
    out = tmp_path / "ranks"
    _ranks(monkeypatch, 3, lambda: _sample(ckpt, "--cond", cond.path, "--out", out, "--realizations", 1))
    shutil.rmtree(out / "samples.zarr")             # as if killed before its merge: rank2.zarr's records only there
    capsys.readouterr()
    _ranks(monkeypatch, 2, lambda: _sample(ckpt, "--cond", cond.path, "--out", out, "--realizations", 2))
    made = [line for line in capsys.readouterr().out.splitlines() if "realizations generated" in line]
    assert sum(int(line.split()[1]) for line in made) == 5, made            # the second realizations only
    one, merged = open_store(tmp_path / "one.zarr"), open_store(out / "samples.zarr")
    assert sorted(merged.record_ids.tolist()) == sorted(one.record_ids.tolist())     # r0s first: as resumed
    a, b = _by_id(one), _by_id(merged)
    for rid, acc in a.items():
        np.testing.assert_allclose(b[rid], acc, rtol=0, atol=1e-5 * np.abs(acc).max(), err_msg=rid)
