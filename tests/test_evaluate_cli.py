"""End to end: `seisdiff evaluate` on tiny stores written with `create_store`."""
import json

import numpy as np
import pytest
from synth import accelerogram

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.evaluate.metrics import compute_all
from seisdiff.evaluate.report import draw_index, record_spectra
from seisdiff.io.store import create_store

FS_HZ, LOWPASS_HZ, LENGTH = 100.0, 1.0, 1024
PERIODS = ["0.05", "0.1", "0.3", "1.0", "3.0"]


def _real(tmp_path, n=3, c=1, columns=None):
    bb = np.stack([[accelerogram(10 * i + j, n=LENGTH, pga=0.4 + i) for j in range(c)] for i in range(n)])
    bb = bb.astype(np.float32)
    lp = lowpass(bb, FS_HZ, LOWPASS_HZ)
    ids = [f"rec{i}" for i in range(n)]
    create_store(tmp_path / "real.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=c,
                 lowpass_hz=LOWPASS_HZ).append(bb, lp, ids, columns)
    return bb, lp, ids


def _generated(tmp_path, bb, lp, ids, realizations, factor=1.0):
    """A generated store as `sample` writes it: ids `<id>_r<k>` and a `realization` column."""
    k = realizations
    create_store(tmp_path / "gen.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=bb.shape[1],
                 lowpass_hz=LOWPASS_HZ).append(
        np.tile(factor * bb, (k, 1, 1)), np.tile(lp, (k, 1, 1)),
        [f"{rid}_r{r}" for r in range(k) for rid in ids],
        {"realization": np.repeat(np.arange(k), len(ids))})
    return str(tmp_path / "gen.zarr")


def _evaluate(tmp_path, generated, *extra):
    rc = main(["evaluate", "--real", str(tmp_path / "real.zarr"), "--generated", generated,
               "--out", str(tmp_path / "out"), "--periods", *PERIODS, *extra])
    assert rc == 0
    return json.loads((tmp_path / "out" / "metrics.json").read_text())


def _finite(values):
    return np.isfinite(np.array(values, dtype=float)).all()


def test_doubled_generated_three_channels(tmp_path, capsys):
    bb, lp, ids = _real(tmp_path, n=3, c=3)
    result = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=2, factor=2.0))
    assert result["n_records"] == 3 and result["n_generated_traces"] == 6
    model = result["summary"]["model"]
    for key in ("psa", "fas"):
        np.testing.assert_allclose(model[f"{key}_bias_ln"], -np.log(2), atol=1e-4)
        np.testing.assert_allclose(model[f"{key}_sigma_ln"], 0.0, atol=1e-4)
    for key in ("pga", "pgv", "cav"):
        assert model[f"{key}_bias_ln"] == pytest.approx(-np.log(2), abs=1e-4)
    assert model["arias_bias_ln"] == pytest.approx(-np.log(4), abs=1e-4)  # Arias ∝ a²
    assert model["d5_95_diff_s"] == pytest.approx(0.0, abs=1e-9)
    assert model["lowband_amp_ratio_median"] == pytest.approx(2.0, rel=1e-3)
    assert model["envelope_corr_median"] == pytest.approx(1.0, abs=1e-6)
    row = result["records"][0]
    assert row["n_realizations"] == 2
    assert row["pga_generated_mps2"] == pytest.approx(2 * row["pga_real_mps2"], rel=1e-5)
    assert "report:" in capsys.readouterr().out


