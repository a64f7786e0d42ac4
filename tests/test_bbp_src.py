"""The Broadband Platform's simple source description (`io.bbp_src`): the Platform's own example (Loma Prieta, its
wiki's File Format Guide) read to the numbers, its parsing rules (comments, separators, case, repeats), and one clear
line for each way a file goes wrong."""
import math

import pytest

from seisdiff.errors import UserError
from seisdiff.io.bbp_src import KEYS, parse_properties, read_src

LOMA_PRIETA = """#
# Loma Prieta source file
#
MAGNITUDE = 6.94
FAULT_LENGTH = 40.0
FAULT_WIDTH = 17.5
DEPTH_TO_TOP = 3.85
STRIKE = 128
RAKE = 145
DIP = 70
LAT_TOP_CENTER = 37.0789
LON_TOP_CENTER = -121.8410
HYPO_ALONG_STK = 0.0
HYPO_DOWN_DIP = 14.75
#
# Model specific parameters
#
DWID = 0.1
DLEN = 0.1
CORNER_FREQ = 0.04
CORNER_FREQ_1 = 0.04
CORNER_FREQ_2 = 1.0
#
# Alternative SEEDS create alternative .srf
#
SEED = 2379646
"""


def _write(tmp_path, text, name="event.src"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _without(key):
    return "\n".join(line for line in LOMA_PRIETA.splitlines() if not line.startswith(key + " "))


def test_the_platforms_example_reads_to_its_numbers(tmp_path):
    src = read_src(_write(tmp_path, LOMA_PRIETA))
    assert (src.magnitude, src.fault_length_km, src.fault_width_km, src.depth_to_top_km) == (6.94, 40.0, 17.5, 3.85)
    assert (src.strike_deg, src.dip_deg, src.rake_deg) == (128.0, 70.0, 145.0)
    assert (src.lat_top_center_deg, src.lon_top_center_deg) == (37.0789, -121.841)
    assert (src.hypo_along_stk_km, src.hypo_down_dip_km, src.dlen_km, src.dwid_km) == (0.0, 14.75, 0.1, 0.1)
    assert src.extra == {"corner_freq": 0.04, "corner_freq_1": 0.04, "corner_freq_2": 1.0, "seed": 2379646.0}
    # the Platform's fault_utils.calculate_hypo_depth: DEPTH_TO_TOP + HYPO_DOWN_DIP sin(DIP)
    assert src.hypo_depth_km == pytest.approx(3.85 + 14.75 * math.sin(math.radians(70.0)), abs=1e-12)


def test_parsing_follows_the_platform(tmp_path):
    """Inline comments, ':' or no separator, lower-case keys, CRLF, tabs; a repeated key's last value counts."""
    props = parse_properties("magnitude: 6.5  # Mw\r\n\tDIP\t45\nRAKE=90\n  # STRIKE = 3\nRAKE = -90\n\n")
    assert props == {"magnitude": "6.5", "dip": "45", "rake": "-90"}
    text = LOMA_PRIETA.replace("STRIKE = 128", "strike: -10  # north-north-west").replace("RAKE = 145", "RAKE 270")
    src = read_src(_write(tmp_path, text.replace("\n", "\r\n")))
    assert src.strike_deg == pytest.approx(350.0) and src.rake_deg == pytest.approx(-90.0)


@pytest.mark.parametrize("key", list(KEYS))
def test_a_missing_key_is_named(tmp_path, key):
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, _without(key.upper())))
    message = str(err.value)
    assert "\n" not in message and "event.src" in message and f"no {key.upper()} " in message and "KEY = VALUE" in message


@pytest.mark.parametrize("line, words", [
    ("DIP = 0", "DIP = 0 is out of range"), ("DIP = 95", "DIP = 95 is out of range"),
    ("FAULT_WIDTH = -3", "FAULT_WIDTH = -3 is out of range"), ("DEPTH_TO_TOP = -1", "DEPTH_TO_TOP = -1 is out"),
    ("LAT_TOP_CENTER = 137", "LAT_TOP_CENTER = 137 is out"), ("MAGNITUDE = 0", "MAGNITUDE = 0 is out"),
    ("MAGNITUDE = seven", "MAGNITUDE = 'seven' is not a number"), ("DIP = nan", "DIP = 'nan' is not a number"),
    ("MAGNITUDE =", "MAGNITUDE = '' is not a number"),
    ("HYPO_ALONG_STK = 20.5", "HYPO_ALONG_STK = 20.5 km lies off the rupture"),
    ("HYPO_DOWN_DIP = 18", "HYPO_DOWN_DIP = 18 km lies below the rupture"),
])
def test_a_bad_value_is_refused_in_one_line(tmp_path, line, words):
    key = line.split()[0]
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, _without(key) + "\n" + line + "\n"))
    assert words in str(err.value) and "\n" not in str(err.value) and "event.src" in str(err.value)


