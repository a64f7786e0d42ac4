"""Component names → H1 / H2 / Z: the `component` column (the model's vertical flag) and triplet grouping."""
import numpy as np
import pytest
import zarr

from seisdiff.io.record import Record
from seisdiff.preprocess import run_preprocess
from seisdiff.preprocess import groups as grouping


@pytest.mark.parametrize("name, kind", [
    # verticals, KiK-net's borehole (1) / surface (2) ones included
    ("UD", "Z"), ("UD1", "Z"), ("UD2", "Z"), ("U", "Z"), ("U-D", "Z"), ("UP", "Z"), ("Up", "Z"), ("V", "Z"),
    ("Z", "Z"), ("VERT", "Z"), ("DWN", "Z"), ("HNZ", "Z"), ("BNZ", "Z"),
    # KiK-net horizontals: the digit is the sensor, not an azimuth
    ("NS1", "H1"), ("NS2", "H1"), ("EW1", "H2"), ("EW2", "H2"),
    # SEED channels
    ("HN1", "H1"), ("HN2", "H2"), ("HNN", "H1"), ("HNE", "H2"), ("HN3", "?"),
    # compass azimuths (GeoNet, UNAM, USC)
    ("N00E", "H1"), ("N01E", "H1"), ("N10E", "H1"), ("N28W", "H1"), ("S10W", "H1"), ("S32E", "H1"),
    ("N90E", "H2"), ("S62W", "H2"), ("S58W", "H2"), ("N80W", "H2"), ("S89E", "H2"), ("S65E", "H2"),
    # PEER azimuths, letters
    ("000", "H1"), ("180", "H1"), ("360", "H1"), ("090", "H2"), ("270", "H2"),
    ("N", "H1"), ("NS", "H1"), ("E", "H2"), ("EW", "H2"),
    # BHRC / RENADIC longitudinal and transverse: ordered L, T for grouping
    ("L", "H1"), ("T", "H2"),
    # the store's own channel names, as `simulate` names its AT2 files (H2 read as azimuth 2°: H1)
    ("H1", "H1"), ("H2", "H2"),
    ("", "?"), ("XYZQ", "?"),
])
def test_component_kind(name, kind):
    assert grouping.component_kind(name) == kind


def _rec(component, orientation=None, **kw):
    meta = {"orientation": orientation} if orientation else {}
    return Record(acc_mps2=np.ones(100), sampling_rate_hz=100.0, record_id=f"S_{component}", station="S",
                  component=component, metadata=meta, **kw)


def test_record_kind_falls_back_to_the_readers_orientation():
    assert grouping.record_kind(_rec("NZ", "H")) == "H"        # RENADIC's label says nothing: the reader's "H"
    assert grouping.record_kind(_rec("XX", "Z")) == "Z"
    assert grouping.record_kind(_rec("XX")) == "?"
    assert grouping.record_kind(_rec("HN1", "Z")) == "Z"       # StationXML dip -90: HN1 is the vertical
    assert grouping.record_kind(_rec("UD2", "H")) == "Z"       # a name that says it wins otherwise


def test_triplet_groups_uses_the_fallback():
    groups, skipped = grouping.triplet_groups([_rec("EW", "H"), _rec("Z", "Z"), _rec("NZ", "H")])   # RENADIC copiapo
    assert not skipped and [r.component for r in groups[0].records] == ["NZ", "EW", "Z"]
    groups, skipped = grouping.triplet_groups([_rec("HN1", "Z"), _rec("HN2", "H"), _rec("HN3", "H")])  # BK.VALB
    assert not skipped and [r.component for r in groups[0].records] == ["HN3", "HN2", "HN1"]
    groups, skipped = grouping.triplet_groups([_rec("A", "H"), _rec("B", "H"), _rec("Z", "Z")])  # two unknowns
    assert not groups and len(skipped) == 3


def test_two_sensors_at_one_station_make_two_triplets():
    """Location codes 00 and 10, KiK-net's borehole (1) and surface (2): six good traces of one station were
    all skipped as an incomplete set."""
    def seed(loc, cha):
        return Record(acc_mps2=np.full(100, float(loc == "10")), sampling_rate_hz=100.0,
                      record_id=f"CI.ABC.{loc}.{cha}", station="ABC", network="CI", component=cha)
    traces = [seed(loc, cha) for loc in ("00", "10") for cha in ("HNE", "HNN", "HNZ")]
    groups, skipped = grouping.triplet_groups(traces)
    assert not skipped and sorted(g.group_id for g in groups) == ["CI.ABC.00.HN", "CI.ABC.10.HN"]
    assert all(np.unique(g.acc_mps2).size == 1 for g in groups)       # no trace of one sensor in the other's
    kiknet = [_rec(c) for c in ("NS1", "EW1", "UD1", "NS2", "EW2", "UD2")]
    groups, skipped = grouping.triplet_groups(kiknet)
    assert not skipped and sorted([r.component for r in g.records] for g in groups) == [
        ["NS1", "EW1", "UD1"], ["NS2", "EW2", "UD2"]]
    assert sorted(g.group_id for g in groups) == ["S_1", "S_2"]    # ids S_NS1 … share the stem S


