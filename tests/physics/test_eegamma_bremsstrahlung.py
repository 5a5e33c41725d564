"""The small-angle single-bremsstrahlung spectrum of e+e- -> e+e- gamma against the formula of Baier, Fadin and
Khoze (the one BBBREM, R. Kleiss and H. Burkhardt, Comput. Phys. Commun. 81 (1994) 372, reweights to the exact
matrix element), for radiation from one beam integrated over all angles:

    dsigma/dk = (4 alpha r_e^2 / k) (E'/E) [E/E' + E'/E - 2/3] [ln(4 E^2 E'/(m^2 k)) - 1/2],   E' = E - k,

r_e = alpha/m_e. The phase space is sampled here, independently of mcgen's generator, the way such programs do:
the e+ is the target, its momentum transfer t (density 1/abs(t) from its kinematic minimum, of order
(m^2 k/(2 E E'))^2, to -1 GeV^2) and the mass M of the radiating system e- gamma (density 1/(M^2 - m^2)) are the
variables, so that the tiny transfers are numbers of their own and not differences of beam-sized ones; then the
two-body decay of that system, boosted with 1 - beta = M^2/(Q0 (Q0 + abs(Q))). Weights: dPhi_3 = dt dphi /
(32 pi^2 sqrt(s) P) x dM^2 / (2 pi) x p*/(16 pi^2 M) dOmega*, flux 8 E P."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from mcgen.physics.constants import GEV2_TO_PB, Electroweak
from mcgen.physics.eegamma import M_E, eegamma_couplings, msq_eegamma


def _bremsstrahlung_events(rs: float, n: int, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """Momenta (p1, p2, p3, p4, k) and phase-space weights (GeV^-2 per unit abs(M)^2) in the centre of mass."""
    m2 = M_E * M_E
    s, e = rs * rs, rs / 2
    p = math.sqrt(e * e - m2)
    x_lo, x_hi = 1e-3 * m2, 0.5 * s  # M^2 - m^2
    log_x = math.log(x_hi / x_lo)
    x = x_lo * np.exp(rng.random(n) * log_x)
    mass2 = m2 + x
    mass = np.sqrt(mass2)
    # the target: the e+ keeps E4 = (s + m^2 - M^2)/(2 sqrt(s)); t fixes its angle
    e4 = (s + m2 - mass2) / (2 * rs)
    d_e = x / (2 * rs)  # E - E4
    p4_size = np.sqrt(e4 * e4 - m2)
    d_p = d_e * (e + e4) / (p + p4_size)  # P - P4
    near = m2 * (d_e + d_p) ** 2 / (2 * (e + p) * (e4 + p4_size))  # E E4 - P P4 - m^2: t_min = -2 near
    log_t = np.log(1.0 / (2 * near))
    t = -2 * near * np.exp(rng.random(n) * log_t)  # from t_min to -1 GeV^2
    one_minus_cos = np.clip((-t / 2 - near) / (p * p4_size), 0.0, 2.0)
    sin4 = np.sqrt(one_minus_cos * (2 - one_minus_cos))
    phi = 2 * math.pi * rng.random(n)
    p4 = np.column_stack([e4, p4_size * sin4 * np.cos(phi), p4_size * sin4 * np.sin(phi), -(p4_size - p4_size * one_minus_cos)])
    # the radiating system Q = p1 + (p2 - p4)
    q = np.column_stack([e + d_e, -p4[:, 1], -p4[:, 2], p - (d_p + p4_size * one_minus_cos)])
    q_size = np.sqrt((q[:, 1:] ** 2).sum(axis=1))
    p_star = x / (2 * mass)
    e3_star = (mass2 + m2) / (2 * mass)
    u = 2 * rng.random(n)  # 1 + cos* of the photon to Q's direction
    cos_star = u - 1
    sin_star = np.sqrt(u * (2 - u))
    phi_star = 2 * math.pi * rng.random(n)
    gamma = q[:, 0] / mass
    one_minus_beta = mass2 / (q[:, 0] * (q[:, 0] + q_size))
    beta = 1 - one_minus_beta
    k0 = gamma * p_star * (one_minus_beta + beta * u)  # gamma p* (1 + beta cos*)
    k_par = gamma * p_star * (u - one_minus_beta)  # gamma p* (beta + cos*)
    k1, k2 = p_star * sin_star * np.cos(phi_star), p_star * sin_star * np.sin(phi_star)
    e3 = gamma * (e3_star - beta * p_star * cos_star)
    p3_par = gamma * (beta * e3_star - p_star * cos_star)
    axis = q[:, 1:] / q_size[:, None]
    a1 = np.column_stack([axis[:, 2], np.zeros(n), -axis[:, 0]])
    a1 /= np.sqrt((a1**2).sum(axis=1))[:, None]
    a2 = np.cross(axis, a1)
    k = np.column_stack([k0, k_par[:, None] * axis + k1[:, None] * a1 + k2[:, None] * a2])
    p3 = np.column_stack([e3, p3_par[:, None] * axis - k1[:, None] * a1 - k2[:, None] * a2])
    beams = [np.tile([e, 0.0, 0.0, p], (n, 1)), np.tile([e, 0.0, 0.0, -p], (n, 1))]
    measure = 1 / (32 * math.pi**2 * rs * p) / (2 * math.pi) * p_star / (16 * math.pi**2 * mass)
    inverse_density = np.abs(t) * log_t * x * log_x * (2 * math.pi) * 2 * (2 * math.pi)
    return [*beams, p3, p4, k], measure * inverse_density / (8 * e * p)


def _bfk(k: float, e: float, alpha: float) -> float:
    """dsigma/dk (GeV^-3) of one radiating beam of energy e."""
    r_e2 = (alpha / M_E) ** 2
    e_out = e - k
    return 4 * alpha * r_e2 / k * (e_out / e) * (e / e_out + e_out / e - 2 / 3) * (math.log(4 * e * e * e_out / (M_E * M_E * k)) - 0.5)


@pytest.mark.parametrize("rs", [10.58, 91.1876])
def test_the_bremsstrahlung_spectrum_is_baier_fadin_khoze(rs):
    """Photons along the e- (p_z > 0: the e-'s radiation) in six bins of k/E from 0.05 to 0.95: mcgen's abs(M)^2
    integrated over every angle gives BFK's spectrum within four Monte Carlo errors (about 1% a bin at 4e5 events;
    measured 0.7-1.2% apart at the Z pole)."""
    ew = Electroweak()
    momenta, phase_space = _bremsstrahlung_events(rs, 400_000, np.random.default_rng(1))
    k = momenta[4]
    w = phase_space * msq_eegamma(*momenta, eegamma_couplings(ew)) * GEV2_TO_PB
    assert np.allclose(momenta[2] + momenta[3] + k, momenta[0] + momenta[1], rtol=0, atol=1e-12 * rs)
    e = rs / 2
    forward = k[:, 3] > 0
    for lo, hi in zip(*(np.array(b) * e for b in ([0.05, 0.1, 0.2, 0.4, 0.6, 0.8], [0.1, 0.2, 0.4, 0.6, 0.8, 0.95]))):
        inside = forward & (k[:, 0] >= lo) & (k[:, 0] < hi)
        sigma, error = np.mean(w * inside), np.sqrt(np.sum((w * inside) ** 2)) / len(w)
        expected = quad(_bfk, lo, hi, args=(e, ew.alpha))[0] * GEV2_TO_PB
        assert sigma == pytest.approx(expected, abs=4 * error), (lo / e, hi / e, sigma / expected)
        assert error < 0.03 * sigma
