"""Reference loops for the benchmark: the RNG ceiling, the output-only bound and numba's MT19937.
They make no physics; `mcgen bench` reports the kernel's rate against them."""

from __future__ import annotations

import numba as nb
import numpy as np

from mcgen.mc.kernel import CHUNK, DRAWS, B
from mcgen.mc.rng import fill_uniform
from mcgen.simd import VEC

__all__ = ["rng_ceiling", "output_bound", "mt19937_reference"]


@nb.njit(parallel=True, cache=True, fastmath=True)  # the checksum may be summed in any order
def rng_ceiling(keys, drawn):
    """The RNG ceiling: chunk j draws drawn[j] uniforms from its stream the way the kernel does
    (blocks filled by the same vectorized loop) and does no physics (the sum keeps the loop)."""
    sums = np.zeros(drawn.size)
    for j in nb.prange(drawn.size):
        buffer = np.empty(len(DRAWS) * B)
        acc = 0.0
        for start in range(0, drawn[j], buffer.size):
            size = min(buffer.size, drawn[j] - start)
            fill_uniform(keys[j], start, buffer[:size])
            for k in range(size):
                acc += buffer[k]
        sums[j] = acc
    return sums.sum()


@nb.njit(parallel=True, cache=True, **VEC)
def output_bound(real, flags):
    """The output alone: every column the kernel writes, filled with a value per event (no
    random numbers, no physics). Bounds what any kernel with this output can reach."""
    n = real.shape[1]
    for j in nb.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = j * CHUNK, min((j + 1) * CHUNK, n)
        for r in range(real.shape[0]):
            row = real[r, lo:hi]
            for k in range(hi - lo):
                row[k] = k + r
        for r in range(flags.shape[0]):
            row_flags = flags[r, lo:hi]
            for k in range(hi - lo):
                row_flags[k] = (k & r) != 0
    return None


@nb.njit(parallel=True, cache=True)
def mt19937_reference(n, draws):
    """numba's np.random (MT19937) drawing ``draws`` uniforms per event, for comparison."""
    acc = np.zeros(n)
    for i in nb.prange(n):
        x = 0.0
        for _k in range(draws):
            x += np.random.random()
        acc[i] = x
    return acc.sum()