def test_medians_over_records_beside_means(tmp_path):
    """Records generated 1×, 2× and 8× too strong: PGA ln ratios 0, −ln 2, −ln 8, so the median is
    −ln 2 where the mean is −(4/3) ln 2; Arias (∝ a²) twice that; durations do not change with scale."""
    bb, lp, ids = _real(tmp_path, n=3)
    factors = np.array([1.0, 2.0, 8.0])[:, None, None]
    model = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=1, factor=factors))["summary"]["model"]
    assert model["pga_median_ln"] == pytest.approx(-np.log(2), abs=1e-4)
    assert model["pga_bias_ln"] == pytest.approx(-4 / 3 * np.log(2), abs=1e-4)
    assert model["arias_median_ln"] == pytest.approx(-2 * np.log(2), abs=1e-4)
    assert model["d5_95_median_diff_s"] == pytest.approx(0.0, abs=1e-9)
    # the peak factor and the spectrum's unevenness do not change with scale either
    assert model["energy_duration_median_ln"] == pytest.approx(0.0, abs=1e-6)
    assert model["unevenness_median_ln"] == pytest.approx(0.0, abs=1e-6)
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"| PGA median ln ratio | {-np.log(2):+.3f} |" in report


def test_record_spectra_groups_each_records_realizations(tmp_path):
    """Traces in `sample`'s order (realization-major), realization r of record i scaled by 2**r:
    each record's curves are its own realizations (PSA and FAS are linear in amplitude), in order;
    the figure is written and listed."""
    bb, lp, ids = _real(tmp_path, n=3)
    scale = np.repeat(2.0 ** np.arange(3), len(ids))[:, None, None]
    gen = np.tile(bb, (3, 1, 1)) * scale
    periods = np.array([0.1, 0.5])
    traces = {"model": dict(compute_all(gen, FS_HZ, periods), record_pos=np.tile(np.arange(3), 3)),
              "stochastic": dict(compute_all(bb[::-1], FS_HZ, periods), record_pos=np.array([2, 1, 0]))}
    real_m = compute_all(bb, FS_HZ, periods)
    rows = record_spectra(real_m, traces, [{"record_id": rid} for rid in ids], k=2)
    assert [r["record_id"] for r in rows] == ids[:2]
    for i, row in enumerate(rows):
        for key in ("psa", "fas"):
            assert row[f"model_{key}"].shape[0] == 3
            np.testing.assert_allclose(row[f"model_{key}"], 2.0 ** np.arange(3)[:, None] * real_m[key][i, 0],
                                       rtol=1e-9)
            np.testing.assert_allclose(row[f"stochastic_{key}"], real_m[key][i, 0], rtol=1e-12)
    result = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=3))
    assert "spectra.png" in result["figures"]
    assert "![spectra.png](spectra.png)" in (tmp_path / "out" / "report.md").read_text()


def test_generated_equal_to_real_has_zero_bias_and_baselines_are_reported(tmp_path):
    bb, lp, ids = _real(tmp_path)
    result = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=1))
    summary = result["summary"]
    assert set(summary) == {"model", "lf_only", "stochastic"}
    model = summary["model"]
    for key in ("psa_bias_ln", "fas_bias_ln"):
        np.testing.assert_allclose(model[key], 0.0, atol=1e-6)
    for key in ("pga_bias_ln", "pgv_bias_ln", "arias_bias_ln", "cav_bias_ln", "d5_75_diff_s",
                "d5_95_diff_s", "psa_band_bias_ln", "fas_band_bias_ln", "energy_duration_bias_ln",
                "unevenness_bias_ln"):
        assert model[key] == pytest.approx(0.0, abs=1e-6), key
    assert model["anderson_mean_score"] == pytest.approx(10.0)
    for name, s in summary.items():
        for key, value in s.items():
            assert value is not None and _finite(value), (name, key)
    # the classical method is nearer the real high frequencies than "none at all"
    assert (summary["stochastic"]["fas_band_abs_bias_ln"] < summary["lf_only"]["fas_band_abs_bias_ln"])
    assert summary["lf_only"]["fas_band_bias_ln"] > 2.0  # lf_only lacks the high frequencies
    assert len(result["period_s"]) == len(model["psa_bias_ln"]) == len(PERIODS)
    assert len(result["freq_hz"]) == len(model["fas_bias_ln"])
    for name in result["figures"]:
        assert (tmp_path / "out" / name).stat().st_size > 1000
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| PSA bias 0.05–1 s (ln) | +0.000 |" in report


