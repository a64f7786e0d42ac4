"""The readers' orientation of a component name is `component_kind`'s (one reading of names); a header that says
more (StationXML dip, RENADIC's table) still comes first where the name says nothing."""
import numpy as np
import pytest

from seisdiff.engine.scaling import metadata_columns
from seisdiff.io.components import component_kind
from seisdiff.io.formats.common import orientation
from seisdiff.io.readers import read
from seisdiff.preprocess.groups import Group, group_component

_KIND_ORIENTATION = {"Z": "Z", "H1": "H", "H2": "H", "H": "H", "?": "?"}


@pytest.mark.parametrize("name", ["UD2", "UD1", "DWN", "VER", "HN3", "NZ", "C0", "CH3", "HNZ", "Up", "UD", "V",
                                  "N28W", "090", "EW2", "HN1", "L", "T", "vel_z"])
def test_reader_orientation_is_component_kinds(name):
    # was: UD2, UD1, DWN, VER 'H' (verticals read as horizontals); HN3, C0, CH3 'H' and NZ 'Z' (guesses)
    assert orientation(name) == _KIND_ORIENTATION[component_kind(name)]


def _esm_with_stream(src, dst, stream):
    text = src.read_text(encoding="latin-1").replace("STREAM: HNE", f"STREAM: {stream}")
    dst.write_text(text, encoding="latin-1")
    return dst


def test_an_unreadable_channel_is_unknown_in_every_reader(strongmotion_dir, tmp_path):
    """An ESM file whose STREAM is HN3 (SEED's third channel: vertical at some stations, horizontal at others)
    was stored with component 'H', the model told 'horizontal' (vertical flag 0); the same channel in miniSEED
    without StationXML is '?' (flag NaN). Both now '?'."""
    src = next((strongmotion_dir / "esm" / "20101114_turkey_afad3336").glob("*_E.asc"))
    (rec,) = read(_esm_with_stream(src, tmp_path / "x_HN3.asc", "HN3"))
    assert rec.component == "HN3" and rec.metadata["orientation"] == "?"
    component = group_component(Group(rec.record_id, [rec], rec.acc_mps2[None], rec.sampling_rate_hz))
    assert component == "?"
    assert np.isnan(metadata_columns({"component": np.array([component])})["vertical"][0])
    (up,) = read(_esm_with_stream(src, tmp_path / "x_UD2.asc", "UD2"))
    assert up.metadata["orientation"] == "Z"        # was 'H'


def test_shared_data_orientation_agrees_with_component_kind(strongmotion_dir):
    """Every trace of a few formats whose headers say nothing beyond the name: the reader's orientation is the
    name's kind (KiK-net UD2 included)."""
    files = [next((strongmotion_dir / "kiknet").rglob("*.UD2")), next((strongmotion_dir / "geonet").rglob("*.V1A")),
             next((strongmotion_dir / "usc").rglob("*.s0a")), next((strongmotion_dir / "dmg").rglob("*.v1"))]
    records = [r for f in files for r in read(f)]
    assert len(records) >= 5
    for rec in records:
        assert rec.metadata["orientation"] == _KIND_ORIENTATION[component_kind(rec.component)], rec.record_id


def test_spelled_out_structure_axes_stay_horizontal():
    """RADIAL, LONGITUDINAL (and TRANS) were '?' to component_kind; the readers' old guess took them as
    horizontals. Read as RAD, LONG, TRAN are: a RADIAL, TRANSVERSE, VERTICAL set is still a triplet."""
    from seisdiff.io.record import Record
    from seisdiff.preprocess.groups import triplet_groups
    assert [orientation(n) for n in ("RADIAL", "LONGITUDINAL", "TRANS", "TRANSVERSE")] == ["H"] * 4
    assert [component_kind(n) for n in ("Radial", "Longitudinal", "Trans")] == ["H", "H1", "H2"]
    recs = [Record(acc_mps2=np.ones(100), sampling_rate_hz=100.0, record_id=f"S_{c}", station="S", component=c,
                   metadata={"orientation": orientation(c)}) for c in ("RADIAL", "TRANSVERSE", "VERTICAL")]
    groups, skipped = triplet_groups(recs)
    assert not skipped and [r.component for r in groups[0].records] == ["RADIAL", "TRANSVERSE", "VERTICAL"]


def test_cosmos_horizontal_azimuth_decides_an_unreadable_channel(strongmotion_dir, tmp_path):
    """A COSMOS channel whose SCNL code says nothing (HN3; a structure's HN4) but whose header sensor azimuth I(54)
    is a horizontal one (0-360) is horizontal: the header says so, as SMC's vertical angle 90 does. It was '?'
    (the model's vertical flag NaN) once the readers read names by component_kind; before that 'H'."""
    src = strongmotion_dir / "cosmos" / "20200515_montecristo" / "CIMLAC-n.00725272.HNE.--.V1c"
    text = src.read_text(encoding="latin-1")
    assert "<SCNL>MLAC.HNE." in text
    for code in ("HN3", "HN4"):
        dst = tmp_path / f"CIMLAC_{code}.V1c"
        dst.write_text(text.replace("<SCNL>MLAC.HNE.", f"<SCNL>MLAC.{code}."), encoding="latin-1")
        (rec,) = read(dst)
        assert rec.component == code and rec.metadata["orientation"] == "H"
        component = group_component(Group(rec.record_id, [rec], rec.acc_mps2[None], rec.sampling_rate_hz))
        assert metadata_columns({"component": np.array([component])})["vertical"][0] == 0.0