@pytest.mark.parametrize("folder, n_triplets", [("cwb/20180206_hualien", 5), ("kiknet/20001006_tottori", 1)])
def test_three_components_keeps_cwb_and_kiknet_triplets(strongmotion_dir, tmp_path, folder, n_triplets):
    out = tmp_path / "s.zarr"
    summary = run_preprocess([str(strongmotion_dir / folder)], out, progress=False, components="3", workers=1)
    assert summary.skipped == []
    store = zarr.open_group(str(out), mode="r")
    assert store["broadband"].shape[1] == 3
    sources = {str(s) for s in store["source_file"][:]}
    assert len(sources) == n_triplets
    assert set(store["component"][:].tolist()) == {"H1,H2,Z"}


@pytest.mark.parametrize("name", ["vel_down", "acc-down", "v_dn", "u_dwn", "HOL-DN", "z-down"])
def test_a_down_word_after_a_quantity_is_vertical(name):
    """A simulation's north-east-down names with the quantity in front (vel_north, vel_east, vel_down) read the
    down one as H1 (the name ends in N): the model's vertical flag 0 for a vertical, and no triplet."""
    from seisdiff.io.components import component_orientation, vertical_flag
    assert grouping.component_kind(name) == "Z"
    assert component_orientation(name) == (0.0, 180.0)
    assert list(vertical_flag(["vel_north", "vel_east", name])) == [0.0, 0.0, 1.0]


def test_a_negative_azimuth_points_the_other_way():
    """'-90' and '-090' (an azimuth of -90°) gave cmpaz 90 (the sign was dropped: east, not west), so a SAC file
    of such a channel claimed the opposite direction; N90W, 270 and -90 now agree."""
    from seisdiff.io.components import component_orientation
    assert component_orientation("-90") == component_orientation("-090") == component_orientation("N90W") == (270.0, 90.0)
    assert component_orientation("-45") == (315.0, 90.0) and component_orientation("090") == (90.0, 90.0)
    assert component_orientation("-000") == (0.0, 90.0)


_QUANTITIES = ["v", "a", "u", "d", "vel", "acc", "disp", "velocity", "acceleration", "displacement"]
_DIRECTIONS = {"north": ("H1", (0.0, 90.0)), "east": ("H2", (90.0, 90.0)), "up": ("Z", (0.0, 0.0)),
               "down": ("Z", (0.0, 180.0)), "dn": ("Z", (0.0, 180.0)), "dwn": ("Z", (0.0, 180.0)),
               "ud": ("Z", (0.0, 0.0)), "ns": ("H1", (0.0, 90.0)), "ew": ("H2", (90.0, 90.0)),
               "vertical": ("Z", (0.0, 0.0))}
_SEPARATORS = ["-", "_", ".", " ", ""]


@pytest.mark.parametrize("quantity", _QUANTITIES)
def test_a_quantity_before_a_direction_word_reads_as_that_word(quantity):
    """vel.down, acc.dn, vdown, veldown, 'vel down' were H1 (the name ends in N: vertical flag 0 for a vertical),
    velnorth and vnorth '?', vel.north H1 with no orientation: every quantity + separator + direction word (any
    case) now gives that word's kind, orientation and vertical flag."""
    from seisdiff.io.components import component_orientation, vertical_flag
    for word, (kind, orientation) in _DIRECTIONS.items():
        for sep in _SEPARATORS:
            for name in (quantity + sep + word, (quantity + sep + word).upper(), quantity.capitalize() + sep + word):
                assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation), name
                assert vertical_flag([name])[0] == (1.0 if kind == "Z" else 0.0), name


@pytest.mark.parametrize("quantity", _QUANTITIES)
def test_a_quantity_before_x_y_z_has_a_kind_but_no_orientation(quantity):
    from seisdiff.io.components import component_orientation
    for axis, kind in (("x", "H2"), ("y", "H1"), ("z", "Z")):
        for sep in _SEPARATORS:
            name = quantity + sep + axis
            assert (grouping.component_kind(name), component_orientation(name)) == (kind, None), name


