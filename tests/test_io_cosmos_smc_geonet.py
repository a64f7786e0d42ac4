"""COSMOS V1c/V2c, USGS SMC and GeoNet V1A/V2A readers on small files written here in the exact
layouts: unit conversion, header fields, detection by content, and InputError for damaged files."""
from __future__ import annotations

import math

import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.formats import cosmos, detect, geonet, smc
from seisdiff.io.formats.common import hypocentral_distance_km
from seisdiff.io.units import G_MPS2

# --------------------------------------------------------------------------------------------- COSMOS


def _cosmos_channel(acc, *, units="cm/sec2(04)", per_line=8, width=10, decimals=4, scnl="MLAC.HNE.CI.--",
                    azimuth=90, npts=None, sections=(), hypocentre=True, start_text="2020/05/15 11:03:14.418"):
    ints = [-999] * 100
    ints[0], ints[1], ints[2], ints[10] = 1, 1, 4, 6
    ints[39:45] = [2020, 136, 5, 15, 11, 3]
    ints[53] = azimuth
    reals = [-999.0] * 100
    reals[0], reals[1] = 37.6302, -118.8361
    if hypocentre:
        reals[9], reals[10], reals[11], reals[14] = 38.1588, -117.8765, 4.1, 6.4
    reals[29], reals[33], reals[61], reals[62] = 14.41778, 0.01, 10.0, len(acc) * 0.01
    text = [
        "Uncorrected acceleration  (Format v01.20 with 13 text lines)",
        "Record of     Tonopah, NV Earthquake of Fri May 15, 2020 11:03 UTC",
        "Hypocenter: 38.15880 -117.87650 H=  4km Ml=6.4" if hypocentre else "Hypocenter: To be determined",
        "Origin: 2020/05/15 11:03:27    UTC" if hypocentre else "Origin: To be determined",
        "Statn No: 06-       Code:CI-MLAC    CIT  Mammoth",
        "Coords: 37.6302 -118.8361  Site geology:",
        "Recorder:                 ( ? Chns of   6 at Sta) Sensor: Unknown",
        f"Rcrd start time: {start_text} UTC (Q=5) RcrdId: (see comment)",
        "Sta Chan   ?: 90 Deg (Rcrdr Chan  ?) Location:",
        "Raw record length = 192.000 sec, Uncor max =     48576, at  54.570 sec.",
        "Processed:2020-05-18 21:06:00 GMT, USGS, Max =   18.609 cm/sec2 at   54.570 sec",
        "Record filtered below       Hz (periods over       secs), and above      Hz",
        "Values used when parameter or data value is unknown/unspecified:   -999, -999.00",
        " 100 Integer-header values follow on  10 lines, Format= (10I8)",
    ]
    text += ["".join(f"{v:8d}" for v in ints[k:k + 10]) for k in range(0, 100, 10)]
    text.append(" 100 Real-header values follow on  20 lines, Format= (5F15.6)")
    text += ["".join(f"{v:15.6f}" for v in reals[k:k + 5]) for k in range(0, 100, 5)]
    text += ['   2 Comment line(s) follow, each starting with a "|":', f"|<SCNL>{scnl}    <AUTH> x",
             "|<PROCESS> AUTO"]

    def block(values, quantity, unit_text):
        head = (f"{npts if npts is not None else len(values):8d} {quantity} pts, approx  192 secs, "
                f"units={unit_text},Format=({per_line}F{width}.{decimals})")
        body = ["".join(f"{v:{width}.{decimals}f}" for v in values[k:k + per_line])
                for k in range(0, len(values), per_line)]
        return [head] + body

    text += block(acc, "acceleration", units)
    for quantity, values in sections:
        text += block(values, quantity, "cm/sec(05)" if quantity == "velocity" else "cm(06)")
    text.append("End-of-data for ChanHNE acceleration")
    return text


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


ACC = np.array([1.5, -2.25, 3.0, 0.5, -0.75, 12.0, -8.5, 4.25, 0.0, 1.0, -1.0])


