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
W_i = <w^2 q_i / q>; the estimates come only from a fresh sample with the frozen map. Sampling is
one compiled loop over the events (:func:`_sample_points`) on the grids' nodes; the uniforms come
from the caller's numpy Generator.

Beam effects (ISR, energy spread; mcgen.mc.beams): each event first gets its beams' fractions x1,
x2 (the two ISR uniforms through a fourth VEGAS grid, the spread normals), hence s_hat = x1 x2 s
and a hard frame moving along z. The photon is still drawn in the lab's variables, inside the
lab's cuts: d^3k/E is invariant, and so is the pair's two-body phase space, so the weight is the
same expression; |M|^2 and the flux 1/(2 s_hat) are those of the hard frame, where the photon is
boosted. A third channel follows the radiative return at the event's own s_hat (the
pair mass from a Breit-Wigner, the lab eta flat), which the lab-energy grid cannot: its Z peak
moves with s_hat. ISR photons are collinear with the beams (the structure functions' leading-log
approximation) and never the observed one, which is the matrix element's photon at a finite angle
(no double counting at the accuracy of the leading logarithm; docs/physics/background.md); beta is taken at
the nominal s, as in the signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numba as nb
import numpy as np

from mcgen import fpmath
from mcgen.errors import InputError
from mcgen.mc.beams import NO_BEAMS, SPREAD_CUT, BeamParams, beam_fractions, beam_params
from mcgen.physics.frames import largest_doppler

if TYPE_CHECKING:
    import vegas

__all__ = ["PhaseSpaceMap", "PhaseSpacePoints", "photon_energy_range", "photon_cos_range"]

_TINY_ETA = 1e-150  # eta limits are floored here: a point exactly on a corner gets a zero weight, not NaN
MIN_CHANNEL_WEIGHT = 0.05  # keep every channel alive so the mixture density never loses support
# dPhi_3 = E dE dcos dphi / (2 (2 pi)^3) * (1/(8 pi)) dOmega*/(4 pi) for massless nu nubar
_PHASE_SPACE_CONSTANT = 1 / (2 * (2 * math.pi) ** 3) * (2 * math.pi) / (8 * math.pi) / (4 * math.pi)


def photon_energy_range(card, resolutions: float = 5.0) -> tuple[float, float]:
    """The photon energies to sample (in the centre-of-mass frame): from the card's lower cuts (E,
    x, pT) less ``resolutions`` energy resolutions, so that photons smeared up into the selection
    are there for the reconstructed cross section, to the upper cuts (or sqrt(s)/2). Cuts in the lab
    of a boosted centre of mass bound the centre-of-mass energy from below by their value over
    gamma (1 + beta), and not from above."""
    sel, det, rs = card.selection, card.detector, card.sqrt_s
    lab_cuts = card.beam.boosted and sel.frame == "lab"
    cut = max(sel.e_min or 0.0, (sel.x_min or 0.0) * rs / 2, sel.pt_min or 0.0)
    if cut > 0:
        cut *= max(0.0, 1 - resolutions * math.sqrt(det.energy_stochastic**2 / cut + det.energy_constant**2))
    if lab_cuts:
        e1, e2 = card.beam.energies
        cut /= largest_doppler(e1, e2, card.beam.crossing_angle_rad)
    lo = max(cut, 1e-4 * rs)
    hi = rs / 2
    if sel.e_max is not None and not lab_cuts:
        hi = min(hi, sel.e_max)
    if sel.x_max is not None and not lab_cuts:
        hi = min(hi, sel.x_max * rs / 2)
    return lo, hi


