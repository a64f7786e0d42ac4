"""Three-component records whose files start at different times are aligned on their common time span.

`groups.triplet_groups` stacked the first n samples of each file (n the shortest) and gave the record its H1 file's
start time: SL.KOGS (Zagreb 2020, 200 Hz), whose HNE starts 0.12 s after its HNN and HNZ 1.12 s before it, was
stored with HNE 24 and HNZ 224 samples off (the vertical's P onset 1.2 s after the horizontals'), and `sample`
with a 3-component model wrote all three outputs at HNN's start, 05:23:57.084538. Now the rows run from the latest
start to the earliest end, each shifted by whole samples, and the record starts at the common start."""
import numpy as np
import obspy
import pytest
from synth import accelerogram

from seisdiff.io.readers import read
from seisdiff.io.record import Record
from seisdiff.io.store import open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import triplet_groups
from seisdiff.preprocess.run import run_preprocess
from seisdiff.preprocess.whole import made_from, prepare_conditioning

FS = 100.0
T0 = obspy.UTCDateTime(2020, 1, 1, 0, 0, 0)
CFG = PreprocessConfig(sampling_rate_hz=100.0, lowpass_hz=1.0, length=512, band_hz=(0.1, 30.0), min_duration_s=5.0,
                       margin_s=10.0)
CHANNELS = ("HNN", "HNE", "HNZ")


def _truth(n=7000):
    """(3, n) m/s²: each channel's motion on one time axis starting at T0."""
    return np.stack([accelerogram(seed, n=n, fs_hz=FS) for seed in range(3)])


def _records(truth, firsts, lasts, sub_s=(0.0, 0.0, 0.0), known=True):
    """Records of channel c holding truth[c, firsts[c]:lasts[c]], starting at T0 + firsts[c]/FS + sub_s[c]."""
    return [Record(acc_mps2=truth[c, a:b].copy(), sampling_rate_hz=FS, record_id=f"XX.STA..{cha}", station="STA",
                   component=cha, network="XX", start_time=str(T0 + a / FS + s) if known else "",
                   source_file=f"/in/XX.STA..{cha}.mseed")
            for c, (cha, a, b, s) in enumerate(zip(CHANNELS, firsts, lasts, sub_s))]


def test_components_starting_apart_are_aligned_on_their_common_span():
    truth = _truth()
    (g,), skipped = triplet_groups(_records(truth, (0, 150, 40), (6900, 7000, 6500)))
    np.testing.assert_array_equal(g.acc_mps2, truth[:, 150:6500])     # was HNE 150, HNZ 110 samples off
    assert g.start_time == str(T0 + 1.5)                               # was HNN's, T0
    assert skipped == [] and g.warnings == []


def test_sub_sample_offsets_are_rounded_and_only_beyond_one_percent_reported():
    truth = _truth()
    (g,), _ = triplet_groups(_records(truth, (0, 150, 40), (6900, 7000, 6500), sub_s=(0.0, 0.00004, 0.0)))
    np.testing.assert_array_equal(g.acc_mps2, truth[:, 150:6500])
    assert g.warnings == []                                            # 0.004 samples: silent
    (g,), _ = triplet_groups(_records(truth, (0, 150, 40), (6900, 7000, 6500), sub_s=(0.003, 0.0, 0.0)))
    np.testing.assert_array_equal(g.acc_mps2, truth[:, 150:6500])       # 0.3 samples: rounded away
    assert len(g.warnings) == 1 and all(s in g.warnings[0] for s in ("XX.STA..HNN.mseed HNN: 149.7", "not whole"))


def test_a_short_common_span_is_skipped_with_its_files_spans():
    truth = _truth()
    groups, skipped = triplet_groups(_records(truth, (0, 4000, 0), (3000, 7000, 7000)))
    assert groups == [] and len(skipped) == 3
    reason = skipped[0][1]
    assert all(s in reason for s in ("XX.STA..HNE.mseed", "+ 30 s", "--components each")), reason


def test_unknown_start_times_keep_the_first_samples():
    truth = _truth()
    (g,), _ = triplet_groups(_records(truth, (0, 150, 40), (6900, 7000, 6500), known=False))
    np.testing.assert_array_equal(g.acc_mps2, np.stack([truth[0, :6460], truth[1, 150:6610], truth[2, 40:6500]]))
    assert g.start_time == ""


def _write(folder, truth, firsts, lasts):
    folder.mkdir()
    for c, (cha, a, b) in enumerate(zip(CHANNELS, firsts, lasts)):
        tr = obspy.Trace(truth[c, a:b].astype(np.float64))
        tr.stats.update({"sampling_rate": FS, "network": "XX", "station": "STA", "channel": cha, "starttime": T0 + a / FS})
        tr.stats.sac = obspy.core.AttribDict(idep=8)   # acceleration in nm/s²
        tr.write(str(folder / f"XX.STA.{cha}.sac"), format="SAC")
    return folder


def test_preprocess_and_conditioning_of_shifted_files_equal_those_of_the_common_span(tmp_path):
    truth = _truth() * 1e9
    shifted = _write(tmp_path / "shifted", truth, (0, 150, 40), (6900, 7000, 6500))
    cut = _write(tmp_path / "cut", truth, (150, 150, 150), (6500, 6500, 6500))
    stores = [run_preprocess([str(f)], tmp_path / f"{f.name}.zarr", CFG, components="3", progress=False)
              for f in (shifted, cut)]
    assert [s.stored for s in stores] == [1, 1]
    got, want = open_store(tmp_path / "shifted.zarr").read(), open_store(tmp_path / "cut.zarr").read()
    np.testing.assert_array_equal(got["broadband"], want["broadband"])
    conditioned = [prepare_conditioning([str(f)], tmp_path / f"c_{f.name}.zarr", CFG, n_channels=3, progress=False)
                   for f in (shifted, cut)]
    s, c = (p.store for p in conditioned)
    np.testing.assert_array_equal(s.read()["lowpass"], c.read()["lowpass"])
    assert s.column("start_time").tolist() == c.column("start_time").tolist() == [read(cut / "XX.STA.HNN.sac")[0].start_time]


def test_a_three_component_conditioning_cache_made_before_the_alignment_is_rebuilt():
    assert "triplet_alignment" in made_from(CFG, 3, None, None, None)
    assert "triplet_alignment" not in made_from(CFG, 1, None, None, None)   # single-trace caches stay valid


def test_sl_kogs_is_aligned_on_its_common_span(strongmotion_dir):
    folder = strongmotion_dir / "fdsn_mseed+stationxml/20200322_zagreb"
    recs = [r for p in sorted(folder.glob("*.mseed")) for r in read(p)]
    (g,), _ = triplet_groups(recs)
    by = {r.component: r for r in recs}
    assert g.acc_mps2.shape == (3, 19404)
    np.testing.assert_array_equal(g.acc_mps2[0], by["HNN"].acc_mps2[24:24 + 19404])    # 0.12 s at 200 Hz
    np.testing.assert_array_equal(g.acc_mps2[1], by["HNE"].acc_mps2)
    np.testing.assert_array_equal(g.acc_mps2[2], by["HNZ"].acc_mps2[248:248 + 19404])  # 1.24 s
    assert g.start_time == by["HNE"].start_time == "2020-03-22T05:23:57.204538+00:00"    # was HNN's 57.084538
