"""Native text readers cwb (TSMIP), esm (ESM/ITACA), nsmn (AFAD) and unam (II-UNAM) on small synthetic
files written in each format's exact layout: units → m/s², header fields, UTC start times, detection by
content whatever the extension, and InputError for damaged files."""
from __future__ import annotations

import math

import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io import read
from seisdiff.io.formats import detect
from seisdiff.io.formats.common import hypocentral_distance_km

# ---------------------------------------------------------------- writers of the four layouts


def cwb_text(rows=((0.0, 98.125, -1.0, 2.0), (0.01, 0.5, 0.25, -0.125), (0.02, 0.0, 0.0, 0.0),
                   (0.03, 1.0, 1.0, 1.0)), unit="gal. DCoffset(corr)", length_s="0.04", rate="100") -> str:
    header = [
        "#Earthquake Information", "#Origin Time(GMT+08): 2021/04/18-22:11:39",
        "#EpicenterLongitude(E): 121.49", "#EpicenterLatitude(N): 23.87", "#Depth(km): 15.0",
        "#Magnitude(Ml): 5.8", "", "#Station Information", "#StationCode: ESL", "#StationName: Test",
        "#StationLongitude(E): 121.442", "#StationLatitude(N): 23.812", "#InstrumentKind: FBA",
        "#StartTime(GMT+08): 2021/04/18-22:11:30.500", f"#RecordLength(sec): {length_s}",
        f"#SampleRate(Hz): {rate}",
    ]
    if unit is not None:
        header.append(f"#AmplitudeUnit:  {unit}")
    header += ["#AmplitudeMAX. U:    98.125~   -0.000", "#AmplitudeMAX. N:    1.000~   -1.000",
               "#AmplitudeMAX. E:    2.000~   -0.125", "#DataSequence: Time U(+); N(+); E(+)", "#Data: 4F10.3 "]
    return "\n".join(header + ["".join(f"{v:10.3f}" for v in row) for row in rows]) + "\n"


def esm_text(values=(98.0665, -1.0, 0.5, 0.25), units="cm/s^2", ndata=None) -> str:
    keys = [
        ("EVENT_NAME", "GREECE"), ("EVENT_ID", "EMSC-20190728_0000106"), ("EVENT_DATE_YYYYMMDD", "20190728"),
        ("EVENT_TIME_HHMMSS", "160908"), ("EVENT_LATITUDE_DEGREE", "38.1000"),
        ("EVENT_LONGITUDE_DEGREE", "23.5400"), ("EVENT_DEPTH_KM", "9.0"), ("MAGNITUDE_W", ""),
        ("MAGNITUDE_L", "4.6"), ("NETWORK", "HI"), ("STATION_CODE", "ARS1"),
        ("STATION_LATITUDE_DEGREE", "37.634900"), ("STATION_LONGITUDE_DEGREE", "22.729300"),
        ("VS30_M/S", "688"), ("DATE_TIME_FIRST_SAMPLE_YYYYMMDD_HHMMSS", "20190728_160919.870"),
        ("SAMPLING_INTERVAL_S", "0.005000"), ("NDATA", str(len(values) if ndata is None else ndata)),
        ("STREAM", "HNZ"), ("UNITS", units), ("LOW_CUT_FREQUENCY_HZ", "0.100"), ("USER5", ""),
    ]
    return "\n".join(f"{k}: {v}" for k, v in keys) + "\n" + "\n".join(f"{v:.6f}" for v in values) + "\n"


def nsmn_text(rows=((98.0665, 1.0, -2.0), (0.0, 0.5, 0.25), (-1.0, -1.0, 3.0)), npts=None,
              pga_line="RAW PGA VALUES (gal)    : (N-S) 98.0665 (E-W) 1.0 (U-D) 3.0") -> str:
    header = [
        "STRONG GROUND MOTION RECORDS OF TURKIYE", "PLACE                   : AYD\xfdN GERMENCIK",
        "EARTHQUAKE DATE         : 2017/07/20 22:31:09 (GMT)",
        "EPICENTER COORDINATES   : 36.91980N-27.44350E", "EARTHQUAKE DEPTH (km)   : 19.44",
        "EARTHQUAKE MAGNITUDE    : 6.5 Mw", "STATION ID              : 0921",
        "STATION COORDINATES     : 37.87470N-27.59223E", "STATION ALTITUDE (m)    : 66",
        "RECORDER TYPE           : Sara acebox", "RECORDER SERIAL NO      : 1856",
        "RECORD TIME             : 20/07/2017 22:30:58.000000 (GMT)",
        f"NUMBER OF DATA          : {len(rows) if npts is None else npts}",
        "SAMPLING INTERVAL (sec) : 0.01", pga_line, "Copyright EARTHQUAKE DEPARTMENT",
        "DISASTER AND EMERGENCY MANAGEMENT PRESIDENCY", "       N-S          E-W          U-D",
    ]
    body = ["".join(f"{v:13.6f}" for v in row) for row in rows]
    return "\r\n".join(header + body) + "\r\n"


