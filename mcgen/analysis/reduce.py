"""The compiled inner loop of :class:`mcgen.analysis.limits.SampleReducer`: one pass over a piece of
events that adds every sum the reducer keeps (the six reweighting coefficients per boundary
distance, for all events, for selected ones and per photon-energy bin, and weighted by per-event
factors), instead of a dozen numpy bincounts and products.

Each sum of a piece starts at zero and adds the piece's events in order, as ``np.bincount`` does,
and is then added to its running total: the numbers are those of the bincounts to the last bit,
and they depend only on where the pieces start, not on the batches the events came in or on the
thread count (the loops are serial). ``nogil``: a reader thread can fill the next chunk meanwhile.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["bin_index", "sum_piece"]


@nb.njit(cache=True, nogil=True)
def bin_index(boundary: np.ndarray, keys: np.ndarray, bins: np.ndarray, index: np.ndarray) -> int:
    """index[i] = the bin of each event's 0.1 mm key rint(boundary[i] * 1e4), looked up in the
    sorted ``keys`` with their ``bins``, or -1 where the key has no bin yet (or is negative or NaN);
    returns how many are -1, so that the caller handles new keys (rare after the first pieces) in
    numpy. A sorted table, not one indexed by the key: the keys reach 1e8 (10 km)."""
    missing = 0
    last_key, last_bin = -1.0, -1  # events in a row often share their distance (a sphere: all)
    for i in range(boundary.size):
        key = np.rint(boundary[i] * 1e4)
        if key == last_key:
            j = last_bin
        else:
            j = -1
            if 0.0 <= key < 9.0e18:
                k = np.int64(key)
                pos = np.searchsorted(keys, k)
                if pos < keys.size and keys[pos] == k:
                    j = bins[pos]
            last_key, last_bin = key, j
        index[i] = j
        if j < 0:
            missing += 1
    return missing


@nb.njit(cache=True, nogil=True)
def _touched(index: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The bins a piece touches, in order of first appearance, and each event's place among them."""
    slot = np.full(n_bins, -1, dtype=np.int64)
    bins = np.empty(index.size, dtype=np.int64)
    local = np.empty(index.size, dtype=np.int64)
    m = 0
    for i in range(index.size):
        b = index[i]
        if slot[b] < 0:
            slot[b] = m
            bins[m] = b
            m += 1
        local[i] = slot[b]
    return bins[:m], local


@nb.njit(cache=True, nogil=True, inline="always")
def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """sum x[i] y[i] in four interleaved partial sums (i mod 4), added in a fixed order: one chain
    of additions would wait on each add's latency; the result depends only on the arrays."""
    a0 = a1 = a2 = a3 = 0.0
    n4 = x.size - x.size % 4
    for i in range(0, n4, 4):
        a0 += x[i] * y[i]
        a1 += x[i + 1] * y[i + 1]
        a2 += x[i + 2] * y[i + 2]
        a3 += x[i + 3] * y[i + 3]
    for i in range(n4, x.size):
        a0 += x[i] * y[i]
    return (a0 + a1) + (a2 + a3)


@nb.njit(cache=True, nogil=True)
def sum_piece(index: np.ndarray, w: tuple[np.ndarray, ...], passing: np.ndarray, which: np.ndarray, n_e: int,
              factors: np.ndarray, total_all: np.ndarray, total_pass: np.ndarray, total_binned: np.ndarray,
              total_factors: np.ndarray) -> None:
    """Add one piece's sums to the totals: w[r] summed per bin ``index`` into total_all[r], over
    ``passing`` events into total_pass[r] and into total_binned[r, bin * n_e + which] (when
    ``which`` is not empty), and w[r] * factors[j] over all events into total_factors[r, j].
    Only the bins the piece touches are summed and added (adding zero leaves a total as it is), so
    a piece costs the same with a few thousand boundary values times energy bins as with one."""
    bins, local = _touched(index, total_all.shape[1])
    m, binned = bins.size, which.size > 0
    piece_all = np.zeros((len(w), m))
    piece_pass = np.zeros((len(w), m))
    piece_binned = np.zeros((len(w), m * n_e if binned else 0))
    piece_factors = np.zeros(total_factors.shape)
    for r in range(len(w)):  # one coefficient at a time (a tuple indexed in the event loop is slow)
        x = w[r]
        for i in range(index.size):  # branch-free (the flags are unpredictable): adding 0.0 changes no sum
            k = local[i]
            chosen = x[i] if passing[i] else 0.0
            piece_all[r, k] += x[i]
            piece_pass[r, k] += chosen
            if binned:
                piece_binned[r, k * n_e + which[i]] += chosen
        for j in range(factors.shape[0]):
            piece_factors[r, j] = _dot(x, factors[j])
    for r in range(len(w)):
        for k in range(m):
            b = bins[k]
            total_all[r, b] += piece_all[r, k]
            total_pass[r, b] += piece_pass[r, k]
            if binned:
                for e in range(n_e):
                    total_binned[r, b * n_e + e] += piece_binned[r, k * n_e + e]
    total_factors += piece_factors
