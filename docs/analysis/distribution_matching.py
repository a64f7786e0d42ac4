"""Can distribution matching take the ODE's peaks out of the distilled twin? (issue #16; MEASUREMENTS, "Where
the twin's peaks come from": its high band is the probability-flow ODE's, 4.81 crest factor against
DDPM-1000's 4.12–4.25.)

    python docs/analysis/distribution_matching.py train STORE OUT MINUTES [--lr 1e-5] [--batch 16] [--anchor 10]
    python docs/analysis/distribution_matching.py report STORE OUT [--label DMD] [--cache FILE.npz]

`train` fine-tunes the shipped twin (pretrained/distilled.pt, 2 evaluations, ancestral t 1 → 0.5 → 0) by
distribution-matching distillation (DMD, Yin et al. 2024) against the shipped default, on the conditioning
of STORE's training split (the default's own store, final5.zarr; resumable: OUT/last.pt):
- the generator G (the twin) samples x from the conditioning, with gradients through both steps;
- its gradient at x is w · (F(x_t) − R(x_t)), x_t = x + σ_t·n, t ~ U(0.02, 0.98): R the default (frozen),
  F a "fake" denoiser started from the default and trained online, two steps per generator step, with
  the default's own loss on G's samples; w = 1 / mean|x − R(x_t)| per record;
- a spectral anchor keeps the level, which the twin has right: ANCHOR × the mean squared difference of
  ln power in 8 log-spaced bands over 1–25 Hz between G's sample and the shipped twin's from the same
  noise (without it 8 steps made the high band 0.7 ln stronger).
`report` generates the default's 24 validation records (never trained or distilled on; 2048 samples, no
merge, 2 realizations) with DDPM-1000 at two seeds, DDPM-100, the twin and the tuned twin; prints the
crest factor of the > 2 Hz band and the band biases against DDPM-1000 (`sampler_peaks.py`'s table), then
the default's own denoising error on each sampler's samples (mean ||R(x + σ_t ε) − x||² / ||x||², the
same noise for all): how far off its distribution the default finds them — the signal DMD follows.
"""
import argparse
import json
import math
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
from seisdiff.engine.checkpoint import load_checkpoint, load_state, save_checkpoint  # noqa: E402
from seisdiff.engine.data import BatchLoader, split_indices  # noqa: E402
from seisdiff.engine.denoiser import Denoiser, load_denoiser  # noqa: E402
from seisdiff.engine.diffusion import forward_loss, step_seed  # noqa: E402
from seisdiff.engine.generate import generate  # noqa: E402
from seisdiff.engine.model import UNet1d  # noqa: E402
from seisdiff.engine.scaling import metadata_columns  # noqa: E402
from seisdiff.evaluate.samplers import COMPARE_FREQS_HZ, COMPARE_PERIODS_S  # noqa: E402
from seisdiff.evaluate.spectra import smoothed_fas  # noqa: E402
from seisdiff.io.store import open_store  # noqa: E402
from seisdiff.pretrained import DEFAULT_CHECKPOINT, DISTILLED_CHECKPOINT  # noqa: E402

T_RANGE, FAKE_STEPS, FAKE_LR = (0.02, 0.98), 2, 5e-5
ANCHOR_BANDS_HZ, ANCHOR_BINS = (1.0, 25.0), 8


def networks():
    teacher, twin = load_checkpoint(DEFAULT_CHECKPOINT), load_checkpoint(DISTILLED_CHECKPOINT)
    base = load_denoiser(teacher)

    def wrap(state, trainable):
        net = UNet1d(base.config.model)
        load_state(net, {k: v.float() for k, v in state.items()}, "pretrained", "weights")
        d = Denoiser(net, base.denoiser.schedule, base.scaler, base.config.target)
        return d.train() if trainable else d.eval().requires_grad_(False)

    return base, twin, wrap(twin["ema"], True), wrap(teacher["ema"], True), wrap(twin["ema"], False)


