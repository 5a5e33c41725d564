"""The Standard Model amplitude of e+e- -> nu nubar gamma at tree level (docs/physics/background.md):
helicity amplitudes from massless spinor products, in numba loops that LLVM vectorises.

Diagrams, for e-(p1) e+(p2) -> nu(k1) nubar(k2) gamma(k), momenta 1, 2, 3, 4, 5 below:
- every flavour: Z s-channel with the photon from the e- (Z1) or the e+ (Z2);
- nu_e also: W t-channel with the photon from the e- (W1), the e+ (W2) or the W (W3).
Feynman rules, signs and normalisation are those of the explicit-Dirac-matrix reference in
tests/references/nunugamma_reference.py (FeynRules signs of docs/physics/model.md: photon-electron i e Q gamma, Q = -1;
Z-fermion i g/c_w gamma (g_L P_L + g_R P_R); W-fermion i g/sqrt2 gamma P_L; unitary-gauge W
propagators; a relative minus sign between the (e+ e-)(nu nubar) and (nu e-)(e+ nubar)
pairings; the gamma W W vertex entering W1 + W2 - W3). |M|^2 is averaged over the four beam
spin states; tests/physics/test_helicity.py checks each helicity configuration against the reference.

Spinors (Weyl representation, P_L the upper two components): a massless momentum p has the
right-handed 2-spinor xi with xi xi^+ = E + p.sigma, xi = (sqrt(E + pz), (px + i py)/sqrt(E + pz))
for pz >= 0 and ((px - i py)/sqrt(E - pz), sqrt(E - pz)) for pz < 0 (two phase choices, so that
nothing divides by E - |pz|, which vanishes for the beams); the left-handed one is i sigma_2 xi*.
In the notation of Dixon (hep-ph/9601359), <ij> = ubar_-(i) u_+(j) = xi_i1 xi_j0 - xi_i0 xi_j1,
[ij] = ubar_+(i) u_-(j) = -conj(<ij>) and |<ij>|^2 = s_ij = 2 p_i.p_j (from the spinors: no
cancellation where the photon is collinear with a beam). A phase per external spinor is common
to all diagrams and drops out of |M|^2.

Only the left-handed nu (right-handed nubar) couples, so a configuration is the e- chirality L
(with an e+ of positive helicity) or R, times the photon helicity + or -. The outgoing photon has
eps_+^mu(k; r) = <r|gamma^mu|5]/(sqrt2 <r5>) and eps_- = [r|gamma^mu|5>/(sqrt2 [5r]); changing
the reference momentum r adds a multiple of k and no phase, so each gauge-invariant set takes its
own r: the Z diagrams of an e-_L (r = p1 for +, p2 for -), the W diagrams (r = p2 for +, where W2
vanishes, p1 for -, where W1 vanishes) and those of an e-_R. With the Fierz identity
<i|gamma^mu|j] <k|gamma_mu|l] = 2 <ik>[lj] and momentum conservation, up to a phase each:
    A(L, +) = -2 sqrt2 <23>^2/<25> [(c_L - w D_p) [34]/<15> - w D_m D_p [45][31]]
    A(L, -) = 2 sqrt2 [41]^2/[51] [(c_L - w D_m) <34>/[52] + w D_m D_p <35><24>]
    A(R, +) = 2 sqrt2 c_R <13>^2 [34]/(<15><25>),  A(R, -) = -2 sqrt2 c_R [42]^2 <34>/([51][52])
with c_{L,R} = e Q (g/c_w)^2 g_{L,R} g_nu/(s34 - M_Z^2 + i M_Z Gamma_Z), g_nu = 1/2; for nu_e
w = e g^2/2 (zero otherwise), D_m = 1/(-s13 - M_W^2), D_p = 1/(-s24 - M_W^2). The W joins the Z
where they share a spinor structure (W1 with Z1, W2 with Z2: the low-energy g_L -> g_L + 1 of
nu_e e); the W3 terms carry no electron pole. The unitary-gauge q^mu q^nu/M_W^2 terms drop out:
each W line ends on a photon-free current of two massless spinors, which q annihilates.

``eps_override`` (a given polarisation 4-vector, the gauge test) has no closed form: it is
evaluated from the same spinors by :func:`_msq_polarisation`, the fermion lines as products of
2x2 matrices contracted with that vector (numpy; tests only).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen.physics.constants import Electroweak
from mcgen.simd import VEC

__all__ = ["msq_nunugamma_fast", "msq_nunugamma_helicities", "z_only_photon_density"]

_B = 64
"""Events per block: the loop over a block's events vectorises."""
_CHUNK = 1 << 12
"""Events per task of the parallel loop."""


