"""A start time whose UTC designator is a lowercase 'z' (2019-07-06T03:19:53.04z), which ISO-8601 and RFC 3339
(section 5.6) allow, was refused ("attribute start_time = '…z' is not an ISO-8601 time"), as was a lowercase
' utc' suffix, though 'Z' and ' UTC' were read; a grid written by a tool that lower-cases its strings could not
be sampled. They now read exactly like 'Z'."""
import numpy as np
import pytest

from seisdiff.io.grid import open_grid

START = "2019-07-06T03:19:53.040000+00:00"


def _write(path, start_time: str):
    import h5py

    with h5py.File(path, "w") as f:
        d = f.create_dataset("velocity", data=np.sin(np.arange(2 * 3 * 300) / 7.0).reshape(2, 3, 300))
        d.attrs.update({"units": "m/s", "dt_s": 0.01, "start_time": start_time})
        f["station"] = np.array([b"S1", b"S2"])
        f["lat"], f["lon"] = [35.7, 35.8], [-117.6, -117.6]
    return path


@pytest.mark.parametrize("given", ["2019-07-06T03:19:53.04Z", "2019-07-06T03:19:53.04z", "2019-07-06t03:19:53.04z",
                                   "2019-07-06 03:19:53.04z", "2019-07-06 03:19:53.04 UTC", "2019-07-06 03:19:53.04 utc",
                                   "2019-07-06T03:19:53.04+00:00", "2019-07-06T05:19:53.04+02:00"])
def test_a_utc_designator_in_either_case_reads_as_z(tmp_path, given):
    with open_grid(_write(tmp_path / "g.h5", given)) as g:
        assert g.start_time == START
