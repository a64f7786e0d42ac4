"""Acceleration units: the one table of factors to m/s². Unknown units are refused, never guessed."""
from __future__ import annotations

import re

from seisdiff.errors import UserError

G_MPS2 = 9.80665  # standard gravity, exact by definition (CGPM 1901)

_FACTORS_MPS2 = {
    "g": G_MPS2,
    "g/10": G_MPS2 / 10.0,   # CSMIP/DMG, RENADIC, BHRC, USC Volume files: "UNITS ARE SEC AND G/10"
    "m/s^2": 1.0,
    "cm/s^2": 1e-2,
    "mm/s^2": 1e-3,
    "um/s^2": 1e-6,
    "nm/s^2": 1e-9,
}
_ALIASES = {"gal": "cm/s^2", "gals": "cm/s^2", "µm/s^2": "um/s^2", "μm/s^2": "um/s^2"}

UNITS_HELP = (
    "acceleration unit of the samples: g (9.80665 m/s^2), g/10, m/s^2, cm/s^2 (= gal, CM/S/S, CM/S**2, "
    "CM/SEC/SEC), mm/s^2, um/s^2, nm/s^2 (the SAC IACC convention); case and spelling variants "
    "such as M/S2, m s^-2 or cm/sec^2 are accepted"
)


def canonical_unit(unit: str) -> str:
    """The canonical spelling ('g', 'm/s^2', 'cm/s^2', 'mm/s^2', 'um/s^2', 'nm/s^2') of an
    acceleration unit written in any common variant; UserError when it is not one of them."""
    s = str(unit).strip().lower().replace("²", "^2").replace("**", "^")
    s = re.sub(r"\s+", " ", s).replace("sec", "s")
    s = re.sub(r"^(\S+?)[ .*]?s\^?-2$", r"\1/s^2", s)  # 'm s^-2', 'm.s-2', 'ms^-2'
    s = s.replace(" ", "").replace("/s/s", "/s^2")
    s = re.sub(r"/s\^?2$", "/s^2", s)
    s = _ALIASES.get(s, s)
    if s not in _FACTORS_MPS2:
        raise UserError(f"unknown acceleration unit {unit!r}; known: {UNITS_HELP}")
    return s


def to_mps2_factor(unit: str) -> float:
    """The factor that turns samples in `unit` into m/s² (e.g. 'g' → 9.80665, 'CM/S/S' → 0.01);
    UserError for anything that is not an acceleration unit listed in UNITS_HELP."""
    return _FACTORS_MPS2[canonical_unit(unit)]
