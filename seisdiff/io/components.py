"""Which axis a component's name points along: E, N or Z, as simulations and networks name them.

Simulations name their components by axis (x, y, z; east, north, up), often with the quantity in front
(vx, vz, acc_z, vel-up, uz); networks by SEED channel (HNZ) or a code (EW, NS, UD), which
`engine.scaling.vertical_flag` and `preprocess.groups.component_kind` read first.
"""
import re

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
