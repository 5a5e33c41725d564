"""The explicit-Dirac-matrix reference for e+e- -> nu nubar gamma (it stays in the tests: the package computes with helicity amplitudes).

The amplitude of mcgen.physics.nunugamma written the plain way, vectorised over events with numpy:
4x4 Dirac-representation gamma matrices, massless spinors u and v in a fixed spin basis summed
over, and the photon polarisations as 4-vectors. Diagrams, for e-(p1) e+(p2) -> nu(k1) nubar(k2)
gamma(k):
- every flavour: Z s-channel with the photon from the e- (Z1) or the e+ (Z2);
- nu_e also: W t-channel with the photon from the e- (W1), the e+ (W2) or the W (W3).
Feynman rules with the FeynRules signs of docs/physics/model.md (photon-electron i e Q gamma, Q = -1;
Z-fermion i g/c_w gamma (g_L P_L + g_R P_R); W-fermion i g/sqrt2 gamma P_L; unitary-gauge W
propagators), the relative minus sign between the (e+ e-)(nu nubar) and (nu e-)(e+ nubar)
pairings, and the gamma W W term e [g^{mu nu}(k_g - q_-)^rho + g^{nu rho}(q_- - q_+)^mu +
g^{rho mu}(q_+ - k_g)^nu] (incoming momenta; photon index with the polarisation, W- and W+
legs with their currents) entering W1 + W2 - W3 with the sign the Ward identity requires: the
amplitude vanishes for eps -> k (tests/mc/test_background.py). The W then adds to the Z in the
left-handed amplitude as the effective low-energy coupling g_L -> g_L + 1 of nu_e e says.

``electron_chirality`` ("L" or "R") keeps one chirality of the incoming e- (P_L or P_R on
u(p1)); with a helicity polarisation vector as ``eps_override`` that gives the |M|^2 of one
helicity configuration (tests/physics/test_helicity.py).
"""

from __future__ import annotations

import math

import numpy as np

from mcgen.physics.constants import Electroweak

__all__ = ["msq_nunugamma", "msq_nunubar", "dot", "GAMMA", "G5", "PL", "PR", "METRIC"]

_I2 = np.eye(2, dtype=complex)
_Z2 = np.zeros((2, 2), dtype=complex)
_PAULI = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
GAMMA = np.array([np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI])
G5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
PL = (np.eye(4) - G5) / 2
PR = (np.eye(4) + G5) / 2
METRIC = np.array([1.0, -1.0, -1.0, -1.0])
GAMMA_LOW = GAMMA * METRIC[:, None, None]  # gamma_mu


def _slash(p: np.ndarray) -> np.ndarray:
    """p-slash for momenta (n, 4): (n, 4, 4)."""
    return np.einsum("nm,mij->nij", p * METRIC, GAMMA)


def dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Minkowski products of (n, 4) arrays (real or complex, no conjugation)."""
    return np.einsum("nm,nm->n", p * METRIC, q)


def _spinors(p: np.ndarray, kind: str) -> np.ndarray:
    """Massless Dirac-representation spinors u (or v) for the two basis spins: (2, n, 4)."""
    e = p[:, 0]
    sp = np.einsum("ni,ijk->njk", p[:, 1:], _PAULI)
    root = np.sqrt(e)[:, None]
    out = []
    for chi in (np.array([1, 0], dtype=complex), np.array([0, 1], dtype=complex)):
        lower = np.einsum("njk,k->nj", sp, chi) / root
        upper = root * chi[None, :]
        out.append(np.concatenate([upper, lower], axis=1) if kind == "u" else np.concatenate([lower, upper], axis=1))
    return np.array(out)


def _bar(s: np.ndarray) -> np.ndarray:
    return np.einsum("ni,ij->nj", s.conj(), GAMMA[0])


def _polarisations(k: np.ndarray) -> list[np.ndarray]:
    """Two real transverse polarisation 4-vectors for photons of momenta k (n, 4)."""
    n_hat = k[:, 1:] / k[:, :1]
    trial = np.where(np.abs(n_hat[:, :1]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
    e1 = np.cross(n_hat, trial)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(n_hat, e1)
    zero = np.zeros((len(k), 1))
    return [np.concatenate([zero, e1], axis=1), np.concatenate([zero, e2], axis=1)]


def _amplitudes(p1, p2, k1, k2, k, eps, ew: Electroweak, electron_flavour: bool, electron_chirality: str | None = None):
    """Amplitudes (up to the common factor -i): shape (16, n) for the spins of e-, e+, nu, nubar
    in a fixed basis, for photon polarisation vectors eps (n, 4)."""
    gz = ew.g / ew.c_w
    z_e = gz * ((-0.5 + ew.sin2_theta_w) * PL + ew.sin2_theta_w * PR)
    e_q = -ew.e  # e Q for the electron
    eps_slash = _slash(eps)
    prop_e1 = _slash(p1 - k) / dot(p1 - k, p1 - k)[:, None, None]  # photon from e-: internal e- line
    prop_e2 = _slash(k - p2) / dot(k - p2, k - p2)[:, None, None]  # photon from e+
    q_z = k1 + k2
    s_z = dot(q_z, q_z)
    prop_z = 1.0 / (s_z - ew.m_Z**2 + 1j * ew.m_Z * ew.Gamma_Z)
    # e line with the photon, open Lorentz index rho of the Z vertex: (n, 4, 4, 4)
    z_line = (np.einsum("mij,jk,nkl,nlo->nmio", GAMMA, z_e, prop_e1, eps_slash)
              + np.einsum("nij,njk,mkl,lo->nmio", eps_slash, prop_e2, GAMMA, z_e)) * e_q
    nu_vertex = gz * 0.5 * GAMMA_LOW @ PL  # (4, 4, 4), lower index
    u1, v2 = _spinors(p1, "u"), _spinors(p2, "v")
    if electron_chirality is not None:
        u1 = np.einsum("ij,snj->sni", {"L": PL, "R": PR}[electron_chirality], u1)
    un, vn = _spinors(k1, "u"), _spinors(k2, "v")
    w = ew.g / math.sqrt(2.0)
    mw2 = ew.m_W**2

    def w_prop(current, q):
        """A current (upper index) through the unitary-gauge W propagator: (J - q (q.J)/M^2)/(q^2 - M^2)."""
        return (current - q * (dot(q, current) / mw2)[:, None]) / (dot(q, q) - mw2)[:, None]

    out = []
    for a in range(2):
        for b in range(2):
            ebar = _bar(v2[b])
            e_current = np.einsum("ni,nmij,nj->nm", ebar, z_line, u1[a])  # upper index rho
            for c in range(2):
                for d in range(2):
                    nubar = _bar(un[c])
                    nu_current = np.einsum("ni,mij,nj->nm", nubar, nu_vertex, vn[d])  # lower index
                    amp = prop_z * np.einsum("nm,nm->n", e_current, nu_current)
                    if electron_flavour:
                        amp = amp - w * w * _w_diagrams(p1, p2, k1, k2, k, eps, eps_slash, prop_e1, prop_e2,
                                                         u1[a], ebar, nubar, vn[d], w_prop, e_q, ew.e)
                    out.append(amp)
    return np.array(out)


def _w_diagrams(p1, p2, k1, k2, k, eps, eps_slash, prop_e1, prop_e2, u1, ebar, nubar, vn, w_prop, e_q, e):
    """W1 + W2 + W3 divided by (g/sqrt 2)^2 (the common -i dropped)."""
    gpl = GAMMA @ PL  # gamma^a P_L, upper index
    # W1: photon from the e- before it turns into the nu
    top1 = np.einsum("ni,aij,njk,nkl,nl->na", nubar, gpl, prop_e1, eps_slash, u1) * e_q  # upper a
    bottom = np.einsum("ni,bij,nj->nb", ebar, gpl, vn)  # e+ nubar current, upper b
    w1 = dot(w_prop(top1, p1 - k - k1), bottom)
    # W2: photon from the e+
    top = np.einsum("ni,aij,nj->na", nubar, gpl, u1)
    bottom2 = np.einsum("ni,nij,njk,bkl,nl->nb", ebar, eps_slash, prop_e2, gpl, vn) * e_q
    w2 = dot(w_prop(top, p1 - k1), bottom2)
    # W3: photon from the W; incoming momenta at the vertex: W- q_m, W+ q_p, photon -k
    q_m = p1 - k1
    q_p = p2 - k2
    j_m = w_prop(top, q_m)  # the W- leg, upper index
    j_p = w_prop(bottom, q_p)  # the W+ leg
    j_m_low, j_p_low, eps_low = j_m * METRIC, j_p * METRIC, eps * METRIC
    kg = -k
    # -e [ (eps.j_m) (kg - q_m).j_p + (j_m.j_p) (q_m - q_p).eps + (j_p.eps) (q_p - kg).j_m ]
    w3 = -e * (
        np.einsum("na,na->n", eps_low, j_m) * np.einsum("na,na->n", (kg - q_m), j_p_low)
        + np.einsum("na,na->n", j_m_low, j_p) * np.einsum("na,na->n", (q_m - q_p), eps_low)
        + np.einsum("na,na->n", j_p_low, eps) * np.einsum("na,na->n", (q_p - kg), j_m_low)
    )
    return w1 + w2 + w3


def msq_nunugamma(p1, p2, k1, k2, k, ew: Electroweak, electron_flavour: bool, eps_override=None,
                  electron_chirality: str | None = None) -> np.ndarray:
    """Spin-averaged, polarisation-summed |M|^2 of e+e- -> nu nubar gamma for one flavour.

    ``eps_override`` replaces the photon polarisations by given (real or complex) 4-vectors
    (gauge tests, helicity states); ``electron_chirality`` keeps one e- chirality."""
    pols = _polarisations(k) if eps_override is None else [eps_override]
    total = np.zeros(len(k))
    for eps in pols:
        amps = _amplitudes(p1, p2, k1, k2, k, eps, ew, electron_flavour, electron_chirality)
        total += (np.abs(amps) ** 2).sum(axis=0)
    return total / 4


def msq_nunubar(p1, p2, k1, k2, ew: Electroweak) -> np.ndarray:
    """Spin-averaged |M|^2 of e+e- -> nu nubar through the Z (flavours mu, tau), analytic:
    (g/c_w)^4 g_nu^2 |P_Z|^2 (g_L^2 u^2 + g_R^2 t^2), t = (p1 - k1)^2, u = (p1 - k2)^2."""
    gz = ew.g / ew.c_w
    s = dot(p1 + p2, p1 + p2)
    t, u = dot(p1 - k1, p1 - k1), dot(p1 - k2, p1 - k2)
    prop2 = 1.0 / ((s - ew.m_Z**2) ** 2 + (ew.m_Z * ew.Gamma_Z) ** 2)
    g_l, g_r = -0.5 + ew.sin2_theta_w, ew.sin2_theta_w
    return gz**4 * 0.25 * prop2 * (g_l**2 * u**2 + g_r**2 * t**2)
