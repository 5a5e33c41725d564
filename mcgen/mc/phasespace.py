"""Adaptive phase space for e+e- -> nu nubar gamma: VEGAS grids inside a two-channel multichannel.

The photon is drawn from a mixture of two channels, each a ``vegas.AdaptiveMap`` over two variables:

- ``energy``: (E, v = eta / eta_lim(E)) with eta = artanh cos theta and eta_lim(E) the largest
  |eta| that the pT floor and the cos theta range allow; the E grid starts from 1/E (soft photons)
  plus a Breit-Wigner in the recoil mass (the Z return), the v grid flat (flat in eta is the
  collinear 1/sin^2 theta);
- ``transverse`` (only for cards with a pT cut): (pT, v = eta / eta_max(pT)), eta_max(pT) the
  largest |eta| that E <= E_max and the cos theta range allow.

In both, the pT cut and the kinematic endpoint are grid edges, which a factorised grid can follow
(they are curves in (E, cos theta)).

The nu nubar pair decays in its rest frame with angles (cos theta*, phi*) from a third map. The
weight of a point uses the mixture density of both channels (the Jacobians dE dcos = (1 - cos^2)
eta_lim(E) dE dv and (pT/E) eta_max(pT) dpT dv convert between them), so each channel may cover
any part of the region. Training
(:meth:`PhaseSpaceMap.adapt`) refines each channel's grid on its own points with the classic VEGAS
rule and moves the channel weights by the Kleiss-Pittau rule alpha_i -> alpha_i sqrt(W_i),
W_i = <w^2 q_i / q>; the estimates come only from a fresh sample with the frozen map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mcgen.errors import InputError

if TYPE_CHECKING:
    import vegas

__all__ = ["PhaseSpaceMap", "PhaseSpacePoints", "photon_energy_range", "photon_cos_range"]

_TINY_ETA = 1e-150  # eta limits are floored here: a point exactly on a corner gets a zero weight, not NaN
MIN_CHANNEL_WEIGHT = 0.05  # keep every channel alive so the mixture density never loses support
# dPhi_3 = E dE dcos dphi / (2 (2 pi)^3) * (1/(8 pi)) dOmega*/(4 pi) for massless nu nubar
_PHASE_SPACE_CONSTANT = 1 / (2 * (2 * math.pi) ** 3) * (2 * math.pi) / (8 * math.pi) / (4 * math.pi)


def photon_energy_range(card, resolutions: float = 5.0) -> tuple[float, float]:
    """The photon energies to sample: from the card's lower cuts (E, x, pT) less ``resolutions``
    energy resolutions, so that photons smeared up into the selection are there for the
    reconstructed cross section, to the upper cuts (or sqrt(s)/2)."""
    sel, det, rs = card.selection, card.detector, card.sqrt_s
    cut = max(sel.e_min or 0.0, (sel.x_min or 0.0) * rs / 2, sel.pt_min or 0.0)
    if cut > 0:
        cut *= max(0.0, 1 - resolutions * math.sqrt(det.energy_stochastic**2 / cut + det.energy_constant**2))
    lo = max(cut, 1e-4 * rs)
    hi = rs / 2
    if sel.e_max is not None:
        hi = min(hi, sel.e_max)
    if sel.x_max is not None:
        hi = min(hi, sel.x_max * rs / 2)
    return lo, hi


def photon_cos_range(card) -> float:
    """The largest |cos theta| of the photon that the card's cuts and coverage can accept."""
    sel = card.selection
    c = min(sel.abs_cos_max or 1.0, card.detector.abs_cos_coverage, 0.9999)
    if sel.theta_min_deg is not None:
        c = min(c, math.cos(math.radians(sel.theta_min_deg)))
    if sel.theta_max_deg is not None:
        c = min(c, -math.cos(math.radians(sel.theta_max_deg)))
    return c


def _energy_nodes(card, e_lo: float, e_hi: float, ninc: int) -> np.ndarray:
    """Photon-energy nodes at the quantiles of 1/E plus, when in range, half of the probability in
    a Breit-Wigner in the recoil mass s' = s - 2 sqrt(s) E (the Z return)."""
    ew, rs = card.electroweak, card.sqrt_s
    s, mz, gz = rs * rs, ew.m_Z, ew.Gamma_Z
    dense = np.geomspace(e_lo, e_hi, 20_001)
    cdf = np.log(dense / e_lo) / math.log(e_hi / e_lo)
    sp_lo, sp_hi = s - 2 * rs * e_hi, s - 2 * rs * e_lo
    if sp_lo < mz * mz < sp_hi:
        u_lo, u_hi = math.atan((sp_lo - mz * mz) / (mz * gz)), math.atan((sp_hi - mz * mz) / (mz * gz))
        peak = (s - mz * mz - mz * gz * np.tan(np.linspace(u_lo, u_hi, 20_001)[1:-1])) / (2 * rs)
        dense = np.unique(np.concatenate([dense, peak]))
        u = np.arctan((s - 2 * rs * dense - mz * mz) / (mz * gz))
        cdf = 0.5 * np.log(dense / e_lo) / math.log(e_hi / e_lo) + 0.5 * (u_hi - u) / (u_hi - u_lo)
    nodes = np.interp(np.linspace(0.0, 1.0, ninc + 1), cdf, dense)
    nodes[0], nodes[-1] = e_lo, e_hi
    return nodes


