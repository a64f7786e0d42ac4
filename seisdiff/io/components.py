"""Which axis a component's name points along: E, N or Z, as simulations and networks name them.

Simulations name their components by axis (x, y, z; east, north, up), often with the quantity in front
(vx, vz, acc_z, vel-up, uz); networks by SEED channel (HNZ) or a code (EW, NS, UD), which
`vertical_flag` (here, without torch: `verify` uses it too) and `preprocess.groups.component_kind` read first.
"""
import re

import numpy as np

_AXES = {"E": ("x", "e", "east", "ew"), "N": ("y", "n", "north", "ns"), "Z": ("z", "u", "up", "ud", "vertical")}
_AXIS_OF = {name: axis for axis, names in _AXES.items() for name in names}
# a quantity written before the axis without a separator: vx, az, uz, velz, accx, dispy
_QUANTITY_AXIS = re.compile(r"(?:v|a|u|d|vel|acc|disp)([xyz])")


def component_axis(name) -> str | None:
    """'E', 'N' or 'Z' for a component name that is an axis by itself, by its last word ('vel_x', 'east',
    'acc-up') or as a quantity letter/word then x, y or z ('vx', 'uz', 'accz'); None otherwise."""
    name = str(name).strip().lower()
    last = re.split(r"[^a-z0-9]+", name)[-1]
    quantity_axis = _QUANTITY_AXIS.fullmatch(last)
    return _AXIS_OF.get(name) or _AXIS_OF.get(last) or (_AXIS_OF[quantity_axis.group(1)] if quantity_axis else None)


VERTICAL_CODES = {"Z", "U", "V", "UD", "UP", "DN", "VER", "VERT", "VERTICAL"}
HORIZONTAL_CODES = {"H", "H1", "H2", "E", "N", "NS", "EW", "X", "Y", "R", "T", "L", "RAD", "TRAN", "LONG"}


def vertical_flag(codes) -> np.ndarray:
    """(n,) float64 of component codes (n,): 1 vertical (Z, UD, UP, SEED ??Z; a simulation's vz, acc_z,
    vel-up), 0 horizontal (H1, H2, E, N, NS, EW, azimuths such as 090, SEED ??E/??N/??1/??2; SPECFEM's
    Cartesian ??X/??Y (BXX, BXY beside BXZ); vx, uy, east), NaN unknown or several components ('H1,H2,Z')."""
    def flag(code: str) -> float:
        code = str(code).strip().upper()
        seed = len(code) == 3 and code[:2].isalpha()
        if code in VERTICAL_CODES or (seed and code[2] == "Z"):
            return 1.0
        if code in HORIZONTAL_CODES or code.isdigit() or (seed and code[2] in "EN12XY"):
            return 0.0
        axis = None if "," in code else component_axis(code)
        return float("nan") if axis is None else float(axis == "Z")
    return np.array([flag(c) for c in np.asarray(codes).reshape(-1)], np.float64)
