"""`sample --cond FILES`: the model's vertical flag of each record comes from the same reading of its
component as `preprocess` (io.components.component_kind, then the reader's orientation): the conditioning
store has the `component` column `preprocess` writes. It was read from the raw channel name by a second
copy of the rules (vertical_flag), which disagreed: KiK-net's surface vertical UD2 was a horizontal,
compass azimuths (N28W, S58W, N90E: GeoNet, USC, UNAM) and RENADIC's NZ unknown (NaN, a flag the model
never saw), BK.VALB's HN1 (a vertical by its StationXML dip) a horizontal; and SPECFEM's BXX/BXY were
'?' to triplet grouping, so a 3-component model skipped the station. Conditioning only."""
from pathlib import Path

import numpy as np
import obspy
import pytest

from seisdiff.engine.scaling import metadata_columns
from seisdiff.io.components import component_kind, vertical_flag
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import prepare_conditioning

def test_the_vertical_flag_reads_names_as_component_kind_does():
    names = ["BXX", "BXY", "BXZ", "X", "Y", "UD2", "UD1", "NS2", "EW1", "N28W", "S58W", "N90E", "N00E",
             "090", "360", "UP", "V", "HNE", "HN1", "vx", "acc_z", "east"]
    kinds = [component_kind(n) for n in names]
    assert kinds == ["H2", "H1", "Z", "H2", "H1", "Z", "Z", "H1", "H2", "H1", "H2", "H2", "H1",
                     "H2", "H1", "Z", "Z", "H2", "H1", "H2", "Z", "H2"]
    assert vertical_flag(names).tolist() == [float(k == "Z") for k in kinds]
    # a grid's default names and an instrument's channel numbers are no azimuths
    assert [component_kind(n) for n in ("C0", "C1", "C12", "HN3")] == ["?"] * 4
    assert np.isnan(vertical_flag(["C0", "C1", "C12", "HN3", "H1,H2,Z"])).all()


def _specfem_like(folder: Path) -> list[str]:
    rng = np.random.default_rng(0)
    paths = []
    for cha in ("BXX", "BXY", "BXZ"):
        tr = obspy.Trace(np.convolve(rng.standard_normal(1500), np.hanning(40), mode="same") * 0.01)
        tr.stats.update({"sampling_rate": 100.0, "network": "XS", "station": "S0001", "channel": cha,
                         "starttime": obspy.UTCDateTime(2020, 1, 1)})
        paths.append(str(folder / f"XS.S0001.{cha}.sac"))
        tr.write(paths[-1], format="SAC")
    return paths


def test_specfem_channels_make_a_triplet_and_get_their_component(tmp_path):
    paths = _specfem_like(tmp_path)
    single = prepare_conditioning(paths, tmp_path / "one.zarr", PreprocessConfig(), units="m/s^2", progress=False)
    store = single.store
    assert store.column("component").tolist() == ["H2", "H1", "Z"]
    assert metadata_columns({c: store.column(c) for c in store.columns})["vertical"].tolist() == [0, 0, 1]
    three = prepare_conditioning(paths, tmp_path / "three.zarr", PreprocessConfig(), n_channels=3, units="m/s^2",
                                 progress=False)
    assert three.skipped == [] and len(three.store) == 1
    assert three.store.column("channel").tolist() == ["BXY,BXX,BXZ"]
    assert three.store.column("component").tolist() == ["H1,H2,Z"]


def test_real_records_get_the_flag_preprocess_gives_them(tmp_path, strongmotion_dir):
    files = [strongmotion_dir / name for name in (
        "fdsn_mseed+stationxml/20191103_nc73300395/BK.VALB.40.HN1__20191103T203452Z__20191103T203627Z.mseed",
        "kiknet/20001006_tottori/AICH040010061330.UD2", "usc/19871001_whittier/274o42pv.s0a")]
    if not all(f.is_file() for f in files):
        pytest.skip("the strong-motion files of this test are absent")
    prepared = prepare_conditioning([str(f) for f in files], tmp_path / "c.zarr", PreprocessConfig(), progress=False)
    store = prepared.store
    got = dict(zip(store.column("channel").tolist(),
                   metadata_columns({c: store.column(c) for c in store.columns})["vertical"].tolist()))
    assert got == {"HN1": 1.0, "UD2": 1.0, "S58W": 0.0}     # was 0, 0, NaN
