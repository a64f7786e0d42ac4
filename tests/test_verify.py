"""`verify`: physical stores pass; g-as-m/s², 1000× errors, NaNs and unfiltered lowpass fail."""
import numpy as np
import pytest

from seisdiff.cli import main
from seisdiff.io.store import create_store, open_store
from seisdiff.preprocess import run_preprocess


@pytest.fixture(scope="module")
def nga_store(tmp_path_factory, ngaw2_dir):
    out = tmp_path_factory.mktemp("v") / "nga.zarr"
    run_preprocess([str(ngaw2_dir)], out, progress=False)
    return out


def _copy(src, dst, factor=1.0, lowpass=None, nan=False):
    s = open_store(src)
    blk = s.read()
    bb, lp = blk["broadband"] * factor, (blk["lowpass"] * factor if lowpass is None else lowpass)
    if nan:
        bb[0, 0, 10] = np.nan
    w = create_store(dst, sampling_rate_hz=100.0, length=s.length, lowpass_hz=1.0)
    w.append(bb, lp, s.record_ids)
    return dst


def test_physical_store_passes(nga_store, capsys):
    assert main(["verify", str(nga_store)]) == 0
    out = capsys.readouterr().out
    assert "VERDICT: scale is physical" in out and "g)" in out


@pytest.mark.parametrize("factor,word", [(1 / 9.80665, "g stored as m/s"), (1e-3, "1000× too small"),
                                         (1e3, "too large"), (100.0, "cm/s² (gal)"), (1e9, "far too large")])
def test_misscaled_store_fails(nga_store, tmp_path, capsys, factor, word):
    bad = _copy(nga_store, tmp_path / "bad.zarr", factor)
    assert main(["verify", str(bad)]) == 1
    assert word in capsys.readouterr().out


def test_nan_and_unfiltered_lowpass_fail(nga_store, tmp_path, capsys):
    assert main(["verify", str(_copy(nga_store, tmp_path / "nan.zarr", nan=True))]) == 1
    assert "NaN/inf samples: 1" in capsys.readouterr().out
    raw = open_store(nga_store).read()["broadband"]
    assert main(["verify", str(_copy(nga_store, tmp_path / "lp.zarr", lowpass=raw * 0.5))]) == 1
    assert "not band-limited" in capsys.readouterr().out


@pytest.mark.parametrize("lowpass_factor, gain", [(1 / 9.80665, "0.102"), (100.0, "100")])
def test_lowpass_in_other_units_than_broadband_fails(nga_store, tmp_path, capsys, lowpass_factor, gain):
    """A conditioning in g (or cm/s²) beside a broadband in m/s²: the broadband/lowpass PGA ratio alone
    (~70 for g, was the only check) passed the lowpass in g."""
    lp = open_store(nga_store).read()["lowpass"] * lowpass_factor
    assert main(["verify", str(_copy(nga_store, tmp_path / "lpg.zarr", lowpass=lp))]) == 1
    out = capsys.readouterr().out
    assert f"stored lowpass is {gain} × the store's low-pass filter of broadband" in out


def test_lowpass_gain_is_one_on_a_preprocessed_store(nga_store, capsys):
    from seisdiff.preprocess.verify import verify_store

    assert verify_store(nga_store).stats["lowpass_gain_median"] == pytest.approx(1.0, abs=1e-4)
