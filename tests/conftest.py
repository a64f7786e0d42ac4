"""Shared fixtures. TRITON_INTERPRET must be set before any Triton kernel is defined."""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # CPU machines: run Triton kernels in the interpreter
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".numba_cache"))

from pathlib import Path

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
