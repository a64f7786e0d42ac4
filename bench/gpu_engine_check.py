"""The engine on a GPU, as one prepared run for a device machine (after bench/gpu_check.sh's kernels):

1. generation: records/s of 4096-sample records (41 s at 100 Hz) from their < 1 Hz conditioning with
   the shipped default sampler (the distilled twin, 2 model evaluations, bf16 autocast as `sample`
   runs it on CUDA) at several batch sizes, against DDPM-100 on the same GPU and the twin on the same
   machine's CPU cores, in the same run; the GPU's and the CPU's records agree in level (median
   ln PGA ratio) within sampling noise;
2. training: `train --device cuda` on a small store for a few epochs (bf16 autocast, the fused
   Triton noise-add and loss in the step): steps/s, finite losses, and the checkpoint it writes loads
   with weights_only=True and generates; against `train --device cpu` on the same machine's cores;
3. grid: `sample_grid` (what `sample --cond GRID` runs) on N stations × 3 components × 120 s with the
   shipped default (the twin and its level model), on the GPU and, for a tenth of the stations, on
   the same machine's CPU cores: traces/s.

    python bench/gpu_engine_check.py --store STORE --out DIR [--parts generation,training,grid]
DIR gets engine_check.json (rewritten after each part). On CPU, `--device cpu --quick` is a dry run.
STORE: any small training store (the demo's seisdiff_demo/train.zarr was used). A bare GPU machine
with torch lacks zarr, numcodecs, donfig, google-crc32c, ObsPy and decorator: carry their wheels.
Last run 2026-12-04 on one H200 (README, Benchmarks; bench/results/gpu_engine_check.json).
"""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from seisdiff.dsp import lowpass  # noqa: E402
from seisdiff.engine.checkpoint import load_checkpoint  # noqa: E402
from seisdiff.engine.denoiser import load_denoiser  # noqa: E402
from seisdiff.engine.generate import generate  # noqa: E402
from seisdiff.pretrained import DEFAULT_CHECKPOINT, DISTILLED_CHECKPOINT  # noqa: E402
from synth import accelerogram  # noqa: E402

FS_HZ, LENGTH = 100.0, 4096


def conditioning(n: int) -> tuple[np.ndarray, list[str]]:
    acc = np.stack([accelerogram(s, n=LENGTH, pga=0.5 * (s % 8 + 1)) for s in range(n)])[:, None]
    return lowpass(acc, FS_HZ, 1.0).astype(np.float32), [f"r{i}" for i in range(n)]


def timed_generate(model, cond, ids, sampler, steps, batch_size, device):
    """(records (n, C, L) m/s², seconds), the device synchronised before the clock stops."""
    start = time.perf_counter()
    out = np.stack([acc for _, _, acc in generate(model.denoiser, model.scaler, model.config, cond, ids,
                                                  sampler=sampler, steps=steps, batch_size=batch_size,
                                                  lf_merge=False, device=device)])
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    assert np.isfinite(out).all() and out.std() > 0
    return out, seconds


