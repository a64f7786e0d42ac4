"""A grid output resumed after its grid file was rewritten in place (same stations and shape, other
amplitudes) is refused with one line instead of mixing blocks generated from the old grid with blocks from
the new (`io.fingerprint`); the same grid, even rewritten with the same content, resumes to the output of
a run never interrupted. The tiny grid model: tests/test_grid.py."""
import numpy as np
import pytest
from test_grid import FS, _run, _signals, _write_h5, _write_zarr, tiny_checkpoint

from seisdiff.errors import UserError
from seisdiff.io.grid import open_grid
from seisdiff.io.grid_store import GridWriter


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("grid_rewritten"))


def _interrupted(tiny, grid, out, monkeypatch):
    """Run into `out`, killed after its first block (of 3) is committed."""
    real = GridWriter.write_block

    def write_block(self, b, *args, **kw):
        if b > 0:
            raise KeyboardInterrupt
        return real(self, b, *args, **kw)

    monkeypatch.setattr(GridWriter, "write_block", write_block)
    with pytest.raises(KeyboardInterrupt):
        _run(tiny, grid, out, block_stations=1)
    monkeypatch.setattr(GridWriter, "write_block", real)


@pytest.mark.parametrize("kind", ["h5", "zarr"])
def test_a_grid_rewritten_in_place_is_not_mixed_into_a_resumed_output(tiny, tmp_path, monkeypatch, kind):
    acc = _signals(1200, FS, seed=3)

    def write(data):
        if kind == "h5":
            return _write_h5(tmp_path / "grid.h5", data, attrs={"units": "m/s^2", "dt": 0.01})
        return _write_zarr(tmp_path / "grid.zarr", data, attrs={"units": "m/s^2", "dt_s": 0.01})

    grid, out = write(acc), tmp_path / "out.zarr"
    _interrupted(tiny, grid, out, monkeypatch)
    write(3.0 * acc)                                     # the same stations and shape, 3x the amplitudes
    with pytest.raises(UserError, match="another version of its grid") as err:
        _run(tiny, grid, out, block_stations=1)
    assert "\n" not in str(err.value) and str(grid) in str(err.value)
    with open_grid(out) as o:
        assert np.isnan(o.read_block(1, 3)).all()        # nothing generated from the new grid
    write(acc)                                           # the first grid again (new times, same content)
    run = _run(tiny, grid, out, block_stations=1)
    assert (run.records_generated, run.records_skipped) == (6, 3)
    ref = tmp_path / "ref.zarr"
    _run(tiny, grid, ref, block_stations=1)
    with open_grid(out) as a, open_grid(ref) as b:
        np.testing.assert_array_equal(a.read_block(0, 3), b.read_block(0, 3))
