"""The ISR structure function and its sampling, against closed forms and a quadrature."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import stats

from mcgen.physics.isr import isr_beta, isr_weight, isr_weight_max, structure_function, x_from_uniform

BETAS = [isr_beta(91.1876**2), isr_beta(240.0**2), isr_beta(365.0**2)]


def _cdf(x: np.ndarray, beta: float) -> np.ndarray:
    """int_0^x D, integrated by hand: (1 + 3b/8)(1 - (1 - x)^(b/2)) - (b/4)(x + x^2/2)."""
    return (1 + 0.375 * beta) * (1 - (1 - x) ** (0.5 * beta)) - 0.25 * beta * (x + 0.5 * x * x)


@pytest.mark.parametrize("beta", BETAS)
def test_the_structure_function_integrates_to_one(beta):
    # in y = 1 - x = t^(2/b): dy = (2/b) t^(2/b - 1) dt makes the y^(b/2 - 1) peak a smooth integrand
    # (quadrature straight over y misses 5-10% of it at 15 digits)
    b = mpmath.mpf(beta)
    d = lambda y: b / 2 * y ** (b / 2 - 1) * (1 + 3 * b / 8) - b / 4 * (2 - y)  # noqa: E731
    mapped = lambda t: d(t ** (2 / b)) * (2 / b) * t ** (2 / b - 1) if t > 0 else (1 + 3 * b / 8)  # noqa: E731
    assert float(mpmath.quad(mapped, [0, 0.5, 1])) == pytest.approx(1.0, abs=1e-12)
    x = 1 - np.logspace(-12, -1e-3, 50)
    assert np.allclose(structure_function(x, beta), [float(d(mpmath.mpf(1) - t)) for t in x], rtol=1e-9)
    assert _cdf(np.array(1.0), beta) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("beta", BETAS)
def test_the_weight_is_d_over_the_sampled_density_and_bounded(beta):
    x = np.concatenate([np.linspace(0, 1 - 1e-3, 1000), 1 - np.logspace(-3, -15, 100)])
    sampled = 0.5 * beta * (1 - x) ** (0.5 * beta - 1)
    assert np.allclose(isr_weight(x, beta) * sampled, structure_function(x, beta), rtol=1e-12)
    w = isr_weight(x, beta)
    assert w.min() >= 0.5 and w.max() <= isr_weight_max(beta)


@pytest.mark.parametrize("beta", BETAS)
def test_weighted_draws_follow_d_including_the_peak(beta):
    """1e6 weighted draws in bins of 1 - x from 1 down to 1e-14, against the closed-form bin
    integrals: chi^2 per degree of freedom from the weights' own errors."""
    rng = np.random.default_rng(11)
    x = x_from_uniform(1.0 - rng.random(1_000_000), beta)  # u in (0, 1]
    w = isr_weight(x, beta)
    edges_y = np.concatenate([[1.0], np.logspace(-0.05, -14, 60), [0.0]])  # 1 - x
    edges = 1 - edges_y  # increasing x
    sums, _ = np.histogram(x, bins=edges, weights=w)
    sq, _ = np.histogram(x, bins=edges, weights=w * w)
    expected = np.diff(_cdf(edges, beta)) * len(x)
    chi2 = np.sum((sums - expected) ** 2 / np.maximum(sq, 1e-300))
    assert chi2 / len(expected) < 1.5, chi2
    assert sums[-5:].sum() > 0  # the draws do reach x within 1e-12 of 1


@pytest.mark.parametrize("beta", BETAS)
def test_unweighted_draws_pass_a_ks_test(beta):
    rng = np.random.default_rng(5)
    x = x_from_uniform(1.0 - rng.random(1_200_000), beta)
    keep = rng.random(x.size) * isr_weight_max(beta) < isr_weight(x, beta)
    # KS on x < 1 - 1e-6 with the conditional CDF: beyond, 1 - x falls below the float resolution for
    # about 14% of the draws (x rounds to 1, ties a KS test cannot take; the weighted chi^2 covers them)
    top = 1 - 1e-6
    kept = x[keep][:1_000_000]
    result = stats.kstest(kept[kept < top], lambda t: _cdf(np.asarray(t), beta) / _cdf(np.array(top), beta))
    assert result.pvalue > 1e-3, result
    assert keep.mean() == pytest.approx(1 / isr_weight_max(beta), rel=5e-3)  # the mean weight is 1


def test_beta_at_the_z_pole():
    # (2 alpha/pi)(ln(s/m_e^2) - 1) with alpha(0) and m_e = 0.51099895 MeV, written out
    expected = 2 / 137.035999084 / math.pi * (math.log(91.1876**2 / 0.51099895e-3**2) - 1)
    assert isr_beta(91.1876**2) == pytest.approx(expected, rel=1e-9)