def test_cosmos_cm_s2_and_header_fields(tmp_path):
    path = _write(tmp_path, "CIMLAC.odd", _cosmos_channel(ACC))
    (rec,) = cosmos.read(path)
    np.testing.assert_allclose(rec.acc_mps2, ACC * 0.01)
    assert rec.sampling_rate_hz == 100.0
    assert (rec.station, rec.network, rec.component) == ("MLAC", "CI", "HNE")
    assert rec.start_time == "2020-05-15T11:03:14.417780+00:00"
    assert rec.event == "20200515T110327"
    assert rec.metadata["magnitude"] == 6.4 and rec.metadata["magnitude_type"] == "ML"
    assert rec.metadata["hypo_depth_km"] == 4.1
    assert rec.metadata["distance_km"] == pytest.approx(102.87, abs=0.5)  # manifest value of this station
    assert rec.metadata["orientation"] == "H"
    assert rec.units_in_file == "cm/s^2"


def test_cosmos_g_stacked_channels_and_vertical_code(tmp_path):
    lines = (_cosmos_channel(ACC / 100, units="g.     (02)", width=9, decimals=6, scnl="23837.HNN.CE.--",
                             azimuth=360, hypocentre=False, start_text="8/29/2018, 02:33:  .0")
             + _cosmos_channel(ACC / 50, units="g.     (02)", width=9, decimals=6, scnl="23837..CE.--",
                               azimuth=400, hypocentre=False))
    lines[0] += " Src:  ce23837j"
    recs = cosmos.read(_write(tmp_path, "CE23837.V1C", lines))
    assert len(recs) == 2
    np.testing.assert_allclose(recs[0].acc_mps2, ACC / 100 * G_MPS2, rtol=1e-6)
    np.testing.assert_allclose(recs[1].acc_mps2, ACC / 50 * G_MPS2, rtol=1e-6)
    assert recs[0].component == "HNN" and recs[0].metadata["orientation"] == "H"
    # no channel code in the SCNL: the COSMOS azimuth code 400 (Up) names it vertical
    assert recs[1].component == "Up" and recs[1].metadata["orientation"] == "Z"
    assert recs[0].start_time == ""  # seconds left blank in `02:33:  .0 UTC`: unreliable
    assert "magnitude" not in recs[0].metadata and "distance_km" not in recs[0].metadata
    assert [r.record_id for r in recs] == ["CE23837_HNN", "CE23837_Up"]


def test_cosmos_v2_returns_acceleration_only(tmp_path):
    vel, disp = ACC * 3, ACC * 7
    lines = _cosmos_channel(ACC, sections=(("velocity", vel), ("displacement", disp)))
    lines[0] = lines[0].replace("Uncorrected", "Corrected")
    recs = cosmos.read(_write(tmp_path, "x.V2c", lines))
    assert len(recs) == 1
    np.testing.assert_allclose(recs[0].acc_mps2, ACC * 0.01)


def test_cosmos_touching_positive_fields(tmp_path):
    acc = np.array([123.45678, 234.56789, -34.56789, 456.78912, 5.0])
    lines = _cosmos_channel(acc, per_line=5, width=9, decimals=5)
    assert "123.45678234.56789" in "\n".join(lines)  # the fields really touch
    (rec,) = cosmos.read(_write(tmp_path, "t.V1c", lines))
    np.testing.assert_allclose(rec.acc_mps2, acc * 0.01)


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-3], "header says"),  # truncated data
    (lambda lines: [l.replace("      11 acceleration", "       9 acceleration") for l in lines], "more"),
    (lambda lines: [l.replace("      11 acceleration", "      13 acceleration") for l in lines], "header says"),
    (lambda lines: [l.replace("units=cm/sec2(04)", "units=counts(50)") for l in lines], "not an acceleration"),
    (lambda lines: [l.replace("units=cm/sec2(04),", "") for l in lines], "no units"),
    (lambda lines: [l.replace("units=cm/sec2(04)", "units=g(04)") for l in lines], "code"),
])
def test_cosmos_damage(tmp_path, damage, message):
    path = _write(tmp_path, "bad.V1c", damage(_cosmos_channel(ACC)))
    with pytest.raises(InputError, match=message):
        cosmos.read(path)


# ------------------------------------------------------------------------------------------------ SMC


