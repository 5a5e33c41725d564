"""Shared test settings: deterministic hypothesis runs (fixed seeds, as every statistical test here)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mcgen", derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("mcgen")
