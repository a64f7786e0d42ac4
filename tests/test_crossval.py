"""`seisdiff crossval`: folds partition the records by region (records without one train unless their event
is held out), the fold stores keep the source's arrays, columns and attributes, crossval.json's mean is the mean of its
folds, a second run redoes nothing, and a store that cannot be grouped is one clear error line."""
import json
from pathlib import Path

import numpy as np
import pytest
from synth import make_store
from test_train import TINY_TOML

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.evaluate.crossval import GOALS, SYSTEMS
from seisdiff.io.store import open_store
from seisdiff.io.subset import copy_records

N = 18
REGIONS = np.array(["japan"] * 6 + ["taiwan"] * 6 + [""] * 6)          # the last 6: e.g. simulations
COMPONENTS = np.array(["H1", "Z"] * 3 + ["H1", "H2"] * 3 + ["H1", "Z"] * 3)  # taiwan: no verticals


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("crossval")
    store = make_store(root / "all.zarr", n=N, length=256, columns={"region": REGIONS, "component": COMPONENTS})
    (root / "tiny.toml").write_text(TINY_TOML)
    args = ["crossval", "--data", str(store.path), "--out", str(root / "cv"), "--config", str(root / "tiny.toml"),
            "--epochs", "1", "--sampler", "ddim", "--steps", "2", "--realizations", "2", "--no-progress",
            "--without-metadata"]
    assert main(args) == 0
    return root / "cv", store, args


def test_fold_stores_partition_the_records_by_region(run):
    out, store, _ = run
    ids = store.record_ids
    unknown = set(ids[REGIONS == ""].tolist())
    tested = []
    for region in ("japan", "taiwan"):
        train, test = open_store(out / region / "train.zarr"), open_store(out / region / "test.zarr")
        assert set(test.record_ids.tolist()) == set(ids[REGIONS == region].tolist())
        assert set(train.record_ids.tolist()) == set(ids[REGIONS != region].tolist())
        assert unknown <= set(train.record_ids.tolist()) and not unknown & set(test.record_ids.tolist())
        tested += test.record_ids.tolist()
        for sub in (train, test):
            for key in ("sampling_rate_hz", "lowpass_hz", "band_hz", "filter"):
                assert sub.attrs[key] == store.attrs[key], key
            assert set(store.columns) <= set(sub.columns)
            rows = np.searchsorted(ids, sub.record_ids)
            np.testing.assert_array_equal(sub.read()["broadband"], store.read()["broadband"][rows])
            np.testing.assert_array_equal(sub.column("component"), COMPONENTS[rows])
            np.testing.assert_array_equal(sub.column("pga_broadband"), store.column("pga_broadband")[rows])
    assert sorted(tested) == sorted(ids[REGIONS != ""].tolist())     # every grouped record tested once


