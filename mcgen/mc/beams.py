"""Beams as they are in the signal kernel: initial-state radiation and the beam energy spread.

Each beam keeps the energy fraction x_i = x_isr,i (1 + sigma_E g_i): x_isr from the electron
structure function (mcgen.physics.isr: x = 1 - u^(2/beta) for u uniform, weight
W(x) = D(x) / sampled density in [1/2, 1 + 3 beta/8]) and g_i a standard normal (truncated at
+-6: a 2e-9 tail, so that every envelope below is a bound). The hard process runs at
s_hat = x1 x2 s in its rest frame, which moves along z with beta = (x1 - x2)/(x1 + x2).

Sampling (u1, u2): the unit square of the two ISR uniforms is cut into rectangular cells, refined
where the folded rate W1 W2 sigma_hat(s_hat) varies most (the threshold s_hat = m^2 and the
radiative return to the Z, a thin band along x1 x2 = M_Z^2/s near u -> 1), each with an upper
bound of W1 W2 sigma_hat over the cell: sigma_hat's maximum over the cell's s_hat range (s_hat
grows with u1 and u2 falling, so the range is the corners'; its maximum comes from a dense table
of sigma_hat with a sparse-table range maximum and a margin) times W's maximum at the cell's ends
(W falls then rises in x). cos(theta) comes from a piecewise-constant envelope g_k(c) that bounds
the normalised shape (dsigma_hat/dcos) / sigma_hat at every sqrt(s_hat) of band k (16 geometric
bands; a cell whose s_hat range spans two takes the envelope of all). A cell is picked with
probability bound x area x int g_k (Walker's alias table), the point in it uniformly, cos from its
band's g_k. Unweighted events are kept with probability W1 W2 (dsigma_hat/dcos) / (bound g_k);
weighted ones carry that ratio times the envelope's integral. Candidates below threshold (s_hat <= m^2) are rejected (unweighted) or kept
with weight 0 (weighted): the cross section comes out right either way.

The folded cross section, which unweighted events carry as their weight, is the same integral
done by Gauss-Legendre on the cells (8 x 8 points each; the cells are refined further until the
8- and 4-point rules agree to 1e-5 summed over the cells; the 8-point sum is then good to a
few 1e-7) and Gauss-Hermite over the two spreads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numba as nb
import numpy as np

from mcgen import fpmath
from mcgen.mc.rng import alias_table
from mcgen.physics.isr import isr_beta, isr_weight
from mcgen.simd import VEC, exp_neg, log

__all__ = ["BeamParams", "beam_params", "BeamCells", "beam_cells", "BeamTables", "beam_tables", "cell_rs_range",
           "beam_fractions", "folded_cross_section", "folded_sigma", "cos_envelope", "NO_BEAMS", "SPREAD_CUT"]

SPREAD_CUT = 6.0
"""The energy-spread normals are truncated at +-SPREAD_CUT standard deviations."""
N_CELLS = 4096
_MARGIN = 1.02  # sigma_hat's maximum between the table's points exceeds theirs by far less
_GL_CELL = fpmath.gauss_legendre(4)
_GL_CHECK = fpmath.gauss_legendre(8)  # the folded cross section; its difference to _GL_CELL refines
_QUAD_TOL = 1e-5  # relative: the summed |8-point - 4-point| differences the refinement stops at
_FOLD_CELLS = 256  # cells of the first phase when the cells serve the quadrature alone
_MAX_CELLS = 1 << 16
_FOLD_BLOCK = 1 << 18  # points of sigma_hat per call in _folded
_SPREAD_1D = 0.003  # the largest spread _folded takes in one Gauss-Hermite sum under ISR (every collider's is below)
_GH_SPREAD = fpmath.gauss_hermite_e(7)  # weight exp(-g^2/2): sum of weights sqrt(2 pi)
_GL_NORM = fpmath.gauss_legendre(96)  # cos_envelope's normalisations


class BeamParams(NamedTuple):
    """The kernel's beam inputs: whether events have their own s_hat at all, ISR on/off with its
    beta, the larger of the two beams' relative energy spreads (the bounds' and the switch's), and
    each beam's."""

    on: bool
    isr: bool
    beta: float
    two_over_beta: float
    spread: float
    spread_electron: float
    spread_positron: float


