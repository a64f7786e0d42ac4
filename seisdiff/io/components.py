"""Component names: which axis a name points along (E, N, Z) and what kind of component it is (H1, H2, Z).

Simulations name their components by axis (x, y, z; east, north, up), often with the quantity in front
(vx, vz, acc_z, vel-up, uz); networks by SEED channel (HNZ, BXX), a code (EW, NS, UD) or an azimuth (N28W,
090). `component_kind` is the one reading of a name: triplet grouping (`preprocess.groups`), the `component`
column of every store (preprocess and sample's whole-record conditioning) and `vertical_flag` (the model's
vertical/horizontal input: grids, evaluate, verify; here, without torch) all use it.
"""
import re

import numpy as np

# The version of the reading of components: component_kind's answers and the readers' orientation from a header
# (`formats.common.orientation`). Bump it whenever a name or a header reads differently: sample's whole-record
# conditioning store, a cache of `component` (the model's vertical flag) and of the triplets' channel order, records
# it (`preprocess.whole.made_from`) and is rebuilt from the inputs when it was made with another reading.
# 2: 0fd9c5d and later (no guess for an unreadable name: an ESM HN3 '?', was 'H'; a down word vertical; ...)
# 3: a '.' or a space separates a station or quantity from a direction word (HOL.DN, ST.090, 'vel u'), a sensor digit
#    after a quantity's direction word (vel_up2), an SMC header's orientation wins over a channel name it contradicts
# 4: a run of separators around a space or dot is one ('N. S' H1, was '?'; 'Vel. East' 90/90, was no orientation)
# 5: a station before a direction word or letter reads as that word (ST-N, HOL.N, 'STA NORTH' 0/90, HOL-UD, 'HOL U'
#    up; were H1/Z with no orientation: an SMC channel so named is now judged against its header's angles), with a
#    sensor digit as after a quantity (HOL.DN2, HOL-UD2 Z, were '?')
COMPONENT_READING_VERSION = 5
_AXES = {"E": ("x", "e", "east", "ew"), "N": ("y", "n", "north", "ns"),
         "Z": ("z", "u", "up", "ud", "vertical", "down", "dn", "dwn")}
_AXIS_OF = {name: axis for axis, names in _AXES.items() for name in names}
# a quantity written before a direction: v, a, u, d, their short and whole words (vel, velocity, ...)
_QUANTITY = r"(?:v|a|u|d|vel|acc|disp|velocity|acceleration|displacement)"
# a quantity written before the axis without a separator: vx, az, uz, velz, accx, dispy, velocityz
_QUANTITY_AXIS = re.compile(_QUANTITY + r"([xyz])")


def component_axis(name) -> str | None:
    """'E', 'N' or 'Z' for a component name that is an axis by itself, by its last word ('vel_x', 'east',
    'acc-up', 'vel.down'), as a quantity letter/word then x, y or z ('vx', 'uz', 'accz') or then a direction word
    (`_direction_word`: 'velnorth', 'vdown', 'vel_up2'; a station before it: 'HOL.UD'); None otherwise. Down is the
    axis Z (SEED's Z is the vertical whatever its sign: the sign is a dip's, SAC's cmpinc, not the axis')."""
    name = str(name).strip().lower()
    last = re.split(r"[^a-z0-9]+", name)[-1]
    quantity_axis = _QUANTITY_AXIS.fullmatch(last)
    word = _direction_word(_BLANK_OR_DOT.sub("-", name.upper().replace("_", "-")))
    return (_AXIS_OF.get(name) or _AXIS_OF.get(last) or (_AXIS_OF[quantity_axis.group(1)] if quantity_axis else None)
            or (_AXIS_OF.get(word.rstrip("12").replace("-", "").lower()) if word and _kind(word) != "?" else None))


# PEER/DMG azimuths: the whole name (0 … 360, 090) or three digits after a code (HMC180); not a channel number
# after a letter (C0, CH1: a grid's default names, an instrument's channels)
_AZIMUTH = re.compile(r"-?(\d{1,3})|.*?[A-Z-](\d{3})")
_COMPASS = re.compile(r"([NS])(\d{1,2}(?:\.\d+)?)([EW])")               # N28W, S32E, N00E
_VERTICAL = re.compile(r"(UD|U-D|U|UP|V|Z|VER|VRT|VERT|VERTICAL|DWN|DN|DOWN)[12]?")  # KiK-net UD1/UD2
_DOWN_WORD = re.compile(r".*-(DN|DWN|DOWN)")   # a quantity or station before it: vel_down, acc-dn, HOL-DN
_KIKNET = re.compile(r"^(NS|EW)[12]$")                                        # NS1 borehole, NS2 surface
_SEED = re.compile(r"[A-Z]{2}[0-9A-Z]")                                       # band, instrument, orientation
_HORIZONTAL = {"H": "H", "R": "H", "RAD": "H", "RADIAL": "H", "LONG": "H1", "LONGITUDINAL": "H1",  # no fixed
               "TRAN": "H2", "TRANS": "H2", "TRANSVERSE": "H2"}                                # axis (H: horizontal)


