"""The SCEC Broadband Platform's simple source description (`.src`): one planar rectangular rupture.

The format (the Platform's `bband_utils.parse_properties` / `parse_src_file`, its wiki's "File Format Guide"):
one `KEY = VALUE` a line (`KEY: VALUE` and `KEY VALUE` read alike), keys case-insensitive, `#` starting a comment
(a whole line or the rest of one), blank lines ignored, a key given twice taking its last value, every value a
number. Required: MAGNITUDE (Mw), FAULT_LENGTH (km, along strike), FAULT_WIDTH (km, down dip), DLEN, DWID (km, the
subfault size of the Platform's slip generators), DEPTH_TO_TOP (km, ≥ 0; 0 a surface rupture), STRIKE, DIP, RAKE
(degrees; Aki & Richards: strike clockwise from north, the plane dipping to the right of it), LAT_TOP_CENTER,
LON_TOP_CENTER (degrees: the centre of the rupture's top edge), HYPO_ALONG_STK (km along strike from that centre,
positive in the strike direction) and HYPO_DOWN_DIP (km down dip from the top edge) — the Platform's reader requires
all but the last two, and every one of its methods that places the hypocentre reads those too. Others (CORNER_FREQ,
SEED, …) are kept in `extra`. `read_src` returns them in km and degrees (strike in [0, 360), rake in (−180, 180]);
a file that breaks this is refused in one line (the file, the key, what to do); so is one that is no text .src (empty,
binary such as a SAC file, gzip-compressed, UTF-16, over 1 MiB, or text without one of its keys: the file, what it
is, what to give). Stray non-UTF-8 bytes (a Latin-1 comment) and a UTF-8 BOM are read. A file cut short while written
or copied ends inside its last line (no newline after it): a value there that is a number's beginning but not a number
as written (`MAGNITUDE = 6.` of 6.94, `DIP =`) is refused as cut, and keys missing from such a file are named with that
hint; a whole-looking last value (`DIP = 45` without a final newline, or one a comment follows) is read, since nothing
tells it from a cut one (`DIP = 4` of 45) and editors save good files so.

`source_event` gives a src's event (its hypocentre's lat, lon, depth from `dsp.fault`, its magnitude) and refuses a
--hypocenter or --magnitude given beside it that disagrees; `to_settings` / `from_settings` carry a src through a run's
settings (`sample --src` records it, `evaluate --gmm` reads it back without the file).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from seisdiff.errors import UserError

_PROPERTY = re.compile(r"([^:= \t]+)\s*[:=]?\s*(.*)")      # the Platform's own pattern

# key: (field, description, lowest, highest, lowest included, highest included)
KEYS = {
    "magnitude": ("magnitude", "moment magnitude", 0.0, 10.0, False, True),
    "fault_length": ("fault_length_km", "rupture length along strike, km", 0.0, 2000.0, False, True),
    "fault_width": ("fault_width_km", "rupture width down dip, km", 0.0, 500.0, False, True),
    "dlen": ("dlen_km", "subfault length, km", 0.0, 2000.0, False, True),
    "dwid": ("dwid_km", "subfault width, km", 0.0, 500.0, False, True),
    "depth_to_top": ("depth_to_top_km", "depth of the rupture's top edge, km", 0.0, 700.0, True, True),
    "strike": ("strike_deg", "strike, degrees clockwise from north", -360.0, 360.0, True, True),
    "dip": ("dip_deg", "dip, degrees", 0.0, 90.0, False, True),
    "rake": ("rake_deg", "rake, degrees", -360.0, 360.0, True, True),
    "lat_top_center": ("lat_top_center_deg", "latitude of the top edge's centre", -90.0, 90.0, True, True),
    "lon_top_center": ("lon_top_center_deg", "longitude of the top edge's centre", -180.0, 360.0, True, True),
    "hypo_along_stk": ("hypo_along_stk_km", "hypocentre along strike from the top edge's centre, km",
                       -1000.0, 1000.0, True, True),
    "hypo_down_dip": ("hypo_down_dip_km", "hypocentre down dip from the top edge, km", 0.0, 500.0, True, True),
}
HYPO_TOLERANCE_KM = 1e-6
MAGNITUDE_TOLERANCE = 0.005                # a --magnitude further from a src's disagrees
HYPOCENTRE_TOLERANCE_KM = 1.0              # a --hypocenter further from a src's disagrees
MAX_BYTES = 2 ** 20                        # a .src is a few hundred bytes; a larger file is another kind
NON_TEXT_SHARE = 0.05                      # a file with more control characters or non-UTF-8 bytes is no text


@dataclass(frozen=True)
class SimpleSource:
    """A BBP simple source description, in km and degrees (see the module docstring)."""
    path: str
    magnitude: float
    fault_length_km: float
    fault_width_km: float
    dlen_km: float
    dwid_km: float
    depth_to_top_km: float
    strike_deg: float
    dip_deg: float
    rake_deg: float
    lat_top_center_deg: float
    lon_top_center_deg: float
    hypo_along_stk_km: float
    hypo_down_dip_km: float
    extra: dict = field(default_factory=dict)          # other keys (lower case): CORNER_FREQ, SEED, …

    @property
    def hypo_depth_km(self) -> float:
        """Depth of the hypocentre, km: DEPTH_TO_TOP + HYPO_DOWN_DIP · sin(dip)."""
        return self.depth_to_top_km + self.hypo_down_dip_km * math.sin(math.radians(self.dip_deg))


def parse_properties(text: str) -> dict[str, str]:
    """{lower-case key: value text} of a `.src` file's text, as the Platform reads it."""
    props = {}
    for line in text.splitlines():
        line = line.strip(" \t\r\n")
        if line.startswith("#"):
            continue
        line = line.split("#")[0]
        if not line:
            continue
        match = _PROPERTY.search(line)
        if match:
            props[match.group(1).lower()] = match.group(2).strip()
    return props