def test_baseline_as_generated_and_max_records(tmp_path):
    _real(tmp_path, n=3)
    result = _evaluate(tmp_path, "baseline:lf_only", "--max-records", "2")
    assert result["n_records"] == 2 and [r["record_id"] for r in result["records"]] == ["rec0", "rec1"]
    assert result["summary"]["model"] == result["summary"]["lf_only"]
    assert result["summary"]["model"]["lowband_corr_median"] > 0.95


def test_user_errors(tmp_path, capsys):
    bb, lp, ids = _real(tmp_path)
    args = ["evaluate", "--real", str(tmp_path / "real.zarr"), "--out", str(tmp_path / "out")]
    assert main([*args, "--generated", "baseline:nonsense"]) == 2
    assert "unknown baseline" in capsys.readouterr().err
    create_store(tmp_path / "other.zarr", sampling_rate_hz=200.0, length=LENGTH, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(bb, lp, ids)
    assert main([*args, "--generated", str(tmp_path / "other.zarr")]) == 2
    assert "sampling rate" in capsys.readouterr().err
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_a_torchrun_out_folder_names_its_merged_store(tmp_path, capsys):
    """`sample` under torchrun writes OUT/rank<r>.zarr and merges them into OUT/samples.zarr; evaluate given
    OUT said 'not a seisdiff store … create one with `seisdiff preprocess`'."""
    bb, lp, ids = _real(tmp_path)
    out = tmp_path / "gen"
    for name in ("rank0.zarr", "samples.zarr"):
        create_store(out / name, sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                     lowpass_hz=LOWPASS_HZ).append(bb, lp, ids)
    args = ["evaluate", "--real", str(tmp_path / "real.zarr"), "--out", str(tmp_path / "out")]
    assert main([*args, "--generated", str(out)]) == 2
    err = capsys.readouterr().err
    assert "torchrun" in err and str(out / "samples.zarr") in err and "preprocess" not in err


def test_a_files_out_folder_is_named_with_real_as_with_gmm(tmp_path, capsys):
    """`sample --format mseed` writes files and sample_config.json into OUT; `evaluate --real R --generated OUT`
    said 'not a seisdiff store (GroupNotFoundError); create one with `seisdiff preprocess`' (--gmm named it)."""
    _real(tmp_path)
    out = tmp_path / "gen_files"
    out.mkdir()
    (out / "sample_config.json").write_text("{}")
    (out / "rec0_r0.mseed").write_bytes(b"")
    args = ["evaluate", "--real", str(tmp_path / "real.zarr"), "--out", str(tmp_path / "out")]
    assert main([*args, "--generated", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--format zarr" in err and "preprocess" not in err


def test_draw_index_counts_each_records_traces_in_order():
    np.testing.assert_array_equal(draw_index(np.array([0, 1, 0, 2, 1, 0])), [0, 0, 1, 0, 1, 2])


def test_one_realization_draws(tmp_path, capsys):
    """Realization r of every record generated at 2**r × the real one: draw r gives −r ln 2 for PSA,
    FAS and PGA and −2r ln 2 for Arias (∝ a²), so over the draws r = 0, 1, 2 the mean is −ln 2 and
    the sd ln 2 (twice for Arias); one realization per record gives no draws."""
    bb, lp, ids = _real(tmp_path, n=3)
    factors = np.repeat(2.0 ** np.arange(3), len(ids))[:, None, None]
    (tmp_path / "one").mkdir()
    assert "model_one_realization" not in _evaluate(
        tmp_path, _generated(tmp_path / "one", bb, lp, ids, realizations=1))
    k = 3
    create_store(tmp_path / "gen3.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(
        (np.tile(bb, (k, 1, 1)) * factors).astype(np.float32), np.tile(lp, (k, 1, 1)),
        [f"{rid}_r{r}" for r in range(k) for rid in ids], {"realization": np.repeat(np.arange(k), len(ids))})
    capsys.readouterr()
    result = _evaluate(tmp_path, str(tmp_path / "gen3.zarr"))
    draws = result["model_one_realization"]
    assert draws["n_draws"] == 3
    ln2 = np.log(2)
    for key, times in (("psa_band_bias_ln", 1), ("fas_band_bias_ln", 1), ("pga_median_ln", 1),
                       ("arias_median_ln", 2)):
        assert draws["mean"][key] == pytest.approx(-times * ln2, abs=1e-4), key
        assert draws["sd"][key] == pytest.approx(times * ln2, abs=1e-4), key
        assert draws["min"][key] == pytest.approx(-2 * times * ln2, abs=1e-4), key
        assert draws["max"][key] == pytest.approx(0.0, abs=1e-4), key
    assert draws["max"]["psa_band_sigma_ln"] == pytest.approx(0.0, abs=1e-4)  # each draw is exact
    assert draws["mean"]["d5_95_median_diff_s"] == pytest.approx(0.0, abs=1e-9)
    # the ensemble summary averages each record's residuals first: −ln 2 with no spread over records
    assert result["summary"]["model"]["pga_median_ln"] == pytest.approx(-ln2, abs=1e-4)
    assert f"| PGA median ln ratio | {-ln2:+.3f} ± {ln2:.3f} ({-2 * ln2:+.3f} … {0:+.3f}) |" in \
        (tmp_path / "out" / "report.md").read_text()
    assert "one realization per record, over 3 draws" in capsys.readouterr().out


def test_pre_event_ratio(tmp_path, capsys):
    """Real records: a 10 Hz sine of amplitude 0.01 m/s² over the first 2 s, then the event (from
    2.05 s, PGA ≥ 0.4 m/s²); the generated records carry that sine 1×, 2× and 4× (event unchanged),
    so their pre-event levels are 1, 2 and 4 × the real ones: median ratio 2, one record in three
    above 3×; the baselines get the ratio too."""
    t = np.arange(LENGTH) / FS_HZ
    pre = np.where(t < 2.0, 0.01 * np.sin(2 * np.pi * 10.0 * t), 0.0)
    event = np.stack([[accelerogram(10 * i, n=LENGTH, pga=0.4 + i)] for i in range(3)])
    bb = (event + pre).astype(np.float32)
    ids = [f"rec{i}" for i in range(3)]
    create_store(tmp_path / "real.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(bb, lowpass(bb, FS_HZ, LOWPASS_HZ), ids)
    factors = np.array([1.0, 2.0, 4.0])[:, None, None]
    gen = (event + factors * pre).astype(np.float32)
    create_store(tmp_path / "gen.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(gen, lowpass(gen, FS_HZ, LOWPASS_HZ), [f"{r}_r0" for r in ids])
    capsys.readouterr()
    result = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))
    model = result["summary"]["model"]
    assert model["pre_event_ratio_median"] == pytest.approx(2.0, rel=0.01)
    assert model["pre_event_ratio_geomean"] == pytest.approx(2.0, rel=0.01)  # (1·2·4)^(1/3)
    assert model["pre_event_over_limit_fraction"] == pytest.approx(1 / 3)
    assert model["pre_event_n_records"] == 3
    ratios = [row["pre_event_ratio"] for row in result["records"]]
    np.testing.assert_allclose(ratios, [1.0, 2.0, 4.0], rtol=0.01)
    for row in result["records"]:
        assert row["pre_event_generated"] == pytest.approx(row["pre_event_ratio"] * row["pre_event_real"], rel=1e-4)
    for name in ("lf_only", "stochastic"):
        assert result["summary"][name]["pre_event_ratio_median"] > 0
    assert "| pre-event > 2 Hz level, generated/real (median) | 2.00 |" in (tmp_path / "out" / "report.md").read_text()
    assert "pre-event ratio > 3× (fraction of records)" in capsys.readouterr().out


def test_stochastic_baseline_gets_the_stores_kappa_only_when_the_model_had_it(tmp_path):
    """A store's kappa_s measured on its own broadband is the answer for that record: `evaluate` gives it
    to the stochastic baseline only when the generated store's model was conditioned on kappa_s (its
    sampling settings), else κ = 0.04 s; --baseline-kappa overrides. Smaller κ = stronger high frequencies."""
    import zarr

    from seisdiff.evaluate.baselines import DEFAULT_KAPPA_S

    bb, lp, ids = _real(tmp_path, columns={"kappa_s": np.full(3, 0.005)})
    gen = _generated(tmp_path, bb, lp, ids, realizations=1)

    def stochastic_fas(fields, *extra):
        zarr.open_group(gen, mode="a").attrs["sampling"] = {"kappa_s": None, "metadata_fields": fields}
        result = _evaluate(tmp_path, gen, *extra)
        return result["summary"]["stochastic"]["fas_band_bias_ln"], result["stochastic_kappa_s"]

    without, text = stochastic_fas(["magnitude", "distance_km"])
    assert text.startswith(f"{DEFAULT_KAPPA_S} s for every record")
    withk, text_k = stochastic_fas(["magnitude", "kappa_s"])
    assert text_k.startswith("the real store's kappa_s for 3 records")
    # κ 0.005 s instead of 0.04 s: the baseline's 1–25 Hz level is higher, its residual ln(real/gen) lower
    assert withk < without - 0.3
    assert stochastic_fas(["magnitude"], "--baseline-kappa", "store")[0] == pytest.approx(withk)
    assert stochastic_fas(["kappa_s"], "--baseline-kappa", "default")[0] == pytest.approx(without)


def test_store_sampled_below_60_hz_is_evaluated_up_to_its_nyquist_frequency(tmp_path, capsys):
    """At 50 Hz the default FAS frequencies (to 30 Hz) stop at 25 Hz; asking for more is one clear error."""
    fs_hz = 50.0
    bb = np.stack([[accelerogram(i, n=LENGTH, pga=0.5)] for i in range(3)]).astype(np.float32)
    lp = lowpass(bb, fs_hz, LOWPASS_HZ)
    for name, signal in (("real", bb), ("gen", 2.0 * bb)):
        create_store(tmp_path / f"{name}.zarr", sampling_rate_hz=fs_hz, length=LENGTH, n_channels=1,
                     lowpass_hz=LOWPASS_HZ).append(signal, lp, [f"rec{i}" + ("_r0" if name == "gen" else "")
                                                                for i in range(3)],
                                                   {"realization": np.zeros(3)} if name == "gen" else None)
    result = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))
    assert max(result["freq_hz"]) <= fs_hz / 2 < 30.0 and min(result["freq_hz"]) == pytest.approx(0.1)
    assert result["summary"]["model"]["fas_band_bias_ln"] == pytest.approx(-np.log(2), abs=1e-4)
    from seisdiff.errors import UserError
    from seisdiff.evaluate.report import evaluate
    with pytest.raises(UserError, match="Nyquist"):
        evaluate(tmp_path / "real.zarr", str(tmp_path / "gen.zarr"), tmp_path / "out2", freqs_hz=[1.0, 30.0])


def test_dead_generated_trace_is_counted_and_warned_about(tmp_path, capsys):
    """A generated trace that is all zero has no finite residual: it leaves the scores, which say on how
    many records they rest, and the report and the terminal say so."""
    bb, lp, ids = _real(tmp_path, n=4)
    factors = np.array([2.0, 2.0, 2.0, 0.0])[:, None, None]
    result = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=1, factor=factors))
    model = result["summary"]["model"]
    assert model["dead_traces"] == 1 and result["summary"]["lf_only"]["dead_traces"] == 0
    assert model["conditioning_mismatch_traces"] == 0          # made from the real records' own conditioning
    assert model["pga_n_records"] == 3 and min(model["psa_n_records"]) == 3
    assert model["pga_bias_ln"] == pytest.approx(-np.log(2), abs=1e-4)
    warning = "1 of its generated traces are all zero or not finite"
    assert warning in (tmp_path / "out" / "report.md").read_text()
    assert warning in capsys.readouterr().out


