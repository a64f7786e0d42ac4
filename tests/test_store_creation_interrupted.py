"""A run stopped while it creates its store (zarr has written the group's zarr.json, not yet its attributes) is
resumed by the same command: the half-made store is created again, not refused as 'not a seisdiff store'."""
import json

import pytest
from synth import accelerogram, write_at2

from seisdiff.cli import main
from seisdiff.errors import UserError
from seisdiff.io import store as store_module
from seisdiff.io.store import create_store, open_store


def test_preprocess_stopped_while_creating_its_store_resumes(tmp_path, monkeypatch):
    write_at2(tmp_path / "rec.AT2", accelerogram(0, n=4000, pga=0.2), 0.01)
    args = ["preprocess", str(tmp_path / "rec.AT2"), "--out", str(tmp_path / "s.zarr"), "--quiet"]
    gather = store_module._gather

    def stopped(coroutines):          # Ctrl-C while the store's first arrays are made
        for c in coroutines:
            c.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "_gather", stopped)
    assert main(args) == 130
    assert json.loads((tmp_path / "s.zarr" / "zarr.json").read_text())["attributes"] == {}
    monkeypatch.setattr(store_module, "_gather", gather)
    assert main(args) == 0
    assert open_store(tmp_path / "s.zarr").record_ids.tolist() == ["rec_w0"]


def test_a_write_of_zarr_json_stopped_midway_is_a_part_of_the_creation(tmp_path):
    out = tmp_path / "s.zarr"
    out.mkdir()
    (out / "zarr.json").write_text(json.dumps({"attributes": {}, "zarr_format": 3, "node_type": "group"}))
    (out / "zarr.0123abcd.partial").write_text("{")
    assert len(create_store(out, sampling_rate_hz=100.0, length=256, lowpass_hz=1.0)) == 0


def test_a_group_with_other_contents_is_still_refused(tmp_path):
    out = tmp_path / "s.zarr"
    out.mkdir()
    (out / "zarr.json").write_text(json.dumps({"attributes": {}, "zarr_format": 3, "node_type": "group"}))
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a seisdiff store"):
        create_store(out, sampling_rate_hz=100.0, length=256, lowpass_hz=1.0)
    assert (out / "notes.txt").read_text() == "mine"


def test_sample_stopped_while_creating_its_output_resumes(tmp_path, monkeypatch):
    from synth import make_store, sample_cli, whole_record_checkpoint

    checkpoint, cond = whole_record_checkpoint(tmp_path, steps=1), make_store(tmp_path / "cond.zarr", n=2, length=512)
    args = ["--checkpoint", checkpoint, "--cond", cond.path, "--out", tmp_path / "gen.zarr"]
    gather = store_module._gather

    def stopped(coroutines):          # Ctrl-C while the output store's first arrays are made
        for c in coroutines:
            c.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "_gather", stopped)
    assert sample_cli(*args) == 130
    monkeypatch.setattr(store_module, "_gather", gather)
    assert sample_cli(*args) == 0
    assert len(open_store(tmp_path / "gen.zarr")) == 2