NO_BEAMS = BeamParams(False, False, 1.0, 2.0, 0.0, 0.0, 0.0)


def beam_params(isr: bool, spreads: tuple[float, float], sqrt_s: float) -> BeamParams:
    """The beam stage's inputs for a card's beam table: ISR, the (e-, e+) relative energy spreads."""
    beta = isr_beta(sqrt_s**2)
    s1, s2 = float(spreads[0]), float(spreads[1])
    return BeamParams(bool(isr or max(s1, s2) > 0.0), bool(isr), beta, 2.0 / beta, max(s1, s2), s1, s2)


@nb.njit(inline="always", **VEC)
def _isr_fraction(b, u):
    """(x, W(x)) for the ISR uniform u: 1 - x = u^(2/beta) = exp(-y), y = -(2/beta) ln u, and
    W = 1 + 3 beta/8 - (1/2)(1 + x)(1 - x)^(1 - beta/2), where (1 - x)^(1 - beta/2) = (1 - x)/u
    (branch-free: it vectorizes). 1 - x, what the x -> 1 peak needs, has full relative precision,
    x an absolute one (1e-16; x -> 0 lies far below any threshold, s_hat = x1 x2 s)."""
    u = max(u, 1e-300)
    lost = exp_neg(-b.two_over_beta * log(u))  # 1 - x
    return 1.0 - lost, 1.0 + 0.375 * b.beta - 0.5 * (2.0 - lost) * lost / u


@nb.njit(inline="always", **VEC)
def beam_fractions(b, u1, u2, g1, g2):
    """(x1, x2, W1 W2): the energy fractions of the e- and e+ beams for the ISR uniforms u1, u2
    and the spread normals g1, g2, and the structure functions' weight."""
    x1, w1 = _isr_fraction(b, u1)
    x2, w2 = _isr_fraction(b, u2)
    x1, x2, w = (x1, x2, w1 * w2) if b.isr else (1.0, 1.0, 1.0)
    g1 = min(max(g1, -SPREAD_CUT), SPREAD_CUT)
    g2 = min(max(g2, -SPREAD_CUT), SPREAD_CUT)
    return x1 * (1.0 + b.spread_electron * g1), x2 * (1.0 + b.spread_positron * g2), w


class BeamCells(NamedTuple):
    """Cells of the (u1, u2) square: (n, 4) corners u1_lo, u1_hi, u2_lo, u2_hi, the bound of
    W1 W2 sigma_hat over each, and the ISR energy fractions at the corners (n, 4): x1 at u1_lo, u1_hi,
    x2 at u2_lo, u2_hi (1 without ISR)."""

    corners: np.ndarray
    bound: np.ndarray
    x: np.ndarray


def _x_of_u(u: np.ndarray, beta: float) -> np.ndarray:
    return 1.0 - fpmath.power(u, 2.0 / beta)


