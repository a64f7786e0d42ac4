"""PyTorch reference for the fused diffusion kernels; the CPU path of the engine.

Everything here is in model units. The noise is the one `tl.randn4x(seed, counter)` draws inside the
Triton kernels (Philox4x32-10, then Box–Muller on words 1–2 and 3–4, cos and sin, as in
triton/language/random.py; layout in `noise`), so the reference and the kernels can be compared
element by element. A record's noise depends on (seed, its index in the step's whole batch): a batch
that is micro-batch j of a step passes `record_offset`, the index of its first record, and draws what
its records draw in the whole batch.
Unsigned 32-bit words are held in int64 tensors masked to 32 bits: PyTorch has no full uint32 maths.
"""

import numpy as np
import torch

_MASK32 = 0xFFFFFFFF
_KEY_A, _KEY_B = 0x9E3779B9, 0xBB67AE85      # Philox key increments (Weyl constants)
_ROUND_A, _ROUND_B = 0xD2511F53, 0xCD9E8D57  # Philox round multipliers
_N_ROUNDS = 10
NOISE_BLOCK = 4096                 # elements of a record per kernel program: part of the noise's definition
NOISE_QUARTER = NOISE_BLOCK // 4   # one randn4x counter per four elements
# float32 constants exactly as Triton rounds its literals
_INT_TO_UNIT = float(np.float32(4.6566127342e-10))  # just below 2**-31: max int32 maps below 1.0
_TWO_PI = float(np.float32(6.283185307179586))
_U1_MIN = float(np.float32(1.0e-7))
TARGETS = ("eps", "v", "x0")


def philox4x32_10(counter: tuple, seed: int) -> tuple:
    """Philox4x32-10 (Salmon et al. 2011) as `triton.language.random.philox`, key (seed_lo,
    seed_hi).

    counter: four int64 tensors of one shape holding uint32 words; seed: int in [0, 2**63).
    Returns the four output words, int64 tensors in [0, 2**32).
    """
    c0, c1, c2, c3 = (word.to(torch.int64).clone() for word in counter)  # c0, c2 mutate in place
    k0, k1 = seed & _MASK32, (seed >> 32) & _MASK32
    for _ in range(_N_ROUNDS):
        # 32x32-bit products wrap past 2**63 in int64; the arithmetic shift then leaves the high
        # word plus a multiple of 2**32, which the mask removes, and the low word is exact.
        prod_b, prod_a = c2.mul_(_ROUND_B), c0.mul_(_ROUND_A)
        c0 = (prod_b >> 32).bitwise_xor_(c1).bitwise_xor_(k0).bitwise_and_(_MASK32)
        c2 = (prod_a >> 32).bitwise_xor_(c3).bitwise_xor_(k1).bitwise_and_(_MASK32)
        c1, c3 = prod_b.bitwise_and_(_MASK32), prod_a.bitwise_and_(_MASK32)
        k0, k1 = (k0 + _KEY_A) & _MASK32, (k1 + _KEY_B) & _MASK32
    return c0, c1, c2, c3


def _uint32_to_unit_float(word: torch.Tensor) -> torch.Tensor:
    """uint32 word → float32 in [0, 1), as triton's `uint_to_uniform_float`."""
    # read as int32, negatives become ~x: i.e. words >= 2**31 fold to 2**32 - 1 - word
    folded = torch.where(word >= 2**31, word ^ _MASK32, word)
    return folded.to(torch.float32) * _INT_TO_UNIT


def _resolve_mkl_dispatch() -> None:
    """Call log, cos and sqrt once on one thread. oneMKL 2024.2 picks each VML kernel on its first
    call; when that call runs on several threads at once, one chunk may get a low-accuracy kernel
    (errors ~1e-4, seen here; pytorch/pytorch#188792)."""
    one = torch.ones(1)
    torch.log(one), torch.cos(one), torch.sin(one), torch.sqrt(one)


_resolve_mkl_dispatch()


