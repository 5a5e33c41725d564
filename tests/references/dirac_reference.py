"""Independent reference: tree amplitudes from explicit Dirac matrices (numpy).

Nothing here imports mcgen. The Feynman rules are written out from the Lagrangian
of docs/physics/model.md with FeynRules/MadGraph Standard-Model conventions
(D = d - i e Q A - i g/c_w (T3 P_L - Q s_w^2) Z - i g/sqrt2 (W+ T+ + W- T-)):

- photon-electron vertex  i e Q gamma^mu            (Q = -1)
- Z-electron vertex       i g/c_w gamma^mu (gL P_L + gR P_R), gL = -1/2 + s_w^2, gR = s_w^2
- W-electron-neutrino     i g/sqrt2 gamma^mu P_L
- dipole vertex for an incoming boson momentum q: 2 d sigma^{mu nu} q_mu P_L
  (d = d_gamma for the photon, -d_Z for the Z, d_W for the W)

Spinors are the textbook Dirac-representation ones summed over a fixed spin basis,
so spin sums are explicit sums of |amplitude|^2 and never use a trace identity.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

I2 = np.eye(2, dtype=complex)
Z2 = np.zeros((2, 2), dtype=complex)
PAULI = [
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
]
G0 = np.block([[I2, Z2], [Z2, -I2]])
GAMMA = [G0] + [np.block([[Z2, s], [-s, Z2]]) for s in PAULI]
G5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
ONE = np.eye(4, dtype=complex)
PL = (ONE - G5) / 2
PR = (ONE + G5) / 2
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
# sigma^{mu nu} = i/2 [gamma^mu, gamma^nu] (upper indices)
SIGMA = [[0.5j * (GAMMA[m] @ GAMMA[n] - GAMMA[n] @ GAMMA[m]) for n in range(4)] for m in range(4)]


def lower(p):
    return METRIC @ np.asarray(p, dtype=float)


def slash(p):
    pl = lower(p)
    return sum(GAMMA[m] * pl[m] for m in range(4))


def dot(p, q):
    return float(np.asarray(p) @ METRIC @ np.asarray(q))


def bar(spinor):
    return spinor.conj() @ G0


def _two_spinors():
    return [np.array([1, 0], dtype=complex), np.array([0, 1], dtype=complex)]


def u_spinors(p, m):
    """Particle spinors u(p, s) for s in a fixed basis (Dirac representation)."""
    e, px = p[0], np.asarray(p[1:])
    sp = sum(PAULI[i] * px[i] for i in range(3))
    n = np.sqrt(e + m)
    return [np.concatenate([n * chi, sp @ chi / n]) for chi in _two_spinors()]


def v_spinors(p, m):
    """Antiparticle spinors v(p, s)."""
    e, px = p[0], np.asarray(p[1:])
    sp = sum(PAULI[i] * px[i] for i in range(3))
    n = np.sqrt(e + m)
    return [np.concatenate([sp @ eta / n, n * eta]) for eta in _two_spinors()]


def contract(a, b):
    """a^mu b_mu for two lists of complex numbers with upper indices."""
    return sum(METRIC[m, m] * a[m] * b[m] for m in range(4))


def two_body_momenta(sqrt_s, m1, m2, cos_theta, phi=0.0):
    """CM momenta of the incoming e-(+z), e+(-z) and outgoing particles 1 and 2."""
    s = sqrt_s**2
    e_beam = sqrt_s / 2
    p1 = np.array([e_beam, 0, 0, e_beam])
    p2 = np.array([e_beam, 0, 0, -e_beam])
    k = np.sqrt((s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)) / (2 * sqrt_s)
    e1 = np.sqrt(k**2 + m1**2)
    e2 = np.sqrt(k**2 + m2**2)
    sin_theta = np.sqrt(1 - cos_theta**2)
    n = np.array([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta])
    return p1, p2, np.concatenate([[e1], k * n]), np.concatenate([[e2], -k * n]), k


class EW:
    """Electroweak inputs (mcgen's defaults unless given)."""

    def __init__(self, alpha=1 / 137.036, sin2w=0.2312, mz=91.1876, gz=2.4952, mw=80.379, gw=2.085):
        self.alpha, self.sin2w, self.mz, self.gz, self.mw, self.gw = alpha, sin2w, mz, gz, mw, gw
        self.e = np.sqrt(4 * np.pi * alpha)
        self.sw = np.sqrt(sin2w)
        self.cw = np.sqrt(1 - sin2w)
        self.g = self.e / self.sw
        self.gl = -0.5 + sin2w
        self.gr = sin2w


def production_amplitudes(ew, sqrt_s, m, cos_theta, d_gamma, d_z, d_w, *, photon=True, zboson=True, wboson=True, conjugate=False, phi=0.3,
                          helicities=None):
    """Amplitudes M(s_e-, s_e+, s_1, s_2) for e-(p1) e+(p2) -> N(k1) nubar(k2), or with
    ``conjugate`` for e-(p1) e+(p2) -> Nbar(k1) nu(k2); k1 at polar angle theta to the e-.

    Photon and Z in the s channel, W in the t channel (flavour e). The t-channel term
    carries the relative minus sign of the exchanged fermion lines (as in Bhabha
    scattering): s pairs (e+ e-)(N nubar), t pairs (N e-)(e+ nubar).
    N nubar: dipole vertex 2 d sigma q P_L between ubar(N) and v(nubar); the W is emitted
    by the e- (vertex ubar(N) 2 d_W sigma q P_L u(e-), q = k1 - p1).
    Nbar nu: dipole vertex 2 d P_R sigma q between ubar(nu) and v(Nbar); the W joins the
    e+ to the Nbar (vbar(e+) 2 d_W P_R sigma q v(Nbar), q = k1 - p2).
    ``helicities`` ("L" or "R" for the e-, then the e+) projects the beam spinors on those helicity
    states: for massless beams u_L = P_L u, u_R = P_R u, and an antiparticle of helicity R (L) is
    v = P_L v (P_R v). Summing |M|^2 over the projected basis then gives the rate of that one
    helicity state (P_L u u^bar P_R = P_L pslash).
    """
    p1, p2, k1, k2, _ = two_body_momenta(sqrt_s, m, 0.0, cos_theta, phi=phi)
    s = sqrt_s**2
    q_s = p1 + p2
    q_t = k1 - (p2 if conjugate else p1)  # momentum flowing into the N vertex from the W
    t = dot(q_t, q_t)
    chiral = (lambda x: PR @ x) if conjugate else (lambda x: x @ PL)
    dip_s = [chiral(2 * sum(SIGMA[a][n] * lower(q_s)[a] for a in range(4))) for n in range(4)]
    dip_t = [chiral(2 * sum(SIGMA[a][n] * lower(q_t)[a] for a in range(4))) for n in range(4)]
    prop_gamma = 1.0 / s
    prop_z = 1.0 / (s - ew.mz**2 + 1j * ew.mz * ew.gz)
    prop_w = 1.0 / (t - ew.mw**2)
    zcoup = [ew.g / ew.cw * GAMMA[n] @ (ew.gl * PL + ew.gr * PR) for n in range(4)]
    wcoup = [ew.g / np.sqrt(2) * GAMMA[n] @ PL for n in range(4)]
    if conjugate:  # outgoing Nbar is a v spinor (mass m), outgoing nu a u spinor
        out1, out2 = v_spinors(k1, m), u_spinors(k2, 0.0)
    else:
        out1, out2 = u_spinors(k1, m), v_spinors(k2, 0.0)
    amps = {}
    beam_u, beam_v = u_spinors(p1, 0.0), v_spinors(p2, 0.0)
    if helicities is not None:
        h_minus, h_plus = helicities
        beam_u = [(PL if h_minus == "L" else PR) @ u for u in beam_u]
        beam_v = [(PL if h_plus == "R" else PR) @ v for v in beam_v]
    for (a, ue), (b, ve), (c, w1), (d, w2) in itertools.product(
        enumerate(beam_u), enumerate(beam_v), enumerate(out1), enumerate(out2)
    ):
        # the heavy-lepton current of the s channel: ubar(N) .. v(nubar) or ubar(nu) .. v(Nbar)
        n_s = [(bar(w2) @ dip_s[n] @ w1) if conjugate else (bar(w1) @ dip_s[n] @ w2) for n in range(4)]
        amp = 0j
        if photon:
            j = [bar(ve) @ GAMMA[n] @ ue for n in range(4)]
            # i M = (i e Q)(-i g/s)(2 d_gamma) J.N  with Q = -1
            amp += -ew.e * d_gamma * prop_gamma * contract(j, n_s)
        if zboson:
            j = [bar(ve) @ zcoup[n] @ ue for n in range(4)]
            amp += (-d_z) * prop_z * contract(j, n_s)
        if wboson:
            if conjugate:
                n_t = [bar(ve) @ dip_t[n] @ w1 for n in range(4)]
                j_t = [bar(w2) @ wcoup[n] @ ue for n in range(4)]
            else:
                n_t = [bar(w1) @ dip_t[n] @ ue for n in range(4)]
                j_t = [bar(ve) @ wcoup[n] @ w2 for n in range(4)]
            # W propagator -i (g - q q / M^2)/(t - M^2); the q q part vanishes on the dipole side
            qt_l = lower(q_t)
            q_nt = sum(qt_l[n] * n_t[n] for n in range(4))
            q_jt = sum(qt_l[n] * j_t[n] for n in range(4))
            amp -= d_w * prop_w * (contract(n_t, j_t) - q_nt * q_jt / ew.mw**2)
        amps[(a, b, c, d)] = amp
    return amps


def production_msq(ew, sqrt_s, m, cos_theta, d_gamma, d_z, d_w, **which):
    """Spin-averaged |M|^2 at one angle, or with ``helicities`` that of fully polarised beams."""
    amps = production_amplitudes(ew, sqrt_s, m, cos_theta, d_gamma, d_z, d_w, **which)
    return sum(abs(a) ** 2 for a in amps.values()) / (4 if which.get("helicities") is None else 1)


def production_sigma(ew, sqrt_s, m, d_gamma, d_z, d_w, n_points=64, **which):
    """sigma(e+e- -> N nubar) (or Nbar nu) in GeV^-2 by Gauss-Legendre quadrature over cos(theta)."""
    x, w = np.polynomial.legendre.leggauss(n_points)
    s = sqrt_s**2
    k = (s - m**2) / (2 * sqrt_s)
    msq = np.array([production_msq(ew, sqrt_s, m, c, d_gamma, d_z, d_w, **which) for c in x])
    # sigma = 1/(2s) * k/(16 pi^2 sqrt s) * 2 pi * int dcos |M|^2
    return float(k / (16 * np.pi * s * sqrt_s) * (w @ msq))


def polarisation_vectors(q, mass):
    """Physical polarisation 4-vectors (real basis) of a vector boson with momentum q."""
    qv = np.asarray(q[1:], dtype=float)
    mod = np.linalg.norm(qv)
    n = qv / mod
    trial = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(n, trial)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n, e1)
    pols = [np.concatenate([[0.0], e1]), np.concatenate([[0.0], e2])]
    if mass > 0:
        pols.append(np.concatenate([[mod / mass], q[0] / mass * n]))
    return pols