def test_table_has_one_row_per_fold_and_their_mean(run):
    out, _, _ = run
    result = json.loads((out / "crossval.json").read_text())
    assert [r["fold"] for r in result["folds"]] == ["japan", "taiwan"]
    for kind, n_folds in (("all", 2), ("horizontal", 2), ("vertical", 1)):
        assert result["mean"][kind]["n_folds"] == n_folds
        for system in SYSTEMS:
            for _, key, _, _ in GOALS:
                values = [r["values"][kind][system][key] for r in result["folds"] if kind in r["values"]]
                if None not in values:
                    assert result["mean"][kind][system][key] == pytest.approx(np.mean(values), rel=1e-5), key
    # with 2 realizations the model's values are one realization per record, mean over the draws
    metrics = json.loads((out / "japan" / "eval" / "metrics.json").read_text())
    assert metrics["model_one_realization"]["n_draws"] == 2
    assert result["folds"][0]["values"]["all"]["model"]["psa_band_bias_ln"] == \
        metrics["model_one_realization"]["mean"]["psa_band_bias_ln"]
    assert result["folds"][0]["values"]["all"]["stochastic"]["psa_band_bias_ln"] == \
        metrics["summary"]["stochastic"]["psa_band_bias_ln"]
    # horizontals and verticals evaluated apart, each on its own records
    horizontal = json.loads((out / "japan" / "eval_horizontal" / "metrics.json").read_text())
    assert horizontal["n_records"] == 3 and metrics["n_records"] == 6
    taiwan = result["folds"][1]
    assert "vertical" not in taiwan["values"] and "no vertical records" in taiwan["notes"]
    assert taiwan["values"]["horizontal"] == taiwan["values"]["all"]  # every record horizontal
    md = (out / "crossval.md").read_text()
    assert "| japan, vertical | 3 | model |" in md and "| mean | 2 folds | lf_only |" in md
    assert "| mean, vertical | 1 fold | model |" in md and "taiwan: no vertical records" in md
    goal_rows = [line for line in md.splitlines() if line.startswith("| goal |") or
                 any(f"| {system} |" in line for system in SYSTEMS)]
    assert len(goal_rows) == 1 + 3 * (2 + 2 + 1 + 3) and all(line.count("|") == len(GOALS) + 4 for line in goal_rows)
    assert "| goal | | | ±0.15 | ≤ 0.45 |" in md
    # the tiny models were not given κ: neither is the stochastic baseline
    assert {r["stochastic_kappa"] for r in result["folds"]} == {"default"}
    assert metrics["stochastic_kappa_s"].startswith("0.04 s for every record")
    assert "`stochastic`'s κ: 0.04 s for every record" in md
    # 6 real records per fold are too few for a level model: each checkpoint says it has none
    from seisdiff.engine.checkpoint import load_checkpoint
    assert all(load_checkpoint(out / f / "model" / "best.pt")["level_model"] is None for f in ("japan", "taiwan"))
    assert "high-frequency level: each fold model's level model" in md


def test_metadata_hidden_changes_the_model_not_the_baselines(run):
    """--without-metadata: each fold's records generated again with magnitude and distance hidden; the
    baselines ignore metadata (the same values), the model does not, and the table shows both."""
    out, store, _ = run
    result = json.loads((out / "crossval.json").read_text())
    for row in result["folds"]:
        given, hidden = row["values"]["all"], row["values"]["no_metadata"]
        assert hidden["stochastic"] == given["stochastic"] and hidden["lf_only"] == given["lf_only"]
    a = open_store(out / "japan" / "samples.zarr").read()["broadband"]
    b = open_store(out / "japan" / "samples_no_metadata.zarr").read()["broadband"]
    assert a.shape == b.shape and not np.allclose(a, b)
    assert result["mean"]["no_metadata"]["n_folds"] == 2
    md = (out / "crossval.md").read_text()
    rows = md.split("Metadata given against hidden")[1].splitlines()
    assert [r.split(" | ")[0] for r in rows if r.startswith("| ") and "fold" not in r] == ["| japan", "| taiwan", "| mean"]


def test_second_run_redoes_nothing(run, capsys):
    out, _, args = run
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
             and p.name not in ("crossval.json", "crossval.md", "sample_config.json")}
    capsys.readouterr()
    assert main(args) == 0
    stages = [line for line in capsys.readouterr().out.splitlines() if line.startswith("crossval [")]
    assert len(stages) == 9 + 5 + 2 * 2 and all("skipped" in line for line in stages), stages
    assert {p: p.stat().st_mtime_ns for p in files} == files


