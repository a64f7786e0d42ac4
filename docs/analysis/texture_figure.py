"""The texture, seen: a held-out record's Fourier spectrum beside its generated ones with and without the
texture (docs/MEASUREMENTS.md, "Depth and texture, shipped").

    python docs/analysis/texture_figure.py OLD_CV NEW_CV OUT.png [--folds taiwan japan western_us]

OLD_CV, NEW_CV: two finished `crossval` folders sampled at the same seed, before and after the texture (the
tenth session's cvS2 and cvT2). For each fold named, the test record whose real unevenness is nearest its
fold's median: its real |FAS| (m/s), and the generated ones, in the 2–25 Hz bins of
`dsp.level.spectral_unevenness` (64 bins here, to show the bumps) and Konno–Ohmachi-free, so that what is
drawn is what the unevenness measures; each curve labelled with its unevenness (ln units).
"""
import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from seisdiff.dsp.level import spectral_unevenness  # noqa: E402
from seisdiff.io.store import open_store  # noqa: E402

BAND_HZ = (1.0, 30.0)
BINS = 64


def binned_fas(x, rate_hz):
    """(bin centres Hz, rms |rfft(x)|/fs in each log bin) of trace x."""
    f = np.fft.rfftfreq(len(x), 1.0 / rate_hz)
    power = np.abs(np.fft.rfft(x) / rate_hz) ** 2
    edges = np.geomspace(*BAND_HZ, BINS + 1)
    keep = [(f >= lo) & (f < hi) for lo, hi in zip(edges[:-1], edges[1:])]
    return np.sqrt(edges[:-1] * edges[1:]), np.array([np.sqrt(power[k].mean()) if k.any() else np.nan for k in keep])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--folds", nargs="+", default=["taiwan", "japan", "western_us"])
    a = p.parse_args()
    fig, axes = plt.subplots(1, len(a.folds), figsize=(4.2 * len(a.folds), 3.6), squeeze=False)
    for ax, fold in zip(axes[0], a.folds):
        real = open_store(a.new / fold / "test.zarr")
        rate_hz = real.sampling_rate_hz
        x_real = real.read()["broadband"][:, 0].astype(np.float64)
        u_real = spectral_unevenness(x_real, rate_hz)
        i = int(np.nanargmin(np.abs(u_real - np.nanmedian(u_real))))
        rid = real.record_ids[i]
        curves = [("real", x_real[i], "k")]
        for label, cv, colour in (("generated, no texture", a.old, "tab:orange"), ("generated, texture", a.new, "tab:blue")):
            gen = open_store(cv / fold / "samples.zarr")
            j = int(np.flatnonzero(gen.column("source_record_id") == rid)[0])
            curves.append((label, gen.read(j, j + 1)["broadband"][0, 0].astype(np.float64), colour))
        for label, x, colour in curves:
            f_hz, fas = binned_fas(x, rate_hz)
            ax.loglog(f_hz, fas, color=colour, lw=1.3 if label == "real" else 1.0,
                      label=f"{label} (u {float(spectral_unevenness(x, rate_hz)):.2f})")
        ax.axvspan(2.0, 25.0, color="0.93", zorder=0)
        ax.set_title(f"{fold}: {rid}", fontsize=8)
        ax.set_xlabel("frequency (Hz)")
        ax.legend(fontsize=7, loc="lower left")
    axes[0][0].set_ylabel("Fourier amplitude (m/s)")
    fig.suptitle("Held-out regions: the unevenness u is measured over 2–25 Hz (shaded)", fontsize=9)
    fig.tight_layout()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=110)
    print(json.dumps({"figure": str(a.out)}))


if __name__ == "__main__":
    main()
