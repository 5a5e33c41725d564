"""The explicit-Dirac-matrix reference for e+e- -> e+e- gamma (it stays in the tests: the package computes
with massive helicity spinors in the Weyl representation, mcgen.physics.eegamma).

The same Feynman rules written the plain way, in mpmath at any precision: 4x4 Dirac-representation gamma
matrices, the spinors of the rest-frame spin basis (u = (sqrt(E+m) chi, sigma.p chi / sqrt(E+m)),
v = (sigma.p eta / sqrt(E+m), sqrt(E+m) eta)), circular photon polarisations, and every diagram as a product
of matrices with the boson's Lorentz index summed with the metric:
- t channel, photon from the incoming or the outgoing e- (boson momentum p2 - p4) or e+ (p1 - p3);
- s channel, photon from the incoming e- or e+ (boson momentum p3 + p4) or from the outgoing pair (p1 + p2),
  with a relative minus sign;
each with the photon (e^2/q^2) and the Z ((g/c_w)^2 (g_L P_L + g_R P_R) at each vertex, 1/(q^2 - M^2 + i M Gamma)
in the s channel, 1/(q^2 - M^2) in the t channel). The invariants are computed from the momenta as
given: at high precision the kinematics must be made at that precision too (tests/physics/test_eegamma.py).
"""

from __future__ import annotations

import mpmath

__all__ = ["msq_eegamma_reference", "bhabha_msq", "eikonal"]


def _m(rows):
    return mpmath.matrix(rows)


def _gammas():
    one, zero, i = mpmath.mpf(1), mpmath.mpf(0), mpmath.mpc(0, 1)
    g0 = _m([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, -1, 0], [0, 0, 0, -1]])
    g1 = _m([[0, 0, 0, 1], [0, 0, 1, 0], [0, -1, 0, 0], [-1, 0, 0, 0]])
    g2 = _m([[zero, zero, zero, -i], [zero, zero, i, zero], [zero, i, zero, zero], [-i, zero, zero, zero]])
    g3 = _m([[0, 0, 1, 0], [0, 0, 0, -1], [-1, 0, 0, 0], [0, 1, 0, 0]])
    g5 = _m([[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]])
    ident = mpmath.eye(4)
    return [g0, g1, g2, g3], (ident - g5) * (one / 2), (ident + g5) * (one / 2), ident


def _slash(p, gam):
    return gam[0] * p[0] - gam[1] * p[1] - gam[2] * p[2] - gam[3] * p[3]


def _dot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def _spinors(p, m):
    """u and v (4 x 1) of the two basis spins, Dirac representation."""
    e = p[0]
    root = mpmath.sqrt(e + m)
    sp = _m([[p[3], p[1] - mpmath.mpc(0, 1) * p[2]], [p[1] + mpmath.mpc(0, 1) * p[2], -p[3]]])  # sigma.p
    us, vs = [], []
    for chi in (_m([[1], [0]]), _m([[0], [1]])):
        lower = sp * chi / root
        us.append(_m([[root * chi[0]], [root * chi[1]], [lower[0]], [lower[1]]]))
        vs.append(_m([[lower[0]], [lower[1]], [root * chi[0]], [root * chi[1]]]))
    return us, vs


def _bar(col, g0):
    return col.H * g0


def _polarisations(k):
    """eps_+ and eps_- (contravariant 4-vectors) of a photon of momentum k."""
    kk = mpmath.sqrt(k[1] ** 2 + k[2] ** 2 + k[3] ** 2)
    kt = mpmath.sqrt(k[1] ** 2 + k[2] ** 2)
    cph, sph = (k[1] / kt, k[2] / kt) if kt > 0 else (mpmath.mpf(1), mpmath.mpf(0))
    cth, sth = k[3] / kk, kt / kk
    theta_hat = [0, cth * cph, cth * sph, -sth]
    phi_hat = [0, -sph, cph, 0]
    r = 1 / mpmath.sqrt(2)
    return [[r * (a + mpmath.mpc(0, 1) * b) for a, b in zip(theta_hat, phi_hat)],
            [r * (a - mpmath.mpc(0, 1) * b) for a, b in zip(theta_hat, phi_hat)]]


