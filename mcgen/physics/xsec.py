"""Analytic cross sections of e+e- -> N nubar and the Z partial width to N nubar.

All sigma_* functions are for ONE charge state (e+e- -> N nubar) in GeV^-2;
:func:`production_cross_sections` converts to pb and, by default, sums N nubar and
Nbar nu (equal by CP). "alpha" below is ``ew.alpha_eff``, the alpha of the coupling scheme
(mcgen.physics.constants.SCHEMES: no real photon enters production). Polarised beams weight the
e-_L and e-_R parts by f_L, f_R (``hel``, mcgen.physics.polarisation). Conventions and the corrections to the source paper are in
docs/physics/production.md; every formula here is checked in tests/physics/test_xsec.py against an
explicit Dirac-matrix evaluation of the amplitudes (tests/references/dirac_reference.py).

The s-t interference (flavour e only) is derived here, not taken from the paper. With
the FeynRules sign conventions and the relative minus sign between the (e+ e-)(N nubar)
and (N e-)(e+ nubar) fermion-line pairings, the spin-averaged interference is::

    |M|^2_st = 8 s (g/sqrt 2) d_W Re[C_L] t u / (t - M_W^2),
    C_L = e d_gamma / s + (g/c_w) g_L d_Z / (s - M_Z^2 + i M_Z Gamma_Z),   g_L = -1/2 + x_w,

only the left-handed electron current interfering, as the W couples to it alone.
Integrated over t in [m^2 - s, 0] with dsigma/dt = ``|M|^2 / (16 pi s^2)``::

    sigma_st = sqrt(2) alpha d_W M_W^4 g(x) / (s_w s) * [d_gamma / s + g_L d_Z (s - M_Z^2) / (s_w c_w |D_Z|^2)]
    g(x) = (1 + x) ln(1 + x) - x - x^2/2 = sum_{n>=3} (-1)^n x^n / (n (n-1)) < 0,   x = (s - m^2) / M_W^2.

So for d_gamma d_W > 0 below the Z pole the photon-W interference is destructive.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import ArrayLike

from mcgen import fpmath
from mcgen.physics.constants import GEV2_TO_PB, Electroweak
from mcgen.physics.model import Couplings
from mcgen.physics.polarisation import helicity_weights

Helicity = tuple[float, float]
UNPOLARISED: Helicity = (1.0, 1.0)

__all__ = [
    "CrossSections",
    "sigma_gamma",
    "sigma_z",
    "sigma_gamma_z",
    "sigma_w",
    "sigma_st_interference",
    "production_cross_sections",
    "cross_section_pieces",
    "width_z_to_n_nubar",
]

_SERIES_X = 0.05  # below this the log kernels are summed as series (no cancellation)
_SERIES_TERMS = 24


def _series(x: np.ndarray, coefficient) -> np.ndarray:
    powers = [x * x * x]  # x^3 ... x^(TERMS+2) by products (numpy's power rounds by the CPU)
    for _ in range(_SERIES_TERMS - 1):
        powers.append(powers[-1] * x)
    total = np.zeros_like(x)
    for n in range(_SERIES_TERMS + 2, 2, -1):  # n = TERMS+2 ... 3, smallest terms first
        total = total + coefficient(n) * powers[n - 3]
    return total


def _kernel(x: np.ndarray, direct: np.ndarray, coefficient) -> np.ndarray:
    """``direct``, with the series where x < _SERIES_X (summed there only: scans over s are long)."""
    small = x < _SERIES_X
    if not small.any():
        return direct
    out = np.array(direct, dtype=float)
    out[small] = _series(x[small], coefficient)
    return out


def _w_kernel(x: ArrayLike) -> np.ndarray:
    """f(x) = (x + 2) ln(1 + x) - 2 x = sum_{n>=3} (-1)^(n+1) (n-2) x^n / (n (n-1))."""
    x = np.asarray(x, dtype=float)
    return _kernel(x, (x + 2) * fpmath.log1p(x) - 2 * x, lambda n: (-1) ** (n + 1) * (n - 2) / (n * (n - 1)))


def _st_kernel(x: ArrayLike) -> np.ndarray:
    """g(x) = (1 + x) ln(1 + x) - x - x^2/2 = sum_{n>=3} (-1)^n x^n / (n (n-1))."""
    x = np.asarray(x, dtype=float)
    return _kernel(x, (1 + x) * fpmath.log1p(x) - x - x**2 / 2, lambda n: (-1) ** n / (n * (n - 1)))


def _open(s: np.ndarray, m: np.ndarray) -> np.ndarray:
    return np.clip(s - m**2, 0.0, None)


def _s_channel_shape(s: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(s - m^2)^2 (s + 2 m^2): the common s-channel phase-space and dipole factor."""
    return _open(s, m) ** 2 * (s + 2 * m**2)


