"""A grid declaring its units twice, differently, was read with one of them without a word: a root attribute
units = 'cm/s' beside the array's own units = 'm/s' read the array as m/s (the array's won), and an array with
both 'units' = 'm/s^2' and 'unit' = 'cm/s^2' as m/s²: whichever was meant, the output could be 100× off
(a 14 m/s² peak against 0.14 m/s²). Every unit given (each spelling, at the array and the root) that names
a ground-motion unit must now name the same quantity and scale as the one read, else one line naming both;
agreeing spellings ('m/s^2' and 'm s-2') and a root 'units' that is no such unit ('SI') read as before."""
import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid
from synth import write_h5_grid


def _write(path, root: dict, array: dict):
    data = np.sin(np.arange(2 * 3 * 600) / 7.0).reshape(2, 3, 600)
    return write_h5_grid(path, data, {"dt_s": 0.01, **array}, root, name="data")


@pytest.mark.parametrize("root, array, said", [
    ({"units": "cm/s"}, {"units": "m/s"}, r"attribute units of the array 'data' says 'm/s' \(velocity, 1 m/s\) but "
                                          r"attribute units of the file's root 'cm/s' \(velocity, 0.01 m/s\)"),
    ({"unit": "g"}, {"units": "m/s^2"}, r"'m/s\^2' \(acceleration, 1 m/s²\) but attribute unit of the file's root "
                                        r"'g' \(acceleration, 9.80665 m/s²\)"),
    ({}, {"units": "m/s^2", "unit": "cm/s^2"}, r"'m/s\^2' .* but attribute unit of the array 'data' 'cm/s\^2'"),
    ({"units": "m/s^2"}, {"units": "m/s"}, r"'m/s' \(velocity, 1 m/s\) but attribute units of the file's root "
                                           r"'m/s\^2' \(acceleration"),
])
def test_units_that_disagree_are_refused_naming_both(tmp_path, root, array, said):
    with pytest.raises(InputError, match=said):
        open_grid(_write(tmp_path / "g.h5", root, array))


@pytest.mark.parametrize("root, array, units, quantity, peak_mps2", [
    ({"units": "m s-2"}, {"units": "m/s^2"}, "m/s^2", "acceleration", 1.0),
    ({"units": "SI"}, {"units": "cm/s^2"}, "cm/s^2", "acceleration", 0.01),
    ({"units": "m/s"}, {}, "m/s", "velocity", 100 / 7),          # sin(n/7) m/s at 100 Hz
])
def test_units_that_agree_read_as_before(tmp_path, root, array, units, quantity, peak_mps2):
    with open_grid(_write(tmp_path / "g.h5", root, array)) as g:
        assert (g.units, g.quantity) == (units, quantity)
        assert np.abs(g.read_block(0, 2)).max() == pytest.approx(peak_mps2, rel=1e-2)