def _decay_momenta(m_parent, m1, m2, cos_theta=0.37, phi=1.1):
    k = np.sqrt((m_parent**2 - (m1 + m2) ** 2) * (m_parent**2 - (m1 - m2) ** 2)) / (2 * m_parent)
    st = np.sqrt(1 - cos_theta**2)
    n = np.array([st * np.cos(phi), st * np.sin(phi), cos_theta])
    p1 = np.concatenate([[np.hypot(k, m1)], k * n])
    p2 = np.concatenate([[np.hypot(k, m2)], -k * n])
    return p1, p2, k


def n_decay_width(m, d, boson_mass=0.0, lepton_mass=0.0):
    """Gamma(N -> f V) for the dipole  d fbar P_R sigma^{mu nu} N V_{mu nu}  by explicit spin sums.

    f is the nu (massless) or the charged lepton; V the photon, Z or W."""
    p_f, q, k = _decay_momenta(m, lepton_mass, boson_mass)
    pN = np.array([m, 0.0, 0.0, 0.0])
    ql = lower(q)
    # outgoing boson: vertex -2 d P_R sigma^{mu nu} q_mu eps*_nu
    total = 0.0
    for eps in polarisation_vectors(q, boson_mass):
        el = lower(eps)
        vertex = -2 * d * PR @ sum(SIGMA[a][b] * ql[a] * el[b] for a in range(4) for b in range(4))
        for uN in u_spinors(pN, m):
            for uf in u_spinors(p_f, lepton_mass):
                total += abs(bar(uf) @ vertex @ uN) ** 2
    return k / (8 * np.pi * m**2) * total / 2


