"""Fused Triton kernels for the diffusion training step, their launchers and the autograd Function.

All tensors are in model units. The noise eps is drawn inside the kernels with `tl.randn4x(seed,
counter)`, four normals per Philox call, one call per four elements (the layout: `reference.noise`),
so it never touches memory: the noise-add kernel and the loss kernel regenerate the same eps from the
same seed. The counters start at record `record_offset` (the batch's first record's index in the
step's whole batch), so a micro-batch draws the very noise its records get in one large batch.
Import it only once TRITON_INTERPRET is settled (`triton.jit` reads it when the kernels below are
defined); `seisdiff.kernels.dispatch` imports it on first use.
"""
import torch
import triton
import triton.language as tl

from seisdiff.kernels.reference import NOISE_BLOCK, NOISE_QUARTER

BLOCK = NOISE_BLOCK   # elements of one record per program: large, so the interpreter runs few programs
NUM_WARPS = 8         # 16 elements per thread


@triton.jit
def _noise4(seed, record, record_offset, block, n_blocks, QUARTER: tl.constexpr):
    """The four quarters' noise of one block of batch record `record` (record `record_offset + record` of
    the step's whole batch; reference.noise): one randn4x call per four elements."""
    counters = ((record.to(tl.int64) + record_offset) * n_blocks + block) * QUARTER + tl.arange(0, QUARTER)
    return tl.randn4x(seed, counters)