def test_the_hypocentre_may_sit_on_the_rupture_edge(tmp_path):
    text = _without("HYPO_ALONG_STK").replace("HYPO_DOWN_DIP = 14.75", "HYPO_DOWN_DIP = 17.5")
    src = read_src(_write(tmp_path, text + "\nHYPO_ALONG_STK = -20\n"))
    assert (src.hypo_along_stk_km, src.hypo_down_dip_km) == (-20.0, 17.5)


def test_an_unreadable_or_empty_file(tmp_path):
    with pytest.raises(UserError, match="cannot be read"):
        read_src(tmp_path / "nowhere.src")
    with pytest.raises(UserError, match="cannot be read"):
        read_src(tmp_path)
    with pytest.raises(UserError, match="no MAGNITUDE, FAULT_LENGTH"):
        read_src(_write(tmp_path, "# nothing here\n"))


def test_a_byte_order_mark_or_latin1_comment_is_no_obstacle(tmp_path):
    """A file saved by a Windows editor (UTF-8 BOM before MAGNITUDE; a cp1252 degree sign in a comment) reads."""
    path = tmp_path / "event.src"
    path.write_bytes(b"\xef\xbb\xbf" + LOMA_PRIETA.replace("STRIKE = 128", "STRIKE = 128  # \xb0").encode("latin-1"))
    src = read_src(path)
    assert src.magnitude == 6.94 and src.strike_deg == 128.0
    path.write_bytes(("# 2016年熊本地震の震源断層モデル（簡略）\n" * 3 + LOMA_PRIETA).encode("shift_jis"))
    assert read_src(path).magnitude == 6.94                        # comments in another encoding: not "binary"


def _damaged(name: str) -> bytes:
    """The bytes of a damaged or mistaken --src."""
    import gzip
    import random

    text = LOMA_PRIETA.encode()
    return {"random": random.Random(1).randbytes(3000),
            "nul": text[:120] + b"\0" * 64 + text[120:], "gzip": gzip.compress(text),
            "gzip_truncated": gzip.compress(text)[:40], "utf16": LOMA_PRIETA.encode("utf-16"),
            "utf16_no_bom": LOMA_PRIETA.encode("utf-16-le"), "utf32": LOMA_PRIETA.encode("utf-32"),
            "empty": b"", "blank": b" \n\n\t\n", "huge": b"# " + b"x" * (2 ** 20) + b"\n" + text}[name]


@pytest.mark.parametrize("name, words", [
    ("random", "is binary, not text"), ("nul", "is binary, not text"), ("gzip", "is gzip-compressed"),
    ("gzip_truncated", "is gzip-compressed"), ("utf16", "is UTF-16 or UTF-32 text"),
    ("utf16_no_bom", "is binary, not text"), ("utf32", "is UTF-16 or UTF-32 text"), ("empty", "the file is empty"),
    ("blank", "the file is empty"), ("huge", "larger than 1 MiB")])
def test_a_file_that_is_no_text_src_is_one_readable_line(tmp_path, name, words):
    """Random bytes, a gzip, UTF-16 gave `<path>: \\x1f\\ufffd\\x08… = '' is not a number`: a key of unreadable bytes; an
    empty file the list of all thirteen missing keys. Now one line: the file, what it is, what to give."""
    path = tmp_path / "event.src"
    path.write_bytes(_damaged(name))
    with pytest.raises(UserError) as err:
        read_src(path)
    message = str(err.value)
    assert words in message and str(path) in message and "BBP simple source description (.src)" in message
    assert message.isprintable()                                          # no control bytes
    assert "\ufffd" not in message and "\n" not in message


def test_a_text_file_of_another_kind_or_cut_short_is_named_so(tmp_path):
    """A text waveform file (K-NET) named none of the src's keys, but was refused by its first non-numeric value
    ('ORIGIN = 'Time 2018/…' is not a number'); a src cut short in its last line now says so."""
    knet = "Origin Time       2018/01/24 19:51:00\nLat.              41.007\nMag.              6.3\n"
    with pytest.raises(UserError, match=r"holds none of the keys .* its first line: 'Origin Time"):
        read_src(_write(tmp_path, knet))
    cut = LOMA_PRIETA[:LOMA_PRIETA.index("DWID = 0.1") + 2]
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, cut))
    assert "DW = '' is not a number" in str(err.value) and "was it cut short?" in str(err.value)
    with pytest.raises(UserError) as err:                                  # the same line, not the last one
        read_src(_write(tmp_path, LOMA_PRIETA + "DW\n"))
    assert "cut short" not in str(err.value)