def z_to_n_nubar_width(ew, m, d_z):
    """Gamma(Z -> N nubar) from  -d_Z Nbar sigma^{mu nu} P_L nu Z_{mu nu}  by explicit spin sums."""
    k1, k2, k = _decay_momenta(ew.mz, m, 0.0)
    q = np.array([ew.mz, 0.0, 0.0, 0.0])
    ql = lower(q)
    total = 0.0
    q_moving = np.array([ew.mz, 0.0, 0.0, 1e-9])  # a rest-frame basis of three polarisations
    for eps in polarisation_vectors(q_moving, ew.mz):
        el = lower(eps)
        vertex = -2 * d_z * sum(SIGMA[a][b] * ql[a] * el[b] for a in range(4) for b in range(4)) @ PL
        for uN in u_spinors(k1, m):
            for vn in v_spinors(k2, 0.0):
                total += abs(bar(uN) @ vertex @ vn) ** 2
    return k / (8 * np.pi * ew.mz**2) * total / 3


def spin_four_vector(k, m, axis):
    """Spin 4-vector of a particle of momentum k whose rest-frame spin (reached from the
    lab by a pure boost) points along the unit 3-vector ``axis``."""
    axis = np.asarray(axis, dtype=float)
    p = np.asarray(k[1:], dtype=float)
    e = k[0]
    return np.concatenate([[p @ axis / m], axis + (p @ axis) / (m * (e + m)) * p])


