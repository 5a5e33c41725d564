"""Elementary functions in IEEE-754 arithmetic alone, so that a result does not depend on the host.

numpy picks its exp, log, power, tan, arctan, expm1, log1p, tanh, ... by the CPU at run time
(AVX-512, AVX2 and SSE paths that differ in the last bits), and the C library picks its own by
the CPU and by its version. A set-up table computed with them, and every event drawn through it,
would then differ between a laptop and a server. These functions use only +, -, *, /, sqrt and
bit operations, which every x86-64 CPU rounds the same way (numba emits no fused multiply-add
without fastmath's ``contract``), so they give the same bits everywhere. Accuracy: a few units
in the last place (tests/integration/test_fpmath.py compares them with the correctly rounded values of mpmath).

Each public function takes numbers or arrays from Python (through one compiled map over the
array for all of them: one load from numba's cache, a few microseconds a call) and is inlined as
its scalar kernel where a numba kernel calls it (``numba.extending.overload``).
"""

from __future__ import annotations

import decimal
import functools
import math
from typing import Any

import numba as nb
import numpy as np
from numba.extending import overload

from mcgen.simd import _bits_float
from mcgen.simd import log as _log_normal

__all__ = ["exp", "log", "log1p", "expm1", "log10", "sin", "cos", "tan", "atan", "atan2", "asin", "acos", "tanh", "cosh", "sinh",
           "acosh", "atanh", "power", "geomspace", "dot", "gauss_legendre", "gauss_hermite_e"]

_FLAGS: dict[str, Any] = {"error_model": "numpy"}  # no fastmath: NaN and infinities keep their IEEE meaning

_LN2_HI, _LN2_LO = 0.6931471803691238, 1.9082149292705877e-10  # ln 2 = hi + lo; k hi is exact (21 zero bits)
_LOG2_E = 1.4426950408889634
_PIO2_1, _PIO2_2, _PIO2_3 = 1.5707963267341256, 6.077100506303966e-11, 2.0222662487959506e-21  # pi/2 in three parts
_PIO2_HI, _PIO2_LO = 1.5707963267948966, 6.123233995736766e-17
_PIO4_HI, _PIO4_LO = 0.7853981633974483, 3.061616997868383e-17
_TAN_PI_8 = 0.41421356237309503
_ATAN_COEFFICIENTS = tuple(1.0 / (2 * k + 1) for k in range(22, -1, -1))  # 1/45, 1/43, ..., 1 (Horner's order)


@nb.njit(**_FLAGS)
def _scale2(x, k):
    """x 2^k for an integer k in [-1100, 1100] (two steps where 2^k itself is not a normal float)."""
    if k > 1000:
        return x * _bits_float(np.int64(1023 + 1000) << 52) * _bits_float(np.int64(1023 + k - 1000) << 52)
    if k < -1000:
        return x * _bits_float(np.int64(1023 - 1000) << 52) * _bits_float(np.int64(1023 + k + 1000) << 52)
    return x * _bits_float(np.int64(1023 + k) << 52)


@nb.njit(**_FLAGS)
def _exp_reduced(r):
    """exp(r) for |r| <= ln2 / 2 (Taylor to degree 13: the remainder is below 1e-17)."""
    return 1.0 + r * (1.0 + r * (1 / 2) * (1.0 + r * (1 / 3) * (1.0 + r * (1 / 4) * (1.0 + r * (1 / 5) * (
        1.0 + r * (1 / 6) * (1.0 + r * (1 / 7) * (1.0 + r * (1 / 8) * (1.0 + r * (1 / 9) * (
            1.0 + r * (1 / 10) * (1.0 + r * (1 / 11) * (1.0 + r * (1 / 12) * (1.0 + r * (1 / 13)))))))))))))