@pytest.mark.parametrize("name, kind, orientation", [
    ("HNE", "H2", (90.0, 90.0)), ("HNN", "H1", (0.0, 90.0)), ("BHZ", "Z", (0.0, 0.0)), ("HN1", "H1", None),
    ("NS1", "H1", (0.0, 90.0)), ("EW2", "H2", (90.0, 90.0)), ("UD2", "Z", (0.0, 0.0)),
    ("N28W", "H1", (332.0, 90.0)), ("N28.5W", "H1", (331.5, 90.0)), ("090", "H2", (90.0, 90.0)),
    ("ST-090", "H2", (90.0, 90.0)), ("HOL-DN", "Z", (0.0, 180.0)), ("DOWN", "Z", (0.0, 180.0)),
    ("DN", "Z", (0.0, 180.0)), ("UD", "Z", (0.0, 0.0)), ("UP", "Z", (0.0, 0.0)), ("V", "Z", (0.0, 0.0)),
    ("U", "Z", (0.0, 0.0)), ("VERTICAL", "Z", (0.0, 0.0)), ("vn", "H1", (0.0, 90.0)), ("ae", "H2", (90.0, 90.0)),
    ("D", "?", None), ("A", "?", None), ("XYZQ", "?", None), ("C0", "?", None),
])
def test_names_that_are_not_a_quantity_and_a_direction_keep_their_reading(name, kind, orientation):
    from seisdiff.io.components import component_orientation
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)


@pytest.mark.parametrize("name, kind, orientation", [
    ("HOL.DN", "Z", (0.0, 180.0)), ("HOL DN", "Z", (0.0, 180.0)), ("hol.down", "Z", (0.0, 180.0)),
    ("CE-12345 DN", "Z", (0.0, 180.0)), ("ST.090", "H2", (90.0, 90.0)), ("ST 090", "H2", (90.0, 90.0)),
    ("ST.360", "H1", (0.0, 90.0)), ("vel u", "Z", (0.0, 0.0)), ("a u", "Z", (0.0, 0.0)),
    ("vel e-w", "H2", (90.0, 90.0)),
    # a code with spaces in it stays that code; a decimal point stays a point
    ("N 28 W", "H1", (332.0, 90.0)), ("S 32 E", "H1", (148.0, 90.0)), ("UD 2", "Z", (0.0, 0.0)),
    ("NS 1", "H1", (0.0, 90.0)), ("N28.5W", "H1", (331.5, 90.0)),
])
def test_a_dot_or_a_space_separates_words_as_a_dash_does(name, kind, orientation):
    """HOL.DN and 'HOL DN' (a station, then down) read H1 with no orientation (the name ends in N) while HOL-DN was
    a down vertical; ST.090 '?' while ST-090 and 'ST 090' were east; 'vel u' '?' while vel_u was up."""
    from seisdiff.io.components import component_orientation
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)


@pytest.mark.parametrize("name, kind, orientation", [
    ("vel_up2", "Z", (0.0, 0.0)), ("vel_up_2", "Z", (0.0, 0.0)), ("velup2", "Z", (0.0, 0.0)),
    ("vel u2", "Z", (0.0, 0.0)), ("vel_ud1", "Z", (0.0, 0.0)), ("vel_down2", "Z", (0.0, 180.0)),
    ("acc-dn1", "Z", (0.0, 180.0)), ("vel_ns2", "H1", (0.0, 90.0)), ("acc-ew-1", "H2", (90.0, 90.0)),
    # as the word with its digit reads alone: NORTH2, N2, UP3 say nothing; VN1 stays a SEED channel
    ("vel_north2", "?", None), ("vel_n2", "?", None), ("vel_up3", "?", None), ("VN1", "H1", None),
])
def test_a_quantity_before_a_direction_word_and_a_sensor_digit_reads_as_the_word_and_digit(name, kind, orientation):
    """vel_up2, 'vel u2', vel_down2 were '?' (no vertical flag, no triplet) though UP2 and DOWN2 alone are verticals."""
    from seisdiff.io.components import component_orientation
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)