def _polarisation(k, m, mass_sign, rate):
    """P_i = (R(+s_i) - R(-s_i)) / (R(+s_i) + R(-s_i)) for the boosted rest-frame axes s_i, with
    R(projector) the spin-summed rate for the projector (k + mass_sign m)(1 + gamma5 s)/2."""
    polarisation = []
    for axis in np.eye(3):
        rates = []
        for sign in (1, -1):
            sv = spin_four_vector(k, m, sign * axis)
            rates.append(rate((slash(k) + mass_sign * m * ONE) @ (ONE + G5 @ slash(sv)) / 2))
        polarisation.append((rates[0] - rates[1]) / (rates[0] + rates[1]))
    return np.array(polarisation)


def n_polarisation(ew, sqrt_s, m, cos_theta, d_gamma, d_z, d_w, phi=0.0, beam_weights=None):
    """Rest-frame polarisation vector of N in e+e- -> N nubar from spin projectors; with
    ``beam_weights`` {(e- helicity, e+ helicity): weight} for polarised beams (the rates of the
    projected helicity states of :func:`production_amplitudes`, weighted).

    |M(s)|^2 is computed with the N spin sum replaced by (k + m)(1 + gamma5 s)/2 for
    s = the boosted rest-frame axes +-x, +-y, +-z; P_i = (|M(+s_i)|^2 - |M(-s_i)|^2) / sum.
    The amplitude is written as ubar(k1) X, with X built from the same vertices as above.
    """
    p1, p2, k1, k2, _ = two_body_momenta(sqrt_s, m, 0.0, cos_theta, phi=phi)
    s = sqrt_s**2
    q_s, q_t = p1 + p2, k1 - p1
    t = dot(q_t, q_t)
    dip_s = [2 * sum(SIGMA[a][n] * lower(q_s)[a] for a in range(4)) @ PL for n in range(4)]
    dip_t = [2 * sum(SIGMA[a][n] * lower(q_t)[a] for a in range(4)) @ PL for n in range(4)]
    open_legs = []
    configurations = [(None, 1.0)] if beam_weights is None else list(beam_weights.items())
    for (helicities, weight), vn in itertools.product(configurations, v_spinors(k2, 0.0)):
        beam_u, beam_v = u_spinors(p1, 0.0), v_spinors(p2, 0.0)
        if helicities is not None:
            beam_u = [(PL if helicities[0] == "L" else PR) @ u for u in beam_u]
            beam_v = [(PL if helicities[1] == "R" else PR) @ v for v in beam_v]
        open_legs += [math.sqrt(weight) * _n_open_leg(ew, s, t, d_gamma, d_z, d_w, dip_s, dip_t, ue, ve, vn)
                      for ue, ve in itertools.product(beam_u, beam_v)]
    return _polarisation(k1, m, +1.0, lambda projector: sum((x.conj() @ G0 @ projector @ x).real for x in open_legs))


