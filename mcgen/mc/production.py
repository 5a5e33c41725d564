"""The production stage of the signal kernel (docs/physics/production.md, decays.md): e+e- -> N nubar at a given
cos(theta_N), the N spin density matrix, the decay N -> nu gamma and the displacement.

Each function is inlined into the kernel's block loops (mcgen.mc.kernel) and takes the named
tuple :class:`ProductionParams` (built once per run by :func:`production_params`) and its random
draws by name; it returns values, and the kernel stores them.
1. :func:`amplitudes_at`: the spin-matrix forms of the L, R and t-channel structures at cos theta
   (closed form, mcgen.physics.amplitudes) and w0 = |M|^2 / norm summed over spins;
2. :func:`polarisation`: the N polarisation vector in the phi = 0 frame;
3. :func:`n_momentum`: the N direction after the azimuth phi and the CP image (odd events are
   Nbar nu: all momenta reversed, spin kept; exact since the Lagrangian conserves CP);
4. :func:`decay`: the photon direction in the N rest frame from the decay law (exact: 1 - P.k;
   paper: 1 - cos about the N flight direction; isotropic), drawn by the reflection trick (an
   isotropic k kept with probability (1 - P.k)/2 and reflected otherwise), the six reweighting
   coefficients w_ij of W(k) / sampling density (w = sum d_i d_j w_ij for any couplings), and
   the photon boosted to the lab;
5. :func:`displacement`: the exponential flight distance, the distance to the decay-volume
   surface along the N direction and the analytic P(decay inside).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb

from mcgen.config.cards import Card
from mcgen.config.options import PhysicsOptions
from mcgen.detector.toy import distance_to_surface
from mcgen.physics.amplitudes import A_GAMMA, AZL_IM, AZL_RE, AZR_IM, AZR_RE, G_W, M_W2, NORM, coupling_constants, spin_structures
from mcgen.physics.constants import GEV2_TO_PB
from mcgen.physics.model import Model, decay_length_m, two_body_momentum, widths
from mcgen.physics.polarisation import helicity_weights
from mcgen.simd import VEC, cos_sin_turns, log, one_minus_exp

__all__ = ["ProductionParams", "Amplitudes", "Direction", "production_params", "hard_params", "LAWS", "amplitudes_at",
           "polarisation", "n_momentum", "decay", "decay_averaged", "displacement"]

LAWS = {"exact": 0, "paper": 1, "isotropic": 2}


class ProductionParams(NamedTuple):
    """Kinematics, amplitude constants and switches of one run (GeV; lengths in m)."""

    sqrt_s: float
    mass: float
    momentum: float  # |p_N|
    energy: float  # E_N
    decay_length: float  # lab decay length of N
    norm: float  # amplitude normalisation (mcgen.physics.amplitudes.NORM)
    weighted: bool
    exact: float  # 1.0 for the exact decay law
    paper: float  # 1.0 for the paper's 1 - cos law
    t_channel: float  # 1.0 for flavour e (W exchange)
    g_w: float
    m_w2: float
    d_w: float
    c_ll: float  # |A_L|^2
    c_rr: float  # |A_R|^2
    al_re: float
    al_im: float
    st: float  # 1.0 keeps the s-t interference
    a_gamma: float
    azl2: float
    azr2: float
    azl_re: float
    azl_im: float
    azr_re: float
    hel_l: float  # weight of the e-_L e+_R rate (polarised beams; 1 when unpolarised)
    hel_r: float  # weight of the e-_R e+_L rate
    # what :func:`hard_params` needs to redo the s-dependent fields at an event's own s_hat
    beams: bool  # events at their own s_hat (ISR, energy spread; mcgen.mc.beams)
    e_em: float  # e of the coupling scheme: a_gamma = -e/s
    g_z: float  # g / c_w
    x_w: float
    m_z2: float
    mz_gz: float  # M_Z Gamma_Z
    d_gamma: float
    d_z: float
    length_per_momentum: float  # lab decay length / |p_N| (m/GeV)


def production_params(card: Card, model: Model, options: PhysicsOptions, weighted: bool) -> ProductionParams:
    """The production stage's inputs for a card, a model and the physics options."""
    rs, m, c = card.sqrt_s, model.mass, model.couplings
    consts = coupling_constants(rs, m, card.electroweak)
    hel_l, hel_r = helicity_weights(card.beam.polarisation_electron, card.beam.polarisation_positron)
    k = float(two_body_momentum(rs, m))
    ew = card.electroweak
    length = float(decay_length_m(k, m, widths(model, ew, options.three_body).total))
    t_channel = 1.0 if model.flavour == "e" else 0.0
    law = LAWS[options.decay_law_for(model.nature)]
    ag, azl_re, azl_im, azr_re, azr_im = (float(consts[i]) for i in (A_GAMMA, AZL_RE, AZL_IM, AZR_RE, AZR_IM))
    al_re = ag * c.d_gamma + azl_re * c.d_Z
    al_im = azl_im * c.d_Z
    ar_re = ag * c.d_gamma + azr_re * c.d_Z
    ar_im = azr_im * c.d_Z
    return ProductionParams(
        sqrt_s=rs, mass=m, momentum=k, energy=math.hypot(k, m),
        decay_length=length,
        norm=float(consts[NORM]), weighted=bool(weighted),
        exact=1.0 if law == 0 else 0.0, paper=1.0 if law == 1 else 0.0,
        t_channel=t_channel, g_w=float(consts[G_W]), m_w2=float(consts[M_W2]), d_w=c.d_W,
        c_ll=hel_l * (al_re * al_re + al_im * al_im), c_rr=hel_r * (ar_re * ar_re + ar_im * ar_im), al_re=al_re, al_im=al_im,
        st=float(options.st_interference) * t_channel,
        a_gamma=ag, azl2=azl_re * azl_re + azl_im * azl_im, azr2=azr_re * azr_re + azr_im * azr_im,
        azl_re=azl_re, azl_im=azl_im, azr_re=azr_re, hel_l=hel_l, hel_r=hel_r,
        beams=card.beam.beam_effects, e_em=ew.e, g_z=ew.g / ew.c_w, x_w=ew.sin2_theta_w, m_z2=ew.m_Z**2,
        mz_gz=ew.m_Z * ew.Gamma_Z, d_gamma=c.d_gamma, d_z=c.d_Z, length_per_momentum=length / k,
    )