class _Couplings(NamedTuple):
    """The amplitude's constants (GeV)."""

    z_l: float  # e Q (g/c_w)^2 g_L g_nu: Z diagrams of an e-_L
    z_r: float  # the same with g_R
    m_z2: float
    m_z_gamma: float
    w: float  # e g^2/2 for nu_e (the W diagrams), 0 for nu_mu, nu_tau
    m_w2: float


def _couplings(ew: Electroweak, electron_flavour: bool) -> _Couplings:
    """The constants for the coupling scheme: the observed photon couples with e_photon (alpha(0)
    in both schemes), the Z and the W with the scheme's g (mcgen.physics.constants.SCHEMES)."""
    gz2 = (ew.g / ew.c_w) ** 2
    e_q = -ew.e_photon  # e Q for the electron, at the real photon's vertex
    return _Couplings(z_l=e_q * gz2 * (-0.5 + ew.sin2_theta_w) * 0.5, z_r=e_q * gz2 * ew.sin2_theta_w * 0.5, m_z2=ew.m_Z**2,
                      m_z_gamma=ew.m_Z * ew.Gamma_Z, w=ew.e_photon * ew.g**2 / 2 if electron_flavour else 0.0,
                      m_w2=ew.m_W**2)


# --- the closed forms, in numba block loops --------------------------------------------------------


@nb.njit(inline="always", **VEC)
def _spinor(p, i):
    """xi of momentum p[i] = (E, px, py, pz) (module docstring: its two phase choices)."""
    e, x, y, z = p[i, 0], p[i, 1], p[i, 2], p[i, 3]
    s = math.sqrt(e + abs(z))
    r = 1.0 / s
    up = z >= 0.0
    return complex(s if up else x * r, 0.0 if up else -y * r), complex(x * r if up else s, y * r if up else 0.0)


@nb.njit(inline="always", **VEC)
def _angle(i, j):
    """<ij> of two spinors."""
    return i[1] * j[0] - i[0] * j[1]


@nb.njit(inline="always", **VEC)
def _abs2(z):
    return z.real * z.real + z.imag * z.imag


@nb.njit(inline="always", **VEC)
def _helicities_at(c, p1, p2, k1, k2, k, i):
    """|A|^2/4 of event i for (L, +), (L, -), (R, +), (R, -) (module docstring)."""
    x1, x2, x3, x4, x5 = _spinor(p1, i), _spinor(p2, i), _spinor(k1, i), _spinor(k2, i), _spinor(k, i)
    a13, a14, a15, a23 = _angle(x1, x3), _angle(x1, x4), _angle(x1, x5), _angle(x2, x3)
    a24, a25, a34, a35, a45 = _angle(x2, x4), _angle(x2, x5), _angle(x3, x4), _angle(x3, x5), _angle(x4, x5)
    s13, s14, s15, s23, s24, s25, s34 = (_abs2(a13), _abs2(a14), _abs2(a15), _abs2(a23), _abs2(a24), _abs2(a25),
                                         _abs2(a34))
    bw = 1.0 / ((s34 - c.m_z2) ** 2 + c.m_z_gamma**2)
    c_l = c.z_l * complex((s34 - c.m_z2) * bw, -c.m_z_gamma * bw)
    d_m = 1.0 / (-s13 - c.m_w2)
    d_p = 1.0 / (-s24 - c.m_w2)
    b = c.w * d_m * d_p
    # 1/<15> = [51]/s15 and [ij] = -conj(<ij>) leave angle brackets only (the moduli are unchanged)
    plus = (c_l - c.w * d_p).conjugate() * a34 * a15 * (1.0 / s15) - b * a45 * a13
    minus = (c_l - c.w * d_m) * a34 * a25 * (1.0 / s25) + b * a35 * a24
    r = 2.0 * c.z_r * c.z_r * bw * s34 / (s15 * s25)  # |c_R|^2 8 s34/(s15 s25) / 4
    return 2.0 * s23 * s23 / s25 * _abs2(plus), 2.0 * s14 * s14 / s15 * _abs2(minus), r * s13 * s13, r * s24 * s24


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _block(c, p1, p2, k1, k2, k, lo, out, res):
    """Events lo .. lo + B - 1 into out[:, lo:lo + B]: the four configurations, or (one row)
    their sum. The loop runs over exactly B events from index 0 into one scratch array ``res``,
    so that the compiler sees the trip count, non-negative indices and no overlap: it vectorises."""
    hi = lo + _B
    p1, p2, k1, k2, k = p1[lo:hi], p2[lo:hi], k1[lo:hi], k2[lo:hi], k[lo:hi]
    for i in range(_B):
        res[i], res[_B + i], res[2 * _B + i], res[3 * _B + i] = _helicities_at(c, p1, p2, k1, k2, k, i)
    if out.shape[0] == 1:
        dst = out[0, lo:hi]
        for i in range(_B):
            dst[i] = res[i] + res[_B + i] + res[2 * _B + i] + res[3 * _B + i]
    else:
        for r in range(4):
            dst = out[r, lo:hi]
            for i in range(_B):
                dst[i] = res[r * _B + i]


