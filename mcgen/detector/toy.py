"""The toy detector (docs/physics/detector.md), one numba implementation for the signal kernel, the SM
background and photons read back from a file.

A photon from a vertex inside the decay volume is measured where it reaches the volume's
surface (the ECAL): its direction is that point seen from the origin, smeared in the polar
angle by ``angle_resolution_rad``; its energy is smeared by a/sqrt(E) (+) b; it is detected with
the photon efficiency inside the coverage ``|cos theta| < c``, and only with a positive energy.

:func:`kernel_params` turns the card's :class:`~mcgen.config.cards.Detector` into the named
tuple :class:`DetectorParams`; :func:`measure_photon` measures one photon (inlined into the
kernels; its inputs and result are the named records :class:`Vertex`, :class:`Photon`, :class:`Noise`
and :class:`Measured`); :func:`measure` measures arrays of photons. A new detector parameter touches the card
field, :func:`kernel_params` and :func:`measure_photon`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen.config.cards import MAX_COVERAGE_BANDS, Detector
from mcgen.simd import VEC, cos_sin_turns

__all__ = ["DetectorParams", "Vertex", "Photon", "Noise", "Measured", "kernel_params", "distance_to_surface", "measure_photon",
           "reco_columns", "measure", "RECO_COLUMNS"]

RECO_COLUMNS: tuple[str, ...] = ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz",
                                 "gamma_reco_cos_theta", "gamma_reco_pt")
"""What :func:`measure` returns besides ``reconstructed`` (zeros for photons not reconstructed)."""


class DetectorParams(NamedTuple):
    """The decay volume (a sphere of ``radius``, or a cylinder of ``radius`` about the beam from
    z = -``half_length_back`` to z = ``half_length``) and the photon measurement, as the kernels see them."""

    cylinder: bool
    radius: float
    half_length: float
    a_e2: float  # stochastic term squared (GeV)
    b_e2: float  # constant term squared
    sigma_theta: float  # rad
    coverage: float  # |cos theta| <
    eff: float
    # the coverage bands' cos theta (low, high), four of them; one flat record: numba's parallel loops take no nested records
    band1_lo: float
    band1_hi: float
    band2_lo: float
    band2_hi: float
    band3_lo: float
    band3_hi: float
    band4_lo: float
    band4_hi: float
    half_length_back: float  # the end cap at -z (the half-length for a symmetric cylinder)


class Vertex(NamedTuple):
    """Where the photon starts (m), inside the decay volume."""

    x: float
    y: float
    z: float


class Photon(NamedTuple):
    """A photon's four-momentum (GeV)."""

    e: float
    px: float
    py: float
    pz: float


class Noise(NamedTuple):
    """The random numbers of one measurement: unit normals for the energy and the polar angle, and a
    uniform for the efficiency."""

    g_energy: float
    g_angle: float
    u_eff: float


class Measured(NamedTuple):
    """A measured photon: whether it is detected, its energy, the polar angle's sine (negative when
    smeared across the pole) and cosine, and the azimuth's cosine and sine."""

    detected: bool
    e: float
    sin_t: float
    cos_t: float
    cos_phi: float
    sin_phi: float


def kernel_params(det: Detector) -> DetectorParams:
    """The card's detector table as :class:`DetectorParams`."""
    return DetectorParams(
        cylinder=det.decay_volume == "cylinder",
        radius=det.decay_radius_m,
        half_length=det.decay_half_length_m or 0.0,
        a_e2=det.energy_stochastic * det.energy_stochastic,
        b_e2=det.energy_constant * det.energy_constant,
        sigma_theta=det.angle_resolution_rad,
        coverage=det.abs_cos_coverage,
        eff=det.photon_efficiency,
        **_band_cos(det),
        half_length_back=(det.decay_half_length_backward_m if det.decay_half_length_backward_m is not None
                          else det.decay_half_length_m or 0.0),
    )


def _band_cos(det: Detector) -> dict[str, float]:
    """The coverage bands' cos theta (low, high), four of them; none given: one band that takes every
    angle (abs_cos_coverage then decides), the unused ones empty."""
    bands = list(det.coverage_cos_bands) if det.coverage_theta_deg is not None else [(-2.0, 2.0)]
    bands += [(2.0, 2.0)] * (MAX_COVERAGE_BANDS - len(bands))
    return {f"band{i + 1}_{end}": x for i, band in enumerate(bands) for end, x in zip(("lo", "hi"), band)}


@nb.njit(inline="always")
def distance_to_surface(p, sin_t, nz):
    """Distance from the origin to the volume's surface along a direction with polar sine sin_t
    and cosine nz (the flight distance an N may have and still decay inside)."""
    cap = p.half_length if nz >= 0.0 else p.half_length_back
    return min(p.radius / max(sin_t, 1e-300), cap / max(abs(nz), 1e-300)) if p.cylinder else p.radius