def _n_open_leg(ew, s, t, d_gamma, d_z, d_w, dip_s, dip_t, ue, ve, vn):
    """X in M = ubar(N) X for given beam and nubar spinors (photon, Z and W exchange)."""
    prop_z = 1.0 / (s - ew.mz**2 + 1j * ew.mz * ew.gz)
    zcoup = [ew.g / ew.cw * GAMMA[n] @ (ew.gl * PL + ew.gr * PR) for n in range(4)]
    wcoup = [ew.g / np.sqrt(2) * GAMMA[n] @ PL for n in range(4)]
    x = np.zeros(4, dtype=complex)
    for n in range(4):
        g = METRIC[n, n]
        j_s = -ew.e * d_gamma / s * (bar(ve) @ GAMMA[n] @ ue) - d_z * prop_z * (bar(ve) @ zcoup[n] @ ue)
        x += g * j_s * (dip_s[n] @ vn)
        j_t = bar(ve) @ wcoup[n] @ vn
        x -= g * d_w / (t - ew.mw**2) * j_t * (dip_t[n] @ ue)  # the q q part of the propagator vanishes
    return x


def n_decay_rate_polarised(m, spin_axis, photon_direction):
    """|M|^2 of N(at rest, spin along spin_axis) -> nu gamma(photon_direction), summed over
    the photon polarisations and the neutrino spin, from the projector (k + m)(1 + gamma5 s)/2."""
    pN = np.array([m, 0.0, 0.0, 0.0])
    n = np.asarray(photon_direction, dtype=float)
    q = np.concatenate([[m / 2], m / 2 * n])
    p_nu = np.concatenate([[m / 2], -m / 2 * n])
    sv = spin_four_vector(pN, m, spin_axis)
    projector = (slash(pN) + m * ONE) @ (ONE + G5 @ slash(sv)) / 2
    ql = lower(q)
    total = 0.0
    for eps in polarisation_vectors(q, 0.0):
        el = lower(eps)
        vertex = PR @ sum(SIGMA[a][b] * ql[a] * el[b] for a in range(4) for b in range(4))
        for unu in u_spinors(p_nu, 0.0):
            y = bar(unu) @ vertex  # row: ubar(nu) Gamma; |y u_N|^2 summed with the projector
            total += (y @ projector @ (G0 @ y.conj())).real
    return total


