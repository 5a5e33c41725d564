"""Shared test settings: deterministic hypothesis runs (fixed seeds, as every statistical test here), mpmath's
precision restored after each test, and the CPU-emulation reference tests collected first."""

from __future__ import annotations

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "mcgen", derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("mcgen")


@pytest.fixture(autouse=True)
def _mpmath_precision():
    """A test that sets mpmath's working precision does not leave it to the tests after it."""
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec


def pytest_collection_modifyitems(items):
    """tests/references/test_reference.py first: its two emulated-CPU processes compile every kernel (minutes of
    CPU), and started first they run beside the other tests when those run on several workers (pytest -n)."""
    items.sort(key=lambda item: 0 if item.path.name == "test_reference.py" else 1)
