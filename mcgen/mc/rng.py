"""Random numbers for the kernels: counter-based SplitMix64 streams and their deviates.

Draw k of the stream keyed by ``key`` is mix(key + k golden) (Steele, Lea, Flood 2014): filling
a block of uniforms is a loop with no carried state, which LLVM turns into SIMD code. Normals
are Box-Muller pairs and exponentials -log u, through the branch-free functions of mcgen.simd.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mcgen.simd import VEC, cos_sin_turns, log

__all__ = ["mix", "fill_uniform", "normal_pair", "deviates", "uniforms", "normal_pairs", "alias_table"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 2.0**-53
@nb.njit(inline="always")
def mix(z):
    """SplitMix64's output function: the draw for counter value z (Steele, Lea, Flood 2014)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", **VEC)
def fill_uniform(key, counter, out):
    """out[k] = uniform in (0, 1) from draw counter + k + 1 of the SplitMix64 stream ``key``
    (the top 53 bits of each draw; counter-based, so the loop vectorizes)."""
    base = key + _GOLDEN * np.uint64(counter)
    for k in range(out.size):
        out[k] = ((mix(base + _GOLDEN * np.uint64(k + 1)) >> _S11) + 0.5) * _TWO_M53


@nb.njit(inline="always", **VEC)
def normal_pair(u1, u2):
    """Two independent unit normals from two uniforms (Box and Muller 1958)."""
    r = math.sqrt(-2.0 * log(u1))
    c, s = cos_sin_turns(u2)
    return r * c, r * s


@nb.njit(cache=True, **VEC)
def deviates(key, n, kind):
    """n deviates from the stream ``key`` as the kernel makes them, for the tests: kind 0 unit
    normals (Box-Muller pairs), 1 unit exponentials (-log u), 2 (cos, sin) of a uniform angle
    as 2n values."""
    u = np.empty(2 * n)
    fill_uniform(np.uint64(key), 0, u)
    out = np.empty(2 * n if kind == 2 else n)
    for k in range(n // 2 if kind == 0 else n):
        if kind == 0:
            out[2 * k], out[2 * k + 1] = normal_pair(u[2 * k], u[2 * k + 1])
        elif kind == 1:
            out[k] = -log(u[k])
        else:
            out[2 * k], out[2 * k + 1] = cos_sin_turns(u[k])
    return out


@nb.njit(cache=True, **VEC)
def uniforms(key, counter, n):
    """n uniforms of the stream ``key`` from draw counter + 1 on, exactly as the kernel fills them."""
    out = np.empty(n)
    fill_uniform(np.uint64(key), counter, out)
    return out


@nb.njit(cache=True, **VEC)
def normal_pairs(u1, u2):
    """The Box-Muller pairs of :func:`normal_pair` for arrays of uniforms."""
    g1, g2 = np.empty(u1.size), np.empty(u1.size)
    for k in range(u1.size):
        g1[k], g2[k] = normal_pair(u1[k], u2[k])
    return g1, g2


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table (Vose's construction) for bins with the given weights: bin j is kept
    with probability prob[j], otherwise alias[j] is taken; every bin then has probability
    weight / sum(weights)."""
    n = weights.size
    p = weights * (n / weights.sum())  # numpy's sum (pairwise): the same table in every process
    prob, alias = np.ones(n), np.arange(n, dtype=np.int64)
    _vose(p, prob, alias)
    return prob, alias  # leftovers keep probability 1 (rounding)


@nb.njit(inline="always")
def _push(p, j, small, n_small, large, n_large):
    """Bin j onto the stack of the bins below 1 or onto that of those at or above it: the new sizes."""
    if p[j] < 1.0:
        small[n_small] = j
        return n_small + 1, n_large
    large[n_large] = j
    return n_small, n_large + 1


@nb.njit(cache=True)
def _vose(p, prob, alias):
    """Vose's pairing on the scaled weights p (changed in place): the bins below 1 and those at or
    above it as two stacks, each small bin topped up by the last large one."""
    n = p.size
    small, large = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    n_small = n_large = 0
    for j in range(n):
        n_small, n_large = _push(p, j, small, n_small, large, n_large)
    while n_small > 0 and n_large > 0:
        n_small -= 1
        n_large -= 1
        s, big = small[n_small], large[n_large]
        prob[s], alias[s] = p[s], big
        p[big] -= 1.0 - p[s]
        n_small, n_large = _push(p, big, small, n_small, large, n_large)
