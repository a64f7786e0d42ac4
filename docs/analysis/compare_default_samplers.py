"""The shipped default's samplers against DDPM-1000 on real records it never trained on (issue #16).

    python docs/analysis/compare_default_samplers.py STORE [--records 24] [--realizations 3] [--no-noise-floor] [--out rows.json]

STORE: the default's training store (docs/recipe/: final5.zarr). The records compared are real ones
(a region) of its validation events (the training split's, `engine.data.split_indices` with the
default's val_fraction and seed: never trained on, never distilled on), the first window of each,
cropped to the model's window (2048 samples: one model call per sample). Candidates: DDPM-100 (the
default sampler before), DDIM-32 (the distillation's first teacher), DDIM at the distilled model's
steps with the undistilled model (what distillation adds), and every distilled checkpoint given
(--distilled, default pretrained/distilled.pt). `compare_samplers` adds the reference rerun with other
noise: the noise floor. Prints a markdown table; --out keeps the rows.
"""
import argparse
import json
import sys

import numpy as np


def validation_records(store, config, count: int, split: str = "validation") -> list[int]:
    """Up to `count` rows of `store`, evenly spread: the real records (a region) of the validation events of
    a model trained with `config` on it (`engine.data.split_indices`; split="training": of its training
    events), the first window of each."""
    from seisdiff.engine.data import split_indices

    train, val = split_indices(store, config.data.val_fraction, config.seed)
    ids = store.record_ids
    real = [i for i in (val if split == "validation" else train)
            if store.column("region")[i] and str(ids[i]).endswith("_w0")]
    return sorted(np.asarray(real)[np.linspace(0, len(real) - 1, min(count, len(real))).round().astype(int)])


def main(argv=None) -> int:
    from seisdiff.engine.checkpoint import load_checkpoint
    from seisdiff.engine.denoiser import load_denoiser
    from seisdiff.engine.scaling import metadata_columns
    from seisdiff.evaluate.samplers import compare_samplers
    from seisdiff.io.store import open_store
    from seisdiff.pretrained import DEFAULT_CHECKPOINT, DISTILLED_CHECKPOINT

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("store")
    p.add_argument("--records", type=int, default=24)
    p.add_argument("--realizations", type=int, default=3)
    p.add_argument("--distilled", nargs="*", default=[str(DISTILLED_CHECKPOINT)])
    p.add_argument("--batch-size", type=int, default=24)
    p.add_argument("--no-noise-floor", action="store_true",
                   help="skip the reference's second seed (its rows are deterministic on CPU: reuse an earlier run's)")
    p.add_argument("--out")
    args = p.parse_args(argv)

    teacher = load_denoiser(DEFAULT_CHECKPOINT)
    store = open_store(args.store)
    ids = store.record_ids
    pick = validation_records(store, teacher.config, args.records)
    window = teacher.config.data.window
    lowpass = store.read()["lowpass"][pick, :, :window]          # one block read (12 MB for final5.zarr)
    columns = metadata_columns({c: store.column(c)[pick] for c in store.columns})
    events = sorted(set(store.column("event")[pick]))
    print(f"{len(pick)} records of {len(events)} validation events ({', '.join(events)}), "
          f"{args.realizations} realizations, {window} samples", flush=True)

    distilled = []
    for path in args.distilled:
        ckpt = load_checkpoint(path)
        info = ckpt["distilled"]
        distilled.append((info["sampler"], info["steps"], load_denoiser(ckpt).denoiser, f"distilled-{info['steps']}"))
    candidates = [("ddpm", 100), ("ddim", 32)] + sorted({("ddim", d[1]) for d in distilled}) + distilled
    rows = compare_samplers(teacher.denoiser, teacher.scaler, teacher.config, lowpass, [str(ids[i]) for i in pick],
                            store.sampling_rate_hz, candidates=candidates, realizations=args.realizations,
                            batch_size=args.batch_size, metadata=columns,
                            noise_floor=not args.no_noise_floor, log=print)
    print("\n| sampler | evaluations | PSA bias 0.05–1 s ± se | FAS bias 1–25 Hz ± se | PSA sigma − reference's "
          "| records/s |\n|---|---:|---:|---:|---:|---:|")
    for r in rows:
        if r.get("reference"):
            print(f"| {r['name']} (reference) | {r['steps']} | | | | {r['records_per_s']:.3f} |")
            continue
        name = r["name"] + (" (noise floor)" if r["noise_floor"] else "")
        print(f"| {name} | {r['evaluations']} | {r['psa_band_bias']:+.3f} ± {r['psa_band_se']:.3f} | "
              f"{r['fas_band_bias']:+.3f} ± {r['fas_band_se']:.3f} | {r['psa_sigma_diff']:+.3f} | {r['records_per_s']:.3f} |")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"records": [str(ids[i]) for i in pick], "events": events, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
