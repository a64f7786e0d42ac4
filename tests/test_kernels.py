"""Fused diffusion kernels against the PyTorch reference, and the in-kernel noise against Philox
known answers and the normal distribution. On CPU the kernels run in the Triton interpreter
(conftest sets TRITON_INTERPRET=1); with TRITON_INTERPRET=0 and a GPU (bench/gpu_check.sh) the
same tests run the compiled kernels on CUDA tensors, the reference on the same device."""
import os

import numpy as np
import pytest
import scipy.stats
import torch
import triton
import triton.language as tl

from seisdiff.errors import UserError
from seisdiff.kernels import add_noise, diffusion_loss, reference
from seisdiff.kernels.dispatch import resolve_backend

SHAPES = [(1, 1, 4097), (1, 3, 4097), (3, 1, 4097), (3, 3, 4097)]  # odd L: masked tails
DTYPES = [torch.float32, torch.bfloat16]
TARGETS = ["eps", "v", "x0"]
SEED = 20240917
# noise: log/cos rounding differs between NumPy (interpreter) and PyTorch by about one float32 ulp
NOISE_TOL = dict(rtol=1e-6, atol=2e-6)
COMPILED = torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") != "1"
DEVICE = "cuda" if COMPILED else "cpu"


def _batch(shape, dtype, seed=0):
    """x0, alpha, sigma, weight: a batch in model units with VP-like coefficients."""
    gen = torch.Generator().manual_seed(seed)
    x0 = torch.randn(shape, generator=gen).to(dtype)
    alpha = torch.rand(shape[0], generator=gen) * 0.9 + 0.05
    sigma = torch.sqrt(1 - alpha**2)
    weight = torch.rand(shape[0], generator=gen) + 0.5
    return tuple(t.to(DEVICE) for t in (x0, alpha, sigma, weight))


