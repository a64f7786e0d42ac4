"""1-D U-Net for conditional diffusion on accelerograms (model units throughout).

Inputs: the noisy record x (B, C, L), its noise level as ln(sigma_ve) (B,), the low-pass conditioning
(B, C, L) and conditioning scalars (B, S) where NaN marks an unknown value. The conditioning record is
concatenated with x at the input and added again (average-pooled, projected) at every resolution of
both paths; the noise level (sinusoidal embedding) and the scalars (values + missing mask) modulate
every residual block through FiLM. Any length works: the input is zero-padded on the right to a
multiple of the total downsampling factor and the output cropped back.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from seisdiff.engine.config import ModelConfig


def sinusoidal_embedding(x: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) float → (B, dim) sin/cos features at frequencies geometric from 1/16 to 64 rad per unit."""
    freqs = torch.exp(torch.linspace(math.log(1 / 16), math.log(64.0), dim // 2, device=x.device))
    angles = x.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv → FiLM(emb) → SiLU → conv (zero-initialised), plus a skip path."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, kernel_size: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2)
        self.film = nn.Linear(emb_dim, 2 * c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size, padding=kernel_size // 2)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(F.silu(emb)).unsqueeze(-1).chunk(2, dim=1)
        h = self.conv2(F.silu(self.norm2(h) * (1 + scale) + shift))
        return self.skip(x) + h


class Attention(nn.Module):
    """Multi-head self-attention over time with a zero-initialised residual projection."""

    def __init__(self, channels: int, heads: int, groups: int):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj = nn.Conv1d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, n = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, n).transpose(-1, -2).unbind(1)
        h = F.scaled_dot_product_attention(q, k, v)  # (b, heads, n, c/heads)
        return x + self.proj(h.transpose(-1, -2).reshape(b, c, n))


class Level(nn.Module):
    """Residual blocks at one resolution, with the conditioning record added at its entry."""

    def __init__(self, c_in: int, c_out: int, n_blocks: int, n_channels: int, cfg: ModelConfig):
        super().__init__()
        self.cond_proj = nn.Conv1d(n_channels, c_in, 1)
        self.blocks = nn.ModuleList(
            ResBlock(c_in if i == 0 else c_out, c_out, cfg.emb_dim, cfg.kernel_size, cfg.groups) for i in range(n_blocks)
        )

    def forward(self, h: torch.Tensor, cond: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = h + self.cond_proj(cond)
        for block in self.blocks:
            h = block(h, emb)
        return h


class UNet1d(nn.Module):
    """Conditional 1-D U-Net; see the module docstring. Output has the shape of x (the target in model units)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if len(cfg.down_factors) != len(cfg.channels) - 1:
            raise ValueError(f"down_factors {cfg.down_factors} needs len(channels) - 1 = {len(cfg.channels) - 1} entries")
        self.cfg = cfg
        ch, c = cfg.channels, cfg.n_channels
        self.stem = nn.Conv1d(2 * c, ch[0], cfg.kernel_size, padding=cfg.kernel_size // 2)
        self.noise_mlp = nn.Sequential(nn.Linear(cfg.emb_dim, cfg.emb_dim), nn.SiLU(), nn.Linear(cfg.emb_dim, cfg.emb_dim))
        self.scalar_mlp = nn.Sequential(nn.Linear(2 * cfg.n_scalars, cfg.emb_dim), nn.SiLU(), nn.Linear(cfg.emb_dim, cfg.emb_dim))
        self.down = nn.ModuleList(Level(ch[max(i - 1, 0)], ch[i], cfg.blocks_per_level, c, cfg) for i in range(len(ch)))
        self.downsample = nn.ModuleList(nn.Conv1d(ch[i], ch[i], f, stride=f) for i, f in enumerate(cfg.down_factors))
        self.mid = ResBlock(ch[-1], ch[-1], cfg.emb_dim, cfg.kernel_size, cfg.groups)
        self.attn = Attention(ch[-1], cfg.heads, cfg.groups) if cfg.attention else None
        self.upsample = nn.ModuleList(
            nn.Sequential(nn.Upsample(scale_factor=f, mode="nearest"), nn.Conv1d(ch[i + 1], ch[i], cfg.kernel_size, padding=cfg.kernel_size // 2))
            for i, f in enumerate(cfg.down_factors)
        )
        self.up = nn.ModuleList(Level(2 * ch[i], ch[i], cfg.blocks_per_level, c, cfg) for i in range(len(ch)))
        self.out_norm = nn.GroupNorm(cfg.groups, ch[0])
        self.out = nn.Conv1d(ch[0], c, cfg.kernel_size, padding=cfg.kernel_size // 2)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    @property
    def total_factor(self) -> int:
        return math.prod(self.cfg.down_factors)

    def embed(self, log_sigma_ve: torch.Tensor, scalars: torch.Tensor) -> torch.Tensor:
        """(B,) noise levels and (B, S) scalars (NaN = unknown) → (B, emb_dim) embedding."""
        known = torch.isfinite(scalars)
        features = torch.cat([torch.where(known, scalars, 0.0), known.to(scalars.dtype)], dim=1)
        return self.noise_mlp(sinusoidal_embedding(log_sigma_ve, self.cfg.emb_dim)) + self.scalar_mlp(features)

    def forward(self, x: torch.Tensor, log_sigma_ve: torch.Tensor, cond: torch.Tensor, scalars: torch.Tensor) -> torch.Tensor:
        """x, cond (B, C, L) model units; log_sigma_ve (B,); scalars (B, S) → (B, C, L)."""
        length = x.shape[-1]
        pad = -length % self.total_factor
        if pad:
            x, cond = F.pad(x, (0, pad)), F.pad(cond, (0, pad))
        emb = self.embed(log_sigma_ve, scalars.to(x.dtype))
        conds, factor = [], 1
        for f in (1, *self.cfg.down_factors):
            factor *= f
            conds.append(F.avg_pool1d(cond, factor) if factor > 1 else cond)

        h = self.stem(torch.cat([x, cond], dim=1))
        skips = []
        for i, level in enumerate(self.down):
            h = level(h, conds[i], emb)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid(h, emb)
        if self.attn is not None:
            h = self.attn(h)
        for i in reversed(range(len(self.up))):
            if i < len(self.upsample):
                h = self.upsample[i](h)
            h = self.up[i](torch.cat([h, skips[i]], dim=1), conds[i], emb)
        return self.out(F.silu(self.out_norm(h)))[..., :length]
