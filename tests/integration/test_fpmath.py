"""mcgen.fpmath against mpmath's values at 120 bits: a few units in the last place, the IEEE
special values, and Gauss rules that are the correctly rounded nodes and weights."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from mcgen import fpmath


@pytest.fixture(autouse=True)
def _precision():
    """mpmath at 120 bits for every test here (whatever other tests left)."""
    with mpmath.workprec(120):
        yield
RNG = np.random.default_rng(20261206)


def _uniform(lo: float, hi: float, n: int = 1500) -> np.ndarray:
    return RNG.uniform(lo, hi, n)


def _log_uniform(lo: float, hi: float, n: int = 1500) -> np.ndarray:
    return np.exp(RNG.uniform(math.log(lo), math.log(hi), n))


def _worst_ulps(f, exact, *args: np.ndarray) -> float:
    got = f(*args)
    worst = 0.0
    for i in range(len(got)):
        ref = exact(*(mpmath.mpf(float(a[i])) for a in args))
        if mpmath.isfinite(ref) and ref != 0:
            worst = max(worst, float(abs(mpmath.mpf(float(got[i])) - ref) / math.ulp(float(ref))))
    return worst


CASES = [  # (name, function, mpmath's, argument sets, bound in units in the last place)
    ("exp", fpmath.exp, mpmath.exp, [_uniform(-740, 709), _uniform(-1, 1), _uniform(-1e-8, 1e-8)], 2),
    ("log", fpmath.log, mpmath.log,
     [_log_uniform(1e-300, 1e300), _uniform(0.5, 2), _uniform(1 - 1e-6, 1 + 1e-6), _uniform(1e-320, 1e-310)], 4),
    ("log1p", fpmath.log1p, mpmath.log1p, [_uniform(-0.999, 10), _uniform(-1e-6, 1e-6), _log_uniform(1e-20, 1e10)], 5),
    ("expm1", fpmath.expm1, mpmath.expm1, [_uniform(-40, 40), _uniform(-0.4, 0.4), _log_uniform(1e-20, 1e-3)], 5),
    ("sin", fpmath.sin, mpmath.sin, [_uniform(-10, 10), _uniform(-1e-5, 1e-5), _uniform(-1e4, 1e4)], 3),
    ("cos", fpmath.cos, mpmath.cos, [_uniform(-10, 10), _uniform(-1e-5, 1e-5), _uniform(-1e4, 1e4)], 3),
    ("tan", fpmath.tan, mpmath.tan, [_uniform(-1.5, 1.5), _uniform(-100, 100)], 4),
    ("atan", fpmath.atan, mpmath.atan, [_uniform(-3, 3), _log_uniform(1e-10, 1e10), _uniform(0.3, 0.5)], 3),
    ("asin", fpmath.asin, mpmath.asin, [_uniform(-1, 1), _uniform(-1e-6, 1e-6)], 4),
    ("acos", fpmath.acos, mpmath.acos, [_uniform(-1, 1)], 4),
    ("tanh", fpmath.tanh, mpmath.tanh, [_uniform(-25, 25), _uniform(-1e-3, 1e-3)], 4),
    ("cosh", fpmath.cosh, mpmath.cosh, [_uniform(-700, 700), _uniform(-2, 2)], 3),
    ("sinh", fpmath.sinh, mpmath.sinh, [_uniform(-700, 700), _uniform(-2, 2), _uniform(-1e-6, 1e-6)], 4),
    ("acosh", fpmath.acosh, mpmath.acosh, [_uniform(1, 1.001), _log_uniform(1, 1e10)], 6),
    ("atanh", fpmath.atanh, mpmath.atanh, [_uniform(-0.999999, 0.999999), _uniform(-1e-4, 1e-4)], 5),
    ("log10", fpmath.log10, mpmath.log10, [_log_uniform(1e-30, 1e30)], 4),
]


@pytest.mark.parametrize(("name", "f", "exact", "sets", "bound"), CASES, ids=[c[0] for c in CASES])
def test_unary_functions_are_within_a_few_ulps(name, f, exact, sets, bound):
    for xs in sets:
        assert _worst_ulps(f, exact, xs) <= bound, name


def test_binary_functions():
    y, x = _uniform(-5, 5), _uniform(-5, 5)
    assert _worst_ulps(fpmath.atan2, mpmath.atan2, y, x) <= 4
    base, exponent = _log_uniform(1e-5, 1e3), _uniform(-3, 3)
    # exp(y log x): the error grows with |y log x| (at most 35 here)
    assert _worst_ulps(fpmath.power, lambda a, b: a**b, base, exponent) <= 2 + 1.5 * float(np.max(np.abs(exponent * np.log(base))))


def test_special_values():
    inf, nan = math.inf, math.nan
    assert list(fpmath.exp(np.array([0.0, -inf, inf, 710.0, -746.0]))) == [1.0, 0.0, inf, inf, 0.0]
    assert fpmath.exp(-745.1) == 5e-324 and math.isnan(fpmath.exp(nan))
    assert list(fpmath.log(np.array([0.0, inf, 1.0]))) == [-inf, inf, 0.0] and math.isnan(fpmath.log(-1.0))
    assert fpmath.log(5e-324) == pytest.approx(math.log(5e-324), rel=1e-15)
    assert list(fpmath.atan2(np.array([0.0, 0.0, 1.0, -1.0]), np.array([1.0, -1.0, 0.0, 0.0]))) == [0.0, math.pi, math.pi / 2, -math.pi / 2]
    assert fpmath.atan(inf) == math.pi / 2 and fpmath.tanh(-inf) == -1.0 and fpmath.atanh(1.0) == inf
    assert math.isnan(fpmath.acosh(0.5)) and math.isnan(fpmath.asin(1.5)) and math.isnan(fpmath.sin(inf))
    assert [float(fpmath.log10(10.0**k)) for k in range(-22, 23)] == [float(k) for k in range(-22, 23)]
    assert [float(fpmath.power(10.0, float(k))) for k in range(23)] == [10.0**k for k in range(23)]
    assert fpmath.power(-2.0, 3.0) == -8.0 and math.isnan(fpmath.power(-2.0, 0.5)) and fpmath.power(0.0, 0.0) == 1.0
    assert list(fpmath.geomspace(1e-3, 10.0, 5)) == [1e-3, 1e-2, 1e-1, 1.0, 10.0]


def test_dot_is_the_pairwise_sum():
    a, b = RNG.random(1000), RNG.random(1000)
    assert fpmath.dot(a, b) == np.sum(a * b)
    m = RNG.random((7, 1000))
    assert list(fpmath.dot(m, b)) == [np.sum(row * b) for row in m]


@pytest.mark.parametrize("n", [4, 7, 8, 96])
def test_gauss_legendre_is_correctly_rounded(n):
    x, w = fpmath.gauss_legendre(n)
    for k in (0, n // 3, n - 1):
        root = mpmath.findroot(lambda t: mpmath.legendre(n, t), mpmath.mpf(float(x[k])))
        slope = mpmath.diff(lambda t: mpmath.legendre(n, t), root)
        assert float(root) == x[k]
        assert float(2 / ((1 - root**2) * slope**2)) == w[k]
    assert not x.flags.writeable


@pytest.mark.parametrize("n", [5, 7, 9])
def test_gauss_hermite_e_integrates_the_normal_moments(n):
    x, w = fpmath.gauss_hermite_e(n)
    assert float(w.sum()) == pytest.approx(math.sqrt(2 * math.pi), rel=1e-15)
    for k in range(0, 2 * n, 2):  # E[g^k] = (k - 1)!! for the unit normal, exact up to degree 2n - 1
        assert float(np.sum(w * x**k)) / math.sqrt(2 * math.pi) == pytest.approx(math.prod(range(k - 1, 0, -2)), rel=1e-13)
    for k in range(n // 2):  # He_n(x_k) = 0 at 40 digits
        root = mpmath.findroot(lambda t: mpmath.hermite(n, t / mpmath.sqrt(2)), mpmath.mpf(float(x[k])))
        assert float(root) == x[k]