@pytest.mark.parametrize("name, kind, orientation", [
    ("Vel. East", "H2", (90.0, 90.0)), ("Acc. North", "H1", (0.0, 90.0)), ("disp. ew", "H2", (90.0, 90.0)),
    ("VEL. U", "Z", (0.0, 0.0)), ("vel - u", "Z", (0.0, 0.0)), ("vel_ u", "Z", (0.0, 0.0)),
    ("acc.-north", "H1", (0.0, 90.0)), ("HOL. DN", "Z", (0.0, 180.0)), ("N. S", "H1", (0.0, 90.0)),
    ("U. D", "Z", (0.0, 0.0)), ("N 28.5 W", "H1", (331.5, 90.0)),
])
def test_a_run_of_separators_around_a_dot_or_a_space_is_one(name, kind, orientation):
    """'Vel. East', 'Acc. North', 'vel - u' (a dot or space beside another separator) became two or three dashes
    (VEL--EAST) and lost the orientation they had before spaces and dots separated words (90/90, 0/90, up): SAC
    export wrote no cmpaz/cmpinc for them."""
    from seisdiff.io.components import component_axis, component_orientation
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)
    assert component_axis("Vel. East") == "E" and component_axis("vel - u") == "Z"


@pytest.mark.parametrize("name, kind, orientation", [
    ("ST-N", "H1", (0.0, 90.0)), ("HOL.N", "H1", (0.0, 90.0)), ("STA NORTH", "H1", (0.0, 90.0)),
    ("hol_e", "H2", (90.0, 90.0)), ("HOL.EAST", "H2", (90.0, 90.0)), ("HOL-NS", "H1", (0.0, 90.0)),
    ("HOL E-W", "H2", (90.0, 90.0)), ("HOL-UD", "Z", (0.0, 0.0)), ("HOL U", "Z", (0.0, 0.0)),
    ("12266-UP", "Z", (0.0, 0.0)), ("STA vertical", "Z", (0.0, 0.0)), ("HOL-DN", "Z", (0.0, 180.0)),
    ("XX.STA.00.N", "H1", (0.0, 90.0)), ("HN E", "H2", (90.0, 90.0)),
    # not a station before a word: two directions (N-E, UP-N), a solver's axis or velocity letter after a station
    # (Z, X, V), the instrument's own axes (L, T), a spaced SEED code's U (SEED's U is a Galperin axis, not up)
    ("N-E", "H2", None), ("UP-N", "H1", None), ("Z-N", "H1", None), ("HOL-N-E", "H2", None),
    ("HOL-Z", "Z", None), ("HOL-X", "H2", None), ("HOL-V", "?", None), ("HOL-L", "?", None), ("HOL-T", "?", None),
    ("BH U", "Z", None),
    ("HOL-S", "?", None), ("HOL--N", "H1", None), ("Station, North", "?", None),
])
def test_a_station_before_a_direction_word_reads_as_that_word(name, kind, orientation):
    """ST-N, HOL.N, 'STA NORTH' read H1 and HOL-UD, 'HOL U' Z with no orientation, while HOL-DN read 0/180 (SAC export
    wrote no cmpaz/cmpinc for them). A station, a separator, then a direction word or letter now reads as the word."""
    from seisdiff.io.components import component_axis, component_orientation
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)
    if orientation:
        assert component_axis(name) == ("Z" if orientation[1] != 90 else "N" if orientation[0] == 0 else "E")


@pytest.mark.parametrize("name, kind, orientation", [
    ("HOL.DN2", "Z", (0.0, 180.0)), ("HOL-DN1", "Z", (0.0, 180.0)), ("hol down2", "Z", (0.0, 180.0)),
    ("HOL-UD2", "Z", (0.0, 0.0)), ("HOL_UD_1", "Z", (0.0, 0.0)), ("HOL.UP2", "Z", (0.0, 0.0)),
    ("HOL-NS1", "H1", (0.0, 90.0)), ("HOL EW2", "H2", (90.0, 90.0)), ("HOL-U2", "Z", (0.0, 0.0)),
    # as the word with its digit reads alone: N2, NORTH2, UP3 say nothing; a spaced SEED code's U2 neither
    ("HOL-N2", "?", None), ("HOL-NORTH2", "?", None), ("HOL-UP3", "?", None), ("BH U2", "?", None),
])
def test_a_station_before_a_direction_word_and_a_sensor_digit_reads_as_the_word_and_digit(name, kind, orientation):
    """HOL.DN2 read '?' (no vertical flag, no triplet, no SAC orientation) while vel_dn2 and DN2 alone read down: a
    station's direction word with KiK-net's sensor digit (1 borehole, 2 surface) now reads as the word and digit."""
    from seisdiff.io.components import component_orientation, vertical_flag
    assert (grouping.component_kind(name), component_orientation(name)) == (kind, orientation)
    assert list(vertical_flag(["HOL-NS2", "HOL-EW2", "HOL-UD2"])) == [0.0, 0.0, 1.0]
