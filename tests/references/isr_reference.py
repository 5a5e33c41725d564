"""An independent ISR folding for the tests: sigma(s) = int dtau L(tau) sigma_hat(tau s) with the
parton luminosity L(tau) = int_tau^1 dx/x D(x) D(tau/x), by scipy's adaptive quadrature with
algebraic end-point weights for the (1 - x)^(beta/2 - 1) singularities of D (QAWS), and the outer
integral in v = (1 - tau)^beta (which takes away L's (1 - tau)^(beta - 1)), with the Z pole and the
threshold as break points. No code of mcgen.mc.beams is used."""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import integrate


def luminosity(tau: float, beta: float) -> float:
    """L(tau) = int_tau^1 dx/x D(x) D(tau/x), D = A (1 - x)^a + R(x), a = beta/2 - 1."""
    a = 0.5 * beta - 1.0
    big_a = 0.5 * beta * (1.0 + 0.375 * beta)

    def r(x: float) -> float:
        return -0.25 * beta * (1.0 + x)

    # D(tau/x) = A ((x - tau)/x)^a + R(tau/x); QAWS weight (x - tau)^alpha (1 - x)^beta_
    terms = (
        (lambda x: big_a * big_a * x ** (-a) / x, (a, a)),
        (lambda x: big_a * r(tau / x) / x, (0.0, a)),
        (lambda x: big_a * x ** (-a) * r(x) / x, (a, 0.0)),
    )
    total = sum(integrate.quad(f, tau, 1.0, weight="alg", wvar=w, epsabs=0.0, epsrel=1e-9, limit=200)[0] for f, w in terms)
    total += integrate.quad(lambda x: r(x) * r(tau / x) / x, tau, 1.0, epsabs=0.0, epsrel=1e-9, limit=200)[0]
    return total


def folded(sigma_hat: Callable[[float], float], sqrt_s: float, beta: float, tau_min: float, poles: tuple[float, ...] = ()) -> float:
    """int_{tau_min}^1 dtau L(tau) sigma_hat(sqrt(tau s)); ``poles``: values of tau to break at."""
    v_max = (1.0 - tau_min) ** beta

    big_a = 0.5 * beta * (1.0 + 0.375 * beta)
    edge = big_a**2 * math.gamma(0.5 * beta) ** 2 / math.gamma(beta) / beta  # L dtau/dv as v -> 0

    def integrand(v: float) -> float:
        one_minus_tau = v ** (1.0 / beta)
        tau = 1.0 - one_minus_tau
        if tau <= tau_min:
            return 0.0
        if one_minus_tau < 1e-9:  # L -> A^2 B(beta/2, beta/2) (1 - tau)^(beta - 1)
            return edge * sigma_hat(sqrt_s)
        jac = one_minus_tau / (beta * v)  # dtau/dv
        return luminosity(tau, beta) * sigma_hat(sqrt_s * math.sqrt(tau)) * jac

    breaks = sorted((1.0 - t) ** beta for t in poles if tau_min < t < 1.0)
    edges = [0.0, *breaks, v_max]
    return sum(integrate.quad(integrand, lo, hi, epsabs=0.0, epsrel=1e-7, limit=400)[0] for lo, hi in zip(edges, edges[1:]))
