"""The reducible backgrounds of single-photon searches, generated where an event looks like a single
photon: every other particle lost (mcgen.detector.veto). e+e- -> gamma gamma
(:mod:`mcgen.physics.gammagamma`) and e+e- -> e+e- gamma (:mod:`mcgen.physics.eegamma`), with the card's
ISR, energy spread and beams, through the signal's toy detector and the card's selection
(:func:`mcgen.mc.background.photon_selection`), with the card's beam polarisations (each beam helicity state
weighted by (1 + h- P-)(1 + h+ P+) in abs(M)^2).

Beams: the fractions x1, x2 as for the SM background (the ISR structure function through
x = 1 - u^(2/beta), the spread's normals); each event is made in the hard process's rest frame, boosted
along z to the beams' centre of mass and on to the lab (asymmetric or crossing beams). The weights (pb)
average to the cross section.

gamma gamma: w = artanh(beta cos theta) uniform in [-W, W] (W = artanh(beta)): dsigma/dw = dsigma/dcos
(1 - beta^2 cos^2) / beta is flat up to a factor 2, so the collinear peaks cost no variance; the identical
photons' factor 1/2 is in the weight.

e+e- gamma: three kinds of channel, in the shares EEGAMMA_CHANNEL_SHARES. Pole channels, one per lepton going down
its beam pipe (the t-channel pole, where the rate is): the photon's energy omega with density 1/omega from the
selection's lowest energy (less five resolutions, at the largest Doppler factor of the hard frame) to its largest, its
polar angle half uniform in cos theta and half with density 1/(1 - cos^2) inside the acceptance (the collinear peaks),
its azimuth uniform; the lepton's angle theta to its own beam with density 1/(theta^2 + theta_0^2) in theta^2 over
[0, pi^2] (theta_0 = m_e/E_beam: the pole's width), its azimuth uniform; its energy from the other lepton's mass shell,
Q.p = Q^2/2 with Q = p1 + p2 - k (a quadratic with up to two roots, one taken at random);
dPhi_3 = omega P^2 domega dOmega_k dOmega / (8 (2 pi)^5 abs(P E' + E (P - Q.n))) (E, P the solved lepton's energy and
momentum, E' the other's, n its direction). Gap channels, one per lepton (what passes the escape cut when the detector
has gaps: a lepton in a gap or by the edge of the coverage): that lepton's direction uniform in the lab's solid angle
where the detector loses it (mcgen.detector.veto.lost_cos_bands), its energy half uniform and half with density 1/E
(a soft lepton: a small momentum transfer), the other's direction near its beam as above or (half of the time) also
where it is lost, its energy from the photon's mass shell;
dPhi_3 = p' P^2 dE' dOmega' dOmega / (8 (2 pi)^5 abs(Q0 P - E Q.n)) with Q = p1 + p2 - p'. The pair channel (the
photon recoiling against an e+e- pair of small mass, gamma gamma with a photon turned into a pair): the photon's
direction as above, the pair's squared mass with density 1/M^2 from threshold, the e- direction uniform in the pair's
rest frame; dPhi_3 = dPhi_2(photon, pair) dM^2 / (2 pi) dPhi_2(pair). Each channel but the gap ones covers the whole
phase space; the weight is abs(M)^2/flux over the channels' mean density.

gamma gamma gamma (part of the gamma gamma process): two kinds of channel, SOFT_CHANNEL_SHARE of the events from
the second. Lost-photon channels: the seen photon's energy and direction as the e+e- gamma photon's, a lost photon's
direction near one beam (chosen at random) with the lepton's density 1/(theta^2 + theta_0^2) in theta^2, its energy
from the third photon's mass shell, E = Q^2 / (2 (Q0 - Q.n)) with Q = p1 + p2 - k1, and its place (second or third
photon) at random; dPhi_3 = omega E domega dOmega_1 dOmega / (8 (2 pi)^5 E'(1 - cos)) (E' and the angle those of the
other lost photon). Soft channels (gamma gamma with a soft photon lost along a beam, what lies next to the escape
bound): a lost photon's energy E with density 1/E from the cutoff to sqrt(s_hat)/2 and its direction near a beam as
above, the other two back to back in the rest frame of Q = p1 + p2 - k, the seen one's direction there as the e+e- gamma
photon's; dPhi_3 = E dE dOmega dOmega* / (16 (2 pi)^5). The seen photon's energy is kept above the lost-photon
channels' lowest (the sampled region is theirs). The weight is abs(M)^2/flux over the channels' mean density, times
1/2: 1/3! for the identical photons, 3 for the choice of the seen one. Every photon above SOFT_FRACTION of the beam
energy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.detector.veto import in_calorimeter, lost, lost_cos_bands
from mcgen.mc.background import cut_flow, lab_transform, photon_cut_flags, photon_selection, toy_detector
from mcgen.mc.beams import SPREAD_CUT
from mcgen.mc.phasespace import photon_cos_range, photon_energy_range
from mcgen.physics import gammagamma
from mcgen.physics.constants import GEV2_TO_PB
from mcgen.physics.eegamma import M_E, eegamma_couplings, msq_eegamma
from mcgen.physics.frames import inverse, transform
from mcgen.physics.gammagammagamma import msq_gammagammagamma
from mcgen.physics.isr import isr_beta, isr_weight, x_from_uniform

__all__ = ["gammagamma_cross_section", "gammagamma_events", "gammagammagamma_events", "eegamma_cross_section",
           "eegamma_events", "SOFT_FRACTION", "SOFT_CHANNEL_SHARE",
           "EEGAMMA_CHANNEL_SHARES"]

SOFT_FRACTION = 0.01
"""gamma gamma gamma: every photon carries at least this fraction of the beam energy (hard frame); softer ones are
the gamma gamma process's radiative corrections, not a tree-level process of their own (their rate diverges)."""

SOFT_CHANNEL_SHARE = 0.5
"""gamma gamma gamma: the share of events from the soft channels (gamma gamma with a soft photon near a beam), the rest
from the lost-photon channels."""

