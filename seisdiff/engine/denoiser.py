"""The sampling-side wrapper (k-diffusion style): one object owns the model-space conventions.

`Denoiser(x_ve, sigma_ve, cond_model, scalars) -> x0_hat` works in the VE form x_ve = x0 + sigma_ve·eps
used by the samplers (`sample_x(denoise, x, sigmas_ve, …)`); inside, it converts to the VP input the
network was trained on and turns the network's prediction (eps, v or x0) into x0_hat. Its `scaler`
converts the conditioning to model units and the samples back to m/s².
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from seisdiff.engine.checkpoint import load_checkpoint, load_state
from seisdiff.engine.config import TrainConfig, config_from_dict
from seisdiff.engine.model import UNet1d
from seisdiff.engine.scaling import Scaler
from seisdiff.engine.schedule import CosineSchedule, vp_from_ve, x0_from_prediction


class Denoiser(nn.Module):
    """x0 estimate from a VE-noised record, in model units (see the module docstring)."""

    def __init__(self, model: nn.Module, schedule: CosineSchedule, scaler: Scaler, target: str):
        super().__init__()
        self.model, self.schedule, self.scaler, self.target = model, schedule, scaler, target

    @property
    def sigma_min(self) -> float:
        return self.schedule.sigma_ve_min

    @property
    def sigma_max(self) -> float:
        return self.schedule.sigma_ve_max

    def forward(self, x_ve: torch.Tensor, sigma_ve, cond_model: torch.Tensor, scalars: torch.Tensor) -> torch.Tensor:
        """x_ve, cond_model (B, C, L) model units; sigma_ve float or (B,); scalars (B, S) → x0_hat (B, C, L) float32."""
        b = x_ve.shape[0]
        sigma_ve = torch.as_tensor(sigma_ve, dtype=torch.float64).reshape(-1).expand(b).cpu()
        alpha, sigma = vp_from_ve(sigma_ve)
        x_t = x_ve.float() * alpha.float().to(x_ve.device)[:, None, None]
        # below the schedule's range the network has never been trained: feed it the smallest level it knows
        log_sigma = torch.log(sigma_ve.clamp(min=self.sigma_min)).float().to(x_ve.device)
        pred = self.model(x_t, log_sigma, cond_model, scalars.to(x_ve.device)).float()
        return x0_from_prediction(pred, x_t, alpha.to(x_ve.device), sigma.to(x_ve.device), self.target)


class LoadedModel(NamedTuple):
    """A checkpoint ready to sample: what `load_denoiser` returns."""

    denoiser: Denoiser           # EMA weights, eval mode, on its device
    config: TrainConfig          # the configuration it was trained with
    scaler: Scaler               # its physical ↔ model conversion
    store_spec: dict | None      # the training store's rate, window and filters (checkpoint "store")
    source: str                  # where it was loaded from
    level_model: dict | None = None  # the high-frequency level model (`engine.hf_level`), if fitted


def load_denoiser(checkpoint, device="cpu") -> LoadedModel:
    """The model of a checkpoint path or an already loaded checkpoint dict, ready to sample on device."""
    path = checkpoint if isinstance(checkpoint, (str, Path)) else "checkpoint"
    ckpt = load_checkpoint(checkpoint) if isinstance(checkpoint, (str, Path)) else checkpoint
    config = config_from_dict(ckpt["config"], str(path))
    model = UNet1d(config.model)
    load_state(model, ckpt["ema"], path, "EMA weights")
    scaler = Scaler.from_dict(ckpt["scaling"])
    schedule = CosineSchedule(config.logsnr_min, config.logsnr_max)
    denoiser = Denoiser(model, schedule, scaler, config.target).to(device).eval().requires_grad_(False)
    source = str(Path(path).resolve()) if isinstance(checkpoint, (str, Path)) else str(ckpt.get("source") or path)
    return LoadedModel(denoiser, config, scaler, ckpt.get("store"), source, ckpt.get("level_model"))
