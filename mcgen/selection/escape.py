"""The largest photon energy that particles escaping unseen can balance: the source paper's Eq. (21)
for any coverage in the lab and any boost.

A single photon of energy E along the unit vector n (lab) fakes the signal when everything else
escapes: massless particles q_i along directions in the escape region D (polar-angle bands in the
lab: down the beam pipe, through the gaps), with P - k = sum_i q_i, P the beams' four-momentum. With
Q = P - k, such q_i exist if and only if Q^0 > 0 and the velocity v = Q_vec / Q^0 lies in the convex
hull C of D (a sum of massless momenta along directions u_i has v = sum w_i u_i with w_i >= 0,
sum w_i = 1; conversely every point of C is such a combination). As E grows,

    v(E) = (P_vec - E n) / (P^0 - E) = beta + t (beta - n),   t = E / (P^0 - E),   beta = P_vec / P^0,

runs along a ray from beta; C is convex, so the photon energies that lost particles can balance are
E <= E_max, where the ray leaves C (none if beta lies outside C: then nothing can fake the signal).
D is symmetric about the z axis, so C is the solid of revolution v_T <= R(v_z) (v_T the length of v across the axis), R the least concave
majorant of sqrt(1 - z^2) over the z = cos(theta) of D: the sphere over D's own bands, straight
chords (cones) across the covered bands between them, flat disks where D stops short of a pole.
E_max = P^0 t / (1 + t) at the ray's exit, solved piece by piece (each a quadratic in t).

For head-on beams (beta = 0) and D the two cones theta < theta_b and theta > pi - theta_b, the chord
is the cylinder v_T = sin(theta_b) and E_max = sqrt(s) / (1 + sin(theta)/sin(theta_b)): Eq. (21).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen.simd import VEC

__all__ = ["escape_pieces", "escape_energy", "escape_energies", "Escape", "escape_params", "NO_ESCAPE", "escape_pass", "escape_kept",
           "ESCAPE_MARGIN", "SPHERE", "CONE", "DISK"]

SPHERE, CONE, DISK = 0.0, 1.0, 2.0
"""The kinds of boundary piece of C: (kind, z_lo, z_hi, m, q), a piece of the unit sphere over
z_lo <= z <= z_hi, the cone v_T = m z + q over it, or the disk z = z_lo of radius q."""


def escape_pieces(escape_theta_deg: tuple[tuple[float, float], ...]) -> np.ndarray:
    """The boundary of C, an (n, 5) array of pieces (kind, z_lo, z_hi, m, q), from the escape
    region's polar-angle bands (deg, lab, increasing, not overlapping)."""
    bands = sorted((math.cos(math.radians(hi)), math.cos(math.radians(lo))) for lo, hi in escape_theta_deg)
    pieces: list[tuple[float, float, float, float, float]] = []
    first, last = bands[0][0], bands[-1][1]
    if first > -1.0:  # D stops short of the backward pole: a flat end
        pieces.append((DISK, first, first, 0.0, math.sqrt(1.0 - first * first)))
    for i, (lo, hi) in enumerate(bands):
        pieces.append((SPHERE, lo, hi, 0.0, 0.0))
        if i + 1 < len(bands):  # the chord across the covered band to the next band
            nxt = bands[i + 1][0]
            r_hi, r_next = math.sqrt(1.0 - hi * hi), math.sqrt(1.0 - nxt * nxt)
            m = (r_next - r_hi) / (nxt - hi)
            pieces.append((CONE, hi, nxt, m, r_hi - m * hi))
    if last < 1.0:
        pieces.append((DISK, last, last, 0.0, math.sqrt(1.0 - last * last)))
    return np.array(pieces, dtype=np.float64)


@nb.njit(inline="always")
def _radius(pieces, z):
    """R(z), the largest v_T of C at height z; -1 outside C's z range."""
    r = -1.0
    for i in range(pieces.shape[0]):
        kind, lo, hi, m, q = pieces[i, 0], pieces[i, 1], pieces[i, 2], pieces[i, 3], pieces[i, 4]
        if lo <= z <= hi:
            if kind == SPHERE:
                r = max(r, math.sqrt(max(1.0 - z * z, 0.0)))
            elif kind == CONE:
                r = max(r, m * z + q)
            else:
                r = max(r, q)
    return r


@nb.njit(inline="always")
def _smallest_root(a, b, c):
    """The smallest t > 0 with a t^2 + 2 b t + c = 0 (a may be 0), and a second one: (t1, t2), inf where none."""
    inf = math.inf
    if abs(a) < 1e-300:
        t = -c / (2.0 * b) if b != 0.0 else inf
        return (t if t > 0.0 else inf), inf
    disc = b * b - a * c
    if disc < 0.0:
        return inf, inf
    root = math.sqrt(disc)
    t1, t2 = (-b - root) / a, (-b + root) / a
    if t1 > t2:
        t1, t2 = t2, t1
    return (t1 if t1 > 0.0 else inf), (t2 if t2 > 0.0 else inf)