EEGAMMA_CHANNEL_SHARES = (0.5, 0.25, 0.25)
"""e+e- gamma: the shares of events from the pole channels (a lepton near its beam), the gap channels (a lepton where the
detector loses it) and the pair channel (the photon recoiling against the e+e- pair, whose mass has density 1/M^2)."""


def _beam_fractions(card, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x1, x2, weight): each beam's energy fraction with ISR and the spread, and the structure functions' weight."""
    x1, x2, w = np.ones(n), np.ones(n), np.ones(n)
    if card.beam.isr:
        beta = isr_beta(card.sqrt_s**2)
        u = rng.random((2, n))
        x1, x2 = x_from_uniform(u[0], beta), x_from_uniform(u[1], beta)
        w = isr_weight(x1, beta) * isr_weight(x2, beta)
    s1, s2 = card.beam.spreads
    if max(s1, s2) > 0:
        g = np.clip(rng.standard_normal((2, n)), -SPREAD_CUT, SPREAD_CUT)
        x1, x2 = x1 * (1.0 + s1 * g[0]), x2 * (1.0 + s2 * g[1])
    return x1, x2, w


def _hard_to_lab(card, x1: np.ndarray, x2: np.ndarray, momenta: list[np.ndarray]) -> list[np.ndarray]:
    """(n, 4) momenta of the hard frame boosted along z (beta = (x1 - x2)/(x1 + x2)) to the beams' centre of
    mass and on to the lab."""
    beta_z = (x1 - x2) / (x1 + x2)
    gamma_z = 1.0 / np.sqrt(1.0 - beta_z * beta_z)
    to_lab = lab_transform(card)
    out = []
    for k in momenta:
        k = np.stack([gamma_z * (k[:, 0] + beta_z * k[:, 3]), k[:, 1], k[:, 2], gamma_z * (k[:, 3] + beta_z * k[:, 0])], axis=1)
        out.append(k if to_lab is None else transform(to_lab, k))
    return out


def gammagamma_events(card, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n weighted e+e- -> gamma gamma events: ``weight_pb`` and the two photons in the lab, ``k1`` and
    ``k2`` ((n, 4) arrays of E, px, py, pz); the random numbers in this order: the beams, w, phi."""
    x1, x2, w_beams = _beam_fractions(card, n, rng)
    s_hat = x1 * x2 * card.sqrt_s**2
    mu = 4.0 * gammagamma.M_E**2 / s_hat
    open_ = mu < 1.0
    mu = np.where(open_, mu, 0.5)  # below threshold: weight 0 (ISR leaves x ~ 0 with a tiny probability)
    beta = np.sqrt(1.0 - mu)
    big_w = 0.5 * fpmath.log((1.0 + beta) * (1.0 + beta) / mu)  # artanh(beta), 1 - beta = mu / (1 + beta)
    w = (2.0 * rng.random(n) - 1.0) * big_w
    q = 1.0 / fpmath.cosh(w) ** 2  # 1 - beta^2 cos^2
    cos_t = fpmath.tanh(w) / beta
    phi = 2.0 * math.pi * rng.random(n)
    # dsigma/dcos dcos/dw times the range 2W, halved for the identical photons
    msq = gammagamma.msq_polarised(q, cos_t, mu, card.beam.polarisation)
    weight = msq / (32.0 * math.pi * s_hat * beta) * q / beta * big_w * w_beams * open_ * GEV2_TO_PB
    e = 0.5 * np.sqrt(s_hat)
    sin_t = np.sqrt(np.clip((1.0 - cos_t) * (1.0 + cos_t), 0.0, None))
    k1 = np.stack([e, e * sin_t * fpmath.cos(phi), e * sin_t * fpmath.sin(phi), e * cos_t], axis=1)
    k2 = k1 * np.array([1.0, -1.0, -1.0, -1.0])
    k1, k2 = _hard_to_lab(card, x1, x2, [k1, k2])
    return {"weight_pb": weight, "k1": k1, "k2": k2, "beam_x1": x1, "beam_x2": x2}