def photon_cos_range(card) -> float:
    """The largest |cos theta| of the photon that the card's cuts and coverage can accept. A polar
    window theta_min < theta < theta_max is cos(theta_max) < cos < cos(theta_min): its largest
    |cos| is the larger of the two ends (an open end reaches |cos| = 1), not the smaller. With a
    boosted centre of mass the lab's coverage (and lab cuts) bound no centre-of-mass angle."""
    sel = card.selection
    if card.beam.boosted and sel.frame == "lab":
        return 0.9999
    coverage = 1.0 if card.beam.boosted else card.detector.abs_cos_reach
    c = min(sel.abs_cos_max or 1.0, coverage, 0.9999)
    forward = 1.0 if sel.theta_min_deg is None else fpmath.cos(math.radians(sel.theta_min_deg))
    backward = 1.0 if sel.theta_max_deg is None else -fpmath.cos(math.radians(sel.theta_max_deg))
    return min(c, max(forward, backward))


def _energy_nodes(card, e_lo: float, e_hi: float, ninc: int) -> np.ndarray:
    """Photon-energy nodes at the quantiles of 1/E plus, when in range, half of the probability in
    a Breit-Wigner in the recoil mass s' = s - 2 sqrt(s) E (the Z return)."""
    ew, rs = card.electroweak, card.sqrt_s
    s, mz, gz = rs * rs, ew.m_Z, ew.Gamma_Z
    dense = fpmath.geomspace(e_lo, e_hi, 20_001)
    cdf = fpmath.log(dense / e_lo) / fpmath.log(e_hi / e_lo)
    sp_lo, sp_hi = s - 2 * rs * e_hi, s - 2 * rs * e_lo
    if sp_lo < mz * mz < sp_hi:
        u_lo, u_hi = fpmath.atan((sp_lo - mz * mz) / (mz * gz)), fpmath.atan((sp_hi - mz * mz) / (mz * gz))
        peak = (s - mz * mz - mz * gz * fpmath.tan(np.linspace(u_lo, u_hi, 20_001)[1:-1])) / (2 * rs)
        dense = np.unique(np.concatenate([dense, peak]))
        u = fpmath.atan((s - 2 * rs * dense - mz * mz) / (mz * gz))
        cdf = 0.5 * fpmath.log(dense / e_lo) / fpmath.log(e_hi / e_lo) + 0.5 * (u_hi - u) / (u_hi - u_lo)
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
    photon: np.ndarray  # the photon in the lab (= k without beam effects)
    photon_weight: np.ndarray  # 1 / the photon's sampling density in the lab's (E, cos theta), times the beams' weight
    s_hat: np.ndarray | float  # the hard process's s (GeV^2): per event with beam effects
    boost: np.ndarray | None = None  # beta_z of the hard frame in the lab, per event (beam effects)
    x1: np.ndarray | None = None  # the e- and e+ energy fractions (beam effects)
    x2: np.ndarray | None = None
    y_beam: np.ndarray | None = None  # the unit-square point of the ISR map

    def lab(self, p: np.ndarray) -> np.ndarray:
        """Momenta (n, 4) of the hard frame (k1, k2) in the lab: boosted along z by ``boost``."""
        if self.boost is None:
            return p
        b = self.boost
        g = 1.0 / np.sqrt(1.0 - b * b)
        return np.stack([g * (p[:, 0] + b * p[:, 3]), p[:, 1], p[:, 2], g * (p[:, 3] + b * p[:, 0])], 1)