def unam_text(rows=((98.0665, 1.0, -2.0), (0.0, 0.5, 0.25), (-1.0, -1.0, 3.0), (0.0, 0.0, 0.0)),
              npts="4", units="Gal (cm/s/s)", first_sample="18:14:03.284") -> str:
    key = "{:<39}: {}".format
    cont = " " * 39 + ": {}"
    header = [
        "*" * 86, "                       INSTITUTO DE INGENIERIA, UNAM", "*" * 86,
        "ARCHIVO ESTANDAR DE ACELERACION:", key("VERSION DEL FORMATO", "2.0"),
        key("NOMBRE DEL ARCHIVO", "PZPU1709.191"), "", "=" * 80, "DATOS DE LA ESTACION:",
        key("NOMBRE DE LA ESTACION", "CERRO LA PAZ, PUEBLA"), key("CLAVE DE LA ESTACION", "PZPU"),
        key("COORDENADAS DE LA ESTACION", "19.055379 LAT. N"), cont.format("98.227092 LONG. W"),
        key("ALTITUD (msnm)", "2206"), "=" * 80, "DATOS DEL ACELEROGRAFO: ",
        key("NUMERO DE CANALES", "3"), key("ORIENTACION C1-C6 (rumbo;orientacion)", "/V/N00E/N90E"),
        key("ORIENTACION C7-C12 (rumbo;orientacion)", ""),
        key("VEL. DE MUESTREO, C1-C6 (muestras/s)", "/200/200/200"),
        key("INTERVALO DE MUESTREO, C1-C6 (s)", "/0.005/0.005/0.005"), "=" * 80, "DATOS DEL SISMO:",
        key("FECHA DEL SISMO [GMT]", "2017/09/19"), key("HORA EPICENTRO (GMT)", "18:14:40"),
        key("MAGNITUD(ES)", "/Mb=6.9/M=7.1"), key("COORDENADAS DEL EPICENTRO", "18.3353 LAT. N"),
        cont.format("98.6763 LONG. W"), key("PROFUNDIDAD FOCAL (Km)", "38.5"), "=" * 80,
        "DATOS DE ESTE REGISTRO:", key("HORA DE LA PRIMERA MUESTRA (GMT)", first_sample),
        key("NUM. TOTAL DE MUESTRAS, C1-C6", f"/{npts}/{npts}/{npts}"),
        key("UNIDADES DE LOS DATOS", units), key("FORMATO DATOS (FORTRAN,10 campos/dato)", "3F10.4"),
        "=" * 80, "DATOS DE ACELERACION:", "---------+" * 8, "   CANAL-1   CANAL-2   CANAL-3",
        "         V      N00E      N90E", "---------+" * 8,
    ]
    body = ["".join(f"{v:10.4f}" for v in row) for row in rows]
    return "\r\n".join(header + body) + "\r\n"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path


def _by_component(records):
    return {r.component: r for r in records}


# ---------------------------------------------------------------- good files


def test_cwb_units_header_and_utc(tmp_path):
    path = _write(tmp_path, "4-ESL.whatever", cwb_text())
    assert detect(path).NAME == "cwb"
    records = _by_component(read(path))
    assert sorted(records) == ["E", "N", "U"]
    up = records["U"]
    np.testing.assert_allclose(up.acc_mps2, [0.98125, 0.005, 0.0, 0.01])  # gal → m/s²
    np.testing.assert_allclose(records["E"].acc_mps2, [0.02, -0.00125, 0.0, 0.01])
    assert up.sampling_rate_hz == 100.0 and up.station == "ESL" and up.network == "TW"
    assert up.start_time == "2021-04-18T14:11:30.500000+00:00"  # Taiwan time − 8 h
    assert up.event == "20210418T141139"
    meta = up.metadata
    assert meta["magnitude"] == 5.8 and meta["magnitude_type"] == "ML"
    assert meta["orientation"] == "Z" and records["N"].metadata["orientation"] == "H"
    assert meta["distance_km"] == pytest.approx(hypocentral_distance_km(23.87, 121.49, 15.0, 23.812, 121.442))
    assert meta["distance_km"] == pytest.approx(17.03, abs=0.05)