def beam_weight(beams, i1, i2):
    """The weight of the beams' spin state (i1, i2) of :func:`_spinors` for beams along +z (e-) and -z (e+) with
    longitudinal polarisations ``beams`` = (P-, P+); 1 when None. Spin basis 0 is spin up along z: for the e-
    (moving along +z) helicity +; v's physical spin is opposite to its basis spinor (v = C ubar^T), so for the e+
    (moving along -z) basis 0 is spin down, helicity + as well. Weight (1 + h- P-)(1 + h+ P+)."""
    if beams is None:
        return 1
    h1, h2 = (1 if i1 == 0 else -1), (1 if i2 == 0 else -1)
    return (1 + h1 * beams[0]) * (1 + h2 * beams[1])


def msq_eegamma_reference(p1, p2, p3, p4, k, *, m, e_photon, e2_exchange, gz2, g_l, g_r, m_z, gamma_z, polarisations=None,
                          beams=None):
    """(1/4) sum over spins of abs(M)^2 for momenta given as 4-lists of mpmath numbers (or floats); ``polarisations``
    in place of the photon's two (the gauge test: k itself gives 0); ``beams`` = (P-, P+) weights each beam spin
    state (:func:`beam_weight`; the beams along the z axis)."""
    gam, pl, pr, ident = _gammas()
    g0 = gam[0]
    u1, _ = _spinors(p1, m)
    _, v2 = _spinors(p2, m)
    u3, _ = _spinors(p3, m)
    _, v4 = _spinors(p4, m)
    bar3 = [_bar(u, g0) for u in u3]
    bar2 = [_bar(v, g0) for v in v2]

    def prop(q):  # fermion propagator (q-slash + m)/(q^2 - m^2)
        return (_slash(q, gam) + ident * m) / (_dot(q, q) - m * m)

    q = [p1[i] - k[i] for i in range(4)]
    a1 = prop(q)
    a2 = prop([k[i] - p2[i] for i in range(4)])
    a3 = prop([p3[i] + k[i] for i in range(4)])
    a4 = prop([-p4[i] - k[i] for i in range(4)])
    t13 = _dot([p1[i] - p3[i] for i in range(4)], [p1[i] - p3[i] for i in range(4)])
    t24 = _dot([p2[i] - p4[i] for i in range(4)], [p2[i] - p4[i] for i in range(4)])
    s12 = _dot([p1[i] + p2[i] for i in range(4)], [p1[i] + p2[i] for i in range(4)])
    s34 = _dot([p3[i] + p4[i] for i in range(4)], [p3[i] + p4[i] for i in range(4)])
    z_vertex = (pl * g_l + pr * g_r)

    def bosons(q2, width):
        """(coupling matrix at each vertex, propagator factor) of the photon and the Z."""
        z = 1 / (q2 - m_z**2 + (mpmath.mpc(0, 1) * m_z * gamma_z if width else 0))
        return [(ident, e2_exchange / q2), (z_vertex, gz2 * z)]

    metric = [1, -1, -1, -1]
    total = mpmath.mpf(0)
    for eps in polarisations or _polarisations(k):
        e_slash = _slash([mpmath.conj(x) for x in eps], gam)
        for i1 in range(2):
            for i2 in range(2):
                for i3 in range(2):
                    for i4 in range(2):
                        amp = mpmath.mpc(0)
                        for mu in range(4):
                            for vertex, factor in bosons(t24, False):  # photon from the e- line
                                g = gam[mu] * vertex
                                line = bar3[i3] * (g * a1 * e_slash + e_slash * a3 * g) * u1[i1]
                                other = bar2[i2] * g * v4[i4]
                                amp += metric[mu] * factor * line[0] * other[0]
                            for vertex, factor in bosons(t13, False):  # photon from the e+ line
                                g = gam[mu] * vertex
                                line = bar2[i2] * (e_slash * a2 * g + g * a4 * e_slash) * v4[i4]
                                other = bar3[i3] * g * u1[i1]
                                amp += metric[mu] * factor * line[0] * other[0]
                            for vertex, factor in bosons(s34, True):  # photon from the beams
                                g = gam[mu] * vertex
                                line = bar2[i2] * (g * a1 * e_slash + e_slash * a2 * g) * u1[i1]
                                other = bar3[i3] * g * v4[i4]
                                amp -= metric[mu] * factor * line[0] * other[0]
                            for vertex, factor in bosons(s12, True):  # photon from the pair
                                g = gam[mu] * vertex
                                line = bar3[i3] * (e_slash * a3 * g + g * a4 * e_slash) * v4[i4]
                                other = bar2[i2] * g * u1[i1]
                                amp -= metric[mu] * factor * line[0] * other[0]
                        total += beam_weight(beams, i1, i2) * abs(amp) ** 2
    return total * e_photon**2 / 4