@dataclass
class PhaseSpacePoints:
    """Sampled events: beams p1 (e-), p2 (e+), nu k1, nubar k2, photon k (arrays (n, 4), GeV) and
    ``weight`` = dPhi_3 / (sampling density) in GeV^2 (0 outside the kinematic region)."""

    p1: np.ndarray
    p2: np.ndarray
    k1: np.ndarray
    k2: np.ndarray
    k: np.ndarray
    weight: np.ndarray
    channel: np.ndarray  # which channel drew each point
    y_photon: np.ndarray  # the unit-square point of the drawing channel
    y_decay: np.ndarray
    q_channels: np.ndarray  # (n, channels): each channel's density in (E, cos theta)


@dataclass
class PhaseSpaceMap:
    """The adaptive map of the module docstring for one card (see :meth:`for_card`)."""

    sqrt_s: float
    e_lo: float
    e_hi: float
    c_max: float
    pt_floor: float  # photons with a smaller pT are not sampled (cards with a pT cut)
    photon_maps: list[vegas.AdaptiveMap]
    decay_map: vegas.AdaptiveMap
    alpha: np.ndarray = field(default_factory=lambda: np.ones(1))

    @classmethod
    def for_card(cls, card, ninc: int = 400) -> PhaseSpaceMap:
        import vegas

        e_lo, e_hi = photon_energy_range(card)
        c_max = photon_cos_range(card)
        if not (e_hi > e_lo and c_max > 0):
            raise InputError(f"card {card.name}: the photon selection leaves no phase space for nu nubar gamma")
        maps = [vegas.AdaptiveMap([_energy_nodes(card, e_lo, e_hi, ninc), np.linspace(-1.0, 1.0, ninc + 1)])]
        if (card.selection.pt_min or 0.0) > 0:
            maps.append(vegas.AdaptiveMap([np.geomspace(e_lo, e_hi, ninc + 1), np.linspace(-1.0, 1.0, ninc + 1)]))
        decay = vegas.AdaptiveMap([np.linspace(-1.0, 1.0, ninc + 1), np.linspace(0.0, 2 * math.pi, ninc + 1)])
        pt_floor = e_lo if len(maps) > 1 else 0.0
        return cls(card.sqrt_s, e_lo, e_hi, c_max, pt_floor, maps, decay, np.full(len(maps), 1.0 / len(maps)))

    def _eta_max(self, pt: np.ndarray) -> np.ndarray:
        """The largest |eta| at this pT: E <= e_hi and |cos theta| <= c_max (kept above 0 for the
        corner pT = e_hi, where the map's Jacobian vanishes)."""
        return np.clip(np.arccosh(np.maximum(self.e_hi / pt, 1.0)), _TINY_ETA, math.atanh(self.c_max))

    def _eta_lim(self, energy: np.ndarray) -> np.ndarray:
        """The largest |eta| at this E: pT >= pt_floor and |cos theta| <= c_max."""
        if self.pt_floor <= 0:
            return np.full(len(energy), math.atanh(self.c_max))
        return np.clip(np.arccosh(np.maximum(energy / self.pt_floor, 1.0)), _TINY_ETA, math.atanh(self.c_max))

    def _densities(self, energy: np.ndarray, cos_t: np.ndarray) -> np.ndarray:
        """Each channel's density at (E, cos theta), per unit E and cos theta (0 off its domain)."""
        q = np.zeros((len(energy), len(self.photon_maps)))
        for i, grid in enumerate(self.photon_maps):
            if i == 0:  # dE dcos = (1 - cos^2) eta_lim(E) dE dv
                eta_lim = self._eta_lim(energy)
                x, convert = np.stack([energy, np.arctanh(cos_t) / eta_lim], 1), 1 / ((1 - cos_t**2) * eta_lim)
                inside = energy * np.sqrt(1 - cos_t**2) >= self.pt_floor
            else:
                pt = energy * np.sqrt(1 - cos_t**2)
                eta_max = self._eta_max(pt)
                x, convert = np.stack([pt, np.arctanh(cos_t) / eta_max], 1), energy / (pt * eta_max)
                inside = pt >= self.e_lo
            y, jac = np.empty_like(x), np.empty(len(x))
            grid.invmap(np.ascontiguousarray(x), y, jac)
            q[:, i] = np.where(inside, convert / jac, 0.0)
        return q

    def sample(self, n: int, rng: np.random.Generator) -> PhaseSpacePoints:
        """n points: a channel by its weight, the photon through its grid, phi uniform, the pair
        decay angles through the decay grid."""
        channel = rng.choice(len(self.alpha), size=n, p=self.alpha)
        y_photon, y_decay = rng.random((n, 2)), rng.random((n, 2))
        phi = 2 * math.pi * rng.random(n)
        energy, cos_t = np.empty(n), np.empty(n)
        for i, grid in enumerate(self.photon_maps):
            sel = channel == i
            x, jac = np.empty((sel.sum(), 2)), np.empty(sel.sum())
            grid.map(np.ascontiguousarray(y_photon[sel]), x, jac)
            if i == 0:
                energy[sel], cos_t[sel] = x[:, 0], np.tanh(x[:, 1] * self._eta_lim(x[:, 0]))
            else:
                eta = x[:, 1] * self._eta_max(x[:, 0])
                energy[sel], cos_t[sel] = x[:, 0] * np.cosh(eta), np.tanh(eta)
        energy = np.minimum(energy, self.e_hi * (1 - 1e-12))  # rounding at the endpoint
        q = self._densities(energy, cos_t)
        decay, jac_decay = np.empty((n, 2)), np.empty(n)
        self.decay_map.map(y_decay, decay, jac_decay)
        weight = _PHASE_SPACE_CONSTANT * energy * jac_decay / (q @ self.alpha)
        p1, p2, k1, k2, k = _momenta(self.sqrt_s, energy, cos_t, phi, decay[:, 0], decay[:, 1])
        return PhaseSpacePoints(p1, p2, k1, k2, k, weight, channel, y_photon, y_decay, q)

    def adapt(self, points: PhaseSpacePoints, f: np.ndarray, alpha: float = 1.0) -> None:
        """One training step with f = (|M|^2 x selection) x weight at ``points``: each photon grid
        learns from its own points (the share alpha_i f/q of the integrand it carries), the
        decay grid from all points, and the channel weights move by Kleiss-Pittau."""
        q_mix = points.q_channels @ self.alpha
        safe = np.where(q_mix > 0, q_mix, 1.0)
        for i, grid in enumerate(self.photon_maps):
            sel = points.channel == i
            if sel.any():
                grid.add_training_data(np.ascontiguousarray(points.y_photon[sel]), f[sel] ** 2)
                grid.adapt(alpha=alpha)
        self.decay_map.add_training_data(points.y_decay, f**2)
        self.decay_map.adapt(alpha=alpha)
        if len(self.alpha) > 1:
            w_i = np.mean(f[:, None] ** 2 * points.q_channels / safe[:, None], axis=0)
            new = self.alpha * np.sqrt(w_i)
            if new.sum() > 0:
                new = np.maximum(new / new.sum(), MIN_CHANNEL_WEIGHT)
                self.alpha = new / new.sum()


