"""The kernel's random deviates: ziggurat normals and exponentials against their exact
distributions (Kolmogorov-Smirnov distance, tail and wedge regions), and the output buffers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mcgen.sampler import column_buffers, ziggurat_deviates

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
def test_ziggurat_normal(key):
    x = ziggurat_deviates(np.uint64(key), N, False)
    erf = np.vectorize(math.erf)
    assert ks_distance(x, lambda t: 0.5 * (1 + erf(t / math.sqrt(2)))) < KS_999
    for cut in (1.0, 3.442619855899, 4.0):  # the tail starts at 3.4426
        assert binomial_ok(int(np.sum(np.abs(x) > cut)), math.erfc(cut / math.sqrt(2)))
    assert binomial_ok(int(np.sum(x > 0)), 0.5)


@pytest.mark.parametrize("key", [3, 2**62 + 7])
def test_ziggurat_exponential(key):
    x = ziggurat_deviates(np.uint64(key), N, True)
    assert x.min() >= 0
    assert ks_distance(x, lambda t: -np.expm1(-t)) < KS_999
    for cut in (0.01, 1.0, 7.697117470131487, 9.0):  # the tail starts at 7.697
        assert binomial_ok(int(np.sum(x > cut)), math.exp(-cut))


def test_column_buffers_are_zero_and_not_page_aligned():
    for n in (0, 5, 1 << 14, 1 << 21, 123_457):
        real, flags = column_buffers(n)
        assert real.shape[1] == flags.shape[1] == n and not real.any() and not flags.any()
        assert real.strides[0] % 4096 != 0 and flags.strides[0] % 4096 != 0
