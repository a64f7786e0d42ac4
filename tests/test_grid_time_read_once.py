"""The grid's 1-D time coordinate was read twice at opening where it has no units (the sample-index check, then its
step): `open_grid` now reads it once, and each other array it reads at opening (station table, component names) once;
the data array is not read at all."""
import numpy as np
from synth import write_h5_time_grid

from seisdiff.io import grid_backends
from seisdiff.io.grid import open_grid


def _reads(monkeypatch) -> dict:
    counted = {}
    read = grid_backends.Node.read

    def counting(node, key=slice(None)):
        counted[node.name] = counted.get(node.name, 0) + 1
        return read(node, key)

    monkeypatch.setattr(grid_backends.Node, "read", counting)
    return counted


def test_a_time_coordinate_without_units_is_read_once(tmp_path, monkeypatch):
    grid = write_h5_time_grid(tmp_path / "g.h5", np.zeros((2, 3, 500), "f4"), 0.01 * np.arange(500), {})
    counted = _reads(monkeypatch)
    with open_grid(grid) as src:
        assert src.dt_s == 0.01
    assert counted == {"time": 1, "station": 1, "lat": 1, "lon": 1}


def test_sample_indices_beside_dt_s_are_read_once(tmp_path, monkeypatch):
    grid = write_h5_time_grid(tmp_path / "g.h5", np.zeros((2, 3, 500), "f4"), np.arange(500), {}, dt_s=0.01)
    counted = _reads(monkeypatch)
    with open_grid(grid) as src:
        assert src.dt_s == 0.01
    assert counted["time"] == 1 and "acceleration" not in counted