def _smc(acc, *, volume="1 UNCORRECTED ACCELEROGRAM", npts=None, vertical=90, azimuth=90, scnl="2825.HNE.NP.--"):
    miss_i, miss_r = -32768, 1.7e38
    ints = [miss_i] * 48
    ints[1:8] = [2018, 124, 22, 32, 18, 250, 100857]
    ints[8], ints[9], ints[12], ints[13], ints[15] = 1, 3, vertical, azimuth, 3
    ints[16] = len(acc) if npts is None else npts
    reals = [miss_r] * 50
    reals[1:6] = [200.0, 19.37, -155.032, 5.0, 6.9]
    reals[10], reals[11] = 20.02298, -155.6614
    text = [volume, "*", "2825", "     2018  05  04    2232 16 KM SW OF LEILANI ESTATES, HI",
            "Moment Mag= 6.9      Ms=          Ml=", "station = HI:HI;Waimea, FS   component= 90",
            "epicentral dist =     97.9       pk mot = 3.534E+1", "inst type=ETNA-      data source = USGS",
            "*", "*", "*"]
    text += ["".join(f"{v:10d}" for v in ints[k:k + 8]) for k in range(0, 48, 8)]
    text += ["".join(f"{v:15.7E}" for v in reals[k:k + 5]) for k in range(0, 50, 5)]
    text += ["| Converted to SMC format", f"|<SCNL>{scnl}", "|EventID: us1000dyad"]
    # 8E10.4 with a 1-digit exponent, as the USGS writes it: negative fields touch
    text += ["".join(f"{v:10.4E}".replace("E+0", "E+").replace("E-0", "E-").rjust(10) for v in acc[k:k + 8])
             for k in range(0, len(acc), 8)]
    return text


def test_smc_cm_s2_and_header_fields(tmp_path):
    acc = np.array([-16.419, -16.347, 12.5, 3.25, -0.5, 7.0, -1.25, 2.0, 35.339, -4.0])
    path = _write(tmp_path, "2825.HNE.NP.--_u.txt", _smc(acc))
    assert detect(path) is smc
    (rec,) = smc.read(path)
    np.testing.assert_allclose(rec.acc_mps2, acc * 0.01, rtol=1e-6)
    assert rec.sampling_rate_hz == 200.0
    assert (rec.station, rec.network, rec.component) == ("2825", "NP", "HNE")
    assert rec.start_time == "2018-05-04T22:32:18.250000+00:00"
    assert rec.metadata["magnitude"] == 6.9 and rec.metadata["magnitude_type"] == "Mw"
    assert rec.metadata["distance_km"] == pytest.approx(98.0, abs=0.5)
    assert "vs30_mps" not in rec.metadata  # 1.7E+38 is missing, not a value
    assert rec.metadata["orientation"] == "H"


def test_smc_vertical_from_orientation_code(tmp_path):
    acc = np.arange(1.0, 9.0)
    (rec,) = smc.read(_write(tmp_path, "z.smc", _smc(acc, vertical=0, azimuth=-32768, scnl="2825..NP.--")))
    assert rec.component == "Up" and rec.metadata["orientation"] == "Z"


@pytest.mark.parametrize("kwargs, damage, message", [
    ({}, lambda lines: lines[:-1], "header says"),
    ({"npts": 9}, lambda lines: lines, "header says"),
    ({"npts": 11}, lambda lines: lines, "header says"),
    ({"volume": "3 VELOCITY"}, lambda lines: lines, "not acceleration"),
    ({"volume": "*"}, lambda lines: lines, "unit"),
])
def test_smc_damage(tmp_path, kwargs, damage, message):
    acc = np.array([-16.419, -16.347, 12.5, 3.25, -0.5, 7.0, -1.25, 2.0, 35.339, -4.0])
    path = _write(tmp_path, "bad.smc", damage(_smc(acc, **kwargs)))
    assert smc.sniff(path.read_text(encoding="latin-1")[:4096], path)
    with pytest.raises(InputError, match=message):
        smc.read(path)


# --------------------------------------------------------------------------------------------- GeoNet


