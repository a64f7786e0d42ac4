"""`sample --out` never writes generated records into the --cond store, nor into any store that is not a
sample output (a training store), nor files into a store's folder; a sample output still resumes."""
from synth import TINY_LENGTH as LENGTH, sample_cli
from test_scaling import make_store

from seisdiff.io.store import open_store


def test_out_is_never_the_cond_store_nor_a_foreign_store(tiny, tmp_path, capsys):
    cond = make_store(tmp_path / "cond.zarr", n=3, length=LENGTH, seed=7)
    other = make_store(tmp_path / "train.zarr", n=2, length=LENGTH, seed=8)
    ids = sorted(cond.record_ids.tolist())
    for target in (cond.path, tmp_path / "." / "cond.zarr", other.path):
        assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", target) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--out" in err[0], err
    assert sorted(open_store(cond.path).record_ids.tolist()) == ids and len(open_store(other.path)) == 2
    assert not (cond.path / "sample_config.json").exists() and not (other.path / "sample_config.json").exists()
    # files into a store's folder are refused too
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", other.path, "--format", "sac") == 2
    assert not list(other.path.glob("*.sac"))
    # a sample output resumes as before
    out = tmp_path / "gen.zarr"
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out) == 0
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", cond.path, "--out", out, "--realizations", 2) == 0
    assert "3 realizations generated (3 already written)" in capsys.readouterr().out
    # a sample output is no conditioning to write into either
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", out, "--out", out) == 2
    assert len(open_store(out)) == 6