def _momenta(sqrt_s: float, energy, cos_t, phi, cos_star, phi_star):
    """Beams, nu, nubar and photon four-momenta: the pair recoils against the photon and decays
    with angles (cos_star, phi_star) in its rest frame (axes parallel to the lab's)."""
    n = len(energy)
    sin_t = np.sqrt(1 - cos_t**2)
    k = np.stack([energy, energy * sin_t * np.cos(phi), energy * sin_t * np.sin(phi), energy * cos_t], 1)
    p1 = np.tile([sqrt_s / 2, 0.0, 0.0, sqrt_s / 2], (n, 1))
    p2 = np.tile([sqrt_s / 2, 0.0, 0.0, -sqrt_s / 2], (n, 1))
    pair = p1 + p2 - k
    half = np.sqrt(np.clip(pair[:, 0] ** 2 - (pair[:, 1:] ** 2).sum(1), 0.0, None)) / 2
    s2 = np.sqrt(1 - cos_star**2)
    rest = np.stack([half, half * s2 * np.cos(phi_star), half * s2 * np.sin(phi_star), half * cos_star], 1)
    beta = pair[:, 1:] / pair[:, :1]
    b2 = np.clip((beta**2).sum(1), 1e-300, None)
    gam = 1 / np.sqrt(1 - (beta**2).sum(1))
    bp = (beta * rest[:, 1:]).sum(1)
    k1 = np.concatenate([(gam * (rest[:, 0] + bp))[:, None],
                         rest[:, 1:] + ((gam - 1) * bp / b2 + gam * rest[:, 0])[:, None] * beta], 1)
    return p1, p2, k1, pair - k1, k
