"""Where a signal exceeds its threshold: the first crossing of a signal that grows with d_gamma, every
excluded interval of one that does not, and their union over cards."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.physics.model import D_GAMMA_RANGE

__all__ = ["GRID_PER_DECADE", "solve_excluded", "first_crossing", "LimitResult", "union_intervals"]


GRID_PER_DECADE = 20


def solve_excluded(f, threshold: float, lo: float = 1e-12, hi: float = D_GAMMA_RANGE[1]) -> list[list[float | None]]:
    """Intervals of d in [lo, hi] where f(d) > threshold: a log grid plus bisection at each crossing.
    f takes an array of d. An interval still open at hi has None as its upper end."""
    grid = fpmath.geomspace(lo, hi, int(GRID_PER_DECADE * math.log10(hi / lo)) + 1)
    above = np.asarray(f(grid)) > threshold

    def crossing(a: float, b: float) -> float:
        above_a = bool(f(np.array([a]))[0] > threshold)
        for _ in range(45):  # grid steps are 12%: 45 halvings of the log step reach 1e-15
            mid = math.sqrt(a * b)
            if bool(f(np.array([mid]))[0] > threshold) == above_a:
                a = mid
            else:
                b = mid
        return math.sqrt(a * b)

    intervals: list[list[float | None]] = []
    start: float | None = grid[0] if above[0] else None
    for i in range(1, grid.size):
        if above[i] and not above[i - 1]:
            start = crossing(grid[i - 1], grid[i])
        elif above[i - 1] and not above[i]:
            intervals.append([start, crossing(grid[i - 1], grid[i])])
            start = None
    if above[-1]:
        intervals.append([start, None])
    return intervals


def first_crossing(f, threshold: float, lo: float = 1e-12, hi: float = D_GAMMA_RANGE[1]) -> float | None:
    """The smallest d in [lo, hi] with f(d) > threshold for an f that grows with d (None if f(hi) is
    not above it). f is d^2 times a rate that rises to its prompt value c at large d (the decay
    probability goes to 1), so the search starts at sqrt(threshold/c) with c = f(hi)/hi^2, steps by
    factors of 4 to a bracket, and ends with the Illinois variant of regula falsi on log f against
    log d (nearly a straight line: f goes as d^2 to d^4), to 1e-15 in log d: about ten calls of f,
    each as costly as the sample's boundary distances are many."""

    def h(x: float) -> float:  # log(f / threshold) at d = e^x
        v = float(np.asarray(f(np.array([fpmath.exp(x)])), dtype=float)[0])
        return fpmath.log(v / threshold) if v > 0.0 else -math.inf

    x_lo, x_hi = fpmath.log(lo), fpmath.log(hi)
    h_hi = h(x_hi)
    if not h_hi > 0.0:
        return None
    h_lo = h(x_lo)
    if h_lo > 0.0:
        return lo
    x = min(max(x_hi - 0.5 * h_hi, x_lo), x_hi)  # log sqrt(threshold / c)
    hx = h(x)
    step = fpmath.log(4.0)
    if hx > 0.0:  # above: walk down to the first point below (or lo)
        a, ha, b, hb = x_lo, h_lo, x, hx
        while x - step > x_lo:
            x -= step
            hx = h(x)
            if not hx > 0.0:
                a, ha = x, hx
                break
            b, hb = x, hx
    else:  # below: walk up to the first point above (or hi)
        a, ha, b, hb = x, hx, x_hi, h_hi
        while x + step < x_hi:
            x += step
            hx = h(x)
            if hx > 0.0:
                b, hb = x, hx
                break
            a, ha = x, hx
    if not math.isfinite(ha):  # log f needs f > 0: then bisection alone
        return _bisect_log(f, threshold, a, b)
    side = 0
    for _ in range(100):
        if b - a <= 1e-15 * max(abs(a), 1.0):
            break
        x = (a * hb - b * ha) / (hb - ha)
        if not a < x < b:
            x = 0.5 * (a + b)
        hx = h(x)
        if abs(hx) < 1e-15:  # f(x) is the threshold to rounding
            return fpmath.exp(x)
        if hx > 0.0:
            b, hb = x, hx
            if side == 1:
                ha *= 0.5
            side = 1
        else:
            a, ha = x, hx
            if side == -1:
                hb *= 0.5
            side = -1
    return fpmath.exp(0.5 * (a + b))


def _bisect_log(f, threshold: float, a: float, b: float) -> float:
    """Bisection in log d between a (below) and b (above) to 1e-15."""
    while b - a > 1e-15 * max(abs(a), 1.0):
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if float(np.asarray(f(np.array([fpmath.exp(mid)])))[0]) > threshold:
            b = mid
        else:
            a = mid
    return fpmath.exp(0.5 * (a + b))


@dataclasses.dataclass(frozen=True)
class LimitResult:
    mass: float
    d_gamma_95: float | None
    excluded: list[list[float | None]]
    details: dict[str, Any]


def union_intervals(intervals: list[list[float | None]]) -> list[list[float | None]]:
    """Merge overlapping intervals (None = open upper end)."""
    inf = float("inf")
    spans = sorted((0.0 if lo is None else lo, inf if hi is None else hi) for lo, hi in intervals)
    merged: list[list[float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [[lo, None if hi == inf else hi] for lo, hi in merged]