def _randn(shape, seed):
    """Standard normal values drawn on the CPU (the same on every device), moved to DEVICE."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(DEVICE)


def _triton_noise(shape, seed, record_offset=0):
    """eps the noise-add kernel draws: x_t with alpha = 0, sigma = 1."""
    zeros = torch.zeros(shape, device=DEVICE)
    alpha, sigma = torch.zeros(shape[0], device=DEVICE), torch.ones(shape[0], device=DEVICE)
    return add_noise(zeros, alpha, sigma, seed, backend="triton", record_offset=record_offset).cpu()


@pytest.mark.parametrize("counter, key, expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_reference_philox_matches_random123_known_answers(counter, key, expected):
    seed = key[0] | key[1] << 32
    words = reference.philox4x32_10(tuple(torch.tensor([w]) for w in counter), seed)
    assert tuple(int(w) for w in words) == expected


@triton.jit
def _randn4x_kernel(out_ptr, seed, base, BLOCK: tl.constexpr):
    n0, n1, n2, n3 = tl.randn4x(seed, base + tl.arange(0, BLOCK).to(tl.int64))
    cols = tl.arange(0, BLOCK)
    tl.store(out_ptr + cols, n0)
    tl.store(out_ptr + BLOCK + cols, n1)
    tl.store(out_ptr + 2 * BLOCK + cols, n2)
    tl.store(out_ptr + 3 * BLOCK + cols, n3)


@pytest.mark.parametrize("seed", [0, 7, 2**31 + 5, 2**63 - 1])
@pytest.mark.parametrize("base", [0, 2**33 + 1])
def test_reference_randn4x_equals_tl_randn4x_for_wide_seeds_and_counters(seed, base):
    out = torch.empty(4, 1024, device=DEVICE)
    _randn4x_kernel[(1,)](out, seed, base, BLOCK=1024)
    expected = reference.philox_randn4x(seed, base + torch.arange(1024, device=DEVICE))
    torch.testing.assert_close(out, torch.stack(expected), **NOISE_TOL)


def test_noise_layout_gives_every_element_its_own_normal():
    """Each block's quarter q holds normal q of the counters (record · n_blocks + block) · QUARTER + i:
    the four quarters of one block are distinct, records and blocks continue the counters."""
    q, shape = reference.NOISE_QUARTER, (2, 1, reference.NOISE_BLOCK + 5)   # two blocks a record
    eps = reference.noise(SEED, shape, "cpu").reshape(2, -1)
    normals = reference.philox_randn4x(SEED, torch.arange(2 * 2 * q).view(4, q))   # 4 = records × blocks
    for record in range(2):
        for quarter in range(4):
            torch.testing.assert_close(eps[record, quarter * q:(quarter + 1) * q], normals[quarter][2 * record])
        torch.testing.assert_close(eps[record, 4 * q:], normals[0][2 * record + 1][:5])   # the tail block
    assert torch.unique(eps).numel() > 0.999 * eps.numel()    # float32 normals: a rare tie, no repeats


# records 3 and 2**31 + 1 of a step's whole batch: the second one's counters pass 2**32 (Philox's high word)
OFFSETS = [3, 2**31 + 1]


@pytest.mark.parametrize("record_offset", OFFSETS)
def test_noise_of_a_micro_batch_is_its_records_noise_in_the_whole_batch(record_offset):
    """A batch at record_offset o draws rows o, o + 1, … of the whole batch's noise (two blocks a record),
    in the reference and the kernel; offset 0 is the noise of a batch alone."""
    shape = (2, 1, reference.NOISE_BLOCK + 5)
    eps = reference.noise(SEED, shape, "cpu", record_offset)
    if record_offset < 8:
        whole = reference.noise(SEED, (record_offset + 2, *shape[1:]), "cpu")
        assert torch.equal(eps, whole[record_offset:])
        assert torch.equal(_triton_noise(shape, SEED, record_offset), _triton_noise(whole.shape, SEED)[record_offset:])
    q, n_blocks = reference.NOISE_QUARTER, 2
    first = record_offset * n_blocks * q
    normals = reference.philox_randn4x(SEED, torch.arange(first, first + 2 * n_blocks * q).view(4, q))
    torch.testing.assert_close(eps.reshape(2, -1)[1, 2 * q:3 * q], normals[2][2])   # record 1, block 0, quarter 2
    torch.testing.assert_close(_triton_noise(shape, SEED, record_offset), eps, **NOISE_TOL)
    assert torch.equal(reference.noise(SEED, shape, "cpu", 0), reference.noise(SEED, shape, "cpu"))


@pytest.mark.parametrize("record_offset", OFFSETS)
@pytest.mark.parametrize("target", TARGETS)
def test_loss_and_gradient_at_a_record_offset_match_reference(target, record_offset):
    x0, alpha, sigma, weight = _batch((3, 3, 4097), torch.float32)
    pred_init = _randn(x0.shape, 4)
    results = {}
    for backend in ("triton", "torch"):
        x_t = add_noise(x0, alpha, sigma, SEED, backend=backend, record_offset=record_offset)
        pred = pred_init.clone().requires_grad_()
        loss = diffusion_loss(pred, x0, alpha, sigma, weight, SEED, target, backend=backend,
                              record_offset=record_offset)
        loss.backward()
        results[backend] = x_t, loss, pred.grad
    for got, expected in zip(results["triton"], results["torch"]):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=2e-6)
    # the loss scores the noise add_noise drew at the same offset, not another offset's
    x_t = results["torch"][0]
    eps = (x_t - alpha.view(-1, 1, 1) * x0) / sigma.view(-1, 1, 1)
    for backend in ("triton", "torch"):
        assert diffusion_loss(eps, x0, alpha, sigma, weight, SEED, "eps", backend=backend,
                              record_offset=record_offset) < 1e-10
        assert diffusion_loss(eps, x0, alpha, sigma, weight, SEED, "eps", backend=backend,
                              record_offset=record_offset + 1) > 1.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_add_noise_kernel_matches_reference(shape, dtype):
    x0, alpha, sigma, _ = _batch(shape, dtype)
    x_t = add_noise(x0, alpha, sigma, SEED, backend="triton")
    expected = add_noise(x0, alpha, sigma, SEED, backend="torch")
    assert x_t.dtype == dtype and x_t.shape == shape
    # bf16: the float32 results may round to neighbouring bf16 values (default bf16 tolerance)
    torch.testing.assert_close(x_t, expected, **(NOISE_TOL if dtype == torch.float32 else {}))


def test_add_noise_without_noise_returns_x0_exactly():
    x0, _, _, _ = _batch((3, 3, 4097), torch.float32)
    ones, zeros = torch.ones(3, device=DEVICE), torch.zeros(3, device=DEVICE)
    for backend in ("triton", "torch"):
        assert torch.equal(add_noise(x0, ones, zeros, SEED, backend=backend), x0)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_loss_and_gradient_match_autograd_through_reference(shape, dtype, target):
    x0, alpha, sigma, weight = _batch(shape, dtype)
    pred_init = _randn(shape, 1).to(dtype)
    results = {}
    for backend in ("triton", "torch"):
        pred = pred_init.clone().requires_grad_()
        loss = diffusion_loss(pred, x0, alpha, sigma, weight, SEED, target, backend=backend)
        loss.backward()
        results[backend] = loss, pred.grad
    (loss, grad), (loss_ref, grad_ref) = results["triton"], results["torch"]
    assert loss.dtype == torch.float32 and loss.shape == () and grad.dtype == dtype
    torch.testing.assert_close(loss, loss_ref, rtol=1e-5, atol=0)
    torch.testing.assert_close(grad, grad_ref, **({} if dtype == torch.bfloat16 else
                                                   dict(rtol=1e-5, atol=1e-9)))


@pytest.mark.parametrize("target", TARGETS)
def test_per_record_losses_and_their_gradient_match_reference(target):
    x0, alpha, sigma, weight = _batch((3, 3, 4097), torch.float32)
    pred_init = _randn(x0.shape, 2)
    grad_output = torch.tensor([1.0, -2.0, 0.5], device=DEVICE)  # distinct per record: broadcast
    results = {}
    for backend in ("triton", "torch"):
        pred = pred_init.clone().requires_grad_()
        per_record = diffusion_loss(pred, x0, alpha, sigma, weight, SEED, target, reduction="none",
                                    backend=backend)
        per_record.backward(grad_output)
        results[backend] = per_record, pred.grad
    (losses, grad), (losses_ref, grad_ref) = results["triton"], results["torch"]
    assert losses.shape == (3,)
    torch.testing.assert_close(losses, losses_ref, rtol=1e-5, atol=0)
    torch.testing.assert_close(grad, grad_ref, rtol=1e-5, atol=1e-9)
    mean_loss = diffusion_loss(pred_init, x0, alpha, sigma, weight, SEED, target, backend="triton")
    torch.testing.assert_close(mean_loss, losses.mean(), rtol=1e-6, atol=0)


def test_loss_without_gradient_equals_loss_with_gradient():
    x0, alpha, sigma, weight = _batch((3, 3, 4097), torch.float32)
    pred = _randn(x0.shape, 3)
    with torch.no_grad():
        loss_no_grad = diffusion_loss(pred.requires_grad_(), x0, alpha, sigma, weight, SEED, "v",
                                      backend="triton")
    loss = diffusion_loss(pred, x0, alpha, sigma, weight, SEED, "v", backend="triton")
    assert loss_no_grad.grad_fn is None and loss.grad_fn is not None
    assert torch.equal(loss_no_grad, loss.detach())


def test_kernel_noise_is_standard_normal():
    eps = _triton_noise((4, 2, 8192), SEED).flatten().double().numpy()
    n = eps.size
    assert abs(eps.mean()) < 5 / np.sqrt(n)
    assert abs(eps.std() - 1) < 5 / np.sqrt(2 * n)  # standard error of a normal sample's std
    assert scipy.stats.kstest(eps, "norm").pvalue > 1e-3


def test_kernel_noise_is_reproducible_and_seed_dependent():
    shape = (2, 3, 4097)
    first, again = _triton_noise(shape, SEED), _triton_noise(shape, SEED)
    other_seed = _triton_noise(shape, SEED + 1)
    assert torch.equal(first, again)
    n = first.numel()
    r = np.corrcoef(first.flatten().numpy(), other_seed.flatten().numpy())[0, 1]
    assert abs(r) < 5 / np.sqrt(n)


def test_kernel_noise_is_uncorrelated_across_records_channels_and_samples():
    eps = _triton_noise((2, 2, 8192), SEED).numpy()
    bound = 5 / np.sqrt(8192)
    assert abs(np.corrcoef(eps[0, 0], eps[1, 0])[0, 1]) < bound    # across records
    assert abs(np.corrcoef(eps[0, 0], eps[0, 1])[0, 1]) < bound    # across channels
    assert abs(np.corrcoef(eps[0, 0, :-1], eps[0, 0, 1:])[0, 1]) < bound  # neighbouring samples


@pytest.mark.parametrize("backend", ["triton", "torch"])
def test_loss_sees_the_noise_that_add_noise_used(backend):
    x0, alpha, sigma, weight = _batch((3, 3, 4097), torch.float32)
    x_t = add_noise(x0, alpha, sigma, SEED, backend=backend)
    a, s = alpha.view(-1, 1, 1), sigma.view(-1, 1, 1)
    eps = (x_t - a * x0) / s  # the noise recovered from x_t
    predictions = {"eps": eps, "v": a * eps - s * x0, "x0": x0}
    for target, pred in predictions.items():
        loss = diffusion_loss(pred, x0, alpha, sigma, weight, SEED, target, backend=backend)
        assert loss < 1e-10, target
    # another seed's noise is independent: E(eps - eps')² = 2 per element
    other = diffusion_loss(eps, x0, alpha, sigma, weight, SEED + 1, "eps", backend=backend)
    torch.testing.assert_close(other, 2 * weight.mean(), rtol=0.05, atol=0)


def test_auto_backend_on_cpu_is_reference_and_env_var_overrides_it(monkeypatch):
    x = torch.zeros(1, 1, 8)
    monkeypatch.setenv("TRITON_INTERPRET", "1")  # CPU tensors may go to Triton only interpreted
    monkeypatch.delenv("SEISDIFF_KERNELS", raising=False)
    assert resolve_backend("auto", x) == "torch"
    monkeypatch.setenv("SEISDIFF_KERNELS", "triton")
    assert resolve_backend("auto", x) == "triton"
    assert resolve_backend("torch", x) == "torch"  # an explicit argument wins
    monkeypatch.setenv("SEISDIFF_KERNELS", "cuda")
    with pytest.raises(UserError, match="SEISDIFF_KERNELS"):
        resolve_backend("auto", x)


def test_triton_backend_on_cpu_needs_the_interpreter(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(UserError, match="CUDA"):
        resolve_backend("triton", torch.zeros(1, 1, 8))


def test_bad_inputs_are_refused():
    x0, alpha, sigma, weight = _batch((2, 1, 16), torch.float32)
    with pytest.raises(ValueError, match="alpha"):
        add_noise(x0, alpha[:1], sigma, SEED)
    with pytest.raises(ValueError, match="pred"):
        diffusion_loss(x0[:, :, :8], x0, alpha, sigma, weight, SEED)
    with pytest.raises(ValueError, match="target"):
        diffusion_loss(x0, x0, alpha, sigma, weight, SEED, target="score")
    with pytest.raises(ValueError, match="seed"):
        add_noise(x0, alpha, sigma, -1)
    with pytest.raises(ValueError, match="record_offset"):
        add_noise(x0, alpha, sigma, SEED, record_offset=-1)
    with pytest.raises(ValueError, match="record_offset"):     # counters past 2**63: 1024 per record here
        diffusion_loss(x0, x0, alpha, sigma, weight, SEED, record_offset=2**53)
    with pytest.raises(TypeError):
        add_noise(x0, alpha, sigma, SEED, record_offset=1.5)
