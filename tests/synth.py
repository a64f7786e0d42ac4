"""Test helpers: synthetic accelerograms and a minimal, independent PEER AT2 writer/reader."""
from pathlib import Path

import numpy as np
from scipy import signal

from seisdiff.dsp import lowpass
from seisdiff.io.store import create_store, open_store


def accelerogram(seed: int, n: int = 6000, fs_hz: float = 100.0, pga: float = 1.0) -> np.ndarray:
    """Envelope-modulated band-limited noise (n,) with peak |value| = pga (any unit)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs_hz
    t0 = 0.2 * t[-1]
    env = np.where(t > t0, ((t - t0) / 3.0) ** 2 * np.exp(-(t - t0) / 3.0), 0.0)
    sos = signal.butter(4, [0.2, min(25.0, 0.4 * fs_hz)], "bandpass", fs=fs_hz, output="sos")
    x = signal.sosfilt(sos, rng.normal(size=n)) * env
    return x * (pga / np.abs(x).max())


def write_at2(path: Path, values, dt_s: float, units: str = "G", station: str = "STA01",
              component: str = "EW", event: str = "Synthetic, 1/1/2020") -> Path:
    """PEER NGA-West2 style AT2 (new header), 5 values per line."""
    values = np.asarray(values, dtype=float)
    lines = ["PEER NGA STRONG MOTION DATABASE RECORD", f"{event}, {station}, {component}",
             f"ACCELERATION TIME SERIES IN UNITS OF {units}", f"NPTS= {len(values):7d}, DT= {dt_s:9.4f} SEC"]
    for i in range(0, len(values), 5):
        lines.append("".join(f"{v:15.7E}" for v in values[i:i + 5]))
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


def read_at2_values(path: Path) -> tuple[np.ndarray, float]:
    """Independent reading of an AT2 file: (values as written, dt in s)."""
    lines = Path(path).read_text().splitlines()
    header = lines[3].upper().replace(",", " ").split()
    dt = float(header[header.index("DT=") + 1])
    values = np.array(" ".join(lines[4:]).split(), dtype=float)
    return values, dt


def make_store(path, n=12, length=512, n_channels=1, events=True, columns=None, seed=0):
    """Synthetic store: enveloped noise with PGAs 0.01–0.07 m/s², lowpass at 1 Hz, 3 records per event."""
    bb = np.stack([[accelerogram(seed + 10 * i + c, n=length, pga=0.01 * (1 + i % 7)) for c in range(n_channels)]
                   for i in range(n)]).astype(np.float32)
    w = create_store(path, sampling_rate_hz=100.0, length=length, n_channels=n_channels, lowpass_hz=1.0)
    cols = {"magnitude": 5.0 + (np.arange(n) % 4) * 0.5, "distance_km": 10.0 + np.arange(n)}
    if events:
        cols["event"] = np.array([f"ev{i // 3}" for i in range(n)])
    w.append(bb, lowpass(bb, 100.0, 1.0), [f"r{i:03d}" for i in range(n)], {**cols, **(columns or {})})
    return open_store(path)


def train_tiny(store, indices, steps: int):
    """A tiny model (two levels, 16/32 channels) trained `steps` AdamW steps on store records `indices`.

    Returns (model, schedule, scaler, cfg); seeded, so the same call gives the same weights."""
    import torch

    from seisdiff.engine.config import ModelConfig, TrainConfig
    from seisdiff.engine.data import BatchLoader
    from seisdiff.engine.diffusion import forward_loss
    from seisdiff.engine.model import UNet1d
    from seisdiff.engine.scaling import fit_scaling
    from seisdiff.engine.schedule import CosineSchedule

    cfg = TrainConfig(model=ModelConfig(channels=(16, 32), down_factors=(4,), groups=4, emb_dim=32, heads=2),
                      batch_size=8)
    cfg.model.n_channels = 1
    scaler = fit_scaling(store, indices)
    loader = BatchLoader(store, indices, scaler, cfg.data, cfg.batch_size, seed=0)
    torch.manual_seed(0)
    model, schedule = UNet1d(cfg.model), CosineSchedule()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    step = 0
    while step < steps:
        for (mb,) in loader.epoch(step):
            opt.zero_grad()
            forward_loss(model, mb["x0"], mb["cond"], mb["scalars"], step, schedule, cfg.target).loss.backward()
            opt.step()
            step += 1
    return model, schedule, scaler, cfg


def whole_record_checkpoint(root, steps: int):
    """A tiny model (`train_tiny` on 16 synthetic records of 512 samples) saved as a checkpoint for `sample` on
    whole records (100 Hz, 1 Hz crossover, 5 s minimum); returns its path."""
    from seisdiff.engine.checkpoint import save_checkpoint

    store = make_store(root / "train.zarr", n=16, length=512)
    model, _, scaler, cfg = train_tiny(store, np.arange(len(store)), steps=steps)
    spec = {"sampling_rate_hz": 100.0, "lowpass_hz": 1.0, "length": 512, "band_hz": [0.1, 30.0], "n_channels": 1,
            "preprocess": {"min_duration_s": 5.0, "margin_s": 10.0}}
    return save_checkpoint(root / "tiny.pt", {"epoch": 1, "step": steps, "model": model.state_dict(),
                                              "ema": model.state_dict(), "scaling": scaler.to_dict(),
                                              "config": cfg.to_dict(), "store": spec})


# the tiny model of tests/conftest.py's `tiny` fixture: its records' rate, crossover and length
TINY_FS_HZ, TINY_LOWPASS_HZ, TINY_LENGTH = 100.0, 1.0, 512


def sample_cli(*args) -> int:
    """`seisdiff sample` with a quick sampler (DDIM, 2 steps), the arguments as strings."""
    from seisdiff.cli import main
    return main(["sample", "--no-progress", "--sampler", "ddim", "--steps", "2", *map(str, args)])


def sample_one_and_two_ranks(monkeypatch, root, *args):
    """`sample_cli(*args)` into root/one.zarr (one process, 2 realizations) and as a torchrun run of 2 ranks into
    root/two (1 realization; rank 1 first, so rank 0 merges); returns (one, merged) opened stores."""
    from seisdiff.io.store import open_store

    assert sample_cli(*args, "--out", root / "one.zarr", "--realizations", 2) == 0
    monkeypatch.setenv("WORLD_SIZE", "2")
    for rank in (1, 0):
        monkeypatch.setenv("RANK", str(rank))
        assert sample_cli(*args, "--out", root / "two", "--realizations", 1) == 0
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.delenv("RANK")
    return open_store(root / "one.zarr"), open_store(root / "two" / "samples.zarr")


def write_mseed_trace(path, values, fs=TINY_FS_HZ, sta="ABC"):
    """One miniSEED trace XX.<sta>.00.HNZ declaring no unit (sample --units says what it holds)."""
    import obspy
    tr = obspy.Trace(np.asarray(values, dtype=np.float64))
    tr.stats.update({"sampling_rate": fs, "network": "XX", "station": sta, "location": "00", "channel": "HNZ"})
    tr.write(str(path), format="MSEED")


def write_cf_grid(path, time_units: str, start_time: str | None = None, t0_s: float = -5.0, dt_s: float = 0.05,
                  n: int = 200):
    """A NetCDF-3 velocity grid (2 stations × 3 components × n, m/s) with a CF time coordinate `time_units`
    ('seconds since <date>') starting at t0_s, and a `start_time` attribute where given; returns path."""
    from scipy.io import netcdf_file

    f = netcdf_file(str(path), "w")
    f.createDimension("station", 2)
    f.createDimension("component", 3)
    f.createDimension("time", n)
    t = f.createVariable("time", "f8", ("time",))
    t[:] = t0_s + np.arange(n) * dt_s
    t.units = time_units
    v = f.createVariable("velocity", "f4", ("station", "component", "time"))
    v[:] = np.sin(np.arange(n) / 7.0)[None, None] * np.ones((2, 3, 1))
    v.units = "m/s"
    if start_time:
        v.start_time = start_time
    for key, values in (("lat", [37.0, 37.1]), ("lon", [138.5, 138.5])):
        f.createVariable(key, "f8", ("station",))[:] = values
    f.createDimension("strlen", 2)
    f.createVariable("station", "c", ("station", "strlen"))[:] = np.array([list("S1"), list("S2")], "S1")
    f.close()
    return path


def write_h5_grid(path, data, array_attrs: dict, root_attrs: dict | None = None, name: str = "acceleration"):
    """An HDF5 grid: `data` (2 stations × C × n) as array `name` with `array_attrs`, the file's root with
    `root_attrs`, stations S1, S2 with coordinates; returns path."""
    import h5py

    with h5py.File(path, "w") as f:
        d = f.create_dataset(name, data=data)
        for k, v in array_attrs.items():
            d.attrs[k] = v
        for k, v in (root_attrs or {}).items():
            f.attrs[k] = v
        f["station"] = np.array([b"S1", b"S2"])
        f["lat"], f["lon"] = [37.0, 37.1], [138.0, 138.0]
    return path


def write_h5_time_grid(path, data, time, time_attrs: dict | None = None, **array_attrs):
    """An HDF5 acceleration grid with a `time` coordinate: `data` (2 stations × C × n) in m/s² with `array_attrs`
    (dt_s, start_time …), the 1-D array `time` with `time_attrs` (units …), stations A, B with coordinates;
    returns path."""
    import h5py

    with h5py.File(path, "w") as f:
        d = f.create_dataset("acceleration", data=data)
        d.attrs.update({"units": "m/s^2", **array_attrs})
        f["time"] = time
        f["time"].attrs.update(time_attrs or {})
        f["station"] = np.array([b"A", b"B"])
        f["lat"], f["lon"] = [35.0, 35.1], [139.0, 139.1]
    return path


def write_nc3_grid(path, data, dtype: str, **attrs):
    """A NetCDF-3 acceleration grid: `data` (2 stations × 3 components × n) stored as `dtype` with the variable
    attributes `attrs` (units, dt_s, _FillValue, scale_factor, valid_max …), stations S1, S2; returns path."""
    from scipy.io import netcdf_file

    f = netcdf_file(str(path), "w")
    for name, size in (("station", 2), ("component", 3), ("time", data.shape[-1]), ("strlen", 2)):
        f.createDimension(name, size)
    v = f.createVariable("acceleration", dtype, ("station", "component", "time"))
    v[:] = data
    for k, value in attrs.items():
        setattr(v, k, value)
    f.createVariable("station", "c", ("station", "strlen"))[:] = np.array([list("S1"), list("S2")], "S1")
    f.createVariable("lat", "f8", ("station",))[:] = [35.0, 35.1]
    f.createVariable("lon", "f8", ("station",))[:] = [139.0, 139.1]
    f.close()
    return path
