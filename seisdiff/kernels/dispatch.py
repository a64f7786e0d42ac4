"""Choose between the Triton kernels and the PyTorch reference, and check the inputs both take.

backend: "auto" → Triton for CUDA tensors when Triton imports, else the reference;
"triton" → the kernels (CPU tensors only under TRITON_INTERPRET=1, for tests);
"torch" → the reference. The environment variable SEISDIFF_KERNELS (auto | triton | torch)
replaces "auto"; an explicit backend argument wins over it.
"""
import functools
import operator
import os

import torch

from seisdiff.errors import UserError
from seisdiff.kernels import reference

BACKENDS = ("auto", "triton", "torch")
ENV_VAR = "SEISDIFF_KERNELS"
_DTYPES = (torch.float32, torch.bfloat16)


@functools.cache
def _triton_imports() -> bool:
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend(backend: str, x: torch.Tensor) -> str:
    """The backend ("triton" or "torch") that runs on tensor x for the requested `backend`."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        backend = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
        if backend not in BACKENDS:
            raise UserError(f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a kernel backend: "
                            f"set it to auto, triton or torch, or unset it")
    if backend == "auto":
        return "triton" if x.is_cuda and _triton_imports() else "torch"
    if backend == "triton":
        if not _triton_imports():
            raise UserError("kernel backend 'triton' requested but Triton does not import: "
                            "install triton or use backend 'torch'")
        if not x.is_cuda and os.environ.get("TRITON_INTERPRET") != "1":
            raise UserError("kernel backend 'triton' needs CUDA tensors (or TRITON_INTERPRET=1): "
                            "use backend 'auto' or 'torch' on CPU")
    return backend


def _kernels():
    # imported on first use so that TRITON_INTERPRET, read when the kernels are defined, is final
    from seisdiff.kernels import diffusion
    return diffusion


def _check_inputs(seed, record_offset, signals: dict, coefficients: dict) -> tuple[int, int]:
    """Raise ValueError on shapes, dtypes or devices the kernels do not take; return the seed and the
    record offset as Python ints (Triton takes no NumPy or tensor scalars)."""
    first_name, first = next(iter(signals.items()))
    if first.ndim != 3 or first.numel() == 0:
        raise ValueError(f"{first_name} must be a non-empty (B, C, L) tensor, "
                         f"got shape {tuple(first.shape)}")
    for name, x in signals.items():
        if x.shape != first.shape or x.dtype not in _DTYPES or x.device != first.device:
            raise ValueError(f"{name} must be float32 or bfloat16 shaped like {first_name} "
                             f"{tuple(first.shape)} on {first.device}, got {x.dtype} "
                             f"{tuple(x.shape)} on {x.device}")
    for name, c in coefficients.items():
        if c.shape != first.shape[:1] or c.device != first.device:
            raise ValueError(f"{name} must have shape ({first.shape[0]},) on {first.device}, "
                             f"got {tuple(c.shape)} on {c.device}")
    seed = operator.index(seed)
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an int in [0, 2**63), got {seed}")
    return seed, _check_record_offset(record_offset, first.shape)


def _check_record_offset(record_offset, shape) -> int:
    """record_offset as an int ≥ 0 whose batch's noise counters (`reference.noise`) stay below 2**63."""
    record_offset = operator.index(record_offset)
    batch, channels, length = shape
    counters_per_record = -(-channels * length // reference.NOISE_BLOCK) * reference.NOISE_QUARTER
    if record_offset < 0 or (record_offset + batch) * counters_per_record > 2**63:
        raise ValueError(f"record_offset must be an int in [0, {2**63 // counters_per_record - batch}] for "
                         f"a batch of shape {tuple(shape)}, got {record_offset}")
    return record_offset


def add_noise(x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor, seed: int,
              backend: str = "auto", record_offset: int = 0) -> torch.Tensor:
    """x_t = alpha[b]·x0 + sigma[b]·eps, eps ~ N(0, 1) drawn from (seed, record record_offset + b,
    element).

    x0: (B, C, L) float32/bfloat16 in model units; alpha, sigma: (B,) float32; seed: int in
    [0, 2**63); record_offset: int ≥ 0, the index of record 0 in the step's whole batch (micro-batch j
    of b records on rank r with grad_accum k: (r·k + j)·b), so that a micro-batch draws the noise its
    records draw in one large batch. Returns x_t (B, C, L), model units, x0's dtype.
    """
    seed, record_offset = _check_inputs(seed, record_offset, {"x0": x0}, {"alpha": alpha, "sigma": sigma})
    impl = _kernels() if resolve_backend(backend, x0) == "triton" else reference
    return impl.add_noise(x0, alpha, sigma, seed, record_offset)


def diffusion_loss(pred: torch.Tensor, x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
                   weight: torch.Tensor, seed: int, target: str = "eps", reduction: str = "mean",
                   backend: str = "auto", record_offset: int = 0) -> torch.Tensor:
    """Weighted MSE of pred against the target for the noise that `add_noise(x0, alpha, sigma,
    seed, record_offset=record_offset)` drew: target "eps" → eps, "v" → alpha·eps − sigma·x0,
    "x0" → x0.

    pred, x0: (B, C, L) float32/bfloat16, model units; alpha, sigma, weight: (B,) float32
    (weight: e.g. min-SNR, precomputed). Returns float32: scalar mean over b of
    weight[b]·mean_{C,L}(pred − target)² for reduction "mean", the (B,) terms for "none".
    Differentiable w.r.t. pred only.
    """
    if target not in reference.TARGETS:
        raise ValueError(f"target must be one of {reference.TARGETS}, got {target!r}")
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    seed, record_offset = _check_inputs(seed, record_offset, {"pred": pred, "x0": x0},
                                        {"alpha": alpha, "sigma": sigma, "weight": weight})
    impl = _kernels() if resolve_backend(backend, pred) == "triton" else reference
    return impl.diffusion_loss(pred, x0, alpha, sigma, weight, seed, target, reduction, record_offset)