def test_a_moved_out_and_store_resume_without_redoing_anything(run, tmp_path, monkeypatch, capsys):
    """OUT and its store moved (and run from another working directory, with relative paths): the resume was
    refused, the store's path having changed ('1 input(s) added, … 1 left out'), then each fold's samples
    (their checkpoint and conditioning store recorded by absolute path). The store is known by its
    fingerprint, the fold's files relative to the fold: the same report, no stage redone; another store
    with the moved one's name is still refused."""
    import shutil

    out, store, args = run
    shutil.copytree(out.parent, tmp_path / "before")              # copy2: the files' times kept, as by mv
    (tmp_path / "before").rename(tmp_path / "after")
    monkeypatch.chdir(tmp_path)
    moved = {"--data": "after/all.zarr", "--out": "after/cv", "--config": "after/tiny.toml"}
    args = [moved.get(prev, a) for prev, a in zip(["", *args], args)]
    models = {p: p.stat().st_mtime_ns for p in (tmp_path / "after").rglob("*.pt")}
    capsys.readouterr()
    assert main(args) == 0
    stages = [line for line in capsys.readouterr().out.splitlines() if line.startswith("crossval [")]
    assert len(stages) == 9 + 5 + 2 * 2 and all("skipped" in line for line in stages), stages
    assert {p: p.stat().st_mtime_ns for p in models} == models
    before, after = (json.loads((o / "crossval.json").read_text()) for o in (out, tmp_path / "after" / "cv"))
    assert after["folds"] == before["folds"] and after["mean"] == before["mean"]
    config = json.loads((tmp_path / "after" / "cv" / "japan" / "samples.zarr" / "sample_config.json").read_text())
    assert config["checkpoint"] == "../model/best.pt" and list(config["inputs"]) == ["../test.zarr"]
    shutil.rmtree(tmp_path / "after" / "all.zarr")
    make_store(tmp_path / "after" / "all.zarr", n=N, length=256, seed=5,
               columns={"region": REGIONS, "component": COMPONENTS})
    assert main(args) == 2
    assert "after/cv: was started from another version of the store" in capsys.readouterr().err


def test_sample_by_hand_resumes_a_fold_and_keeps_it_movable(run, tmp_path, capsys):
    """`sample` run by hand on a fold folder with the arguments crossval used was refused ('1 input(s) added, e.g.
    <fold>/test.zarr; 1 left out, e.g. test.zarr'): crossval records the fold's files relative, which `sample`
    compared as they stood. A relative path in sample_config.json is relative to its own folder: the hand-run
    resumes (nothing generated), keeps the paths relative (the folder, moved again, still resumes), and another
    conditioning store is still refused."""
    import shutil

    out, _, _ = run
    fold = tmp_path / "a" / "japan"
    shutil.copytree(out / "japan", fold)                          # a moved fold folder

    def hand(fold, cond):
        return main(["sample", "--checkpoint", str(fold / "model" / "best.pt"), "--cond", str(cond), "--out",
                     str(fold / "samples.zarr"), "--sampler", "ddim", "--steps", "2", "--realizations", "2",
                     "--seed", "0", "--no-progress"])

    config = fold / "samples.zarr" / "sample_config.json"
    capsys.readouterr()
    assert hand(fold, fold / "test.zarr") == 0
    assert "0 realizations generated (12 already written)" in capsys.readouterr().out
    recorded = json.loads(config.read_text())
    assert recorded["checkpoint"] == "../model/best.pt" and list(recorded["inputs"]) == ["../test.zarr"]
    fold.parent.rename(tmp_path / "b")
    fold = tmp_path / "b" / "japan"
    assert hand(fold, fold / "test.zarr") == 0
    assert "0 realizations generated (12 already written)" in capsys.readouterr().out
    assert hand(fold, out / "taiwan" / "test.zarr") == 2
    assert "was started from other inputs" in capsys.readouterr().err


