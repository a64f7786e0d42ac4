"""A three-component record's `quantity_in_file` and `units_in_file` (the whole-record conditioning store) described
its first (H1) file only: SAC HNN and HNE in acceleration (idep 8) with an HHZ in velocity (idep 7) stored
'acceleration' and 'nm/s^2'. Each differing value is now given per component, in channel order (as `channel`);
equal values stay one. A triplet whose files differ in quantity or in SEED band/instrument code (HN? with HH?: not
one sensor) gets one warning line. The level warning names the component whose peak it judges, with its unit."""
from pathlib import Path

import numpy as np
import obspy

from seisdiff.io.record import Record
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.groups import triplet_groups
from seisdiff.preprocess.whole import prepare_conditioning

START = obspy.UTCDateTime(2020, 1, 1)


def _sac(folder: Path, channels, scale=None) -> None:
    """One SAC file per (channel, idep): acceleration nm/s² (idep 8) or velocity nm/s (idep 7); marked as
    seisdiff's own (kuser1), whose level the reader does not judge, where `scale` is given."""
    rng = np.random.default_rng(0)
    for cha, idep in channels:
        level = (scale or {}).get(cha, 1e8 if idep == 8 else 1e6)
        tr = obspy.Trace(np.convolve(rng.standard_normal(3000), np.hanning(40), mode="same") * level)
        tr.stats.update({"sampling_rate": 100.0, "network": "XX", "station": "STA", "channel": cha,
                         "starttime": START})
        tr.stats.sac = obspy.core.AttribDict({"idep": idep, **({"kuser1": "seisdiff"} if scale else {})})
        tr.write(str(folder / f"XX.STA.{cha}.sac"), format="SAC")


def test_a_triplets_file_columns_give_each_components_quantity_and_unit(tmp_path):
    _sac(tmp_path, [("HNN", 8), ("HNE", 8), ("HHZ", 7)])
    prepared = prepare_conditioning([str(tmp_path)], tmp_path / "c.zarr", PreprocessConfig(), n_channels=3,
                                    progress=False)
    store = prepared.store
    assert store.column("channel").tolist() == ["HNN,HNE,HHZ"]
    assert store.column("quantity_in_file").tolist() == ["acceleration,acceleration,velocity"]   # was 'acceleration'
    units = store.column("units_in_file")[0].split(" | ")
    assert units[:2] == ["nm/s^2", "nm/s^2"] and units[2].startswith("velocity in nm/s (SAC idep=IVEL)")
    mixed = [line for _, line in prepared.warnings if "not one sensor" in line]
    assert len(mixed) == 1 and "HH" in mixed[0] and "HN" in mixed[0] and "velocity" in mixed[0]


def test_an_ordinary_triplets_file_columns_stay_one_word(tmp_path):
    _sac(tmp_path, [("HNN", 8), ("HNE", 8), ("HNZ", 8)])
    prepared = prepare_conditioning([str(tmp_path)], tmp_path / "c.zarr", PreprocessConfig(), n_channels=3,
                                    progress=False)
    assert prepared.store.column("quantity_in_file").tolist() == ["acceleration"]
    assert prepared.store.column("units_in_file").tolist() == ["nm/s^2"]
    assert not any("not one sensor" in line for _, line in prepared.warnings)


def test_the_level_warning_names_the_component_whose_peak_it_judges(tmp_path):
    """HNN, HNE in nm/s² at a plausible level, HHZ in velocity (nm/s) 1000× too strong: the line names HHZ's file
    and its unit, not HNN's nm/s^2."""
    _sac(tmp_path, [("HNN", 8), ("HNE", 8), ("HHZ", 7)], scale={"HHZ": 1e9})
    prepared = prepare_conditioning([str(tmp_path)], tmp_path / "c.zarr", PreprocessConfig(), n_channels=3,
                                    progress=False)
    level = [line for _, line in prepared.warnings if "beyond any recorded ground motion" in line]
    assert len(level) == 1
    assert "XX.STA.HHZ.sac HHZ: peak 148 m/s²" in level[0] and "XX.STA.HNN.sac" not in level[0]


def test_the_level_warning_guesses_from_the_unit_of_the_component_it_judges():
    """H1 declared in g at 2 m/s², Z declared in cm/s² at 300 m/s² (likely mm/s² read as cm/s²): the guess was
    made from H1's g ('looks like cm/s^2 read as g')."""
    h1, h2, z = _rec("HNN"), _rec("HNE"), _rec("HNZ")
    h1.units_in_file, h2.units_in_file, z.units_in_file = "g", "g", "cm/s^2"
    for rec, peak in ((h1, 2.0), (h2, 2.0), (z, 300.0)):
        rec.acc_mps2 = peak * np.sin(np.arange(1000) * 2 * np.pi / 100)
    prepared = _level_line([h1, h2, z])
    assert prepared.startswith("HNZ.sac HNZ: peak 300 m/s²") and "read as cm/s^2" in prepared, prepared


def _rec(cha: str) -> Record:
    return Record(acc_mps2=np.zeros(1000), sampling_rate_hz=100.0, record_id=f"NS.STA..{cha}", station="STA",
                  component=cha, network="NS", start_time="2020-01-01T00:00:00", source_file=f"{cha}.sac")


def test_kiknet_and_seed_triplets_of_one_sensor_get_no_mixed_sensor_line():
    for names in (["NS1", "EW1", "UD1"], ["HN1", "HN2", "HNZ"], ["BXY", "BXX", "BXZ"], ["N00E", "N90E", "UP"]):
        groups, skipped = triplet_groups([_rec(c) for c in names])
        assert len(groups) == 1 and skipped == [], names
        assert not any("not one sensor" in w for w in groups[0].warnings), names
    groups, _ = triplet_groups([_rec(c) for c in ("HNN", "HNE", "HHZ")])
    assert sum("not one sensor" in w for w in groups[0].warnings) == 1


def _level_line(records: list[Record]) -> str:
    """The level warning prepare_conditioning gives the triplet of `records` (conditioned as it conditions it)."""
    from seisdiff.preprocess import whole
    cfg = PreprocessConfig()
    (group,), _ = triplet_groups(records)
    _, lowpass = whole.condition_whole(group.acc_mps2, group.sampling_rate_hz, cfg)
    return whole.group_level_warning(group, lowpass, cfg.lowpass_hz)