def test_three_component_psa_is_rotd50_of_the_horizontals_with_the_vertical_apart(tmp_path):
    """Field convention (BBP): the horizontal pair's PSA is RotD50, which a rotation of the pair leaves as
    it is (30° is one of RotD50's 180 angles), while per-channel PSA changes; the vertical is reported apart."""
    from seisdiff.preprocess.groups import CHANNEL_ORDER
    bb = np.stack([[accelerogram(10 * i + j, n=LENGTH, pga=0.4 + i) for j in range(3)] for i in range(3)])
    bb = bb.astype(np.float32)
    lp = lowpass(bb, FS_HZ, LOWPASS_HZ)
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    gen = np.stack([c * bb[:, 0] - s * bb[:, 1], s * bb[:, 0] + c * bb[:, 1], 3.0 * bb[:, 2]], axis=1)
    ids = [f"rec{i}" for i in range(3)]
    for name, x, rid in (("real", bb, ids), ("gen", gen, [f"{r}_r0" for r in ids])):
        create_store(tmp_path / f"{name}.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=3,
                     lowpass_hz=LOWPASS_HZ, extra_attrs={"channels": CHANNEL_ORDER}).append(
            x.astype(np.float32), lp, rid, {"realization": np.zeros(3)} if name == "gen" else None)
    result = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))
    model = result["summary"]["model"]
    assert result["psa_horizontal"] == "RotD50"
    np.testing.assert_allclose(model["psa_bias_ln"], 0.0, atol=1e-6)
    np.testing.assert_allclose(model["psa_vertical_bias_ln"], -np.log(3), atol=1e-4)
    per_channel = compute_all(gen[:, 0], FS_HZ, [float(p) for p in PERIODS])["psa"]
    assert np.abs(np.log(compute_all(bb[:, 0], FS_HZ, [float(p) for p in PERIODS])["psa"] / per_channel)).max() > 0.05
    assert "| PSA vertical bias 0.05–1 s (ln) | -1.099 |" in (tmp_path / "out" / "report.md").read_text()


