"""The Standard Model amplitude of e+e- -> nu nubar gamma at tree level (PHYSICS.md section 5).

Diagrams, for e-(p1) e+(p2) -> nu(k1) nubar(k2) gamma(k):
- every flavour: Z s-channel with the photon from the e- (Z1) or the e+ (Z2);
- nu_e also: W t-channel with the photon from the e- (W1), the e+ (W2) or the W (W3).
Feynman rules with the FeynRules signs of PHYSICS.md (photon-electron i e Q gamma, Q = -1;
Z-fermion i g/c_w gamma (g_L P_L + g_R P_R); W-fermion i g/sqrt2 gamma P_L; unitary-gauge W
propagators), the relative minus sign between the (e+ e-)(nu nubar) and (nu e-)(e+ nubar)
pairings, and the gamma W W term e [g^{mu nu}(k_g - q_-)^rho + g^{nu rho}(q_- - q_+)^mu +
g^{rho mu}(q_+ - k_g)^nu] (incoming momenta; photon index with the polarisation, W- and W+
legs with their currents) entering W1 + W2 - W3 with the sign the Ward identity requires: the
amplitude vanishes for eps -> k (tests/test_background.py). The W then adds to the Z in the
left-handed amplitude as the effective low-energy coupling g_L -> g_L + 1 of nu_e e says.

The amplitudes are evaluated with explicit Dirac matrices twice: vectorised over events with
numpy (:func:`msq_nunugamma`, the readable reference) and event by event in a numba kernel
(:func:`msq_nunugamma_fast`, about 25 microseconds per nu_e event), which the cross sections use.
Gauge invariance, the soft-photon limit and the two-body e+e- -> nu nubar rate are
checked in tests/test_background.py.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mcgen.physics.constants import Electroweak

__all__ = ["msq_nunugamma", "msq_nunugamma_fast", "msq_nunubar", "GAMMA", "G5", "PL", "PR", "METRIC"]

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


def _dot(p: np.ndarray, q: np.ndarray) -> np.ndarray:
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


def _sandwich(left: np.ndarray, mats: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left-bar . M . right for a (n, 4, 4) or (n, 4 lorentz, 4, 4) stack."""
    if mats.ndim == 3:
        return np.einsum("ni,nij,nj->n", left, mats, right)
    return np.einsum("ni,nmij,nj->nm", left, mats, right)


