"""Three-body decays of N through off-shell bosons: N -> nu f fbar (photon* and Z*, with their
interference) and N -> l f fbar' (W*).

The dipole vertex is transverse (q_nu sigma^{mu nu} q_mu = 0), so after the f fbar angles are
integrated only the transverse part of the fermion tensor survives, and the rate factorises
exactly into the two-body width with the boson mass set to sqrt(q^2) times a spectral density:

    dGamma/dq^2 = sum_ij D_i D_j F_N(q^2) (1/pi) sqrt(q^2) Gamma_ij(q^2) Re[P_i P_j*]

with D = (d_gamma, -d_Z) (the vertex signs of docs/physics/model.md) or d_W, F_N(q^2) the N -> nu V
(or l W) width per unit coupling at M_V^2 = q^2, P_i the boson propagators (Breit-Wigner for Z
and W, 1/q^2 for the photon) and Gamma_ij(q^2) = N_c sqrt(q^2)/(12 pi) beta [v_i v_j (1 + 2x) +
a_i a_j beta^2] the width of a vector of mass sqrt(q^2) into f fbar (x = m_f^2/q^2) for couplings
f gamma^mu (v - a gamma5) f V_mu. Above threshold the on-shell boson sits inside these integrals,
which then replace the two-body N -> nu Z and N -> l W widths. The Z* and W* densities are scaled
by kappa = (input width)/(tree-level sum of partial widths), about 1.10 and 1.10 with alpha(0), so
that the on-shell branching ratios add up to one (:func:`boson_k_factors`).

The widths are a quadratic form in (d_gamma, d_Z, d_W): :func:`three_body_coefficients` returns
its four coefficient sums (gg, ZZ, gZ for the neutral channels; WW) per mass, so that a scan
over a costs nothing more. Quarks enter perturbatively with their current masses (from
``particle``) and N_c = 3: below about 2 GeV of q this stands in for the hadronic final states.
The W* channel N -> nu_l l- l+ also arises from the Z*; their interference is neglected.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from particle import Particle

from mcgen import fpmath
from mcgen.physics.constants import Electroweak
from mcgen.physics.twobody import width_lepton_w

__all__ = ["Fermion", "FERMIONS", "DOUBLETS", "boson_k_factors", "channel_coefficients", "three_body_coefficients", "ThreeBody",
           "three_body_widths", "channel_widths"]


@dataclasses.dataclass(frozen=True)
class Fermion:
    name: str
    anti: str  # the antiparticle's name
    mass: float  # GeV
    charge: float
    t3: float
    colours: int


def _fermion(pdgid: int, t3: float, colours: int) -> Fermion:
    p = Particle.from_pdgid(pdgid)
    assert p.mass is not None and p.charge is not None, pdgid
    return Fermion(p.name, Particle.from_pdgid(-pdgid).name, p.mass * 1e-3, float(p.charge), t3, colours)


@functools.cache
def _fermions() -> tuple[tuple[Fermion, ...], tuple[tuple[Fermion, Fermion], ...]]:
    neutrinos = [Fermion(n, n + "~", 0.0, 0.0, 0.5, 1) for n in ("nu_e", "nu_mu", "nu_tau")]
    leptons = [_fermion(pid, -0.5, 1) for pid in (11, 13, 15)]
    up = [_fermion(pid, 0.5, 3) for pid in (2, 4, 6)]
    down = [_fermion(pid, -0.5, 3) for pid in (1, 3, 5)]
    doublets = tuple(zip(neutrinos, leptons)) + tuple(zip(up, down))  # unit CKM
    return tuple(neutrinos + leptons + up + down), doublets


FERMIONS, DOUBLETS = _fermions()
_NODES = 256
_GL_X, _GL_W = fpmath.gauss_legendre(_NODES)


def _beta(q2: np.ndarray, m1: float, m2: float) -> np.ndarray:
    """sqrt of the Kallen function / q^2 for two final masses (0 below threshold)."""
    lam = (1 - (m1 + m2) ** 2 / q2) * (1 - (m1 - m2) ** 2 / q2)
    return np.where(q2 > (m1 + m2) ** 2, np.sqrt(np.abs(lam)), 0.0)


def _neutral_couplings(f: Fermion, ew: Electroweak) -> tuple[float, float, float]:
    """(v_gamma, v_Z, a_Z) for f gamma^mu (v - a gamma5) f V_mu."""
    gz = ew.g / (2 * ew.c_w)
    return ew.e * f.charge, gz * (f.t3 - 2 * f.charge * ew.sin2_theta_w), gz * f.t3


def _spectral_neutral(q2: np.ndarray, f: Fermion, ew: Electroweak) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(1/pi) sqrt(q2) Gamma_ij(q2) of one fermion for (gamma gamma, ZZ, gamma Z), without propagators."""
    if f.mass == 0.0:
        beta, x = np.ones_like(q2), np.zeros_like(q2)
    else:
        beta, x = _beta(q2, f.mass, f.mass), f.mass**2 / q2
    v_g, v_z, a_z = _neutral_couplings(f, ew)
    common = f.colours * q2 / (12 * math.pi**2) * beta  # (1/pi) sqrt(q2) * N_c sqrt(q2)/(12 pi) beta
    vector = 1 + 2 * x
    return common * v_g * v_g * vector, common * (v_z * v_z * vector + a_z * a_z * beta * beta), common * v_g * v_z * vector