def _geonet_block(acc, component, *, corrected=False, units_line=None, vel=None, disp=None, npts=None):
    kind = "Corrected" if corrected else "Uncorrected"
    n = len(acc) if npts is None else npts
    text = [
        f"{kind} accelerogram 20161113_110256_WTMC_20 GNS Science",
        "Site WTMC      42 37 10S  173 03 13E     Cusp file:  20161113_110259_WTMC",
        "Te Mara Farm Waiau", "Instrument Cusp_10462",
        "Resolution: 18-bit   Instr Period: 0.0050 s   Damping: 0.700",
        "Accelerogram 20161113_110256_WTMC_20                 Processed 2016 December 09",
        "5 km south-west of Waiau", "2016 November 13         11:02:56 UT",
        "Epicentre  42 41 33S 173 01 19E  Bearing S18W  Dist    9km  Depth   15km Mw 7.82",
        f"Number of points  {n}    Duration 327.68 s",
        units_line if units_line is not None else
        ("Instrument corrected data at 0.005 sec intervals" if corrected
         else "Raw readings in units of 1.00 mm/s/s  at intervals of 0.005 s"),
        "Data is unfiltered", f"Component {component}",
        "Acceleration:  Peak -11026.2 mm/s/s at  44.87 s     RMS   516.57 mm/s/s" if corrected
        else "Acceleration:  Peak -11026.2 counts at  44.87 s",
        "Velocity record unevaluated", "Displacement record unevaluated",
    ]
    nvel, ndisp = (len(vel), len(disp)) if corrected else (0, 0)
    ints = [[2016, 11, 13, 11, 2, 560, 0, 0, 2016, 11], [42, 41, 33, 173, 1, 19, 15, 0, 13, 11],
            [42, 37, 10, 173, 3, 13, 332, 332, 198, 9], [n, 0, 0, n, nvel, ndisp, 0, 0, 2, 19715]]
    text += ["".join(f"{v:8d}" for v in row) for row in ints]
    text += ["   200.0    0.70    0.00   0.000  0.0000   0.000   0.000   1.000     0.0    0.00",
             "  42.619 173.054  42.693 173.022    7.82    0.00    0.00    0.00      0.      0.",
             "  327.68    0.00    0.00  327.68  0.0050  0.0050      0.      0.      0.  9806.6"]
    text += ["    0.00" * 10] * 3
    for values in [acc] + ([vel, disp] if corrected else []):
        text += ["".join(f"{v:8.1f}" for v in values[k:k + 10]) for k in range(0, len(values), 10)]
    return text


GN = np.array([-6.5, -5.7, 11026.2, -11026.2, 3.0, 1.5, -0.5, 7.5, 2.0, -1.0, 4.0, 9.5])


def test_geonet_mm_s2_three_components_and_header_fields(tmp_path):
    lines = _geonet_block(GN, "N28W") + _geonet_block(GN * 2, "S62W") + _geonet_block(GN / 2, "Up")
    path = _write(tmp_path, "20161113_110259_WTMC_20.dat", lines)
    assert detect(path) is geonet
    recs = geonet.read(path)
    assert [r.component for r in recs] == ["N28W", "S62W", "Up"]
    assert [r.metadata["orientation"] for r in recs] == ["H", "H", "Z"]
    np.testing.assert_allclose(recs[0].acc_mps2, GN * 1e-3)
    np.testing.assert_allclose(recs[1].acc_mps2, GN * 2e-3)
    rec = recs[0]
    assert (rec.station, rec.network, rec.sampling_rate_hz) == ("WTMC", "NZ", 200.0)
    assert rec.start_time == "2016-11-13T11:02:19.715000+00:00"
    assert rec.event == "20161113T110256"
    assert rec.metadata["magnitude"] == 7.82 and rec.metadata["magnitude_type"] == "Mw"
    assert rec.metadata["hypo_lat"] == pytest.approx(-42.693) and rec.metadata["sta_lat"] == pytest.approx(-42.619)
    expected = hypocentral_distance_km(-42.693, 173.022, 15.0, -42.619, 173.054)
    assert rec.metadata["distance_km"] == pytest.approx(expected) and 15 < expected < 20


def test_geonet_v2a_skips_velocity_and_displacement(tmp_path):
    vel, disp = GN / 10, GN / 100
    lines = sum((_geonet_block(GN * k, c, corrected=True, vel=vel, disp=disp)
                 for k, c in ((1, "S16W"), (2, "S74E"), (3, "Up"))), [])
    recs = geonet.read(_write(tmp_path, "x.V2A", lines))
    assert len(recs) == 3
    for k, rec in enumerate(recs, 1):
        np.testing.assert_allclose(rec.acc_mps2, GN * k * 1e-3)  # unit from the `Acceleration:` line


