"""What a grid run takes and what its resume compares (engine.grid_sample, io.grid, io.grid_store):
a float32 time step or time coordinate stands for the rate it rounds (100 Hz, not 100.0000022 Hz);
--out holding another grid's output is refused, not taken for this grid's; --pre-event-gate reaches the
generation and is a setting a resume must share.

Uses the tiny single-component model of tests/test_grid.py (DDIM, 2 steps).
"""
import h5py
import numpy as np
import pytest
import zarr
from synth import accelerogram
from test_grid import FS, LOWPASS_HZ, tiny_checkpoint

from seisdiff.cli import main
from seisdiff.dsp import lowpass
from seisdiff.engine.grid_sample import sample_grid
from seisdiff.errors import InputError, UserError
from seisdiff.io.grid import open_grid
from seisdiff.preprocess.whole import samples_at


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("grid_settings_tiny"))


def _signals(n_samples, fs_hz, n=2, scale=1.0):
    return np.stack([[accelerogram(10 * s + c, n=n_samples, fs_hz=fs_hz, pga=scale * (0.5 + 0.2 * s))
                      for c in range(3)] for s in range(n)])


def _h5(path, fs_hz, seconds=15.0, dt=None, time=None):
    """An HDF5 grid of 2 stations sampled at fs_hz; its time step as attribute `dt` and/or a `time` array."""
    n = int(round(seconds * fs_hz))
    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=_signals(n, fs_hz).astype(np.float32))
        d.attrs["units"] = "m/s^2"
        if dt is not None:
            d.attrs["dt"] = dt
        if time is not None:
            f.create_dataset("time", data=time(n))
        f.create_dataset("station", data=np.array([b"A", b"B"]))
        f.create_dataset("lat", data=np.array([34.0, 34.1]))
        f.create_dataset("lon", data=np.array([-118.0, -118.1]))
        f.attrs["components"] = "E,N,Z"
    return path, n


def _zarr(path, names=("A", "B"), lat=(34.0, 34.1), start="2019-07-06T03:19:53Z", scale=1.0, n=1500):
    data = _signals(n, FS, scale=scale)
    g = zarr.open_group(str(path), mode="w")
    a = g.create_array("acceleration", shape=data.shape, dtype="float32")
    a[:] = data.astype(np.float32)
    a.attrs.update({"units": "m/s^2", "dt_s": 1 / FS, "start_time": start})
    g.create_array("station", shape=(2,), dtype=str)[:] = np.array(names)
    g.create_array("lat", shape=(2,), dtype="float64")[:] = np.array(lat)
    g.create_array("lon", shape=(2,), dtype="float64")[:] = np.array([-118.0, -118.1])
    g.attrs["components"] = "E,N,Z"
    return path


def _run(tiny, grid, out, **kw):
    return sample_grid(tiny.ckpt, grid, out, **{"sampler": "ddim", "steps": 2, "batch_size": 64, "progress": False,
                                                "log": lambda line: None, **kw})


# ------------------------------------------------------------------------------------- float32 time steps
@pytest.mark.parametrize("fs_hz,kind", [(100.0, "dt"), (50.0, "dt"), (40.0, "dt"), (100.0, "time")])
def test_a_float32_time_step_is_the_rate_it_rounds(tiny, tmp_path, fs_hz, kind):
    dt32 = np.float32(1 / fs_hz)
    assert 1 / float(dt32) != fs_hz                                   # as stored, not that rate
    grid, n = _h5(tmp_path / "g.h5", fs_hz, **({"dt": dt32} if kind == "dt" else
                                               {"time": lambda m: (np.arange(m) * dt32).astype(np.float32)}))
    out = tmp_path / "out.zarr"
    run = _run(tiny, grid, out)
    assert run.records_generated == 6
    group = zarr.open_group(str(out), mode="r")
    assert group.attrs["sampling_rate_hz"] == FS and group["acceleration"].shape == (2, 3, samples_at(n, fs_hz, FS))
    assert group.attrs["settings"]["grid_dt_s"] == 1 / fs_hz          # the snapped step is the one used and kept


def test_an_uneven_float32_time_coordinate_is_still_refused(tmp_path):
    def jittered(m):
        t = np.arange(m) * 0.01
        t[m // 2] += 0.003                                            # 3 ms: far beyond float32 rounding
        return t.astype(np.float32)

    grid, _ = _h5(tmp_path / "g.h5", 100.0, time=jittered)
    with pytest.raises(InputError, match="not evenly spaced"):
        open_grid(grid)


# ------------------------------------------------------------------------------------ another grid's output
def test_another_grids_output_is_refused_not_resumed(tiny, tmp_path):
    a = _zarr(tmp_path / "a.zarr")
    out = tmp_path / "out.zarr"
    assert _run(tiny, a, out).records_generated == 6
    assert _run(tiny, a, out).records_generated == 0                 # the same grid resumes
    before = zarr.open_group(str(out), mode="r")["acceleration"][:]
    others = {"names": _zarr(tmp_path / "b.zarr", names=("X1", "X2"), scale=3.0),
              "lat": _zarr(tmp_path / "c.zarr", lat=(36.0, 36.1)),
              "start": _zarr(tmp_path / "d.zarr", start="2020-01-01T00:00:00Z"),
              "moved": _zarr(tmp_path / "a_copy.zarr")}
    for what, other in others.items():
        with pytest.raises(UserError, match="another grid's output") as err:
            _run(tiny, other, out)
        assert "\n" not in str(err.value) and "another --out" in str(err.value), what
    csv = tmp_path / "st.csv"
    csv.write_text("station,lat,lon\nA,34.0,-118.0\nB,34.1,-118.1\n")
    with pytest.raises(UserError, match="another grid's output"):     # a station table from a CSV: its own
        _run(tiny, a, out, stations_csv=csv)
    np.testing.assert_array_equal(zarr.open_group(str(out), mode="r")["acceleration"][:], before)
    group = zarr.open_group(str(out), mode="r+")                     # an output from before identities were kept
    group.attrs["settings"] = {k: v for k, v in group.attrs["settings"].items() if k != "grid"}
    assert _run(tiny, a, out).records_generated == 0                 # compared by what it stores of its grid
    with pytest.raises(UserError, match="another grid's output"):
        _run(tiny, others["names"], out)


# ---------------------------------------------------------------------------------------- --pre-event-gate
def test_pre_event_gate_reaches_a_grid_run_and_is_a_resume_setting(tiny, tmp_path, capsys):
    grid = _zarr(tmp_path / "g.zarr", n=3000)                         # onsets at 6 s (synth.accelerogram)
    outs = {}
    for gate in ("--pre-event-gate", "--no-pre-event-gate"):
        outs[gate] = tmp_path / f"{gate.strip('-')}.zarr"
        assert main(["sample", "--checkpoint", str(tiny.ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                     "--cond", str(grid), "--out", str(outs[gate]), gate]) == 0
    pre = {}
    for gate, out in outs.items():
        with open_grid(out) as res:
            x = res.read_block(0, 2).astype(np.float64)
        high = x - lowpass(x, FS, LOWPASS_HZ)
        pre[gate] = np.sqrt((high[..., :int(3 * FS)] ** 2).mean())        # generated before the onset
    assert pre["--pre-event-gate"] < 0.2 * pre["--no-pre-event-gate"], pre
    capsys.readouterr()
    assert main(["sample", "--checkpoint", str(tiny.ckpt), "--no-progress", "--sampler", "ddim", "--steps", "2",
                 "--cond", str(grid), "--out", str(outs["--pre-event-gate"])]) == 2
    assert "pre_event_gate" in capsys.readouterr().err