def _spectral_charged(q2: np.ndarray, up: Fermion, down: Fermion, ew: Electroweak) -> np.ndarray:
    """(1/pi) sqrt(q2) Gamma(W* -> f fbar')(q2) of one doublet (couplings g/sqrt2 P_L, unit CKM)."""
    x1, x2 = up.mass**2 / q2, down.mass**2 / q2
    shape = _beta(q2, up.mass, down.mass) * (1 - (x1 + x2) / 2 - (x1 - x2) ** 2 / 2)
    return up.colours * ew.g**2 * q2 / (48 * math.pi**2) * shape


@functools.lru_cache(maxsize=64)
def boson_k_factors(ew: Electroweak) -> tuple[float, float]:
    """(kappa_Z, kappa_W) = the input total width over the tree-level sum of the partial widths
    computed here. The Z* and W* spectral densities are scaled by them (the photon-Z
    interference by sqrt(kappa_Z)), so that the branching ratios of the on-shell bosons add up
    to one and the three-body rate tends to the two-body one above threshold."""
    mz2, mw2 = np.array([ew.m_Z**2]), np.array([ew.m_W**2])
    z_tree = sum(float(_spectral_neutral(mz2, f, ew)[1][0]) for f in FERMIONS) * math.pi / ew.m_Z
    w_tree = sum(float(_spectral_charged(mw2, u, d, ew)[0]) for u, d in DOUBLETS) * math.pi / ew.m_W
    return ew.Gamma_Z / z_tree, ew.Gamma_W / w_tree