@triton.jit
def _add_noise_quarter(x0_ptr, x_t_ptr, base, cols, n_per_record, eps, alpha, sigma):
    mask = cols < n_per_record
    x0 = tl.load(x0_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
    tl.store(x_t_ptr + base + cols, (alpha * x0 + sigma * eps).to(x_t_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _add_noise_kernel(x0_ptr, alpha_ptr, sigma_ptr, x_t_ptr, seed, record_offset, n_per_record,
                      QUARTER: tl.constexpr):
    record, block = tl.program_id(0), tl.program_id(1)
    base = record.to(tl.int64) * n_per_record  # int64: batches may pass 2**31 elements
    cols = block * 4 * QUARTER + tl.arange(0, QUARTER)
    alpha = tl.load(alpha_ptr + record)
    sigma = tl.load(sigma_ptr + record)
    e0, e1, e2, e3 = _noise4(seed, record, record_offset, block, tl.num_programs(1), QUARTER)
    _add_noise_quarter(x0_ptr, x_t_ptr, base, cols, n_per_record, e0, alpha, sigma)
    _add_noise_quarter(x0_ptr, x_t_ptr, base, cols + QUARTER, n_per_record, e1, alpha, sigma)
    _add_noise_quarter(x0_ptr, x_t_ptr, base, cols + 2 * QUARTER, n_per_record, e2, alpha, sigma)
    _add_noise_quarter(x0_ptr, x_t_ptr, base, cols + 3 * QUARTER, n_per_record, e3, alpha, sigma)


@triton.jit
def _loss_quarter(pred_ptr, x0_ptr, grad_ptr, base, cols, n_per_record, eps, alpha, sigma, grad_factor,
                  TARGET: tl.constexpr, WRITE_GRAD: tl.constexpr):
    """Sum of (pred − target)² over one quarter; writes its gradient when WRITE_GRAD."""
    mask = cols < n_per_record
    pred = tl.load(pred_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
    # the eps target never reads x0: one tensor less to stream
    if TARGET == "eps":
        target = eps
    elif TARGET == "v":
        x0 = tl.load(x0_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
        target = alpha * eps - sigma * x0
    else:
        target = tl.load(x0_ptr + base + cols, mask=mask, other=0.0).to(tl.float32)
    err = tl.where(mask, pred - target, 0.0)
    if WRITE_GRAD:
        tl.store(grad_ptr + base + cols, (err * grad_factor).to(grad_ptr.dtype.element_ty), mask=mask)
    return tl.sum(err * err, axis=0)


@triton.jit
def _diffusion_loss_kernel(pred_ptr, x0_ptr, alpha_ptr, sigma_ptr, weight_ptr, grad_ptr,
                           partial_ptr, seed, record_offset, n_per_record, n_blocks, grad_scale,
                           TARGET: tl.constexpr, WRITE_GRAD: tl.constexpr, QUARTER: tl.constexpr):
    record, block = tl.program_id(0), tl.program_id(1)
    base = record.to(tl.int64) * n_per_record
    cols = block * 4 * QUARTER + tl.arange(0, QUARTER)
    alpha = tl.load(alpha_ptr + record)
    sigma = tl.load(sigma_ptr + record)
    grad_factor = tl.load(weight_ptr + record) * grad_scale
    e0, e1, e2, e3 = _noise4(seed, record, record_offset, block, n_blocks, QUARTER)
    total = _loss_quarter(pred_ptr, x0_ptr, grad_ptr, base, cols, n_per_record, e0, alpha, sigma,
                          grad_factor, TARGET, WRITE_GRAD)
    total += _loss_quarter(pred_ptr, x0_ptr, grad_ptr, base, cols + QUARTER, n_per_record, e1, alpha,
                           sigma, grad_factor, TARGET, WRITE_GRAD)
    total += _loss_quarter(pred_ptr, x0_ptr, grad_ptr, base, cols + 2 * QUARTER, n_per_record, e2,
                           alpha, sigma, grad_factor, TARGET, WRITE_GRAD)
    total += _loss_quarter(pred_ptr, x0_ptr, grad_ptr, base, cols + 3 * QUARTER, n_per_record, e3,
                           alpha, sigma, grad_factor, TARGET, WRITE_GRAD)
    # one partial sum per program, reduced by the launcher: deterministic, unlike atomics
    tl.store(partial_ptr + record * n_blocks + block, total)


def _grid(x: torch.Tensor) -> tuple[int, int]:
    batch, channels, length = x.shape
    return batch, triton.cdiv(channels * length, BLOCK)


def add_noise(x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
              seed: int, record_offset: int = 0) -> torch.Tensor:
    """x_t = alpha[b]·x0 + sigma[b]·eps(seed, record_offset + b), model units, eps drawn in-kernel.

    x0: (B, C, L) float32/bfloat16; alpha, sigma: (B,) float32; record_offset: index of record 0 in
    the step's whole batch. Returns (B, C, L) in x0's dtype.
    """
    x0 = x0.contiguous()
    x_t = torch.empty_like(x0)
    _add_noise_kernel[_grid(x0)](x0, alpha.float().contiguous(), sigma.float().contiguous(), x_t,
                                 seed, record_offset, x0.shape[1] * x0.shape[2], QUARTER=NOISE_QUARTER,
                                 num_warps=NUM_WARPS)
    return x_t


def _loss_forward(pred, x0, alpha, sigma, weight, seed, record_offset, target, reduction, write_grad):
    """Per-record losses (B,) float32 and, when write_grad, d(loss)/d(pred) in pred's dtype for
    reduction "mean" (the scalar loss) or "none" (each record's own loss)."""
    pred, x0 = pred.contiguous(), x0.contiguous()
    weight = weight.float().contiguous()
    batch, n_per_record = pred.shape[0], pred.shape[1] * pred.shape[2]
    grid = _grid(pred)
    partial = torch.empty(grid, dtype=torch.float32, device=pred.device)
    grad = torch.empty_like(pred) if write_grad else pred  # pred: a placeholder never written
    grad_scale = 2.0 / n_per_record / (batch if reduction == "mean" else 1)
    _diffusion_loss_kernel[grid](pred, x0, alpha.float().contiguous(), sigma.float().contiguous(),
                                 weight, grad, partial, seed, record_offset, n_per_record, grid[1], grad_scale,
                                 TARGET=target, WRITE_GRAD=write_grad, QUARTER=NOISE_QUARTER,
                                 num_warps=NUM_WARPS)
    per_record = weight * partial.sum(dim=1) / n_per_record
    return per_record, (grad if write_grad else None)


class DiffusionLoss(torch.autograd.Function):
    """Weighted MSE whose gradient w.r.t. pred is written by the forward kernel; x0 is data."""

    @staticmethod
    def forward(ctx, pred, x0, alpha, sigma, weight, seed, record_offset, target, reduction):
        per_record, grad = _loss_forward(pred, x0, alpha, sigma, weight, seed, record_offset, target,
                                         reduction, write_grad=True)
        ctx.save_for_backward(grad)
        ctx.reduction = reduction
        return per_record.mean() if reduction == "mean" else per_record

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        if ctx.reduction == "none":
            grad_output = grad_output.view(-1, 1, 1)
        return (grad * grad_output).to(grad.dtype), None, None, None, None, None, None, None, None


def diffusion_loss(pred: torch.Tensor, x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
                   weight: torch.Tensor, seed: int, target: str = "eps",
                   reduction: str = "mean", record_offset: int = 0) -> torch.Tensor:
    """Weighted MSE between pred and the target for the noise of `add_noise(x0, …, seed,
    record_offset)`.

    pred, x0: (B, C, L) float32/bfloat16, model units; alpha, sigma, weight: (B,) float32;
    target: "eps" | "v" (alpha·eps − sigma·x0) | "x0". Returns float32: the scalar mean over b
    of weight[b]·mean_{C,L}(pred − target)² ("mean") or the (B,) terms ("none");
    differentiable w.r.t. pred only.
    """
    if torch.is_grad_enabled() and pred.requires_grad:
        return DiffusionLoss.apply(pred, x0, alpha, sigma, weight, seed, record_offset, target, reduction)
    per_record, _ = _loss_forward(pred, x0, alpha, sigma, weight, seed, record_offset, target, reduction,
                                  write_grad=False)
    return per_record.mean() if reduction == "mean" else per_record
