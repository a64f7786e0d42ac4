"""Station grids at scale: `sample_grid` (blocks of stations, one store) against one file at a time.

Group "grid_<N>x3x<D>s_distilled" (or "_ddpm<steps>"): N stations × 3 components × D s at 100 Hz with the shipped
model as `sample --checkpoint default` runs it: its distilled twin (seisdiff/pretrained/distilled.pt) with the
sampler and the steps it was distilled for (2 evaluations), and its level model, which acts on every station of a
scenario grid (`grid_sample.SCENARIO_REGION`; the files variant is told the same); or, with SEISDIFF_BENCH_GRID_CHECKPOINT=undistilled,
seisdiff/pretrained/default.pt with DDPM at SEISDIFF_BENCH_GRID_STEPS.
  baseline  — the old way: one miniSEED file per station (3 traces) read with seisdiff.io.read, its
              traces conditioned whole (`preprocess.whole.condition_whole`, the chain `sample_grid` uses),
              `generate` called per file, one miniSEED written per file; the model is loaded once.
  candidate — `sample_grid` on the same stations as a Zarr grid (blocks of SEISDIFF_BENCH_GRID_BLOCK
              stations, one committed output store).
Each variant runs in a fresh Python process (one torch thread: the machine is shared, see bench_sample),
which reports its own timer and memory:
  records_per_s  traces generated / seconds of the generation loop (model already loaded)
  peak_rss_mb    resource.getrusage(RUSAGE_SELF).ru_maxrss of that process at the end (peak resident set,
                 all allocations: torch, numpy, zarr), and rss_after_load_mb, the resident set once the
                 model is loaded; peak − after-load is the memory the run itself needed.
The ratio `seisdiff bench` prints is baseline time / candidate time (whole processes, same overheads).
Before either is timed, both run (untimed) on station 0 alone and their outputs are compared (`_check`).

On a 2-core CPU the default model makes ~0.02 traces/s of 120 s at DDPM-100 (11 windows of 2048 samples
× 100 evaluations each), so 1,000 stations × 3 would take days: the station count, steps and duration are
bench parameters (environment), defaulting to what runs in ~10 minutes:
  SEISDIFF_BENCH_GRID_STATIONS (8)  SEISDIFF_BENCH_GRID_STEPS (10)  SEISDIFF_BENCH_GRID_SECONDS (120)
  SEISDIFF_BENCH_GRID_BLOCK (4)  SEISDIFF_BENCH_GRID_CHECKPOINT (distilled | undistilled)
Measured rows (machine, versions, date) are appended to bench/results/bench_grid.csv, with the
extrapolated hours for 1,000 and 10,000 stations at the measured rate and at the default 100 steps
(time ∝ evaluations: an upper bound, the per-trace overhead does not grow with steps).
"""
import csv
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("SEISDIFF_BENCH_RESULTS") or ROOT / "bench" / "results") / "bench_grid.csv"
N_STATIONS = int(os.environ.get("SEISDIFF_BENCH_GRID_STATIONS", "8"))
STEPS = int(os.environ.get("SEISDIFF_BENCH_GRID_STEPS", "10"))
SECONDS = float(os.environ.get("SEISDIFF_BENCH_GRID_SECONDS", "120"))
BLOCK = int(os.environ.get("SEISDIFF_BENCH_GRID_BLOCK", "4"))
DISTILLED = os.environ.get("SEISDIFF_BENCH_GRID_CHECKPOINT", "distilled") == "distilled"
FS = 100.0
COMPONENTS = ["E", "N", "Z"]
GROUP = f"grid_{N_STATIONS}x3x{SECONDS:g}s_" + ("distilled" if DISTILLED else f"ddpm{STEPS}")
_measured: dict[str, dict] = {}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


