"""A grid written (station, time, component) without dimension names is refused in one line naming the
axes, before anything is written: 5 stations × 400 samples × 3 components at 10 Hz were read as 5 stations ×
400 "components" of 3 samples each (C0…C399); at 40 samples `sample` generated 195 "traces" of 0.3 s."""
import h5py
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid


def test_time_as_components_is_refused_naming_the_axes(tmp_path):
    t = np.arange(400) / 10.0
    data = np.stack([np.stack([np.sin(2 * np.pi * (0.3 + 0.1 * c) * t + s) for c in range(3)], axis=-1)
                     for s in range(5)]).astype(np.float32)                      # (station, time, component)
    with h5py.File(tmp_path / "g.h5", "w") as f:
        d = f.create_dataset("velocity", data=data)
        d.attrs.update({"units": "cm/s", "dt_s": 0.1})
        f["station"] = np.array([b"A", b"B", b"C", b"D", b"E"])
        f["lat"], f["lon"] = np.linspace(35, 35.4, 5), np.full(5, 139.0)
    with pytest.raises(InputError, match=r"5 stations × 400 components × 3 samples: fewer samples than components"):
        open_grid(tmp_path / "g.h5")


@pytest.mark.parametrize("layout", ["station time component", "time station component"])
def test_axes_are_named_before_component_names_are_counted(tmp_path, layout):
    """The same grid with its component names given (components = 'E,N,Z', as simulations write them) was
    refused as '3 component names (E, N, Z) for 400 components; give one name per component' (written (time,
    station, component): '… for 5 components'), sending the user to its names instead of its axes."""
    data = np.random.default_rng(0).normal(size=(5, 400, 3)).astype(np.float32)     # (station, time, component)
    if layout.startswith("time"):
        data = data.transpose(1, 0, 2).copy()                                        # (time, station, component)
    with h5py.File(tmp_path / "g.h5", "w") as f:
        d = f.create_dataset("velocity", data=data)
        d.attrs.update({"units": "m/s", "dt": 0.025, "components": "E,N,Z"})
        f["station"] = np.array([b"A", b"B", b"C", b"D", b"E"])
        f["lat"], f["lon"] = np.linspace(35, 35.4, 5), np.full(5, 139.0)
    with pytest.raises(InputError, match=r"fewer samples than components, so its axes are in another order"):
        open_grid(tmp_path / "g.h5")
