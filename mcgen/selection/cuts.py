"""The card's photon selection (docs/physics/selections.md), one numba implementation for everything:
the signal kernel (true and reconstructed photon), the SM background, and columns read back
from a file.

:func:`kernel_params` turns the card's :class:`~mcgen.config.cards.Selection` into the named
tuple :class:`SelectionParams` (a cut left out becomes a bound that every photon passes);
:func:`photon_cuts` applies it to one photon, as non-short-circuit boolean algebra so that the
kernel's loops vectorize; :func:`select` applies it to arrays and returns the flag per cut.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen import fpmath
from mcgen.config.cards import Selection
from mcgen.physics.constants import Electroweak
from mcgen.simd import VEC

__all__ = ["SelectionParams", "CUTS", "kernel_params", "z_return_energy", "photon_cuts", "select", "select_columns"]

CUTS: tuple[str, ...] = ("energy", "angle", "pt", "zveto", "bhabha")
"""The cuts in the order :func:`photon_cuts` returns them (flags ``pass_<cut>``)."""
_NO_CUT = 1e300


class SelectionParams(NamedTuple):
    """The selection as the kernels see it (GeV, cosines; open bounds where the card has no cut)."""

    sqrt_s: float
    e_min: float
    e_max: float
    x_min: float
    x_max: float
    abs_cos_max: float
    cos_lo: float
    cos_hi: float
    pt_min: float
    e_z: float
    z_half_width: float
    sin_theta_b: float


def z_return_energy(sqrt_s: float, m_Z: float) -> float:
    """E_Z = (s - M_Z^2) / (2 sqrt s): the photon energy of e+e- -> Z gamma (the Z-return peak)."""
    return (sqrt_s**2 - m_Z**2) / (2 * sqrt_s)


def kernel_params(sel: Selection, sqrt_s: float, ew: Electroweak) -> SelectionParams:
    """The card's selection at sqrt(s) with the electroweak inputs (the Z-return veto window
    E_Z +- n Gamma_Z^gamma, Gamma_Z^gamma = M_Z Gamma_Z / sqrt s)."""
    return SelectionParams(
        sqrt_s=sqrt_s,
        e_min=-_NO_CUT if sel.e_min is None else sel.e_min,
        e_max=_NO_CUT if sel.e_max is None else sel.e_max,
        x_min=-_NO_CUT if sel.x_min is None else sel.x_min,
        x_max=_NO_CUT if sel.x_max is None else sel.x_max,
        abs_cos_max=2.0 if sel.abs_cos_max is None else sel.abs_cos_max,
        cos_lo=-2.0 if sel.theta_max_deg is None else fpmath.cos(math.radians(sel.theta_max_deg)),
        cos_hi=2.0 if sel.theta_min_deg is None else fpmath.cos(math.radians(sel.theta_min_deg)),
        pt_min=-_NO_CUT if sel.pt_min is None else sel.pt_min,
        e_z=z_return_energy(sqrt_s, ew.m_Z),
        z_half_width=sel.z_return_veto_widths * ew.m_Z * ew.Gamma_Z / sqrt_s,
        sin_theta_b=math.sqrt(1 - sel.bhabha_cos_theta_b**2) if sel.bhabha_cos_theta_b > 0 else 0.0,
    )


@nb.njit(inline="always")
def photon_cuts(p, e, cos_t, sin_t):
    """(energy, angle, pt, Z-return veto, radiative Bhabha) pass flags of one photon of energy e,
    polar angle cos_t, sin_t >= 0 (``p``: :class:`SelectionParams`)."""
    x = 2.0 * e / p.sqrt_s
    energy = (e > p.e_min) & (e < p.e_max) & (x > p.x_min) & (x < p.x_max)
    angle = (abs(cos_t) < p.abs_cos_max) & (cos_t > p.cos_lo) & (cos_t < p.cos_hi)
    pt = e * sin_t > p.pt_min
    zveto = (p.z_half_width <= 0.0) | (abs(e - p.e_z) >= p.z_half_width)
    bhabha = (p.sin_theta_b <= 0.0) | (e * (p.sin_theta_b + sin_t) > p.sqrt_s * p.sin_theta_b)
    return energy, angle, pt, zveto, bhabha


@nb.njit(parallel=True, cache=True, **VEC)
def _select_columns(p, e, cos_t, sin_t, out):
    for i in nb.prange(e.size):
        passed = photon_cuts(p, e[i], cos_t[i], sin_t[i])
        for j in range(len(CUTS)):
            out[j, i] = passed[j]


def select(p: SelectionParams, energy: np.ndarray, cos_theta: np.ndarray, sin_theta: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The selection on arrays of photons: ``pass_<cut>`` per cut of :data:`CUTS` and ``pass_all``
    (sin_theta defaults to sqrt(1 - cos^2); give pT/E when the transverse momentum is stored).

    >>> import mcgen
    >>> card = mcgen.load_card("lep2_delphi")
    >>> p = kernel_params(card.selection, card.sqrt_s, card.electroweak)
    >>> select(p, np.array([50.0, 2.0]), np.array([0.1, 0.1]))["pass_all"].tolist()
    [True, False]
    """
    e = np.ascontiguousarray(energy, dtype=np.float64)
    c = np.ascontiguousarray(cos_theta, dtype=np.float64)
    s = np.sqrt(np.clip(1.0 - c * c, 0.0, None)) if sin_theta is None else np.ascontiguousarray(sin_theta, dtype=np.float64)
    out = np.empty((len(CUTS), e.size), dtype=np.bool_)
    _select_columns(p, e, c, s, out)
    flags = {f"pass_{cut}": out[i] for i, cut in enumerate(CUTS)}
    flags["pass_all"] = out.all(axis=0)
    return flags


def select_columns(p: SelectionParams, columns: dict[str, np.ndarray], photon: str = "gamma_reco") -> dict[str, np.ndarray]:
    """The selection on a photon stored as columns ``<photon>_E``, ``<photon>_cos_theta`` and
    ``<photon>_pt`` (an event file's true ``gamma`` or measured ``gamma_reco``); for the measured
    photon only reconstructed ones pass."""
    e = np.asarray(columns[f"{photon}_E"], dtype=np.float64)
    sin_t = np.divide(columns[f"{photon}_pt"], e, out=np.zeros_like(e), where=e > 0)
    flags = select(p, e, columns[f"{photon}_cos_theta"], sin_t)
    if "reconstructed" in columns and photon == "gamma_reco":
        flags = {k: v & columns["reconstructed"] for k, v in flags.items()}
    return flags