@nb.njit(**_FLAGS)
def _exp(x):
    """e^x: x = k ln2 + r, |r| <= ln2 / 2, e^x = 2^k e^r."""
    if x != x:
        return x
    if x > 709.782712893384:
        return math.inf
    if x < -745.2:
        return 0.0
    k = math.floor(x * _LOG2_E + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    return _scale2(_exp_reduced(r), np.int64(k))


@nb.njit(**_FLAGS)
def _log(x):
    """Natural logarithm (mcgen.simd.log on normal numbers; 0, subnormal, negative and infinite inputs here)."""
    if x != x or x == math.inf:
        return x
    if x < 0.0:
        return math.nan
    if x == 0.0:
        return -math.inf
    if x < 2.2250738585072014e-308:  # subnormal: scale into the normal range first
        return _log_normal(x * 18014398509481984.0) - 54 * 0.6931471805599453
    return _log_normal(x)


@nb.njit(**_FLAGS)
def _log1p(x):
    """log(1 + x) to full relative precision near 0: log(u) x / (u - 1), u = 1 + x (Goldberg's correction)."""
    if x != x or x == math.inf:
        return x
    u = 1.0 + x
    if u == 1.0:
        return x
    return _log(u) * (x / (u - 1.0))


@nb.njit(**_FLAGS)
def _expm1_series(x):
    """e^x - 1 for |x| <= 0.35 (Taylor to degree 17: the remainder is below 2e-18 relative)."""
    return x * (1.0 + x * (1 / 2) * (1.0 + x * (1 / 3) * (1.0 + x * (1 / 4) * (1.0 + x * (1 / 5) * (
        1.0 + x * (1 / 6) * (1.0 + x * (1 / 7) * (1.0 + x * (1 / 8) * (1.0 + x * (1 / 9) * (
            1.0 + x * (1 / 10) * (1.0 + x * (1 / 11) * (1.0 + x * (1 / 12) * (1.0 + x * (1 / 13) * (
                1.0 + x * (1 / 14) * (1.0 + x * (1 / 15) * (1.0 + x * (1 / 16) * (1.0 + x * (1 / 17)))))))))))))))))


@nb.njit(**_FLAGS)
def _expm1(x):
    """e^x - 1 to full relative precision near 0."""
    if abs(x) <= 0.35:
        return _expm1_series(x)
    return _exp(x) - 1.0


_POWERS_OF_TEN = tuple(float(10**k) for k in range(23))  # exact in float64


@nb.njit(**_FLAGS)
def _log10(x):
    """Decimal logarithm, log(x) / ln 10, and exactly n at x = 10^n (|n| <= 22)."""
    r = _log(x) * 0.4342944819032518
    n = math.floor(r + 0.5)
    if abs(n) <= 22.0:
        p = _POWERS_OF_TEN[np.int64(abs(n))]
        if x == (p if n >= 0.0 else 1.0 / p):  # 1e-n is the float nearest 1 / 10^n
            return n
    return r


@nb.njit(**_FLAGS)
def _sin_cos_reduced(a):
    """(sin a, cos a) for |a| <= pi/4 (Taylor to degrees 15 and 16: remainders below 5e-17)."""
    a2 = a * a
    sn = a * (1.0 - a2 * (1 / 6) * (1.0 - a2 * (1 / 20) * (1.0 - a2 * (1 / 42) * (1.0 - a2 * (1 / 72) * (
        1.0 - a2 * (1 / 110) * (1.0 - a2 * (1 / 156) * (1.0 - a2 * (1 / 210))))))))
    cs = 1.0 - a2 * (1 / 2) * (1.0 - a2 * (1 / 12) * (1.0 - a2 * (1 / 30) * (1.0 - a2 * (1 / 56) * (
        1.0 - a2 * (1 / 90) * (1.0 - a2 * (1 / 132) * (1.0 - a2 * (1 / 182) * (1.0 - a2 * (1 / 240))))))))
    return sn, cs


@nb.njit(**_FLAGS)
def _sin_cos(x):
    """(sin x, cos x): x = q pi/2 + a with pi/2 in three parts (Cody and Waite; exact products for
    |q| < 2^20, i.e. |x| below about 1.6e6, where the error stays a few units in the last place)."""
    if not abs(x) < math.inf:
        return math.nan, math.nan
    q = math.floor(x * 0.6366197723675814 + 0.5)
    a = ((x - q * _PIO2_1) - q * _PIO2_2) - q * _PIO2_3
    sn, cs = _sin_cos_reduced(a)
    quadrant = np.int64(q) & 3
    if quadrant == 0:
        return sn, cs
    if quadrant == 1:
        return cs, -sn
    if quadrant == 2:
        return -sn, -cs
    return -cs, sn


@nb.njit(**_FLAGS)
def _sin(x):
    """Sine of x (radians)."""
    return _sin_cos(x)[0]


@nb.njit(**_FLAGS)
def _cos(x):
    """Cosine of x (radians)."""
    return _sin_cos(x)[1]


@nb.njit(**_FLAGS)
def _tan(x):
    """Tangent of x (radians), sin / cos of one reduction."""
    sn, cs = _sin_cos(x)
    return sn / cs


@nb.njit(**_FLAGS)
def _atan_series(y):
    """atan(y) for |y| <= tan(pi/8) (Taylor to degree 45: the remainder is below 1e-19)."""
    y2 = y * y
    s = 0.0
    for c in _ATAN_COEFFICIENTS:
        s = c - y2 * s
    return y * s


@nb.njit(**_FLAGS)
def _atan(x):
    """Arc tangent: |x| > 1 through pi/2 - atan(1/|x|), |x| > tan(pi/8) through pi/4 + atan((x - 1)/(x + 1))."""
    if x != x:
        return x
    ax = abs(x)
    if ax > 1.0:
        t = 1.0 / ax
        if t > _TAN_PI_8:
            r = (_PIO4_HI + _atan_series((1.0 - t) / (1.0 + t))) + _PIO4_LO  # pi/2 - (pi/4 + _atan((t - 1)/(t + 1)))
        else:
            r = (_PIO2_HI - _atan_series(t)) + _PIO2_LO
    elif ax > _TAN_PI_8:
        r = (_PIO4_HI + _atan_series((ax - 1.0) / (ax + 1.0))) + _PIO4_LO
    else:
        r = _atan_series(ax)
    return r if x >= 0.0 else -r


@nb.njit(**_FLAGS)
def _atan2(y, x):
    """The angle of (x, y) in (-pi, pi]."""
    if x != x or y != y:
        return math.nan
    if x == 0.0 and y == 0.0:
        return math.pi if math.copysign(1.0, x) < 0.0 else 0.0
    if abs(y) > abs(x):
        r = _PIO2_HI - _atan(x / abs(y)) + _PIO2_LO
        return r if y > 0.0 else -r
    r = _atan(y / x) if x != 0.0 else 0.0
    if x > 0.0:
        return r
    return (r + math.pi) if y >= 0.0 else (r - math.pi)


@nb.njit(**_FLAGS)
def _asin(x):
    """Arc sine, atan2(x, sqrt((1 - x)(1 + x))) (NaN outside [-1, 1])."""
    if not abs(x) <= 1.0:
        return math.nan
    return _atan2(x, math.sqrt((1.0 - x) * (1.0 + x)))


@nb.njit(**_FLAGS)
def _acos(x):
    """Arc cosine, atan2(sqrt((1 - x)(1 + x)), x) (NaN outside [-1, 1])."""
    if not abs(x) <= 1.0:
        return math.nan
    return _atan2(math.sqrt((1.0 - x) * (1.0 + x)), x)


@nb.njit(**_FLAGS)
def _tanh(x):
    """Hyperbolic tangent, expm1(2|x|) / (expm1(2|x|) + 2) (1 beyond |x| = 20)."""
    ax = abs(x)
    if ax > 20.0:
        r = 1.0
    else:
        t = _expm1(2.0 * ax)
        r = t / (t + 2.0)
    return r if x >= 0.0 else -r


@nb.njit(**_FLAGS)
def _cosh(x):
    """Hyperbolic cosine, (e^|x| + e^-|x|)/2 (e^(|x| - ln2) where e^|x| overflows)."""
    ax = abs(x)
    if ax > 709.0:
        return _exp(ax - 0.6931471805599453)
    e = _exp(ax)
    return 0.5 * e + 0.5 / e


@nb.njit(**_FLAGS)
def _sinh(x):
    """Hyperbolic sine: (t + t/(t + 1))/2 with t = expm1(|x|) below 1, else (e^|x| - e^-|x|)/2."""
    ax = abs(x)
    if ax < 1.0:
        t = _expm1(ax)
        r = 0.5 * (t + t / (t + 1.0))
    elif ax > 709.0:
        r = _exp(ax - 0.6931471805599453)
    else:
        e = _exp(ax)
        r = 0.5 * e - 0.5 / e
    return r if x >= 0.0 else -r


@nb.njit(**_FLAGS)
def _acosh(x):
    """Inverse hyperbolic cosine, log1p(t + sqrt(2t + t^2)) with t = x - 1 (NaN below 1)."""
    if x < 1.0 or x != x:
        return math.nan
    if x > 1e8:
        return _log(x) + 0.6931471805599453
    t = x - 1.0
    return _log1p(t + math.sqrt(2.0 * t + t * t))


@nb.njit(**_FLAGS)
def _atanh(x):
    """Inverse hyperbolic tangent, log1p(2x / (1 - x)) / 2."""
    ax = abs(x)
    if ax > 1.0 or x != x:
        return math.nan
    r = 0.5 * _log1p(2.0 * ax / (1.0 - ax)) if ax < 1.0 else math.inf
    return r if x >= 0.0 else -r


@nb.njit(**_FLAGS)
def _power(x, y):
    """x^y: by repeated squaring for whole y up to 64 (exact where the result is, as 10^k), else
    exp(y log x) for x > 0 (relative error about |y log x| units in the last place); NaN for x < 0
    and y not whole."""
    if y == 0.0:
        return 1.0
    if y == math.floor(y) and abs(y) <= 64.0:
        n, r, b = np.int64(abs(y)), 1.0, x
        while n > 0:
            if n & 1:
                r *= b
            b *= b
            n >>= 1
        return 1.0 / r if y < 0.0 else r
    if x < 0.0:
        return math.nan
    return _exp(y * _log(x))


# --- the public functions: numpy-style for Python (scalars and arrays), inlined in numba kernels -------

@nb.njit(cache=True, **_FLAGS)
def _map_unary(code, x, out):
    """out[i] = the function number ``code`` of :data:`UNARY` at x[i] (one compiled function for all:
    one load from numba's cache, not one per function)."""
    if code == 0:
        for i in range(x.size):
            out[i] = _exp(x[i])
    elif code == 1:
        for i in range(x.size):
            out[i] = _log(x[i])
    elif code == 2:
        for i in range(x.size):
            out[i] = _log1p(x[i])
    elif code == 3:
        for i in range(x.size):
            out[i] = _expm1(x[i])
    elif code == 4:
        for i in range(x.size):
            out[i] = _log10(x[i])
    elif code == 5:
        for i in range(x.size):
            out[i] = _sin(x[i])
    elif code == 6:
        for i in range(x.size):
            out[i] = _cos(x[i])
    elif code == 7:
        for i in range(x.size):
            out[i] = _tan(x[i])
    elif code == 8:
        for i in range(x.size):
            out[i] = _atan(x[i])
    elif code == 9:
        for i in range(x.size):
            out[i] = _asin(x[i])
    elif code == 10:
        for i in range(x.size):
            out[i] = _acos(x[i])
    elif code == 11:
        for i in range(x.size):
            out[i] = _tanh(x[i])
    elif code == 12:
        for i in range(x.size):
            out[i] = _cosh(x[i])
    elif code == 13:
        for i in range(x.size):
            out[i] = _sinh(x[i])
    elif code == 14:
        for i in range(x.size):
            out[i] = _acosh(x[i])
    elif code == 15:
        for i in range(x.size):
            out[i] = _atanh(x[i])


@nb.njit(cache=True, **_FLAGS)
def _map_binary(code, x, y, out):
    """out[i] = the function number ``code`` of :data:`BINARY` at (x[i], y[i])."""
    if code == 0:
        for i in range(x.size):
            out[i] = _atan2(x[i], y[i])
    elif code == 1:
        for i in range(x.size):
            out[i] = _power(x[i], y[i])


def _apply(code: int, binary: bool, *args: Any) -> Any:
    """A function of :data:`UNARY` or :data:`BINARY` on numbers or arrays (broadcast), as numpy's
    ufuncs are called: a float for scalars, an array otherwise."""
    if all(isinstance(a, (float, int)) and not isinstance(a, bool) for a in args):  # one number: the common call
        buf = np.array(args, dtype=np.float64)
        if binary:
            _map_binary(code, buf[:1], buf[1:], buf[:1])
        else:
            _map_unary(code, buf, buf)
        return float(buf[0])
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args)) if binary else [np.asarray(args[0], dtype=np.float64)]
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    out = np.empty(flat[0].size)
    if binary:
        _map_binary(code, flat[0], flat[1], out)
    else:
        _map_unary(code, flat[0], out)
    return float(out[0]) if arrays[0].ndim == 0 else out.reshape(arrays[0].shape)