# ------------------------------------------------------------------------------------ worker processes
def worker(variant: str, folder: Path) -> dict:
    """Run one variant in this process; returns its figures."""
    import torch

    torch.set_num_threads(1)
    from seisdiff import pretrained
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.generate import DEFAULT_SAMPLER, generate
    from seisdiff.engine.grid_sample import load_model, sample_grid
    from seisdiff.preprocess.whole import condition_whole

    ckpt = load_checkpoint(pretrained.DISTILLED_CHECKPOINT if DISTILLED else pretrained.DEFAULT_CHECKPOINT)
    sampler, steps = (ckpt["distilled"]["sampler"], int(ckpt["distilled"]["steps"])) if DISTILLED \
        else (DEFAULT_SAMPLER, STEPS)
    denoiser, config, scaler, cfg, name, level = load_model(ckpt)
    rss_after_load = _rss_mb()
    t0 = time.perf_counter()
    if variant == "candidate":
        run = sample_grid((denoiser, config, scaler, ckpt["store"], name, level), folder / "grid.zarr",
                          folder / "out_grid.zarr", sampler=sampler, steps=steps, block_stations=BLOCK, progress=False,
                          log=lambda line: None)
        records = run.records_generated
    else:
        from seisdiff.engine.grid_sample import SCENARIO_REGION
        from seisdiff.io.obspy_io import write_mseed
        from seisdiff.io.readers import read
        from seisdiff.io.record import Record

        out = folder / "out_files"
        out.mkdir(exist_ok=True)
        records = 0
        for path in sorted((folder / "files").glob("*.mseed")):
            recs = read(path, units="m/s^2")
            cond = condition_whole(np.stack([r.acc_mps2 for r in recs]), recs[0].sampling_rate_hz, cfg)[1][:, None]
            ids = [r.record_id for r in recs]
            done = {rid: acc for rid, _, acc in generate(
                denoiser, scaler, config, cond, ids, steps=steps, sampler=sampler, batch_size=16, level_model=level,
                metadata={"region": np.full(len(recs), SCENARIO_REGION)},   # as the grid's: a scenario
                sampling_rate_hz=cfg.sampling_rate_hz, lowpass_hz=cfg.lowpass_hz, window=config.data.window)}
            write_mseed(out / path.name, [Record(acc_mps2=done[r.record_id][0], sampling_rate_hz=cfg.sampling_rate_hz,
                                                 record_id=r.record_id, station=r.station, component=r.component,
                                                 start_time=r.start_time) for r in recs])
            records += len(recs)
    seconds = time.perf_counter() - t0
    return {"variant": variant, "sampler": sampler, "steps": steps, "records": records, "seconds": seconds,
            "records_per_s": records / seconds,
            "rss_after_load_mb": rss_after_load,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def _run_worker(variant: str, folder: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, __file__, variant, str(folder)], capture_output=True, text=True, env=env,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{variant} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------- fixtures
def _make_grid(folder: Path, n_stations: int) -> Path:
    """n_stations stations as a Zarr grid and as one miniSEED file per station (m/s², 100 Hz), in folder."""
    import obspy
    import zarr

    sys.path.insert(0, str(ROOT / "tests"))
    from synth import accelerogram

    n_samples = int(round(SECONDS * FS))
    g = zarr.open_group(str(folder / "grid.zarr"), mode="w")
    acc = g.create_array("acceleration", shape=(n_stations, 3, n_samples), chunks=(min(BLOCK, n_stations), 3, n_samples),
                         dtype="float32")
    acc.attrs.update({"units": "m/s^2", "dt_s": 1 / FS, "start_time": "2019-07-06T03:19:53Z"})
    names = np.array([f"S{i:04d}" for i in range(n_stations)])
    g.create_array("station", shape=(n_stations,), dtype=str)[:] = names
    g.create_array("component", shape=(3,), dtype=str)[:] = np.array(COMPONENTS)
    rng = np.random.default_rng(0)
    g.create_array("lat", shape=(n_stations,), dtype="float64")[:] = 34 + rng.random(n_stations)
    g.create_array("lon", shape=(n_stations,), dtype="float64")[:] = -118 + rng.random(n_stations)
    (folder / "files").mkdir()
    for lo in range(0, n_stations, BLOCK):
        hi = min(lo + BLOCK, n_stations)
        block = np.stack([[accelerogram(10 * s + c, n=n_samples, pga=0.2 + 0.01 * (s % 50)) for c in range(3)]
                          for s in range(lo, hi)]).astype(np.float32)
        acc[lo:hi] = block
        for s in range(lo, hi):
            st = obspy.Stream([obspy.Trace(block[s - lo, c], header={
                "sampling_rate": FS, "station": names[s], "network": "XX", "channel": f"HN{COMPONENTS[c]}",
                "starttime": obspy.UTCDateTime("2019-07-06T03:19:53Z")}) for c in range(3)])
            st.write(str(folder / "files" / f"{names[s]}.mseed"), format="MSEED")
    return folder


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """The N stations, as a grid and as files."""
    return _make_grid(tmp_path_factory.mktemp("bench_grid"), N_STATIONS)


def _rms_ratio_station0(folder: Path) -> float:
    """rms of the grid's output at station 0 / the files' output there (all 3 components)."""
    import obspy
    import zarr

    a = np.stack([tr.data for tr in obspy.read(str(folder / "out_files" / "S0000.mseed"))]).astype(np.float64)
    b = zarr.open_group(str(folder / "out_grid.zarr"), mode="r")["acceleration"][0].astype(np.float64)
    return float(np.sqrt((b ** 2).mean() / (a ** 2).mean()))


def _check(folder: Path) -> float:
    """Both variants, untimed, on station 0 alone: 3 traces each, and the same rms to within a factor 2 (the same
    conditioning, model and level model; other noise, the ids differ: the bound the timed runs were held to)."""
    figures = [_run_worker(variant, folder) for variant in ("baseline", "candidate")]
    assert [f["records"] for f in figures] == [3, 3], figures
    ratio = _rms_ratio_station0(folder)
    assert 0.5 < ratio < 2.0, f"rms grid / files at station 0: {ratio:.3f}"
    return ratio


@pytest.fixture(scope="module")
def check_folder(tmp_path_factory):
    return _make_grid(tmp_path_factory.mktemp("bench_grid_check"), 1)


def _record(benchmark, figures: dict, role: str):
    benchmark.extra_info.update({"role": role, **{k: v for k, v in figures.items() if k != "variant"},
                                 "stations": N_STATIONS, "components": 3, "trace_seconds": SECONDS,
                                 "block_stations": BLOCK, "peak_minus_load_mb": figures["peak_rss_mb"] - figures["rss_after_load_mb"]})
    _measured[figures["variant"]] = figures


def _write_rows():
    import numpy
    import torch
    import zarr

    from seisdiff import __version__

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.is_file()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    with open(RESULTS, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["date_utc", "machine", "cpu_cores", "load_avg_1min", "python", "torch", "numpy", "zarr", "seisdiff",
                        "variant", "stations", "components", "trace_s", "fs_hz", "sampler", "steps", "block_stations",
                        "records", "seconds", "records_per_s", "rss_after_load_mb", "peak_rss_mb",
                        "hours_1000_stations_these_steps", "hours_10000_stations_these_steps",
                        "hours_1000_stations_100_steps", "hours_10000_stations_100_steps"])
        for variant in ("baseline", "candidate"):
            m = _measured.get(variant)
            if m is None:
                continue
            rate = m["records_per_s"]
            hours = [n * 3 / rate / 3600 * scale for scale in (1.0, 100 / m["steps"]) for n in (1000, 10000)]
            w.writerow([datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), cpu, os.cpu_count(),
                        round(os.getloadavg()[0], 2), platform.python_version(), torch.__version__, numpy.__version__,
                        zarr.__version__, __version__, "grid" if variant == "candidate" else "one_file_at_a_time",
                        N_STATIONS, 3, SECONDS, FS, m["sampler"] + ("-distilled" if DISTILLED else ""), m["steps"],
                        BLOCK, m["records"], round(m["seconds"], 2),
                        round(rate, 4), round(m["rss_after_load_mb"], 1), round(m["peak_rss_mb"], 1),
                        *[round(h, 2) for h in hours]])