def read_src(path) -> SimpleSource:
    """The simple source description at `path`; UserError (one line) for a file that breaks the format."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise UserError(f"--src {path}: cannot be read ({e.strerror or e}); give a BBP simple source description "
                        "(.src)") from None
    text = _text(path, data)
    props = parse_properties(text)
    if props and not set(props) & set(KEYS):
        first = next(line.strip() for line in text.splitlines() if line.strip())
        raise UserError(f"--src {path}: the file holds none of the keys of a BBP simple source description (MAGNITUDE, "
                        f"FAULT_LENGTH, …; its first line: {ascii(first[:60])}); give the rupture's .src, a text file "
                        "of KEY = VALUE lines")
    cut = _unterminated(text)
    values = {key: _number(path, key, value, cut_short=cut is not None and key == cut[0])
              for key, value in props.items()}
    missing = [key for key in KEYS if key not in values]
    if missing:
        ends = text.rstrip(" \t").splitlines()[-1].strip() if not text.endswith(("\n", "\r")) else ""
        raise UserError(f"{path}: no {', '.join(k.upper() for k in missing)} (a BBP simple source description needs "
                        f"{', '.join(k.upper() for k in KEYS)}); add {'them' if len(missing) > 1 else 'it'} as "
                        "KEY = VALUE lines" + (f" (the file ends inside a line, {ascii(ends[:40])} with no newline "
                                               "after it: if it was cut short, give the whole file)" if ends else ""))
    if cut is not None and not cut[1][-1:].isdigit():
        _refuse_cut_value(path, *cut)
    for key, (_, what, lo, hi, lo_in, hi_in) in KEYS.items():
        v = values[key]
        if not ((v >= lo if lo_in else v > lo) and (v <= hi if hi_in else v < hi)):
            raise UserError(f"{path}: {key.upper()} = {v:g} is out of range ({what}: "
                            f"{'[' if lo_in else '('}{lo:g}, {hi:g}{']' if hi_in else ')'}); correct it")
    _check_hypocentre(path, values)
    fields = {name: values[key] for key, (name, *_) in KEYS.items()}
    fields["strike_deg"] %= 360.0
    fields["rake_deg"] = _half_turn(fields["rake_deg"])
    return SimpleSource(path=str(path), **fields,
                        extra={k: v for k, v in values.items() if k not in KEYS})


def _unterminated(text: str) -> tuple[str, str] | None:
    """(lower-case key, value text) of the file's last line where the file ends inside it: no newline after it and
    nothing after the value (no comment, no blank) that shows the value was written whole; else None."""
    if not text or text.endswith(("\n", "\r", " ", "\t")):
        return None
    last = text.splitlines()[-1].lstrip(" \t")
    match = _PROPERTY.search(last) if last and "#" not in last else None
    return (match.group(1).lower(), match.group(2).strip()) if match else None


def _refuse_cut_value(path, key: str, text: str) -> None:
    """UserError: the file ends (no newline) on a value that is a number's beginning rather than one as written
    (`6.` of `6.94`): a file cut short while written or copied."""
    raise UserError(f"{path}: the file ends in the middle of {key.upper()} = {text!r} (no newline after it, and "
                    "a number is not written ending so): was it cut short? give the whole file (if the value is "
                    f"whole, write it as {float(text):g} or end the file with a newline)")


def _text(path, data: bytes) -> str:
    """The text of a .src file's bytes (UTF-8, a BOM and stray non-UTF-8 bytes in comments tolerated, a DOS end-of-file
    mark Ctrl-Z after the last line dropped); UserError (one line: what the file is instead, what to do) for one that is
    empty, too long, compressed, UTF-16/32 or binary."""
    what = ("empty" if not data.strip() else
            f"larger than {MAX_BYTES // 2 ** 20} MiB" if len(data) > MAX_BYTES else
            "gzip-compressed (gunzip it first)" if data.startswith(b"\x1f\x8b") else
            "UTF-16 or UTF-32 text (save it as UTF-8 or ASCII, as the Broadband Platform reads it)"
            if data.startswith((b"\xff\xfe", b"\xfe\xff")) else None)
    text = data.decode("utf-8-sig", errors="replace")                    # a BOM (Windows editors): not a key
    content = "\n".join(line.split("#")[0] for line in text.splitlines())     # comments may be in any encoding
    if what is None and ("\0" in text or _non_text_share(content) > NON_TEXT_SHARE):
        what = "binary, not text (a waveform file such as SAC or miniSEED? UTF-16 text? save a .src as UTF-8)"
    if what:
        raise UserError(f"--src {path}: the file is {what}; give the rupture's BBP simple source description (.src), "
                        "a text file of KEY = VALUE lines (MAGNITUDE, FAULT_LENGTH, …)")
    return text.rstrip("\x1a")


def _non_text_share(text: str) -> float:
    """The share of a text's characters that no .src holds outside its comments: control characters other than white
    space, and bytes that were not UTF-8 (U+FFFD)."""
    bad = sum(1 for c in text if c == "\ufffd" or (not c.isprintable() and c not in "\t\n\r\x0b\x0c\x1a"))
    return bad / max(len(text), 1)


def _number(path, key: str, text: str, cut_short: bool = False) -> float:
    """float of a value's text, finite; else UserError (cut_short: the key is on the file's last line, which ends
    without a newline: a hint that the file was cut short)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        name = key.upper() if key.isascii() and key.isprintable() else ascii(key)
        shown = repr(text) if text.isascii() and text.isprintable() else ascii(text)
        raise UserError(f"{path}: {name} = {shown} is not a number; "
                        "every value of a BBP simple source description is one (KEY = VALUE)"
                        + ("; the file ends on that line without a newline: was it cut short?" if cut_short else ""))
    return value