def _public(name: str, code: int, kernel: Any, binary: bool) -> Any:
    """The public function ``name``: the array map from Python, the scalar kernel inside numba."""
    if binary:
        def function(x: Any, y: Any) -> Any:
            return _apply(code, True, x, y)

        overload(function)(lambda x, y: (lambda x, y: kernel(x, y)))
    else:
        def function(x: Any) -> Any:  # type: ignore[misc]
            return _apply(code, False, x)

        overload(function)(lambda x: (lambda x: kernel(x)))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = kernel.__doc__
    function.__module__ = __name__
    return function


UNARY = ('exp', 'log', 'log1p', 'expm1', 'log10', 'sin', 'cos', 'tan', 'atan', 'asin', 'acos', 'tanh', 'cosh', 'sinh', 'acosh', 'atanh')
BINARY = ('atan2', 'power')
exp = _public('exp', 0, _exp, False)
log = _public('log', 1, _log, False)
log1p = _public('log1p', 2, _log1p, False)
expm1 = _public('expm1', 3, _expm1, False)
log10 = _public('log10', 4, _log10, False)
sin = _public('sin', 5, _sin, False)
cos = _public('cos', 6, _cos, False)
tan = _public('tan', 7, _tan, False)
atan = _public('atan', 8, _atan, False)
asin = _public('asin', 9, _asin, False)
acos = _public('acos', 10, _acos, False)
tanh = _public('tanh', 11, _tanh, False)
cosh = _public('cosh', 12, _cosh, False)
sinh = _public('sinh', 13, _sinh, False)
acosh = _public('acosh', 14, _acosh, False)
atanh = _public('atanh', 15, _atanh, False)
atan2 = _public('atan2', 0, _atan2, True)
power = _public('power', 1, _power, True)


