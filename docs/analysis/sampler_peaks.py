"""Where does the distilled twin's peaky high band come from? (issue #16; the twin's high band is
7–20 % peakier than DDPM-1000's on held-out folds.)

The shipped default (pretrained/default.pt) and its twin (pretrained/distilled.pt) on the 24 records of
the default's validation events that `compare_default_samplers.py` uses (never trained or distilled on;
2048 samples, no low-band merge), 2 realizations each, through: DDPM-1000 at two seeds (the reference
and its noise floor), DDPM-100, DDIM at 32 / 128 / 512 steps (the probability-flow ODE the distillation
imitates, towards its limit), the twin as shipped (ancestral, 2 evaluations, intermediate at t = 0.5)
and with its intermediate at t = 0.3 / 0.7 or three steps, the twin followed by the undistilled model's
ancestral steps at low noise (x0 re-noised to t = 0.2 or 0.1, or two steps 0.25, 0.1), the twin's first
step only followed by the undistilled model's steps, and the undistilled model's DDPM at 3 / 4 / 8 steps.
Per sampler: records/s, the median crest factor of the > 2 Hz band (`hf_texture.band_stats`: peak over
the rms between its 5 % and 95 % Arias times) and its ln(reference/sampler), the band biases ln(reference /
sampler) of PSA 0.05–1 s and FAS 1–25 Hz, the spread between realizations less the reference's, PGA.

    python docs/analysis/sampler_peaks.py STORE      (STORE: the default's training store, final5.zarr)

(docs/MEASUREMENTS.md, "The high band's peak factor by sampler".)
"""
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from compare_default_samplers import validation_records  # noqa: E402
from hf_texture import band_stats  # noqa: E402

from seisdiff.dsp.response import psa  # noqa: E402
from seisdiff.engine import samplers  # noqa: E402
from seisdiff.engine.denoiser import load_denoiser  # noqa: E402
from seisdiff.engine.generate import generate  # noqa: E402
from seisdiff.engine.scaling import metadata_columns  # noqa: E402
from seisdiff.evaluate.samplers import COMPARE_FREQS_HZ, COMPARE_PERIODS_S  # noqa: E402
from seisdiff.evaluate.spectra import smoothed_fas  # noqa: E402
from seisdiff.io.store import open_store  # noqa: E402
from seisdiff.pretrained import DEFAULT_CHECKPOINT, DISTILLED_CHECKPOINT  # noqa: E402

REALIZATIONS = 2


class Switch(torch.nn.Module):
    """One denoiser above sigma_switch (VE), another at or below it."""

    def __init__(self, high, low, sigma_switch):
        super().__init__()
        self.high, self.low, self.sigma_switch = high, low, sigma_switch
        self.schedule, self.scaler, self.target = high.schedule, high.scaler, high.target

    sigma_min = property(lambda self: self.high.sigma_min)
    sigma_max = property(lambda self: self.high.sigma_max)

    def forward(self, x, sigma, cond, scalars):
        return (self.high if float(sigma) > self.sigma_switch else self.low)(x, sigma, cond, scalars)