def _check_hypocentre(path, values: dict) -> None:
    """The hypocentre must lie on the rupture: |HYPO_ALONG_STK| ≤ FAULT_LENGTH/2, HYPO_DOWN_DIP ≤ FAULT_WIDTH."""
    half_km = values["fault_length"] / 2
    if abs(values["hypo_along_stk"]) > half_km + HYPO_TOLERANCE_KM:
        raise UserError(f"{path}: HYPO_ALONG_STK = {values['hypo_along_stk']:g} km lies off the rupture (measured "
                        f"from the top edge's centre, within ±FAULT_LENGTH/2 = ±{half_km:g} km); correct it")
    if values["hypo_down_dip"] > values["fault_width"] + HYPO_TOLERANCE_KM:
        raise UserError(f"{path}: HYPO_DOWN_DIP = {values['hypo_down_dip']:g} km lies below the rupture (measured "
                        f"from the top edge, within 0–FAULT_WIDTH = {values['fault_width']:g} km); correct it")


def _half_turn(angle_deg: float) -> float:
    """angle_deg in (−180, 180]."""
    a = math.fmod(angle_deg, 360.0)
    return a - 360.0 if a > 180.0 else a + 360.0 if a <= -180.0 else a


def source_event(src: SimpleSource, hypocenter=None, magnitude=None,
                 note: str = "the src's is used with --src") -> tuple[tuple[float, float, float], float]:
    """((lat, lon, depth_km) of src's hypocentre (`dsp.fault.hypocentre`: HYPO_ALONG_STK, HYPO_DOWN_DIP about the top
    edge's centre), its magnitude). UserError (one line) where a magnitude or hypocentre (lat, lon, depth_km) given
    beside it disagrees (beyond MAGNITUDE_TOLERANCE, HYPOCENTRE_TOLERANCE_KM); note: which of them is used."""
    from seisdiff.dsp import fault

    if magnitude is not None and abs(float(magnitude) - src.magnitude) > MAGNITUDE_TOLERANCE:
        raise UserError(f"--magnitude {magnitude:g} disagrees with {src.path}'s MAGNITUDE = {src.magnitude:g}; give one "
                        f"of them ({note})")
    lat, lon, depth_km = fault.hypocentre(src)
    if hypocenter is not None:
        x_km, y_km = fault.project_km(hypocenter[0], hypocenter[1], lat, lon)
        offset_km = math.sqrt(float(x_km) ** 2 + float(y_km) ** 2 + (float(hypocenter[2]) - depth_km) ** 2)
        if offset_km > HYPOCENTRE_TOLERANCE_KM:
            raise UserError(f"--hypocenter {' '.join(f'{v:g}' for v in hypocenter)} is {offset_km:.1f} km from "
                            f"{src.path}'s hypocentre ({lat:.4f} {lon:.4f} {depth_km:.2f} km, from HYPO_ALONG_STK, "
                            f"HYPO_DOWN_DIP); give one of them ({note})")
    return (lat, lon, depth_km), src.magnitude


def to_settings(src: SimpleSource) -> dict:
    """The rupture of src as a run's settings hold it: {field: value} of KEYS' fields (km, degrees; JSON numbers)."""
    return {name: getattr(src, name) for name, *_ in KEYS.values()}


def from_settings(values: dict, path) -> SimpleSource:
    """The SimpleSource `to_settings` recorded, named by the path it was read from."""
    return SimpleSource(path=str(path), **{name: float(values[name]) for name, *_ in KEYS.values()})


def src_settings(path) -> dict:
    """The settings entries of a run's --src (None: none): `src`, its rupture (`to_settings`; a resume with another is
    refused) and `src_path`, the file it was read from (`evaluate --gmm` takes the rupture from `src`)."""
    if path is None:
        return {"src": None}
    return {"src": to_settings(read_src(path)), "src_path": str(Path(path).resolve())}
