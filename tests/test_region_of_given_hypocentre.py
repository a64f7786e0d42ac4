"""A record's region was read from its files' coordinates only, while its hypocentre columns also take the event that
`sample --hypocenter` gives (files that name no event) or a metadata CSV's: miniSEED without StationXML beside
--hypocenter 37.56 138.61 (Chuetsu, Japan) stored hypo_lat 37.56 but region '', which the level model treats as a
region it never saw (`hf_level.record_regions`), and a training store's per-event CSV hypocentre left region ''
(crossval's folds, the level model's fitted regions). The region now comes from the record's stored places."""
import math

import numpy as np
import obspy

from seisdiff.engine.sampling import event_row
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.regions import region_of
from seisdiff.preprocess.run import run_preprocess
from seisdiff.preprocess.whole import prepare_conditioning

LAT, LON = 37.56, 138.61


def _mseed(folder):
    """ZZ.STA HNN, HNE, HNZ 40 s at 100 Hz, no station coordinates, a network of no known region."""
    st = obspy.Stream()
    for c, cha in enumerate(("HNN", "HNE", "HNZ")):
        tr = obspy.Trace(np.random.default_rng(c).standard_normal(4000).astype(np.float32) * 0.1)
        tr.stats.update({"sampling_rate": 100.0, "network": "ZZ", "station": "STA", "channel": cha,
                         "starttime": obspy.UTCDateTime(2007, 7, 16, 1, 13, 22)})
        st += tr
    path = folder / "ZZ.STA.mseed"
    st.write(str(path), format="MSEED")
    return path


def test_sample_gives_the_region_of_the_given_hypocentre(tmp_path):
    _mseed(tmp_path)
    expected = region_of(LAT, LON)
    assert expected
    store = prepare_conditioning([str(tmp_path / "ZZ.STA.mseed")], tmp_path / "c.zarr", PreprocessConfig(),
                                 n_channels=3, units="m/s^2", progress=False,
                                 event=event_row([LAT, LON, 10.0], 6.6)).store
    assert store.column("hypo_lat").tolist() == [LAT]
    assert store.column("region").tolist() == [expected]                 # was ''


def test_preprocess_gives_the_region_of_a_csv_hypocentre(tmp_path):
    path = _mseed(tmp_path)
    csv = tmp_path / "meta.csv"
    csv.write_text(f"record_id,hypo_lat,hypo_lon,hypo_depth_km\nZZ.STA.ZZ.STA..HN,{LAT},{LON},10\n")
    run_preprocess([str(path)], tmp_path / "s.zarr", PreprocessConfig(length=1024), metadata_csv=csv,
                   units="m/s^2", components="3", progress=False)
    store = open_store(tmp_path / "s.zarr")
    assert math.isclose(float(store.column("hypo_lat")[0]), LAT)
    assert set(store.column("region").tolist()) == {region_of(LAT, LON)}   # was {''}