def main(path) -> None:
    base, twin = load_denoiser(DEFAULT_CHECKPOINT), load_denoiser(DISTILLED_CHECKPOINT)
    store = open_store(path)
    ids = store.record_ids
    pick = validation_records(store, base.config, 24)
    window, fs = base.config.data.window, store.sampling_rate_hz
    lowpass_mps2 = store.read()["lowpass"][pick, :, :window]
    meta = metadata_columns({c: store.column(c)[pick] for c in store.columns})
    record_ids = [str(ids[i]) for i in pick]

    def sigma(t):
        return float(base.denoiser.schedule.sigma_ve(torch.tensor([t], dtype=torch.float64)))

    top = sigma(1.0)
    after_twin = Switch(twin.denoiser, base.denoiser, sigma(0.5) - 1e-9)    # the twin's two steps, then the model
    after_first = Switch(twin.denoiser, base.denoiser, top - 1.0)           # the twin's first step only
    runs = [("DDPM-1000 (reference)", base.denoiser, "ddpm", 1000, None, 0),
            ("DDPM-1000, seed 1 (noise floor)", base.denoiser, "ddpm", 1000, None, 1),
            ("DDPM-100", base.denoiser, "ddpm", 100, None, 0)]
    runs += [(f"DDIM-{n}", base.denoiser, "ddim", n, None, 0) for n in (32, 128, 512)]
    runs += [(name, model, "ddpm", len(ts), [sigma(t) for t in ts], 0) for name, model, ts in (
        ("twin (shipped: t 1, 0.5)", twin.denoiser, (1.0, 0.5)),
        ("twin, intermediate t 0.3", twin.denoiser, (1.0, 0.3)),
        ("twin, intermediate t 0.7", twin.denoiser, (1.0, 0.7)),
        ("twin, 3 steps (t 1, 2/3, 1/3)", twin.denoiser, (1.0, 2 / 3, 1 / 3)),
        ("twin, then the model from t 0.2", after_twin, (1.0, 0.5, 0.2)),
        ("twin, then the model from t 0.1", after_twin, (1.0, 0.5, 0.1)),
        ("twin, then the model at t 0.25, 0.1", after_twin, (1.0, 0.5, 0.25, 0.1)),
        ("twin's first step, the model at t 0.5, 0.25", after_first, (1.0, 0.5, 0.25)),
        ("twin's first step, the model at t 0.75, 0.4", after_first, (1.0, 0.75, 0.4)),
        ("twin's first step, the model at t 0.75, 0.5, 0.25", after_first, (1.0, 0.75, 0.5, 0.25)))]
    runs += [(f"undistilled DDPM-{n}", base.denoiser, "ddpm", n, None, 0) for n in (3, 4, 8)]

    get_sigmas = samplers.get_sigmas
    ref = None
    print(f"{len(pick)} records × {REALIZATIONS} realizations, {window} samples\n")
    print("| sampler | evaluations | records/s | crest factor | ln(ref/sampler) | PSA bias | FAS bias | "
          "sigma − ref's | PGA ln(ref/sampler) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, model, sampler, steps, grid, seed in runs:
        samplers.get_sigmas = get_sigmas if grid is None else \
            (lambda *_, g=torch.tensor(grid + [0.0], dtype=torch.float64), **__: g)
        out = np.zeros((len(pick), REALIZATIONS, window))
        index = {rid: i for i, rid in enumerate(record_ids)}
        t0 = time.perf_counter()
        for rid, k, acc in generate(model, base.scaler, base.config, lowpass_mps2, record_ids, realizations=REALIZATIONS,
                                    steps=steps, sampler=sampler, seed=seed, batch_size=24, lf_merge=False, metadata=meta):
            out[index[rid], k] = acc[0]
        rate = out.shape[0] * out.shape[1] / (time.perf_counter() - t0)
        ln_psa = np.log(np.maximum(psa(out, fs, COMPARE_PERIODS_S), 1e-30))
        ln_fas = np.log(np.maximum(smoothed_fas(out, fs, COMPARE_FREQS_HZ), 1e-30))
        crest = band_stats(out.reshape(-1, window), fs)[3]
        row = dict(psa=ln_psa, fas=ln_fas, crest=crest, pga=np.abs(out).max(-1))
        if ref is None:
            ref = row
        print(f"| {name} | {steps} | {rate:.2f} | {np.median(crest):.2f} | "
              f"{np.median(np.log(ref['crest'])) - np.median(np.log(crest)):+.3f} | "
              f"{(ref['psa'].mean(1) - ln_psa.mean(1)).mean():+.3f} | {(ref['fas'].mean(1) - ln_fas.mean(1)).mean():+.3f} | "
              f"{ln_psa.std(1, ddof=1).mean() - ref['psa'].std(1, ddof=1).mean():+.3f} | "
              f"{np.median(np.log(ref['pga'] / row['pga'])):+.3f} |", flush=True)
    samplers.get_sigmas = get_sigmas


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__))
