"""Classifier-free guidance over the metadata, measured without touching the product: crossval with each
fold model's denoiser wrapped as x0_uncond + w (x0_cond - x0_uncond), uncond = every metadata field but
the component unknown (NaN, as metadata dropout trained it); w = 1 is the product as it is.
docs/crossval_2026-12.md, "Levers measured and not kept (2026-12-03)". Usage:
python docs/analysis/guidance.py W crossval --data STORE --out DIR --config CONFIG (any `seisdiff` command
that samples, with W the guidance weight)."""
import sys

import torch

import seisdiff.engine.denoiser as D
from seisdiff.engine.scaling import ALWAYS_KNOWN

W = float(sys.argv[1])
orig = D.load_denoiser


class Guided(torch.nn.Module):
    def __init__(self, den, w):
        super().__init__()
        self.den, self.w = den, w
        self.schedule, self.scaler, self.target = den.schedule, den.scaler, den.target
        self.sigma_min, self.sigma_max = den.sigma_min, den.sigma_max
        self.hide = [1 + i for i, m in enumerate(den.scaler.metadata) if m not in ALWAYS_KNOWN]

    def forward(self, x, s, c, sc):
        xc = self.den(x, s, c, sc)
        su = sc.clone()
        su[:, self.hide] = float("nan")
        xu = self.den(x, s, c, su)
        return xu + self.w * (xc - xu)


def patched(*a, **k):
    m = orig(*a, **k)
    print(f"guidance w={W}: hiding scalar columns {Guided(m.denoiser, W).hide} of metadata {m.scaler.metadata}", flush=True)
    return m._replace(denoiser=Guided(m.denoiser, W))


D.load_denoiser = patched
from seisdiff.cli import main  # noqa: E402
sys.exit(main(sys.argv[2:]))
