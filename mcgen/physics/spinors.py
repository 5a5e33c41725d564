"""Massive helicity spinors and fermion lines in the Weyl representation (the upper two components
left-handed), with kinematic invariants computed without cancellation: the building blocks of the tree-level
amplitudes that are evaluated, not written out (mcgen.physics.eegamma, mcgen.physics.gammagammagamma).

- p.k of a lepton and a photon: k0 (E - P) + P k0 (1 - cos), E - P = m^2/(E + P), 1 - cos = abs(n_a - n_b)^2/2
  from the unit vectors: exact for on-shell momenta, also with the photon along the lepton;
- the spinors take sqrt(E - P) = m/sqrt(E + P) and their half-angles from pT and P -+ pz, so no component
  loses digits at any angle.

Every function is inlined into the compiled amplitudes.
"""

from __future__ import annotations

import math

import numba as nb

from mcgen.simd import VEC

__all__ = ["norm3", "one_minus_cos", "dot_k", "helicity_basis", "spinors", "bar", "slash", "matvec", "vecmat"]


@nb.njit(inline="always", **VEC)
def norm3(p):
    return math.sqrt(p[1] * p[1] + p[2] * p[2] + p[3] * p[3])


@nb.njit(inline="always", **VEC)
def one_minus_cos(a, pa, b, pb):
    """1 - cos of the angle between the 3-momenta of a and b (magnitudes pa, pb): abs(n_a - n_b)^2 / 2."""
    dx = a[1] / pa - b[1] / pb
    dy = a[2] / pa - b[2] / pb
    dz = a[3] / pa - b[3] / pb
    return 0.5 * (dx * dx + dy * dy + dz * dz)


@nb.njit(inline="always", **VEC)
def dot_k(p, pp, m2, k, kk):
    """p.k for a lepton p (3-momentum pp, mass^2 m2) and the photon k (energy kk)."""
    return kk * m2 / (p[0] + pp) + pp * kk * one_minus_cos(p, pp, k, kk)


@nb.njit(inline="always", **VEC)
def helicity_basis(p, pp):
    """xi(+) and xi(-) of p's direction (sigma.n xi = +-xi): (cos(t/2), e^(i phi) sin(t/2)) and
    (-e^(-i phi) sin(t/2), cos(t/2)), the half-angles from pT^2 / (P +- pz) without cancellation."""
    pt2 = p[1] * p[1] + p[2] * p[2]
    if p[3] >= 0.0:
        one_plus, one_minus = (pp + p[3]) / pp, pt2 / ((pp + p[3]) * pp)
    else:
        one_plus, one_minus = pt2 / ((pp - p[3]) * pp), (pp - p[3]) / pp
    c, s = math.sqrt(0.5 * one_plus), math.sqrt(0.5 * one_minus)
    pt = math.sqrt(pt2)
    phase = complex(p[1] / pt, p[2] / pt) if pt > 0.0 else complex(1.0, 0.0)
    return (complex(c, 0.0), phase * s), (-phase.conjugate() * s, complex(c, 0.0))


@nb.njit(inline="always", **VEC)
def spinors(p, m, out_u, out_v):
    """u(p, +-) and v(p, +-) into out_u[h], out_v[h] (h = 0: +, 1: -): u(+) = (sqrt(E - P) xi(+),
    sqrt(E + P) xi(+)), u(-) = (sqrt(E + P) xi(-), sqrt(E - P) xi(-)), v(+) = (sqrt(E + P) xi(-), -sqrt(E - P) xi(-)),
    v(-) = (sqrt(E - P) xi(+), -sqrt(E + P) xi(+)); sqrt(E - P) = m / sqrt(E + P)."""
    pp = norm3(p)
    big = math.sqrt(p[0] + pp)
    small = m / big
    xp, xm = helicity_basis(p, pp)
    for i in range(2):
        out_u[0, i], out_u[0, i + 2] = small * xp[i], big * xp[i]
        out_u[1, i], out_u[1, i + 2] = big * xm[i], small * xm[i]
        out_v[0, i], out_v[0, i + 2] = big * xm[i], -small * xm[i]
        out_v[1, i], out_v[1, i + 2] = small * xp[i], -big * xp[i]


@nb.njit(inline="always", **VEC)
def bar(col, row):
    """row = col^+ gamma^0: the chiral halves swapped and conjugated."""
    row[0], row[1], row[2], row[3] = col[2].conjugate(), col[3].conjugate(), col[0].conjugate(), col[1].conjugate()


@nb.njit(inline="always", **VEC)
def slash(a0, a1, a2, a3, m, out):
    """out = a-slash + m (4 x 4) for a real 4-vector a: [[m, a.sigma], [a.sigmabar, m]], a.sigma = a0 - a.sigma_vec."""
    out[:, :] = 0.0
    out[0, 0] = out[1, 1] = out[2, 2] = out[3, 3] = m
    out[0, 2], out[0, 3] = a0 - a3, complex(-a1, a2)
    out[1, 2], out[1, 3] = complex(-a1, -a2), a0 + a3
    out[2, 0], out[2, 1] = a0 + a3, complex(a1, -a2)
    out[3, 0], out[3, 1] = complex(a1, a2), a0 - a3


@nb.njit(inline="always", **VEC)
def matvec(a, x, out):
    for i in range(4):
        out[i] = a[i, 0] * x[0] + a[i, 1] * x[1] + a[i, 2] * x[2] + a[i, 3] * x[3]


@nb.njit(inline="always", **VEC)
def vecmat(x, a, out):
    for j in range(4):
        out[j] = x[0] * a[0, j] + x[1] * a[1, j] + x[2] * a[2, j] + x[3] * a[3, j]