def gammagammagamma_events(card, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n weighted e+e- -> gamma gamma gamma events (the module docstring's sampling): ``weight_pb``, the photon that
    may be seen ``k1`` and the two that may be lost ``k2``, ``k3`` in the lab ((n, 4) arrays); the weights average to
    the cross section with k1 seen and k2, k3 lost. The random numbers in this order: the beams, the channel, then
    the lost-photon channel's (omega, the seen photon's direction, the beam, the lost photon's angle and azimuth, its
    place) and the soft channel's (the soft photon's energy, beam, angle and azimuth, the seen photon's direction in
    the pair's frame, the soft photon's place) for every event."""
    m = M_E
    x1, x2, w_beams = _beam_fractions(card, n, rng)
    rs = card.sqrt_s * np.sqrt(x1 * x2)
    eb = 0.5 * rs
    pb = np.sqrt(np.clip(eb * eb - m * m, 0.0, None))
    k_min = SOFT_FRACTION * eb
    e_lo, _ = photon_energy_range(card)
    lo = np.maximum(np.minimum(e_lo * np.sqrt(np.minimum(x1, x2) / np.maximum(x1, x2)), 0.5 * rs), k_min)
    hi = 0.5 * rs
    open_ = hi > lo * (1.0 + 1e-12)
    lo = np.where(open_, lo, 0.5 * hi)
    c_max = photon_cos_range(card)
    theta0_2 = (m / eb) ** 2
    soft = (rng.random(n) < SOFT_CHANNEL_SHARE)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):  # points outside: weight 0 below
        beam_points = _lost_photon_points(rs, lo, hi, c_max, theta0_2, n, rng)
        soft_points = _soft_photon_points(rs, k_min, c_max, theta0_2, n, rng)
    k1, k2, k3 = (np.where(soft, b, a) for a, b in zip(beam_points, soft_points))
    omega = k1[:, 0]
    ok = open_ & (omega >= lo) & (k2[:, 0] >= k_min) & (k3[:, 0] >= k_min)
    flux = 8.0 * eb * pb
    with np.errstate(divide="ignore", invalid="ignore"):
        photon = _photon_cos_density(k1[:, 3] / omega, c_max) / (2.0 * math.pi) / (omega * fpmath.log(hi / lo))
        beam_channels = photon * 0.5 * (_lost_photon_density(omega, k2, k3, theta0_2) + _lost_photon_density(omega, k3, k2, theta0_2))
        soft_channels = 0.5 * sum(_soft_photon_density(rs, k_min, c_max, theta0_2, k1, k) for k in (k2, k3))
        density = (1.0 - SOFT_CHANNEL_SHARE) * beam_channels + SOFT_CHANNEL_SHARE * soft_channels
    ok &= np.isfinite(density) & (density > 0.0)
    msq = np.zeros(n)
    hard = [np.column_stack([eb, np.zeros(n), np.zeros(n), pb]), np.column_stack([eb, np.zeros(n), np.zeros(n), -pb])]
    msq[ok] = msq_gammagammagamma(hard[0][ok], hard[1][ok], k1[ok], k2[ok], k3[ok], polarisation=card.beam.polarisation)
    weight = 0.5 * np.where(ok, msq / flux / np.where(ok, density, 1.0), 0.0) * w_beams * GEV2_TO_PB
    k1, k2, k3 = _hard_to_lab(card, x1, x2, [k1, k2, k3])
    return {"weight_pb": weight, "k1": k1, "k2": k2, "k3": k3, "beam_x1": x1, "beam_x2": x2}


def _lost_photon_points(rs, lo, hi, c_max, theta0_2, n, rng) -> list[np.ndarray]:
    """The lost-photon channels' points (k1, k2, k3) in the hard frame: omega with density 1/omega in [lo, hi], the
    seen photon's direction (:func:`_photon_cos`), a lost photon near a beam and the third from its mass shell."""
    omega = lo * fpmath.exp(rng.random(n) * fpmath.log(hi / lo))
    k1_dir = _direction(_photon_cos(rng, n, c_max), 2.0 * math.pi * rng.random(n))
    k1 = np.column_stack([omega, omega[:, None] * k1_dir])
    n_lost = _beam_direction(theta0_2, n, rng)
    q = np.column_stack([rs - omega, -k1[:, 1:]])
    q2 = rs * (rs - 2.0 * omega)  # (rs - omega)^2 - omega^2
    denominator = q[:, 0] - _dot3(q[:, 1:], n_lost)
    e_lost = np.where(denominator > 0.0, q2 / (2.0 * denominator), 0.0)
    sampled = e_lost[:, None] * np.column_stack([np.ones(n), n_lost])
    other = q - sampled
    swap = (rng.random(n) < 0.5)[:, None]
    return [k1, np.where(swap, other, sampled), np.where(swap, sampled, other)]


def _soft_photon_points(rs, k_min, c_max, theta0_2, n, rng) -> list[np.ndarray]:
    """The soft channels' points (k1, k2, k3) in the hard frame: a lost photon of energy E with density 1/E in
    [k_min, sqrt(s_hat)/2] near a beam, the other two back to back in the rest frame of what it leaves, Q = P - k,
    the seen one's direction there by :func:`_photon_cos` (gamma gamma with a soft, collinear photon lost)."""
    e_s = k_min * fpmath.exp(rng.random(n) * fpmath.log(0.5 * rs / k_min))
    k_s = e_s[:, None] * np.column_stack([np.ones(n), _beam_direction(theta0_2, n, rng)])
    q = np.column_stack([rs - e_s, -k_s[:, 1:]])
    mass = np.sqrt(rs * (rs - 2.0 * e_s))
    rest = 0.5 * mass[:, None] * np.column_stack([np.ones(n), _direction(_photon_cos(rng, n, c_max), 2.0 * math.pi * rng.random(n))])
    k1 = _boost(rest, q[:, 1:] / q[:, :1], q[:, 0] / mass)
    other = q - k1
    swap = (rng.random(n) < 0.5)[:, None]
    return [k1, np.where(swap, other, k_s), np.where(swap, k_s, other)]


def _soft_photon_density(rs, k_min, c_max, theta0_2, k1, soft) -> np.ndarray:
    """The density in dPhi_3 of the soft channels that take ``soft`` as the soft photon (:func:`_soft_photon_points`):
    dPhi_3 = E dE dOmega dOmega* / (16 (2 pi)^5), Omega* the seen photon's direction in Q's rest frame."""
    e_s = soft[:, 0]
    energy = ((e_s >= k_min) & (e_s <= 0.5 * rs)) / (e_s * fpmath.log(0.5 * rs / k_min))
    n_s = soft[:, 1:] / e_s[:, None]
    transverse = np.sqrt(n_s[:, 0] ** 2 + n_s[:, 1] ** 2)
    angle = sum(0.5 * _pole_angle_density(fpmath.atan2(transverse, axis * n_s[:, 2]), theta0_2) for axis in (1.0, -1.0))
    q0 = rs - e_s
    mass = np.sqrt(np.clip(rs * (rs - 2.0 * e_s), 0.0, None))
    rest = _boost(k1, soft[:, 1:] / q0[:, None], q0 / mass)  # Q's velocity is -k/Q0
    pair = _photon_cos_density(rest[:, 3] / rest[:, 0], c_max) / (2.0 * math.pi)
    return energy * angle * pair * 16.0 * (2.0 * math.pi) ** 5 / e_s


