"""Two-body widths of N (docs/physics/decays.md), vectorised in the mass: pure functions."""

from __future__ import annotations

import math  # noqa: F401 (doctests)

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["width_nu_gamma", "width_nu_z", "width_lepton_w", "kallen"]


def width_nu_gamma(m: ArrayLike, d_gamma: float) -> np.ndarray:
    """Gamma(N -> nu gamma) = d_gamma^2 m^3 / (4 pi), GeV.

    >>> float(width_nu_gamma(1.0, 1e-3)) * 4 * math.pi
    1e-06
    """
    m = np.asarray(m, dtype=float)
    return d_gamma**2 * (m * m * m) / (4 * np.pi)


def width_nu_z(m: ArrayLike, d_Z: float, m_Z: float) -> np.ndarray:
    """Gamma(N -> nu Z) = d_Z^2 (m^2 - M_Z^2)^2 (2 m^2 + M_Z^2) / (8 pi m^3) above threshold."""
    m = np.asarray(m, dtype=float)
    open_ = m > m_Z
    mm = np.where(open_, m, 2 * m_Z)  # keeps the closed branch finite
    w = d_Z**2 * (mm**2 - m_Z**2) ** 2 * (2 * mm**2 + m_Z**2) / (8 * np.pi * (mm * mm * mm))
    return np.where(open_, w, 0.0)


def kallen(a: np.ndarray, b: float, c: float) -> np.ndarray:
    return a**2 + b**2 + c**2 - 2 * (a * b + a * c + b * c)


def width_lepton_w(m: ArrayLike, d_W: float, m_W: float, m_l: float) -> np.ndarray:
    """Gamma(N -> l- W+) with the charged-lepton mass, GeV (one charge state).

    d_W^2 / (8 pi m^3) * lambda^(1/2)(m^2, M_W^2, m_l^2)
        * [(m^2 - M_W^2)(2 m^2 + M_W^2) + m_l^2 (2 m_l^2 - 4 m^2 - M_W^2)]

    (the source paper prints 2 m_l^2 before the last bracket and (m^2 + (M_W - m_l)^2) inside
    the square root; the explicit spin sum in tests/ gives the form above.)
    """
    m = np.asarray(m, dtype=float)
    open_ = m > m_W + m_l
    mm = np.where(open_, m, 2 * (m_W + m_l))
    m2, w2, l2 = mm**2, m_W**2, m_l**2
    bracket = (m2 - w2) * (2 * m2 + w2) + l2 * (2 * l2 - 4 * m2 - w2)
    width = d_W**2 / (8 * np.pi * (mm * mm * mm)) * np.sqrt(np.maximum(kallen(m2, w2, l2), 0.0)) * bracket
    return np.where(open_, width, 0.0)