@nb.njit(cache=True, parallel=True)
def _msq_batch(c, p1, p2, k1, k2, k, out):
    """out for events 0 .. n - 1, n a multiple of B, in chunks of blocks (one scratch array each)."""
    n_blocks = p1.shape[0] // _B
    per_chunk = _CHUNK // _B
    for j in nb.prange((n_blocks + per_chunk - 1) // per_chunk):
        res = np.empty(4 * _B)
        for b in range(j * per_chunk, min((j + 1) * per_chunk, n_blocks)):
            _block(c, p1, p2, k1, k2, k, b * _B, out, res)


def _run(c: _Couplings, p1, p2, k1, k2, k, n_rows: int) -> np.ndarray:
    """The kernel's (n_rows, n) output: on the whole blocks in place (in parallel), on the last
    partial block through a copy padded with its last event (serial: one parallel launch a call,
    which on a loaded host can wait milliseconds for its threads)."""
    p1, p2, k1, k2, k = (np.ascontiguousarray(x, dtype=np.float64) for x in (p1, p2, k1, k2, k))
    n = len(p1)
    out = np.empty((n_rows, n))
    whole = n - n % _B
    if whole:
        _msq_batch(c, p1, p2, k1, k2, k, out)
    if whole < n:
        def pad(x):
            return np.concatenate([x[whole:], np.repeat(x[n - 1:], _B - (n - whole), axis=0)])

        tail = np.empty((n_rows, _B))
        _block(c, pad(p1), pad(p2), pad(k1), pad(k2), pad(k), 0, tail, np.empty(4 * _B))
        out[:, whole:] = tail[:, :n - whole]
    return out


# --- any polarisation vector (eps_override), numpy ------------------------------------------------


def _np_spinors(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """xi (right-handed) and eta = i sigma_2 conj(xi) (left-handed) of momenta (n, 4), each (n, 2)."""
    e, x, y, z = p.T
    s = np.sqrt(e + np.abs(z))
    up = z >= 0
    xi = np.stack([np.where(up, s + 0j, (x - 1j * y) / s), np.where(up, (x + 1j * y) / s, s + 0j)], -1)
    return xi, np.stack([xi[:, 1].conj(), -xi[:, 0].conj()], -1)


def _sigma(v: np.ndarray, bar: bool) -> np.ndarray:
    """v_mu sigma-bar^mu = v^0 + v.sigma (bar) or v_mu sigma^mu = v^0 - v.sigma for 4-vectors (n, 4): (n, 2, 2)."""
    v0, v1, v2, v3 = v.T
    sign = 1.0 if bar else -1.0
    return np.stack([np.stack([v0 + sign * v3, sign * (v1 - 1j * v2)], -1),
                     np.stack([sign * (v1 + 1j * v2), v0 - sign * v3], -1)], -2)


def _msq_polarisation(p1, p2, k1, k2, k, eps, ew: Electroweak, electron_flavour: bool) -> np.ndarray:
    """|A_L|^2/4 and |A_R|^2/4 (shape (2, n)) for a photon polarisation 4-vector eps (n, 4), complex,
    entering the amplitude as given. The e line is a product of 2x2 matrices between 2-spinors
    (q.sigma after a sigma-bar: gamma^mu = [[0, sigma^mu], [sigma-bar^mu, 0]]) and meets the nu
    line through (sigma-bar^rho)_ij (sigma-bar_rho)_kl = 2 eps_ik eps_jl, (sigma^rho)_ij
    (sigma-bar_rho)_kl = 2 delta_il delta_kj; W3 is -2 e D_m D_p [-(eps.T)(k.B) + (T.B)(q_m - k/2).eps
    + (eps.B)(k.T)] for the currents T = <3|gamma|1], B = <2|gamma|4] and q_m = p1 - k1 (current
    conservation only: eps need not be transverse)."""

    def dot(a, b):
        return a[:, 0] * b[:, 0] - (a[:, 1:] * b[:, 1:]).sum(1)

    def br(a, b):  # a^T i sigma_2 b
        return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]

    def mv(m, v):
        return np.einsum("nij,nj->ni", m, v)

    def vm(row, m):
        return np.einsum("ni,nij->nj", row, m)

    c = _couplings(ew, electron_flavour)
    (xi1, eta1), (xi2, eta2), (_, eta3), (_, eta4) = map(_np_spinors, (p1, p2, k1, k2))
    bra2, bra3, xbra2 = eta2.conj(), eta3.conj(), xi2.conj()  # the rows of eta_2^+, eta_3^+, xi_2^+
    s34 = 2 * dot(k1, k2)
    c_l, c_r = (z / (s34 - c.m_z2 + 1j * c.m_z_gamma) for z in (c.z_l, c.z_r))
    d_m, d_p = 1 / (-2 * dot(p1, k1) - c.m_w2), 1 / (-2 * dot(p2, k2) - c.m_w2)
    q1 = (p1 - k) / (-2 * dot(p1, k))[:, None]  # the e propagators q/q^2
    q2 = (k - p2) / (-2 * dot(p2, k))[:, None]
    e_bar, e_sig = _sigma(eps, True), _sigma(eps, False)
    # e-_L: Z1 + W1 ~ [conj eta_2, conj eta_3][X, eta_4] and Z2 + W2 ~ [Y, conj eta_3][eta_1, eta_4]
    v = mv(e_bar, eta1)
    x = mv(_sigma(q1, False), v)
    y = vm(bra2, e_bar)
    row = vm(y, _sigma(q2, False))
    b23, b14 = br(bra2, bra3), br(eta1, eta4)
    amp_l = 2 * ((c_l - c.w * d_p) * b23 * br(x, eta4) + (c_l - c.w * d_m) * br(row, bra3) * b14)
    k_sig = _sigma(k, True)
    k_t, k_b = (bra3 * mv(k_sig, eta1)).sum(1), (bra2 * mv(k_sig, eta4)).sum(1)
    eps_t, eps_b = (bra3 * v).sum(1), (y * eta4).sum(1)
    amp_l += 2 * c.w * d_m * d_p * (-eps_t * k_b - 2 * b23 * b14 * dot(p1 - k1 - k / 2, eps) + eps_b * k_t)
    # e-_R: Z1 + Z2 through the mixed identity
    x_r = mv(_sigma(q1, True), mv(e_sig, xi1))
    row_r = vm(vm(xbra2, e_sig), _sigma(q2, True))
    amp_r = 2 * c_r * ((xbra2 * eta4).sum(1) * (bra3 * x_r).sum(1) + (row_r * eta4).sum(1) * (bra3 * xi1).sum(1))
    return 0.25 * np.stack([np.abs(amp_l) ** 2, np.abs(amp_r) ** 2])


# --- the public functions ------------------------------------------------------------------------


def msq_nunugamma_helicities(p1, p2, k1, k2, k, ew: Electroweak, electron_flavour: bool, eps_override=None) -> np.ndarray:
    """|M|^2 of e+e- -> nu nubar gamma per helicity configuration, averaged over the beam spins
    (their sum is :func:`msq_nunugamma_fast`): shape (2, 2, n), [e- chirality L, R][photon
    helicity +, -]; with ``eps_override`` (photon polarisation 4-vectors (n, 4), real or complex,
    upper index, entering the amplitude as given) shape (2, 1, n). Momenta (n, 4) in GeV: beams
    p1 (e-), p2 (e+), nu k1, nubar k2, photon k; ``electron_flavour`` adds the W diagrams of nu_e.

    >>> from mcgen.physics.constants import Electroweak
    >>> p1, p2 = np.array([[120.0, 0, 0, 120]]), np.array([[120.0, 0, 0, -120]])
    >>> k, k1, k2 = np.array([[40.0, 40, 0, 0]]), np.array([[96.0, 0, 0, 96]]), np.array([[104.0, -40, 0, -96]])
    >>> parts = msq_nunugamma_helicities(p1, p2, k1, k2, k, Electroweak(), True)
    >>> parts.shape, bool(np.isclose(parts.sum(), msq_nunugamma_fast(p1, p2, k1, k2, k, Electroweak(), True)[0]))
    ((2, 2, 1), True)
    """
    if eps_override is not None:
        p1, p2, k1, k2, k = (np.asarray(x, dtype=np.float64) for x in (p1, p2, k1, k2, k))
        eps = np.broadcast_to(np.asarray(eps_override, dtype=np.complex128), k.shape)
        return _msq_polarisation(p1, p2, k1, k2, k, eps, ew, electron_flavour)[:, None, :]
    return _run(_couplings(ew, electron_flavour), p1, p2, k1, k2, k, 4).reshape(2, 2, -1)


def msq_nunugamma_fast(p1, p2, k1, k2, k, ew: Electroweak, electron_flavour: bool, eps_override=None) -> np.ndarray:
    """Spin-averaged, polarisation-summed |M|^2 of e+e- -> nu nubar gamma for one flavour
    (``electron_flavour``: nu_e, with the W diagrams), from the helicity amplitudes; the arguments
    as in :func:`msq_nunugamma_helicities`. ``eps_override`` replaces the sum over the photon
    helicities by one given polarisation vector per event (the gauge test; numpy, not the kernel)."""
    if eps_override is not None:
        return msq_nunugamma_helicities(p1, p2, k1, k2, k, ew, electron_flavour, eps_override).sum(axis=(0, 1))
    return _run(_couplings(ew, electron_flavour), p1, p2, k1, k2, k, 1)[0]


def z_only_photon_density(sqrt_s, energy, cos_theta, ew: Electroweak, polarisation: tuple[float, float] = (0.0, 0.0)):
    """d sigma / dE dcos(theta) (GeV^-3) of e+e- -> nu nubar gamma for one neutrino flavour without
    the W (nu_mu or nu_tau), integrated over the nu nubar directions in closed form: the photon is
    radiated off the beams only, so the pair's current integrates to q^mu q^nu - q^2 g^mu nu and
    the rate factorises exactly into the radiator times the Born e+e- -> Z* -> nu nubar at
    s' = s (1 - x), x = 2E/sqrt(s):
        d sigma / dx dcos = (2 alpha(0) / (pi x sin^2 theta)) [(1 - x/2)^2 + x^2 cos^2 theta / 4] sigma_0(s'),
        sigma_0(s') = 12 pi Gamma_ee Gamma_nunu s' / (M_Z^2 ((s' - M_Z^2)^2 + M_Z^2 Gamma_Z^2)),
    with the widths of the scheme's Z couplings and Gamma_ee's g_L^2 + g_R^2 weighted by the beams'
    helicities (mcgen.physics.polarisation). In the frame of the colliding e+e- (GeV, arrays)."""
    from mcgen.physics.polarisation import helicity_weights

    rs = np.asarray(sqrt_s, dtype=float)
    x = 2.0 * np.asarray(energy, dtype=float) / rs
    c = np.asarray(cos_theta, dtype=float)
    hel_l, hel_r = helicity_weights(*polarisation)
    unit = (ew.g / ew.c_w) ** 2 * ew.m_Z / (24 * math.pi)  # Gamma(Z -> f fbar) / (g_L^2 + g_R^2)
    g_l, g_r = -0.5 + ew.sin2_theta_w, ew.sin2_theta_w
    gamma_ee, gamma_nunu = unit * (hel_l * g_l**2 + hel_r * g_r**2), unit * 0.25
    s_prime = rs * rs * (1.0 - x)
    sigma_0 = 12 * math.pi * gamma_ee * gamma_nunu * s_prime / (ew.m_Z**2 * ((s_prime - ew.m_Z**2) ** 2 + (ew.m_Z * ew.Gamma_Z) ** 2))
    alpha_photon = ew.e_photon**2 / (4 * math.pi)
    radiator = 2 * alpha_photon / (math.pi * x * (1.0 - c * c)) * ((1.0 - x / 2) ** 2 + x * x * c * c / 4)
    return 2.0 / rs * radiator * sigma_0