class Amplitudes(NamedTuple):
    """The production amplitudes at one cos(theta) (:func:`amplitudes_at`): cos and sin of theta/2, the W
    propagator factor bw, the t-channel and interference weights, the spin-matrix forms (n, z, x, y) of
    the L, R and t structures and of the L-t pair, and w0 = |M|^2 / norm summed over spins."""

    ch: float
    sh: float
    bw: float
    c_tt: float
    c_lt: float
    c_ltj: float
    ll: tuple[float, float, float, float]
    rr: tuple[float, float, float, float]
    tt: tuple[float, float, float, float]
    lt: tuple[float, float, float, float]
    w0: float


class Direction(NamedTuple):
    """The N flight direction of an event: cos and sin of its polar angle, cos and sin of its azimuth,
    and sgn = -1 for the CP image (all momenta reversed)."""

    c: float
    sin_t: float
    cphi: float
    sphi: float
    sgn: float


_NORM_CONSTANT = GEV2_TO_PB / (64.0 * math.pi)  # norm = k / (64 pi s sqrt(s)) in pb


@nb.njit(inline="always")
def hard_params(p, x1, x2):
    """``p`` at the event's own sqrt(s_hat) = sqrt(x1 x2 s) (ISR, energy spread): the s-dependent
    fields as :func:`production_params` and mcgen.physics.amplitudes.coupling_constants make them,
    and whether s_hat lies above threshold (below it a safe s_hat just above, for a weight 0)."""
    rs = p.sqrt_s * math.sqrt(x1 * x2)
    above = rs > p.mass * (1.0 + 1e-6)
    rs = rs if above else p.mass * (1.0 + 1e-6)
    s = rs * rs
    inv_rs = 1.0 / rs  # two divisions for the whole event: each costs as much as ten products
    k = (s - p.mass * p.mass) * (0.5 * inv_rs)
    a_re = s - p.m_z2
    inv_den = 1.0 / (a_re * a_re + p.mz_gz * p.mz_gz)
    z_re, z_im = -p.g_z * a_re * inv_den, p.g_z * p.mz_gz * inv_den  # -(g/c_w) / (s - M_Z^2 + i M_Z Gamma_Z)
    ag = -p.e_em * (inv_rs * inv_rs)
    azl_re, azl_im = z_re * (-0.5 + p.x_w), z_im * (-0.5 + p.x_w)
    azr_re, azr_im = z_re * p.x_w, z_im * p.x_w
    al_re = ag * p.d_gamma + azl_re * p.d_z
    al_im = azl_im * p.d_z
    ar_re = ag * p.d_gamma + azr_re * p.d_z
    ar_im = azr_im * p.d_z
    q = ProductionParams(
        sqrt_s=rs, mass=p.mass, momentum=k, energy=math.sqrt(k * k + p.mass * p.mass), decay_length=k * p.length_per_momentum,
        norm=k * (inv_rs * inv_rs * inv_rs) * _NORM_CONSTANT, weighted=p.weighted, exact=p.exact, paper=p.paper,
        t_channel=p.t_channel, g_w=p.g_w, m_w2=p.m_w2, d_w=p.d_w,
        c_ll=p.hel_l * (al_re * al_re + al_im * al_im), c_rr=p.hel_r * (ar_re * ar_re + ar_im * ar_im), al_re=al_re, al_im=al_im,
        st=p.st, a_gamma=ag, azl2=azl_re * azl_re + azl_im * azl_im, azr2=azr_re * azr_re + azr_im * azr_im, azl_re=azl_re,
        azl_im=azl_im, azr_re=azr_re, hel_l=p.hel_l, hel_r=p.hel_r, beams=p.beams, e_em=p.e_em, g_z=p.g_z, x_w=p.x_w,
        m_z2=p.m_z2, mz_gz=p.mz_gz, d_gamma=p.d_gamma, d_z=p.d_z, length_per_momentum=p.length_per_momentum,
    )
    return q, above