@pytest.mark.parametrize("earlier", ["relative to the fold", "absolute where the fold was"])
def test_fold_samples_recorded_by_an_earlier_seisdiff_resume(run, tmp_path, capsys, earlier):
    """Before their paths were relative to sample_config.json's own folder, crossval recorded a fold's files
    relative to the fold folder ('model/best.pt'), and earlier still absolute (where the fold folder was, moved
    since): both resume, nothing redone, and are recorded as now ('../model/best.pt')."""
    out, _, args = run
    paths = {p: p.read_text() for p in out.rglob("sample_config.json")}
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
              and p.name not in ("crossval.json", "crossval.md", "sample_config.json")}

    def earlier_form(path: str, fold: Path) -> str:
        rel = path.removeprefix("../")
        return rel if earlier == "relative to the fold" else str(tmp_path / "was" / fold.name / rel)

    try:
        for path, text in paths.items():
            config, fold = json.loads(text), path.parent.parent
            config |= {"checkpoint": earlier_form(config["checkpoint"], fold),
                       "conditioning_store": earlier_form(config["conditioning_store"], fold),
                       "cond": [earlier_form(c, fold) for c in config["cond"]],
                       "inputs": {earlier_form(k, fold): v for k, v in config["inputs"].items()}}
            path.write_text(json.dumps(config))
        capsys.readouterr()
        assert main(args) == 0
        stages = [line for line in capsys.readouterr().out.splitlines() if line.startswith("crossval [")]
        assert all("skipped" in line for line in stages), stages
        assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
        for path in paths:
            config = json.loads(path.read_text())
            assert config["checkpoint"] == "../model/best.pt" and list(config["inputs"]) == ["../test.zarr"]
    finally:
        for path, text in paths.items():
            path.write_text(text)


def test_a_store_rewritten_in_place_is_refused_on_resume(run, capsys):
    """The store rewritten in place (magnitudes corrected; records added) was taken as it was: the finished
    models and samples of the old store were kept (conditioned on the old magnitudes), new records were
    appended to the fold stores of models that never saw them, and a fold's samples mixed both. The store's
    fingerprint (OUT/crossval_inputs.json) refuses it in one line and nothing under OUT changes; the same
    store written again (new times, same content) resumes, and so does an OUT that recorded none (a warning)."""
    import shutil

    out, store, args = run
    assert json.loads((out / "japan" / "samples.zarr" / "sample_config.json").read_text())["inputs"]
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    columns = {"region": REGIONS, "component": COMPONENTS}
    for n, extra in ((N, {"magnitude": 6.0 + np.arange(N) % 4 * 0.5}),
                     (N + 3, {"region": np.array([*REGIONS, "japan", "japan", "japan"]),
                              "component": np.array([*COMPONENTS, "H1", "H2", "Z"])})):
        shutil.rmtree(store.path)
        make_store(store.path, n=n, length=256, columns={**columns, **extra})
        capsys.readouterr()
        assert main(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"{out}: was started from another version of the store" in err[0], err
        assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == files
    shutil.rmtree(store.path)
    make_store(store.path, n=N, length=256, columns=columns)                 # the original again
    (out / "crossval_inputs.json").unlink()                                   # as an earlier seisdiff left it
    capsys.readouterr()
    assert main(args) == 0
    assert "started by an earlier seisdiff" in capsys.readouterr().out
    assert main(args) == 0 and "earlier seisdiff" not in capsys.readouterr().out


def test_samples_of_an_earlier_seisdiff_are_made_again(run, capsys):
    """A crossval whose folds were sampled before a default of `sample` changed (the level rule of 56c4299, the first
    window's lead of fd5660e: sample_config.json scenario false, lead_samples 0) was refused in every fold, 'use
    the same options to resume' (exit 2), though no crossval option restores them: the samples and their
    evaluations are made again (the same numbers here: nothing else changed). A crossval option of its own that
    differs (--sampler) is still refused."""
    out, _, args = run
    configs = {p: p.read_text() for p in out.rglob("sample_config.json")}
    mean = json.loads((out / "crossval.json").read_text())["mean"]
    metrics = {p: p.stat().st_mtime_ns for p in out.rglob("metrics.json")}
    for path, text in configs.items():
        path.write_text(json.dumps(json.loads(text) | {"scenario": False, "lead_samples": 0}))
    capsys.readouterr()
    assert main(args) == 0
    stages = [line for line in capsys.readouterr().out.splitlines() if line.startswith("crossval [")]
    assert sum("made by an earlier seisdiff" in line and "(scenario, lead_samples): made again" in line
               for line in stages) == 4, stages                       # 2 folds × (given, hidden metadata)
    assert all(p.stat().st_mtime_ns != t for p, t in metrics.items())   # every evaluation redone
    assert json.loads((out / "crossval.json").read_text())["mean"] == mean
    path = out / "japan" / "samples.zarr" / "sample_config.json"
    text = path.read_text()
    try:
        path.write_text(json.dumps(json.loads(text) | {"sampler": "ddpm", "scenario": False}))
        assert main(args) == 2
        assert "sampler: 'ddpm' vs 'ddim'" in capsys.readouterr().err
    finally:
        path.write_text(text)


def test_a_resume_with_nothing_to_train_keeps_the_samples(run, capsys):
    """Re-run with another --max-minutes on folds that had finished their epochs: training resumed, had
    nothing to train ('already trained for 1 epochs'), best.pt was left byte for byte, yet every fold's samples
    and evaluations were deleted and made again (hours of sampling on real data). They are kept now. (Last of
    the tests on `run`: its folds' training then marked with --max-minutes.)"""
    out, _, args = run
    best = {p: p.read_bytes() for p in out.rglob("best.pt")}
    kept = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
            and any(part.startswith(("samples", "eval")) for part in p.relative_to(out).parts)
            and p.name != "sample_config.json"}
    capsys.readouterr()
    assert main([*args, "--max-minutes", "30"]) == 0
    stages = [line for line in capsys.readouterr().out.splitlines() if line.startswith("crossval [")]
    assert sum("already trained for 1 epochs" in line for line in stages) == 2, stages
    assert [line for line in stages if " sample: " in line or " evaluate " in line] and \
        all("skipped" in line for line in stages if " sample: " in line or " evaluate " in line), stages
    assert {p: p.read_bytes() for p in best} == best
    assert {p: p.stat().st_mtime_ns for p in kept} == kept