def test_records_too_short_for_the_stochastic_baseline_are_one_clear_error(tmp_path):
    """Records of 2 s cannot resolve the level below a 1 Hz crossover the stochastic baseline anchors on."""
    from seisdiff.errors import UserError
    from seisdiff.evaluate.report import evaluate

    n = 200
    bb = np.stack([[accelerogram(i, n=n, pga=0.5)] for i in range(2)]).astype(np.float32)
    create_store(tmp_path / "real.zarr", sampling_rate_hz=FS_HZ, length=n, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(bb, lowpass(bb, FS_HZ, LOWPASS_HZ), ["a", "b"])
    with pytest.raises(UserError, match="too short.*longer records"):
        evaluate(tmp_path / "real.zarr", "baseline:lf_only", tmp_path / "out", periods_s=[0.1, 1.0])


def test_generated_traces_made_from_another_conditioning_are_warned_about(tmp_path, capsys):
    """The generated store keeps the conditioning each trace was made from (its lowpass): traces made from
    other records than the matched real ones (e.g. another store sharing record ids) are counted and warned."""
    bb, lp, ids = _real(tmp_path, n=3)
    other_lp = lp[::-1].copy()                   # records 2, 1, 0's conditioning under ids 0, 1, 2
    create_store(tmp_path / "gen.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                 lowpass_hz=LOWPASS_HZ).append(bb[::-1].copy(), other_lp, [f"{rid}_r0" for rid in ids],
                                               {"realization": np.zeros(3)})
    result = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))
    assert result["summary"]["model"]["conditioning_mismatch_traces"] == 2    # the middle record is its own
    assert "made from another conditioning" in capsys.readouterr().out