def _z_denominator(s: np.ndarray, ew: Electroweak) -> np.ndarray:
    return (s - ew.m_Z**2) ** 2 + (ew.m_Z * ew.Gamma_Z) ** 2


def sigma_gamma(sqrt_s: ArrayLike, m: ArrayLike, d_gamma: float, ew: Electroweak, *, hel: Helicity = UNPOLARISED) -> np.ndarray:
    """Photon s-channel: alpha d_gamma^2 (s - m^2)^2 (s + 2 m^2) / (3 s^3)  (P-10), times
    (f_L + f_R)/2 = 1 - P- P+ for polarised beams (``hel``: mcgen.physics.polarisation.helicity_weights).

    >>> ew = Electroweak()
    >>> print(f"{float(sigma_gamma(91.1876, 0.0, 1e-5, ew)) * GEV2_TO_PB:.4g} pb")
    9.471e-05 pb
    """
    s, m = np.asarray(sqrt_s, dtype=float) ** 2, np.asarray(m, dtype=float)
    return ew.alpha_eff * d_gamma**2 * _s_channel_shape(s, m) * (0.5 * (hel[0] + hel[1])) / (3 * s * s * s)


def sigma_z(sqrt_s: ArrayLike, m: ArrayLike, d_Z: float, ew: Electroweak, *, hel: Helicity = UNPOLARISED) -> np.ndarray:
    """Z s-channel (P-11 with x_w = sin^2 theta_w in the electron couplings): the factor
    1 - 4 x_w + 8 x_w^2 = 4 (g_L^2 + g_R^2) becomes 4 (f_L g_L^2 + f_R g_R^2) for polarised beams."""
    s, m = np.asarray(sqrt_s, dtype=float) ** 2, np.asarray(m, dtype=float)
    xw = ew.sin2_theta_w
    couplings = hel[0] * (1 - 2 * xw) ** 2 + hel[1] * 4 * xw**2
    return ew.alpha_eff * d_Z**2 * _s_channel_shape(s, m) * couplings / (24 * xw * (1 - xw) * s * _z_denominator(s, ew))


def sigma_gamma_z(sqrt_s: ArrayLike, m: ArrayLike, d_gamma: float, d_Z: float, ew: Electroweak, *,
                  hel: Helicity = UNPOLARISED) -> np.ndarray:
    """Photon-Z interference (P-12 with x_w); vanishes on the Z pole, changes sign across it. The
    factor 1 - 4 x_w = -2 (g_L + g_R) becomes -2 (f_L g_L + f_R g_R) for polarised beams."""
    s, m = np.asarray(sqrt_s, dtype=float) ** 2, np.asarray(m, dtype=float)
    xw = ew.sin2_theta_w
    return (
        ew.alpha_eff * d_gamma * d_Z * _s_channel_shape(s, m) * (hel[0] * (1 - 2 * xw) - hel[1] * 2 * xw) * (ew.m_Z**2 - s)
        / (6 * ew.c_w * ew.s_w * s**2 * _z_denominator(s, ew))
    )


def sigma_w(sqrt_s: ArrayLike, m: ArrayLike, d_W: float, ew: Electroweak, *, hel: Helicity = UNPOLARISED) -> np.ndarray:
    """W t-channel (flavour e), the corrected closed form (docs/corrections.md):

    alpha d_W^2 / (2 x_w s) (s - m^2)/s [-2 (s - m^2) + (s - m^2 + 2 M_W^2) ln(1 + (s - m^2)/M_W^2)]

    times f_L (the W couples to left-handed electrons only).
    """
    s, m = np.asarray(sqrt_s, dtype=float) ** 2, np.asarray(m, dtype=float)
    w2 = ew.m_W**2
    open_ = _open(s, m)
    return ew.alpha_eff * d_W**2 * open_ * w2 * _w_kernel(open_ / w2) * hel[0] / (2 * ew.sin2_theta_w * s**2)


