"""e+e- -> gamma gamma at tree level, with the electron mass (a reducible background of single-photon
searches: one photon seen, the other lost).

In the centre-of-mass frame, with beams of energy E = sqrt(s)/2, velocity beta and mu = 1 - beta^2 =
4 m^2 / s, a photon at polar angle theta to the e- has p.k1 = E^2 (1 - beta c), p.k2 = E^2 (1 + beta c)
(c = cos theta), and the spin-averaged squared matrix element (the crossing of Compton scattering)

    (1/4) sum abs(M)^2 = 2 e^4 [p.k2/p.k1 + p.k1/p.k2 + 2 m^2 (1/p.k1 + 1/p.k2) - m^4 (1/p.k1 + 1/p.k2)^2]
                    = 2 e^4 [4 + 4 mu - 2 q - 4 mu^2 / q] / q,      q = (1 - beta c)(1 + beta c)

with q = 1 - beta^2 c^2 = sin^2 theta + mu cos^2 theta computed without cancellation (the photon
collinear with a beam, q -> mu, is where the mass matters). dsigma/dcos = (1/4) sum abs(M)^2 / (32 pi s beta);
the two photons are identical, so the cross section over the whole sphere has a factor 1/2.

Longitudinally polarised beams (P-, P+; mcgen.physics.polarisation): QED conserves parity, so the rate is
(1/4) sum over the beams' helicities h-, h+ = +-1 of (1 + h- P-)(1 + h+ P+) abs(M)^2 = msq + P- P+ (same - opposite),
with ``same`` the states of equal helicities, which only the mass allows (a photon pair from e-_L e+_L has J_z = 0
along the beams):

    (1/4) sum_(h- = h+) abs(M)^2 = 2 e^4 mu [6 - 4 mu - (1 - q)(4 - 2 c^2)] / q^2

(1 - q = beta^2 c^2). Away from the beams it is 3 mu of the rate, so the massless (1 - P- P+) holds there; within
an angle m/E of a beam it is all of it (tests/physics/test_gammagamma.py: a trace with the spin projectors).
"""

from __future__ import annotations

import math

import numpy as np

from mcgen import fpmath
from mcgen.physics.constants import LEPTON_MASS
from mcgen.physics.isr import ALPHA_0

__all__ = ["mu_of_s", "q_of_cos", "msq_of_q", "msq_equal_helicities", "msq_polarised", "msq", "dsigma_dcos", "sigma_total"]

M_E = LEPTON_MASS["e"]


def mu_of_s(s: float, m: float = M_E) -> float:
    """mu = 1 - beta^2 = 4 m^2 / s of the beams."""
    return 4.0 * m * m / s


def q_of_cos(cos_theta: np.ndarray | float, mu: float) -> np.ndarray:
    """q = (1 - beta c)(1 + beta c) = sin^2 theta + mu cos^2 theta, without the cancellation of 1 - beta^2 c^2."""
    c = np.asarray(cos_theta, dtype=float)
    return (1.0 - c) * (1.0 + c) + mu * c * c


def msq_of_q(q: np.ndarray | float, mu: np.ndarray | float, alpha: float = ALPHA_0) -> np.ndarray:
    """(1/4) sum abs(M)^2 (dimensionless) at q = 1 - beta^2 cos^2 theta."""
    q = np.asarray(q, dtype=float)
    e4 = (4.0 * math.pi * alpha) ** 2
    return 2.0 * e4 * (4.0 + 4.0 * mu - 2.0 * q - 4.0 * mu * mu / q) / q


def msq_equal_helicities(q: np.ndarray | float, cos_theta: np.ndarray | float, mu: np.ndarray | float,
                         alpha: float = ALPHA_0) -> np.ndarray:
    """(1/4) sum of abs(M)^2 over the states with equal e- and e+ helicities (module docstring), at q and cos theta."""
    q, c = np.asarray(q, dtype=float), np.asarray(cos_theta, dtype=float)
    e4 = (4.0 * math.pi * alpha) ** 2
    return 2.0 * e4 * mu * (6.0 - 4.0 * mu - (1.0 - q) * (4.0 - 2.0 * c * c)) / (q * q)


def msq_polarised(q: np.ndarray | float, cos_theta: np.ndarray | float, mu: np.ndarray | float, polarisation: tuple[float, float],
                  alpha: float = ALPHA_0) -> np.ndarray:
    """(1/4) sum abs(M)^2 with each beam helicity state weighted by (1 + h- P-)(1 + h+ P+): msq + P- P+ (same -
    opposite) = (1 - P- P+) msq + 2 P- P+ same; unpolarised beams give :func:`msq_of_q` exactly."""
    product = polarisation[0] * polarisation[1]
    unpolarised = msq_of_q(q, mu, alpha)
    if product == 0.0:
        return unpolarised
    return (1.0 - product) * unpolarised + 2.0 * product * msq_equal_helicities(q, cos_theta, mu, alpha)


def msq(s: float, cos_theta: np.ndarray | float, m: float = M_E, alpha: float = ALPHA_0) -> np.ndarray:
    """(1/4) sum abs(M)^2 at sqrt(s) (GeV) for a photon at cos theta to the e- in the centre-of-mass frame."""
    mu = mu_of_s(s, m)
    return msq_of_q(q_of_cos(cos_theta, mu), mu, alpha)


def dsigma_dcos(s: float, cos_theta: np.ndarray | float, m: float = M_E, alpha: float = ALPHA_0) -> np.ndarray:
    """dsigma/dcos theta (GeV^-2) of one photon, both photons counted (integrate over [-1, 1] and halve
    for the cross section: the photons are identical)."""
    beta = math.sqrt(1.0 - mu_of_s(s, m))
    return msq(s, cos_theta, m, alpha) / (32.0 * math.pi * s * beta)


def sigma_total(s: float, m: float = M_E, alpha: float = ALPHA_0) -> float:
    """The cross section (GeV^-2) in closed form: the integral of :func:`dsigma_dcos` over [-1, 1], halved.
    With L = ln((1 + beta)/(1 - beta)): sigma = (pi alpha^2 / (s beta)) [(2 + 2 mu - mu^2) L / beta - 2 (1 + mu)]."""
    mu = mu_of_s(s, m)
    beta = math.sqrt(1.0 - mu)
    big_l = float(fpmath.log((1.0 + beta) * (1.0 + beta) / mu))  # (1 + beta)/(1 - beta), 1 - beta = mu/(1 + beta)
    return math.pi * alpha * alpha / (s * beta) * ((2.0 + 2.0 * mu - mu * mu) * big_l / beta - 2.0 * (1.0 + mu))