def geomspace(start: float, stop: float, num: int) -> np.ndarray:
    """``num`` points from ``start`` to ``stop`` (both > 0, both exact) equally spaced in log, the
    powers of ten among them exact.

    >>> [float(x) for x in geomspace(1.0, 100.0, 3)]
    [1.0, 10.0, 100.0]
    """
    out = power(10.0, np.linspace(float(log10(start)), float(log10(stop)), num))
    if num > 0:
        out[0] = start
    if num > 1:
        out[-1] = stop
    return out


def dot(a: np.ndarray, b: np.ndarray) -> Any:
    """The sum of a * b over the last axis, in numpy's pairwise order (the same on every CPU; BLAS's
    dot product, numpy's ``@``, sums in the order of the CPU's kernel)."""
    return np.sum(np.multiply(a, b), axis=-1)


_SQRT_2PI_40 = decimal.Decimal("2.506628274631000502415765284811045253006986740609938316629923")


@functools.lru_cache(maxsize=16)
def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1], correctly rounded: numpy's ``leggauss``
    (an eigenvalue solver, whose last bits depend on the CPU) polished by two Newton steps in
    40-digit decimal arithmetic. Read-only arrays (they are cached).

    >>> x, w = gauss_legendre(3)
    >>> [float(v) for v in x], [float(v) for v in w * 9]
    ([-0.7745966692414834, 0.0, 0.7745966692414834], [5.0, 8.0, 5.0])
    """
    def weight(n: int, x: decimal.Decimal) -> decimal.Decimal:
        _, dp = _legendre(n, x)
        return 2 / ((1 - x * x) * dp * dp)

    return _polished(n, np.polynomial.legendre.leggauss(n)[0], _legendre, weight)


@functools.lru_cache(maxsize=16)
def gauss_hermite_e(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for the weight exp(-x^2/2) (numpy's ``hermegauss``: the
    weights add up to sqrt(2 pi)), correctly rounded as :func:`gauss_legendre`.

    >>> x, w = gauss_hermite_e(3)
    >>> [round(float(v) ** 2, 12) for v in x], [round(float(v / w.sum()) * 6, 12) for v in w]
    ([3.0, 0.0, 3.0], [1.0, 4.0, 1.0])
    """
    def weight(n: int, x: decimal.Decimal) -> decimal.Decimal:
        _, dp = _hermite_e(n, x)  # He_n' = n He_{n-1}: w = n! sqrt(2 pi) / (n He_{n-1})^2 = n! sqrt(2 pi) / He_n'^2
        return math.factorial(n) * _SQRT_2PI_40 / (dp * dp)

    return _polished(n, np.polynomial.hermite_e.hermegauss(n)[0], _hermite_e, weight)