@nb.njit(inline="always")
def measure_photon(p, v, g, noise):
    """The :class:`Measured` photon ``g`` (a :class:`Photon`) from the vertex ``v`` (a :class:`Vertex`)
    inside the volume, with the :class:`Noise` ``noise``."""
    dx, dy, dz = g.px / g.e, g.py / g.e, g.pz / g.e
    b_s = v.x * dx + v.y * dy + v.z * dz
    t_sphere = -b_s + math.sqrt(max(b_s * b_s - (v.x * v.x + v.y * v.y + v.z * v.z - p.radius * p.radius), 0.0))
    a = dx * dx + dy * dy
    b_c = v.x * dx + v.y * dy
    t_barrel = (-b_c + math.sqrt(max(b_c * b_c - a * (v.x * v.x + v.y * v.y - p.radius * p.radius), 0.0))) / max(a, 1e-300)
    t_cap = ((p.half_length if dz > 0.0 else -p.half_length_back) - v.z) / (dz if dz != 0.0 else 1.0)
    t_cyl = min(t_barrel if a > 1e-300 else 1e300, t_cap if dz != 0.0 else 1e300)
    t = t_cyl if p.cylinder else t_sphere
    hx, hy, hz = v.x + t * dx, v.y + t * dy, v.z + t * dz  # where the photon reaches the surface
    hrho = math.sqrt(hx * hx + hy * hy)
    hr = max(math.sqrt(hrho * hrho + hz * hz), 1e-300)
    cos_h = hz / hr
    sin_h = hrho / hr
    cd, sd = cos_sin_turns(p.sigma_theta * noise.g_angle * (1.0 / (2.0 * math.pi)))
    cos_r = cos_h * cd - sin_h * sd
    sin_r = sin_h * cd + cos_h * sd  # negative: smeared across the pole
    e_r = g.e * (1.0 + math.sqrt(p.a_e2 / g.e + p.b_e2) * noise.g_energy)
    in_bands = (((cos_r > p.band1_lo) & (cos_r < p.band1_hi)) | ((cos_r > p.band2_lo) & (cos_r < p.band2_hi))
                | ((cos_r > p.band3_lo) & (cos_r < p.band3_hi)) | ((cos_r > p.band4_lo) & (cos_r < p.band4_hi)))
    detected = (noise.u_eff < p.eff) & (e_r > 0.0) & (abs(cos_r) < p.coverage) & in_bands
    cx = hx / hrho if hrho > 0.0 else 1.0
    cy = hy / hrho if hrho > 0.0 else 0.0
    return Measured(detected=detected, e=e_r, sin_t=sin_r, cos_t=cos_r, cos_phi=cx, sin_phi=cy)


@nb.njit(inline="always", **VEC)
def reco_columns(reco, m):
    """The values of :data:`RECO_COLUMNS` (E, px, py, pz, cos theta, pT) of the :class:`Measured`
    photon ``m``; zeros when it is not reconstructed (``reco`` false)."""
    return (m.e if reco else 0.0, m.e * m.sin_t * m.cos_phi if reco else 0.0, m.e * m.sin_t * m.sin_phi if reco else 0.0,
            m.e * m.cos_t if reco else 0.0, m.cos_t if reco else 0.0, m.e * abs(m.sin_t) if reco else 0.0)


@nb.njit(parallel=True, cache=True, **VEC)
def _measure_columns(p, vx, vy, vz, ge, gx, gy, gz, g1, g2, u_eff, real, flags):
    for i in nb.prange(ge.size):
        m = measure_photon(p, Vertex(x=vx[i], y=vy[i], z=vz[i]), Photon(e=ge[i], px=gx[i], py=gy[i], pz=gz[i]),
                           Noise(g_energy=g1[i], g_angle=g2[i], u_eff=u_eff[i]))
        values = reco_columns(m.detected, m)
        for j in range(len(RECO_COLUMNS)):
            real[j, i] = values[j]
        flags[i] = m.detected


def measure(p: DetectorParams, vertex: tuple[np.ndarray, np.ndarray, np.ndarray], photon: tuple[np.ndarray, ...],
            g1: np.ndarray, g2: np.ndarray, u_eff: np.ndarray) -> dict[str, np.ndarray]:
    """Measure arrays of photons: ``vertex`` (x, y, z) in m inside the volume, ``photon`` (E, px, py,
    pz) in GeV, unit normals g1, g2 and uniforms u_eff per photon. Returns the columns of
    :data:`RECO_COLUMNS` (zero where not reconstructed) and ``reconstructed``.

    >>> import mcgen
    >>> p = kernel_params(mcgen.load_card("cepc_z").detector)
    >>> one, zero = np.ones(1), np.zeros(1)
    >>> reco = measure(p, (zero, zero, zero), (50 * one, 50 * one, zero, zero), zero, zero, zero)
    >>> round(float(reco["gamma_reco_E"][0]), 9), round(float(reco["gamma_reco_px"][0]), 9), bool(reco["reconstructed"][0])
    (50.0, 50.0, True)
    """
    arrays = [np.ascontiguousarray(x, dtype=np.float64) for x in (*vertex, *photon, g1, g2, u_eff)]
    n = arrays[3].size
    real = np.empty((len(RECO_COLUMNS), n))
    flags = np.empty(n, dtype=np.bool_)
    _measure_columns(p, *arrays, real, flags)
    return {name: real[i] for i, name in enumerate(RECO_COLUMNS)} | {"reconstructed": flags}