def generation(device: str, quick: bool) -> dict:
    twin_ckpt = load_checkpoint(DISTILLED_CHECKPOINT)
    sampler, steps = twin_ckpt["distilled"]["sampler"], twin_ckpt["distilled"]["steps"]
    twin_gpu, twin_cpu = load_denoiser(twin_ckpt, device), load_denoiser(twin_ckpt, "cpu")
    default_gpu = load_denoiser(DEFAULT_CHECKPOINT, device)
    n_big, n_small = (8, 4) if quick else (1024, 64)
    cond, ids = conditioning(n_big)
    timed_generate(twin_gpu, cond[:4], ids[:4], sampler, steps, 4, device)  # warm-up (kernels, autotune)
    rows = {}
    for batch in ((4,) if quick else (16, 64, 256)):
        _, s = timed_generate(twin_gpu, cond, ids, sampler, steps, batch, device)
        rows[f"twin_{device}_batch{batch}"] = {"records": n_big, "seconds": s, "records_per_s": n_big / s}
        print(f"twin on {device}, {batch} windows a call: {n_big} records in {s:.2f} s = {n_big / s:.1f}/s",
              flush=True)
    best = max(rows, key=lambda k: rows[k]["records_per_s"])
    gpu_out, s = timed_generate(twin_gpu, cond[:n_small], ids[:n_small], sampler, steps, 64, device)
    _, s_ddpm = timed_generate(default_gpu, cond[:n_small], ids[:n_small], "ddpm", 100, 64, device)
    cpu_out, s_cpu = timed_generate(twin_cpu, cond[:n_small], ids[:n_small], sampler, steps, 16, "cpu")
    rows["ddpm100_" + device] = {"records": n_small, "seconds": s_ddpm, "records_per_s": n_small / s_ddpm}
    rows["twin_cpu"] = {"records": n_small, "seconds": s_cpu, "records_per_s": n_small / s_cpu,
                        "cpu_threads": torch.get_num_threads()}
    pga = lambda x: np.abs(x).max(axis=(1, 2))  # noqa: E731
    ln_ratio = np.log(pga(gpu_out) / pga(cpu_out))
    result = {"rows": rows, "best": best,
              "twin_vs_ddpm100_same_gpu": (n_small / s) / rows["ddpm100_" + device]["records_per_s"],
              "gpu_best_vs_cpu_twin": rows[best]["records_per_s"] / rows["twin_cpu"]["records_per_s"],
              "median_ln_pga_gpu_over_cpu": float(np.median(ln_ratio)),
              "sd_ln_pga_gpu_over_cpu": float(np.std(ln_ratio))}
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1), flush=True)
    return result


def train_cli(store: str, out: Path, device: str, epochs: int, tag: str) -> dict:
    """Run `train` in a subprocess; its log and metrics go to out."""
    ckpt_dir = Path(f"/tmp/gpu_engine_check_train_{tag}")
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    cmd = [sys.executable, str(ROOT / "cli.py"), "train", "--data", store, "--checkpoint-dir", str(ckpt_dir),
           "--device", device, "--epochs", str(epochs), "--batch-size", "64", "--max-minutes", "1.5",
           "--no-progress"]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (out / f"train_{tag}.log").write_text(proc.stdout + proc.stderr)
    print(proc.stdout[-1500:], proc.stderr[-1500:], flush=True)
    result = {"returncode": proc.returncode, "seconds": seconds, "checkpoint_dir": str(ckpt_dir)}
    metrics = ckpt_dir / "metrics.jsonl"
    if metrics.is_file():
        result["epochs"] = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    return result


def training(store: str, out: Path, device: str, quick: bool) -> dict:
    result = {"gpu": train_cli(store, out, device, 1 if quick else 40, "gpu"),
              "cpu": train_cli(store, out, "cpu", 1 if quick else 3, "cpu")}
    last = Path(result["gpu"]["checkpoint_dir"]) / "last.pt"
    if last.is_file():
        model = load_denoiser(last, device)   # load_checkpoint uses torch.load(weights_only=True)
        cond, ids = conditioning(2)
        gen, _ = timed_generate(model, cond, ids, "ddim", 8, 2, device)
        result["checkpoint_generates"] = bool(np.isfinite(gen).all() and gen.std() > 0)
    result["ok"] = result["gpu"]["returncode"] == 0 and result.get("checkpoint_generates", False)
    return result


