"""Fused diffusion-training kernels (Triton) with a PyTorch reference; see dispatch for backends.

add_noise(x0, alpha, sigma, seed, backend="auto", record_offset=0) -> x_t
diffusion_loss(pred, x0, alpha, sigma, weight, seed, target="eps", reduction="mean",
               backend="auto", record_offset=0) -> loss
Both work in model units; the engine converts physical signals before calling them. A record's noise
depends on (seed, record_offset + its index in the batch): a micro-batch passes the index of its first
record in the step's whole batch and draws the noise of that batch's records.
"""
from seisdiff.kernels.dispatch import add_noise, diffusion_loss

__all__ = ["add_noise", "diffusion_loss"]