def _polarisations(k: np.ndarray) -> list[np.ndarray]:
    """Two real transverse polarisation 4-vectors for photons of momenta k (n, 4)."""
    n_hat = k[:, 1:] / k[:, :1]
    trial = np.where(np.abs(n_hat[:, :1]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
    e1 = np.cross(n_hat, trial)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(n_hat, e1)
    zero = np.zeros((len(k), 1))
    return [np.concatenate([zero, e1], axis=1), np.concatenate([zero, e2], axis=1)]


def _couplings(ew: Electroweak):
    gz = ew.g / ew.c_w
    z_e = gz * ((-0.5 + ew.sin2_theta_w) * PL + ew.sin2_theta_w * PR)
    return gz, z_e


def _amplitudes(p1, p2, k1, k2, k, eps, ew: Electroweak, electron_flavour: bool):
    """Helicity amplitudes (up to the common factor -i): shape (16, n) for the spins of
    e-, e+, nu, nubar in a fixed basis, for photon polarisation vectors eps (n, 4)."""
    gz, z_e = _couplings(ew)
    e_q = -ew.e  # e Q for the electron
    eps_slash = _slash(eps)
    prop_e1 = _slash(p1 - k) / _dot(p1 - k, p1 - k)[:, None, None]  # photon from e-: internal e- line
    prop_e2 = _slash(k - p2) / _dot(k - p2, k - p2)[:, None, None]  # photon from e+
    q_z = k1 + k2
    s_z = _dot(q_z, q_z)
    prop_z = 1.0 / (s_z - ew.m_Z**2 + 1j * ew.m_Z * ew.Gamma_Z)
    # e line with the photon, open Lorentz index rho of the Z vertex: (n, 4, 4, 4)
    z_line = (np.einsum("mij,jk,nkl,nlo->nmio", GAMMA, z_e, prop_e1, eps_slash)
              + np.einsum("nij,njk,mkl,lo->nmio", eps_slash, prop_e2, GAMMA, z_e)) * e_q
    nu_vertex = gz * 0.5 * GAMMA_LOW @ PL  # (4, 4, 4), lower index
    u1, v2 = _spinors(p1, "u"), _spinors(p2, "v")
    un, vn = _spinors(k1, "u"), _spinors(k2, "v")
    w = ew.g / math.sqrt(2.0)
    mw2 = ew.m_W**2

    def w_prop(current, q):
        """A current (upper index) through the unitary-gauge W propagator: (J - q (q.J)/M^2)/(q^2 - M^2)."""
        return (current - q * (_dot(q, current) / mw2)[:, None]) / (_dot(q, q) - mw2)[:, None]

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
    w1 = _dot(w_prop(top1, p1 - k - k1), bottom)
    # W2: photon from the e+
    top = np.einsum("ni,aij,nj->na", nubar, gpl, u1)
    bottom2 = np.einsum("ni,nij,njk,bkl,nl->nb", ebar, eps_slash, prop_e2, gpl, vn) * e_q
    w2 = _dot(w_prop(top, p1 - k1), bottom2)
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


def msq_nunugamma(p1, p2, k1, k2, k, ew: Electroweak, electron_flavour: bool, eps_override=None) -> np.ndarray:
    """Spin-averaged, polarisation-summed |M|^2 of e+e- -> nu nubar gamma for one flavour.

    ``eps_override`` replaces the photon polarisations by given 4-vectors (gauge tests)."""
    pols = _polarisations(k) if eps_override is None else [eps_override]
    total = np.zeros(len(k))
    for eps in pols:
        amps = _amplitudes(p1, p2, k1, k2, k, eps, ew, electron_flavour)
        total += (np.abs(amps) ** 2).sum(axis=0)
    return total / 4


def msq_nunubar(p1, p2, k1, k2, ew: Electroweak) -> np.ndarray:
    """Spin-averaged |M|^2 of e+e- -> nu nubar through the Z (flavours mu, tau), analytic:
    (g/c_w)^4 g_nu^2 |P_Z|^2 (g_L^2 u^2 + g_R^2 t^2), t = (p1 - k1)^2, u = (p1 - k2)^2."""
    gz = ew.g / ew.c_w
    s = _dot(p1 + p2, p1 + p2)
    t, u = _dot(p1 - k1, p1 - k1), _dot(p1 - k2, p1 - k2)
    prop2 = 1.0 / ((s - ew.m_Z**2) ** 2 + (ew.m_Z * ew.Gamma_Z) ** 2)
    g_l, g_r = -0.5 + ew.sin2_theta_w, ew.sin2_theta_w
    return gz**4 * 0.25 * prop2 * (g_l**2 * u**2 + g_r**2 * t**2)


# --- the same amplitude as a numba kernel (one event at a time, explicit 4x4 algebra) -----------

_GPL = np.ascontiguousarray(np.array([GAMMA[m] @ PL for m in range(4)]))
_GAMMA_C = np.ascontiguousarray(GAMMA)
_G0_DIAG = np.array([1.0, 1.0, -1.0, -1.0])


@nb.njit(cache=True, inline="always")
def _k_slash(p):
    out = np.zeros((4, 4), np.complex128)
    for m in range(4):
        c = p[m] * METRIC[m]
        for i in range(4):
            for j in range(4):
                out[i, j] += c * _GAMMA_C[m, i, j]
    return out


@nb.njit(cache=True, inline="always")
def _k_mm(a, b):
    out = np.zeros((4, 4), np.complex128)
    for i in range(4):
        for k in range(4):
            aik = a[i, k]
            if aik != 0:
                for j in range(4):
                    out[i, j] += aik * b[k, j]
    return out


@nb.njit(cache=True, inline="always")
def _k_sandwich(row, mat, col):
    total = 0j
    for i in range(4):
        if row[i] != 0:
            acc = 0j
            for j in range(4):
                acc += mat[i, j] * col[j]
            total += row[i] * acc
    return total


@nb.njit(cache=True, inline="always")
def _k_spinor(p, spin, kind):
    """Massless Dirac-representation u (kind 0) or v (kind 1) spinor for basis spin 0 or 1."""
    root = math.sqrt(p[0])
    c0 = 1.0 if spin == 0 else 0.0
    c1 = 1.0 - c0
    # (sigma.p) chi
    s0 = p[3] * c0 + complex(p[1], -p[2]) * c1
    s1 = complex(p[1], p[2]) * c0 - p[3] * c1
    out = np.zeros(4, np.complex128)
    if kind == 0:
        out[0], out[1], out[2], out[3] = root * c0, root * c1, s0 / root, s1 / root
    else:
        out[0], out[1], out[2], out[3] = s0 / root, s1 / root, root * c0, root * c1
    return out


@nb.njit(cache=True, inline="always")
def _k_bar(s):
    out = np.empty(4, np.complex128)
    for i in range(4):
        out[i] = s[i].conjugate() * _G0_DIAG[i]
    return out


@nb.njit(cache=True, inline="always")
def _k_dot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


@nb.njit(cache=True, inline="always")
def _k_w_prop(current, q, mw2):
    qj = _k_dot(q, current)
    den = _k_dot(q, q) - mw2
    out = np.empty(4, np.complex128)
    for m in range(4):
        out[m] = (current[m] - q[m] * qj / mw2) / den
    return out


@nb.njit(cache=True)
def _k_msq(p1, p2, k1, k2, k, eps_list, c, electron_flavour):
    """sum over spins and the given photon polarisations of |M|^2 / 4 for one event.

    c = (e, g/c_w, g/sqrt2, M_W^2, g_L(e), g_R(e), M_Z, Gamma_Z)."""
    e, gz, w, mw2, gl, gr, mz, wz = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    e_q = -e
    z_e = np.zeros((4, 4), np.complex128)
    for i in range(4):
        for j in range(4):
            z_e[i, j] = gz * (gl * (0.5 * (i == j) - 0.5 * G5[i, j]) + gr * (0.5 * (i == j) + 0.5 * G5[i, j]))
    q1 = p1 - k
    q2 = k - p2
    prop_e1 = _k_slash(q1) / _k_dot(q1, q1)
    prop_e2 = _k_slash(q2) / _k_dot(q2, q2)
    qz = k1 + k2
    prop_z = 1.0 / complex(_k_dot(qz, qz) - mz * mz, mz * wz)
    total = 0.0
    u1 = (_k_spinor(p1, 0, 0), _k_spinor(p1, 1, 0))
    v2 = (_k_spinor(p2, 0, 1), _k_spinor(p2, 1, 1))
    un = (_k_spinor(k1, 0, 0), _k_spinor(k1, 1, 0))
    vn = (_k_spinor(k2, 0, 1), _k_spinor(k2, 1, 1))
    for pol in range(eps_list.shape[0]):
        eps = eps_list[pol]
        eps_slash = _k_slash(eps)
        a1 = _k_mm(prop_e1, eps_slash)  # e- line: ... prop_e1 eps-slash u1
        a2 = _k_mm(eps_slash, prop_e2)  # e+ line: ebar eps-slash prop_e2 ...
        z_line = np.zeros((4, 4, 4), np.complex128)
        for r in range(4):
            g_ze = _k_mm(_GAMMA_C[r], z_e)
            z_line[r] = e_q * (_k_mm(g_ze, a1) + _k_mm(a2, g_ze))
        for a in range(2):
            for b in range(2):
                ebar = _k_bar(v2[b])
                e_cur = np.empty(4, np.complex128)
                for r in range(4):
                    e_cur[r] = _k_sandwich(ebar, z_line[r], u1[a])
                for cc in range(2):
                    nubar = _k_bar(un[cc])
                    for d in range(2):
                        nu_cur = np.empty(4, np.complex128)
                        for r in range(4):
                            nu_cur[r] = 0.5 * gz * _k_sandwich(nubar, _GPL[r], vn[d])  # upper index
                        amp = prop_z * _k_dot(e_cur, nu_cur)
                        if electron_flavour:
                            top1 = np.empty(4, np.complex128)
                            bottom = np.empty(4, np.complex128)
                            top = np.empty(4, np.complex128)
                            bottom2 = np.empty(4, np.complex128)
                            a1u = a1 @ u1[a]
                            ebar_a2 = ebar @ a2
                            for r in range(4):
                                top1[r] = e_q * _k_sandwich(nubar, _GPL[r], a1u)
                                bottom[r] = _k_sandwich(ebar, _GPL[r], vn[d])
                                top[r] = _k_sandwich(nubar, _GPL[r], u1[a])
                                bottom2[r] = e_q * _k_sandwich(ebar_a2, _GPL[r], vn[d])
                            w1 = _k_dot(_k_w_prop(top1, p1 - k - k1, mw2), bottom)
                            w2 = _k_dot(_k_w_prop(top, p1 - k1, mw2), bottom2)
                            q_m = p1 - k1
                            q_p = p2 - k2
                            j_m = _k_w_prop(top, q_m, mw2)
                            j_p = _k_w_prop(bottom, q_p, mw2)
                            kg = -k
                            w3 = -e * (_k_dot(eps, j_m) * _k_dot(kg - q_m, j_p) + _k_dot(j_m, j_p) * _k_dot(q_m - q_p, eps)
                                       + _k_dot(j_p, eps) * _k_dot(q_p - kg, j_m))
                            amp = amp - w * w * (w1 + w2 + w3)
                        total += amp.real * amp.real + amp.imag * amp.imag
    return total / 4


@nb.njit(cache=True, parallel=True)
def _k_msq_batch(p1, p2, k1, k2, k, eps, c, electron_flavour):
    out = np.empty(p1.shape[0])
    for i in nb.prange(p1.shape[0]):
        out[i] = _k_msq(p1[i], p2[i], k1[i], k2[i], k[i], eps[i], c, electron_flavour)
    return out


def msq_nunugamma_fast(p1, p2, k1, k2, k, ew: Electroweak, electron_flavour: bool, eps_override=None) -> np.ndarray:
    """The numba version of :func:`msq_nunugamma` (same Feynman rules, one event per iteration)."""
    pols = _polarisations(k) if eps_override is None else [eps_override]
    eps = np.ascontiguousarray(np.stack(pols, axis=1), dtype=np.float64)
    c = np.array([ew.e, ew.g / ew.c_w, ew.g / math.sqrt(2.0), ew.m_W**2, -0.5 + ew.sin2_theta_w, ew.sin2_theta_w,
                  ew.m_Z, ew.Gamma_Z])
    q1, q2, n1, n2, g = (np.ascontiguousarray(x, dtype=np.float64) for x in (p1, p2, k1, k2, k))
    return _k_msq_batch(q1, q2, n1, n2, g, eps, c, electron_flavour)