@nb.njit(inline="always")
def _pair_forms(a0, a1, b0, b1):
    """n, z, x, y of a pair of real spin vectors: a.(1 - sigma.k) b = n - k_z z - k_x x (+ i k_y y)."""
    return a0 * b0 + a1 * b1, a0 * b0 - a1 * b1, a0 * b1 + a1 * b0, a0 * b1 - a1 * b0


@nb.njit(inline="always")
def amplitudes_at(p, c):
    """The production amplitudes at cos(theta) = c (:class:`Amplitudes`)."""
    ch = math.sqrt(0.5 * (1.0 + c))
    sh = math.sqrt(0.5 * (1.0 - c))
    l0, l1, r0, r1, t0, t1, t = spin_structures(p.sqrt_s, p.mass, ch, sh)
    bw = p.t_channel * p.g_w / (t - p.m_w2)
    c_tt = bw * bw * p.d_w * p.d_w * p.hel_l  # the W, and so its interference, couples to e-_L only
    c_lt = 2.0 * bw * p.d_w * p.al_re * p.st * p.hel_l
    c_ltj = 2.0 * bw * p.d_w * p.al_im * p.st * p.hel_l
    ll = _pair_forms(l0, l1, l0, l1)
    rr = _pair_forms(r0, r1, r0, r1)
    tt = _pair_forms(t0, t1, t0, t1)
    lt = _pair_forms(l0, l1, t0, t1)
    w0 = p.c_ll * ll[0] + p.c_rr * rr[0] + c_tt * tt[0] + c_lt * lt[0]
    return Amplitudes(ch=ch, sh=sh, bw=bw, c_tt=c_tt, c_lt=c_lt, c_ltj=c_ltj, ll=ll, rr=rr, tt=tt, lt=lt, w0=w0)


@nb.njit(inline="always")
def polarisation(p, a):
    """N polarisation vector of the generation model in the phi = 0 frame (``a``: :class:`Amplitudes`)."""
    pol_x = (p.c_ll * a.ll[2] + p.c_rr * a.rr[2] + a.c_tt * a.tt[2] + a.c_lt * a.lt[2]) / a.w0
    pol_z = (p.c_ll * a.ll[1] + p.c_rr * a.rr[1] + a.c_tt * a.tt[1] + a.c_lt * a.lt[1]) / a.w0
    pol_y = -a.c_ltj * a.lt[3] / a.w0
    return pol_x, pol_y, pol_z


@nb.njit(inline="always")
def n_momentum(c, sin_t, cphi, sphi, sgn):
    """The N flight direction: polar angle (c, sin_t), azimuth (cphi, sphi), sgn = -1 for the CP image."""
    return sgn * sin_t * cphi, sgn * sin_t * sphi, sgn * c


@nb.njit(inline="always", **VEC)
def coefficients(p, scale, bw, f_ll, f_rr, f_tt, f_lt, f_ltj):
    """The six reweighting coefficients (w_gg, w_zz, w_gz, w_ww, w_gw, w_zw) of W / sampling density
    (the e-_L structures weighted by hel_l, the e-_R one by hel_r: polarised beams)."""
    f_ll, f_rr, f_tt, f_lt, f_ltj = p.hel_l * f_ll, p.hel_r * f_rr, p.hel_l * f_tt, p.hel_l * f_lt, p.hel_l * f_ltj
    return (
        scale * p.a_gamma * p.a_gamma * (f_ll + f_rr),
        scale * (p.azl2 * f_ll + p.azr2 * f_rr),
        scale * 2.0 * p.a_gamma * (p.azl_re * f_ll + p.azr_re * f_rr),
        scale * bw * bw * f_tt,
        scale * 2.0 * bw * p.a_gamma * f_lt * p.st,
        scale * 2.0 * bw * (p.azl_re * f_lt + p.azl_im * f_ltj) * p.st,
    )


