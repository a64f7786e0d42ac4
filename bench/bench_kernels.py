"""Fused diffusion kernels (noise-add; v-target loss forward + backward) against the PyTorch
reference, eager and under torch.compile, on a GPU, and the noise-add against its previous kernel
(one Philox call per element, not four normals per call); on CPU the reference (in-graph Philox noise)
against a naive eager step that materialises torch.randn noise.

GPU figures: effective bandwidth = the bytes the operation must move at least (read x0, write
x_t; read pred and x0, write the gradient) / time, and that as % of the device's peak bandwidth.
The time is wall time per call: at the two training-sized cases the loss's forward + backward is
bound by the host (Python, autograd: ~0.2 ms a call on an H200, its kernel ~0.02 ms), so the
large case (200 MB per float32 tensor) is there to show the kernels' bandwidth.
"""
import pytest
import torch

from seisdiff.kernels import reference

SEED = 1234
TARGET = "v"
REPEAT = 20  # GPU calls per timed round: one call takes ~10 µs, as long as the synchronisation
GPU_CASES = {  # name: (shape, dtype)
    "B64-C3-L16384-fp32": ((64, 3, 16384), torch.float32),
    "train-B128-C3-L4096-bf16": ((128, 3, 4096), torch.bfloat16),
    "large-B1024-C3-L16384-fp32": ((1024, 3, 16384), torch.float32),
}
PEAK_BANDWIDTH_BPS = [  # by device-name substring, first match wins
    ("H200", 4.8e12), ("H100 NVL", 3.9e12), ("H100 PCIe", 2.0e12), ("H100", 3.35e12),
    ("A100", 2.0e12),
]
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _batch(shape, dtype, device):
    gen = torch.Generator(device=device).manual_seed(0)
    x0 = torch.randn(shape, generator=gen, device=device).to(dtype)
    pred = torch.randn(shape, generator=gen, device=device).to(dtype).requires_grad_()
    alpha = torch.rand(shape[0], generator=gen, device=device) * 0.9 + 0.05
    sigma = torch.sqrt(1 - alpha**2)
    weight = torch.rand(shape[0], generator=gen, device=device) + 0.5
    return x0, pred, alpha, sigma, weight


def _loss_step(loss_fn, pred, x0, alpha, sigma, weight):
    """Loss forward + backward, as in training; returns (loss, d loss / d pred)."""
    pred.grad = None
    loss = loss_fn(pred, x0, alpha, sigma, weight, SEED, TARGET, "mean")
    loss.backward()
    return loss.detach(), pred.grad


def _previous_add_noise():
    """The noise-add kernel before 2026-12-04: one `tl.randn` (one Philox call) per element. A baseline
    only: its noise is another stream than the kernels' (four normals per call), so not compared."""
    import triton
    import triton.language as tl

    from seisdiff.kernels.diffusion import BLOCK, NUM_WARPS

    @triton.jit
    def kernel(x0_ptr, alpha_ptr, sigma_ptr, x_t_ptr, seed, n_per_record, BLOCK: tl.constexpr):
        record = tl.program_id(0)
        cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
        mask = cols < n_per_record
        offsets = record.to(tl.int64) * n_per_record + cols
        x0 = tl.load(x0_ptr + offsets, mask=mask, other=0.0).to(tl.float32)
        eps = tl.randn(seed, offsets)
        x_t = tl.load(alpha_ptr + record) * x0 + tl.load(sigma_ptr + record) * eps
        tl.store(x_t_ptr + offsets, x_t.to(x_t_ptr.dtype.element_ty), mask=mask)

    def add_noise(x0, alpha, sigma, seed):
        x_t = torch.empty_like(x0)
        grid = (x0.shape[0], triton.cdiv(x0.shape[1] * x0.shape[2], BLOCK))
        kernel[grid](x0, alpha, sigma, x_t, seed, x0.shape[1] * x0.shape[2], BLOCK=BLOCK, num_warps=NUM_WARPS)
        return x_t
    return add_noise


def _gpu_impls():
    from seisdiff.kernels import diffusion
    return {
        "triton": (diffusion.add_noise, diffusion.diffusion_loss),
        "eager": (reference.add_noise, reference.diffusion_loss),
        "compile": (torch.compile(reference.add_noise), torch.compile(reference.diffusion_loss)),
        "previous-kernel": (_previous_add_noise(), None),
    }


def _peak_bandwidth_bps(device_name: str):
    return next((bps for key, bps in PEAK_BANDWIDTH_BPS if key in device_name), None)


