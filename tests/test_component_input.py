"""The component as a model input (issue #20 item 4): codes → the `vertical` scalar, derived from a
store's `component` column for training and sampling alike, and never hidden by metadata dropout."""
import numpy as np
import pytest
import torch
from synth import make_store

from seisdiff.engine.config import DataConfig
from seisdiff.engine.data import RecordPool, make_batch
from seisdiff.engine.scaling import METADATA_FEATURES, Scaler, metadata_columns, vertical_flag


def test_codes_of_every_convention_map_to_vertical_horizontal_or_unknown():
    vertical = ["Z", "z", "UD", "UP", "HNZ", "BHZ", "V"]
    horizontal = ["H1", "H2", "H", "E", "N", "NS", "EW", "HNE", "HN1", "090", "360", "0"]
    unknown = ["", "H1,H2,Z", "C0", "?", "HNW"]
    assert vertical_flag(vertical).tolist() == [1.0] * len(vertical)
    assert vertical_flag(horizontal).tolist() == [0.0] * len(horizontal)
    assert np.isnan(vertical_flag(unknown)).all()


def test_simulation_component_names_map_by_their_axis():
    """Simulation grids name components vx/vy/vz, acc_z, vel-up, east: these were unknown (NaN), so a
    grid's verticals were generated as if the component were not known."""
    names = ["vx", "vy", "vz", "ux", "uz", "az", "velz", "acc_z", "vel-up", "east", "north", "x", "y", "z"]
    assert vertical_flag(names).tolist() == [0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1]
    assert np.isnan(vertical_flag(["vq", "HN3", "vx,vy,vz"])).all()


def test_specfem_cartesian_channels_are_horizontal_x_y_and_vertical_z():
    """SPECFEM writes a Cartesian run's components as BXX, BXY, BXZ (HXX, … by its band): ??X and ??Y were
    unknown (NaN), so such a grid's horizontals were generated with a flag the model never saw and
    `evaluate --gmm` refused the grid ('none of its components is a horizontal one by name')."""
    assert vertical_flag(["BXX", "BXY", "BXZ", "HXX", "HXY", "HXZ"]).tolist() == [0, 0, 1, 0, 0, 1]


def test_the_scalar_is_plus_or_minus_one_and_nan_when_unknown():
    scaler = Scaler(metadata=("magnitude", "vertical"))
    scalars = scaler.scalars(np.zeros(3), vertical=np.array([1.0, 0.0, np.nan]))
    assert scalars[:, 2].tolist()[:2] == [1.0, -1.0] and torch.isnan(scalars[2, 2])
    assert METADATA_FEATURES["vertical"] == (False, 0.5, 0.5)


def test_metadata_columns_derive_vertical_from_component_unless_given():
    cols = metadata_columns({"component": np.array(["H1", "Z"]), "magnitude": np.array([6, 7]),
                             "event": np.array(["a", "b"])})
    assert set(cols) == {"vertical", "magnitude"} and cols["vertical"].tolist() == [0.0, 1.0]
    given = metadata_columns({"component": np.array(["H1"]), "vertical": np.array([1.0])})
    assert given["vertical"].tolist() == [1.0]
    files = metadata_columns({"channel": np.array(["HNZ", "HNE", "UD", "HNZ,HNN,HNE"])})   # whole-record stores
    assert files["vertical"][:3].tolist() == [1.0, 0.0, 1.0] and np.isnan(files["vertical"][3])


def test_training_batches_keep_the_component_when_metadata_is_dropped(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=6, length=256, columns={"component": np.array(["H1", "Z"] * 3)})
    pool = RecordPool.read(store, np.arange(6), block_records=4)
    assert pool.metadata["vertical"].tolist() == [0.0, 1.0] * 3
    scaler = Scaler(metadata=("magnitude", "vertical"))
    rows = np.arange(6)
    batch = make_batch(pool, rows, np.zeros(6, int), np.ones(6), 256, scaler, True, hide_metadata=np.ones(6, bool))
    assert torch.isnan(batch["scalars"][:, 1]).all()                           # magnitude hidden
    assert batch["scalars"][:, 2].tolist() == [-1.0, 1.0] * 3                   # the component is not


def test_a_model_asked_for_fields_a_config_does_not_know_is_refused():
    from seisdiff.engine.config import load_config
    from seisdiff.errors import UserError

    assert "vertical" in load_config(overrides={"data.metadata_fields": ["vertical"]}).data.metadata_fields
    with pytest.raises(UserError, match="unknown"):
        load_config(overrides={"data.metadata_fields": ["verticality"]})
    assert DataConfig().metadata_fields == ("magnitude", "distance_km", "vs30_mps")


@pytest.mark.parametrize("name", ["base", "final", "crossval"])
def test_the_shipped_recipe_loads_and_asks_for_the_component(name):
    """docs/recipe/*.toml (MODEL_CARD.md, "Reproduce") stay valid configs as the settings evolve."""
    from pathlib import Path

    from seisdiff.engine.config import load_config

    cfg = load_config(Path(__file__).resolve().parents[1] / "docs" / "recipe" / f"{name}.toml")
    assert cfg.data.metadata_fields[-1] == "vertical" and cfg.data.window == 2048
    assert (cfg.init_from is None) == (name == "base")
