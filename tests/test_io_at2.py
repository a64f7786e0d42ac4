"""PEER AT2 reader: units converted once from the header, header variants, metadata, real files."""
import numpy as np
import pytest

from seisdiff.errors import InputError, UserError
from seisdiff.io.at2 import read_at2
from seisdiff.io.readers import read
from seisdiff.io.units import to_mps2_factor

G = 9.80665


def _values_text(values, per_line=5, fmt="%15.7E"):
    rows = [values[i:i + per_line] for i in range(0, len(values), per_line)]
    return "\n".join("".join(fmt % v for v in row) for row in rows)


def _write(path, line2, line3, line4, values, fmt="%15.7E"):
    path.write_text("\n".join(["PEER NGA STRONG MOTION DATABASE RECORD", line2, line3, line4,
                               _values_text(values, fmt=fmt)]) + "\n")
    return path


def _numbers_after_header(path):
    """Independent minimal parse: every whitespace token after line 4 is one float."""
    return np.array([float(tok) for line in path.read_text().splitlines()[4:] for tok in line.split()])


@pytest.fixture
def values_g():
    rng = np.random.default_rng(1)
    return list(rng.standard_normal(1203) * 0.05)


def test_g_header_gives_mps2_exactly_times_standard_gravity(tmp_path, values_g):
    path = _write(tmp_path / "RSN1_TEST_STA-EW.AT2", "Test quake, 1/2/2003, STA, EW",
                  "ACCELERATION TIME SERIES IN UNITS OF G", "NPTS=   1203, DT=   .0100 SEC", values_g)
    (rec,) = read_at2(path)
    np.testing.assert_array_equal(rec.acc_mps2, _numbers_after_header(path) * 9.80665)
    assert rec.acc_mps2.dtype == np.float64
    assert rec.sampling_rate_hz == 100.0 and rec.units_in_file == "g"


@pytest.mark.parametrize(
    "line2, line3, line4, factor, fs_hz, expected",
    [
        ("Chuetsu-oki, 7/16/2007, FKS031, EW", "ACCELERATION TIME SERIES IN UNITS OF G",
         "NPTS=   1203, DT=   .0050 SEC", G, 200.0, ("Chuetsu-oki", "2007-07-16", "FKS031", "EW")),
        ("IMPERIAL VALLEY 10/15/79 2319, EL CENTRO ARRAY 6, 230", "ACCELERATION TIME HISTORY IN UNITS OF G",
         "  1203    0.01000    NPTS, DT", G, 100.0, ("IMPERIAL VALLEY", "1979-10-15", "EL CENTRO ARRAY 6", "230")),
        ("NORTHRIDGE 01/17/94 1231, SYLMAR - OLIVE VIEW MED FF, 360", "ACCELERATION TIME HISTORY IN UNITS OF CM/S/S",
         "  1203     .0200    NPTS, DT", 0.01, 50.0, ("NORTHRIDGE", "1994-01-17", "SYLMAR - OLIVE VIEW MED FF", "360")),
        ("El Mayor-Cucapah, 4/4/2010, Hemet - 1-story Library, UP", "ACCELERATION TIME SERIES IN UNITS OF CM/SEC/SEC",
         "NPTS=1203, DT=0.005 SEC", 0.01, 200.0, ("El Mayor-Cucapah", "2010-04-04", "Hemet - 1-story Library", "UP")),
        ("Some event, 3/3/2003, STA, NS", "ACCELERATION TIME SERIES IN UNITS OF CM/S**2",
         "  .0100    1203    DT, NPTS", 0.01, 100.0, ("Some event", "2003-03-03", "STA", "NS")),
    ],
)
def test_header_variants(tmp_path, values_g, line2, line3, line4, factor, fs_hz, expected):
    path = _write(tmp_path / "record.AT2", line2, line3, line4, values_g)
    (rec,) = read_at2(path)
    np.testing.assert_array_equal(rec.acc_mps2, _numbers_after_header(path) * factor)
    assert rec.sampling_rate_hz == fs_hz
    assert (rec.event, rec.metadata["event_date"], rec.station, rec.component) == expected


def test_fixed_width_values_that_run_together(tmp_path):
    values = [-1.234567e-4, -2.345678e-4, 3.0e-5, -4.5e-3, 1.0e-2, -9.87654e-1, 5.5e-6]
    # '%14.7E' leaves no blank before negative numbers: '-1.2345670E-04-2.3456780E-04…'
    path = _write(tmp_path / "tight.AT2", "Ev, 1/1/2001, S, EW", "ACCELERATION TIME SERIES IN UNITS OF G",
                  f"NPTS={len(values)}, DT=.01 SEC", values, fmt="%14.7E")
    assert "E-04-2.3" in path.read_text()
    np.testing.assert_array_equal(read_at2(path)[0].acc_mps2, np.array(values) * G)


