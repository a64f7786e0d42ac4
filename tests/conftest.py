"""Shared fixtures. TRITON_INTERPRET must be set before any Triton kernel is defined."""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # CPU machines: run Triton kernels in the interpreter
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".numba_cache"))

from pathlib import Path
from types import SimpleNamespace

import pytest

NGAW2_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ngaw2"
STRONGMOTION_DIR = NGAW2_DIR.parent / "strongmotion"


@pytest.fixture(scope="session")
def ngaw2_dir() -> Path:
    """The 60 shared PEER NGA-West2 records (../shared/data/ngaw2); skip when absent."""
    if not NGAW2_DIR.is_dir() or not list(NGAW2_DIR.glob("*.AT2")):
        pytest.skip(f"shared NGA-West2 records not found at {NGAW2_DIR}")
    return NGAW2_DIR


@pytest.fixture(scope="session")
def strongmotion_dir() -> Path:
    """The shared native-format records (../shared/data/strongmotion, manifest.csv); skip when absent."""
    if not (STRONGMOTION_DIR / "manifest.csv").is_file():
        pytest.skip(f"shared strong-motion records not found at {STRONGMOTION_DIR}")
    return STRONGMOTION_DIR


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests use tiny tensors on a shared 2-core machine: one intra-op thread is many times faster."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A tiny model trained 300 steps on 32 synthetic records of 512 samples (once per session: used by
    test_generate, test_sample); its checkpoint records the training store's settings under "store"
    (rate, window, filters); `bare` is the same checkpoint without them."""
    import numpy as np
    import torch
    from synth import TINY_FS_HZ as FS, TINY_LENGTH as LENGTH, TINY_LOWPASS_HZ as LOWPASS_HZ
    from synth import make_store, train_tiny

    from seisdiff.engine.checkpoint import save_checkpoint
    from seisdiff.engine.denoiser import load_denoiser

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("tiny")
    store = make_store(root / "train.zarr", n=32, length=LENGTH)
    model, schedule, scaler, cfg = train_tiny(store, np.arange(len(store)), steps=300)
    torch.set_num_threads(threads)
    step = 300
    spec = {"sampling_rate_hz": FS, "lowpass_hz": LOWPASS_HZ, "length": LENGTH, "band_hz": [0.1, 30.0],
            "n_channels": 1, "preprocess": {"min_duration_s": 5.0, "margin_s": 10.0}}
    payload = {"epoch": 1, "step": step, "model": model.state_dict(), "ema": model.state_dict(),
               "scaling": scaler.to_dict(), "config": cfg.to_dict(), "store": spec}
    ckpt = save_checkpoint(root / "tiny.pt", payload)
    bare = save_checkpoint(root / "bare.pt", {k: v for k, v in payload.items() if k != "store"})
    denoiser, config, scaler, *_ = load_denoiser(ckpt)
    return SimpleNamespace(root=root, store=store, ckpt=ckpt, bare=bare, denoiser=denoiser, config=config,
                           scaler=scaler)