@nb.njit(cache=True)
def escape_energy(pieces, bx, by, bz, p0, nx, ny, nz):
    """E_max (GeV, lab) for a photon along the unit vector (nx, ny, nz): the largest energy that
    massless particles escaping through the region of ``pieces`` (:func:`escape_pieces`) can balance,
    the beams' four-momentum being p0 (1, bx, by, bz); 0 if none can (the beams' velocity lies outside C)."""
    tol = 1e-12
    if math.sqrt(bx * bx + by * by) > _radius(pieces, bz) + tol:
        return 0.0
    dx, dy, dz = bx - nx, by - ny, bz - nz
    best = math.inf
    for i in range(pieces.shape[0]):
        kind, lo, hi, m, q = pieces[i, 0], pieces[i, 1], pieces[i, 2], pieces[i, 3], pieces[i, 4]
        if kind == DISK:
            if dz != 0.0:
                t = (lo - bz) / dz
                vx, vy = bx + t * dx, by + t * dy
                if t > 0.0 and math.sqrt(vx * vx + vy * vy) <= q + tol:
                    best = min(best, t)
            continue
        if kind == SPHERE:
            roots = _smallest_root(dx * dx + dy * dy + dz * dz, bx * dx + by * dy + bz * dz, bx * bx + by * by + bz * bz - 1.0)
        else:
            a0 = m * bz + q
            b0 = m * dz
            roots = _smallest_root(dx * dx + dy * dy - b0 * b0, bx * dx + by * dy - a0 * b0, bx * bx + by * by - a0 * a0)
        for t in roots:
            z = bz + t * dz
            if t < math.inf and lo - tol <= z <= hi + tol and (kind == SPHERE or m * z + q >= -tol):
                best = min(best, t)
    if best == math.inf:
        return p0  # (not reached for a bounded C)
    return p0 * best / (1.0 + best)


@nb.njit(parallel=True, cache=True, **VEC)
def _escape_energies(pieces, bx, by, bz, p0, nx, ny, nz, out):
    for i in nb.prange(nx.size):
        out[i] = escape_energy(pieces, bx, by, bz, p0, nx[i], ny[i], nz[i])


def escape_energies(pieces: np.ndarray, beams: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """:func:`escape_energy` for photons along the unit vectors ``directions`` (n, 3), the beams'
    four-momentum ``beams`` (E, px, py, pz) in the lab."""
    d = np.ascontiguousarray(directions, dtype=np.float64)
    out = np.empty(len(d))
    p0 = float(beams[0])
    _escape_energies(np.ascontiguousarray(pieces), beams[1] / p0, beams[2] / p0, beams[3] / p0, p0,
                     np.ascontiguousarray(d[:, 0]), np.ascontiguousarray(d[:, 1]), np.ascontiguousarray(d[:, 2]), out)
    return out


ESCAPE_MARGIN = 1e-9
"""A photon passes when its energy exceeds the bound by this relative margin: a two-body event (one
particle escaping, e+e- -> gamma gamma at the nominal beams) lies exactly on the bound, where rounding
would otherwise let about half of them through."""


class Escape(NamedTuple):
    """The cut for the kernels: whether it is on, the beams' four-momentum p0 (1, bx, by, bz) in the
    lab and the boundary pieces of :func:`escape_pieces`."""

    on: bool
    p0: float
    bx: float
    by: float
    bz: float
    pieces: np.ndarray
    margin_sigma: float = 0.0  # [selection] escape_margin_sigma
    a2: float = 0.0  # the resolution's stochastic term squared (GeV)
    c2: float = 0.0  # its constant term squared plus the beams' relative energy spread squared


NO_ESCAPE = Escape(False, 1.0, 0.0, 0.0, 0.0, np.zeros((1, 5)))
"""No escape bands: the cut is off."""


def escape_params(card) -> Escape:
    """The card's escape cut (``[selection] escape_theta_deg``) with its nominal beams."""
    from mcgen.physics.frames import beam_momenta

    bands = card.selection.escape_theta_deg
    if bands is None:
        return NO_ESCAPE
    e1, e2 = card.beam.energies
    p1, p2 = beam_momenta(e1, e2, card.beam.crossing_angle_rad)
    total = p1 + p2
    p0 = float(total[0])
    det = card.detector
    # the beams' total energy spreads by sqrt((sigma1 E1)^2 + (sigma2 E2)^2) / (E1 + E2); the bound scales with it
    s1, s2 = card.beam.spreads
    spread = math.hypot(s1 * e1, s2 * e2) / (e1 + e2)
    return Escape(True, p0, float(total[1] / p0), float(total[2] / p0), float(total[3] / p0), escape_pieces(bands),
                  card.selection.escape_margin_sigma, det.energy_stochastic**2, det.energy_constant**2 + spread**2)


def escape_pass(card, photons: np.ndarray) -> np.ndarray:
    """Whether each photon (an (n, 4) array of E, px, py, pz in the lab; E = 0: none) carries more
    energy than particles escaping through the card's escape bands can balance; all True without them."""
    return escape_kept(escape_params(card), photons)


def escape_kept(esc: Escape, photons: np.ndarray) -> np.ndarray:
    """:func:`escape_pass` with the cut's :class:`Escape`."""
    k = np.asarray(photons, dtype=np.float64)
    if not esc.on:
        return np.ones(len(k), dtype=np.bool_)
    e = k[:, 0]
    seen = e > 0
    directions = np.divide(k[:, 1:], e[:, None], out=np.tile([0.0, 0.0, 1.0], (len(k), 1)), where=seen[:, None])
    bound = escape_energies(esc.pieces, esc.p0 * np.array([1.0, esc.bx, esc.by, esc.bz]), directions)
    if esc.margin_sigma > 0:  # n standard deviations of the energy at the bound
        bound = bound * (1.0 + esc.margin_sigma * np.sqrt(esc.a2 / np.maximum(bound, 1e-300) + esc.c2))
    return seen & (e > bound * (1.0 + ESCAPE_MARGIN))