def component_kind(component) -> str:
    """'Z', 'H1', 'H2', 'H' (a horizontal of no known axis) or '?' from a component/channel name alone.

    Verticals first (UD, U, U-D, UP, V, Z, VERT, DWN, SEED ??Z; KiK-net's UD1/UD2; a down word after a separator:
    vel_down, acc-dn, HOL-DN, not north-south names ending in N); H1, H2 as named; KiK-net's
    borehole/surface digit dropped (NS2 → NS); SEED HN1 → H1, HN2 → H2 (HN3 says nothing); SEED ??Y → H1,
    ??X → H2 (SPECFEM's Cartesian BXX, BXY beside BXZ; y north, x east as `component_axis` reads them);
    compass azimuths (N28W, S32E) and PEER ones (000, 090, 360) give H1 within 45° of north–south, else H2;
    N/NS → H1, E/EW → H2; a simulation's axis names (vx, east, acc_z: `component_axis`). L (longitudinal)
    and T (transverse) point along and across the instrument's reference, not to a fixed direction: L → H1
    and T → H2 only to order a triplet (LONG, LONGITUDINAL; TRAN, TRANS, TRANSVERSE alike); H, R, RAD, RADIAL: a
    horizontal of no known axis. A quantity or a station before a direction word reads as that word
    (`_direction_word`: vel_north, HOL-UD, 'STA NORTH'); spaces and dots separate words as '-' does (`_normalised`:
    HOL.DN as HOL-DN, 'vel u' as vel-u, ST.090 as ST-090)."""
    return _kind(_normalised(component))


def _kind(name: str) -> str:
    """component_kind of a `_normalised` name."""
    name = _direction_word(name) or name
    if _names_vertical(name) or _DOWN_WORD.fullmatch(name):
        return "Z"
    if name in ("H1", "H2"):  # the store's own channel names (simulate writes H1, H2, V), not azimuths 1°, 2°
        return name
    if name in _HORIZONTAL:
        return _HORIZONTAL[name]
    name = _KIKNET.sub(r"\1", name)
    if _SEED.fullmatch(name) and name[-1] in "123XY":  # SEED channels HN1, HN2 (HN3: unknown); BXY, BXX
        return {"1": "H1", "2": "H2", "Y": "H1", "X": "H2"}.get(name[-1], "?")
    compass = _COMPASS.fullmatch(name)
    if compass:
        return _from_azimuth(_compass_degrees(compass))
    azimuth = _AZIMUTH.fullmatch(name)
    if azimuth:  # PEER azimuths: 000/180/360 north-south-like, 090/270 east-west-like
        return _from_azimuth(float(azimuth.group(1) or azimuth.group(2)))
    if name == "L" or name.endswith(("NS", "N-S", "N")):
        return "H1"
    if name == "T" or name.endswith(("EW", "E-W", "E")):
        return "H2"
    axis = None if "," in name else component_axis(name)
    return {"N": "H1", "E": "H2", "Z": "Z"}.get(axis, "?")


# a separator run holding a space or a '.' that is no decimal point (N28.5W), with any '-' beside it ('Vel. East',
# 'vel - u', 'acc.-north', 'vel_ u'): one '-', as a single '-' would be read
_SPACE_OR_DOT = r"(?:\s|(?<!\d)\.|\.(?!\d))"
_BLANK_OR_DOT = re.compile(rf"-*{_SPACE_OR_DOT}(?:-|{_SPACE_OR_DOT})*")


def _normalised(component) -> str:
    """A component name upper-case with '_' as '-', and spaces and dots as '-' too where that reads as a component
    (a station or quantity before a direction: 'HOL.DN', 'HOL DN', 'ST.090', 'vel u' → HOL-DN, ST-090, VEL-U); else
    its spaces dropped ('N 28 W', 'S 32 E', 'UD 2', 'NS 1' → N28W, S32E, UD2, NS1: a code with spaces in it)."""
    name = str(component).strip().upper().replace("_", "-")
    dashed, compact = _BLANK_OR_DOT.sub("-", name), re.sub(r"\s+", "", name)
    return dashed if dashed == name or (_kind(dashed) != "?" and not _COMPASS.fullmatch(compact)) else compact


