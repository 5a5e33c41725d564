"""Initial-state radiation: the electron structure function and its sampling (docs/physics/beams.md).

Each beam keeps the energy fraction x with the O(alpha)-exponentiated leading-log density

    D(x; s) = (beta/2) (1 - x)^(beta/2 - 1) (1 + 3 beta/8) - (beta/4) (1 + x),
    beta = (2 alpha(0)/pi) (ln(s/m_e^2) - 1),

whose integral over [0, 1] is 1. The hard process runs at s_hat = x1 x2 s:
sigma(s) = int dx1 dx2 D(x1) D(x2) sigma_hat(x1 x2 s).

Sampling maps away the integrable (1 - x)^(beta/2 - 1) peak: with u uniform, x = 1 - u^(2/beta)
is distributed as (beta/2)(1 - x)^(beta/2 - 1) exactly, and the event carries the weight
D(x) / [(beta/2)(1 - x)^(beta/2 - 1)] = 1 + 3 beta/8 - (1/2)(1 + x)(1 - x)^(1 - beta/2),
which lies in [1/2, 1 + 3 beta/8] and averages to 1: smooth, positive, and cheap to unweight
(hit-or-miss keeps 1/(1 + 3 beta/8), 96% of the draws).
"""

from __future__ import annotations

import math

import numpy as np

from mcgen import fpmath
from mcgen.physics.constants import LEPTON_MASS

__all__ = ["ALPHA_0", "isr_beta", "structure_function", "x_from_uniform", "isr_weight", "isr_weight_max"]

ALPHA_0 = 1 / 137.035999084
"""alpha(0) (CODATA 2018): the coupling of the real, soft-collinear ISR photons."""


def isr_beta(s: float, alpha0: float = ALPHA_0) -> float:
    """beta = (2 alpha/pi)(ln(s/m_e^2) - 1): 0.108 at the Z pole, 0.117 at 240 GeV.

    >>> round(isr_beta(91.1876**2), 4), round(isr_beta(240.0**2), 4)
    (0.1077, 0.1167)
    """
    return 2.0 * alpha0 / math.pi * (float(fpmath.log(s / LEPTON_MASS["e"] ** 2)) - 1.0)


def structure_function(x: np.ndarray | float, beta: float) -> np.ndarray:
    """D(x) for energy fractions 0 <= x < 1 (it diverges, integrably, at x -> 1)."""
    x = np.asarray(x, dtype=float)
    return 0.5 * beta * fpmath.power(1.0 - x, 0.5 * beta - 1.0) * (1.0 + 0.375 * beta) - 0.25 * beta * (1.0 + x)


def x_from_uniform(u: np.ndarray | float, beta: float) -> np.ndarray:
    """x = 1 - u^(2/beta): distributed as (beta/2)(1 - x)^(beta/2 - 1) for u uniform in (0, 1]."""
    return 1.0 - fpmath.power(np.asarray(u, dtype=float), 2.0 / beta)


def isr_weight(x: np.ndarray | float, beta: float) -> np.ndarray:
    """D(x) over the sampled density of :func:`x_from_uniform`: in [1/2, 1 + 3 beta/8], mean 1."""
    x = np.asarray(x, dtype=float)
    return 1.0 + 0.375 * beta - 0.5 * (1.0 + x) * fpmath.power(1.0 - x, 1.0 - 0.5 * beta)


def isr_weight_max(beta: float) -> float:
    """An upper bound of :func:`isr_weight` (its value at x -> 1), for unweighting."""
    return 1.0 + 0.375 * beta