def anchor_bands(window: int, rate_hz: float):
    """x (…, window) → ln mean power in ANCHOR_BINS log-spaced bands over ANCHOR_BANDS_HZ (…, ANCHOR_BINS):
    the spectral anchor that keeps a tuned twin's level at the shipped twin's; torch, differentiable."""
    freqs = torch.fft.rfftfreq(window, 1 / rate_hz)
    edges = np.geomspace(*ANCHOR_BANDS_HZ, ANCHOR_BINS + 1)
    masks = torch.stack([((freqs >= lo) & (freqs < hi)).float() for lo, hi in zip(edges[:-1], edges[1:])])
    return lambda x: torch.log((torch.fft.rfft(x, dim=-1).abs()[..., None, :] ** 2 * masks).sum(-1)
                               / masks.sum(-1) + 1e-12)


def twin_sample(model, cond, scalars, z1, z2, sigma_top, sigma_mid):
    """The twin's sampler (ancestral, sigma_top → sigma_mid → 0) from noises z1, z2: `samplers.sample_ddpm`'s
    steps with the noises passed in, so that the tuned and the shipped twin share them, gradients kept."""
    x = sigma_top * z1
    x0 = model(x, sigma_top, cond, scalars)
    r2 = (sigma_mid / sigma_top) ** 2
    return model(x0 + r2 * (x - x0) + sigma_mid * math.sqrt(1 - r2) * z2, sigma_mid, cond, scalars)


def train(store_path, out: Path, minutes: float, lr: float, batch: int, anchor: float) -> None:
    torch.set_num_threads(2)
    out.mkdir(parents=True, exist_ok=True)
    base, twin_ckpt, G, F, T0 = networks()
    R, schedule, window = base.denoiser, base.denoiser.schedule, base.config.data.window
    opt_g = torch.optim.AdamW(G.model.parameters(), lr=lr, betas=(0.0, 0.99), weight_decay=0.0)
    opt_f = torch.optim.AdamW(F.model.parameters(), lr=FAKE_LR, betas=(0.0, 0.99), weight_decay=0.0)
    step = 0
    if (out / "last.pt").is_file():
        st = load_checkpoint(out / "last.pt")
        G.model.load_state_dict(st["g"]), F.model.load_state_dict(st["f"])
        opt_g.load_state_dict(st["opt_g"]), opt_f.load_state_dict(st["opt_f"])
        step = st["step"]
    store = open_store(store_path)
    train_idx, _ = split_indices(store, base.config.data.val_fraction, base.config.seed)
    loader = BatchLoader(store, train_idx, base.scaler, base.config.data, batch, 7)
    sigma = lambda t: float(schedule.sigma_ve(torch.tensor([t], dtype=torch.float64)))
    top, mid = sigma(1.0), sigma(0.5)
    ln_bands = anchor_bands(window, store.sampling_rate_hz)

    def save():
        save_checkpoint(out / "last.pt", {"g": G.model.state_dict(), "f": F.model.state_dict(), "step": step,
                                          "opt_g": opt_g.state_dict(), "opt_f": opt_f.state_dict()})

    t0, log = time.perf_counter(), open(out / "log.jsonl", "a")
    epoch = step // max(1, loader.steps_per_epoch())
    while time.perf_counter() - t0 < minutes * 60:
        for (b,) in loader.epoch(100 + epoch):
            if time.perf_counter() - t0 >= minutes * 60:
                break
            cond, scalars = b["cond"], b["scalars"]
            gen = torch.Generator().manual_seed(step_seed(11, step, 0))
            z1, z2 = torch.randn(cond.shape, generator=gen), torch.randn(cond.shape, generator=gen)
            x = twin_sample(G, cond, scalars, z1, z2, top, mid)
            with torch.no_grad():
                x_ref = twin_sample(T0, cond, scalars, z1, z2, top, mid)
                t = T_RANGE[0] + (T_RANGE[1] - T_RANGE[0]) * torch.rand(x.shape[0], generator=gen, dtype=torch.float64)
                sig = schedule.sigma_ve(t)
                x_t = x + sig.float()[:, None, None] * torch.randn(x.shape, generator=gen)
                real, fake = R(x_t, sig, cond, scalars), F.eval()(x_t, sig, cond, scalars)
                grad = (fake - real) / (x - real).abs().mean(dim=(1, 2), keepdim=True).clamp(min=1e-6)
            loss_dmd = 0.5 * ((x - (x - grad).detach()) ** 2).mean()
            loss_anchor = ((ln_bands(x) - ln_bands(x_ref)) ** 2).mean()
            opt_g.zero_grad(set_to_none=True)
            (loss_dmd + anchor * loss_anchor).backward()
            torch.nn.utils.clip_grad_norm_(G.model.parameters(), 1.0)
            opt_g.step()
            F.train()
            for k in range(FAKE_STEPS):        # the fake denoiser follows the generator's samples
                loss_f = forward_loss(F.model, x.detach(), cond, scalars, step_seed(13, step, k), schedule,
                                      base.config.target, base.config.min_snr_gamma).loss
                opt_f.zero_grad(set_to_none=True)
                loss_f.backward()
                torch.nn.utils.clip_grad_norm_(F.model.parameters(), 1.0)
                opt_f.step()
            step += 1
            log.write(json.dumps({"step": step, "loss_dmd": float(loss_dmd.detach()), "grad_rms": float(grad.pow(2).mean().sqrt()),
                                  "loss_anchor": float(loss_anchor.detach()), "loss_fake": float(loss_f.detach()),
                                  "seconds": round(time.perf_counter() - t0, 1)}) + "\n")
            if step % 50 == 0:
                log.flush()
                save()
        epoch += 1
    save()
    print(f"{out / 'last.pt'}: {step} generator steps")


