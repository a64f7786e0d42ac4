"""`sample --lowband-input`: a simulation delivered low-passed at the model's crossover is the conditioning as it is,
not low-passed a second time (cut twice, 1–1.3 Hz came out nearly empty: PSA 0.75 s 0.8 ln weak on simulated
scenarios, docs/MEASUREMENTS.md, "A scenario against BSSA14"). Checked on the conditioning `sample` keeps beside OUT
and on a station grid's output low band; refused for a store, whose `lowpass` already is the conditioning."""
import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.io.store import open_store
from synth import TINY_FS_HZ, TINY_LOWPASS_HZ, accelerogram, sample_cli, write_mseed_trace


def _band_amplitude(x, lo_hz, hi_hz, fs=TINY_FS_HZ):
    f = np.fft.rfftfreq(x.shape[-1], 1 / fs)
    return np.sqrt(np.mean(np.abs(np.fft.rfft(x, axis=-1)[..., (f >= lo_hz) & (f <= hi_hz)]) ** 2, axis=-1))


def test_a_cut_low_band_is_the_conditioning_as_it_is(tiny, tmp_path, capsys):
    low = lowpass(accelerogram(5, n=3000, pga=0.5), TINY_FS_HZ, TINY_LOWPASS_HZ)      # as a simulation delivers it
    write_mseed_trace(tmp_path / "sim.mseed", low)
    for name, extra in (("twice", ()), ("once", ("--lowband-input",))):
        assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "sim.mseed", "--units", "m/s^2",
                          "--out", tmp_path / f"{name}.zarr", *extra) == 0
    twice, once = (open_store(tmp_path / f"{n}_conditioning.zarr").read() for n in ("twice", "once"))
    # the conditioning: the input band-passed (0.1–30 Hz) and no more, against the input cut a second time
    np.testing.assert_array_equal(once["lowpass"], once["broadband"])
    near = lambda x: _band_amplitude(np.asarray(x, np.float64)[0, 0], 0.9, 1.3)
    assert near(once["lowpass"]) > 1.5 * near(twice["lowpass"])              # G over 0.9–1.3 Hz: 0.70 … 0.11
    np.testing.assert_allclose(near(once["lowpass"]), _band_amplitude(low, 0.9, 1.3), rtol=0.05)
    # a resumed output keeps its setting
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", tmp_path / "sim.mseed", "--units", "m/s^2",
                      "--out", tmp_path / "once.zarr") == 2
    assert "lowband_input" in capsys.readouterr().err


def test_a_store_is_refused(tiny, tmp_path, capsys):
    from synth import make_store
    store = make_store(tmp_path / "s.zarr", n=2, length=512)
    assert sample_cli("--checkpoint", tiny.ckpt, "--cond", store.path, "--out", tmp_path / "o.zarr",
                      "--lowband-input") == 2
    assert "is a store, whose `lowpass` is the conditioning already" in capsys.readouterr().err