def test_fortran_d_exponents(tmp_path):
    path = tmp_path / "d.AT2"
    path.write_text("T\nEv, 1/1/2001, S, EW\nACCELERATION TIME SERIES IN UNITS OF G\nNPTS= 3, DT= .01 SEC\n"
                    "  .1000000D-02 -.2500000D+00  .3000000D-01\n")
    np.testing.assert_array_equal(read_at2(path)[0].acc_mps2, np.array([1e-3, -0.25, 0.03]) * G)


@pytest.mark.parametrize(
    "stem, event, station, component",
    [
        ("RSN5000_CHUETSU_FKS031EW", "CHUETSU", "FKS031", "EW"),
        ("RSN5874_SIERRA.MEX_SIL090", "SIERRA.MEX", "SIL", "090"),
        ("RSN5874_SIERRA.MEX_SIL-UP", "SIERRA.MEX", "SIL", "UP"),
        ("RSN5876_SIERRA.MEX_12330-90", "SIERRA.MEX", "12330", "90"),
        ("RSN5875_SIERRA.MEX_12266270", "SIERRA.MEX", "12266", "270"),
        ("RSN8_NCALIF.FH_H-FRN225", "NCALIF.FH", "H-FRN", "225"),
    ],
)
def test_metadata_from_file_name_when_line2_has_none(tmp_path, values_g, stem, event, station, component):
    path = _write(tmp_path / f"{stem}.AT2", "no description here", "ACCELERATION TIME SERIES IN UNITS OF G",
                  "NPTS=   1203, DT=   .0100 SEC", values_g)
    (rec,) = read_at2(path)
    assert (rec.record_id, rec.event, rec.station, rec.component) == (stem, event, station, component)
    assert rec.metadata["rsn"] == int(stem[3:].split("_")[0])


@pytest.mark.parametrize("suffix, line3, unit_m, derivatives", [
    (".VT2", "VELOCITY TIME SERIES IN UNITS OF CM/S", 0.01, 1),
    (".VT2", "VELOCITY TIME HISTORY IN UNITS OF CM/SEC", 0.01, 1),
    (".DT2", "DISPLACEMENT TIME SERIES IN UNITS OF CM", 0.01, 2),
])
def test_velocity_and_displacement_files_differentiated_to_mps2(tmp_path, suffix, line3, unit_m, derivatives):
    """PEER .VT2/.DT2: read in the header's unit, differentiated once (seisdiff.io.quantity) to m/s²; a
    2 Hz sine comes back as its derivative within the stated (2πfΔt)²/6 per differentiation, in phase."""
    fs, f = 100.0, 2.0
    t = np.arange(3001) / fs
    w = 2 * np.pi * f
    values = 5.0 * np.sin(w * t)                     # 5 cm/s or 5 cm
    path = _write(tmp_path / f"RSN1_X_S-EW{suffix}", "Ev, 1/1/2001, S, EW", line3, "NPTS=   3001, DT=   .0100 SEC",
                  values)
    for rename in (False, True):                      # the header alone is enough
        (rec,) = read(path.rename(tmp_path / "by_header.txt") if rename else path)
        expected = 5.0 * unit_m * w ** derivatives * (np.cos(w * t) if derivatives == 1 else -np.sin(w * t))
        tol = derivatives * (w / fs) ** 2 / 6 * 1.05 + 1e-6       # the stated amplitude error, with margin
        inner = slice(derivatives, -derivatives)
        np.testing.assert_allclose(rec.acc_mps2[inner], expected[inner], rtol=0, atol=tol * 5.0 * unit_m * w ** derivatives)
        assert rec.metadata["quantity"] == ("velocity" if derivatives == 1 else "displacement")
        assert rec.sampling_rate_hz == fs and rec.acc_mps2.size == 3001


def test_at2_unknown_velocity_units_refused(tmp_path, values_g):
    path = _write(tmp_path / "R2.AT2", "Ev, 1/1/2001, S, EW", "VELOCITY TIME SERIES IN UNITS OF G",
                  "NPTS=   1203, DT=   .0100 SEC", values_g)
    with pytest.raises(InputError, match="unknown velocity units") as err:
        read(path)
    assert "R2.AT2" in str(err.value)


