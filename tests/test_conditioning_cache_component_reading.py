"""sample's whole-record conditioning store is a cache of each record's `component` (the model's vertical flag). It
was rebuilt only when a column was missing, so a cache made before the reading of names changed (0fd9c5d: an ESM or
miniSEED HN3 is '?' now, was guessed 'H') kept the old answer: the model kept getting flag 0 for a channel now read
as unknown (NaN). The cache records the reading's version (components.COMPONENT_READING_VERSION) and is rebuilt,
with one line, when it was made with another."""
import numpy as np
import obspy
import zarr
from synth import accelerogram

from seisdiff.io.components import COMPONENT_READING_VERSION
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.whole import MADE_FROM, prepare_conditioning

CFG = PreprocessConfig(sampling_rate_hz=100.0, lowpass_hz=1.0, length=512, band_hz=(0.1, 30.0), min_duration_s=5.0,
                       margin_s=10.0)


def _hn3(path):
    tr = obspy.Trace(accelerogram(0, n=3000, fs_hz=100.0).astype(np.float32))
    tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": "HN3",
                     "starttime": obspy.UTCDateTime(2020, 1, 1)})
    tr.write(str(path), format="MSEED")
    return path


def test_a_cache_made_with_an_older_reading_of_components_is_rebuilt(tmp_path):
    files = [str(_hn3(tmp_path / "XX.STA.HN3.mseed"))]
    out = tmp_path / "cond.zarr"
    assert prepare_conditioning(files, out, CFG, units="m/s^2", progress=False).store.column("component").tolist() \
        == ["?"]
    group = zarr.open_group(str(out), mode="r+")     # as the reading before 0fd9c5d made it
    group["component"][:] = np.array(["H"])
    group.attrs[MADE_FROM] = {k: v for k, v in group.attrs[MADE_FROM].items() if k != "component_reading"}
    prepared = prepare_conditioning(files, out, CFG, units="m/s^2", progress=False)
    assert prepared.store.column("component").tolist() == ["?"]                  # was the cached 'H'
    assert [n for n in prepared.notes if "component names" in n] == [
        f"{out}: was made with other settings (the reading of component names: version 1, now "
        f"{COMPONENT_READING_VERSION}); "
        "rebuilding it from the inputs"]
    again = prepare_conditioning(files, out, CFG, units="m/s^2", progress=False)   # the same reading: reused
    assert again.notes == [] and again.store.column("component").tolist() == ["?"]
