"""A grid declaring its units twice, differently, was read with one of them without a word: a root attribute
units = 'cm/s' beside the array's own units = 'm/s' read the array as m/s (the array's won), and an array with
both 'units' = 'm/s^2' and 'unit' = 'cm/s^2' as m/s²: whichever was meant, the output could be 100× off
(a 14 m/s² peak against 0.14 m/s²). Every unit given (each spelling, at the array and the root) that names
a ground-motion unit must now name the same quantity and scale as the one read, else one line naming both;
agreeing spellings ('m/s^2' and 'm s-2') and a root 'units' that is no such unit ('SI') read as before."""
import re

import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid
from synth import write_h5_grid


def _write(path, root: dict, array: dict):
    data = np.sin(np.arange(2 * 3 * 600) / 7.0).reshape(2, 3, 600)
    return write_h5_grid(path, data, {"dt_s": 0.01, **array}, root, name="data")


def test_units_that_disagree_at_one_place_are_refused_naming_both(tmp_path):
    with pytest.raises(InputError, match=r"'m/s\^2' .* but attribute unit of the array 'data' 'cm/s\^2'"):
        open_grid(_write(tmp_path / "g.h5", {}, {"units": "m/s^2", "unit": "cm/s^2"}))
    with pytest.raises(InputError, match=r"'m/s' \(velocity, 1 m/s\) but attribute unit of the file's root 'cm/s'"):
        open_grid(_write(tmp_path / "g.h5", {"units": "m/s", "unit": "cm/s"}, {}))


@pytest.mark.parametrize("root, array, units, peak_mps2, said", [
    ({"units": "cm/s"}, {"units": "m/s"}, "m/s", 100 / 7, r"attribute units of the file's root \(cm/s\) differs from "
                                                          r"attribute units of the array 'data' \(m/s\): the array's units"),
    ({"unit": "g"}, {"units": "m/s^2"}, "m/s^2", 1.0, r"unit of the file's root \(g\) differs"),
    ({"units": "m"}, {"units": "m/s^2"}, "m/s^2", 1.0, r"units of the file's root \(m\) differs"),   # coordinates' units
])
def test_root_units_that_disagree_with_the_arrays_are_outranked_in_one_line(tmp_path, capsys, root, array, units,
                                                                            peak_mps2, said):
    with open_grid(_write(tmp_path / "g.h5", root, array)) as g:
        assert g.units == units
        assert np.abs(g.read_block(0, 2)).max() == pytest.approx(peak_mps2, rel=1e-2)
    err = capsys.readouterr().err
    assert re.search(said, err) and err.count("\n") == 1


@pytest.mark.parametrize("root, array, units, quantity, peak_mps2", [
    ({"units": "m s-2"}, {"units": "m/s^2"}, "m/s^2", "acceleration", 1.0),
    ({"units": "SI"}, {"units": "cm/s^2"}, "cm/s^2", "acceleration", 0.01),
    ({"units": "m/s"}, {}, "m/s", "velocity", 100 / 7),          # sin(n/7) m/s at 100 Hz
])
def test_units_that_agree_read_as_before(tmp_path, capsys, root, array, units, quantity, peak_mps2):
    with open_grid(_write(tmp_path / "g.h5", root, array)) as g:
        assert (g.units, g.quantity) == (units, quantity)
        assert np.abs(g.read_block(0, 2)).max() == pytest.approx(peak_mps2, rel=1e-2)
    assert capsys.readouterr().err == ""