def test_a_figure_interrupted_while_written_leaves_the_previous_one(tmp_path, monkeypatch):
    """Figures are written atomically, as metrics.json and report.md are: an evaluate killed while
    writing a PNG leaves the previous run's figure whole, not half a file."""
    from matplotlib.figure import Figure

    from seisdiff.evaluate import figures

    path = tmp_path / "pga_scatter.png"
    figures.scatter(path, np.array([1.0, 2.0]), {"model": np.array([1.5, 2.5])}, "PGA", "m/s²")
    before = path.read_bytes()

    def killed(self, fname, *args, **kwargs):
        with open(fname, "wb") as f:
            f.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", killed)
    with pytest.raises(KeyboardInterrupt):
        figures.scatter(path, np.array([1.0, 2.0]), {"model": np.array([3.0, 4.0])}, "PGA", "m/s²")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]      # no temporary file left


def test_whole_record_stores_correlate_envelopes_over_each_records_own_length(tmp_path):
    """Stores of whole records (sample's conditioning and output) zero-pad shorter records to the longest
    (column n_samples): envelope and low-band correlations are taken over each record's own samples, not
    over the shared zeros after it, which made unrelated envelopes look alike (−0.26 → +0.03 on an AT2)."""
    from seisdiff.dsp.envelope import envelope_correlation

    n_own = (LENGTH, LENGTH // 2)
    bb = np.zeros((2, 1, LENGTH), np.float32)
    for i, n in enumerate(n_own):
        bb[i, 0, :n] = accelerogram(i, n=n, pga=0.5)
    lp = lowpass(bb, FS_HZ, LOWPASS_HZ)
    for i, n in enumerate(n_own):
        lp[i, 0, n:] = 0.0
    gen = bb.copy()
    gen[1, 0, :n_own[1]] = np.roll(bb[1, 0, :n_own[1]], n_own[1] // 2)      # its strong motion elsewhere
    cols = {"n_samples": np.array(n_own, dtype=np.int64)}
    ids = ["a", "b"]
    for name, x, rid in (("real", bb, ids), ("gen", gen, [f"{r}_r0" for r in ids])):
        create_store(tmp_path / f"{name}.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=1,
                     lowpass_hz=LOWPASS_HZ).append(x, lp, rid, cols)
    rows = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))["records"]
    n = n_own[1]
    own = envelope_correlation(gen[1, 0, :n].astype(np.float64), bb[1, 0, :n].astype(np.float64), FS_HZ)
    padded = envelope_correlation(gen[1, 0].astype(np.float64), bb[1, 0].astype(np.float64), FS_HZ)
    assert rows[0]["envelope_corr"] == pytest.approx(1.0, abs=1e-9)
    assert rows[1]["envelope_corr"] == pytest.approx(own, abs=1e-5) and abs(padded - own) > 0.05