def _boost(p: np.ndarray, b: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Momenta p ((n, 4)) boosted by velocities b ((n, 3)), gamma = 1/sqrt(1 - b^2) given (exact where b is near 1)."""
    bp = _dot3(b, p[:, 1:])
    along = gamma * gamma / (gamma + 1.0) * bp + gamma * p[:, 0]
    return np.column_stack([gamma * (p[:, 0] + bp), p[:, 1:] + along[:, None] * b])


def _beam_direction(theta0_2, n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors near a beam chosen at random (:func:`_near_beam`)."""
    return _near_beam(np.where(rng.random(n) < 0.5, 1.0, -1.0), theta0_2, rng)


def _lost_photon_density(omega: np.ndarray, sampled: np.ndarray, other: np.ndarray, theta0_2: np.ndarray) -> np.ndarray:
    """The density in (Omega of the sampled photon) over the phase-space measure per (omega, Omega_1, Omega), of the
    channels that sample ``sampled`` near either beam (the module docstring)."""
    e_s, e_o = sampled[:, 0], other[:, 0]
    n_s, n_o = sampled[:, 1:] / e_s[:, None], other[:, 1:] / e_o[:, None]
    one_minus_cos = 0.5 * _dot3(n_s - n_o, n_s - n_o)
    measure = omega * e_s / (8.0 * (2.0 * math.pi) ** 5 * e_o * one_minus_cos)
    transverse = np.sqrt(n_s[:, 0] ** 2 + n_s[:, 1] ** 2)
    beams = sum(0.5 * _pole_angle_density(fpmath.atan2(transverse, axis * n_s[:, 2]), theta0_2) for axis in (1.0, -1.0))
    return beams / measure


def _direction(cos_t: np.ndarray, phi: np.ndarray) -> np.ndarray:
    sin_t = np.sqrt(np.clip((1.0 - cos_t) * (1.0 + cos_t), 0.0, None))
    return np.stack([sin_t * fpmath.cos(phi), sin_t * fpmath.sin(phi), cos_t], axis=1)


def _dot3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products of (n, 3) arrays, summed in one order on every CPU."""
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1] + a[:, 2] * b[:, 2]


def _pole_angle_density(theta: np.ndarray, theta0_2: np.ndarray) -> np.ndarray:
    """The density in solid angle of a lepton's angle theta to its beam: 1/(theta^2 + theta_0^2) in theta^2 over
    [0, pi^2], over 2 pi sin(theta) (the azimuth)."""
    norm = fpmath.log1p(math.pi**2 / theta0_2)
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(theta > 0.0, 2.0 * theta / fpmath.sin(theta), 2.0)  # d(theta^2)/dcos
    return jac / ((theta * theta + theta0_2) * norm) / (2.0 * math.pi)


def _solve_lepton(q: np.ndarray, n: np.ndarray, m: float, rest_mass: float | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The energies E of a lepton of mass m along unit vectors n for which Q - p has the mass ``rest_mass`` (m when
    not given: the other lepton; 0: the photon), Q.p = (Q^2 + m^2 - rest_mass^2)/2: (E_a, E_b), their momenta and
    whether each is a solution, as (2, n) arrays."""
    rest = m if rest_mass is None else rest_mass
    a = q[:, 0]
    b = _dot3(q[:, 1:], n)
    c = 0.5 * (q[:, 0] ** 2 - _dot3(q[:, 1:], q[:, 1:])) if rest_mass is None else \
        0.5 * (q[:, 0] ** 2 - _dot3(q[:, 1:], q[:, 1:]) + m * m - rest * rest)
    den = a * a - b * b
    disc = c * c - den * m * m
    root = np.sqrt(np.clip(disc, 0.0, None))
    energies = np.stack([(a * c + np.abs(b) * root) / den, (a * c - np.abs(b) * root) / den])
    with np.errstate(invalid="ignore"):
        momenta = np.sqrt(np.clip(energies * energies - m * m, 0.0, None))
        # a root of the squared equation solves A E - B P = C only with A E - C of B's sign
        valid = (disc > 0.0) & (energies > m) & (a - energies > rest) & (np.sign(a * energies - c) * np.sign(b) >= 0.0)
        valid &= np.abs(a * energies - b * momenta - c) <= 1e-9 * np.maximum(np.abs(c), 1e-300)
    return energies, momenta, valid


def eegamma_events(card, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n weighted e+e- -> e+e- gamma events (the module docstring's channels): ``weight_pb``, the photon
    ``k`` and the leptons ``p3`` (e-) and ``p4`` (e+) in the lab ((n, 4) arrays of E, px, py, pz); the random
    numbers in this order: the beams, the channel kind, then the pole channels' (which lepton, omega, the photon's
    direction, the lepton's angle and azimuth, the root), the gap channels' (which lepton, the other's angle and
    azimuth near its beam, which of its two directions, its band, cos theta and azimuth where it is lost, the lost
    lepton's band, cos theta and azimuth, its energy, the root) and the pair channel's (the photon's direction, the
    pair's mass, the e- direction) for every event."""
    m = M_E
    x1, x2, w_beams = _beam_fractions(card, n, rng)
    rs = card.sqrt_s * np.sqrt(x1 * x2)
    eb = 0.5 * rs
    pb = np.sqrt(np.clip(eb * eb - m * m, 0.0, None))
    e_lo, _ = photon_energy_range(card)
    lo = np.minimum(e_lo * np.sqrt(np.minimum(x1, x2) / np.maximum(x1, x2)), 0.5 * rs)
    hi = (rs * rs - 4.0 * m * m) / (2.0 * rs)
    open_ = hi > lo * (1.0 + 1e-12)
    lo = np.where(open_, lo, 0.5 * hi)
    c_max = photon_cos_range(card)
    theta0_2 = (m / eb) ** 2
    u = rng.random(n)
    shares = EEGAMMA_CHANNEL_SHARES
    kind = (u >= shares[0]).astype(np.int64) + (u >= shares[0] + shares[1])  # 0 pole, 1 gap, 2 pair
    with np.errstate(divide="ignore", invalid="ignore"):  # points without a solution: weight 0 below
        points = [_pole_channel_points(rs, lo, hi, c_max, theta0_2, n, rng), _gap_channel_points(card, x1, x2, rs, theta0_2, n, rng),
                  _pair_channel_points(rs, lo, c_max, n, rng)]
    k, p3, p4, found = (np.choose(kind if a.ndim == 1 else kind[:, None], [a, b, c]) for a, b, c in zip(*(p[:4] for p in points)))
    channel, n_roots = points[0][4], np.where(kind == 0, points[0][5], -1)  # the sampled root count, where it is known
    omega = k[:, 0]
    ok = open_ & found & (omega >= lo)
    flux = 8.0 * eb * pb
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (omega >= lo) & (omega <= hi)
        photon = inside * _photon_cos_density(k[:, 3] / omega, c_max) / (2.0 * math.pi) / (omega * fpmath.log(hi / lo))
        q = np.column_stack([rs - omega, -k[:, 1:]])
        density = (shares[0] * _channel_density(q, omega, photon, theta0_2, p3, p4, channel, n_roots, m)
                   + shares[1] * _gap_channel_density(card, x1, x2, rs, theta0_2, p3, p4, m)
                   + shares[2] * _pair_channel_density(rs, lo, c_max, k, m))
    ok &= np.isfinite(density) & (density > 0.0)
    msq = np.zeros(n)
    hard = [np.column_stack([eb, np.zeros(n), np.zeros(n), pb]), np.column_stack([eb, np.zeros(n), np.zeros(n), -pb])]
    msq[ok] = msq_eegamma(hard[0][ok], hard[1][ok], p3[ok], p4[ok], k[ok], eegamma_couplings(card.electroweak),
                           card.beam.polarisation)
    weight = np.where(ok, msq / flux / np.where(ok, density, 1.0), 0.0) * w_beams * GEV2_TO_PB
    k, p3, p4 = _hard_to_lab(card, x1, x2, [k, p3, p4])
    return {"weight_pb": weight, "k": k, "p3": p3, "p4": p4, "beam_x1": x1, "beam_x2": x2}


def _pole_channel_points(rs, lo, hi, c_max, theta0_2, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The pole channels' points in the hard frame (the module docstring): (k, p3, p4, found, channel, root count),
    channel True where the e+ went down its pipe (the e- solved)."""
    m = M_E
    channel = rng.random(n) < 0.5
    omega = lo * fpmath.exp(rng.random(n) * fpmath.log(hi / lo))
    k_dir = _direction(_photon_cos(rng, n, c_max), 2.0 * math.pi * rng.random(n))
    k = np.column_stack([omega, omega[:, None] * k_dir])
    dir_pole = _near_beam(np.where(channel, -1.0, 1.0), theta0_2, rng)  # the pole lepton's own beam: e+ along -z
    q = np.column_stack([rs - omega, -k[:, 1:]])
    pole, n_roots = _solved_lepton(q, dir_pole, m, None, rng)
    other = q - pole
    return (k, np.where(channel[:, None], other, pole), np.where(channel[:, None], pole, other), n_roots > 0, channel,
            n_roots)


def _gap_channel_points(card, x1, x2, rs, theta0_2, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The gap channels' points in the hard frame (the module docstring): (k, p3, p4, found); one lepton's direction
    uniform in the lab over where the detector loses it and its energy by :func:`_gap_energy`, the other's direction
    near its beam or (half of the time) also over where it is lost, its energy from the photon's mass shell."""
    m = M_E
    if not lost_cos_bands(card.detector):  # a detector that sees everywhere: no point here
        return np.full((n, 4), np.nan), np.full((n, 4), np.nan), np.full((n, 4), np.nan), np.zeros(n, dtype=bool)
    positron_pole = rng.random(n) < 0.5
    near = _near_beam(np.where(positron_pole, -1.0, 1.0), theta0_2, rng)
    dir_pole = np.where((rng.random(n) < 0.5)[:, None], near, _lost_directions(card, x1, x2, n, rng))
    dir_gap = _lost_directions(card, x1, x2, n, rng)
    e_gap = _gap_energy(rs, m, n, rng)
    gap = np.column_stack([e_gap, np.sqrt(np.clip(e_gap * e_gap - m * m, 0.0, None))[:, None] * dir_gap])
    q = np.column_stack([rs - e_gap, -gap[:, 1:]])
    pole, n_roots = _solved_lepton(q, dir_pole, m, 0.0, rng)
    k = q - pole
    return (k, np.where(positron_pole[:, None], gap, pole), np.where(positron_pole[:, None], pole, gap), n_roots > 0)


def _gap_energy(rs, m: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """The lost lepton's energy in the gap channels: half uniform in (m, sqrt(s_hat)/2), half with density 1/E (a soft
    lepton: the t-channel pole of a lepton that gave its energy to the photon)."""
    uniform = m + (0.5 * rs - m) * rng.random(n)
    soft = m * fpmath.exp(rng.random(n) * fpmath.log(0.5 * rs / m))
    return np.where(rng.random(n) < 0.5, uniform, soft)


def _gap_energy_density(rs, m: float, e: np.ndarray) -> np.ndarray:
    """The density of :func:`_gap_energy`."""
    inside = (e > m) & (e < 0.5 * rs)
    return inside * (0.5 / (0.5 * rs - m) + 0.5 / (np.where(inside, e, 1.0) * fpmath.log(0.5 * rs / m)))


def _lost_directions(card, x1, x2, n: int, rng: np.random.Generator) -> np.ndarray:
    """Hard-frame unit vectors of directions uniform in the lab's solid angle over where the detector loses a
    particle (mcgen.detector.veto.lost_cos_bands): a band at random by its width, cos theta and the azimuth uniform."""
    bands = np.array(lost_cos_bands(card.detector))
    widths = bands[:, 1] - bands[:, 0]
    band = np.minimum(np.searchsorted(np.cumsum(widths) / widths.sum(), rng.random(n), side="right"), len(widths) - 1)
    cos_lab = bands[band, 0] + widths[band] * rng.random(n)
    hard = _lab_to_hard(card, x1, x2, np.column_stack([np.ones(n), _direction(cos_lab, 2.0 * math.pi * rng.random(n))]))
    return hard[:, 1:] / hard[:, :1]


def _lost_direction_density(card, x1, x2, direction: np.ndarray) -> np.ndarray:
    """The density of :func:`_lost_directions` in the hard frame's solid angle at unit vectors ``direction``: uniform
    in the lab's, dOmega_lab / dOmega = 1/D^2 (D the Doppler factor of the massless direction)."""
    bands = lost_cos_bands(card.detector)
    if not bands:
        return np.zeros(len(direction))
    lab = _hard_to_lab(card, x1, x2, [np.column_stack([np.ones(len(direction)), direction])])[0]
    cos_lab = lab[:, 3] / lab[:, 0]
    in_bands = np.zeros(len(direction), dtype=bool)
    for lo, hi in bands:
        in_bands |= (cos_lab > lo) & (cos_lab < hi)
    return in_bands / (2.0 * math.pi * sum(hi - lo for lo, hi in bands)) / (lab[:, 0] * lab[:, 0])


def _pair_mass2_range(rs, lo, m: float) -> tuple[np.ndarray, np.ndarray]:
    """The e+e- pair's squared mass from threshold to where the photon has the lowest sampled energy."""
    return np.full(len(rs), 4.0 * m * m), rs * (rs - 2.0 * lo)


def _pair_channel_points(rs, lo, c_max, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The pair channel's points in the hard frame (the module docstring): (k, p3, p4, found); the photon's direction
    as in the pole channels, the pair's squared mass M^2 with density 1/M^2, the e- direction uniform in the pair's
    rest frame."""
    m = M_E
    k_dir = _direction(_photon_cos(rng, n, c_max), 2.0 * math.pi * rng.random(n))
    low, high = _pair_mass2_range(rs, lo, m)
    mass2 = low * fpmath.exp(rng.random(n) * fpmath.log(high / low))
    omega = (rs * rs - mass2) / (2.0 * rs)
    k = np.column_stack([omega, omega[:, None] * k_dir])
    q = np.column_stack([rs - omega, -k[:, 1:]])
    mass = np.sqrt(mass2)
    p_star = np.sqrt(np.clip(0.25 * mass2 - m * m, 0.0, None))
    rest = np.column_stack([0.5 * mass, p_star[:, None] * _direction(2.0 * rng.random(n) - 1.0, 2.0 * math.pi * rng.random(n))])
    electron = _boost(rest, q[:, 1:] / q[:, :1], q[:, 0] / mass)
    return k, electron, q - electron, (high > low) & (p_star > 0.0)


def _pair_channel_density(rs, lo, c_max, k: np.ndarray, m: float) -> np.ndarray:
    """The pair channel's density in dPhi_3 = omega dOmega_k / (16 pi^2 sqrt(s)) dM^2 / (2 pi) p* dOmega* / (16 pi^2 M)
    (p* the leptons' momentum in the pair's rest frame), M^2 = s - 2 sqrt(s) omega from the photon."""
    omega = k[:, 0]
    low, high = _pair_mass2_range(rs, lo, m)
    mass2 = rs * (rs - 2.0 * omega)
    inside = (mass2 > low) & (mass2 <= high)
    p_star = np.sqrt(np.clip(0.25 * mass2 - m * m, 0.0, None))
    measure = omega / (16.0 * math.pi**2 * rs) / (2.0 * math.pi) * p_star / (16.0 * math.pi**2 * np.sqrt(mass2))
    photon = _photon_cos_density(k[:, 3] / omega, c_max) / (2.0 * math.pi)
    return inside * photon / (mass2 * fpmath.log(high / low)) / (4.0 * math.pi) / measure


def _near_beam(axis: np.ndarray, theta0_2, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at an angle theta to the beam axis (+1: +z, -1: -z) with density 1/(theta^2 + theta_0^2) in
    theta^2 over [0, pi^2], the azimuth uniform (:func:`_pole_angle_density`)."""
    n = len(axis)
    theta = np.sqrt(theta0_2 * fpmath.expm1(rng.random(n) * fpmath.log1p(math.pi**2 / theta0_2)))
    phi = 2.0 * math.pi * rng.random(n)
    sin_t = fpmath.sin(theta)
    return np.column_stack([sin_t * fpmath.cos(phi), sin_t * fpmath.sin(phi), axis * fpmath.cos(theta)])


def _solved_lepton(q, direction, m: float, rest_mass, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The lepton along ``direction`` with Q - p of mass ``rest_mass`` (:func:`_solve_lepton`), one root at random
    where there are two: its four-momentum and the roots' count."""
    energies, momenta, valid = _solve_lepton(q, direction, m, rest_mass)
    n_roots = valid.sum(axis=0)
    first = np.where(valid[0] & valid[1], rng.random(len(q)) < 0.5, valid[0])
    pick = np.where(first, 0, 1)
    rows = np.arange(len(q))
    return np.column_stack([energies[pick, rows], momenta[pick, rows][:, None] * direction]), n_roots


def _lab_to_hard(card, x1: np.ndarray, x2: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_hard_to_lab` for (n, 4) momenta."""
    to_lab = lab_transform(card)
    if to_lab is not None:
        p = transform(inverse(to_lab), p)
    beta_z = (x1 - x2) / (x1 + x2)
    gamma_z = 1.0 / np.sqrt(1.0 - beta_z * beta_z)
    return np.column_stack([gamma_z * (p[:, 0] - beta_z * p[:, 3]), p[:, 1], p[:, 2], gamma_z * (p[:, 3] - beta_z * p[:, 0])])


def _gap_channel_density(card, x1, x2, rs, theta0_2, p3, p4, m: float) -> np.ndarray:
    """The gap channels' mean density in dPhi_3 = p' P^2 dE' dOmega' dOmega / (8 (2 pi)^5 abs(Q0 P - E Q.n)) (E', p',
    Omega' the lepton sampled where it is lost, E, P, Omega = n the other, Q = P_beams - p')."""
    def unit(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = np.sqrt(_dot3(p[:, 1:], p[:, 1:]))
        return size, p[:, 1:] / np.where(size > 0, size, 1.0)[:, None]

    (p_e, n_e), (p_p, n_p) = unit(p3), unit(p4)
    lost_e, lost_p = _lost_direction_density(card, x1, x2, n_e), _lost_direction_density(card, x1, x2, n_p)
    density = np.zeros(len(p3))
    for pole, pp, nvec, lost_pole, gap, p_gap, lost_gap, axis in ((p4, p_p, n_p, lost_p, p3, p_e, lost_e, -1.0),
                                                                   (p3, p_e, n_e, lost_e, p4, p_p, lost_p, 1.0)):
        e_gap = gap[:, 0]
        energy = _gap_energy_density(rs, m, e_gap)
        near = _pole_angle_density(fpmath.atan2(np.sqrt(nvec[:, 0] ** 2 + nvec[:, 1] ** 2), axis * nvec[:, 2]), theta0_2)
        q = np.column_stack([rs - e_gap, -gap[:, 1:]])
        jac = np.abs(q[:, 0] * pp - pole[:, 0] * _dot3(q[:, 1:], nvec))
        measure = p_gap * pp * pp / (8.0 * (2.0 * math.pi) ** 5 * np.where(jac > 0, jac, 1.0))
        count = _root_count(q, nvec, m, 0.0)
        density += 0.5 * energy * lost_gap * 0.5 * (near + lost_pole) / np.maximum(count, 1) / measure
    return density


def _photon_cos(rng: np.random.Generator, n: int, c_max: float) -> np.ndarray:
    """The photon's cos theta: half uniform in [-1, 1], half with density 1/(1 - c^2) in [-c_max, c_max]
    (w = artanh(c) uniform: the peaks towards the beams and the leptons near them, up to the acceptance)."""
    uniform = 2.0 * rng.random(n) - 1.0
    mapped = fpmath.tanh((2.0 * rng.random(n) - 1.0) * fpmath.atanh(c_max))
    return np.where(rng.random(n) < 0.5, uniform, mapped)


def _photon_cos_density(c: np.ndarray, c_max: float) -> np.ndarray:
    """The density of :func:`_photon_cos`."""
    inside = np.abs(c) <= c_max
    return 0.25 + 0.5 * inside / (2.0 * fpmath.atanh(c_max) * np.where(inside, (1.0 - c) * (1.0 + c), 1.0))


def _channel_density(q, omega, photon, theta0_2, p3, p4, channel, n_roots, m) -> np.ndarray:
    """The two pole channels' mean density at each point in the phase-space measure (module docstring), from the
    photon's density in (omega, Omega_k), which they share; ``n_roots`` where the point's own channel solved it (-1:
    counted here)."""
    density = np.zeros(len(omega))
    for positron_pole, pole_p, axis in ((True, p4, -1.0), (False, p3, 1.0)):
        pp = np.sqrt(_dot3(pole_p[:, 1:], pole_p[:, 1:]))
        nvec = pole_p[:, 1:] / np.where(pp > 0, pp, 1.0)[:, None]
        jac = np.abs(pp * (q[:, 0] - pole_p[:, 0]) + pole_p[:, 0] * (pp - _dot3(q[:, 1:], nvec)))
        measure = omega * pp * pp / (8.0 * (2.0 * math.pi) ** 5 * np.where(jac > 0, jac, 1.0))
        angle = fpmath.atan2(np.sqrt(nvec[:, 0] ** 2 + nvec[:, 1] ** 2), axis * nvec[:, 2])  # (acos loses small angles)
        count = np.where((channel == positron_pole) & (n_roots >= 0), n_roots, _root_count(q, nvec, m))
        density += 0.5 * photon * _pole_angle_density(angle, theta0_2) / np.maximum(count, 1) / measure
    return density


def _root_count(q: np.ndarray, n: np.ndarray, m: float, rest_mass: float | None = None) -> np.ndarray:
    """How many energies a lepton along n may have (:func:`_solve_lepton`)."""
    return _solve_lepton(q, n, m, rest_mass)[2].sum(axis=0)


def _estimate(w: np.ndarray) -> tuple[float, float]:
    return float(w.mean()), float(w.std() / math.sqrt(len(w)))


def _single_photon_result(card, process: str, ev: dict[str, np.ndarray], seen: np.ndarray, single: np.ndarray,
                          step: str, lost_particles: dict[str, np.ndarray], detector_rng: np.random.Generator,
                          keep_events: bool, edges) -> dict[str, Any]:
    """The result of a reducible process: the events where the ``seen`` photon ((n, 4), lab) is the only
    particle the detector sees (``single``, the cut flow's ``step``), through the card's cuts and the toy
    detector; ``lost_particles`` (name: (n, 4) lab momenta) become columns ``<name>_E`` ... of the kept events."""
    w = ev["weight_pb"]
    n = len(w)
    flags = photon_cut_flags(card, seen)
    measured = toy_detector(card, seen, detector_rng)
    truth = single & flags["pass_all"]
    reco = single & photon_selection(card, measured)
    sigma, err = _estimate(w * truth)
    sigma_reco, err_reco = _estimate(w * reco)
    result: dict[str, Any] = {
        "process": process, "sigma_pb": sigma, "sigma_err_pb": err, "sigma_reco_pb": sigma_reco,
        "sigma_reco_err_pb": err_reco, "sigma_generated_pb": _estimate(w)[0], "n_events": n,
        "cut_flow": cut_flow(w, flags, reco, "generated", ((step, single),)),
    }
    if edges is not None:
        result["spectrum_reco_pb"] = (np.histogram(measured["gamma_reco_E"], bins=edges, weights=w * reco)[0] / n).tolist()
    if keep_events:
        keep = single
        scale = int(keep.sum()) / n  # the written weights average to the cross section of what is written
        lost_columns = {f"{name}_{a}": p[keep, i] for name, p in lost_particles.items()
                        for i, a in enumerate(("E", "px", "py", "pz"))}
        result["columns"] = {
            "weight_pb": w[keep] * scale, "gamma_E": seen[keep, 0], "gamma_px": seen[keep, 1], "gamma_py": seen[keep, 2],
            "gamma_pz": seen[keep, 3], "gamma_cos_theta": seen[keep, 3] / seen[keep, 0],
            "gamma_pt": np.hypot(seen[keep, 1], seen[keep, 2]), **lost_columns,
            "beam_x1": ev["beam_x1"][keep], "beam_x2": ev["beam_x2"][keep],
            **{k: v[keep] for k, v in measured.items()}, "truth_pass": truth[keep], "pass_all": reco[keep],
        }
    return result


def _rngs(card, seed: int, streams: int = 2) -> list[np.random.Generator]:
    """The event and detector random streams of a seed (a process of two parts takes two more: the first two are
    the same whatever the count)."""
    card.run_card(None)  # one run: a card with [[runs]] gives each with card.run_card(name)
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(streams)]


SEEN_STEP = "one photon seen, the others lost"
"""The gamma gamma process's step where the event looks like a single photon (two or three photons in all)."""


def gammagamma_cross_section(card, n: int, seed: int, keep_events: bool = False, edges=None) -> dict[str, Any]:
    """Weighted Monte Carlo of e+e- -> gamma gamma (gamma) with one photon seen and the others lost: n events of
    gamma gamma (one photon lost) and n of gamma gamma gamma (two lost, every photon above SOFT_FRACTION of the
    beam energy), their sum: sigma (pb) after the card's cuts on the true photon and after the toy detector, and
    the cut flow (the generated cross section, one photon seen and the others lost, then each cut of the
    selection on the true photon in turn, the escape cut, the detector); ``parts`` gives each part's numbers.
    With ``keep_events`` the single-photon events' columns (the seen photon as ``gamma``, measured as
    ``gamma_reco``; the lost ones as ``lost_gamma`` and ``lost_gamma2``, which is 0 for two photons; ``photons``:
    2 or 3). With ``edges``, the spectrum of the measured photon energy (lab) after the detector and the cuts, pb
    per bin (``spectrum_reco_pb``)."""
    event_rng, detector_rng, event_rng3, detector_rng3 = _rngs(card, seed, 4)
    ev = gammagamma_events(card, n, event_rng)
    k1, k2 = ev["k1"], ev["k2"]
    lost1, lost2 = (lost(card.detector, k[:, 0], k[:, 3] / k[:, 0]) for k in (k1, k2))
    cal1, cal2 = (in_calorimeter(card.detector, k[:, 0], k[:, 3] / k[:, 0]) for k in (k1, k2))
    first = cal1 & lost2  # the first photon in the calorimeter and the second lost (both ways cannot happen)
    seen = np.where(first[:, None], k1, k2)
    other = np.where(first[:, None], k2, k1)
    two = _single_photon_result(card, "gammagamma", ev, seen, first | (cal2 & lost1), SEEN_STEP,
                                {"lost_gamma": other, "lost_gamma2": np.zeros_like(other)}, detector_rng, keep_events, edges)
    ev3 = gammagammagamma_events(card, n, event_rng3)
    # a photon of no energy belongs to a point outside the phase space (weight 0): its direction is any
    cos3 = [k[:, 3] / np.where(k[:, 0] > 0, k[:, 0], 1.0) for k in (ev3["k1"], ev3["k2"], ev3["k3"])]
    single = (in_calorimeter(card.detector, ev3["k1"][:, 0], cos3[0]) & lost(card.detector, ev3["k2"][:, 0], cos3[1])
              & lost(card.detector, ev3["k3"][:, 0], cos3[2]) & (ev3["weight_pb"] != 0.0))
    three = _single_photon_result(card, "gammagamma", ev3, ev3["k1"], single, SEEN_STEP,
                                  {"lost_gamma": ev3["k2"], "lost_gamma2": ev3["k3"]}, detector_rng3, keep_events, edges)
    return _sum_of_parts({"two_photons": two, "three_photons": three}, {"two_photons": 2, "three_photons": 3})


def _sum_of_parts(parts: dict[str, dict[str, Any]], photons: dict[str, int]) -> dict[str, Any]:
    """One result for independent samples of a process's parts: cross sections added, errors in quadrature, the
    written events together with weights that average to the sum (and a ``photons`` column)."""
    results = list(parts.values())
    first = results[0]

    def added(key: str) -> float:
        return float(sum(r[key] for r in results))

    def quadrature(key: str) -> float:
        return math.sqrt(sum(r[key] ** 2 for r in results))

    out: dict[str, Any] = {
        "process": first["process"], "sigma_pb": added("sigma_pb"), "sigma_err_pb": quadrature("sigma_err_pb"),
        "sigma_reco_pb": added("sigma_reco_pb"), "sigma_reco_err_pb": quadrature("sigma_reco_err_pb"),
        "sigma_generated_pb": added("sigma_generated_pb"), "n_events": first["n_events"],
        "cut_flow": [{"step": steps[0]["step"], "sigma_pb": sum(s["sigma_pb"] for s in steps),
                      "sigma_err_pb": math.sqrt(sum(s["sigma_err_pb"] ** 2 for s in steps))}
                     for steps in zip(*(r["cut_flow"] for r in results))],
        "parts": {name: {k: v for k, v in r.items() if k not in ("process", "columns")} for name, r in parts.items()},
    }
    if "spectrum_reco_pb" in first:
        out["spectrum_reco_pb"] = np.sum([r["spectrum_reco_pb"] for r in results], axis=0).tolist()
    if "columns" in first:
        kept = {name: len(r["columns"]["weight_pb"]) for name, r in parts.items()}
        total = sum(kept.values())
        columns = []
        for name, r in parts.items():
            c = dict(r["columns"])
            # each part's written weights average to its own cross section: scaled, all average to the sum
            c["weight_pb"] = c["weight_pb"] * (total / kept[name]) if kept[name] else c["weight_pb"]
            c["photons"] = np.full(kept[name], photons[name], dtype=np.int32)
            columns.append(c)
        out["columns"] = {key: np.concatenate([c[key] for c in columns]) for key in columns[0]}
    return out


def eegamma_cross_section(card, n: int, seed: int, keep_events: bool = False, edges=None) -> dict[str, Any]:
    """Weighted Monte Carlo of e+e- -> e+e- gamma with the photon seen and both leptons lost, as
    :func:`gammagamma_cross_section`; the leptons' columns ``lost_electron_*`` and ``lost_positron_*``."""
    event_rng, detector_rng = _rngs(card, seed)
    ev = eegamma_events(card, n, event_rng)
    k, p3, p4 = ev["k"], ev["p3"], ev["p4"]

    def lost_of(p: np.ndarray) -> np.ndarray:
        size = np.sqrt(_dot3(p[:, 1:], p[:, 1:]))
        return lost(card.detector, p[:, 0], p[:, 3] / np.where(size > 0, size, 1.0))

    photon_in_calorimeter = in_calorimeter(card.detector, k[:, 0], k[:, 3] / k[:, 0])
    single = photon_in_calorimeter & lost_of(p3) & lost_of(p4) & (ev["weight_pb"] != 0.0)
    return _single_photon_result(card, "eegamma", ev, k, single, "the photon seen, both leptons lost",
                                 {"lost_electron": p3, "lost_positron": p4}, detector_rng, keep_events, edges)
