"""The kernel's random deviates (Box-Muller normals, exponentials, uniform angles) against their
exact distributions (Kolmogorov-Smirnov distance, tails), its branch-free log / exp / sincos
against numpy, the alias table, and the output buffers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mcgen.mc.kernel import alias_table, column_buffers
from mcgen.mc.rng import deviates
from mcgen.simd import math_check

N = 1_000_000
KS_999 = 1.95 / math.sqrt(N)  # Kolmogorov-Smirnov distance exceeded with probability 0.1%


def ks_distance(x: np.ndarray, cdf) -> float:
    x = np.sort(x)
    f = cdf(x)
    i = np.arange(1, len(x) + 1) / len(x)
    return float(max(np.max(i - f), np.max(f - (i - 1 / len(x)))))


def binomial_ok(count: int, p: float) -> bool:
    return abs(count - N * p) < 5 * math.sqrt(N * p * (1 - p)) + 1


@pytest.mark.parametrize("key", [1, 2**63 + 12345])
def test_normal_pairs(key):
    x = deviates(np.uint64(key), N, 0)
    erf = np.vectorize(math.erf)
    assert ks_distance(x, lambda t: 0.5 * (1 + erf(t / math.sqrt(2)))) < KS_999
    for cut in (1.0, 3.0, 4.0):
        assert binomial_ok(int(np.sum(np.abs(x) > cut)), math.erfc(cut / math.sqrt(2)))
    assert binomial_ok(int(np.sum(x > 0)), 0.5)
    pairs = x.reshape(-1, 2)  # the two members of a pair are uncorrelated
    assert abs(np.mean(pairs[:, 0] * pairs[:, 1])) < 5 / math.sqrt(N / 2)


@pytest.mark.parametrize("key", [3, 2**62 + 7])
def test_exponential(key):
    x = deviates(np.uint64(key), N, 1)
    assert x.min() >= 0
    assert ks_distance(x, lambda t: -np.expm1(-t)) < KS_999
    for cut in (0.01, 1.0, 7.7, 9.0):
        assert binomial_ok(int(np.sum(x > cut)), math.exp(-cut))


def test_uniform_angle():
    cs = deviates(np.uint64(11), N, 2).reshape(-1, 2)
    assert np.allclose(np.hypot(cs[:, 0], cs[:, 1]), 1.0, rtol=0, atol=2e-15)
    phi = np.arctan2(cs[:, 1], cs[:, 0])
    assert ks_distance(phi, lambda t: (t + math.pi) / (2 * math.pi)) < KS_999


def test_branch_free_functions_against_numpy():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.random(100_000), 10.0 ** rng.uniform(-300, 300, 100_000), [2.0**-53, 0.5, 1.0, 2.0]])
    assert np.max(np.abs(math_check(x, 0) - np.log(x)) / np.maximum(np.abs(np.log(x)), 1.0)) < 4e-16
    y = np.concatenate([10.0 ** rng.uniform(-20, 3, 100_000), [0.0, 0.4999, 0.5, 700.0, 1e4]])
    assert np.max(np.abs(math_check(y, 1) + np.expm1(-y)) / -np.expm1(-np.maximum(y, 1e-300))) < 1e-15
    z = np.concatenate([10.0 ** rng.uniform(-20, 2.8, 100_000), [0.0, 0.5, 700.0]])
    assert np.max(np.abs(math_check(z, 4) - np.exp(-z)) / np.exp(-z)) < 4e-16
    assert np.all(math_check(np.array([700.5, 1e4, np.inf]), 4) == 0.0)
    u = np.concatenate([rng.uniform(-3, 3, 100_000), np.arange(-8, 9) / 8])
    tolerance = 1e-15 + 2 * np.pi * np.abs(u) * 2.2e-16  # the reference's argument 2 pi u is rounded
    assert np.all(np.abs(math_check(u, 2) - np.cos(2 * np.pi * u)) < tolerance)
    assert np.all(np.abs(math_check(u, 3) - np.sin(2 * np.pi * u)) < tolerance)


def test_alias_table_reproduces_the_weights():
    weights = np.random.default_rng(2).random(1000) ** 4 + 1e-9
    prob, alias = alias_table(weights)
    n = weights.size
    implied = prob / n  # P(bin) = (prob_j + sum over bins aliased to it of 1 - prob) / n
    np.add.at(implied, alias, (1 - prob) / n)
    assert np.allclose(implied, weights / weights.sum(), rtol=1e-12, atol=1e-18)


def test_column_buffers_are_zero_and_not_page_aligned():
    for n in (0, 5, 1 << 14, 1 << 21, 123_457):
        real, flags = column_buffers(n)
        assert real.shape[1] == flags.shape[1] == n and not real.any() and not flags.any()
        assert real.strides[0] % 4096 != 0 and flags.strides[0] % 4096 != 0