@dataclass
class PhaseSpaceMap:
    """The adaptive map of the module docstring for one card (see :meth:`for_card`)."""

    sqrt_s: float
    e_lo: float
    e_hi: float
    c_max: float
    pt_floor: float  # photons with a smaller pT are not sampled (cards with a pT cut)
    pt_cut: float  # the card's pT cut
    photon_maps: list[vegas.AdaptiveMap]
    decay_map: vegas.AdaptiveMap
    alpha: np.ndarray = field(default_factory=lambda: np.ones(1))
    beam: BeamParams = NO_BEAMS
    beam_map: vegas.AdaptiveMap | None = None  # (u1, u2) of the two ISR fractions (mcgen.mc.beams)
    m_z: float = 91.1876  # the Z-return channel of beam effects
    gamma_z: float = 2.4952

    @classmethod
    def for_card(cls, card, ninc: int = 400) -> PhaseSpaceMap:
        import vegas

        e_lo, e_hi = photon_energy_range(card)
        beam = beam_params(card.beam.isr, card.beam.spreads, card.sqrt_s)
        if beam.spread > 0 and e_hi >= card.sqrt_s / 2:  # a beam above its nominal energy
            e_hi = card.sqrt_s / 2 * (1 + SPREAD_CUT * beam.spread)
        c_max = photon_cos_range(card)
        if not (e_hi > e_lo and c_max > 0):
            raise InputError(f"card {card.name}: the photon selection leaves no phase space for nu nubar gamma")
        maps = [vegas.AdaptiveMap([_energy_nodes(card, e_lo, e_hi, ninc), np.linspace(-1.0, 1.0, ninc + 1)])]
        pt_cut = 0.0 if card.beam.boosted and card.selection.frame == "lab" else (card.selection.pt_min or 0.0)  # lab pT: no bound
        if pt_cut > 0:
            maps.append(vegas.AdaptiveMap([fpmath.geomspace(e_lo, e_hi, ninc + 1), np.linspace(-1.0, 1.0, ninc + 1)]))
        decay = vegas.AdaptiveMap([np.linspace(-1.0, 1.0, ninc + 1), np.linspace(0.0, 2 * math.pi, ninc + 1)])
        pt_floor = e_lo if len(maps) > 1 else 0.0
        beam_map = vegas.AdaptiveMap([np.linspace(0.0, 1.0, ninc + 1)] * 2) if beam.isr else None
        channels = len(maps) + beam.on  # with beam effects, the Z return at each event's s_hat
        return cls(card.sqrt_s, e_lo, e_hi, c_max, pt_floor, pt_cut, maps, decay,
                   np.full(channels, 1.0 / channels), beam, beam_map, card.electroweak.m_Z, card.electroweak.Gamma_Z)

    def grids(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The photon channels' VEGAS grids and increments, (channels, 2, ninc + 1) and (channels, 2,
        ninc), and the decay grid's (2, ninc + 1), (2, ninc): the kernel's view of the maps."""
        grid = np.stack([np.asarray(m.grid) for m in self.photon_maps])
        inc = np.stack([np.asarray(m.inc) for m in self.photon_maps])
        return grid, inc, np.asarray(self.decay_map.grid), np.asarray(self.decay_map.inc)

    def sample(self, n: int, rng: np.random.Generator) -> PhaseSpacePoints:
        """n points: a channel by its weight, the photon through its grid, phi uniform, the pair
        decay angles through the decay grid; with beam effects the two ISR uniforms through their
        grid and the two spread normals (the compiled :func:`_sample_points`)."""
        cdf = np.cumsum(self.alpha)
        cdf /= cdf[-1]
        u_channel = rng.random(n)  # as rng.choice(channels, p=alpha) draws them
        y_photon, y_decay = rng.random((n, 2)), rng.random((n, 2))
        u_phi = rng.random(n)
        on = self.beam.on
        y_beam = rng.random((n, 2)) if self.beam.isr else np.zeros((0, 2))  # read only where they are drawn
        g_spread = rng.standard_normal((n, 2)) if self.beam.spread > 0 else np.zeros((0, 2))
        if self.beam_map is not None:
            beam_grid, beam_inc = np.asarray(self.beam_map.grid), np.asarray(self.beam_map.inc)
        else:
            beam_grid, beam_inc = np.tile(np.linspace(0.0, 1.0, 2), (2, 1)), np.ones((2, 1))
        grid, inc, decay_grid, decay_inc = self.grids()
        shape = _Shape(self.sqrt_s, self.e_lo, self.e_hi, self.c_max, self.pt_floor, fpmath.atanh(self.c_max), self.m_z**2,
                       self.m_z * self.gamma_z, max(self.pt_floor, self.pt_cut))
        p1, p2, k1, k2, k = (np.empty((n, 4)) for _ in range(5))
        weight, photon_weight, q = np.empty(n), np.empty(n), np.empty((n, len(self.alpha)))
        channel = np.empty(n, dtype=np.int64)
        photon, beams = (np.empty((n, 4)), np.empty((n, 4))) if on else (k, np.empty((0, 4)))
        _sample_points(shape, self.beam,
                       _Grids(cdf=cdf, alpha=self.alpha, photon=grid, photon_inc=inc, decay=decay_grid, decay_inc=decay_inc,
                              beam=beam_grid, beam_inc=beam_inc),
                       _Uniforms(u_channel=u_channel, y_photon=y_photon, y_decay=y_decay, u_phi=u_phi, y_beam=y_beam,
                                 g_spread=g_spread),
                       _Points(p1=p1, p2=p2, k1=k1, k2=k2, k=k, photon=photon, beams=beams, weight=weight,
                               photon_weight=photon_weight, channel=channel, q=q))
        if not on:
            return PhaseSpacePoints(p1, p2, k1, k2, k, weight, channel, y_photon, y_decay, q, photon, photon_weight,
                                    self.sqrt_s**2)
        return PhaseSpacePoints(p1, p2, k1, k2, k, weight, channel, y_photon, y_decay, q, photon, photon_weight, beams[:, 0],
                                beams[:, 1], beams[:, 2], beams[:, 3], y_beam if self.beam.isr else None)

    def adapt(self, points: PhaseSpacePoints, f: np.ndarray, alpha: float = 1.0) -> None:
        """One training step with f = (|M|^2 x selection) x weight at ``points``: each photon grid
        learns from its own points (the share alpha_i f/q of the integrand it carries), the
        decay grid from all points, and the channel weights move by Kleiss-Pittau."""
        q_mix = fpmath.dot(points.q_channels, self.alpha)
        safe = np.where(q_mix > 0, q_mix, 1.0)
        for i, grid in enumerate(self.photon_maps):
            sel = points.channel == i
            if sel.any():
                grid.add_training_data(np.ascontiguousarray(points.y_photon[sel]), f[sel] ** 2)
                grid.adapt(alpha=alpha)
        self.decay_map.add_training_data(points.y_decay, f**2)
        self.decay_map.adapt(alpha=alpha)
        if self.beam_map is not None and points.y_beam is not None:
            self.beam_map.add_training_data(points.y_beam, f**2)
            self.beam_map.adapt(alpha=alpha)
        if len(self.alpha) > 1:
            w_i = np.mean(f[:, None] ** 2 * points.q_channels / safe[:, None], axis=0)
            new = self.alpha * np.sqrt(w_i)
            if new.sum() > 0:
                new = np.maximum(new / new.sum(), MIN_CHANNEL_WEIGHT)
                self.alpha = new / new.sum()


class _Shape(NamedTuple):
    """The sampled region of a :class:`PhaseSpaceMap`, for the kernel."""

    sqrt_s: float
    e_lo: float
    e_hi: float
    c_max: float
    pt_floor: float
    eta_c: float  # atanh(c_max)
    m_z2: float  # the Z-return channel (beam effects)
    mz_gz: float
    pt_return: float  # its pT floor: the card's cut (the other channels cover the resolution's margin below)


class _Grids(NamedTuple):
    """The maps of :func:`_sample_points`: the channels' cumulative and own weights, the photon
    grids (one per channel), the decay grid and the beams' ISR grid, each with its increments."""

    cdf: np.ndarray
    alpha: np.ndarray
    photon: np.ndarray
    photon_inc: np.ndarray
    decay: np.ndarray
    decay_inc: np.ndarray
    beam: np.ndarray
    beam_inc: np.ndarray