def philox_randn4x(seed: int, counters: torch.Tensor) -> tuple:
    """Four standard normal float32 tensors shaped like `counters`, equal (to float32 rounding of
    log/cos/sin) to `tl.randn4x(seed, counters)` inside a Triton kernel: one Philox call per counter,
    Box–Muller on words (1, 2) → (r·cos θ, r·sin θ) and on words (3, 4) likewise.

    seed: int in [0, 2**63); counters: non-negative integer tensor.
    """
    counters = counters.to(torch.int64)
    zeros = torch.zeros_like(counters)
    words = philox4x32_10((counters & _MASK32, counters >> 32, zeros, zeros), seed)
    normals = []
    for w_radius, w_angle in (words[:2], words[2:]):
        radius = torch.sqrt(-2.0 * torch.log(_uint32_to_unit_float(w_radius).clamp_(min=_U1_MIN)))
        theta = _uint32_to_unit_float(w_angle) * _TWO_PI
        normals += [radius * torch.cos(theta), radius * torch.sin(theta)]
    return tuple(normals)


def noise(seed: int, shape: torch.Size, device, record_offset: int = 0) -> torch.Tensor:
    """The noise eps (B, C, L) float32 the kernels draw for a contiguous (B, C, L) batch whose record 0
    is record `record_offset` of the step's whole batch (0: the batch is the whole batch).

    Each record's C·L elements are cut into blocks of NOISE_BLOCK; a block's four quarters take the four
    normals of one `randn4x` call on counters (record · n_blocks + block) · QUARTER + i, i < QUARTER,
    record = record_offset + b: quarter q of the block holds normal q. Every element gets its own normal;
    a quarter of the Philox calls of one normal per element. Rows of noise(seed, (B + o, C, L), device)
    from o on are noise(seed, (B, C, L), device, o).
    """
    batch, channels, length = shape
    n_per_record = channels * length
    n_blocks = -(-n_per_record // NOISE_BLOCK)
    first = record_offset * n_blocks * NOISE_QUARTER
    counters = torch.arange(first, first + batch * n_blocks * NOISE_QUARTER, dtype=torch.int64, device=device)
    quarters = torch.stack(philox_randn4x(seed, counters.view(batch * n_blocks, NOISE_QUARTER)), dim=1)
    return quarters.reshape(batch, n_blocks * NOISE_BLOCK)[:, :n_per_record].reshape(shape)


def _per_record(coef: torch.Tensor) -> torch.Tensor:
    return coef.to(torch.float32).view(-1, 1, 1)


def add_noise(x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
              seed: int, record_offset: int = 0) -> torch.Tensor:
    """x_t = alpha[b]·x0 + sigma[b]·eps(seed, record_offset + b), model units.

    x0: (B, C, L) float32/bfloat16; alpha, sigma: (B,) float32. Returns (B, C, L) in x0's dtype.
    """
    eps = noise(seed, x0.shape, x0.device, record_offset)
    x_t = _per_record(alpha) * x0.to(torch.float32) + _per_record(sigma) * eps
    return x_t.to(x0.dtype)


def diffusion_target(x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor, seed: int,
                     target: str, record_offset: int = 0) -> torch.Tensor:
    """Regression target (B, C, L) float32 for the noise drawn by `add_noise(x0, …, seed,
    record_offset)`: "eps" → eps; "v" → alpha·eps − sigma·x0; "x0" → x0."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    x0 = x0.detach().to(torch.float32)
    if target == "x0":
        return x0
    eps = noise(seed, x0.shape, x0.device, record_offset)
    if target == "eps":
        return eps
    return _per_record(alpha) * eps - _per_record(sigma) * x0


def diffusion_loss(pred: torch.Tensor, x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
                   weight: torch.Tensor, seed: int, target: str = "eps",
                   reduction: str = "mean", record_offset: int = 0) -> torch.Tensor:
    """Weighted MSE between `pred` and the target for the noise of `add_noise(x0, …, seed,
    record_offset)` (model units), differentiable w.r.t. pred.

    pred, x0: (B, C, L) float32/bfloat16; alpha, sigma, weight: (B,) float32.
    Returns float32: a scalar mean over b of weight[b]·mean_{C,L}(pred − target)² ("mean"),
    or the (B,) per-record terms ("none").
    """
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    err = pred.to(torch.float32) - diffusion_target(x0, alpha, sigma, seed, target, record_offset)
    per_record = weight.to(torch.float32) * err.square().mean(dim=(1, 2))
    return per_record.mean() if reduction == "mean" else per_record