def test_three_component_scalars_are_the_horizontals_with_the_vertical_apart(tmp_path, monkeypatch):
    """As PSA (RotD50 of the horizontals, the vertical apart): PGA, PGV, Arias, CAV, FAS of a three-component
    store are the geometric mean of H1 and H2, durations their mean, the vertical's reported as <key>_vertical.
    Generated H1 ×2, H2 ×0.5, Z ×3: the horizontals' geometric mean is unbiased (averaged over the three
    channels, PGA read −ln(3)/3 = −0.37), the vertical off by −ln 3 (Arias −ln 9); spectra.png pairs RotD50 PSA
    with the horizontals' FAS."""
    from seisdiff.evaluate import figures
    from seisdiff.preprocess.groups import CHANNEL_ORDER
    bb = np.stack([[accelerogram(10 * i + j, n=LENGTH, pga=0.4 + i) for j in range(3)] for i in range(3)])
    bb = bb.astype(np.float32)
    lp = lowpass(bb, FS_HZ, LOWPASS_HZ)
    gen = bb * np.array([2.0, 0.5, 3.0], dtype=np.float32)[None, :, None]
    ids = [f"rec{i}" for i in range(3)]
    for name, x, rid in (("real", bb, ids), ("gen", gen, [f"{r}_r0" for r in ids])):
        create_store(tmp_path / f"{name}.zarr", sampling_rate_hz=FS_HZ, length=LENGTH, n_channels=3,
                     lowpass_hz=LOWPASS_HZ, extra_attrs={"channels": CHANNEL_ORDER}).append(
            x, lp, rid, {"realization": np.zeros(3)} if name == "gen" else None)
    drawn = {}
    spectra = figures.record_spectra
    monkeypatch.setattr(figures, "record_spectra", lambda *a, **k: drawn.update(a=a, k=k) or spectra(*a, **k))
    result = _evaluate(tmp_path, str(tmp_path / "gen.zarr"))
    model = result["summary"]["model"]
    for key in ("pga", "pgv", "arias", "cav", "energy_duration"):
        assert model[f"{key}_bias_ln"] == pytest.approx(0.0, abs=1e-6), key
    for key, factor in (("pga", 3.0), ("pgv", 3.0), ("cav", 3.0), ("arias", 9.0)):
        assert model[f"{key}_vertical_bias_ln"] == pytest.approx(-np.log(factor), abs=1e-4), key
    assert model["d5_95_diff_s"] == pytest.approx(0.0, abs=1e-6)
    assert model["d5_95_vertical_diff_s"] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(model["fas_bias_ln"], 0.0, atol=1e-6)
    np.testing.assert_allclose(model["fas_vertical_bias_ln"], -np.log(3), atol=1e-4)
    real = compute_all(bb, FS_HZ, [float(p) for p in PERIODS])
    row = result["records"][1]
    assert row["pga_real_mps2"] == pytest.approx(np.sqrt(real["pga"][1, 0] * real["pga"][1, 1]), rel=1e-5)
    assert row["pga_vertical_real_mps2"] == pytest.approx(real["pga"][1, 2], rel=1e-5)
    assert row["d5_95_real_s"] == pytest.approx(real["d5_95"][1, :2].mean(), rel=1e-5)
    assert "geometric mean of H1 and H2" in result["scalars_horizontal"]
    records = drawn["a"][3]
    np.testing.assert_allclose(records[0]["real_fas"], np.sqrt(real["fas"][0, 0] * real["fas"][0, 1]), rtol=1e-5)
    assert drawn["k"]["titles"][0] == "RotD50 PSA" and "geometric mean" in drawn["k"]["titles"][1]
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| PGA vertical bias (ln) | -1.099 |" in report and "| PGA bias (ln) | +0.000 |" in report