def _assert_standard_noise(x_t, x0, alpha, sigma, tol=0.01):
    """The noise eps of x_t = alpha x0 + sigma eps has mean 0 and std 1 to tol (≥ 3M samples: standard errors
    ≤ 6e-4; bf16 rounding moves them by ~1e-4), which a wrong scale, stream or distribution does not (a
    uniform's std is 0.58)."""
    a, s = alpha.view(-1, 1, 1), sigma.view(-1, 1, 1)
    eps = ((x_t.float() - a * x0.float()) / s).double()
    assert abs(eps.mean().item()) < tol and abs(eps.std().item() - 1) < tol, (eps.mean().item(), eps.std().item())


def _assert_same(results, expected, rtol):
    """Tensors equal to rtol of each one's largest magnitude (GPU and CPU maths differ in ulps)."""
    for got, want in zip(results, expected, strict=True):
        tol = rtol if want.dtype == torch.float32 else 1.6e-2  # bf16: rounds either way
        torch.testing.assert_close(got, want, rtol=tol, atol=tol * want.abs().max().item())


@needs_cuda
@pytest.mark.parametrize("case", GPU_CASES)
@pytest.mark.parametrize("op", ["noise-add", "loss-v-fwd-bwd"])
@pytest.mark.parametrize("baseline", ["eager", "compile", "previous-kernel"])
@pytest.mark.parametrize("role", ["baseline", "candidate"])
def test_gpu_fused_kernels(benchmark, case, op, baseline, role):
    if baseline == "previous-kernel" and op != "noise-add":
        pytest.skip("the previous kernel is a noise-add baseline")
    shape, dtype = GPU_CASES[case]
    x0, pred, alpha, sigma, weight = _batch(shape, dtype, "cuda")
    impls = _gpu_impls()

    def run(impl):
        noise_fn, loss_fn = impls[impl]
        if op == "noise-add":
            return (noise_fn(x0, alpha, sigma, SEED),)
        return _loss_step(loss_fn, pred, x0, alpha, sigma, weight)

    impl, other = ("triton", baseline) if role == "candidate" else (baseline, "triton")
    if baseline == "previous-kernel":   # another noise stream: its noise's moments, not its values (also compiles)
        for name in (impl, other):
            _assert_standard_noise(run(name)[0], x0, alpha, sigma)
    else:
        _assert_same(run(impl), run(other), rtol=1e-4)  # also compiles both before timing
    bytes_moved = (2 if op == "noise-add" else 3) * x0.numel() * x0.element_size()

    def timed():
        for _ in range(REPEAT):
            run(impl)
        torch.cuda.synchronize()

    benchmark.group = f"kernels {op} {case} vs {baseline}"
    benchmark.pedantic(timed, rounds=20, warmup_rounds=2)
    seconds = benchmark.stats.stats.min / REPEAT
    device_name = torch.cuda.get_device_name()
    peak = _peak_bandwidth_bps(device_name)
    benchmark.extra_info.update({
        "role": role, "impl": impl, "device": device_name, "seconds_per_call": seconds,
        "effective_GBps": bytes_moved / seconds / 1e9,
        "percent_of_peak_bandwidth": None if peak is None else 100 * bytes_moved / seconds / peak,
    })


def _naive_step(x0, pred, alpha, sigma, weight, eps):
    """Eager noise-add + v-target loss forward + backward with the noise given as a tensor."""
    a, s = alpha.view(-1, 1, 1), sigma.view(-1, 1, 1)
    x_t = a * x0 + s * eps
    pred.grad = None
    loss = (weight * (pred - (a * eps - s * x0)).square().mean(dim=(1, 2))).mean()
    loss.backward()
    return x_t, loss.detach(), pred.grad


def _reference_step(x0, pred, alpha, sigma, weight):
    x_t = reference.add_noise(x0, alpha, sigma, SEED)
    return (x_t, *_loss_step(reference.diffusion_loss, pred, x0, alpha, sigma, weight))


@pytest.mark.parametrize("role", ["baseline", "candidate"])
def test_cpu_reference_step(benchmark, role):
    x0, pred, alpha, sigma, weight = _batch((16, 3, 4096), torch.float32, "cpu")
    eps = reference.noise(SEED, x0.shape, "cpu")
    # same noise → same results; timed, the naive step draws its own with torch.randn
    _assert_same(_naive_step(x0, pred, alpha, sigma, weight, eps),
                 _reference_step(x0, pred, alpha, sigma, weight), rtol=1e-6)

    if role == "baseline":
        def step():
            return _naive_step(x0, pred, alpha, sigma, weight, torch.randn(x0.shape))
    else:
        def step():
            return _reference_step(x0, pred, alpha, sigma, weight)
    benchmark.group = "kernels CPU noise-add + loss-v step: naive randn vs reference Philox"
    benchmark.extra_info.update({"role": role, "impl": "naive-randn" if role == "baseline"
                                 else "reference-philox", "device": "cpu"})
    benchmark.pedantic(step, rounds=30, warmup_rounds=2)