def test_esm_units_header_and_vs30(tmp_path):
    path = _write(tmp_path, "HI.ARS1..HNZ.D.20190728.160908.C.ACC.dat", esm_text())
    assert detect(path).NAME == "esm"
    (rec,) = read(path)
    np.testing.assert_allclose(rec.acc_mps2, [0.980665, -0.01, 0.005, 0.0025])  # cm/s² → m/s²
    assert rec.sampling_rate_hz == 200.0 and rec.component == "HNZ"
    assert (rec.network, rec.station) == ("HI", "ARS1")
    assert rec.start_time == "2019-07-28T16:09:19.870000+00:00"
    assert rec.event == "20190728T160908"
    meta = rec.metadata
    assert meta["magnitude"] == 4.6 and meta["magnitude_type"] == "ML" and meta["vs30_mps"] == 688.0
    assert meta["orientation"] == "Z" and meta["corrected"] is True
    assert meta["distance_km"] == pytest.approx(88.5, abs=0.1)


def test_esm_afad_style_dates(tmp_path):
    text = esm_text().replace("EVENT_DATE_YYYYMMDD: 20190728", "EVENT_DATE_YYYYMMDD: 2010/11/14") \
        .replace("EVENT_TIME_HHMMSS: 160908", "EVENT_TIME_HHMMSS: 23:08:25.75") \
        .replace("20190728_160919.870", "14/11/2010 23:09:19.300")
    (rec,) = read(_write(tmp_path, "x_RawAcc_E.asc", text))
    assert rec.start_time == "2010-11-14T23:09:19.300000+00:00"
    assert rec.metadata["origin_time"] == "2010-11-14T23:08:25.750000+00:00"


def test_nsmn_units_header_and_latin1(tmp_path):
    path = _write(tmp_path, "20170720223109_0921.data", nsmn_text())
    assert detect(path).NAME == "nsmn"
    records = _by_component(read(path))
    assert sorted(records) == ["EW", "NS", "UD"]
    np.testing.assert_allclose(records["NS"].acc_mps2, [0.980665, 0.0, -0.01])
    np.testing.assert_allclose(records["UD"].acc_mps2, [-0.02, 0.0025, 0.03])
    rec = records["NS"]
    assert rec.sampling_rate_hz == 100.0 and rec.station == "0921" and rec.network == "TK"
    assert rec.start_time == "2017-07-20T22:30:58.000000+00:00"
    assert rec.event == "20170720T223109"
    assert rec.metadata["magnitude"] == 6.5 and rec.metadata["magnitude_type"] == "Mw"
    assert records["UD"].metadata["orientation"] == "Z" and rec.metadata["orientation"] == "H"
    assert rec.metadata["sta_lon"] == pytest.approx(27.59223)
    assert rec.metadata["distance_km"] == pytest.approx(
        hypocentral_distance_km(36.9198, 27.4435, 19.44, 37.8747, 27.59223))


def test_unam_units_header_and_west_longitude(tmp_path):
    path = _write(tmp_path, "PZPU1709.191", unam_text())
    assert detect(path).NAME == "unam"
    records = _by_component(read(path))
    assert sorted(records) == ["N00E", "N90E", "V"]
    np.testing.assert_allclose(records["V"].acc_mps2, [0.980665, 0.0, -0.01, 0.0])
    rec = records["N90E"]
    np.testing.assert_allclose(rec.acc_mps2, [-0.02, 0.0025, 0.03, 0.0])
    assert rec.sampling_rate_hz == 200.0 and rec.station == "PZPU"
    assert rec.start_time == "2017-09-19T18:14:03.284000+00:00"
    assert rec.metadata["magnitude"] == 7.1  # unqualified M preferred over mb
    assert rec.metadata["sta_lon"] == pytest.approx(-98.227092)  # LONG. W → negative
    assert rec.metadata["hypo_lon"] == pytest.approx(-98.6763)
    assert rec.metadata["distance_km"] == pytest.approx(100.4, abs=0.2)
    assert records["V"].metadata["orientation"] == "Z" and rec.metadata["orientation"] == "H"


