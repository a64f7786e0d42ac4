"""Typical user mistakes on the command line get one line and exit 2, and never cost data: an --out
folder holding other files is refused (zarr's mode "w" would empty it), a file in the way of an output
folder, an empty checkpoint, zero or negative counts and rates, a crossover outside the band, a missing
--records folder, an inverted --pga-range; and `simulate` writes AT2 time steps that read back exact."""
import pytest

from seisdiff.cli import main
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.errors import UserError
from seisdiff.io import read


def test_out_folder_with_other_files_is_refused_and_left_intact(tmp_path, capsys):
    src = tmp_path / "records"
    assert main(["simulate", "--out", str(src), "--n", "2", "--duration-s", "20"]) == 0
    before = sorted(p.name for p in src.iterdir())
    assert main(["preprocess", str(src), "--out", str(src), "--quiet"]) == 2
    assert main(["simulate", "--out", str(src), "--format", "zarr", "--n", "2", "--duration-s", "20"]) == 2
    assert sorted(p.name for p in src.iterdir()) == before
    assert "not a seisdiff store" in capsys.readouterr().err


def test_a_file_in_the_way_of_an_output_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["simulate", "--out", str(tmp_path / "afile"), "--n", "1", "--duration-s", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "afile" in err[0] and "Traceback" not in err[0]


def test_an_empty_checkpoint_is_a_user_error(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(UserError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "empty.pt")


@pytest.mark.parametrize("argv", [
    ["train", "--data", "s.zarr", "--checkpoint-dir", "c", "--batch-size", "0"],
    ["train", "--data", "s.zarr", "--checkpoint-dir", "c", "--epochs", "-3"],
    ["train", "--data", "s.zarr", "--checkpoint-dir", "c", "--lr", "-1"],
    ["preprocess", "x", "--out", "p.zarr", "--length", "0"],
    ["preprocess", "x", "--out", "p.zarr", "--windows", "-2"],
    ["simulate", "--out", "x", "--fs", "0"],
    ["distill", "--checkpoint", "c.pt", "--data", "s.zarr", "--out", "d", "--batch-size", "0"],
    # --seed -1 ended in numpy's traceback (SeedSequence: expected non-negative integer), evaluate's and
    # crossval's after the work (crossval: after training every fold)
    ["evaluate", "--real", "r.zarr", "--generated", "baseline:lf_only", "--out", "e", "--seed", "-1"],
    ["crossval", "--data", "s.zarr", "--out", "cv", "--seed", "-1"],
    ["train", "--data", "s.zarr", "--checkpoint-dir", "c", "--seed", "-1"],
    ["distill", "--teacher", "default", "--data", "s.zarr", "--out", "d", "--seed", "-1"],
])
def test_zero_or_negative_numbers_are_refused_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and "must be" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--n-sim", "0"], ["--n-test", "-1"], ["--steps", "0"], ["--realizations", "0"],
                                    ["--train", "--minutes", "-1"]])
def test_demo_refuses_zero_or_negative_numbers_before_any_work(tmp_path, option, capsys):
    """demo's counts were plain ints: --n-sim 0 failed after work with simulate's "--n 0", --steps 0 was
    ignored (the whole demo ran), --minutes -1 failed after simulating and preprocessing."""
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "d"), *option])
    assert exit_info.value.code == 2 and "must be" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_a_crossover_outside_the_band_is_refused_and_leaves_no_store(tmp_path):
    out = tmp_path / "s.zarr"
    assert main(["simulate", "--out", str(out), "--n", "2", "--duration-s", "10", "--lowpass-hz", "40"]) == 2
    assert main(["simulate", "--out", str(out), "--n", "2", "--duration-s", "10", "--lowpass-hz", "0.0001"]) == 0


@pytest.mark.parametrize("fs_hz", [128.0, 300.0])
def test_simulated_at2_time_steps_read_back_exact(tmp_path, fs_hz):
    assert main(["simulate", "--out", str(tmp_path / "a"), "--n", "1", "--fs", str(fs_hz), "--duration-s", "10"]) == 0
    rec = read(sorted((tmp_path / "a").glob("*.AT2"))[0])[0]
    assert rec.sampling_rate_hz == pytest.approx(fs_hz, rel=1e-7)


def test_demo_with_a_missing_records_folder_and_verify_with_an_inverted_range(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "d"), "--records", str(tmp_path / "nowhere")]) == 2
    assert "--records" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "s.zarr"), "--pga-range", "0", "-1"]) == 2


def test_a_seed_of_zero_stays_valid_and_a_config_files_negative_seed_is_one_line(tmp_path, capsys):
    from seisdiff.cli import build_parser
    args = build_parser().parse_args(["evaluate", "--real", "r", "--generated", "baseline:lf_only", "--out", "e",
                                      "--seed", "0"])
    assert args.seed == 0
    assert build_parser().parse_args(["train", "--data", "s", "--checkpoint-dir", "c", "--seed", "0"]).seed == 0
    (tmp_path / "neg.toml").write_text("seed = -1\n")
    assert main(["train", "--data", str(tmp_path / "s.zarr"), "--checkpoint-dir", str(tmp_path / "c"),
                 "--config", str(tmp_path / "neg.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seed -1: give a whole number ≥ 0" in err[0], err


def test_an_empty_store_left_by_preprocess_is_one_line_for_train_sample_and_crossval(tmp_path, capsys):
    """A preprocess of a mistyped path stores nothing (exit 1) and leaves its store, empty. `train` on it
    ended in numpy's traceback (fit_scaling: need at least one array to concatenate), `sample` exited 0
    having generated 0 realizations, `crossval` said the store had no column 'region'."""
    store = tmp_path / "s.zarr"
    assert main(["preprocess", str(tmp_path / "no_such_folder"), "--out", str(store), "--quiet"]) == 1
    capsys.readouterr()
    for argv in (["train", "--data", str(store), "--checkpoint-dir", str(tmp_path / "c"), "--epochs", "1"],
                 ["sample", "--checkpoint", "default", "--cond", str(store), "--out", str(tmp_path / "g.zarr")],
                 ["crossval", "--data", str(store), "--out", str(tmp_path / "cv")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(store) in err[0] and "holds no records" in err[0], (argv, err)
    assert not (tmp_path / "g.zarr").exists()
