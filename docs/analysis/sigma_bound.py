"""How low can PSA sigma go when the high frequencies come from the < 1 Hz conditioning? (issue #20's
goal: sigma ≤ 0.45 ln over 0.05–1 s, one realization per record.) docs/MEASUREMENTS.md, "What bounds
sigma". Usage: python docs/analysis/sigma_bound.py CROSSVAL_DIR, the --out of `seisdiff crossval`
(each fold's test.zarr and samples.zarr).

Per fold, PSA sigma (5 %, 30 periods 0.05–1 s; sd over records of ln(real/gen) at each period,
averaged over the periods, as `evaluate` reports it) of:
- the fold's samples as generated;
- the same samples with their > 1 Hz band moved to the real record's own 2–25 Hz level (an oracle of
  the level: what a perfect level model would give, `hf_level.set_band_levels` with one band);
- the same with the real record's own 2–6 and 8–25 Hz levels (an oracle of the level and the slope);
- the real record's own Fourier amplitudes with random phases in its own envelope: no spectral
  error at all, only the randomness of one realization."""
import sys
from pathlib import Path

import numpy as np

from seisdiff.dsp import lowpass
from seisdiff.dsp.response import psa
from seisdiff.engine import hf_level
from seisdiff.evaluate.metrics import envelope
from seisdiff.io.store import open_store

PERIODS_S = np.geomspace(0.05, 1.0, 30)


def psa_sigma_ln(real, gen, fs):
    r = np.log(psa(real, fs, PERIODS_S)) - np.log(psa(gen, fs, PERIODS_S))
    return float(np.std(r.reshape(-1, len(PERIODS_S)), axis=0, ddof=1).mean())


def with_levels_of(real, gen, fs, fx, band_list):
    high = lambda x: x - lowpass(x, fs, fx, 4)
    target = np.stack([hf_level.band_level(high(real), fs, b) for b in band_list], axis=-1)
    h = high(gen)
    moved = hf_level.set_band_levels(h.reshape(-1, h.shape[-1]), target.reshape(-1, len(band_list)), band_list, fs)
    return gen - h + moved.reshape(h.shape)


def random_phase(real, fs, rng):
    noise = rng.standard_normal(real.shape) * envelope(real, fs, smooth_s=1.0)
    spectrum = np.fft.rfft(noise)
    return np.fft.irfft(np.abs(np.fft.rfft(real)) * spectrum / np.maximum(np.abs(spectrum), 1e-300), n=real.shape[-1])


def main(root):
    rng = np.random.default_rng(0)
    rows = []
    print("| fold (records) | as generated | real level (2–25 Hz) | real level and slope | real spectrum, random phase |")
    print("|---|---:|---:|---:|---:|")
    for fold in sorted(p.parent for p in Path(root).glob("*/samples.zarr")):
        test, samples = open_store(fold / "test.zarr"), open_store(fold / "samples.zarr")
        fs, fx = test.sampling_rate_hz, test.lowpass_hz
        row_of = {rid: i for i, rid in enumerate(test.record_ids)}
        order = [row_of[rid] for rid in samples.column("source_record_id")]
        real = test.read(fields=("broadband",))["broadband"][order].astype(np.float64)
        gen = samples.read(fields=("broadband",))["broadband"].astype(np.float64)
        sig = [psa_sigma_ln(real, gen, fs),
               psa_sigma_ln(real, with_levels_of(real, gen, fs, fx, [hf_level.BAND_HZ]), fs),
               psa_sigma_ln(real, with_levels_of(real, gen, fs, fx, hf_level.BANDS_HZ), fs),
               psa_sigma_ln(real, random_phase(real, fs, rng), fs)]
        rows.append(sig)
        print(f"| {fold.name} ({len(gen)}) | " + " | ".join(f"{s:.2f}" for s in sig) + " |", flush=True)
    print("| mean of folds | " + " | ".join(f"**{s:.2f}**" for s in np.mean(rows, axis=0)) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