class _RangeMax:
    """max of a sorted table's values over the points inside [lo, hi] (a sparse table: O(1) a query)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = x
        self.levels = [y]
        while 2 ** len(self.levels) <= y.size:
            prev, half = self.levels[-1], 2 ** (len(self.levels) - 1)
            self.levels.append(np.maximum(prev[:-half], prev[half:]))

    def __call__(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        a = np.searchsorted(self.x, lo, side="left")
        b = np.searchsorted(self.x, hi, side="right")  # points a .. b - 1 lie inside
        out = np.zeros(lo.shape)
        some = b > a
        k = np.zeros(lo.shape, dtype=np.int64)
        k[some] = np.frexp((b[some] - a[some]).astype(float))[1] - 1  # floor(log2 n), exactly
        for level in np.unique(k[some]):
            sel = some & (k == level)
            table = self.levels[level]
            out[sel] = np.maximum(table[a[sel]], table[b[sel] - 2**level])
        return out


def _sigma_table(sigma_hat: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, mass: float,
                 features: tuple[float, ...], points: int = 6000) -> _RangeMax:
    """sigma_hat on a dense grid of sqrt(s_hat) in [lo, hi]: geometric, plus fine points about each
    resonance (mass, width) in ``features`` (pairs flattened) and just above threshold."""
    grid = [fpmath.geomspace(max(lo, 1e-3), hi, points)]
    for m0, g0 in zip(features[::2], features[1::2]):
        grid.append(np.linspace(m0 - 30 * g0, m0 + 30 * g0, points))
    grid.append(mass * (1.0 + fpmath.geomspace(1e-9, 1.0, points // 8)))
    x = np.unique(np.clip(np.concatenate(grid), lo, hi))
    return _RangeMax(x, sigma_hat(x))


class _Grid(NamedTuple):
    """Cells during the refinement with what they cost to compute kept beside them: x and W at the
    corners u1_lo, u1_hi, u2_lo, u2_hi and at the centre's u1, u2 (six columns), each cell's bound and
    its priority for the next split. A child shares its parent's corners and centre values (the
    centre's u is where the parent is halved): only the child's own centre is new."""

    corners: np.ndarray
    x: np.ndarray
    w: np.ndarray
    bound: np.ndarray
    prio: np.ndarray


_CHILD_COLUMNS = ((0, 4, 2, 5), (4, 1, 2, 5), (0, 4, 5, 3), (4, 1, 5, 3))
"""The parent's x and W columns at each child's corners, children in the order of :func:`_quarters`."""


def beam_cells(sigma_hat: Callable[[np.ndarray], np.ndarray], sqrt_s: float, mass: float, beams: BeamParams,
               features: tuple[float, ...] = (), n_cells: int = N_CELLS, converge: bool = False) -> BeamCells:
    """The (u1, u2) cells for a rate sigma_hat(sqrt(s_hat)) (pb, vectorised: a function of each point
    alone; 0 at and below threshold): refined, four children at a time, where bound x area most exceeds
    the rate at the cell's centre x area, until there are about ``n_cells``; with ``converge``, then
    where the 8- and 4-point Gauss-Legendre rules differ most, until their summed difference is below
    1e-5 of the integral (for :func:`folded_cross_section`). ``features`` = (M, Gamma, ...) resonances
    for the table of sigma_hat."""
    hi_rs = sqrt_s * (1.0 + SPREAD_CUT * beams.spread)
    if beams.isr:
        lo_rs, points = mass * (1.0 + 1e-12), 6000
    else:  # the spread alone: sqrt(s_hat) within sqrt(s) (1 +- 6 spreads); 400 points, <= 4e-5 apart at 0.134%
        lo_rs, points = max(sqrt_s / (1.0 + SPREAD_CUT * beams.spread), mass * (1.0 + 1e-12)), 400
    table = _sigma_table(sigma_hat, min(lo_rs, hi_rs), hi_rs, mass, features, points)
    beta = beams.beta

    def x_and_w(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not beams.isr:
            return np.ones(u.shape), np.ones(u.shape)
        x = _x_of_u(u, beta)
        return x, isr_weight(x, beta)

    def grid(corners: np.ndarray, x: np.ndarray, w: np.ndarray) -> _Grid:
        """Bounds and priorities (bound minus the rate at the centre, times the area): sigma_hat at the
        ends of each cell's sqrt(s_hat) range and at its centre in one call."""
        rs_lo, rs_hi = _rs_range(x, sqrt_s, mass, beams)
        at_lo, at_hi, at_centre = np.split(sigma_hat(np.concatenate([rs_lo, rs_hi, sqrt_s * np.sqrt(x[:, 4] * x[:, 5])])), 3)
        top = np.maximum(table(rs_lo, rs_hi), np.maximum(at_lo, at_hi))
        bound = _MARGIN * top * np.maximum(w[:, 0], w[:, 1]) * np.maximum(w[:, 2], w[:, 3])
        return _Grid(corners, x, w, bound, (bound - w[:, 4] * w[:, 5] * at_centre) * _area(corners))

    def split(parents: _Grid) -> _Grid:
        corners = _quarters(parents.corners)
        x_mid, w_mid = x_and_w(_centres(corners))
        return grid(corners, *(np.concatenate([np.concatenate([v[:, c] for c in _CHILD_COLUMNS]), mid], axis=1)
                               for v, mid in ((parents.x, x_mid), (parents.w, w_mid))))

    corners = np.array([[0.0, 1.0, 0.0, 1.0]])
    cells = grid(corners, *x_and_w(np.concatenate([corners, _centres(corners)], axis=1)))
    if beams.isr:  # first for the envelope's efficiency, then (converge) until the quadrature has converged
        cells = _refine(cells, split, lambda g: len(g.bound) >= n_cells, n_cells)
        if converge:
            tolerance = max(_QUAD_TOL, _rounding_tolerance(sqrt_s, mass))
            scale = float(_cell_quadrature(sigma_hat, sqrt_s, beta, cells.corners, _GL_CHECK).sum())

            def by_error(g: _Grid) -> _Grid:
                return g._replace(prio=np.abs(_cell_quadrature(sigma_hat, sqrt_s, beta, g.corners, _GL_CELL)
                                              - _cell_quadrature(sigma_hat, sqrt_s, beta, g.corners, _GL_CHECK)))

            cells = _refine(by_error(cells), lambda g: by_error(split(g)),
                            lambda g: bool(len(g.bound) >= _MAX_CELLS or g.prio.sum() < tolerance * scale), n_cells)
    mass_of = cells.bound * _area(cells.corners)
    if not np.all(np.isfinite(mass_of)) or mass_of.sum() <= 0.0:
        raise ValueError("no phase space above threshold for the beams' energies")
    return BeamCells(np.ascontiguousarray(cells.corners), np.ascontiguousarray(cells.bound), np.ascontiguousarray(cells.x[:, :4]))