@nb.njit(inline="always", **VEC)
def decay_averaged(p, a, inv_env):
    """The coefficients without the decay (generation-only stage): W summed over the photon direction."""
    scale = p.norm * inv_env if p.weighted else 1.0 / a.w0
    return coefficients(p, scale, a.bw, a.ll[0], a.rr[0], a.tt[0], a.lt[0], 0.0)


@nb.njit(inline="always", **VEC)
def decay(p, d, pol, a, inv_env, u_k_cos, u_k_phi, u_flip):
    """N -> nu gamma: (coefficients, cos theta* of the photon about the N direction, photon (E, px,
    py, pz) in the lab), for the N of :class:`Direction` ``d``, polarisation ``pol`` (phi = 0 frame) and
    :class:`Amplitudes` ``a``. ``inv_env``: 1 / the cos(theta) envelope at this event (weighted events);
    u_k_cos, u_k_phi: the isotropic photon direction in the N rest frame; u_flip: its reflection."""
    c, sin_t, cphi, sphi, sgn = d
    pol_x, pol_y, pol_z = pol
    bw, ll, rr, tt, lt, w0 = a.bw, a.ll, a.rr, a.tt, a.lt, a.w0
    kz = 2.0 * u_k_cos - 1.0  # isotropic k (phi = 0 frame) ...
    k_perp = math.sqrt(max(1.0 - kz * kz, 0.0))
    kc, ks = cos_sin_turns(u_k_phi)
    kx, ky = k_perp * kc, k_perp * ks
    exact, paper = p.exact, p.paper
    dot = (exact * pol_x + paper * sin_t) * kx + exact * pol_y * ky + (exact * pol_z + paper * c) * kz
    # ... reflected with probability (1 + P.k)/2: density 1 - P.k (unweighted)
    reflect = (not p.weighted) & (2.0 * u_flip >= 1.0 - dot)
    flip = -1.0 if reflect else 1.0
    kx, ky, kz, dot = flip * kx, flip * ky, flip * kz, flip * dot
    f_ll = ll[0] - exact * (kz * ll[1] + kx * ll[2])
    f_rr = rr[0] - exact * (kz * rr[1] + kx * rr[2])
    f_tt = tt[0] - exact * (kz * tt[1] + kx * tt[2])
    f_lt = lt[0] - exact * (kz * lt[1] + kx * lt[2])
    dec = 1.0 - paper * (sin_t * kx + c * kz)
    scale = dec * p.norm * inv_env if p.weighted else dec / (w0 * max(1.0 - dot, 1e-300))
    w = coefficients(p, scale, bw, f_ll, f_rr, f_tt, f_lt, exact * ky * lt[3])
    # the photon to the lab: boost along the N direction, rotate by phi, CP image
    e_star = 0.5 * p.mass
    gam = p.energy / p.mass
    bgam = p.momentum / p.mass
    k_par = e_star * (kx * sin_t + kz * c)
    coef = (gam - 1.0) * k_par / e_star + bgam
    gx = e_star * (kx + coef * sin_t)
    gy = e_star * ky
    gz = e_star * (kz + coef * c)
    ge = gam * e_star + bgam * k_par
    gx, gy = gx * cphi - gy * sphi, gx * sphi + gy * cphi
    return w, kx * sin_t + kz * c, ge, sgn * gx, sgn * gy, sgn * gz


@nb.njit(inline="always", **VEC)
def displacement(decay_length, det, nx, ny, nz, sin_t, u_flight):
    """(vx, vy, vz, flight, boundary, P(inside), inside): the decay vertex at an exponential flight
    distance (mean ``decay_length``, the lab one) along the lab N direction, and the distance to the
    decay-volume surface (``det``: the detector's :class:`~mcgen.detector.toy.DetectorParams`)."""
    flight = -decay_length * log(u_flight)
    boundary = distance_to_surface(det, sin_t, nz)
    return flight * nx, flight * ny, flight * nz, flight, boundary, one_minus_exp(boundary / decay_length), flight < boundary