@pytest.mark.parametrize("kwargs, damage, message", [
    ({}, lambda lines: lines[:-1], "header says"),
    ({"npts": 11}, lambda lines: lines, "header says"),
    ({"npts": 14}, lambda lines: lines, "header says"),
    ({"units_line": "Raw readings in units of 1.00 furlong/s/s  at intervals of 0.005 s"}, lambda l: l, "unknown unit"),
    ({"units_line": "Raw readings at intervals of 0.005 s"}, lambda l: l, "no acceleration unit"),
])
def test_geonet_damage(tmp_path, kwargs, damage, message):
    path = _write(tmp_path, "bad.V1A", damage(_geonet_block(GN, "N28W", **kwargs)))
    with pytest.raises(InputError, match=message):
        geonet.read(path)


# ------------------------------------------------------------------------------------------ detection


def test_detection_by_content_not_extension(tmp_path):
    files = {
        cosmos: _write(tmp_path, "a.V1", _cosmos_channel(ACC)),
        smc: _write(tmp_path, "b.V1", _smc(np.arange(8.0))),
        geonet: _write(tmp_path, "c.V1", _geonet_block(GN, "Up")),
    }
    for module, path in files.items():
        assert detect(path) is module
        others = [m for m in (cosmos, smc, geonet) if m is not module]
        head = path.read_text(encoding="latin-1")[:4096]
        assert not any(m.sniff(head, path) for m in others)
    text = _write(tmp_path, "d.V1", ["UNCORRECTED ACCELEROGRAM DATA              PROCESSED: 06/30/2011"] * 30)
    assert not any(m.sniff(text.read_text(), text) for m in (cosmos, smc, geonet))
    assert math.isfinite(cosmos.read(files[cosmos])[0].metadata["distance_km"])


@pytest.mark.parametrize("scnl, vertical, azimuth, component, orientation", [
    ("2825.HNZ.NP.--", 90, 90, "090", "H"),       # a vertical name, a horizontal sensor: east
    ("2825.HNE.NP.--", 90, 0, "000", "H"),        # east by name, north by the header (more than SEED's 5°)
    ("2825.HNE.NP.--", 180, -32768, "Down", "Z"),
    ("2825.HNZ.NP.--", 180, -32768, "Down", "Z"),  # Z says vertical, not which way: the header says down
])
def test_smc_header_orientation_wins_over_a_channel_name_that_disagrees(tmp_path, capsys, scnl, vertical, azimuth,
                                                                        component, orientation):
    """An SMC header's I(13)/I(14) are the sensor's angles, a channel code a network's label: HNZ with I(13) 90 was
    read as a vertical (the name won), so its trace got vertical flag 1, made a triplet's Z and was exported with
    cmpinc 0. The header wins, and one stderr line names the file and both readings."""
    from seisdiff.preprocess.groups import record_kind
    acc = np.arange(1.0, 9.0)
    path = _write(tmp_path, "d.smc", _smc(acc, vertical=vertical, azimuth=azimuth, scnl=scnl))
    (rec,) = smc.read(path)
    assert (rec.component, rec.metadata["orientation"]) == (component, orientation)
    assert record_kind(rec) == ("Z" if orientation == "Z" else "H2" if component == "090" else "H1")
    err = capsys.readouterr().err
    assert str(path) in err and scnl.split(".")[1] in err and f"component {component}" in err


@pytest.mark.parametrize("scnl, vertical, azimuth", [("2825.HNZ.NP.--", 0, -32768), ("2825.HNE.NP.--", 90, 92),
                                                     ("2825.HNN.NP.--", 90, 360), ("2825.HN1.NP.--", 0, -32768),
                                                     ("2825.HNE.NP.--", -32768, -32768)])
def test_smc_channel_name_kept_where_the_header_agrees_or_says_nothing(tmp_path, capsys, scnl, vertical, azimuth):
    (rec,) = smc.read(_write(tmp_path, "a.smc", _smc(np.arange(1.0, 9.0), vertical=vertical, azimuth=azimuth,
                                                     scnl=scnl)))
    assert rec.component == scnl.split(".")[1] and capsys.readouterr().err == ""


def test_smc_shared_records_keep_their_reading(strongmotion_dir, capsys):
    from seisdiff.preprocess.groups import record_kind
    got = {}
    for path in sorted((strongmotion_dir / "smc").rglob("*.smc")):
        (rec,) = smc.read(path)
        got[rec.component] = (rec.metadata["orientation"], record_kind(rec))
    assert got == {"HNE": ("H", "H2"), "HNN": ("H", "H1"), "HNZ": ("Z", "Z")} and capsys.readouterr().err == ""