class _Uniforms(NamedTuple):
    """The random numbers of :func:`_sample_points`, per point (the beams' only where drawn)."""

    u_channel: np.ndarray
    y_photon: np.ndarray
    y_decay: np.ndarray
    u_phi: np.ndarray
    y_beam: np.ndarray
    g_spread: np.ndarray


class _Points(NamedTuple):
    """What :func:`_sample_points` writes per point: the four-momenta (p1, p2, k1, k2, k; ``photon``
    the lab's), the beams' (s_hat, beta_z, x1, x2), the weights, the channel and every channel's density."""

    p1: np.ndarray
    p2: np.ndarray
    k1: np.ndarray
    k2: np.ndarray
    k: np.ndarray
    photon: np.ndarray
    beams: np.ndarray
    weight: np.ndarray
    photon_weight: np.ndarray
    channel: np.ndarray
    q: np.ndarray


@nb.njit(inline="always")
def _map(grid, inc, y):
    """A VEGAS map in one dimension (vegas.AdaptiveMap.map): x(y) piecewise linear between the
    grid nodes, and its Jacobian dx/dy."""
    ninc = inc.size
    t = y * ninc
    i = min(int(t), ninc - 1)
    return grid[i] + inc[i] * (t - i), inc[i] * ninc


@nb.njit(inline="always")
def _invmap(grid, inc, x):
    """The inverse of :func:`_map` (vegas.AdaptiveMap.invmap), and the Jacobian dx/dy there;
    x beyond the grid takes its end increment."""
    ninc = inc.size
    i = min(max(np.searchsorted(grid, x, side="right") - 1, 0), ninc - 1)
    return (i + (x - grid[i]) / inc[i]) / ninc, inc[i] * ninc