def bhabha_msq(s, t, *, e2, gz2, g_l, g_r, m_z, gamma_z):
    """(1/4) sum abs(M)^2 of massless Bhabha scattering with photon and Z exchange, from its helicity
    amplitudes: 2u (e^2/s + g^2 Z(s) + e^2/t + g^2 Z(t)) for like chiralities (g = g_L or g_R), 2t (e^2/s +
    g_L g_R Z(s)) and 2s (e^2/t + g_L g_R Z(t)) for the others; Z(q^2) = (g/c_w)^2/(q^2 - M^2 [+ i M Gamma, s only]).
    With the photon alone: 2 e^4 [(s^2 + u^2)/t^2 + 2 u^2/(s t) + (u^2 + t^2)/s^2]."""
    u = -s - t
    zs = gz2 / complex(s - m_z**2, m_z * gamma_z)
    zt = gz2 / (t - m_z**2)
    like = sum(abs(e2 / s + g * g * zs + e2 / t + g * g * zt) ** 2 for g in (g_l, g_r))
    ys, yt = e2 / s + g_l * g_r * zs, e2 / t + g_l * g_r * zt
    return u * u * like + 2 * t * t * abs(ys) ** 2 + 2 * s * s * abs(yt) ** 2


def bhabha_msq_polarised(s, t, polarisation, *, e2, gz2, g_l, g_r, m_z, gamma_z):
    """:func:`bhabha_msq` for beams of longitudinal polarisations (P-, P+), from the same helicity amplitudes:
    e-_L e+_R (weight (1 - P-)(1 + P+)) has 2u (... g_L^2 ...) and 2t (e^2/s + g_L g_R Z(s)), e-_R e+_L
    ((1 + P-)(1 - P+)) 2u (... g_R^2 ...) and the same 2t term, e-_L e+_L and e-_R e+_R ((1 -+ P-)(1 -+ P+)) only
    2s (e^2/t + g_L g_R Z(t)) (the e+ line's chirality is opposite to its helicity); the average over the four."""
    pm, pp = polarisation
    u = -s - t
    zs = gz2 / complex(s - m_z**2, m_z * gamma_z)
    zt = gz2 / (t - m_z**2)
    a_l, a_r = (abs(e2 / s + g * g * zs + e2 / t + g * g * zt) ** 2 for g in (g_l, g_r))
    ys, yt = abs(e2 / s + g_l * g_r * zs) ** 2, abs(e2 / t + g_l * g_r * zt) ** 2
    lr, rl = (1 - pm) * (1 + pp), (1 + pm) * (1 - pp)
    ll, rr = (1 - pm) * (1 - pp), (1 + pm) * (1 + pp)
    return (lr * (4 * u * u * a_l + 4 * t * t * ys) + rl * (4 * u * u * a_r + 4 * t * t * ys) + (ll + rr) * 4 * s * s * yt) / 4


def eikonal(p1, p2, p3, p4, k):
    """-J^2 of the soft photon's current J = p1/p1.k - p3/p3.k - p2/p2.k + p4/p4.k (e- charge -1, e+ +1)."""
    def d(a, b):
        return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]

    j = [p1[i] / d(p1, k) - p3[i] / d(p3, k) - p2[i] / d(p2, k) + p4[i] / d(p4, k) for i in range(4)]
    return -d(j, j)
