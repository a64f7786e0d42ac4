"""A scenario the way a user runs one, judged the way the field judges one (`evaluate --gmm bssa14`): simulate an
earthquake (Boore 2003, `seisdiff simulate`, 3 components, κ0 0.04 s, 40 stations at 5–150 km), keep its
< 1 Hz band as a simulation's output (velocity in m/s, an HDF5 station grid placed about a hypocentre at
(LAT, LON), 10 km deep), run `sample --checkpoint default` on the grid, and compare with BSSA14: the grid itself
(the low band alone), the generated broadband, and the simulator's own broadband (what the low band came with).

    python docs/analysis/scenario_gmm.py OUT_DIR LAT LON MAGNITUDE VS30_MPS SEED
    (the section's runs: 34 −118 6.5 760 7 and 34 −118 7.0 400 11 — Los Angeles, the western US; with −25 135,
    central Australia, a region the model never saw, until 2026-12-04 the only place a grid took the level model)

Prints each one's residual ln(observed/BSSA14) by period and the 0.05–1 s band's by distance
(docs/MEASUREMENTS.md, "A scenario against BSSA14"). The generated variants: the level model (shipped for grids) or
the network's own level (--no-level-model), the delivered low band cut again by `sample` or taken as it is
(--lowband-input, "once").
"""
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
from scipy.integrate import cumulative_trapezoid

from seisdiff.io.store import open_store

KM_PER_DEGREE = 111.195
DEPTH_KM = 10.0


def run(*args):
    subprocess.run(["seisdiff", *map(str, args)], check=True)


def write_grid(path, signal, name, units, station_lon, lat0, vs30_mps):
    with h5py.File(path, "w") as f:
        data = f.create_dataset(name, data=signal.astype(np.float32))
        data.attrs.update({"units": units, "dt_s": 0.01, "components": "H1,H2,Z", "start_time": "2030-01-01T00:00:00"})
        f.create_dataset("station", data=np.array([f"S{i:03d}".encode() for i in range(len(signal))]))
        f.create_dataset("lat", data=np.full(len(signal), lat0))
        f.create_dataset("lon", data=station_lon)
        f.create_dataset("vs30_mps", data=np.full(len(signal), float(vs30_mps)))


def main(out, lat0, lon0, magnitude, vs30_mps, seed):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "sims.zarr").exists():
        run("simulate", "--out", out / "sims.zarr", "--n", 40, "--magnitude", magnitude, magnitude, "--distance-km", 5,
            150, "--vs30", vs30_mps, vs30_mps, "--kappa0", 0.04, 0.04, "--components", 3, "--seed", int(seed))
    store = open_store(out / "sims.zarr")
    data = store.read()
    epicentral_km = np.sqrt(np.maximum(store.column("distance_km").astype(float) ** 2 - DEPTH_KM ** 2, 0.25))
    station_lon = lon0 + epicentral_km / (KM_PER_DEGREE * np.cos(np.radians(lat0)))
    velocity_mps = cumulative_trapezoid(data["lowpass"].astype(np.float64), dx=0.01, axis=-1, initial=0.0)
    write_grid(out / "scenario.h5", velocity_mps, "velocity", "m/s", station_lon, lat0, vs30_mps)
    write_grid(out / "simulator.h5", data["broadband"], "acceleration", "m/s^2", station_lon, lat0, vs30_mps)
    event = ["--hypocenter", lat0, lon0, DEPTH_KM, "--magnitude", magnitude]
    variants = {"generated": (), "generated_network": ("--no-level-model",), "generated_once": ("--lowband-input",),
                "generated_once_network": ("--lowband-input", "--no-level-model")}   # cut twice / once by `sample`
    for name, extra in variants.items():
        if not (out / f"{name}.zarr").exists():
            run("sample", "--checkpoint", "default", "--cond", out / "scenario.h5", *event, "--out", out / f"{name}.zarr",
                "--seed", 1, "--no-progress", *extra)
    for name, path in (("low band", "scenario.h5"), ("simulator", "simulator.h5"),
                       *((n.replace("_", " "), f"{n}.zarr") for n in variants)):
        run("evaluate", "--gmm", "bssa14", "--generated", out / path, "--out", out / f"gmm_{Path(path).stem}",
            *(event if path.endswith(".h5") else []))
        r = json.loads((out / f"gmm_{Path(path).stem}" / "metrics.json").read_text())
        print(f"{name:10s} " + " ".join(f"{'PGA' if t == 0 else f'{t:g}'}:{b:+.2f}" for t, b in zip(r["periods_s"], r["bias_ln"])))
        print(f"{'':10s} band {r['band_bias_ln']:+.2f} (sd {r['band_sd_ln']:.2f}); by R_JB: "
              + ", ".join(f"{b['rjb_km'][0]:g}–{b['rjb_km'][1] or '∞'} km ({b['n_stations']}) {b['band_bias_ln']:+.2f}"
                          for b in r["by_distance"]))


if __name__ == "__main__":
    main(sys.argv[1], *map(float, sys.argv[2:7]))