@nb.njit(inline="always")
def _eta_lim(r, energy):
    """The largest |eta| at this E: pT >= pt_floor and |cos theta| <= c_max."""
    if r.pt_floor <= 0.0:
        return r.eta_c
    return min(max(fpmath.acosh(max(energy / r.pt_floor, 1.0)), _TINY_ETA), r.eta_c)


@nb.njit(inline="always")
def _eta_max(r, pt):
    """The largest |eta| at this pT: E <= e_hi and |cos theta| <= c_max (kept above 0 for the
    corner pT = e_hi, where the map's Jacobian vanishes)."""
    return min(max(fpmath.acosh(max(r.e_hi / pt, 1.0)), _TINY_ETA), r.eta_c)


@nb.njit(inline="always")
def _density(r, grid, inc, channel, energy, eta, sin2, pt):
    """The channel's density at (E, cos theta = tanh eta) per unit E and cos theta (0 off its
    domain), through the inverse of its grid: dE dcos = (1 - cos^2) eta_lim(E) dE dv (energy
    channel) or (pT/E) eta_max(pT) dpT dv (transverse channel)."""
    if channel == 0:
        lim = _eta_lim(r, energy)
        if not (r.e_lo <= energy <= r.e_hi and abs(eta) <= lim and pt >= r.pt_floor):
            return 0.0
        _, j0 = _invmap(grid[0, 0], inc[0, 0], energy)
        _, j1 = _invmap(grid[0, 1], inc[0, 1], eta / lim)
        return 1.0 / (sin2 * lim * j0 * j1)
    lim = _eta_max(r, pt)
    if not (r.e_lo <= pt <= r.e_hi and abs(eta) <= lim):
        return 0.0
    _, j0 = _invmap(grid[channel, 0], inc[channel, 0], pt)
    _, j1 = _invmap(grid[channel, 1], inc[channel, 1], eta / lim)
    return energy / (pt * lim * j0 * j1)


@nb.njit(inline="always")
def _put(out, i, e, x, y, z):
    out[i, 0], out[i, 1], out[i, 2], out[i, 3] = e, x, y, z


@nb.njit(inline="always")
def _return_range(r, s_hat, rs_hat, e_star_lo):
    """The Z-return channel's Breit-Wigner in s34 = s_hat - 2 sqrt(s_hat) E*, for E* in
    [e_star_lo, sqrt(s_hat)/2]: the arctangent range (t_lo, t_hi) of s34 in [0, s34_hi], empty
    (t_hi = t_lo) when s34_hi <= 0."""
    s34_hi = s_hat - 2.0 * rs_hat * e_star_lo
    t_lo = fpmath.atan(-r.m_z2 / r.mz_gz)
    return t_lo, fpmath.atan((s34_hi - r.m_z2) / r.mz_gz) if s34_hi > 0.0 else t_lo


