"""`read` decides the format by content: an .AT2/.VT2/.DT2 or .npz name does not force a reader."""
import shutil

import numpy as np
import obspy
import pytest

from seisdiff.errors import InputError
from seisdiff.io.readers import read


@pytest.mark.parametrize("name", ["sac_file.AT2", "sac_file.vt2", "sac_file.DT2", "sac_file.npz"])
def test_sac_under_another_extension(tmp_path, name):
    data = np.sin(np.arange(3000) * 0.05)
    obspy.Trace(data, header=dict(sampling_rate=100.0, station="STA")).write(str(tmp_path / "x.sac"), format="SAC")
    shutil.copy(tmp_path / "x.sac", tmp_path / name)
    [rec] = read(tmp_path / name, units="m/s^2")
    np.testing.assert_allclose(rec.acc_mps2, data, rtol=1e-6)


@pytest.mark.parametrize("source, name, n", [("knet/20141231_chiba/CHB0021412312349.EW", "knet_file.AT2", 1),
                                             ("knet/20141231_chiba/CHB0021412312349.EW", "knet_file.npz", 1),
                                             ("cosmos/20180829_laverne/CE23837.V1C", "cosmos_file.at2", 3)])
def test_network_files_named_at2_or_npz(strongmotion_dir, tmp_path, source, name, n):
    shutil.copy(strongmotion_dir / source, tmp_path / name)
    records = read(tmp_path / name)
    expected = read(strongmotion_dir / source)
    assert len(records) == n
    for got, want in zip(records, expected):
        np.testing.assert_array_equal(got.acc_mps2, want.acc_mps2)


def test_damaged_at2_still_gets_the_at2_readers_message(tmp_path):
    (tmp_path / "bad.AT2").write_text("title\nevent\nsomething else\nno counts\n0.1 0.2 0.3\n")
    with pytest.raises(InputError, match="not a PEER AT2 file"):
        read(tmp_path / "bad.AT2")


def test_npz_is_still_read(tmp_path):
    np.savez(tmp_path / "old.npz", signal_broadband=np.ones((1, 2000)), fs=100.0)
    [rec] = read(tmp_path / "old.npz", units="m/s^2")
    assert rec.acc_mps2.shape == (2000,) and rec.sampling_rate_hz == 100.0
