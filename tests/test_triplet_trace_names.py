"""The line for start times not a whole number of samples apart named each trace by its file only: one miniSEED
file holding all three channels gave 'stag.mseed: 0, stag.mseed: 0.4, stag.mseed: 0 samples', not saying which
channel is off. Each trace is now named by its file and channel."""
import numpy as np
import obspy

from seisdiff.io.readers import read
from seisdiff.preprocess.groups import triplet_groups

T0 = obspy.UTCDateTime(2020, 1, 1)


def test_one_file_of_three_channels_names_each_trace_by_its_channel(tmp_path):
    st = obspy.Stream()
    for cha, late_s in (("HNN", 0.0), ("HNE", -0.004), ("HNZ", 0.0)):   # HNE 0.4 samples early at 100 Hz
        tr = obspy.Trace(np.random.default_rng(1).standard_normal(3000).astype(np.float32))
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                         "starttime": T0 + late_s})
        st += tr
    st.write(str(tmp_path / "stag.mseed"), format="MSEED")
    (g,), skipped = triplet_groups(read(tmp_path / "stag.mseed", units="m/s^2"))
    (line,) = g.warnings
    assert skipped == [] and "not whole samples" in line
    assert "stag.mseed HNN: 0, stag.mseed HNE: 0.4, stag.mseed HNZ: 0 samples" in line, line   # was stag.mseed: …


def test_an_offset_of_many_samples_shows_its_fraction(tmp_path):
    """Offsets were shown to 4 significant digits: HNE starting 5.002 s after HNN and HNZ at 200 Hz (1000.4 samples)
    read 'HNN: 1000, … HNZ: 1000 samples … not whole samples', the fraction that the line is about left out."""
    st = obspy.Stream()
    for cha, late_s in (("HNN", 0.0), ("HNE", 5.002), ("HNZ", 0.0)):
        tr = obspy.Trace(np.random.default_rng(2).standard_normal(20000).astype(np.float32))
        tr.stats.update({"sampling_rate": 200.0, "network": "XX", "station": "STA", "channel": cha,
                         "starttime": T0 + late_s})
        st += tr
    st.write(str(tmp_path / "late.mseed"), format="MSEED")
    (g,), _ = triplet_groups(read(tmp_path / "late.mseed", units="m/s^2"))
    (line,) = [w for w in g.warnings if "not whole samples" in w]
    assert "late.mseed HNN: 1000.4, late.mseed HNE: 0, late.mseed HNZ: 1000.4 samples (at 200 Hz)" in line, line