@nb.njit(inline="always")
def _return_density(r, s_hat, rs_hat, e_star, e_star_lo):
    """The Z-return channel's density in the hard-frame photon energy E* (:func:`_return_range`)."""
    t_lo, t_hi = _return_range(r, s_hat, rs_hat, e_star_lo)
    if t_hi <= t_lo or not (e_star_lo <= e_star <= 0.5 * rs_hat):
        return 0.0
    d = 2.0 * rs_hat * e_star - s_hat + r.m_z2  # -(s34 - M_Z^2)
    return 2.0 * rs_hat * r.mz_gz / ((d * d + r.mz_gz * r.mz_gz) * (t_hi - t_lo))


@nb.njit(inline="always")
def _return_eta_range(r, e_star, rapidity):
    """The Z-return channel's lab eta range at hard-frame energy E*: |eta| < eta_c and pT =
    E*/cosh(eta - y) above the card's pT cut (an empty range: lo >= hi)."""
    if r.pt_return <= 0.0:
        return -r.eta_c, r.eta_c
    if e_star <= r.pt_return:
        return 0.0, 0.0
    a = fpmath.acosh(e_star / r.pt_return)
    return max(-r.eta_c, rapidity - a), min(r.eta_c, rapidity + a)


@nb.njit(cache=True, parallel=True)
def _sample_points(r, b, grids, uniforms, out):
    """The points of :meth:`PhaseSpaceMap.sample` from their uniforms, into the output arrays: the
    channel, the photon (E, cos theta) through the channel's grid, every channel's density there,
    the weight dPhi_3 / density, and the momenta (the pair recoils against the photon and decays
    with the decay grid's (cos*, phi*) in its rest frame, axes parallel to the lab's).

    With beam effects (``b.on``) the beams' fractions come first (the ISR grid, the spread
    normals) and the photon so drawn is the lab's (``photon``): the measure d^3k / E is invariant,
    so the weight stays that of the lab variables (times the ISR weight W1 W2 and the ISR grid's
    Jacobian), while the pair, the beams and k (the inputs of |M|^2) are those of the hard frame,
    moving with beta_z = (x1 - x2)/(x1 + x2); a photon beyond the hard frame's endpoint
    E* = sqrt(s_hat)/2 gets weight 0 and is scaled to E*/2 (the lab photon with it: the event's
    momenta add up to the beams' even so). One more channel then follows the
    radiative return at the event's own s_hat: s34 from a Breit-Wigner, the lab eta flat within
    the cos theta range and the pT cut (a draw outside them has weight 0). ``beams`` gets (s_hat,
    beta_z, x1, x2) per event.

    ``photon_weight`` is the weight without the phase-space factor and the decay grid: 1 / (the
    photon's density in the lab's (E, cos theta)), times the beams' weight (for the rates that
    integrate the nu nubar directions in closed form).

    ``r``: the sampled region (:class:`_Shape`), ``b`` the beams; ``grids``, ``uniforms`` and ``out``:
    :class:`_Grids`, :class:`_Uniforms` and :class:`_Points`."""
    n = uniforms.u_channel.size
    for j in nb.prange((n + _POINT_BLOCK - 1) // _POINT_BLOCK):
        _sample_block(j * _POINT_BLOCK, min(n, (j + 1) * _POINT_BLOCK), r, b, grids, uniforms, out)


_POINT_BLOCK = 512
"""Points per call of :func:`_sample_block` from the parallel loop (a call per point costs 10%)."""


@nb.njit(cache=True)  # called, not inlined: the parallel loop takes no arrays read from a record's fields
def _sample_block(lo, hi, r, b, grids, uniforms, out):
    """Points lo .. hi - 1 of :func:`_sample_points`."""
    for i in range(lo, hi):
        _sample_point(i, r, b, grids, uniforms, out)


@nb.njit(inline="always")
def _sample_point(i, r, b, grids, uniforms, out):
    """Point i of :func:`_sample_points`."""
    cdf, alpha, grid, inc = grids.cdf, grids.alpha, grids.photon, grids.photon_inc
    decay_grid, decay_inc, beam_grid, beam_inc = grids.decay, grids.decay_inc, grids.beam, grids.beam_inc
    u_channel, y_photon, y_decay, u_phi = uniforms.u_channel, uniforms.y_photon, uniforms.y_decay, uniforms.u_phi
    y_beam, g_spread = uniforms.y_beam, uniforms.g_spread
    p1, p2, k1, k2, k, photon, beams = out.p1, out.p2, out.k1, out.k2, out.k, out.photon, out.beams
    weight, photon_weight, channel, q = out.weight, out.photon_weight, out.channel, out.q
    n_maps = grid.shape[0]
    n_channels = alpha.size
    rs, w_beam, beta, gam, rapidity, xa, xb = r.sqrt_s, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0
    if b.on:
        ua, ja = _map(beam_grid[0], beam_inc[0], y_beam[i, 0]) if b.isr else (0.5, 1.0)
        ub, jb = _map(beam_grid[1], beam_inc[1], y_beam[i, 1]) if b.isr else (0.5, 1.0)
        ga, gb = (g_spread[i, 0], g_spread[i, 1]) if b.spread > 0.0 else (0.0, 0.0)
        xa, xb, w_isr = beam_fractions(b, ua, ub, ga, gb)
        w_beam = w_isr * ja * jb
        rs = r.sqrt_s * math.sqrt(xa * xb)
        beta = (xa - xb) / (xa + xb)
        gam = 0.5 * (xa + xb) / rs * r.sqrt_s
        rapidity = 0.5 * fpmath.log(xa / xb)
    s_hat = rs * rs
    e_star_lo = r.e_lo * math.sqrt(min(xa, xb) / max(xa, xb))  # the least E* of a lab photon above e_lo
    c = min(np.searchsorted(cdf, u_channel[i], side="right"), n_channels - 1)
    if c == n_maps:  # the radiative return at this s_hat (hard frame), then the lab photon
        t_lo, t_hi = _return_range(r, s_hat, rs, e_star_lo)
        s34 = r.m_z2 + r.mz_gz * fpmath.tan(t_lo + (t_hi - t_lo) * y_photon[i, 0])
        e_star = 0.5 * (s_hat - s34) / rs
        eta_lo, eta_hi = _return_eta_range(r, e_star, rapidity)
        failed = t_hi <= t_lo or eta_hi <= eta_lo  # outside the channel's domain: a draw of weight 0
        eta = eta_lo + (eta_hi - eta_lo) * y_photon[i, 1] if eta_hi > eta_lo else 0.0
        energy = e_star / fpmath.cosh(eta - rapidity) * fpmath.cosh(eta)  # pT = E*/cosh(eta*) is the lab's
        cos_t = fpmath.tanh(eta)
        sin2 = 1.0 - cos_t * cos_t
        q_drawn = 0.0
    else:
        failed = False
        x0, j0 = _map(grid[c, 0], inc[c, 0], y_photon[i, 0])
        x1, j1 = _map(grid[c, 1], inc[c, 1], y_photon[i, 1])
        if c == 0:  # (E, v): the drawing channel's density from the forward map's Jacobian
            lim = _eta_lim(r, x0)
            energy, eta = x0, x1 * lim
            cos_t = fpmath.tanh(eta)
            sin2 = 1.0 - cos_t * cos_t
            q_drawn = 1.0 / (sin2 * lim * j0 * j1)
        else:  # (pT, v)
            lim = _eta_max(r, x0)
            eta = x1 * lim
            energy, cos_t = x0 * fpmath.cosh(eta), fpmath.tanh(eta)
            sin2 = 1.0 - cos_t * cos_t
            q_drawn = energy / (x0 * lim * j0 * j1)
        energy = min(energy, r.e_hi * (1 - 1e-12))  # rounding at the endpoint
    sin_t = math.sqrt(sin2)
    pt = energy * sin_t
    phi = 2.0 * math.pi * u_phi[i]
    kx, ky, kz = energy * sin_t * fpmath.cos(phi), energy * sin_t * fpmath.sin(phi), energy * cos_t
    e_hard, kz_hard = energy, kz
    if b.on:
        e_hard, kz_hard = gam * (energy - beta * kz), gam * (kz - beta * energy)
    mix = 0.0
    for m in range(n_channels):
        if m == c and c < n_maps:
            q[i, m] = q_drawn
        elif m < n_maps:
            q[i, m] = _density(r, grid, inc, m, energy, eta, sin2, pt)
        else:  # dE* deta = (E*/E) dE dcos / (1 - cos^2) at a fixed boost
            q_e = _return_density(r, s_hat, rs, e_hard, e_star_lo)
            eta_lo, eta_hi = _return_eta_range(r, e_hard, rapidity)
            q[i, m] = q_e / (eta_hi - eta_lo) * (e_hard / energy) / sin2 if eta_lo <= eta <= eta_hi and eta_hi > eta_lo else 0.0
        mix += alpha[m] * q[i, m]
    cos_star, jd0 = _map(decay_grid[0], decay_inc[0], y_decay[i, 0])
    phi_star, jd1 = _map(decay_grid[1], decay_inc[1], y_decay[i, 1])
    w_photon = w_beam / mix if mix > 0.0 and not failed else 0.0
    w = _PHASE_SPACE_CONSTANT * energy * (jd0 * jd1) * w_photon
    channel[i] = c
    if b.on:  # the lab photon, and the hard frame's
        _put(photon, i, energy, kx, ky, kz)
        energy, kz = e_hard, kz_hard
        if energy >= 0.5 * rs * (1 - 1e-12):  # beyond the endpoint: no weight
            scale = 0.25 * rs / energy
            energy, kx, ky, kz = energy * scale, kx * scale, ky * scale, kz * scale
            w, w_photon = 0.0, 0.0
            # and the lab photon that one boosted back, so that the event's momenta still add up to the beams'
            _put(photon, i, gam * (energy + beta * kz), kx, ky, gam * (kz + beta * energy))
        beams[i, 0], beams[i, 1], beams[i, 2], beams[i, 3] = s_hat, beta, xa, xb
    weight[i] = w
    photon_weight[i] = w_photon
    half_s = 0.5 * rs
    _put(k, i, energy, kx, ky, kz)
    _put(p1, i, half_s, 0.0, 0.0, half_s)
    _put(p2, i, half_s, 0.0, 0.0, -half_s)
    pe, px, py, pz = rs - energy, -kx, -ky, -kz  # the pair
    half = 0.5 * math.sqrt(max(pe * pe - (px * px + py * py + pz * pz), 0.0))
    s2 = math.sqrt(1.0 - cos_star * cos_star)
    re, rx, ry, rz = half, half * s2 * fpmath.cos(phi_star), half * s2 * fpmath.sin(phi_star), half * cos_star
    bx, by, bz = px / pe, py / pe, pz / pe
    b2 = max(bx * bx + by * by + bz * bz, 1e-300)
    gp = 1.0 / math.sqrt(1.0 - (bx * bx + by * by + bz * bz))
    bp = bx * rx + by * ry + bz * rz
    f = (gp - 1.0) * bp / b2 + gp * re
    e1, x1n, y1n, z1n = gp * (re + bp), rx + f * bx, ry + f * by, rz + f * bz
    _put(k1, i, e1, x1n, y1n, z1n)
    _put(k2, i, pe - e1, px - x1n, py - y1n, pz - z1n)