def _refine(cells: _Grid, split: Callable[[_Grid], _Grid], done: Callable[[_Grid], bool], n_cells: int) -> _Grid:
    """Split the cells of the highest priority (a third of what is missing to ``n_cells``, then an
    eighth of them) until ``done``; the kept cells first, in their order, then the children."""
    while not done(cells):
        n = len(cells.bound)
        n_split = max(1, (n_cells - n) // 3 if n < n_cells else n // 8)
        order = np.argsort(-cells.prio, kind="stable")
        kept, parents = (_Grid(*(a[i] for a in cells)) for i in (np.sort(order[n_split:]), order[:n_split]))
        cells = _Grid(*(np.concatenate(pair) for pair in zip(kept, split(parents))))
    return cells


def _centres(corners: np.ndarray) -> np.ndarray:
    """The cells' centres (u1, u2): where :func:`_quarters` halves them."""
    return 0.5 * (corners[:, 0::2] + corners[:, 1::2])


def _rounding_tolerance(sqrt_s: float, mass: float) -> float:
    """The relative accuracy sigma_hat's rounding allows the quadrature at threshold: sigma_hat goes
    as (s_hat - m^2)^n there, and s_hat - m^2 carries the rounding of s_hat (a few units in the last
    place) relative to s - m^2. It exceeds _QUAD_TOL only within ~1e-10 of the beams' reach, where
    the refinement would otherwise split cells to the cap chasing the noise (seconds, a gigabyte).

    >>> bool(_rounding_tolerance(240.0, 120.0) < 1e-13), bool(1e-5 < _rounding_tolerance(240.0, 240.0 * (1 - 1e-12)) < 1e-2)
    (True, True)
    """
    headroom = 1.0 - (mass / sqrt_s) ** 2
    return 16.0 * np.finfo(float).eps / headroom if headroom > 0.0 else math.inf


def cell_rs_range(c: np.ndarray, sqrt_s: float, mass: float, beams: BeamParams) -> tuple[np.ndarray, np.ndarray]:
    """The range of sqrt(s_hat) over each cell (x falls with u: the largest s_hat at the low corner;
    the spread widens it by its cut), at least the threshold ``mass``."""
    return _rs_range(_x_of_u(c, beams.beta) if beams.isr else np.ones(c.shape), sqrt_s, mass, beams)


def _rs_range(x: np.ndarray, sqrt_s: float, mass: float, beams: BeamParams) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cell_rs_range` from x at each cell's corners (columns x1 at u1_lo, u1_hi, x2 at u2_lo, u2_hi)."""
    widen = 1.0 + SPREAD_CUT * beams.spread
    rs_lo = np.maximum(sqrt_s * np.sqrt(np.clip(x[:, 1] * x[:, 3], 0.0, None)) / widen, mass)
    rs_hi = np.maximum(sqrt_s * np.sqrt(x[:, 0] * x[:, 2]) * widen, mass)
    return rs_lo, rs_hi


class BeamTables(NamedTuple):
    """What the kernel samples with beam effects: the cells' corners (n, 4) and bounds, each cell's
    cos(theta) band, the alias table of the cells (by bound x area x the band envelope's integral),
    and per band (rows) the cos(theta) envelope and its alias table; the last row bounds every s_hat."""

    corners: np.ndarray
    bound: np.ndarray
    band: np.ndarray
    cell_p: np.ndarray
    cell_j: np.ndarray
    env: np.ndarray
    env_p: np.ndarray
    env_j: np.ndarray


N_BANDS = 16
"""sqrt(s_hat) bands with their own cos(theta) envelope (the angular shape changes with s_hat: the
W t channel is the more forward the higher s_hat; one envelope for all costs 30-40% acceptance)."""
_BAND_POINTS = 6


def beam_tables(cells: BeamCells, shape: Callable[[np.ndarray, float], np.ndarray], sqrt_s: float, mass: float,
                beams: BeamParams, extra: tuple[float, ...] = (), bins: int = 1024,
                bands: int = N_BANDS) -> tuple[BeamTables, float]:
    """The kernel's tables for cells and an angular shape(c, sqrt(s_hat)), and the integral of the
    envelope (pb). A cell whose sqrt(s_hat) range lies in one of the ``bands`` takes that band's
    envelope, any other the last row's; ``extra``: sqrt(s_hat) values every band containing them
    must include (M_Z)."""
    rs_lo, rs_hi = _rs_range(cells.x, sqrt_s, mass, beams)
    lo, hi = max(float(rs_lo.min()), mass * (1.0 + 1e-6)), float(rs_hi.max())
    edges = fpmath.geomspace(lo, hi, bands + 1) if hi > lo * (1 + 1e-9) else np.array([lo, hi])
    env = []
    for a, b in zip(edges[:-1], edges[1:]):
        points = np.concatenate([fpmath.geomspace(a, b, _BAND_POINTS), [e for e in extra if a < e < b]])
        env.append(cos_envelope(shape, points, bins=bins))
    env.append(np.max(env, axis=0))
    table = np.array(env)
    band = np.full(len(rs_lo), len(env) - 1, dtype=np.int64)
    k_lo = np.searchsorted(edges, rs_lo, side="right") - 1
    k_hi = np.searchsorted(edges, rs_hi, side="left") - 1
    inside = (k_lo == k_hi) & (k_lo >= 0) & (k_lo < len(edges) - 1)
    band[inside] = k_lo[inside]
    band[rs_hi <= lo] = 0  # below threshold: never accepted, any band
    integral = table.sum(axis=1) * 2.0 / bins
    mass_of = cells.bound * _area(cells.corners) * integral[band]
    cell_p, cell_j = alias_table(mass_of)
    aliases = [alias_table(row) for row in table]
    tables = BeamTables(cells.corners, cells.bound, band, cell_p, cell_j, np.ascontiguousarray(table),
                        np.array([a[0] for a in aliases]), np.array([a[1] for a in aliases]))
    return tables, float(mass_of.sum())


def _area(c: np.ndarray) -> np.ndarray:
    return (c[:, 1] - c[:, 0]) * (c[:, 3] - c[:, 2])


def _quarters(c: np.ndarray) -> np.ndarray:
    """The four children of each cell (halved along u1 and u2)."""
    m1, m2 = 0.5 * (c[:, 0] + c[:, 1]), 0.5 * (c[:, 2] + c[:, 3])
    return np.concatenate([
        np.stack([c[:, 0], m1, c[:, 2], m2], axis=1), np.stack([m1, c[:, 1], c[:, 2], m2], axis=1),
        np.stack([c[:, 0], m1, m2, c[:, 3]], axis=1), np.stack([m1, c[:, 1], m2, c[:, 3]], axis=1)])


def _cell_points(beta: float, c: np.ndarray, rule: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """x1 x2 and the weights (area, W1 W2 included) of a Gauss-Legendre rule on each cell: (cells, points)."""
    t, wt = rule
    h1, h2 = 0.5 * (c[:, 1] - c[:, 0]), 0.5 * (c[:, 3] - c[:, 2])
    u1 = (0.5 * (c[:, 0] + c[:, 1]))[:, None, None] + h1[:, None, None] * t[None, :, None]
    u2 = (0.5 * (c[:, 2] + c[:, 3]))[:, None, None] + h2[:, None, None] * t[None, None, :]
    x1, x2 = _x_of_u(u1, beta), _x_of_u(u2, beta)
    weights = (h1 * h2)[:, None, None] * wt[None, :, None] * wt[None, None, :] * isr_weight(x1, beta) * isr_weight(x2, beta)
    return (x1 * x2).reshape(len(c), -1), weights.reshape(len(c), -1)


def _cell_quadrature(sigma_hat: Callable[[np.ndarray], np.ndarray], sqrt_s: float, beta: float, c: np.ndarray,
                     rule: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """int W1 W2 sigma_hat du1 du2 over each cell (no spread), by the rule."""
    tau, weights = _cell_points(beta, c, rule)
    return (sigma_hat(sqrt_s * np.sqrt(tau.ravel())).reshape(tau.shape) * weights).sum(axis=1)


def folded_cross_section(sigma_hat: Callable[[np.ndarray], np.ndarray], sqrt_s: float, beams: BeamParams,
                         cells: BeamCells) -> np.ndarray:
    """See :func:`folded_sigma`; on cells made with ``converge``."""
    return _folded(sigma_hat, sqrt_s, beams, cells)


def folded_sigma(sigma_hat: Callable[[np.ndarray], np.ndarray], sqrt_s: float, mass: float, beams: BeamParams,
                 features: tuple[float, ...] = (), pieces: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """sigma(s) = int dx1 dx2 D(x1) D(x2) (spread) sigma_hat(x1 x2 s), on cells made for it; with
    ``pieces`` (rows that may change sign, such as interferences), those folded on sigma_hat's cells."""
    cells = beam_cells(sigma_hat, sqrt_s, mass, beams, features, _FOLD_CELLS, converge=True)
    return _folded(pieces or sigma_hat, sqrt_s, beams, cells)


def _folded(sigma_hat: Callable[[np.ndarray], np.ndarray], sqrt_s: float, beams: BeamParams,
            cells: BeamCells) -> np.ndarray:
    """int du1 du2 W1 W2 E_g1,g2[sigma_hat(sqrt(s x1 x2 f))], f = (1 + sigma g1)(1 + sigma g2):
    Gauss-Legendre (8 x 8) on every cell and 7-point Gauss-Hermite over the spreads; sigma_hat may
    return several rows (pieces).

    With ISR and spreads of at most _SPREAD_1D the spreads take one sum, not 7 x 7 (see
    :func:`_spread_factor_1d`). Against the 9 x 9 product rule: 2e-10 at 0.08% on the Z pole, 1e-12 at
    0.134% at 240 GeV, 2e-6 at 0.5% on the Z pole."""
    if beams.isr:
        tau, weights = (a.ravel() for a in _cell_points(beams.beta, cells.corners, _GL_CHECK))
    else:
        weights, tau = np.ones(1), np.ones(1)
    if beams.spread > 0.0:
        g, wg = _GH_SPREAD
        keep, s1, s2 = np.abs(g) <= SPREAD_CUT, beams.spread_electron, beams.spread_positron
        g, wg = g[keep], wg[keep] / math.sqrt(2.0 * math.pi)
        if beams.isr and beams.spread <= _SPREAD_1D:
            f, wf = _spread_factor_1d(s1, s2, g), wg
        else:
            f, wf = ((1.0 + s1 * g[:, None]) * (1.0 + s2 * g[None, :])).ravel(), (wg[:, None] * wg[None, :]).ravel()
        tau = (tau[:, None] * f[None, :]).ravel()
        weights = (weights[:, None] * wf[None, :]).ravel()
    rs = sqrt_s * np.sqrt(tau)
    # in blocks: sigma_hat's temporaries for millions of points at once cost more in page faults than in arithmetic
    return sum((fpmath.dot(np.asarray(sigma_hat(rs[i:i + _FOLD_BLOCK])), weights[i:i + _FOLD_BLOCK])
                for i in range(0, len(rs), _FOLD_BLOCK)), np.zeros(()))


def _spread_factor_1d(s1: float, s2: float, g: np.ndarray) -> np.ndarray:
    """The factor f = (1 + s1 g1)(1 + s2 g2) on s as a function of one normal g: with S^2 = s1^2 + s2^2,
    g = (s1 g1 + s2 g2)/S and h = (s2 g1 - s1 g2)/S are independent normals, and
    f = 1 + S g + (s1 s2/S^2)(s1 s2 (g^2 - h^2) + (s2^2 - s1^2) g h). The mean over h of sigma_hat(s f)
    sets h^2 to its mean 1 and drops the odd term, erring by O(s^4 sigma_hat''):
    f = 1 + S g + (s1 s2/S)^2 (g^2 - 1). Equal spreads s: f = 1 + sqrt(2) s g + (s^2/2)(g^2 - 1).

    >>> _spread_factor_1d(0.002, 0.0, np.array([1.0, -2.0])).tolist()  # one beam's spread: exact
    [1.002, 0.996]
    """
    if s1 == s2:
        return 1.0 + math.sqrt(2.0) * s1 * g + 0.5 * s1 * s1 * (g * g - 1.0)
    total = math.hypot(s1, s2)
    return 1.0 + total * g + (s1 * s2 / total) ** 2 * (g * g - 1.0)


def cos_envelope(shape: Callable[[np.ndarray, float], np.ndarray], rs_values: np.ndarray, bins: int = 1024,
                 sub: int = 16) -> np.ndarray:
    """Bin heights of a piecewise-constant g(c) on [-1, 1] that bounds shape(c, rs) / int shape dc for
    every sqrt(s_hat) in ``rs_values`` (dense enough that the shape varies little between them); the
    shape is vectorised in c, a function of each c alone."""
    edges = np.linspace(-1.0, 1.0, bins + 1)
    pts = (edges[:-1, None] + (edges[1] - edges[0]) * np.linspace(0.0, 1.0, sub + 1)[None, :]).ravel()
    x, w = _GL_NORM
    points = np.concatenate([x, pts])  # one call per sqrt(s_hat): the shape is a function of each c alone
    top = np.zeros(bins)
    for rs in rs_values:
        at_x, at_pts = np.split(shape(points, rs), [len(x)])
        norm = float(fpmath.dot(w, at_x))
        if norm > 0.0:
            values = (at_pts / norm).reshape(bins, sub + 1)
            top = np.maximum(top, values.max(axis=1) + 0.02 * (values.max(axis=1) - values.min(axis=1)))
    return 1.05 * top + 1e-9 * top.max()