def test_one_component_store_reports_no_vertical_keys(tmp_path):
    """A one-channel store keeps its metrics.json keys: no <key>_vertical, no scalars_horizontal."""
    bb, lp, ids = _real(tmp_path, n=3)
    result = _evaluate(tmp_path, _generated(tmp_path, bb, lp, ids, realizations=1, factor=2.0))
    assert "scalars_horizontal" not in result and result["psa_horizontal"] == "per channel"
    assert not [k for k in result["summary"]["model"] if "vertical" in k]
    assert not [k for k in result["records"][0] if "vertical" in k]
    assert result["summary"]["model"]["pga_bias_ln"] == pytest.approx(-np.log(2), abs=1e-6)


def test_out_inside_the_real_or_generated_store_is_refused_before_any_work(tmp_path, capsys):
    """`--out real.zarr` wrote metrics.json, report.md and the PNGs into the Zarr folder; now one line, exit 2."""
    bb, lp, ids = _real(tmp_path, n=2)
    gen = _generated(tmp_path, bb, lp, ids, realizations=1)
    before = {p: sorted(x.name for x in (tmp_path / p).iterdir()) for p in ("real.zarr", "gen.zarr")}
    for generated, out, says in ((gen, "real.zarr", "is the store"), (gen, "real.zarr/eval", "is inside the store"),
                                 (gen, "gen.zarr", "(the --generated store)"),
                                 ("baseline:lf_only", "real.zarr/record_id/x", "(the --real store)")):
        assert main(["evaluate", "--real", str(tmp_path / "real.zarr"), "--generated", generated,
                     "--out", str(tmp_path / out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0] and "give a folder outside it" in err[0], err
    assert {p: sorted(x.name for x in (tmp_path / p).iterdir()) for p in before} == before
    assert not (tmp_path / "real.zarr" / "record_id" / "x").exists()
