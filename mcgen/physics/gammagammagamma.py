"""e+e- -> gamma gamma gamma at tree level with the electron mass: a reducible background of single-photon
searches (one photon seen, two lost), the real-emission partner of e+e- -> gamma gamma
(:mod:`mcgen.physics.gammagamma`).

For e-(p1) e+(p2) -> gamma(k1) gamma(k2) gamma(k3) there are six diagrams, one per order (a, b, c) in which the
photons leave the fermion line from the e- to the e+:

    M = e^3 sum_(a,b,c) vbar(p2) eps_c-slash S(k_c - p2) eps_b-slash S(p1 - k_a) eps_a-slash u(p1),
    S(q) = (q-slash + m) / (q^2 - m^2),

with (p1 - k_a)^2 - m^2 = -2 p1.k_a and (k_c - p2)^2 - m^2 = -2 p2.k_c (the middle propagator's momentum
p1 - k_a - k_b is k_c - p2). Evaluated, not written out: massive helicity spinors (mcgen.physics.spinors),
linear photon polarisations, summed over the 32 helicity states and averaged over the beams' four (each weighted by
(1 + h- P-)(1 + h+ P+) for beams of longitudinal polarisations P-, P+; massless, the rate is (1 - P- P+) times the
unpolarised one, as for two photons); every
denominator an invariant p.k computed without cancellation, so the collinear peaks (a photon at an angle of
order m_e/E to a beam, where the mass regulates them) keep their digits. Photons couple with alpha(0).

Checks (tests/physics/test_gammagammagamma.py): an explicit Dirac-matrix evaluation in 50-digit arithmetic,
the massless Berends-Kleiss formula (Nucl. Phys. B186 (1981) 22)

    (1/4) sum abs(M)^2 = e^6 s sum_i a_i b_i (a_i^2 + b_i^2) / prod_j a_j b_j,   a_i = p1.k_i, b_i = p2.k_i,

away from the collinear regions, and the soft limit abs(M)^2 -> e^2 (-J^2) abs(M_gamma gamma)^2 with the mass.
The three photons are identical: the cross section over all of phase space has a factor 1/3!.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mcgen.physics.constants import LEPTON_MASS
from mcgen.physics.isr import ALPHA_0
from mcgen.physics.spinors import bar, dot_k, matvec, norm3, slash, spinors, vecmat
from mcgen.simd import VEC

__all__ = ["msq_gammagammagamma"]

M_E = LEPTON_MASS["e"]

_PERMUTATIONS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


@nb.njit(inline="always", **VEC)
def _linear_polarisations(k, out):
    """theta-hat and phi-hat of the photon k as 4-vectors (time component 0) into out[0], out[1]."""
    kt = math.sqrt(k[1] * k[1] + k[2] * k[2])
    cphi, sphi = (k[1] / kt, k[2] / kt) if kt > 0.0 else (1.0, 0.0)
    cth, sth = k[3] / k[0], kt / k[0]
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = 0.0, cth * cphi, cth * sphi, -sth
    out[1, 0], out[1, 1], out[1, 2], out[1, 3] = 0.0, -sphi, cphi, 0.0


@nb.njit(cache=True, **VEC)
def _msq_one(m, e6, pol_e, pol_p, p1, p2, ks):
    """(1/4) sum over spins of abs(M)^2 at one phase-space point, each beam helicity state weighted by
    (1 + h- P-)(1 + h+ P+) (pol_e = P-, pol_p = P+); ks is (3, 4)."""
    m2 = m * m
    P1, P2 = norm3(p1), norm3(p2)
    u = np.empty((2, 4), np.complex128)
    v = np.empty((2, 4), np.complex128)
    scratch = np.empty((2, 4), np.complex128)
    spinors(p1, m, u, scratch)
    spinors(p2, m, scratch, v)
    vbar = np.empty((2, 4), np.complex128)
    for h in range(2):
        bar(v[h], vbar[h])
    eps = np.empty((3, 2, 4))
    e_slash = np.empty((3, 2, 4, 4), np.complex128)
    prop = np.empty((4, 4), np.complex128)
    # first[a, pol, h1] = S(p1 - k_a) eps_a-slash u(p1, h1); last[c, pol, h2] = vbar(p2, h2) eps_c-slash S(k_c - p2)
    first = np.empty((3, 2, 2, 4), np.complex128)
    last = np.empty((3, 2, 2, 4), np.complex128)
    x = np.empty(4, np.complex128)
    for i in range(3):
        k = ks[i]
        _linear_polarisations(k, eps[i])
        for pol in range(2):
            e = eps[i, pol]
            slash(e[0], e[1], e[2], e[3], 0.0, e_slash[i, pol])
        slash(p1[0] - k[0], p1[1] - k[1], p1[2] - k[2], p1[3] - k[3], m, prop)
        prop /= -2.0 * dot_k(p1, P1, m2, k, k[0])
        for pol in range(2):
            for h in range(2):
                matvec(e_slash[i, pol], u[h], x)
                matvec(prop, x, first[i, pol, h])
        slash(k[0] - p2[0], k[1] - p2[1], k[2] - p2[2], k[3] - p2[3], m, prop)
        prop /= -2.0 * dot_k(p2, P2, m2, k, k[0])
        for pol in range(2):
            for h in range(2):
                vecmat(vbar[h], e_slash[i, pol], x)
                vecmat(x, prop, last[i, pol, h])
    # middle[c, pc, h2, b, pb] = last[c, pc, h2] eps_b-slash
    middle = np.empty((3, 2, 2, 3, 2, 4), np.complex128)
    for c in range(3):
        for pc in range(2):
            for h2 in range(2):
                for b in range(3):
                    if b != c:
                        for pb in range(2):
                            vecmat(last[c, pc, h2], e_slash[b, pb], middle[c, pc, h2, b, pb])
    beam_e = (1.0 + pol_e, 1.0 - pol_e)  # helicity index 0: +, 1: - (the e- u(p1, h1); the e+ v(p2, h2))
    beam_p = (1.0 + pol_p, 1.0 - pol_p)
    total = 0.0
    pols = np.empty(3, np.int64)
    for state in range(8):
        pols[0], pols[1], pols[2] = state & 1, (state >> 1) & 1, (state >> 2) & 1
        for h1 in range(2):
            for h2 in range(2):
                amp = complex(0.0, 0.0)
                for perm in _PERMUTATIONS:
                    a, b, c = perm
                    row = middle[c, pols[c], h2, b, pols[b]]
                    col = first[a, pols[a], h1]
                    amp += row[0] * col[0] + row[1] * col[1] + row[2] * col[2] + row[3] * col[3]
                total += beam_e[h1] * beam_p[h2] * (amp.real * amp.real + amp.imag * amp.imag)
    return 0.25 * e6 * total


@nb.njit(cache=True, **VEC)
def _msq_rows(m, e6, pol_e, pol_p, p1, p2, k1, k2, k3, out):
    ks = np.empty((3, 4))
    for i in range(out.shape[0]):
        for j in range(4):
            ks[0, j], ks[1, j], ks[2, j] = k1[i, j], k2[i, j], k3[i, j]
        out[i] = _msq_one(m, e6, pol_e, pol_p, p1[i], p2[i], ks)


def msq_gammagammagamma(p1: np.ndarray, p2: np.ndarray, k1: np.ndarray, k2: np.ndarray, k3: np.ndarray,
                        m: float = M_E, alpha: float = ALPHA_0, polarisation: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """(1/4) sum over spins of abs(M)^2 (GeV^-2) of e-(p1) e+(p2) -> gamma(k1) gamma(k2) gamma(k3) for (n, 4)
    arrays of on-shell momenta (E, px, py, pz) that conserve momentum (photons massless); with beams of longitudinal
    ``polarisation`` (P-, P+), each beam helicity state weighted by (1 + h- P-)(1 + h+ P+)."""
    rows = [np.ascontiguousarray(np.atleast_2d(np.asarray(p, dtype=float))) for p in (p1, p2, k1, k2, k3)]
    n = max(len(r) for r in rows)
    rows = [np.ascontiguousarray(np.broadcast_to(r, (n, 4))) for r in rows]
    out = np.empty(n)
    _msq_rows(m, (4.0 * math.pi * alpha) ** 3, float(polarisation[0]), float(polarisation[1]), *rows, out)
    return out

