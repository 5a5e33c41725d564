"""Helicity structure of e+e- -> N nubar with the N spin kept open (narrow-width N -> nu gamma).

Frame: centre of mass, e- along +z, N at polar angle theta in the x-z plane (phi = 0; the
generator rotates each event by a random phi afterwards). The N spin is written in the
canonical basis: the N rest frame reached from the CM by a pure boost, spin quantised
along the CM axes. With ch = cos(theta/2), sh = sin(theta/2), K = 4 sqrt(s) sqrt(s - m^2):

    e-_L e+_R, s channel:  S_L = K ch ((sqrt s - m) ch sh,  (sqrt s - m) sh^2 + m)
    e-_R e+_L, s channel:  S_R = K sh ((sqrt s - m) ch^2 + m,  (sqrt s - m) ch sh)
    e-_L e+_R, W t channel: T  = K (s - m^2) ch sh / sqrt(s) (ch, sh)     (pure helicity +)

up to a common phase; the amplitude vectors over the N spin are

    A_L = (a_gamma d_gamma + a_ZL d_Z) S_L + b(t) d_W T,     A_R = (a_gamma d_gamma + a_ZR d_Z) S_R,
    a_gamma = -e/s,  a_Z{L,R} = -(g/c_w) g_{L,R} / (s - M_Z^2 + i M_Z Gamma_Z),  b(t) = -(g/sqrt 2)/(t - M_W^2).

These were read off an explicit Dirac-matrix evaluation and are checked against it in
tests/physics/test_amplitudes.py (|M|^2 for every mediator and interference, and the N
polarisation from spin projectors). The N density matrix is rho = A_L A_L^+ + A_R A_R^+;
the photon of N -> nu gamma follows (1 - P.k) in the N rest frame (P = Tr(rho sigma)/Tr rho),
so the full narrow-width |M|^2 is W(k) = Tr[rho (1 - sigma.k)], a quadratic form in
(d_gamma, d_Z, d_W) with six coefficients per event.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mcgen.physics.constants import GEV2_TO_PB, Electroweak

__all__ = ["coupling_constants", "spin_structures", "N_CONST", "dsigma_dcos_one", "dsigma_dcos_mixture"]

# indices of the constant array made by coupling_constants()
A_GAMMA, AZL_RE, AZL_IM, AZR_RE, AZR_IM, G_W, M_W2, NORM, N_CONST = range(9)


def coupling_constants(sqrt_s: float, m: float, ew: Electroweak) -> np.ndarray:
    """Per-run constants of the amplitudes (see the module docstring).

    NORM turns W (decay-averaged) into dsigma(e+e- -> N nubar)/dcos(theta) in pb:
    k / (16 pi s sqrt s) / 4 (spin average) with k = (s - m^2) / (2 sqrt s).
    """
    s = sqrt_s**2
    prop_z = 1.0 / complex(s - ew.m_Z**2, ew.m_Z * ew.Gamma_Z)
    zfac = -(ew.g / ew.c_w) * prop_z
    k = (s - m**2) / (2 * sqrt_s)
    out = np.zeros(N_CONST)
    out[A_GAMMA] = -ew.e / s
    out[AZL_RE], out[AZL_IM] = (zfac * (-0.5 + ew.sin2_theta_w)).real, (zfac * (-0.5 + ew.sin2_theta_w)).imag
    out[AZR_RE], out[AZR_IM] = (zfac * ew.sin2_theta_w).real, (zfac * ew.sin2_theta_w).imag
    out[G_W] = -ew.g / math.sqrt(2.0)
    out[M_W2] = ew.m_W**2
    out[NORM] = k / (16 * math.pi * s * sqrt_s) / 4 * GEV2_TO_PB
    return out


@nb.njit(cache=True, inline="always")
def spin_structures(rs: float, m: float, ch: float, sh: float):
    """(S_L0, S_L1, S_R0, S_R1, T0, T1) and t at the angle with half-angle cosine/sine ch, sh."""
    s = rs * rs
    big_k = 4.0 * rs * math.sqrt(s - m * m)
    d = rs - m
    tk = big_k * (s - m * m) * ch * sh / rs
    t = -(s - m * m) * sh * sh
    return (
        big_k * ch * d * ch * sh,
        big_k * ch * (d * sh * sh + m),
        big_k * sh * (d * ch * ch + m),
        big_k * sh * d * ch * sh,
        tk * ch,
        tk * sh,
        t,
    )


@nb.njit(cache=True, inline="always")
def _structures_at(cos_theta, rs, m):
    """:func:`spin_structures` at cos(theta) (clipped to [-1, 1])."""
    c = min(max(cos_theta, -1.0), 1.0)
    return spin_structures(rs, m, math.sqrt(0.5 * (1.0 + c)), math.sqrt(0.5 * (1.0 - c)))


@nb.njit(cache=True, inline="always")
def _dsigma_at(structures, consts, d_gamma, d_z, d_w, t_channel, st, hel_l, hel_r):
    """dsigma/dcos(theta) (pb) from the spin structures at the angle, for one coupling structure."""
    l0, l1, r0, r1, t0, t1, t = structures
    al_re = consts[A_GAMMA] * d_gamma + consts[AZL_RE] * d_z
    al_im = consts[AZL_IM] * d_z
    ar_re = consts[A_GAMMA] * d_gamma + consts[AZR_RE] * d_z
    ar_im = consts[AZR_IM] * d_z
    w = (hel_l * (al_re * al_re + al_im * al_im) * (l0 * l0 + l1 * l1)
         + hel_r * (ar_re * ar_re + ar_im * ar_im) * (r0 * r0 + r1 * r1))
    if t_channel:  # the W couples to e-_L only
        b = consts[G_W] * d_w / (t - consts[M_W2])
        w += hel_l * b * b * (t0 * t0 + t1 * t1)
        if st:
            w += hel_l * 2.0 * b * al_re * (l0 * t0 + l1 * t1)
    return consts[NORM] * w


@nb.njit(cache=True)
def dsigma_dcos_one(cos_theta, rs, m, consts, d_gamma, d_z, d_w, t_channel, st, hel_l=1.0, hel_r=1.0):
    """dsigma(e+e- -> N nubar)/dcos(theta) in pb for an array of cos(theta) (decay-averaged);
    hel_l, hel_r weight the e-_L and e-_R parts (polarised beams, mcgen.physics.polarisation)."""
    out = np.empty(cos_theta.size)
    for i in range(cos_theta.size):
        out[i] = _dsigma_at(_structures_at(cos_theta[i], rs, m), consts, d_gamma, d_z, d_w, t_channel, st, hel_l, hel_r)
    return out


@nb.njit(cache=True)
def dsigma_dcos_mixture(cos_theta, rs, m, consts, couplings, scales, t_channel, st, hel_l=1.0, hel_r=1.0):
    """sum_j dsigma_dcos_one(cos_theta, ..., *couplings[j]) / scales[j] (rows of couplings: d_gamma,
    d_Z, d_W), added in the order of j, with the spin structures computed once per angle: the
    angular proposal of weighted events, a sum over coupling structures (mcgen.mc.driver)."""
    out = np.empty(cos_theta.size)
    for i in range(cos_theta.size):
        structures = _structures_at(cos_theta[i], rs, m)
        total = 0.0
        for j in range(couplings.shape[0]):
            term = _dsigma_at(structures, consts, couplings[j, 0], couplings[j, 1], couplings[j, 2], t_channel, st,
                              hel_l, hel_r) / scales[j]
            total = term if j == 0 else total + term
        out[i] = total
    return out
