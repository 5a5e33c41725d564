"""The lab and the centre-of-mass frame of two beams of unequal energies crossing at an angle.

The e- beam (energy E1) runs along +z and the e+ beam (E2) along -z, each tilted by half the full
crossing angle 2 alpha towards +x (the beams symmetric about the z axis, in the horizontal x-z
plane, as at Belle II, BESIII, STCF and FCC-ee)::

    p1 = E1 (sin alpha, 0,  cos alpha),   p2 = E2 (sin alpha, 0, -cos alpha),
    s = (p1 + p2)^2 = 2 E1 E2 (1 + cos 2 alpha).

Events are made in the centre-of-mass frame, the e- along +z; :func:`lab_from_cm` is the Lorentz
transformation that takes them to the lab: a rotation about y that turns +z into the e- direction
seen from the centre of mass, then the boost by beta = (p1 + p2) / (E1 + E2). For head-on beams of
equal energies it is the identity.

Event files for other programs (LHE, HepMC3) use the *head-on frame*: the lab boosted along -x by
beta = sin(alpha), where the beams are collinear along z with energies E1 cos(alpha) and E2 cos(alpha)
(Pythia needs beams along z). :func:`crossing_boost` takes it back to the lab; it is the boost that
DD4hep's ddsim applies to generator files with its crossingAngleBoost option set to alpha (beta gamma = tan(alpha)).

Products of vectors and matrices are written out as sums in one order (:func:`compose`, :func:`transform`):
numpy's ``@`` calls BLAS, whose kernels (with or without fused multiply-adds, in different orders) depend on
the CPU, and a lab frame computed with it would differ in the last bits between hosts.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["sqrt_s_of_beams", "beam_momenta", "boost_matrix", "lab_from_cm", "cm_from_lab", "transform", "compose",
           "inverse", "largest_doppler", "head_on_energies", "crossing_boost", "head_on_from_lab"]

_METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def _dot3(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[0] + a[1] * b[1] + a[2] * b[2])


def sqrt_s_of_beams(e_electron: float, e_positron: float, crossing_angle: float) -> float:
    """sqrt(s) = sqrt(2 E1 E2 (1 + cos 2 alpha)) = 2 sqrt(E1 E2) cos alpha of massless beams (GeV; the
    full crossing angle 2 alpha in rad); exactly 2 E for head-on beams of equal energies E."""
    return 2.0 * math.sqrt(e_electron * e_positron) * math.cos(0.5 * crossing_angle)


def beam_momenta(e_electron: float, e_positron: float, crossing_angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The beams' four-momenta (E, px, py, pz) in the lab (massless)."""
    half = 0.5 * crossing_angle
    s, c = math.sin(half), math.cos(half)
    return (np.array([e_electron, e_electron * s, 0.0, e_electron * c]),
            np.array([e_positron, e_positron * s, 0.0, -e_positron * c]))


def boost_matrix(beta: np.ndarray) -> np.ndarray:
    """The 4x4 pure boost that gives a particle at rest the velocity ``beta`` (a 3-vector shorter than 1)."""
    beta = np.asarray(beta, dtype=float)
    b2 = _dot3(beta, beta)
    out = np.eye(4)
    if b2 == 0.0:
        return out
    gamma = 1.0 / math.sqrt(1.0 - b2)
    out[0, 0] = gamma
    out[0, 1:] = out[1:, 0] = gamma * beta
    out[1:, 1:] += (gamma - 1.0) * np.outer(beta, beta) / b2
    return out


def lab_from_cm(e_electron: float, e_positron: float, crossing_angle: float) -> np.ndarray:
    """The 4x4 Lorentz transformation from the centre-of-mass frame (e- along +z, e+ along -z,
    each of energy sqrt(s)/2) to the lab; it acts on (E, px, py, pz) column vectors."""
    p1, p2 = beam_momenta(e_electron, e_positron, crossing_angle)
    total = p1 + p2
    beta = total[1:] / total[0]
    p1_cm = transform(boost_matrix(-beta), p1[None, :])[0]  # the e- seen from the centre of mass: in the x-z plane
    theta = math.atan2(p1_cm[1], p1_cm[3])
    rotation = np.eye(4)
    rotation[1, 1] = rotation[3, 3] = math.cos(theta)
    rotation[1, 3], rotation[3, 1] = math.sin(theta), -math.sin(theta)
    return compose(boost_matrix(beta), rotation)


def cm_from_lab(e_electron: float, e_positron: float, crossing_angle: float) -> np.ndarray:
    """The inverse of :func:`lab_from_cm`."""
    return inverse(lab_from_cm(e_electron, e_positron, crossing_angle))


def inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse g L^T g of a Lorentz transformation L (exact: signs only)."""
    return matrix.T * np.outer(_METRIC, _METRIC)


def compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 4x4 product a b, each element summed over k = 0 .. 3 in that order."""
    return a[:, 0:1] * b[0:1, :] + a[:, 1:2] * b[1:2, :] + a[:, 2:3] * b[2:3, :] + a[:, 3:4] * b[3:4, :]


def transform(matrix: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Four-momenta (n, 4) of (E, px, py, pz) transformed by a 4x4 ``matrix`` (each component summed in one order)."""
    p = np.asarray(p, dtype=float)
    m = np.asarray(matrix, dtype=float)
    return p[:, 0:1] * m[:, 0] + p[:, 1:2] * m[:, 1] + p[:, 2:3] * m[:, 2] + p[:, 3:4] * m[:, 3]


def largest_doppler(e_electron: float, e_positron: float, crossing_angle: float) -> float:
    """gamma (1 + beta) of the centre of mass in the lab: the largest ratio of a massless particle's
    lab energy to its centre-of-mass energy (the smallest is its inverse)."""
    p1, p2 = beam_momenta(e_electron, e_positron, crossing_angle)
    total = p1 + p2
    mass = math.sqrt(max(total[0] ** 2 - _dot3(total[1:], total[1:]), 0.0))
    return float((total[0] + math.sqrt(_dot3(total[1:], total[1:]))) / mass)


def head_on_energies(e_electron: float, e_positron: float, crossing_angle: float) -> tuple[float, float]:
    """The beams' energies in the head-on frame, E1 cos(alpha) and E2 cos(alpha) (GeV): collinear along z
    there, with the same sqrt(s); the lab energies themselves for head-on beams."""
    c = math.cos(0.5 * crossing_angle)
    return e_electron * c, e_positron * c


def crossing_boost(crossing_angle: float) -> np.ndarray:
    """The 4x4 boost along +x with beta = sin(alpha) (beta gamma = tan(alpha)) from the head-on frame
    to the lab: it turns beams along +-z of energies E cos(alpha) into the lab's beams crossing at the
    full angle 2 alpha (ddsim's crossingAngleBoost = alpha)."""
    return boost_matrix(np.array([math.sin(0.5 * crossing_angle), 0.0, 0.0]))


def head_on_from_lab(crossing_angle: float) -> np.ndarray:
    """The inverse of :func:`crossing_boost`: lab to head-on frame (the identity for head-on beams)."""
    return boost_matrix(np.array([-math.sin(0.5 * crossing_angle), 0.0, 0.0]))