def test_a_sac_file_or_a_truncated_one_is_refused_as_binary(tmp_path, strongmotion_dir):
    files = sorted((strongmotion_dir / "sac").glob("*/*.sac"))
    (tmp_path / "cut.sac").write_bytes(files[0].read_bytes()[:700])
    for path in (files[0], tmp_path / "cut.sac"):
        with pytest.raises(UserError) as err:
            read_src(path)
        assert f"--src {path}: the file is binary, not text" in str(err.value) and str(err.value).isprintable()


def test_evaluate_with_a_binary_src_is_one_line(tmp_path, capsys):
    from seisdiff.cli import main

    (tmp_path / "event.src").write_bytes(_damaged("random"))
    (tmp_path / "s.zarr").mkdir()
    assert main(["evaluate", "--gmm", "bssa14", "--generated", str(tmp_path / "s.zarr"), "--src",
                 str(tmp_path / "event.src"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is binary, not text" in err[0] and err[0].isprintable(), err


@pytest.mark.parametrize("tail, words", [
    ("MAGNITUDE = 6.", "ends in the middle of MAGNITUDE = '6.'"),           # read as 6.0, not 6.94
    ("RAKE = 14.", "ends in the middle of RAKE = '14.'"),                   # a repeated key, the last line's value
])
def test_a_src_cut_inside_its_last_number_is_refused(tmp_path, tail, words):
    """A file cut while written, ending `MAGNITUDE = 6.` (of 6.94), was read as Mw 6.0 without a word. A value that
    no writer ends so (a trailing '.'), on a last line with no newline after it, is now refused in one line."""
    text = _without(tail.split()[0]) + "\n" + tail
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, text))
    message = str(err.value)
    assert words in message and "cut short" in message and "event.src" in message and "\n" not in message
    assert read_src(_write(tmp_path, text + "\n")).magnitude in (6.0, 6.94)      # with its newline: a whole value


def test_a_src_cut_short_before_its_last_keys_says_so(tmp_path):
    """Cut inside `DIP = 70` (at `DIP = 7`): the keys after it missing were listed with 'add them', as if never
    written; the message now also says where the file ends and asks for the whole file if it was cut."""
    cut = LOMA_PRIETA[:LOMA_PRIETA.index("DIP = 70") + 7]
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, cut))
    message = str(err.value)
    assert "no DLEN, DWID, LAT_TOP_CENTER" in message and "ends inside a line, 'DIP = 7' with no newline" in message
    assert "if it was cut short, give the whole file" in message and "\n" not in message
    with pytest.raises(UserError) as err:                       # cut at a line's end: nothing shows it was cut
        read_src(_write(tmp_path, cut + "0\n"))
    assert "add them" in str(err.value) and "cut short" not in str(err.value)


def test_a_whole_src_without_a_final_newline_reads(tmp_path):
    """Whole values on an unterminated last line read (the file cannot tell `DIP = 4` of a cut `DIP = 45` from a
    whole one: a good file saved without a final newline is read); a comment or blank after the value shows it whole;
    a bad value on a line before a last comment line gets no 'cut short' hint."""
    body = _without("DIP")
    for tail, dip in (("DIP = 70", 70.0), ("DIP = 4", 4.0), ("DIP = 45.  # degrees", 45.0), ("DIP = 45. ", 45.0)):
        assert read_src(_write(tmp_path, body + "\n" + tail)).dip_deg == dip
    assert read_src(_write(tmp_path, LOMA_PRIETA.rstrip("\n"))).extra["seed"] == 2379646.0
    with pytest.raises(UserError) as err:
        read_src(_write(tmp_path, LOMA_PRIETA + "SEED = x\n# the end"))
    assert "SEED = 'x' is not a number" in str(err.value) and "cut short" not in str(err.value)


def test_a_dos_end_of_file_mark_is_no_key(tmp_path):
    """A file saved by a DOS tool ends with Ctrl-Z (0x1A) after its last line: it was refused as "'\\x1a' = '' is not
    a number … was it cut short?" (or "SEED = '2379646\\x1a'" without a final newline). The mark is now dropped."""
    path = tmp_path / "event.src"
    for text in (LOMA_PRIETA + "\x1a", LOMA_PRIETA.rstrip("\n") + "\x1a"):
        path.write_bytes(text.encode())
        src = read_src(path)
        assert (src.magnitude, src.extra["seed"]) == (6.94, 2379646.0)