def _log_nodes(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights in q2, uniform in log q2 over [lo, hi]."""
    log_hi, log_lo = float(fpmath.log(hi)), float(fpmath.log(lo))
    q2 = fpmath.exp(0.5 * (log_hi - log_lo) * _GL_X + 0.5 * (log_hi + log_lo))
    return q2, 0.5 * (log_hi - log_lo) * _GL_W * q2


def _bw_nodes(lo: float, hi: float, mass: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes uniform in arctan((q2 - M^2)/(M Gamma)): the resonance is flat in that variable."""
    mg = mass * width
    u_lo, u_hi = float(fpmath.atan((lo - mass**2) / mg)), float(fpmath.atan((hi - mass**2) / mg))
    u = 0.5 * (u_hi - u_lo) * _GL_X + 0.5 * (u_hi + u_lo)
    q2 = mass**2 + mg * fpmath.tan(u)
    return q2, 0.5 * (u_hi - u_lo) * _GL_W * mg / fpmath.cos(u) ** 2


def _n_to_nu_v(m: float, q2: np.ndarray) -> np.ndarray:
    """Gamma(N -> nu V) per unit dipole coupling at M_V^2 = q2 (docs/physics/decays.md)."""
    return (m * m - q2) ** 2 * (2 * m * m + q2) / (8 * math.pi * m * m * m)


@functools.lru_cache(maxsize=4096)
def channel_coefficients(m: float, m_lepton: float, ew: Electroweak) -> dict[str, dict[str, float]]:
    """Per channel, the coefficients (GeV^3) of its width: d_gamma^2 gg + d_Z^2 ZZ - d_gamma d_Z gZ
    for "nu f fbar" channels, d_W^2 WW for "l f fbar'" channels. The minus sign of gZ is the
    relative sign of the photon and Z dipole vertices. Cached: a scan over a reuses them
    (callers must not modify the returned dict)."""
    out: dict[str, dict[str, float]] = {}
    kappa_z, kappa_w = boson_k_factors(ew)
    hi = m * m
    q2_z, w_z = _bw_nodes(1e-12 * hi, hi, ew.m_Z, ew.Gamma_Z)
    f_z = _n_to_nu_v(m, q2_z)
    dz = (q2_z - ew.m_Z**2) ** 2 + (ew.m_Z * ew.Gamma_Z) ** 2
    for f in FERMIONS:
        threshold = 4 * f.mass**2
        if hi <= threshold:
            continue
        _, zz, gz = _spectral_neutral(q2_z, f, ew)
        c = {
            "gg": 0.0,
            "ZZ": kappa_z * float(fpmath.dot(w_z, f_z * zz / dz)),
            "gZ": math.sqrt(kappa_z) * float(fpmath.dot(w_z, f_z * gz * 2 * (q2_z - ew.m_Z**2) / (q2_z * dz))),
        }
        if f.charge != 0.0:  # the photon* needs a charged pair: integrate its 1/q2 in log q2
            q2, w = _log_nodes(threshold, hi)
            gg, _, _ = _spectral_neutral(q2, f, ew)
            c["gg"] = float(fpmath.dot(w, _n_to_nu_v(m, q2) * gg / q2**2))
        out[f"nu {f.name} {f.anti}"] = c
    hi_w = (m - m_lepton) ** 2
    for up, down in DOUBLETS:
        threshold = (up.mass + down.mass) ** 2
        if hi_w <= threshold:
            continue
        q2, w = _bw_nodes(max(threshold, 1e-12 * hi), hi_w, ew.m_W, ew.Gamma_W)
        dw = (q2 - ew.m_W**2) ** 2 + (ew.m_W * ew.Gamma_W) ** 2
        f_w = width_lepton_w(m, 1.0, np.sqrt(q2), m_lepton)
        out[f"l {up.name} {down.anti}"] = {"WW": kappa_w * float(fpmath.dot(w, f_w * _spectral_charged(q2, up, down, ew) / dw))}
    return out


def three_body_coefficients(m: float, m_lepton: float, ew: Electroweak) -> dict[str, float]:
    """The channel coefficients summed: gg, ZZ, gZ (neutral) and WW (charged)."""
    total = {"gg": 0.0, "ZZ": 0.0, "gZ": 0.0, "WW": 0.0}
    for c in channel_coefficients(m, m_lepton, ew).values():
        for k, v in c.items():
            total[k] += v
    return total


@dataclasses.dataclass(frozen=True)
class ThreeBody:
    """Three-body widths of N in GeV: through photon* and Z* (N -> nu f fbar) and W* (N -> l f fbar')."""

    nu_f_fbar: float
    l_f_fbar: float

    @property
    def total(self) -> float:
        return self.nu_f_fbar + self.l_f_fbar


def three_body_widths(m: float, m_lepton: float, d_gamma: float, d_z: float, d_w: float, ew: Electroweak) -> ThreeBody:
    """Three-body widths for given couplings (a quadratic form of three_body_coefficients)."""
    c = three_body_coefficients(m, m_lepton, ew)
    neutral = d_gamma**2 * c["gg"] + d_z**2 * c["ZZ"] - d_gamma * d_z * c["gZ"]
    return ThreeBody(max(neutral, 0.0), d_w**2 * c["WW"])


def channel_widths(m: float, m_lepton: float, d_gamma: float, d_z: float, d_w: float, ew: Electroweak) -> dict[str, float]:
    """Three-body width of every open channel, GeV."""
    out = {}
    for name, c in channel_coefficients(m, m_lepton, ew).items():
        if "WW" in c:
            out[name] = d_w**2 * c["WW"]
        else:
            out[name] = max(d_gamma**2 * c["gg"] + d_z**2 * c["ZZ"] - d_gamma * d_z * c["gZ"], 0.0)
    return out
