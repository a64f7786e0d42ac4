"""SAC outputs carry the component's orientation (cmpaz: azimuth clockwise from north; cmpinc: from up, 0 up,
90 horizontal, 180 down) wherever its name states one, as the readers read names (io.components). Only E/N/Z,
EW/NS/UD and SEED ??E/??N/??Z got it: UNAM's V, N00E, N90E, GeoNet's N28W, USC's S58W, DMG/CSMIP's 090, 360,
KiK-net's NS2/EW2/UD2 were written without (-12345), read back through ObsPy as no orientation."""
import numpy as np
import obspy
import pytest

from seisdiff.io.components import component_orientation
from seisdiff.io.export import export_records

CASES = [("V", 0, 0), ("Up", 0, 0), ("UP", 0, 0), ("UD2", 0, 0), ("HNZ", 0, 0), ("DN", 0, 180), ("DWN", 0, 180),
         ("N00E", 0, 90), ("N90E", 90, 90), ("S45W", 225, 90), ("N28W", 332, 90), ("S32E", 148, 90),
         ("S58W", 238, 90), ("090", 90, 90), ("360", 0, 90), ("180", 180, 90), ("270", 270, 90), ("90", 90, 90),
         ("NS2", 0, 90), ("EW2", 90, 90), ("E", 90, 90), ("N", 0, 90), ("HNE", 90, 90), ("HNN", 0, 90)]


@pytest.mark.parametrize("name", ["HN1", "HN2", "HN3", "H1", "H2", "L", "T", "vx", "acc_z", "x", "BXX", "1", "C0",
                                  "NZ", "", "vz", "vel_z", "uz", "vel_y", "STA-Z", "STA-V", "BH U"])
def test_names_without_a_stated_direction_get_none(name):
    assert component_orientation(name) is None


def test_sac_files_round_trip_the_orientation_through_obspy(tmp_path):
    x = np.random.default_rng(0).standard_normal((len(CASES), 300)) * 0.1
    paths = export_records(tmp_path, "sac", x, 100.0, [f"r{i}" for i in range(len(CASES))],
                           meta=[{"station": "S1", "channel": name} for name, _, _ in CASES])
    got = []
    for path in paths:
        sac = obspy.read(str(path), format="SAC")[0].stats.sac
        got.append((sac.get("cmpaz"), sac.get("cmpinc")))
    assert got == [(pytest.approx(az), pytest.approx(inc)) for _, az, inc in CASES]


QUANTITY_CASES = [("vel_north", 0, 90), ("vel_east", 90, 90), ("vel_ud", 0, 0), ("acc-ns", 0, 90), ("disp_ew", 90, 90),
                  ("vel_n", 0, 90), ("vel_e", 90, 90), ("vel_u", 0, 0), ("acc up", 0, 0), ("vel_vertical", 0, 0),
                  ("vn", 0, 90), ("ue", 90, 90), ("vel_down", 0, 180)]


@pytest.mark.parametrize("name, azimuth, incidence", QUANTITY_CASES)
def test_a_quantity_before_a_compass_word_gets_that_words_orientation(name, azimuth, incidence):
    """vel_down got cmpinc 180 but vel_north, vel_east, vel_ud, acc-ns, disp_ew, vel_n, vel_u (SW4's north-east-up
    names) none, though `component_kind` reads them as H1, H2, Z: SAC export wrote -12345 for them. A quantity then a
    compass word now gives what the word gives alone; a quantity then x, y or z still none (z is down in SW4)."""
    from seisdiff.io.components import component_kind
    assert component_orientation(name) == (azimuth, incidence)
    assert component_kind(name) == ("Z" if incidence != 90 else "H1" if azimuth == 0 else "H2")


STATION_CASES = [("ST-N", 0, 90), ("HOL.N", 0, 90), ("ST NORTH", 0, 90), ("HOL-E", 90, 90), ("HOL_EW", 90, 90),
                 ("HOL-UD", 0, 0), ("HOL U", 0, 0), ("12266-UP", 0, 0), ("HOL-DN", 0, 180), ("CE1 N-S", 0, 90)]


def test_a_station_before_a_direction_word_gets_that_words_orientation(tmp_path):
    """ST-N, HOL.N, 'STA NORTH' read H1 and HOL-UD, 'HOL U' Z with no orientation while HOL-DN was written down
    (cmpinc 180): their SAC files had cmpaz/cmpinc -12345. A station before a direction word or letter now gives what
    the word gives alone, written to SAC and read back through ObsPy."""
    from seisdiff.io.components import component_kind
    x = np.random.default_rng(1).standard_normal((len(STATION_CASES), 300)) * 0.1
    paths = export_records(tmp_path, "sac", x, 100.0, [f"r{i}" for i in range(len(STATION_CASES))],
                           meta=[{"station": "S1", "channel": name} for name, _, _ in STATION_CASES])
    stats = [obspy.read(str(path), format="SAC")[0].stats.sac for path in paths]
    assert [(s.get("cmpaz"), s.get("cmpinc")) for s in stats] == \
        [(pytest.approx(az), pytest.approx(inc)) for _, az, inc in STATION_CASES]
    assert [component_kind(name) for name, _, _ in STATION_CASES] == \
        ["H1", "H1", "H1", "H2", "H2", "Z", "Z", "Z", "Z", "H1"]
