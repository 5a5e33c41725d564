"""e+e- -> e+e- gamma at tree level with the electron mass: the radiative Bhabha process, a reducible
background of single-photon searches (the photon seen, both leptons lost).

For e-(p1) e+(p2) -> e-(p3) e+(p4) gamma(k) there are eight diagrams, the photon radiated from each of
the four leptons in the t channel (the e- line p1 -> p3 and the e+ line p2 -> p4 exchange a boson) and in
the s channel (the beams annihilate, the pair p3 p4 is made), each with a photon and a Z exchanged;
a relative minus sign between the two channels (Fermi statistics).

Feynman rules: the electron couples to the photon with e Q gamma^mu (Q = -1) and to the Z with
(g/c_w) gamma^mu (g_L P_L + g_R P_R), g_L = -1/2 + s_w^2, g_R = s_w^2 (overall phases are common to all
diagrams). Photons couple with alpha(0) (the card's ``alpha``): the real one, and the exchanged one, whose
q^2 is near 0 where the rate is; the Z with the coupling scheme's g. The Z propagator carries the fixed
width in the s channel and none in the t channel (a spacelike momentum has no width); its q^mu q^nu/M_Z^2
part, of relative size m_e^2/M_Z^2 < 1e-10, is left out. Each diagram's set (the four emissions with one
exchange) is gauge invariant on its own, with or without the width (tests/physics/test_eegamma.py).

Evaluation: explicit massive helicity spinors in the Weyl representation, every fermion line a product of
2 x 2 blocks, summed over the 32 helicity states (four leptons, two linear photon polarisations) and
averaged over the beams' four, each weighted by (1 + h- P-)(1 + h+ P+) for beams of longitudinal polarisations
P-, P+ (1 for unpolarised beams; the mass lets the equal-helicity states contribute near the t-channel pole).
Where the rate is, near a t-channel pole (a lepton at an angle of order
m_e/E to its beam), the naive squared forms lose their digits to cancellations; here:

- every propagator's denominator is an invariant computed without cancellation: p.k = k0 (E - P) +
  P k0 (1 - cos), E - P = m^2/(E + P), 1 - cos = abs(n_a - n_b)^2/2 from the unit vectors, and the
  t-channel momentum transfer t = -2 [m^2 (dE + dP)^2/(2 (E1 + P1)(E3 + P3)) + P1 P3 (1 - cos13)]
  (dE, dP the energy and momentum differences), exact for on-shell momenta;
- the spinors take sqrt(E - P) = m/sqrt(E + P) and half-angles from pT and P -+ pz, so no component
  loses digits at any angle.

What remains are the amplitude's own gauge cancellations near the pole (currents of size E contracted to
size q_perp), which cost log10(E/q_perp) digits at most: 1e-11 of the rate at LEP energies.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen.physics.constants import LEPTON_MASS, Electroweak
from mcgen.physics.spinors import bar, dot_k, matvec, norm3, one_minus_cos, slash, spinors, vecmat
from mcgen.simd import VEC

__all__ = ["EEGammaCouplings", "eegamma_couplings", "msq_eegamma"]

M_E = LEPTON_MASS["e"]


class EEGammaCouplings(NamedTuple):
    """The amplitude's constants: the real photon's e, the exchanged photon's e^2 and the Z's (g/c_w)^2
    g_L, g_R products, M_Z^2, M_Z Gamma_Z and the electron mass (GeV)."""

    e_photon: float
    e2_exchange: float
    z_ll: float
    z_lr: float
    z_rr: float
    m_z2: float
    m_z_gamma: float
    m_e: float


def eegamma_couplings(ew: Electroweak, z_exchange: bool = True, m_e: float = M_E) -> EEGammaCouplings:
    """The constants for a card's electroweak inputs (photons at alpha(0), the Z with the scheme's g);
    ``z_exchange=False``: QED alone."""
    gz2 = (ew.g / ew.c_w) ** 2 if z_exchange else 0.0
    g_l, g_r = -0.5 + ew.sin2_theta_w, ew.sin2_theta_w
    return EEGammaCouplings(ew.e_photon, ew.e_photon**2, gz2 * g_l * g_l, gz2 * g_l * g_r, gz2 * g_r * g_r,
                            ew.m_Z**2, ew.m_Z * ew.Gamma_Z, m_e)


@nb.njit(inline="always", **VEC)
def _transfer(a, pa, b, pb, m2):
    """(a - b)^2 for two leptons of mass^2 m2: -2 [(E_a E_b - P_a P_b - m^2) + P_a P_b (1 - cos)], the first
    term m^2 (dE + dP)^2 / (2 (E_a + P_a)(E_b + P_b)) (exact on shell)."""
    d = (a[0] - b[0]) + (pa - pb)
    near = m2 * d * d / (2.0 * (a[0] + pa) * (b[0] + pb))
    return -2.0 * (near + pa * pb * one_minus_cos(a, pa, b, pb))


# --- fermion lines ------------------------------------------------------------------------------------


@nb.njit(inline="always", **VEC)
def _currents(row, col, out, add):
    """out[chi, mu] (+)= row gamma^mu P_chi col for chi = L, R: row_R sigmabar^mu col_L and row_L sigma^mu col_R."""
    if not add:
        out[:, :] = 0.0
    a0, a1, b0, b1 = row[2], row[3], col[0], col[1]  # L: sigmabar = (1, -sigma)
    out[0, 0] += a0 * b0 + a1 * b1
    out[0, 1] += -(a0 * b1 + a1 * b0)
    out[0, 2] += -(complex(0.0, -1.0) * a0 * b1 + complex(0.0, 1.0) * a1 * b0)
    out[0, 3] += -(a0 * b0 - a1 * b1)
    a0, a1, b0, b1 = row[0], row[1], col[2], col[3]  # R: sigma = (1, sigma)
    out[1, 0] += a0 * b0 + a1 * b1
    out[1, 1] += a0 * b1 + a1 * b0
    out[1, 2] += complex(0.0, -1.0) * a0 * b1 + complex(0.0, 1.0) * a1 * b0
    out[1, 3] += a0 * b0 - a1 * b1


@nb.njit(inline="always", **VEC)
def _contract(a, b, w_ll, w_lr, w_rr):
    """sum over chi, chi' of w_chi chi' a[chi] . b[chi'] (Minkowski products of the chiral currents)."""
    total = complex(0.0, 0.0)
    for i in range(2):
        for j in range(2):
            w = w_ll if i + j == 0 else (w_rr if i + j == 2 else w_lr)
            total += w * (a[i, 0] * b[j, 0] - a[i, 1] * b[j, 1] - a[i, 2] * b[j, 2] - a[i, 3] * b[j, 3])
    return total


@nb.njit(cache=True, **VEC)
def _msq_one(c, pol_e, pol_p, p1, p2, p3, p4, k):
    """(1/4) sum over spins of abs(M)^2 for one phase-space point (module docstring), each beam helicity state
    weighted by (1 + h- P-)(1 + h+ P+) (pol_e = P-, pol_p = P+)."""
    m = c.m_e
    m2 = m * m
    P1, P2, P3, P4, kk = norm3(p1), norm3(p2), norm3(p3), norm3(p4), k[0]
    # denominators (module docstring: no cancellation)
    d1 = -2.0 * dot_k(p1, P1, m2, k, kk)  # (p1 - k)^2 - m^2
    d2 = -2.0 * dot_k(p2, P2, m2, k, kk)  # (k - p2)^2 - m^2
    d3 = 2.0 * dot_k(p3, P3, m2, k, kk)  # (p3 + k)^2 - m^2
    d4 = 2.0 * dot_k(p4, P4, m2, k, kk)  # (p4 + k)^2 - m^2
    t13 = _transfer(p1, P1, p3, P3, m2)
    t24 = _transfer(p2, P2, p4, P4, m2)
    s12 = 4.0 * m2 - _transfer(p1, P1, p2, P2, m2)  # (a + b)^2 = 4 m^2 - (a - b)^2 on shell
    s34 = 4.0 * m2 - _transfer(p3, P3, p4, P4, m2)
    # boson propagators (photon e^2/q^2; Z (g/c_w)^2/(q^2 - M^2 [+ i M Gamma in the s channel]))
    g_t13, g_t24 = c.e2_exchange / t13, c.e2_exchange / t24
    z_t13, z_t24 = 1.0 / (t13 - c.m_z2), 1.0 / (t24 - c.m_z2)
    z_s12 = 1.0 / complex(s12 - c.m_z2, c.m_z_gamma)
    z_s34 = 1.0 / complex(s34 - c.m_z2, c.m_z_gamma)
    # the spinors: u1, v4 (columns) and ubar3, vbar2 (rows)
    u = np.empty((4, 2, 4), np.complex128)
    v = np.empty((4, 2, 4), np.complex128)
    spinors(p1, m, u[0], v[0])
    spinors(p2, m, u[1], v[1])
    spinors(p3, m, u[2], v[2])
    spinors(p4, m, u[3], v[3])
    bar3, bar2 = np.empty((2, 4), np.complex128), np.empty((2, 4), np.complex128)
    for h in range(2):
        bar(u[2, h], bar3[h])
        bar(v[1, h], bar2[h])
    # the fermion propagators (p-slash + m) / denominator: from the incoming e- (0), e+ (1), the outgoing e- (2), e+ (3)
    a = np.empty((4, 4, 4), np.complex128)
    slash(p1[0] - k[0], p1[1] - k[1], p1[2] - k[2], p1[3] - k[3], m, a[0])
    slash(k[0] - p2[0], k[1] - p2[1], k[2] - p2[2], k[3] - p2[3], m, a[1])
    slash(p3[0] + k[0], p3[1] + k[1], p3[2] + k[2], p3[3] + k[3], m, a[2])
    slash(-p4[0] - k[0], -p4[1] - k[1], -p4[2] - k[2], -p4[3] - k[3], m, a[3])
    a[0] /= d1
    a[1] /= d2
    a[2] /= d3
    a[3] /= d4
    # linear photon polarisations: theta-hat and phi-hat of k
    kt = math.sqrt(k[1] * k[1] + k[2] * k[2])
    cphi, sphi = (k[1] / kt, k[2] / kt) if kt > 0.0 else (1.0, 0.0)
    cth, sth = k[3] / kk, kt / kk
    eps = np.array([[0.0, cth * cphi, cth * sphi, -sth], [0.0, -sphi, cphi, 0.0]])
    slash_e = np.empty((4, 4), np.complex128)
    x, y = np.empty(4, np.complex128), np.empty(4, np.complex128)
    # the four fermion lines, row ... column: the e- line ubar3 .. u1, the e+ line vbar2 .. v4, the annihilation
    # vbar2 .. u1 and the pair ubar3 .. v4; the photon from the column's end (G A E col: propagator 0 or 3) or from
    # the row's end (row E A G: propagator 2 or 1)
    rows = np.empty((4, 2, 4), np.complex128)
    cols = np.empty((4, 2, 4), np.complex128)
    rows[0], rows[1], rows[2], rows[3] = bar3, bar2, bar2, bar3
    cols[0], cols[1], cols[2], cols[3] = u[0], v[3], u[0], v[3]
    at_col = (0, 3, 0, 3)
    at_row = (2, 1, 1, 2)
    # currents [line, h_row, h_col, chi, mu] of the bare lines and [line, pol, h_row, h_col, chi, mu] of the radiating ones
    bare = np.empty((4, 2, 2, 2, 4), np.complex128)
    rad = np.empty((4, 2, 2, 2, 2, 4), np.complex128)
    for line in range(4):
        for ha in range(2):
            for hb in range(2):
                _currents(rows[line, ha], cols[line, hb], bare[line, ha, hb], False)
    for pol in range(2):
        e = eps[pol]
        slash(e[0], e[1], e[2], e[3], 0.0, slash_e)
        for line in range(4):
            for ha in range(2):
                for hb in range(2):
                    matvec(slash_e, cols[line, hb], x)
                    matvec(a[at_col[line]], x, y)
                    _currents(rows[line, ha], y, rad[line, pol, ha, hb], False)
                    vecmat(rows[line, ha], slash_e, x)
                    vecmat(x, a[at_row[line]], y)
                    _currents(y, cols[line, hb], rad[line, pol, ha, hb], True)
    n13, n24, n21, n34 = bare[0], bare[1], bare[2], bare[3]
    r13, r24, r21, r34 = rad[0], rad[1], rad[2], rad[3]
    beam_e = (1.0 + pol_e, 1.0 - pol_e)  # helicity index 0: +, 1: - (the e- u(p1, h1); the e+ v(p2, h2))
    beam_p = (1.0 + pol_p, 1.0 - pol_p)
    total = 0.0
    for pol in range(2):
        for h1 in range(2):
            for h2 in range(2):
                beams = beam_e[h1] * beam_p[h2]
                for h3 in range(2):
                    for h4 in range(2):
                        amp = complex(0.0, 0.0)
                        # t channel: the e- line (h3, h1) with the e+ line (h2, h4)
                        rn = r13[pol, h3, h1]
                        nn = n24[h2, h4]
                        amp += g_t24 * _contract(rn, nn, 1.0, 1.0, 1.0)
                        amp += z_t24 * _contract(rn, nn, c.z_ll, c.z_lr, c.z_rr)
                        rn = r24[pol, h2, h4]
                        nn = n13[h3, h1]
                        amp += g_t13 * _contract(nn, rn, 1.0, 1.0, 1.0)
                        amp += z_t13 * _contract(nn, rn, c.z_ll, c.z_lr, c.z_rr)
                        # s channel, with the relative minus sign: annihilation (h2, h1), creation (h3, h4)
                        rn = r21[pol, h2, h1]
                        nn = n34[h3, h4]
                        amp -= (c.e2_exchange / s34) * _contract(rn, nn, 1.0, 1.0, 1.0)
                        amp -= z_s34 * _contract(rn, nn, c.z_ll, c.z_lr, c.z_rr)
                        rn = r34[pol, h3, h4]
                        nn = n21[h2, h1]
                        amp -= (c.e2_exchange / s12) * _contract(nn, rn, 1.0, 1.0, 1.0)
                        amp -= z_s12 * _contract(nn, rn, c.z_ll, c.z_lr, c.z_rr)
                        total += beams * (amp.real * amp.real + amp.imag * amp.imag)
    return 0.25 * c.e_photon * c.e_photon * total


@nb.njit(cache=True, **VEC)
def _msq_rows(c, pol_e, pol_p, p1, p2, p3, p4, k, out):
    for i in range(out.shape[0]):
        out[i] = _msq_one(c, pol_e, pol_p, p1[i], p2[i], p3[i], p4[i], k[i])


def msq_eegamma(p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, p4: np.ndarray, k: np.ndarray,
                couplings: EEGammaCouplings, polarisation: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """(1/4) sum over spins of abs(M)^2 (GeV^-2) of e-(p1) e+(p2) -> e-(p3) e+(p4) gamma(k) for (n, 4) arrays of
    on-shell momenta (E, px, py, pz) that conserve momentum; with beams of longitudinal ``polarisation``
    (P-, P+), each beam helicity state weighted by (1 + h- P-)(1 + h+ P+) (helicities h = +-1 along each beam)."""
    rows = [np.ascontiguousarray(np.atleast_2d(np.asarray(p, dtype=float))) for p in (p1, p2, p3, p4, k)]
    n = max(len(r) for r in rows)
    rows = [np.ascontiguousarray(np.broadcast_to(r, (n, 4))) for r in rows]
    out = np.empty(n)
    _msq_rows(couplings, float(polarisation[0]), float(polarisation[1]), *rows, out)
    return out