def _names_vertical(name: str) -> bool:
    """Whether a normalised name says up or down by itself: UD, U, UP, V, Z, VERT, DN, KiK-net's UD2, …; SEED ??Z."""
    return bool(_VERTICAL.fullmatch(name) or name.endswith("UP") or (_SEED.fullmatch(name) and name[-1] == "Z"))


def _compass_degrees(compass: re.Match) -> float:
    """Azimuth in degrees, clockwise from north in [0, 360), of a `_COMPASS` match: N28W 332, S32E 148, N90E 90."""
    north, deg, east = compass.groups()
    deg = float(deg) if north == "N" else 180 - float(deg)
    return float((deg if east == "E" else -deg) % 360)


def _from_azimuth(deg: float) -> str:
    """'H1' within 45° of north–south, else 'H2'."""
    return "H1" if min(deg % 180, 180 - deg % 180) < 45 else "H2"


_DOWN = re.compile(r"(DN|DWN|DOWN)[12]?|.*-(DN|DWN|DOWN)")
_NORTH, _EAST = {"N", "NS", "N-S", "NORTH"}, {"E", "EW", "E-W", "EAST"}
_AZIMUTH_DEGREES = re.compile(r"-?(\d{2,3})|.*?[A-Z-](\d{3})")   # 090, 90, 360, HMC180; not a channel number 1, 2
# a quantity before a direction word, joined by '-' ('_' and ' ' alike: the caller's normalised name), '.' or
# nothing: vel_north, acc.dn, vdown, veldown, disp_ew, velocity-vertical; single letters only after a separator
# (vel_n, v.u) or, N and E, glued (vn, ae: `component_kind` reads no other glued letter); not x, y, z (their
# direction differs by code)
# the word may end in a sensor digit as KiK-net's UD2 does (vel_up2, vel-ns-1: read as UP2, NS1 alone), not after a
# glued letter (VN1 is a SEED channel)
_WORDS, _LETTERS = "NORTH|EAST|UP|DOWN|DN|DWN|UD|NS|EW|VERTICAL", "U|N|E|N-S|E-W"
_QUANTITY_WORD = re.compile(_QUANTITY.upper() + rf"(?:(?:[-.]?({_WORDS})|[-.]({_LETTERS}))-?([12])?|(N|E))")
# a station (or any label) before a direction word or letter after a '-' (the caller's '_', ' ', '.'): ST-N, HOL.N,
# 'STA NORTH', HOL-UD, 'HOL U', 12266-UP; the same words and letters as after a quantity (not x, y, z: a solver's axes,
# whose sign differs by code; nor V, velocity in u/v/w names; L, T: the instrument's own axes; S, W: no name reads so),
# with a sensor digit as there (HOL.DN2, HOL-UD-1: read as DN2, UD1 alone; HOL-N2 as N2, which says nothing)
_LABEL_WORD = re.compile(rf"(.*[^-])-(?:({_WORDS})|({_LETTERS}))-?([12])?")
# a label's last word that is itself a direction or component letter: N-E, UP-N, Z-N name no station before a word
_NOT_A_LABEL = re.compile(r"[NSEWUDZXYVLTRH]|UP|DN|DWN|DOWN|UD|NS|EW|NORTH|SOUTH|EAST|WEST|VERT|VERTICAL")
# two letters before U are a spaced SEED code ('BH U', 'HN.U': band, instrument, then SEED's U, a Galperin axis
# 54.7° from the vertical, not up), whose N and E are north and east as the label rule reads them
_SEED_BAND_INSTRUMENT = re.compile(r"[A-Z]{2}")


def _direction_word(name: str) -> str | None:
    """The direction word of an upper-case name with '_' and ' ' normalised, after a quantity ('VEL-DOWN', 'ACC.DN',
    'VNORTH', 'VEL-UP2') or a station (`_LABEL_WORD`: 'HOL-N', 'STA-NORTH', 'HOL-DN2'): 'DOWN', 'DN', 'NORTH', 'UP2',
    'N', 'DN2'; None for a name that is a direction by itself (DN, not D + N) or is no quantity or station + word."""
    if _VERTICAL.fullmatch(name):   # DN, DWN, UD, UP, V, U: a word by itself
        return None
    word = _QUANTITY_WORD.fullmatch(name)
    if word:
        long_word, letter, digit, glued = word.groups()
        return (long_word or letter or glued) + (digit or "")
    word = None if "," in name else _LABEL_WORD.fullmatch(name)   # 'HNE,HNN,HNZ': a triplet's names, no label
    if not word or _NOT_A_LABEL.fullmatch(word.group(1).rsplit("-", 1)[-1]) \
            or word.group(3) == "U" and _SEED_BAND_INSTRUMENT.fullmatch(word.group(1)):
        return None
    return (word.group(2) or word.group(3)) + (word.group(4) or "")


