"""Shared fixtures. TRITON_INTERPRET must be set before any Triton kernel is defined."""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # CPU machines: run Triton kernels in the interpreter
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".numba_cache"))

from pathlib import Path

import pytest

NGAW2_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ngaw2"


@pytest.fixture(scope="session")
def ngaw2_dir() -> Path:
    """The 60 shared PEER NGA-West2 records (../shared/data/ngaw2); skip when absent."""
    if not NGAW2_DIR.is_dir() or not list(NGAW2_DIR.glob("*.AT2")):
        pytest.skip(f"shared NGA-West2 records not found at {NGAW2_DIR}")
    return NGAW2_DIR