def test_velocity_at2_written_and_read_back(tmp_path):
    from seisdiff.io.at2 import write_at2

    fs, w = 100.0, 2 * np.pi * 0.5
    t = np.arange(2001) / fs
    vel_mps = 0.3 * np.sin(w * t)
    write_at2(tmp_path / "v.VT2", vel_mps, fs, "v", station="S", component="EW", quantity="velocity")
    lines = (tmp_path / "v.VT2").read_text().splitlines()
    assert lines[2] == "VELOCITY TIME SERIES IN UNITS OF CM/S"
    np.testing.assert_allclose(_numbers_after_header(tmp_path / "v.VT2"), vel_mps * 100, rtol=1e-7, atol=1e-12)
    (rec,) = read(tmp_path / "v.VT2")
    np.testing.assert_allclose(rec.acc_mps2[1:-1], 0.3 * w * np.cos(w * t[1:-1]), rtol=0, atol=1e-3 * 0.3 * w)


def test_at2_recognised_by_header_under_another_extension(tmp_path, values_g):
    path = _write(tmp_path / "record.txt", "Ev, 1/1/2001, S, EW", "ACCELERATION TIME SERIES IN UNITS OF G",
                  "NPTS=   1203, DT=   .0100 SEC", values_g)
    (rec,) = read(path)
    np.testing.assert_array_equal(rec.acc_mps2, _numbers_after_header(path) * G)


@pytest.mark.parametrize(
    "unit, factor",
    [("g", 9.80665), ("G", 9.80665), ("CM/S/S", 0.01), ("CM/S**2", 0.01), ("CM/SEC/SEC", 0.01), ("gal", 0.01),
     ("cm/s²", 0.01), ("mm/s^2", 1e-3), ("M/S2", 1.0), ("m s^-2", 1.0), ("m/s/s", 1.0), ("nm/s^2", 1e-9),
     ("nm/s**2", 1e-9)],
)
def test_unit_factors(unit, factor):
    assert to_mps2_factor(unit) == factor


@pytest.mark.parametrize("unit", ["counts", "m/s", "cm", "", "mg", "kg"])
def test_unknown_units_refused(unit):
    with pytest.raises(UserError, match="unknown acceleration unit"):
        to_mps2_factor(unit)


@pytest.mark.parametrize(
    "stem, event, station, component, fs_hz, npts",
    [
        ("RSN5000_CHUETSU_FKS031EW", "Chuetsu-oki", "FKS031", "EW", 100.0, 8900),
        ("RSN5874_SIERRA.MEX_SIL-UP", "El Mayor-Cucapah", "Silent Valley - Poppet Flat", "UP", 200.0, 11200),
        ("RSN5876_SIERRA.MEX_12330-90", "El Mayor-Cucapah", "Palomar", "90", 200.0, 16000),
        ("RSN5878_SIERRA.MEX_IRF090", "El Mayor-Cucapah", "Indio - Riverside Co Fair Grnds", "90", 200.0, 23332),
        ("RSN5456_IWATE_AKT001NS", "Iwate", "AKT001", "NS", 100.0, 12200),
    ],
)
def test_real_files_metadata_and_values(ngaw2_dir, stem, event, station, component, fs_hz, npts):
    path = ngaw2_dir / f"{stem}.AT2"
    (rec,) = read(path)
    assert (rec.record_id, rec.event, rec.station, rec.component) == (stem, event, station, component)
    assert (rec.sampling_rate_hz, rec.acc_mps2.size) == (fs_hz, npts)
    assert rec.metadata["rsn"] == int(stem[3:7])
    np.testing.assert_array_equal(rec.acc_mps2, _numbers_after_header(path) * G)


def test_real_files_pga_is_physical(ngaw2_dir):
    """The shared set spans about 0.005 g to a few tenths of g: a wrong factor (×100, ÷g) falls outside."""
    pga_g = [np.abs(read(p)[0].acc_mps2).max() / G for p in sorted(ngaw2_dir.glob("*.AT2"))]
    assert len(pga_g) == 60
    assert 0.002 < min(pga_g) and max(pga_g) < 1.0


def test_fast_parser_is_bit_identical_to_float():
    """The numba parser returns exactly what Python's float() gives, or gives up."""
    from seisdiff.io.fastparse import parse_numbers

    rng = np.random.default_rng(0)
    values = rng.normal(size=2000) * 10.0 ** rng.integers(-9, 4, size=2000)
    text = "".join(f"{v:15.7E}" for v in values) + "\n  -.1565977E-05   .1564621E-05 1.5D+01 -3 +2.5e0\n"
    text += "-.1234567E-03-.7654321E-02"          # numbers that run together
    expected = np.array([float(t.replace("D", "E")) for t in text.replace("-.", " -.").split()])
    np.testing.assert_array_equal(parse_numbers(text, 5000), expected)
    assert parse_numbers("1.0 abc 2.0", 10) is None and parse_numbers("1.0 2.0 3.0", 1) is None
    assert parse_numbers("1.2345678901234567", 5) is None      # > 15 digits: not provably exact
