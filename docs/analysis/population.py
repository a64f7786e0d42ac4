"""How does the model do on the population issue #20's goals were set on ("~100 components from ~20 large (M ≥ 6)
earthquakes recorded near the fault"), against all the held-out records? docs/MEASUREMENTS.md, "The issue's own
population". Usage: python docs/analysis/population.py WORK CROSSVAL_DIR [CROSSVAL_DIR …], the --out folders of
`seisdiff crossval` runs (each fold's test.zarr and samples.zarr; one sampling seed each, read from its
crossval.json), WORK a scratch folder for the pooled stores.

Each run's held-out records of every fold (each held out in its own fold) are pooled into one store with their
samples, keeping all of them, those of magnitude ≥ 6 within 50 km (the store's distance_km, hypocentral where the
headers give it), and those within 100 km, and evaluated as `crossval` evaluates a fold (`evaluate`, the run's
seed, `stochastic` at κ 0.04 s). Printed: the pooled goals of the model and both baselines, the mean over the runs."""
import json
import sys
from pathlib import Path

import numpy as np

from seisdiff.evaluate.crossval import GOALS, SYSTEMS
from seisdiff.evaluate.report import evaluate
from seisdiff.io.store import create_store, open_store
from seisdiff.io.subset import _OWN_ATTRS, read_rows   # the attributes a store sets from its own arguments

POPULATIONS = {"all held-out records": (np.inf, -np.inf), "M ≥ 6, ≤ 50 km": (50.0, 6.0), "M ≥ 6, ≤ 100 km": (100.0, 6.0)}


def pool(crossval_dir: Path, out: Path, max_km: float, min_magnitude: float) -> int:
    """Pool the folds' held-out records within the population (and their samples) into out/{test,samples}.zarr."""
    if (out / "samples.zarr" / "zarr.json").is_file():
        return len(open_store(out / "test.zarr"))
    writers = {}
    for fold in sorted(p.parent for p in crossval_dir.glob("*/samples.zarr")):
        test, samples = open_store(fold / "test.zarr"), open_store(fold / "samples.zarr")
        distance_km = np.nan_to_num(test.column("distance_km").astype(np.float64), nan=np.inf)
        inside = (test.column("magnitude") >= min_magnitude) & (distance_km <= max_km) if np.isfinite(max_km) \
            else np.ones(len(test), bool)
        keep = test.record_ids[inside]
        for name, store, ids in (("test", test, test.record_ids), ("samples", samples, samples.column("source_record_id"))):
            rows = np.flatnonzero(np.isin(ids, keep))
            if not len(rows):
                continue
            if name not in writers:
                writers[name] = create_store(
                    out / f"{name}.zarr", sampling_rate_hz=store.sampling_rate_hz, length=store.length,
                    n_channels=store.n_channels, lowpass_hz=store.lowpass_hz, band_hz=store.band_hz,
                    filter_order=int(store.attrs.get("filter", {}).get("order", 4)), producer="population.py",
                    extra_attrs={k: v for k, v in store.attrs.items() if k not in _OWN_ATTRS})
            signals = read_rows(store, rows)
            columns = {c: store.column(c)[rows] for c in store.columns if c not in ("pga_broadband", "pga_lowpass")}
            writers[name].append(signals["broadband"], signals["lowpass"], store.record_ids[rows], columns)
    return len(open_store(out / "test.zarr"))


def main(work: Path, runs: list[Path]):
    table = {}
    for run in runs:
        seed = int(json.loads((run / "crossval.json").read_text())["settings"]["seed"])
        for p, (name, (max_km, min_magnitude)) in enumerate(POPULATIONS.items()):
            d = work / f"{run.name}_{p}"
            n = pool(run, d, max_km, min_magnitude)
            metrics = d / "eval" / "metrics.json"
            result = json.loads(metrics.read_text()) if metrics.is_file() else \
                evaluate(open_store(d / "test.zarr"), str(d / "samples.zarr"), d / "eval", seed=seed,
                         baseline_kappa="default", progress=False)
            draws = result.get("model_one_realization")
            summary = {**result["summary"], **({"model": draws["mean"]} if draws else {})}
            for system in SYSTEMS:
                table.setdefault((name, n, system), []).append([summary[system].get(key, np.nan) for _, key, _, _ in GOALS])
    goals = [i for i, g in enumerate(GOALS) if g[3] is not None]
    print(f"Means over {len(runs)} runs (seeds), pooled over folds\n")
    print("| population (records) | system | " + " | ".join(GOALS[i][0] for i in goals) + " |")
    print("|---|---|" + "---:|" * len(goals))
    for (name, n, system), values in table.items():
        mean = np.nanmean(np.array(values, dtype=np.float64), axis=0)
        cells = [f"{mean[i]:+.3f}" if GOALS[i][3][0] == "abs_max" else f"{mean[i]:.3f}" for i in goals]
        print(f"| {name} ({n}) | {system} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(a) for a in sys.argv[2:]])
