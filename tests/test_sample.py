"""The `sample` command: zarr and file outputs, waveform conditioning, resume, torchrun shards, κ
(the tiny model: tests/conftest.py; generation itself: tests/test_generate.py)."""
import json

import numpy as np
import pytest
import torch
import obspy
from synth import TINY_FS_HZ as FS, TINY_LENGTH as LENGTH, TINY_LOWPASS_HZ as LOWPASS_HZ
from synth import accelerogram, write_at2
from test_scaling import make_store

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.engine.samplers import DEFAULT_SAMPLER
from seisdiff.evaluate import lowband_consistency
from seisdiff.evaluate.metrics import pearson
from seisdiff.io.readers import read
from seisdiff.io.store import open_store


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
    inner = slice(LENGTH // 4, -LENGTH // 4)    # a window store's edge zones keep the generated low band
    corr, _ = lowband_consistency(gen.read()["broadband"], src["lowpass"][rows], FS, LOWPASS_HZ)
    inner_corr = pearson(lowpass(gen.read()["broadband"].astype(np.float64), FS, LOWPASS_HZ)[..., inner],
                         src["lowpass"][rows][..., inner].astype(np.float64))
    assert inner_corr.min() > 0.999 and corr.min() > 0.95
    np.testing.assert_allclose(gen.column("pga_broadband"), np.abs(gen.read()["broadband"]).max(axis=(1, 2)))
    config = json.loads((out / "sample_config.json").read_text())
    settings = (config["sampler"], config["steps"], config["evaluations"], config["lf_merge"])
    assert settings == (DEFAULT_SAMPLER, 10, 10, True)
    # the output is low-passed at the training records' upper band edge (engine.generate's band_top_hz)
    spec = torch.load(tiny.ckpt, weights_only=True)["store"]
    assert config["band_top_hz"] == spec["band_hz"][1] < FS / 2 and config["band_order"] == 4
    assert config["crossfade_split_hz"] == 2.0 * LOWPASS_HZ        # windows' high bands cross-fade by power

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


def test_an_unknown_sampler_is_one_clear_line(tmp_path, capsys):
    """The sampler names live in engine.samplers alone; the command passes the option on."""
    from seisdiff.engine.samplers import SAMPLERS

    assert _sample("--checkpoint", "default", "--cond", tmp_path, "--out", tmp_path / "o.zarr",
                   "--sampler", "euler") == 2
    err = capsys.readouterr().err
    assert "--sampler euler" in err and all(name in err for name in SAMPLERS) and len(err.strip().splitlines()) == 1


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


def test_hypocenter_and_magnitude_reach_waveform_files(tiny, tmp_path, capsys):
    """`sample --hypocenter --magnitude` with waveform files (one event): a file that gives the station's
    coordinates and no distance gets its hypocentral distance (great circle on a sphere ± 0.5 %), one
    without coordinates NaN; the magnitude fills where the header has none and leaves a header's own.
    Grid-only options, or event options with a conditioning store, are one clear line."""
    from obspy import Trace
    from obspy.core.util import AttribDict
    from test_preprocess_cli import _haversine_km

    folder = tmp_path / "lf"
    folder.mkdir()
    for k, (lat, lon, mag) in enumerate([(34.0, -118.0, None), (None, None, None), (35.0, -117.0, 5.9)]):
        tr = Trace((accelerogram(k, n=1200, pga=0.05) * 9.80665).astype(np.float32))     # m/s²
        tr.stats.update({"sampling_rate": 100.0, "station": f"S{k}", "channel": "HNE"})
        header = {"idep": 8} | ({"stla": lat, "stlo": lon} if lat is not None else {}) | ({"mag": mag} if mag else {})
        tr.stats.sac = AttribDict(header)
        tr.write(str(folder / f"s{k}.sac"), format="SAC")
    out = tmp_path / "gen.zarr"
    assert _sample("--checkpoint", tiny.ckpt, "--cond", folder, "--out", out, "--units", "m/s^2",
                   "--hypocenter", 35.7, -117.5, 10.5, "--magnitude", 6.4) == 0
    cond = open_store(tmp_path / "gen_conditioning.zarr")
    dist = dict(zip(cond.column("station"), cond.column("distance_km")))
    mag = dict(zip(cond.column("station"), cond.column("magnitude")))
    assert dist["S0"] == pytest.approx(np.hypot(_haversine_km(35.7, -117.5, 34.0, -118.0), 10.5), rel=5e-3)
    assert np.isnan(dist["S1"]) and dist["S2"] == pytest.approx(np.hypot(_haversine_km(35.7, -117.5, 35.0, -117.0), 10.5), rel=5e-3)
    assert (mag["S0"], mag["S1"]) == (6.4, 6.4) and mag["S2"] == pytest.approx(5.9)     # SAC headers: float32
    assert set(cond.column("hypo_depth_km")) == {10.5}             # the level model's depth term reads it
    assert json.loads((out / "sample_config.json").read_text())["hypocenter"] == [35.7, -117.5, 10.5]
    # the files name no event: they are the given one's, so the level model places each station among them
    from seisdiff.engine.hf_level import relative_ln_distance
    rel = dict(zip(cond.column("station"), relative_ln_distance(cond.column("event"), cond.column("distance_km"))))
    assert set(cond.column("event")) == {"given event"} and np.isfinite([rel["S0"], rel["S2"]]).all()
    assert rel["S0"] == pytest.approx(-rel["S2"]) and rel["S0"] > 0                # S0 is the farther
    capsys.readouterr()
    assert _sample("--checkpoint", tiny.ckpt, "--cond", folder, "--out", tmp_path / "g2.zarr", "--block-stations", 2) == 2
    assert "--block-stations: options of a station grid" in capsys.readouterr().err
    assert _sample("--checkpoint", tiny.ckpt, "--cond", tmp_path / "gen_conditioning.zarr", "--out", tmp_path / "g3.zarr",
                   "--magnitude", 6.0) == 2
    assert "preprocess --metadata" in capsys.readouterr().err


def test_a_window_store_is_merged_beyond_its_edge_zones_whole_records_everywhere(tiny, tmp_path, monkeypatch):
    """A training store's windows (no `n_samples`) have their record's low band near their ends, which the
    merge cannot reach there (tests/test_lfmerge_window_edges.py): `sample` merges them beyond the edge zones
    (a quarter of a 512-sample window); whole records (waveform files) over every sample, as before."""
    import seisdiff.engine.generate as generate_module
    seen, merge = [], generate_module.merge_low_band

    def spy(*args, **kwargs):
        seen.append(kwargs.get("edge_samples", 0))
        return merge(*args, **kwargs)

    monkeypatch.setattr(generate_module, "merge_low_band", spy)
    cond = make_store(tmp_path / "cond.zarr", n=2, length=LENGTH, seed=3)
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", tmp_path / "w.zarr") == 0
    assert seen and set(seen) == {LENGTH // 4}
    seen.clear()
    folder = tmp_path / "lf"
    folder.mkdir()
    write_at2(folder / "SYN0.AT2", accelerogram(0, n=1200, pga=0.02), 0.01, station="ST0")
    assert _sample("--checkpoint", tiny.ckpt, "--cond", folder, "--out", tmp_path / "f.zarr") == 0
    assert seen and set(seen) == {0}


def test_an_output_begun_before_the_edge_zone_merge_is_not_resumed_with_it(tiny, tmp_path, capsys):
    """A window store's output begun by an earlier seisdiff (merged up to the windows' ends; its
    sample_config.json has no merge_edge_zones) is refused, not completed with the other merge."""
    cond = make_store(tmp_path / "cond.zarr", n=2, length=LENGTH, seed=3)
    out = tmp_path / "gen.zarr"
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out) == 0
    config = json.loads((out / "sample_config.json").read_text())
    assert config.pop("merge_edge_zones") is True
    (out / "sample_config.json").write_text(json.dumps(config))
    assert _sample("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 2
    assert "merge_edge_zones" in capsys.readouterr().err
