"""The references for e+e- -> gamma gamma gamma (they stay in the tests: the package computes with massive helicity
spinors in the Weyl representation, mcgen.physics.gammagammagamma).

- :func:`msq_three_photons_reference`: the six diagrams written the plain way, in mpmath at any precision, with
  the Dirac-representation gamma matrices, rest-frame spin bases and circular photon polarisations of
  eegamma_reference, every propagator (q-slash + m)/(q^2 - m^2) with q^2 from the momenta as given (at high
  precision the kinematics must be made at that precision too).
- :func:`berends_kleiss_massless`: the massless formula of F. A. Berends and R. Kleiss, Nucl. Phys. B186 (1981)
  22, e^6 s sum_i a_i b_i (a_i^2 + b_i^2) / prod_j a_j b_j with a_i = p1.k_i, b_i = p2.k_i.
- :func:`eikonal_beams`: -J^2 of a soft photon radiated by the two beams.
"""

from __future__ import annotations

import itertools
import math

import mpmath
from eegamma_reference import _bar, _dot, _gammas, _polarisations, _slash, _spinors, beam_weight

__all__ = ["msq_three_photons_reference", "berends_kleiss_massless", "eikonal_beams"]


def msq_three_photons_reference(p1, p2, k1, k2, k3, *, m, e, beams=None):
    """(1/4) sum over spins of abs(M)^2 for momenta given as 4-lists of mpmath numbers (or floats); ``beams`` =
    (P-, P+) weights each beam spin state (eegamma_reference.beam_weight; the beams along the z axis)."""
    gam, _, _, ident = _gammas()
    u1, _ = _spinors(p1, m)
    _, v2 = _spinors(p2, m)
    bar2 = [_bar(v, gam[0]) for v in v2]
    ks = [k1, k2, k3]

    def prop(q):
        return (_slash(q, gam) + ident * m) / (_dot(q, q) - m * m)

    slashes = [[_slash([mpmath.conj(x) for x in eps], gam) for eps in _polarisations(k)] for k in ks]
    total = mpmath.mpf(0)
    for pols in itertools.product(range(2), repeat=3):
        for i1 in range(2):
            for i2 in range(2):
                amp = mpmath.mpc(0)
                for a, b, c in itertools.permutations(range(3)):
                    first = prop([p1[i] - ks[a][i] for i in range(4)])
                    middle = prop([p1[i] - ks[a][i] - ks[b][i] for i in range(4)])
                    line = bar2[i2] * slashes[c][pols[c]] * middle * slashes[b][pols[b]] * first * slashes[a][pols[a]] * u1[i1]
                    amp += line[0]
                total += beam_weight(beams, i1, i2) * abs(amp) ** 2
    return total * e**6 / 4


def berends_kleiss_massless(p1, p2, ks, e):
    """The massless (1/4) sum abs(M)^2 (module docstring), for float 4-vectors."""
    def dot(a, b):
        return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]

    a = [dot(p1, k) for k in ks]
    b = [dot(p2, k) for k in ks]
    s = dot([x + y for x, y in zip(p1, p2)], [x + y for x, y in zip(p1, p2)])
    return e**6 * s * sum(ai * bi * (ai * ai + bi * bi) for ai, bi in zip(a, b)) / math.prod(a + b)


def eikonal_beams(p1, p2, k):
    """-J^2 of J = p1/p1.k - p2/p2.k (the beams' charges opposite)."""
    def dot(a, b):
        return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]

    j = [p1[i] / dot(p1, k) - p2[i] / dot(p2, k) for i in range(4)]
    return -dot(j, j)