def sigma_st_interference(
    sqrt_s: ArrayLike, m: ArrayLike, couplings: Couplings, ew: Electroweak, *, hel: Helicity = UNPOLARISED
) -> np.ndarray:
    """Interference of the s-channel (photon + Z) and W t-channel amplitudes (flavour e).

    Derived in the module docstring; odd in d_W, so it flips sign with a; times f_L.
    """
    s, m = np.asarray(sqrt_s, dtype=float) ** 2, np.asarray(m, dtype=float)
    w2 = ew.m_W**2
    g_left = -0.5 + ew.sin2_theta_w
    s_channel = couplings.d_gamma / s + g_left * couplings.d_Z * (s - ew.m_Z**2) / (
        ew.s_w * ew.c_w * _z_denominator(s, ew)
    )
    kernel = w2**2 * _st_kernel(_open(s, m) / w2)
    return math.sqrt(2.0) * ew.alpha_eff * couplings.d_W * kernel * s_channel * hel[0] / (ew.s_w * s)


@dataclasses.dataclass(frozen=True)
class CrossSections:
    """Production cross-section pieces in pb; ``total`` is their sum."""

    gamma: float
    Z: float
    gammaZ: float
    W: float
    st_interference: float

    @property
    def total(self) -> float:
        return self.gamma + self.Z + self.gammaZ + self.W + self.st_interference

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self) | {"total": self.total}


def production_cross_sections(
    sqrt_s: float,
    m: float,
    couplings: Couplings,
    flavour: str,
    ew: Electroweak,
    *,
    st_interference: bool = True,
    charge_states: int = 2,
    polarisation: tuple[float, float] = (0.0, 0.0),
) -> CrossSections:
    """sigma(e+e- -> N nubar) pieces in pb, times ``charge_states`` (2: N nubar + Nbar nu), for
    beams of longitudinal ``polarisation`` (P-, P+) (-1: left-handed).

    The W t-channel and the s-t interference exist for flavour e only; with
    ``st_interference=False`` the interference is dropped, as the source paper does.
    """
    pieces = cross_section_pieces(sqrt_s, m, couplings, flavour, ew, st_interference=st_interference,
                                  charge_states=charge_states, polarisation=polarisation)
    return CrossSections(*(float(p) for p in pieces))


def cross_section_pieces(
    sqrt_s: ArrayLike,
    m: float,
    couplings: Couplings,
    flavour: str,
    ew: Electroweak,
    *,
    st_interference: bool = True,
    charge_states: int = 2,
    polarisation: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """The pieces of :func:`production_cross_sections` (gamma, Z, gammaZ, W, st) in pb as an array
    of shape (5,) + shape(sqrt_s): for a scan in sqrt(s), such as the ISR folding. 0 at and below
    threshold.

    >>> ew = Electroweak()
    >>> c = Couplings(1e-5, 0.0, 0.0)
    >>> cross_section_pieces([5.0, 50.0, 91.1876], 10.0, c, "mu", ew)[0].round(7).tolist()
    [0.0, 0.0001885, 0.0001893]
    """
    c = couplings
    t_channel = flavour == "e"
    hel = helicity_weights(*polarisation)
    rs = np.asarray(sqrt_s, dtype=float)
    zero = np.zeros(rs.shape)
    pieces = (
        sigma_gamma(rs, m, c.d_gamma, ew, hel=hel),
        sigma_z(rs, m, c.d_Z, ew, hel=hel),
        sigma_gamma_z(rs, m, c.d_gamma, c.d_Z, ew, hel=hel),
        sigma_w(rs, m, c.d_W, ew, hel=hel) if t_channel else zero,
        sigma_st_interference(rs, m, c, ew, hel=hel) if t_channel and st_interference else zero,
    )
    return np.stack([np.broadcast_to(p, rs.shape) * GEV2_TO_PB * charge_states + 0.0 for p in pieces])  # + 0.0: no -0.0


def width_z_to_n_nubar(m: ArrayLike, d_Z: float, ew: Electroweak) -> np.ndarray:
    """Gamma(Z -> N nubar) = d_Z^2 (M_Z^2 - m^2)^2 (2 m^2 + M_Z^2) / (12 pi M_Z^3), GeV (one charge state)."""
    m = np.asarray(m, dtype=float)
    mz2 = ew.m_Z**2
    return d_Z**2 * np.clip(mz2 - m**2, 0.0, None) ** 2 * (2 * m**2 + mz2) / (12 * np.pi * ew.m_Z**3)
