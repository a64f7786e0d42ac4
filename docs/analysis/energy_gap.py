"""Do generated records carry as much energy as real ones for the same band level? (issue #20: Arias
misses its goal while PSA, FAS and PGA meet theirs.) docs/crossval_2026-12.md, "The training band's
top, and two levers measured and not kept". Usage: python docs/analysis/energy_gap.py REAL GENERATED
[REAL GENERATED …], pairs of stores (a `crossval` fold's test.zarr and samples.zarr; or any real store
and `seisdiff sample`'s output from it, first realization).

The level model sets a band's level as `hf_level.band_level` measures it: the mean over 8 log-spaced
bins of ln(mean power in the bin), each bin weighing the same, as PSA and FAS weigh frequencies. Arias
intensity is the energy, Σ power over linear frequency. Per record and band (2–6, 8–25 Hz) the energy
ratio ln(E_real / E_gen) minus twice the level ratio 2·(level_real − level_gen) is the gap: positive
where, at equal level, the real record holds more energy (a spectrum more uneven across the band, or
tilted towards the band's top). Then the unevenness itself (`evaluate.metrics.spectral_unevenness`: the
sd of the ln Fourier amplitude in 16 log-spaced bins over 2–25 Hz about a straight line in ln f), real
and generated. Medians over records."""
import sys

import numpy as np

from seisdiff.engine import hf_level
from seisdiff.evaluate.metrics import spectral_unevenness
from seisdiff.io.store import open_store


def pair(real_path, gen_path):
    real, gen = open_store(real_path), open_store(gen_path)
    row = {str(r)[:-3]: i for i, r in enumerate(gen.record_ids) if str(r).endswith("_r0")}
    a = real.read(0, len(real), fields=("broadband",))["broadband"][:, 0].astype(np.float64)
    b = gen.read(0, len(gen), fields=("broadband",))["broadband"][:, 0].astype(np.float64)
    return a, b[[row[str(r)] for r in real.record_ids]], real.sampling_rate_hz


print("| real | energy 2–6 Hz | 2 × level | gap | energy 8–25 Hz | 2 × level | gap | Arias ln(real/gen) | "
      "unevenness real / gen |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
gaps = []
for real_path, gen_path in zip(sys.argv[1::2], sys.argv[2::2]):
    a, b, fs = pair(real_path, gen_path)
    freqs_hz = np.fft.rfftfreq(a.shape[-1], 1.0 / fs)
    power_a, power_b = np.abs(np.fft.rfft(a)) ** 2, np.abs(np.fft.rfft(b)) ** 2
    cells, gap = [], []
    for band in hf_level.BANDS_HZ:
        inside = (freqs_hz >= band[0]) & (freqs_hz < band[1])
        energy = np.log(power_a[:, inside].sum(1) / power_b[:, inside].sum(1))
        level = 2.0 * (hf_level.band_level(a, fs, band) - hf_level.band_level(b, fs, band))
        gap.append(np.median(energy - level))
        cells += [f"{np.median(energy):+.2f}", f"{np.median(level):+.2f}", f"{gap[-1]:+.2f}"]
    gaps.append(gap)
    arias = np.median(np.log((a * a).sum(1) / (b * b).sum(1)))
    uneven = f"{np.median(spectral_unevenness(a, fs)):.2f} / {np.median(spectral_unevenness(b, fs)):.2f}"
    print(f"| {real_path} | " + " | ".join(cells) + f" | {arias:+.2f} | {uneven} |")
print(f"| mean gap | | | {np.mean(gaps, 0)[0]:+.2f} | | | {np.mean(gaps, 0)[1]:+.2f} | | |")