def nbar_polarisation(ew, sqrt_s, m, cos_theta, d_gamma, d_z, d_w, phi=0.0):
    """Rest-frame polarisation of Nbar in e+e- -> Nbar(k1) nu(k2), k1 at polar angle theta.

    The amplitude is Y v(k1) with Y a row spinor; the Nbar spin sum becomes the projector
    (k - m)(1 + gamma5 s)/2 for spin 4-vector s.
    """
    p1, p2, k1, k2, _ = two_body_momenta(sqrt_s, m, 0.0, cos_theta, phi=phi)
    s = sqrt_s**2
    q_s, q_t = p1 + p2, k1 - p2
    t = dot(q_t, q_t)
    dip_s = [PR @ (2 * sum(SIGMA[a][n] * lower(q_s)[a] for a in range(4))) for n in range(4)]
    dip_t = [PR @ (2 * sum(SIGMA[a][n] * lower(q_t)[a] for a in range(4))) for n in range(4)]
    prop_z = 1.0 / (s - ew.mz**2 + 1j * ew.mz * ew.gz)
    zcoup = [ew.g / ew.cw * GAMMA[n] @ (ew.gl * PL + ew.gr * PR) for n in range(4)]
    wcoup = [ew.g / np.sqrt(2) * GAMMA[n] @ PL for n in range(4)]
    rows = []
    for ue, ve, un in itertools.product(u_spinors(p1, 0.0), v_spinors(p2, 0.0), u_spinors(k2, 0.0)):
        y = np.zeros(4, dtype=complex)
        for n in range(4):
            g = METRIC[n, n]
            j_s = -ew.e * d_gamma / s * (bar(ve) @ GAMMA[n] @ ue) - d_z * prop_z * (bar(ve) @ zcoup[n] @ ue)
            y += g * j_s * (bar(un) @ dip_s[n])
            j_t = bar(un) @ wcoup[n] @ ue
            y -= g * d_w / (t - ew.mw**2) * j_t * (bar(ve) @ dip_t[n])
        rows.append(y)
    return _polarisation(k1, m, -1.0, lambda projector: sum((y @ projector @ G0 @ y.conj()).real for y in rows))


def dalitz_width(m, m1, m2, m3, msq_summed, n=32):
    """Gamma of a spin-1/2 particle of mass m into 1 2 3 from |M|^2 summed over all spins:
    dGamma = |M|^2/2 / ((2 pi)^3 32 m^3) dm12^2 dm23^2 on a Gauss-Legendre grid, the outer
    integral over m23^2 uniform in log m23^2 (a photon* pole), the inner one over m12^2 uniform."""
    xs, ws = np.polynomial.legendre.leggauss(n)
    lo, hi = math.log(max((m2 + m3) ** 2, 1e-12 * m * m)), math.log((m - m1) ** 2)
    total = 0.0
    p_parent = np.array([m, 0.0, 0.0, 0.0])
    for x23, w23 in zip(xs, ws):
        m23 = math.exp(0.5 * (hi - lo) * x23 + 0.5 * (hi + lo))
        jac23 = 0.5 * (hi - lo) * m23
        r23 = math.sqrt(m23)
        # energies in the rest frame of (2 3) give the m12^2 range (PDG kinematics)
        e2s = (m23 - m3 * m3 + m2 * m2) / (2 * r23)
        e1s = (m * m - m23 - m1 * m1) / (2 * r23)
        p2s = math.sqrt(max(e2s * e2s - m2 * m2, 0.0))
        p1s = math.sqrt(max(e1s * e1s - m1 * m1, 0.0))
        m12_lo = (e1s + e2s) ** 2 - (p1s + p2s) ** 2
        m12_hi = (e1s + e2s) ** 2 - (p1s - p2s) ** 2
        for x12, w12 in zip(xs, ws):
            m12 = 0.5 * (m12_hi - m12_lo) * x12 + 0.5 * (m12_hi + m12_lo)
            jac12 = 0.5 * (m12_hi - m12_lo)
            e1 = (m * m + m1 * m1 - m23) / (2 * m)
            e3 = (m * m + m3 * m3 - m12) / (2 * m)
            p1 = math.sqrt(max(e1 * e1 - m1 * m1, 0.0))
            p3 = math.sqrt(max(e3 * e3 - m3 * m3, 0.0))
            m13 = m * m + m1 * m1 + m2 * m2 + m3 * m3 - m12 - m23
            cos13 = (e1 * e3 - (m13 - m1 * m1 - m3 * m3) / 2) / (p1 * p3)
            cos13 = min(max(cos13, -1.0), 1.0)
            k1 = np.array([e1, 0.0, 0.0, p1])
            k3 = np.array([e3, p3 * math.sqrt(1 - cos13**2), 0.0, p3 * cos13])
            k2 = p_parent - k1 - k3
            total += w23 * w12 * jac23 * jac12 * msq_summed(p_parent, k1, k2, k3) / 2
    return total / ((2 * math.pi) ** 3 * 32 * m**3)