def component_orientation(component) -> tuple[float, float] | None:
    """(azimuth, incidence) in degrees, as SAC's cmpaz and cmpinc (azimuth clockwise from north in [0, 360);
    incidence from up: 0 up, 90 horizontal, 180 down), where the name states a direction as `component_kind`
    reads it: verticals (Z, UD, UD2, U, UP, Up, V, VERT, SEED ??Z; DN, DWN, DOWN, vel_down: 180), N/NS/north and
    E/EW/east (KiK-net's NS1, EW2), SEED ??N/??E, compass azimuths (N28W: 332, S32E: 148, N90E: 90) and
    PEER/DMG/COSMOS ones (090: 90, 360: 0); a quantity before a compass word gives that word's (vel_north, acc-ud,
    disp_ew, vel_n, vel_u: SW4's north-east-up names; glued vn, ae), and so does a station before one (ST-N, HOL.N,
    'STA NORTH': 0/90; HOL-UD, 'HOL U': up; not 'BH U', a spaced SEED code). None where it does not: SEED
    ??1/??2/??3, H1/H2, L/T (the instrument's own axes), a simulation's x/y/z (vx, acc_z, vz: x is east in some
    codes, north in others; z up in SPECFEM, down in SW4 and Hercules). A bare Z is up, as recordings (SEED's Z)
    and E/N/Z grids mean it; beside x and y it is a solver's axis, and grid export writes none for it
    (`sign_unknown`)."""
    name = _normalised(component)
    name = _direction_word(name) or name
    if _DOWN.fullmatch(name):
        return 0.0, 180.0
    if _names_vertical(name):
        return 0.0, 0.0
    name = _KIKNET.sub(r"\1", name)
    if name in _NORTH or (_SEED.fullmatch(name) and name[-1] == "N"):
        return 0.0, 90.0
    if name in _EAST or (_SEED.fullmatch(name) and name[-1] == "E"):
        return 90.0, 90.0
    compass = _COMPASS.fullmatch(name)
    azimuth = _AZIMUTH_DEGREES.fullmatch(name)
    if compass:
        return _compass_degrees(compass), 90.0
    if azimuth and float(azimuth.group(1) or azimuth.group(2)) <= 360:   # -090: 270°, as a compass N90W
        sign = -1.0 if name.startswith("-") and azimuth.group(1) else 1.0
        return float(sign * float(azimuth.group(1) or azimuth.group(2)) % 360), 90.0
    return None


_FLAG = {"Z": 1.0, "H1": 0.0, "H2": 0.0, "H": 0.0}


def sign_unknown(component, components) -> bool:
    """Whether `component` is a vertical whose sign nothing tells: a z (alone, which `component_orientation` reads
    as up, as recordings and E/N/Z grids mean it; or after a quantity, vel_z, which it reads as nothing) among a
    simulation's x and y axes (`components`: a grid's x, y, z or vel_x, vel_y, vel_z), where z points up in SPECFEM
    and down in SW4 and Hercules. Grid export then writes no orientation for it (SAC cmpaz/cmpinc unset)."""
    def axis_letter(name) -> str | None:
        last = re.split(r"[^a-z0-9]+", str(name).strip().lower())[-1]
        letter = _QUANTITY_AXIS.fullmatch(last)
        return letter.group(1) if letter else last.rstrip("12") if last.rstrip("12") in ("x", "y", "z") else None
    return axis_letter(component) == "z" and any(axis_letter(c) in ("x", "y") for c in components)


def vertical_flag(codes) -> np.ndarray:
    """(n,) float64 of component codes (n,) by `component_kind`: 1 vertical (Z, UD, UD2, UP, V, SEED ??Z; a
    simulation's vz, acc_z, vel-up), 0 horizontal (H1, H2, H, E, N, NS, EW, NS2, azimuths 090 and N28W, SEED
    ??E/??N/??1/??2, SPECFEM's ??X/??Y; vx, uy, east), NaN unknown (HN3, C0) or several components ('H1,H2,Z')."""
    return np.array([float("nan") if "," in str(c) else _FLAG.get(component_kind(c), float("nan"))
                     for c in np.asarray(codes).reshape(-1)], np.float64)