def make_grid(folder: Path, n_stations: int, seconds: float = 120.0, block: int = 64) -> Path:
    """A Zarr grid (seisdiff.io.grid convention) of n stations × E/N/Z, m/s², 100 Hz, as bench_grid's."""
    import zarr

    n_samples = int(round(seconds * FS_HZ))
    g = zarr.open_group(str(folder / "grid.zarr"), mode="w")
    acc = g.create_array("acceleration", shape=(n_stations, 3, n_samples), chunks=(block, 3, n_samples),
                         dtype="float32")
    acc.attrs.update({"units": "m/s^2", "dt_s": 1 / FS_HZ, "start_time": "2019-07-06T03:19:53Z"})
    g.create_array("station", shape=(n_stations,), dtype=str)[:] = np.array([f"S{i:05d}" for i in range(n_stations)])
    g.create_array("component", shape=(3,), dtype=str)[:] = np.array(["E", "N", "Z"])
    rng = np.random.default_rng(0)
    g.create_array("lat", shape=(n_stations,), dtype="float64")[:] = 34 + rng.random(n_stations)
    g.create_array("lon", shape=(n_stations,), dtype="float64")[:] = -118 + rng.random(n_stations)
    traces = np.stack([[accelerogram(10 * s + c, n=n_samples, pga=0.2 + 0.01 * (s % 50)) for c in range(3)]
                       for s in range(min(block, n_stations))]).astype(np.float32)
    for lo in range(0, n_stations, block):   # blocks repeat: the work per trace is what is measured
        hi = min(lo + block, n_stations)
        acc[lo:hi] = traces[: hi - lo]
    return folder / "grid.zarr"


def grid(out: Path, device: str, quick: bool, n_stations: int) -> dict:
    from seisdiff.engine.grid_sample import load_model, sample_grid

    twin = load_checkpoint(DISTILLED_CHECKPOINT)
    sampler, steps = twin["distilled"]["sampler"], int(twin["distilled"]["steps"])
    folder = Path("/tmp/gpu_engine_check_grid")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    n_gpu = 8 if quick else n_stations
    n_cpu = 4 if quick else max(n_stations // 10, 1)
    rows = {}
    for label, dev, n, block, batch in (("gpu", device, n_gpu, 256, 256), ("cpu", "cpu", n_cpu, 64, 16)):
        (folder / label).mkdir()
        source = make_grid(folder / label, n)
        denoiser, config, scaler, _, name, level = load_model(twin, dev)
        start = time.perf_counter()
        run = sample_grid((denoiser, config, scaler, twin["store"], name, level), source,
                          folder / label / "out.zarr", sampler=sampler, steps=steps, block_stations=min(block, n),
                          batch_size=batch, progress=False, device=dev, log=lambda line: None)
        seconds = time.perf_counter() - start
        rows[label] = {"device": dev, "stations": n, "traces": run.records_generated, "seconds": seconds,
                       "traces_per_s": run.records_generated / seconds, "block_stations": min(block, n),
                       "batch_size": batch}
        print(f"grid on {dev}: {n} stations x 3 x 120 s in {seconds:.1f} s = "
              f"{run.records_generated / seconds:.1f} traces/s", flush=True)
    rows["gpu_vs_cpu_traces_per_s"] = rows["gpu"]["traces_per_s"] / rows["cpu"]["traces_per_s"]
    rows["hours_10000_stations_gpu"] = 30000 / rows["gpu"]["traces_per_s"] / 3600
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--parts", default="generation,training,grid")
    p.add_argument("--grid-stations", type=int, default=1000)
    args = p.parse_args()
    parts = args.parts.split(",")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = {"torch": torch.__version__, "cuda": torch.cuda.is_available(),
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "cpu_threads": torch.get_num_threads()}
    print(info, flush=True)
    report = {"machine": info}
    jobs = {"generation": lambda: generation(args.device, args.quick),
            "training": lambda: training(args.store, out, args.device, args.quick),
            "grid": lambda: grid(out, args.device, args.quick, args.grid_stations)}
    for part in parts:
        try:
            report[part] = jobs[part]()
        finally:
            (out / "engine_check.json").write_text(json.dumps(report, indent=1))
    ok = report.get("training", {}).get("ok", True)
    print("engine check", "passed" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