def _heavy_current(p_parent, m, k1, m1, q, coupling):
    """ubar(k1) [coupling * 2 P_R sigma^{a mu} q_a] u(parent) for all spins, upper index mu."""
    ql = lower(q)
    dip = [PR @ (2 * coupling * sum(SIGMA[a][k] * ql[a] for a in range(4))) for k in range(4)]
    return [[bar(u1) @ dip[k] @ uN for k in range(4)] for uN in u_spinors(p_parent, m) for u1 in u_spinors(k1, m1)]


def n_to_nu_f_fbar_width(ew, m, d_gamma, d_z, mf, charge, t3, colours=1, n=32):
    """Gamma(N -> nu f fbar) through photon* and Z* from explicit spin sums on a Dalitz grid.

    Vertices (outgoing boson momentum q): photon -2 d_gamma P_R sigma^{a mu} q_a, Z +2 d_Z (the
    opposite sign, as in production); f couplings i e Q gamma and i g/c_w gamma (gL P_L + gR P_R).
    """
    gl, gr = t3 - charge * ew.sin2w, -charge * ew.sin2w
    zcoup = [ew.g / ew.cw * GAMMA[k] @ (gl * PL + gr * PR) for k in range(4)]

    def msq(p_parent, k1, k2, k3):
        q = k2 + k3
        q2 = dot(q, q)
        prop_z = 1.0 / (q2 - ew.mz**2 + 1j * ew.mz * ew.gz)
        heavy = _heavy_current(p_parent, m, k1, 0.0, q, 1.0)
        out = 0.0
        for uf in u_spinors(k2, mf):
            for vf in v_spinors(k3, mf):
                j_g = [bar(uf) @ GAMMA[k] @ vf for k in range(4)]
                j_z = [bar(uf) @ zcoup[k] @ vf for k in range(4)]
                for h in heavy:
                    amp = -d_gamma * ew.e * charge / q2 * contract(h, j_g) + d_z * prop_z * contract(h, j_z)
                    out += abs(amp) ** 2
        return out

    return colours * dalitz_width(m, 0.0, mf, mf, msq, n)


def n_to_l_f_fbar_width(ew, m, d_w, ml, mu, md, colours=1, n=32):
    """Gamma(N -> l- f fbar') through W*: vertex -2 d_W P_R sigma q between ubar(l) and u(N), then
    (g/sqrt 2) ubar(f) gamma P_L v(fbar'), W propagator with its width."""

    def msq(p_parent, k1, k2, k3):
        q = k2 + k3
        q2 = dot(q, q)
        prop_w = 1.0 / (q2 - ew.mw**2 + 1j * ew.mw * ew.gw)
        heavy = _heavy_current(p_parent, m, k1, ml, q, d_w)
        out = 0.0
        for uf in u_spinors(k2, mu):
            for vf in v_spinors(k3, md):
                j = [bar(uf) @ (ew.g / np.sqrt(2) * GAMMA[k] @ PL) @ vf for k in range(4)]
                # the q q / M^2 part of the W propagator vanishes on the transverse dipole current
                for h in heavy:
                    out += abs(prop_w * contract(h, j)) ** 2
        return out

    return colours * dalitz_width(m, ml, mu, md, msq, n)