# ------------------------------------------------------------------------------------------ benchmarks
@pytest.mark.benchmark(group=GROUP)
def test_grid_one_file_at_a_time(benchmark, grid, checked, check_folder):
    checked(GROUP, lambda: _check(check_folder))
    figures = benchmark.pedantic(lambda: _run_worker("baseline", grid), rounds=1, iterations=1)
    _record(benchmark, figures, "baseline")
    assert figures["records"] == 3 * N_STATIONS
    outs = sorted((grid / "out_files").glob("*.mseed"))
    assert len(outs) == N_STATIONS


@pytest.mark.benchmark(group=GROUP)
def test_grid_sample_grid(benchmark, grid, checked, check_folder):
    import zarr

    benchmark.extra_info["rms_ratio_grid_over_files_station0_check"] = checked(GROUP, lambda: _check(check_folder))
    figures = benchmark.pedantic(lambda: _run_worker("candidate", grid), rounds=1, iterations=1)
    _record(benchmark, figures, "candidate")
    assert figures["records"] == 3 * N_STATIONS
    out = zarr.open_group(str(grid / "out_grid.zarr"), mode="r")
    assert out["committed"][:].all()
    if (grid / "out_files").is_dir():       # the timed runs' station 0 too
        ratio = _rms_ratio_station0(grid)
        benchmark.extra_info["rms_ratio_grid_over_files_station0"] = ratio
        assert 0.5 < ratio < 2.0
    if "baseline" in _measured:
        benchmark.extra_info["speedup_records_per_s"] = figures["records_per_s"] / _measured["baseline"]["records_per_s"]
    _write_rows()


if __name__ == "__main__":
    print(json.dumps(worker(sys.argv[1], Path(sys.argv[2]))))
