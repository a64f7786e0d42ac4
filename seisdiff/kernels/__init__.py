"""Fused diffusion-training kernels (Triton) with a PyTorch reference; see dispatch for backends.

add_noise(x0, alpha, sigma, seed, backend="auto") -> x_t
diffusion_loss(pred, x0, alpha, sigma, weight, seed, target="eps", reduction="mean",
               backend="auto") -> loss
Both work in model units; the engine converts physical signals before calling them.
"""
from seisdiff.kernels.dispatch import add_noise, diffusion_loss

__all__ = ["add_noise", "diffusion_loss"]