def test_unam_start_after_midnight_rolls_over(tmp_path):
    text = unam_text(first_sample="00:00:01").replace("18:14:40", "23:58:02.7")
    rec = read(_write(tmp_path, "CUP50401.012", text))[0]
    assert rec.start_time == "2017-09-20T00:00:01.000000+00:00"


def test_unam_surplus_rows_trimmed(tmp_path):
    rows = ((1.0, 2.0, 3.0),) * 4 + ((9.0, 9.0, 9.0),) * 2  # older files repeat a row past the count
    records = read(_write(tmp_path, "CUP.012", unam_text(rows=rows)))
    assert all(len(r.acc_mps2) == 4 for r in records)
    assert records[0].acc_mps2.max() == pytest.approx(0.01)


def test_sniffers_do_not_claim_each_other(tmp_path):
    texts = {"cwb": cwb_text(), "esm": esm_text(), "nsmn": nsmn_text(), "unam": unam_text()}
    for name, text in texts.items():
        path = _write(tmp_path, f"{name}.V1", text)
        from seisdiff.io.formats import modules, read_head

        hits = [m.NAME for m in modules() if m.sniff(read_head(path), path)]
        assert hits == [name]


# ---------------------------------------------------------------- damaged files


@pytest.mark.parametrize("name, text, message", [
    ("cwb_truncated", cwb_text(length_s="0.05"), "samples but the file holds 4 rows"),
    ("cwb_partial_row", cwb_text() + "     0.040     1.000\n", "not rows of 4"),
    ("cwb_unknown_unit", cwb_text(unit="furlong/fortnight"), "unknown unit 'furlong/fortnight' in the TSMIP #AmplitudeUnit"),
    ("cwb_no_unit", cwb_text(unit=None), "#AmplitudeUnit line declares no unit; pass it (--units gal)"),
    ("cwb_no_rate", cwb_text(rate="?"), "SampleRate"),
    ("esm_truncated", esm_text(ndata=5), "NDATA=5 but the file holds 4"),
    ("esm_unknown_unit", esm_text(units="counts"), "unknown unit 'counts' in the ESM header UNITS"),
    ("esm_no_unit", esm_text(units=""), "ESM header UNITS declares no unit"),
    ("esm_text_value", esm_text() + "abc\n", "non-numeric value 'abc'"),
    ("nsmn_truncated", nsmn_text(npts=4), "NUMBER OF DATA 4 but the file holds 3"),
    ("nsmn_partial_row", nsmn_text() + "   1.0\r\n", "not rows of 3"),
    ("nsmn_unknown_unit", nsmn_text(pga_line="RAW PGA VALUES (counts) : 1 2 3"), "unknown unit 'counts'"),
    ("nsmn_no_unit", nsmn_text(pga_line="RAW PGA VALUES : 1 2 3"), "declares no unit; pass it (--units gal)"),
    ("unam_truncated", unam_text(npts="5"), "NUM. TOTAL DE MUESTRAS 5 but the file holds 4"),
    ("unam_partial_row", unam_text() + "    1.0000\r\n", "not rows of 3"),
    ("unam_unknown_unit", unam_text(units="Volts"), "unknown unit 'Volts' in UNIDADES DE LOS DATOS"),
    ("unam_no_unit", unam_text(units=""), "UNIDADES DE LOS DATOS declares no unit"),
])
def test_damaged_files_raise_input_error(tmp_path, name, text, message):
    path = _write(tmp_path, name + ".txt", text)
    with pytest.raises(InputError) as info:
        read(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_declared_unit_wins_and_missing_unit_can_be_given(tmp_path):
    """`units` fills a missing declaration only; a declared gal is not overruled."""
    path = _write(tmp_path, "nounit.dat", cwb_text(unit=None))
    up = _by_component(read(path, units="g"))["U"]
    assert up.acc_mps2[0] == pytest.approx(98.125 * 9.80665)
    declared = _by_component(read(_write(tmp_path, "gal.dat", cwb_text()), units="g"))["U"]
    assert declared.acc_mps2[0] == pytest.approx(0.98125)
    assert math.isclose(declared.metadata["magnitude"], 5.8)
