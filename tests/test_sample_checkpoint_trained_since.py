"""`sample --checkpoint runs/a/best.pt` interrupted, then resumed after `train --resume` rewrote best.pt: the
output would hold realizations of two models under one sample_config.json (which then named the second's epoch
only); the resume is refused in one line, and the same model resumes as before."""
import pytest
import torch
from synth import make_store, sample_cli, whole_record_checkpoint

from seisdiff.engine import sampling
from seisdiff.io.store import open_store


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained_since")
    return whole_record_checkpoint(root, steps=2), make_store(root / "cond.zarr", n=6, length=512)


def test_a_resume_from_a_checkpoint_trained_since_is_refused(tiny, tmp_path, monkeypatch, capsys):
    checkpoint, cond = tiny
    best = tmp_path / "best.pt"
    best.write_bytes(checkpoint.read_bytes())
    args = ["--checkpoint", best, "--cond", cond.path, "--out", tmp_path / "gen.zarr", "--block-records", 2]
    real, calls = sampling.generate, []

    def stop_in_the_second_block(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(sampling, "generate", stop_in_the_second_block)
    assert sample_cli(*args) == 130
    assert len(open_store(tmp_path / "gen.zarr")) == 2
    monkeypatch.setattr(sampling, "generate", real)
    later = torch.load(best, weights_only=True)                  # what `train --resume` writes over best.pt
    torch.save({**later, "epoch": 3, "step": 15}, best)
    capsys.readouterr()
    assert sample_cli(*args) == 2
    err = capsys.readouterr().err
    assert "at epoch 1, step 2; the file now holds epoch 3, step 15 (trained since)" in err
    assert len(open_store(tmp_path / "gen.zarr")) == 2          # nothing of the other model added
    torch.save(later, best)                                      # the model it was started from: resumes
    assert sample_cli(*args) == 0
    assert len(open_store(tmp_path / "gen.zarr")) == 6
