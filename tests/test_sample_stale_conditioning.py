"""`sample` with waveform files never reuses a stale conditioning cache (`<OUT stem>_conditioning.zarr`):
made with other settings (--units, --quantity, --hypocenter/--magnitude, the model's preprocessing) it is
rebuilt, with one line saying so; a record whose input file changed is conditioned again; an output made
with other --units is not resumed. The output is never at a stale scale (the tiny model: tests/conftest.py)."""
import shutil

import numpy as np
from synth import TINY_LENGTH, accelerogram, sample_cli, write_mseed_trace
from test_scaling import make_store

from seisdiff import G_MPS2
from seisdiff.io.store import open_store


def _by_id(store, field="broadband"):
    return store.read()[field][np.argsort(store.record_ids)].astype(np.float64)


def test_conditioning_made_with_other_units_or_from_a_changed_file_is_rebuilt(tiny, tmp_path, capsys):
    acc = accelerogram(3, n=1500, pga=0.2)                         # 0.2 g read as g, or 0.2 m/s² as m/s²
    write_mseed_trace(tmp_path / "a.mseed", acc)
    out = tmp_path / "gen.zarr"
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "g", "--out", out) == 0
    as_g = _by_id(open_store(out), "lowpass")
    # OUT is gone: the stale g conditioning beside it is rebuilt, with one line saying so
    shutil.rmtree(out)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2", "--out", out) == 0
    printed = capsys.readouterr().out
    assert sum("gen_conditioning.zarr" in line and "rebuil" in line for line in printed.splitlines()) == 1, printed
    # the output's conditioning (its low band, merged in) is 1/g of the first run's, and the output is a fresh run's
    as_mps2 = _by_id(open_store(out), "lowpass")
    np.testing.assert_allclose(as_mps2, as_g / G_MPS2, rtol=1e-5, atol=1e-6 * np.abs(as_mps2).max())
    fresh = tmp_path / "fresh.zarr"
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2", "--out", fresh) == 0
    np.testing.assert_array_equal(_by_id(open_store(out)), _by_id(open_store(fresh)))
    low = _by_id(open_store(tmp_path / "gen_conditioning.zarr"), "lowpass")
    np.testing.assert_array_equal(low, _by_id(open_store(tmp_path / "fresh_conditioning.zarr"), "lowpass"))

    # the input file changes (3× the amplitude): its record is conditioned again, not taken from the cache
    write_mseed_trace(tmp_path / "a.mseed", 3 * acc)
    shutil.rmtree(out)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2", "--out", out) == 0
    assert "changed" in capsys.readouterr().out
    cond = open_store(tmp_path / "gen_conditioning.zarr")
    assert len(cond) == 1
    np.testing.assert_allclose(_by_id(cond, "lowpass"), 3 * low, rtol=1e-5, atol=1e-6 * 3 * np.abs(low).max())
    # the same inputs and settings again: the cache is reused as it is (nothing rebuilt, nothing added)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2", "--out", out) == 0
    printed = capsys.readouterr().out
    assert "rebuil" not in printed and "0 realizations generated (1 already written)" in printed
    assert len(open_store(tmp_path / "gen_conditioning.zarr")) == 1
    # resuming OUT with another --units is refused (its records were made from the other scale)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "g", "--out", out) == 2
    assert "input_units" in capsys.readouterr().err


def test_conditioning_made_for_another_event_is_rebuilt(tiny, tmp_path, capsys):
    write_mseed_trace(tmp_path / "a.mseed", accelerogram(4, n=1500, pga=0.5))
    out = tmp_path / "gen.zarr"
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2",
                   "--magnitude", 5.0, "--out", out) == 0
    shutil.rmtree(out)
    capsys.readouterr()
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2",
                   "--magnitude", 7.0, "--out", out) == 0
    assert "rebuil" in capsys.readouterr().out
    np.testing.assert_array_equal(open_store(tmp_path / "gen_conditioning.zarr").column("magnitude"), [7.0])


def test_a_store_in_the_caches_place_that_sample_did_not_make_is_left_alone(tiny, tmp_path, capsys):
    write_mseed_trace(tmp_path / "a.mseed", accelerogram(5, n=TINY_LENGTH, pga=0.5))
    train = make_store(tmp_path / "gen_conditioning.zarr", n=2, length=TINY_LENGTH, seed=3)
    ids = train.record_ids.tolist()
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "a.mseed", "--units", "m/s^2",
                   "--out", tmp_path / "gen.zarr") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gen_conditioning.zarr" in err[0] and "no conditioning store" in err[0], err
    assert open_store(train.path).record_ids.tolist() == ids and not (tmp_path / "gen.zarr").exists()


def test_outputs_differing_after_a_dot_keep_their_own_conditioning_store(tmp_path):
    """--out run.v1 and --out run.v2 shared run_conditioning.zarr (Path.stem drops '.v1'): each run rebuilt
    the other's, and two at once would write one store."""
    from seisdiff.engine.sampling import conditioning_path

    assert conditioning_path(tmp_path / "run.v1") != conditioning_path(tmp_path / "run.v2")
    assert conditioning_path(tmp_path / "run.v1").name == "run.v1_conditioning.zarr"
    assert conditioning_path(tmp_path / "out.zarr").name == "out_conditioning.zarr"     # as documented
    assert conditioning_path(tmp_path / "out.zarr", 1, 2).name == "out_conditioning_rank1.zarr"
