"""`preprocess` into an existing store with another --band appended its records silently: a store made with
0.1–30 Hz took an NGA-West2 record band-passed 0.5–20 Hz (30× less energy above 22 Hz, 4000× less below 0.3 Hz)
while its `band_hz` attribute still said 0.1–30. The store now refuses it, as it refuses another rate or crossover."""
import pytest
from synth import accelerogram, write_at2

from seisdiff.errors import UserError
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess.condition import PreprocessConfig
from seisdiff.preprocess.run import run_preprocess


def test_appending_with_another_band_is_refused(tmp_path):
    files = [str(write_at2(tmp_path / f"S{i}.AT2", accelerogram(i, n=3000), 0.01, station=f"S{i}")) for i in (1, 2)]
    out = tmp_path / "s.zarr"
    run_preprocess(files[:1], out, PreprocessConfig(length=1024), progress=False)
    with pytest.raises(UserError, match=r"band_hz.*\(0\.1, 30\.0\).*\(0\.5, 20\.0\)"):
        run_preprocess(files[1:], out, PreprocessConfig(length=1024, band_hz=(0.5, 20.0)), progress=False)
    assert len(open_store(out)) == 1
    assert run_preprocess(files[1:], out, PreprocessConfig(length=1024), progress=False).stored == 1  # same band


def test_reopening_with_the_same_band_given_as_a_list_appends(tmp_path):
    kwargs = dict(sampling_rate_hz=100.0, length=256, lowpass_hz=1.0)
    create_store(tmp_path / "s.zarr", band_hz=(0.1, 30.0), **kwargs)
    assert len(create_store(tmp_path / "s.zarr", band_hz=[0.1, 30], **kwargs)) == 0
