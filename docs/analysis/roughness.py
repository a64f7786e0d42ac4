"""Would high bands as uneven across frequency as the real records' close the Arias gap? (issue #20; the depth
term's fold table: every failed check but one passes, but Arias rises to +0.225, past its 0.2, and
crossval_2026-12.md, "At the same band level, real records carry more energy": real spectra are more uneven
than the network's, 0.37–0.45 against 0.29–0.32, so at the same band level they carry ~0.1 ln more energy.)

    python docs/analysis/roughness.py SRC_CV DEST_CV [--seed 0]
    python -m seisdiff.cli crossval --data STORE --out DEST_CV --config CONFIG [--seed 0]   (evaluation only)

Offline, on a finished cross-validation (SRC_CV: its fold models, level models and samples): each fold's
directory is copied to DEST_CV and its samples' high band made rougher — a random zero-phase gain
exp(w(f)·ε(ln f)), ε piecewise linear between knots every ln(25/2)/16 in ln f (aligned on
`metrics.spectral_unevenness`' bin centres, 1 Hz to Nyquist), iid N(0, s²), w rising from 0 at 1 Hz to 1 at
2 Hz in ln f — then its band levels put back where they were (`hf_level.set_band_levels`), so the level model's
levels, the low band and the timing stay as generated. s per fold from its training regions' real records
only, and the fold's own samples: s² = (median u_real² − median u_gen²) / c, u the unevenness (u_gen the
network's, before roughening; what random phases alone would give, u_noise, white noise under each real
record's own > 2 Hz envelope, is printed beside: about 0.12, far below u_gen's 0.29–0.32); c the
unevenness variance one unit of knot variance adds once binned, detrended and levelled (`hf_texture.calibration`,
measured on noise: about 0.46, the bins averaging the knots' interpolation). The gain, its knots and c are the
package's (`engine/hf_texture.py`, which applies the same texture per trace at sampling). The fold's evaluation is
deleted so that `crossval` on DEST_CV evaluates again and nothing else. Measured 2026-12-03 on the depth
term's folds: Arias +0.225 → +0.102, sigma +0.016, the Mediterranean's PSA check failed at both seeds; not
adopted (MEASUREMENTS, "Spectra as uneven as the real ones").
"""
import argparse
import shutil
from pathlib import Path

import numpy as np
import zarr

from seisdiff.dsp import highpass, lowpass
from seisdiff.engine import hf_level, hf_texture
from seisdiff.engine.checkpoint import load_checkpoint
from seisdiff.evaluate.metrics import spectral_unevenness
from seisdiff.io.store import open_store

ENVELOPE_S = 1.0


def roughen(x_mps2, rate_hz: float, lowpass_hz: float, band_list, sd: float, rng) -> np.ndarray:
    """x_mps2 (m, L) with its high band (x − lowpass(x, lowpass_hz, order 4)) made rougher by
    `hf_texture.gains` (one knot sd for all, drawn from rng), its band levels in band_list restored."""
    x = np.asarray(x_mps2, np.float64)
    low = lowpass(x, rate_hz, lowpass_hz, 4)
    unit = rng.standard_normal((len(x), len(hf_texture.knots_ln_hz(rate_hz))))
    return low + hf_texture.roughen_by(x - low, unit, np.full(len(x), sd), band_list, rate_hz)


def noise_like(x_mps2, rate_hz: float, rng) -> np.ndarray:
    """White noise under each trace's own > 2 Hz envelope (ENVELOPE_S moving rms): its spectrum is smooth, its
    unevenness the random-phase scatter of a record of that duration."""
    hf = highpass(np.asarray(x_mps2, np.float64), rate_hz, hf_texture.TAPER_HZ[1], 4)
    k = max(1, int(ENVELOPE_S * rate_hz))
    kernel = np.ones(k) / k
    env = np.sqrt(np.apply_along_axis(lambda p: np.convolve(p, kernel, mode="same"), -1, hf ** 2))
    return env * rng.standard_normal(env.shape)


def fold_sd(train_path: Path, band_list, u_gen: float, seed: int = 0) -> tuple[float, float, float]:
    """(s, median u_real, median u_noise) from the real records of a fold's training store and the median
    unevenness u_gen of its generated records."""
    store = open_store(train_path)
    real = hf_level.record_regions(store.column("region"), store.column("event")) != hf_level.SIMULATED
    broadband = store.read(fields=("broadband",))["broadband"]
    x = broadband[real].reshape(-1, broadband.shape[-1])
    rate_hz = store.sampling_rate_hz
    u_real = np.nanmedian(spectral_unevenness(x, rate_hz))
    u_noise = np.nanmedian(spectral_unevenness(noise_like(x, rate_hz, np.random.default_rng(seed)), rate_hz))
    c = hf_texture.calibration(x.shape[-1], float(rate_hz), tuple(tuple(b) for b in band_list))
    return float(np.sqrt(max(0.0, u_real ** 2 - u_gen ** 2) / c)), float(u_real), float(u_noise)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("src", type=Path)
    p.add_argument("dest", type=Path)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    folds = sorted(d for d in a.src.iterdir() if (d / "samples.zarr").is_dir())
    for i, fold in enumerate(folds):
        d = a.dest / fold.name
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(fold, d, ignore=shutil.ignore_patterns("eval*"))
        level = load_checkpoint(d / "model" / "best.pt")["level_model"]
        band_list, _, _ = hf_level.bands(level)
        samples = open_store(d / "samples.zarr")
        x = samples.read()["broadband"]
        u_gen = float(np.nanmedian(spectral_unevenness(x, samples.sampling_rate_hz)))
        sd, u_real, u_noise = fold_sd(d / "train.zarr", band_list, u_gen)
        rng = np.random.default_rng([a.seed, i])
        rough = roughen(x.reshape(-1, x.shape[-1]), samples.sampling_rate_hz, samples.lowpass_hz, band_list, sd,
                        rng).reshape(x.shape).astype(np.float32)
        zarr.open_array(str(d / "samples.zarr" / "broadband"), mode="r+")[:] = rough
        zarr.open_array(str(d / "samples.zarr" / "pga_broadband"), mode="r+")[:] = np.abs(rough).max(axis=(1, 2))
        for meta in (d / "samples.zarr" / "zarr.json", d / "samples.zarr" / "sample_config.json"):
            if meta.is_file():       # the sampling settings name the fold's paths: crossval resumes only on its own
                meta.write_text(meta.read_text().replace(str(fold.parent.resolve()), str(a.dest.resolve())))
        print(f"{fold.name}: s {sd:.3f} (training regions' real u {u_real:.3f}, noise u {u_noise:.3f}); "
              f"samples' u {u_gen:.3f} → "
              f"{np.nanmedian(spectral_unevenness(rough, samples.sampling_rate_hz)):.3f}", flush=True)


if __name__ == "__main__":
    main()