def report(store_path, out: Path, label: str = "DMD", cache: Path | None = None) -> None:
    """The table above for OUT/last.pt's generator (`label`: how it was tuned); cache: an .npz that keeps the
    untuned samplers' samples (the same records, noises and seeds every time) across reports."""
    torch.set_num_threads(2)
    base, twin_ckpt, _, _, _ = networks()
    tuned = dict(twin_ckpt)
    tuned["ema"] = load_checkpoint(out / "last.pt")["g"]
    twin, tuned = load_denoiser(twin_ckpt), load_denoiser(tuned)
    store = open_store(store_path)
    pick = validation_records(store, base.config, 24)
    window, fs = base.config.data.window, store.sampling_rate_hz
    lp = store.read()["lowpass"][pick, :, :window]
    meta = metadata_columns({c: store.column(c)[pick] for c in store.columns})
    ids = [str(store.record_ids[i]) for i in pick]
    schedule = base.denoiser.schedule
    sigma = lambda t: float(schedule.sigma_ve(torch.tensor([t], dtype=torch.float64)))
    twin_grid = torch.tensor([sigma(1.0), sigma(0.5), 0.0], dtype=torch.float64)
    runs = [("DDPM-1000 (reference)", base.denoiser, 1000, None, 0), ("DDPM-1000, seed 1", base.denoiser, 1000, None, 1),
            ("DDPM-100", base.denoiser, 100, None, 0), ("twin (shipped)", twin.denoiser, 2, twin_grid, 0),
            (f"twin after {label} ({load_checkpoint(out / 'last.pt')['step']} steps)", tuned.denoiser, 2, twin_grid, 0)]
    get_sigmas, samples = samplers.get_sigmas, {}
    cached = dict(np.load(cache)) if cache is not None and Path(cache).is_file() else {}
    for name, model, steps, grid, seed in runs:
        if name in cached:
            samples[name] = cached[name]
            continue
        samplers.get_sigmas = get_sigmas if grid is None else (lambda *_, g=grid, **__: g)
        x = np.zeros((len(pick), 2, window))
        where = {rid: i for i, rid in enumerate(ids)}
        for rid, k, acc in generate(model, base.scaler, base.config, lp, ids, realizations=2, steps=steps,
                                    sampler="ddpm", seed=seed, batch_size=24, lf_merge=False, metadata=meta):
            x[where[rid], k] = acc[0]
        samples[name] = x
    samplers.get_sigmas = get_sigmas
    if cache is not None:
        np.savez(cache, **{name: samples[name] for name, *_ in runs[:-1]})
    ref = samples[runs[0][0]]
    spec = lambda x: (np.log(np.maximum(psa(x, fs, COMPARE_PERIODS_S), 1e-30)),
                      np.log(np.maximum(smoothed_fas(x, fs, COMPARE_FREQS_HZ), 1e-30)))
    (rp, rf), rc = spec(ref), band_stats(ref.reshape(-1, window), fs)[3]
    spread = lambda p: p.std(axis=1, ddof=1).mean()   # compare_samplers' sigma: sd between realizations of ln PSA
    print("| sampler | crest factor | ln(ref/sampler) | PSA bias | FAS bias | sigma − ref's | PGA ln(ref/sampler) |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for name, x in samples.items():
        (p, f), c = spec(x), band_stats(x.reshape(-1, window), fs)[3]
        print(f"| {name} | {np.median(c):.2f} | {np.median(np.log(rc)) - np.median(np.log(c)):+.3f} | "
              f"{(rp.mean(1) - p.mean(1)).mean():+.3f} | {(rf.mean(1) - f.mean(1)).mean():+.3f} | "
              f"{spread(p) - spread(rp):+.3f} | {np.median(np.log(np.abs(ref).max(-1) / np.abs(x).max(-1))):+.3f} |")
    cond, log_scale = base.scaler.cond_to_model(torch.from_numpy(lp.astype(np.float32)))
    scalars = base.scaler.scalars(log_scale, **meta)
    levels = (0.1, 0.2, 0.3, 0.45, 0.6, 0.75)
    print("\nthe default's denoising error on each sampler's samples, mean ||R(x + σ_t ε) − x||² / ||x||²:\n")
    print("| sampler | " + " | ".join(f"t = {t}" for t in levels) + " |\n|---|" + "---:|" * len(levels))
    for name, x_mps2 in samples.items():
        err = np.zeros(len(levels))
        for k in range(2):
            x = base.scaler.to_model(torch.from_numpy(x_mps2[:, k, None].astype(np.float32)),
                                     torch.from_numpy(lp.astype(np.float32)))[0]
            for j, t in enumerate(levels):
                eps = torch.randn(x.shape, generator=torch.Generator().manual_seed(100 * j + k))
                with torch.no_grad():
                    d = base.denoiser(x + sigma(t) * eps, sigma(t), cond, scalars)
                err[j] += float(((d - x) ** 2).sum((1, 2)).div((x ** 2).sum((1, 2))).mean()) / 2
        print(f"| {name} | " + " | ".join(f"{e:.4f}" for e in err) + " |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=("train", "report"))
    p.add_argument("store")
    p.add_argument("out", type=Path)
    p.add_argument("minutes", type=float, nargs="?", default=40.0)
    p.add_argument("--lr", type=float, default=1e-5)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--anchor", type=float, default=10.0)
    p.add_argument("--label", default="DMD", help="report: how OUT/last.pt's generator was tuned")
    p.add_argument("--cache", type=Path, help="report: .npz keeping the untuned samplers' samples")
    a = p.parse_args()
    if a.mode == "train":
        train(a.store, a.out, a.minutes, a.lr, a.batch, a.anchor)
    else:
        report(a.store, a.out, a.label, a.cache)


if __name__ == "__main__":
    main()