def _polished(n: int, start: np.ndarray, poly, weight) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of a symmetric rule from numpy's (a few units in the last place off) by two Newton steps
    of ``poly`` (value and derivative) in 40 digits, and their weights, rounded once to float64."""
    nodes, weights = np.zeros(n), np.zeros(n)
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        for k in range(n // 2):
            x = decimal.Decimal(float(start[k]))
            for _ in range(2):
                p, dp = poly(n, x)
                x -= p / dp
            nodes[k], nodes[n - 1 - k] = float(x), -float(x)
            weights[k] = weights[n - 1 - k] = float(weight(n, x))
        if n % 2:
            weights[n // 2] = float(weight(n, decimal.Decimal(0)))
    nodes.flags.writeable = weights.flags.writeable = False
    return nodes, weights


def _legendre(n: int, x: decimal.Decimal) -> tuple[decimal.Decimal, decimal.Decimal]:
    """P_n(x) and P_n'(x) by the three-term recurrence (in the caller's decimal context)."""
    p_prev, p = decimal.Decimal(1), x
    for k in range(1, n):
        p_prev, p = p, ((2 * k + 1) * x * p - k * p_prev) / (k + 1)
    return p, n * (p_prev - x * p) / (1 - x * x)


def _hermite_e(n: int, x: decimal.Decimal) -> tuple[decimal.Decimal, decimal.Decimal]:
    """He_n(x) and He_n'(x) = n He_{n-1}(x) (probabilists' Hermite polynomials)."""
    p_prev, p = decimal.Decimal(1), x
    for k in range(1, n):
        p_prev, p = p, x * p - k * p_prev
    return p, n * p_prev
