"""A grid giving its time step (or start time) in two places that disagree was read with one of them, without a
word: a root attribute dt = 0.01 s beside the array's own dt_s = 0.02 s read as 0.02 s (the array's won), so the
output of a 100 Hz simulation came back 2× stretched in time (600 samples as 12 s, not 6 s); two spellings at the
same place (dt_s and delta, sampling_rate and fs) the same; a root start_time a minute from the array's the same.
Every source given is now compared with the one read (the array's, the first spelling, as before) and a
disagreement is refused in one line naming both values and their places; agreeing ones read as before."""
import re

import numpy as np
import pytest

from seisdiff.errors import InputError
from seisdiff.io.grid import open_grid
from synth import write_h5_grid


def _write(path, root: dict, array: dict, n=600):
    data = np.sin(np.arange(2 * 3 * n) / 7.0).reshape(2, 3, n).astype("f4")
    return write_h5_grid(path, data, {"units": "m/s^2", **array}, root)


@pytest.mark.parametrize("root, array, said", [
    ({}, {"dt_s": 0.01, "dt": 0.02}, r"dt_s of the array .* 0.01 s but attribute dt of the array 'acceleration' 0.02 s"),
    ({}, {"sampling_rate": 100.0, "fs": 50.0}, r"sampling_rate .* 0.01 s but attribute fs of the array .* 0.02 s"),
    ({"dt": 0.01, "delta": 0.02}, {}, r"dt of the file's root gives a time step of 0.01 s but attribute delta of the "
                                      r"file's root 0.02 s"),
])
def test_time_steps_that_disagree_at_one_place_are_refused_naming_both(tmp_path, root, array, said):
    with pytest.raises(InputError, match=said):
        open_grid(_write(tmp_path / "g.h5", root, array))


def test_start_times_that_disagree_at_one_place_are_refused_naming_both(tmp_path):
    array = {"dt_s": 0.01, "start_time": "2019-07-06T03:19:53Z", "starttime": "2019-07-06T03:20:53Z"}
    with pytest.raises(InputError, match=r"attribute start_time of the array 'acceleration' 2019-07-06T03:19:53.* is "
                                         r"-60 s from attribute starttime of the array 'acceleration' 2019-07-06T03:20:53"):
        open_grid(_write(tmp_path / "g.h5", {}, array))


@pytest.mark.parametrize("root, array, dt_s, start, said", [
    ({"dt": 0.001}, {"dt_s": 0.01}, 0.01, "", r"attribute dt of the file's root \(0.001 s\) differs from attribute "
                                              r"dt_s of the array 'acceleration' \(0.01 s\): the array's time step is read"),
    ({"dt_s": 0.01}, {"sampling_rate_hz": 50.0}, 0.02, "", r"dt_s of the file's root \(0.01 s\) differs from "
                                                           r"attribute sampling_rate_hz of the array"),
    ({"start_time": "2019-07-06T03:19:53Z"}, {"dt_s": 0.01, "starttime": "2019-07-06T03:20:53Z"}, 0.01,
     "2019-07-06T03:20:53.000000+00:00", r"start_time of the file's root \(2019-07-06T03:19:53.* differs from "
                                         r"attribute starttime of the array .*: the array's start time is read"),
])
def test_a_root_attribute_that_disagrees_with_the_arrays_is_outranked_in_one_line(tmp_path, capsys, root, array, dt_s,
                                                                                  start, said):
    """The array's attributes describe it; the root's may describe something else (a solver's time step beside
    the output's): the array's is read, and one line names both. Before it was read silently (either way)."""
    with open_grid(_write(tmp_path / "g.h5", root, array)) as g:
        assert g.dt_s == dt_s and g.start_time == start
    err = capsys.readouterr().err
    assert re.search(said, err) and err.count("\n") == 1


@pytest.mark.parametrize("root, array, dt_s, start", [
    ({"dt": 0.01}, {"dt_s": 0.01}, 0.01, ""),
    ({"dt": np.float32(0.01)}, {"dt_s": 0.01, "sampling_rate_hz": 100.0}, 0.01, ""),     # float32 rounding agrees
    ({"dt_s": 0.0100000001}, {"dt_s": 0.01}, 0.01, ""),                                  # the array's, as before
    ({"dt": 0.02, "start_time": "2019-07-06T03:19:53.000Z"},
     {"dt_s": 0.02, "start_time": "2019-07-06T03:19:53.004Z"}, 0.02, "2019-07-06T03:19:53.004000+00:00"),
])
def test_sources_that_agree_read_as_before(tmp_path, capsys, root, array, dt_s, start):
    with open_grid(_write(tmp_path / "g.h5", root, array)) as g:
        assert g.dt_s == dt_s and g.start_time == start
        assert g.duration_s == pytest.approx(600 * dt_s)
    assert capsys.readouterr().err == ""
