"""Branch-free elementary functions for the numba kernels, and the compile flags of their SIMD loops.

LLVM vectorizes a loop only if it has no branches and no calls it cannot inline: these are the
natural logarithm, 1 - exp(-x) and cos/sin of 2 pi u written with IEEE bit casts and
polynomials (errors ~1e-16; tests/mc/test_sampler.py checks them against numpy). Shared by the
random deviates (mcgen.mc.rng), the production stage, the toy detector and the selection.
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from mcgen._numba_cache import register

register()  # before the first cached kernel: caches then follow every kernel source (mcgen._numba_cache)

__all__ = ["VEC", "log", "exp_neg", "one_minus_exp", "cos_sin_turns", "math_check"]

VEC: dict[str, Any] = {"fastmath": {"nnan", "ninf", "nsz"}, "error_model": "numpy"}
"""Flags of the vectorized loops: no zero-division checks (they would keep LLVM from vectorizing),
and no FMA contraction, reassociation or reciprocal approximation: those round differently
depending on how the compiler inlines and splits a loop, and a process that compiles the kernel
would then make other events (in the last bits) than one that loads it from numba's cache.
(Polynomials therefore multiply by reciprocal constants, folded exactly at compile time.)"""


@intrinsic
def _float_bits_intrinsic(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (a free register move)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _bits_float_intrinsic(typingctx, x):
    """The float64 with the IEEE-754 bits of an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


_float_bits: Any = _float_bits_intrinsic  # typed Any: mypy does not know numba calls intrinsics without typingctx
_bits_float: Any = _bits_float_intrinsic


@nb.njit(inline="always", **VEC)
def log(x):
    """Natural logarithm of a positive normal float64, branch-free (vectorizes); relative error
    ~1e-16: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 artanh(s), s = (m - 1)/(m + 1)."""
    bits = _float_bits(x)
    e = (bits >> 52) - 1023
    m = _bits_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > 1.4142135623730951
    m = 0.5 * m if big else m
    e = e + 1 if big else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    series = 1.0 + s2 * (1 / 3 + s2 * (1 / 5 + s2 * (1 / 7 + s2 * (1 / 9 + s2 * (1 / 11 + s2 * (
        1 / 13 + s2 * (1 / 15 + s2 * (1 / 17 + s2 * (1 / 19 + s2 * (1 / 21))))))))))
    return e * 0.6931471805599453 + 2.0 * s * series


@nb.njit(inline="always", **VEC)
def exp_neg(x):
    """exp(-x) for x >= 0 (0 beyond 700, where it is below 1e-304), branch-free; relative error ~1e-16:
    exp(-x) = 2^-q exp(r), |r| <= ln2 / 2 (also the large-x half of :func:`one_minus_exp`)."""
    y = min(x, 700.0)
    q = math.floor(y * 1.4426950408889634 + 0.5)
    r = q * 0.6931471803691238 - y + q * 1.9082149292705877e-10
    er = 1.0 + r * (1.0 + r * (1 / 2) * (1.0 + r * (1 / 3) * (1.0 + r * (1 / 4) * (1.0 + r * (1 / 5) * (
        1.0 + r * (1 / 6) * (1.0 + r * (1 / 7) * (1.0 + r * (1 / 8) * (1.0 + r * (1 / 9) * (
        1.0 + r * (1 / 10) * (1.0 + r * (1 / 11) * (1.0 + r * (1 / 12) * (1.0 + r * (1 / 13)))))))))))))
    return er * _bits_float((1023 - np.int64(q)) << 52) if x <= 700.0 else 0.0


@nb.njit(inline="always", **VEC)
def one_minus_exp(x):
    """1 - exp(-x) for x >= 0 to full relative precision (the series below 0.5), branch-free."""
    small = x * (1.0 - x * (1 / 2) * (1.0 - x * (1 / 3) * (1.0 - x * (1 / 4) * (1.0 - x * (1 / 5) * (
        1.0 - x * (1 / 6) * (1.0 - x * (1 / 7) * (1.0 - x * (1 / 8) * (1.0 - x * (1 / 9) * (
        1.0 - x * (1 / 10) * (1.0 - x * (1 / 11) * (1.0 - x * (1 / 12) * (1.0 - x * (1 / 13) * (1.0 - x * (1 / 14) * (
        1.0 - x * (1 / 15) * (1.0 - x * (1 / 16) * (1.0 - x * (1 / 17)))))))))))))))))
    return small if x < 0.5 else 1.0 - exp_neg(x)  # (beyond 700: 1 - 0, as 1 - 1e-304 rounds)


@nb.njit(inline="always", **VEC)
def cos_sin_turns(u):
    """cos and sin of 2 pi u for any real u, branch-free (vectorizes); error below 1e-15.
    u is reduced to a = 2 pi (u - q/4) in [-pi/4, pi/4] and the quadrant q applied after."""
    q = math.floor(4.0 * u + 0.5)
    a = (u - 0.25 * q) * 6.283185307179586
    a2 = a * a
    sn = a * (1.0 - a2 * (1 / 6) * (1.0 - a2 * (1 / 20) * (1.0 - a2 * (1 / 42) * (1.0 - a2 * (1 / 72) * (
        1.0 - a2 * (1 / 110) * (1.0 - a2 * (1 / 156) * (1.0 - a2 * (1 / 210))))))))
    cs = 1.0 - a2 * (1 / 2) * (1.0 - a2 * (1 / 12) * (1.0 - a2 * (1 / 30) * (1.0 - a2 * (1 / 56) * (
        1.0 - a2 * (1 / 90) * (1.0 - a2 * (1 / 132) * (1.0 - a2 * (1 / 182) * (1.0 - a2 * (1 / 240))))))))
    quadrant = q - 4.0 * math.floor(0.25 * q)
    cq = (1.0 if quadrant == 0.0 else 0.0) - (1.0 if quadrant == 2.0 else 0.0)
    sq = (1.0 if quadrant == 1.0 else 0.0) - (1.0 if quadrant == 3.0 else 0.0)
    return cs * cq - sn * sq, sn * cq + cs * sq


@nb.njit(cache=True, **VEC)
def math_check(x, kind):
    """The kernel's branch-free functions on an array, for the tests against numpy: kind 0 log,
    1 1 - exp(-x), 2 cos(2 pi x), 3 sin(2 pi x), 4 exp(-x)."""
    out = np.empty(x.size)
    for k in range(x.size):
        if kind == 0:
            out[k] = log(x[k])
        elif kind == 1:
            out[k] = one_minus_exp(x[k])
        elif kind == 4:
            out[k] = exp_neg(x[k])
        else:
            c, s = cos_sin_turns(x[k])
            out[k] = c if kind == 2 else s
    return out
