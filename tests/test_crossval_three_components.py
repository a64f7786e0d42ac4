"""`seisdiff crossval` of a three-component store (`preprocess --components 3`: component 'H1,H2,Z'): each
record holds its horizontals and its vertical, which `evaluate` measures apart (RotD50 of the pair; the vertical's
values under `<metric>_vertical`). The fold table reports them so, with no note that the records are neither."""
import json

import numpy as np
import pytest
from synth import accelerogram
from test_train import TINY_TOML

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.evaluate.crossval import GOALS, SYSTEMS
from seisdiff.io.store import create_store
from seisdiff.preprocess.groups import CHANNEL_ORDER

VERTICAL = {"psa_band_bias_ln": "psa_vertical_band_bias_ln", "psa_band_sigma_ln": "psa_vertical_band_sigma_ln",
            "fas_band_bias_ln": "fas_vertical_band_bias_ln", "pga_median_ln": "pga_vertical_median_ln",
            "arias_median_ln": "arias_vertical_median_ln", "d5_95_median_diff_s": "d5_95_vertical_median_diff_s"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("crossval3")
    bb = np.stack([[accelerogram(10 * i + c, n=256, pga=0.01 * (1 + i % 7)) for c in range(3)]
                   for i in range(9)]).astype(np.float32)
    store = create_store(root / "all.zarr", sampling_rate_hz=100.0, length=256, n_channels=3, lowpass_hz=1.0,
                         extra_attrs={"channels": CHANNEL_ORDER})        # as `preprocess --components 3` writes it
    store.append(bb, lowpass(bb, 100.0, 1.0), [f"r{i:03d}" for i in range(9)],
                 {"event": np.array([f"ev{i // 3}" for i in range(9)]), "component": np.array(["H1,H2,Z"] * 9),
                  "magnitude": np.full(9, 6.0), "distance_km": 10.0 + np.arange(9)})
    (root / "tiny.toml").write_text(TINY_TOML.replace("batch_size = 4", "batch_size = 2"))
    assert main(["crossval", "--data", str(root / "all.zarr"), "--out", str(root / "cv"), "--by", "event",
                 "--config", str(root / "tiny.toml"), "--folds", "ev0", "--epochs", "1", "--sampler", "ddim",
                 "--steps", "2", "--no-progress"]) == 0
    return root / "cv"


def test_a_triplets_horizontals_and_vertical_are_reported_apart(run):
    result = json.loads((run / "crossval.json").read_text())
    for fold in result["folds"]:
        metrics = json.loads((run / fold["dir"] / "eval" / "metrics.json").read_text())["summary"]
        assert fold["n_kind"] == {"horizontal": 3, "vertical": 3}
        assert not [n for n in fold["notes"] if "neither" in n or "no horizontal" in n or "no vertical" in n]
        assert fold["values"]["horizontal"] == fold["values"]["all"]          # RotD50 of the pair: `all`'s
        for system in SYSTEMS:
            for _, key, _, _ in GOALS:
                vertical = fold["values"]["vertical"][system][key]
                assert vertical == (metrics[system][VERTICAL[key]] if key in VERTICAL else None), (system, key)
    assert result["mean"]["vertical"]["n_folds"] == 1
    table = (run / "crossval.md").read_text()
    assert "| ev0, vertical | 3 | model |" in table and "| ev0, horizontal | 3 | model |" in table