def test_a_store_that_cannot_be_grouped_is_one_clear_error(tmp_path, capsys):
    store = make_store(tmp_path / "s.zarr", n=6, length=256)             # no `region` column
    common = ["crossval", "--data", str(store.path), "--out", str(tmp_path / "cv")]
    for extra, says in (([], "no column 'region'"), (["--by", "site"], "no column 'site'"),
                        (["--by", "event", "--folds", "ev9"], "--folds ev9: not a value of 'event'")):
        assert main([*common, *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], err
    assert not (tmp_path / "cv").exists()


@pytest.mark.parametrize("regions, says", [([""] * 6, "column 'region' has no values in its 6 records"),
                                           (["japan"] * 3 + [""] * 3, "column 'region' has one value (japan)")])
def test_a_region_column_with_too_few_values_says_what_to_do(tmp_path, capsys, regions, says):
    """A `region` column without values (AT2 files preprocessed without a --metadata region) said "has 0 non-empty
    value(s) ()": one line naming the column, its records and the remedy."""
    store = make_store(tmp_path / "s.zarr", n=6, length=256, columns={"region": np.array(regions)})
    assert main(["crossval", "--data", str(store.path), "--out", str(tmp_path / "cv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "()" not in err[0], err
    assert "`region` column" in err[0] and "coordinates" in err[0] and "--by event" in err[0], err
    assert not (tmp_path / "cv").exists()


def test_an_out_in_the_store_is_refused_before_anything_is_written(tmp_path, capsys):
    """--out the store or a folder in it: the folds' stores, models and samples were written into the store
    (its fingerprint changing with every stage: never resumable), and only the first evaluation refused the
    folder ('metrics.json, report.md and the figures would be written into it'), after a fold had trained."""
    store = make_store(tmp_path / "s.zarr", n=N, length=256, columns={"region": REGIONS})
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    files = sorted(store.path.rglob("*"))
    for out, says in ((store.path, "is the store"), (store.path / "cv", "is inside the store")):
        assert main(["crossval", "--data", str(store.path), "--out", str(out), "--config", str(tmp_path / "tiny.toml"),
                     "--epochs", "1", "--sampler", "ddim", "--steps", "2", "--no-progress"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"--out {out}: {says} {store.path} (the --data store)" in err[0], err
        assert sorted(store.path.rglob("*")) == files                      # nothing written into it


def test_a_sampler_no_fold_can_use_is_refused_before_training(tmp_path, capsys):
    """--sampler nope (or distilled: a fold's model is never distilled) was refused by the first fold's sampling,
    after that fold had trained (hours on real data)."""
    store = make_store(tmp_path / "s.zarr", n=N, length=256, columns={"region": REGIONS})
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    for sampler, says in (("nope", "--sampler nope: choose one of dpmpp, ddim, ddpm, heun"),
                          ("distilled", "(the folds' models are trained by crossval, not distilled)")):
        assert main(["crossval", "--data", str(store.path), "--out", str(tmp_path / "cv"), "--config",
                     str(tmp_path / "tiny.toml"), "--epochs", "1", "--sampler", sampler, "--no-progress"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], err
        assert not (tmp_path / "cv").exists()


def test_an_interrupted_copy_is_completed(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=9, length=256)
    rows = np.array([1, 2, 4, 5, 7, 8])
    copy_records(store, rows[:2], tmp_path / "sub.zarr")                  # as if killed after one block
    sub, written = copy_records(store, rows, tmp_path / "sub.zarr", block_records=3)
    assert written == 4 and sorted(sub.record_ids.tolist()) == store.record_ids[rows].tolist()
    assert copy_records(store, rows, tmp_path / "sub.zarr")[1] == 0


def test_evaluation_is_redone_when_the_samples_gained_realizations(tmp_path):
    """A fold re-run with more --realizations adds them to samples.zarr; its evaluation (metrics.json of
    the fewer realizations) is then stale and is redone, not skipped: crossval.json reported the first
    run's one realization under 'mean over the draws' of two."""
    from seisdiff.evaluate.crossval import CrossvalConfig, _evaluate
    from seisdiff.io.store import create_store

    real = make_store(tmp_path / "test.zarr", n=2, length=256)
    data = real.read()
    ids = real.record_ids.tolist()
    gen = create_store(tmp_path / "samples.zarr", sampling_rate_hz=100.0, length=256, lowpass_hz=1.0)
    gen.append(2.0 * data["broadband"], data["lowpass"], [f"{r}_r0" for r in ids], {"realization": np.zeros(2)})
    cfg = CrossvalConfig(data="", out="", realizations=2, progress=False)
    lines = []

    def say(stage, message):
        lines.append(message)

    first = _evaluate(real, tmp_path / "samples.zarr", tmp_path / "eval", cfg, say, "default")
    assert first["model"]["pga_median_ln"] == pytest.approx(-np.log(2), abs=1e-4)
    gen.append(4.0 * data["broadband"], data["lowpass"], [f"{r}_r1" for r in ids], {"realization": np.ones(2)})
    again = _evaluate(real, tmp_path / "samples.zarr", tmp_path / "eval", cfg, say, "default")
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert metrics["n_generated_traces"] == 4 and metrics["model_one_realization"]["n_draws"] == 2
    # one realization per record, mean over the draws ×2 and ×4: −(ln 2 + ln 4)/2
    assert again["model"]["pga_median_ln"] == pytest.approx(-1.5 * np.log(2), abs=1e-4)
    # and a third call with nothing new skips
    _evaluate(real, tmp_path / "samples.zarr", tmp_path / "eval", cfg, say, "default")
    assert "skipped" in lines[-1]
    # an evaluation by an older version of the measures (no metrics_version: 1) is redone, not reused
    metrics.pop("metrics_version")
    metrics["summary"]["model"]["pga_median_ln"] = 99.0
    (tmp_path / "eval" / "metrics.json").write_text(json.dumps(metrics))
    redone = _evaluate(real, tmp_path / "samples.zarr", tmp_path / "eval", cfg, say, "default")
    assert "version 1 of the measures" in lines[-2]
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["metrics_version"] == 4
    assert redone["model"]["pga_median_ln"] == pytest.approx(-1.5 * np.log(2), abs=1e-4)
    # version 2 compared a store's windows' low band up to their ends (report.consistency): redone too
    metrics["metrics_version"] = 2
    (tmp_path / "eval" / "metrics.json").write_text(json.dumps(metrics))
    redone = _evaluate(real, tmp_path / "samples.zarr", tmp_path / "eval", cfg, say, "default")
    assert "version 2 of the measures" in lines[-2]
    assert redone["model"]["pga_median_ln"] == pytest.approx(-1.5 * np.log(2), abs=1e-4)


def test_a_held_out_events_records_outside_its_region_do_not_train(tmp_path):
    """Folds by region: an event recorded in the held-out region and by a station outside it (another
    region, or none known) is held out whole: its other records leave that fold's training (they trained,
    so the model had seen the held-out earthquake); records of other events train as before."""
    from seisdiff.evaluate.crossval import plan_folds

    regions = np.array(["a", "a", "a", "b", "b", "", "b", "", ""])
    events = np.array(["e1", "e1", "e2", "e1", "e3", "e1", "e4", "e5", ""])
    store = make_store(tmp_path / "s.zarr", n=9, length=256, columns={"region": regions, "event": events})
    folds = {f.name: f for f in plan_folds(store, "region")}
    np.testing.assert_array_equal(folds["a"].test, [0, 1, 2])
    np.testing.assert_array_equal(folds["a"].train, [4, 6, 7, 8])      # not 3 and 5: e1 is held out
    np.testing.assert_array_equal(folds["b"].test, [3, 4, 6])
    np.testing.assert_array_equal(folds["b"].train, [2, 7, 8])         # not 0, 1, 5: e1 is held out
    for fold in folds.values():
        assert not set(events[fold.train]) & set(events[fold.test]) - {""}
    by_event = {f.name: f for f in plan_folds(store, "event")}
    np.testing.assert_array_equal(by_event["e1"].train, [2, 4, 6, 7, 8])


def test_a_copy_holding_records_not_asked_for_is_refused(tmp_path):
    """Copy rows 0–5, then ask for rows 0–3: the destination is not returned with r004 and r005."""
    store = make_store(tmp_path / "s.zarr", n=9, length=256)
    copy_records(store, range(6), tmp_path / "sub.zarr")
    with pytest.raises(UserError, match=r"sub.zarr: holds 2 record\(s\) not asked for .*r004, r005.*delete"):
        copy_records(store, range(4), tmp_path / "sub.zarr")
    assert len(open_store(tmp_path / "sub.zarr")) == 6                    # left as it was
    assert copy_records(store, range(6), tmp_path / "sub.zarr")[1] == 0   # the same plan resumes


def test_a_copy_made_from_another_store_of_the_same_ids_is_refused(tmp_path):
    """The same ids from another store (the inputs preprocessed again with another band): 'written 0', the
    old data returned as the new store's."""
    first = make_store(tmp_path / "a.zarr", n=6, length=256, seed=0)
    other = make_store(tmp_path / "b.zarr", n=6, length=256, seed=99)
    copy_records(first, range(4), tmp_path / "sub.zarr")
    with pytest.raises(UserError, match=r"sub.zarr: 4 record\(s\) hold other data than .*b.zarr.*another PGA"):
        copy_records(other, range(4), tmp_path / "sub.zarr")
    assert copy_records(first, range(4), tmp_path / "sub.zarr")[1] == 0    # its own source resumes


def test_a_fold_folder_of_another_plan_is_refused_before_training(tmp_path, capsys):
    """OUT made from another grouping: japan's train.zarr holds japan's own records; not trained on."""
    store = make_store(tmp_path / "all.zarr", n=N, length=256, columns={"region": REGIONS})
    copy_records(store, np.flatnonzero(REGIONS != "taiwan"), tmp_path / "cv" / "japan" / "train.zarr")
    (tmp_path / "tiny.toml").write_text(TINY_TOML)
    args = ["crossval", "--data", str(store.path), "--out", str(tmp_path / "cv"),
            "--config", str(tmp_path / "tiny.toml"), "--epochs", "1", "--no-progress"]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "6 record(s) not asked for" in err[0] and "r000, r001, r002, …" in err[0], err
    assert f"delete the fold folder {tmp_path / 'cv' / 'japan'}" in err[0], err
    assert not (tmp_path / "cv" / "japan" / "model").exists()


def test_the_report_says_what_each_grouping_held_out(tmp_path, monkeypatch):
    """crossval.md said 'one fold per value of `event` (records with none always train)' and '(every held-out
    region is one it never saw)' for --by event too, and 'records with none always train' by region, where a
    record with no region of a held-out event does not. Each grouping now says what it held out."""
    import seisdiff.evaluate.crossval as cv

    def no_work(fold, store, train_cfg, cfg, d, log):                # the report only: nothing trained
        values = {s: {key: 0.0 for _, key, _, _ in GOALS} for s in SYSTEMS}
        return {"fold": fold.name, "dir": fold.dirname, "n_train": len(fold.train), "n_test": len(fold.test),
                "n_kind": {}, "stochastic_kappa": "default", "notes": [], "values": {"all": values}}

    monkeypatch.setattr(cv, "run_fold", no_work)
    regions = np.array(["a", "a", "a", "b", "b", "b", "", "", ""])
    store = make_store(tmp_path / "s.zarr", n=9, length=256, columns={"region": regions})   # events ev0–ev2
    (tmp_path / "tiny.toml").write_text(TINY_TOML.replace("batch_size = 4", "batch_size = 2"))
    md = {by: cv.markdown(cv.crossval(cv.CrossvalConfig(data=str(store.path), out=str(tmp_path / by), by=by,
                                                        config=str(tmp_path / "tiny.toml"), progress=False),
                                      log=lambda line: None))
          for by in ("region", "event")}
    assert "one fold per earthquake (`event`): its records held out" in md["event"]
    assert "(records with no event always train)" in md["event"]
    assert "every held-out earthquake is one it never saw; its region may be one it was fitted on" in md["event"]
    assert "region" not in md["event"].replace("its region may be", "")
    assert "one fold per value of `region`: its records held out, with every other record of their " \
           "earthquakes (`event`), the others trained on (records with no region too, unless of a held-out " \
           "earthquake)" in md["region"]
    assert "every held-out region is one it never saw" in md["region"] and "always train" not in md["region"]
    assert (tmp_path / "event" / "crossval.md").read_text() == md["event"]


def test_a_fold_that_cannot_train_is_refused_before_any_fold_trains(tmp_path, capsys):
    """A fold left with no training record (one earthquake recorded in both regions), or with fewer than one
    batch after the validation split, was found by its own training, after the folds before it had trained,
    and said as of its train.zarr: 'the store holds no records to train on … preprocess records into it
    first', '2 training records, fewer than one batch (4); lower --batch-size' (crossval has none). Now one
    line naming the fold before anything is written."""
    (tmp_path / "tiny.toml").write_text(TINY_TOML)                   # batch_size 4, val_fraction 0.25
    one = make_store(tmp_path / "one.zarr", n=6, length=256,
                     columns={"region": np.array(["a"] * 3 + ["b"] * 3), "event": np.array(["e"] * 6)})
    # by region, fold a trains on b's 9 records (3 events, one for validation), fold b on a's 3 (one event)
    few = make_store(tmp_path / "few.zarr", n=12, length=256, columns={"region": np.array(["a"] * 3 + ["b"] * 9)})
    for store, says in ((one, "fold 'a' leaves no record to train on (every record is of region 'a' or of one of "
                              "its earthquakes)"),
                        (few, "fold 'b' trains on 3 record(s) (of 3, less the validation split), fewer than one "
                              "batch (4): lower batch_size in --config")):
        capsys.readouterr()
        assert main(["crossval", "--data", str(store.path), "--out", str(tmp_path / "cv"), "--config",
                     str(tmp_path / "tiny.toml"), "--epochs", "1", "--no-progress"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0], err
        assert not (tmp_path / "cv").exists()
