"""95% CL limits on d_gamma for the analyses of docs/physics/limits.md.

One weighted Monte Carlo run per (card, mass, flavour) serves every coupling structure:
the event weights are a quadratic form in (d_gamma, d_Z, d_W) (mcgen.mc.driver.reweight),
and the decay probability is analytic per event, P(inside) = 1 - exp(-b d^2 / lambda_1),
with b the distance to the volume boundary along N and lambda_1 the lab decay length at
d_gamma = 1 (lambda scales as 1/d^2 at fixed structure). The signal is therefore not a pure
d^2 law: each criterion is solved on a logarithmic grid in d_gamma, with bisection at every
crossing, and the excluded intervals are reported.

Criteria (the card's [limit] table)::

    - sigma_upper (OPAL):  sigma Br eps_cuts eps_det P(inside) > sigma_95
    - chi2 (DELPHI):       ((sigma_SM + sigma_N - sigma_exp)/delta)^2 > chi2_95, with sigma_N the same
                           visible signal; chi2_95 = 3.84 is the absolute chi^2 for one parameter (the
                           paper's choice), i.e. sigma_N > sigma_exp - sigma_SM + delta sqrt(chi2_95)
    - z_br_upper (L3):     2 Gamma(Z -> N nu) Br eps_cuts P(inside) / Gamma_Z > br_95, with eps_cuts and
                           P(inside) of the Z-mediated events
    - z_inv_width:         2 Gamma(Z -> N nu) P(outside) > gamma_inv_95
    - s2b (CEPC):          S^2/B > 2.71 with S = L sigma Br eps_cuts eps_det P(inside) and B = L sigma_SM(nu
                           nubar gamma) eps_det after the same cuts (mcgen.mc.background)
    - cls (CEPC):          expected 95% CL CLs limit (pyhf) from the binned true-photon energy spectrum with
                           a background-normalisation uncertainty (cls_limit)

eps_det is the card's photon efficiency (as in the paper); eps_cuts the truth-level selection.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mcgen import fpmath, progress
from mcgen._version import __version__
from mcgen.config.cards import Card
from mcgen.config.criteria import BACKGROUND_CRITERIA, CRITERIA, criterion
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, MissingExtraError, ModelError, NoPhaseSpaceError, shown
from mcgen.mc.driver import generate, reweight
from mcgen.physics.model import COUPLING_COLUMNS, D_GAMMA_RANGE, MASS_RANGE_GEV, Couplings, Model, decay_length_m, two_body_momentum, widths
from mcgen.physics.xsec import width_z_to_n_nubar

__all__ = ["BACKGROUND_CRITERIA", "SignalSample", "signal_sample", "reachable_sample", "LimitResult", "solve_excluded",
           "first_crossing", "MONOTONIC", "limit_for", "parse_masses", "eps_cuts",
           "scan_limits", "limits_table", "limits_for_samples", "mass_threshold", "background_from_files", "card_inputs",
           "union_intervals", "visible_background_pb", "visible_background", "SUPPORTED", "SampleReducer", "combine_cards"]

SUPPORTED = tuple(CRITERIA)  # every criterion of the registry has its signal here (CLs: cls_limit)
GRID_PER_DECADE = 20
MAX_MASSES = 10_000
"""The most masses one --masses may list (each is a Monte Carlo run)."""
_REFERENCE = Couplings(1e-6, 1e-6, 1e-6)  # any structure: the weighted proposal does not depend on it


@dataclasses.dataclass(frozen=True)
class SignalSample:
    """The reduced Monte Carlo of one (card, mass, flavour): reweighting coefficients summed
    per distinct boundary distance, for all events and for events passing the true-photon cuts."""

    card: Card
    mass: float
    flavour: str
    options: PhysicsOptions
    n_events: int
    boundary_m: np.ndarray  # (n_b,): distances to the decay-volume surface / flight_scale (beam effects)
    coeff_all: np.ndarray  # (6, n_b): sum of w_ij / N per boundary value
    coeff_pass: np.ndarray  # (6, n_b): the same for events passing the cuts
    background_pb: float | np.ndarray | None = None  # SM nu nubar gamma after the cuts (S^2/B), or per bin (CLs)
    coeff_binned: np.ndarray | None = None  # (6, n_b, n_bins): passing events per photon-energy bin (CLs)

    def weights(self, c: Couplings, passing: bool) -> np.ndarray:
        """sigma contributions (pb) per boundary value for couplings c."""
        table = dict(zip(COUPLING_COLUMNS, self.coeff_pass if passing else self.coeff_all))
        return reweight(table, c.d_gamma, c.d_Z, c.d_W)

    @functools.cached_property
    def coeff_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """The six coefficients summed over the boundary values (in order, ``_ordered_sums``),
        for all events and for those passing: sigma and sigma x eps_cuts are linear in them."""
        return _ordered_sums(self.coeff_all), _ordered_sums(self.coeff_pass)


class SampleReducer:
    """Reduces events, batch by batch, to a :class:`SignalSample`: the reweighting coefficients
    summed per boundary distance (rounded to 0.1 mm: exact for spheres, a few thousand values for
    cylinders), for all events and for those passing the selection, and per photon-energy bin of
    the CLs fit; and, for ``n_factors`` > 0, the coefficients times per-event factors summed over
    all events (:attr:`~SampleReducer.factor_sums`: the event files' P(inside) and eps_det sums). The events are
    summed in pieces of :data:`PIECE` at fixed places in the sample (events 0 to PIECE - 1, PIECE to
    2 PIECE - 1, ...), whatever the batches they come in, each piece in order by one compiled pass
    (mcgen.analysis.reduce), and the piece sums are added in order: a sample read from a file in
    chunks reduces to the same numbers, to the last bit, as the same events in memory at once."""

    PIECE = 1 << 16

    def __init__(self, edges: np.ndarray | None = None, n_factors: int = 0) -> None:
        self.edges = edges
        self.nb = 1 if edges is None else edges.size - 1
        self.n = 0
        self._lookup = np.full(1, -1, dtype=np.int64)  # bin of each 0.1 mm key, -1: none yet
        self._keys: list[int] = []  # key of each bin, in order of first appearance
        self._all, self._pass, self._binned = np.zeros((6, 0)), np.zeros((6, 0)), np.zeros((6, 0))
        self._factors = np.zeros((6, n_factors))
        self._pending: list[dict[str, np.ndarray]] = []
        self._pending_n = 0

    def add(self, cols: Any, passing: np.ndarray, factors: np.ndarray | None = None) -> None:
        """A batch of events: columns (w_ij, boundary_m, gamma_E), the selection flag per event and,
        with ``n_factors``, the factors as an (n_factors, events) array."""
        batch = {name: np.ascontiguousarray(_array(cols[name]), dtype=np.float64) for name in COUPLING_COLUMNS}
        boundary = np.asarray(_array(cols["boundary_m"]), dtype=np.float64)
        if "flight_scale" in _fields(cols):  # beam effects: the distance in units of the nominal decay length
            boundary = boundary / np.asarray(_array(cols["flight_scale"]), dtype=np.float64)
        # an event of weight 0 for every coupling (beyond the endpoint with ISR) adds nothing to any
        # bin: it goes to distance 0, whatever its kinematics, and is not taken for a foreign file's
        nothing = np.logical_and.reduce([batch[name] == 0.0 for name in COUPLING_COLUMNS])
        if nothing.any():
            boundary = np.where(nothing, 0.0, boundary)
        batch["boundary_m"] = np.ascontiguousarray(boundary)
        batch["passing"] = np.ascontiguousarray(passing, dtype=np.bool_)
        size = len(batch["passing"])
        if self.edges is not None:
            energy = _array(cols["gamma"].E if "gamma_E" not in _fields(cols) else cols["gamma_E"])
            batch["which"] = np.clip(np.searchsorted(self.edges, np.asarray(energy, dtype=np.float64), side="right") - 1,
                                     0, self.nb - 1)
        batch["factors"] = np.ascontiguousarray(np.zeros((0, size)) if factors is None else factors, dtype=np.float64)
        if batch["factors"].shape != (self._factors.shape[1], size):
            raise ValueError(f"factors of shape {batch['factors'].shape}, expected {(self._factors.shape[1], size)}")
        start = 0
        if self._pending_n:  # complete the piece a previous batch began
            take = min(self.PIECE - self._pending_n, size)
            self._pending.append({k: v[..., :take] for k, v in batch.items()})
            self._pending_n += take
            start = take
            if self._pending_n == self.PIECE:
                self._reduce()
        while size - start >= self.PIECE:  # whole pieces straight from the batch (views, no copy)
            self._piece({k: v[..., start:start + self.PIECE] for k, v in batch.items()})
            start += self.PIECE
        if start < size:
            self._pending.append({k: v[..., start:] for k, v in batch.items()})
            self._pending_n += size - start

    @property
    def factor_sums(self) -> np.ndarray:
        """(6, n_factors): sum over the events of w_ij times each factor (read once all are added)."""
        self._reduce()
        return self._factors

    def _reduce(self) -> None:
        """Sum what is pending as one piece (a complete one, or the last partial one at the end)."""
        if self._pending_n:
            self._piece({k: np.concatenate([b[k] for b in self._pending], axis=-1) for k in self._pending[0]})
        self._pending, self._pending_n = [], 0

    def _piece(self, piece: dict[str, np.ndarray]) -> None:
        from mcgen.analysis.reduce import bin_index, sum_piece

        boundary = np.ascontiguousarray(piece["boundary_m"])
        if boundary.size == 0:
            return
        index = np.empty(boundary.size, dtype=np.int64)
        if bin_index(boundary, self._lookup, index):
            self._add_keys(boundary)
            bin_index(boundary, self._lookup, index)
        w = tuple(np.ascontiguousarray(piece[name]) for name in COUPLING_COLUMNS)
        which = np.ascontiguousarray(piece["which"]) if "which" in piece else np.zeros(0, dtype=np.int64)
        sum_piece(index, w, np.ascontiguousarray(piece["passing"]), which, self.nb, piece["factors"],  # (k, n) view
                  self._all, self._pass, self._binned, self._factors)
        self.n += boundary.size

    def _add_keys(self, boundary: np.ndarray) -> None:
        """Bins for the 0.1 mm keys of a piece that have none yet (the distances checked first)."""
        keys = np.rint(boundary * 1e4).astype(np.int64)  # np.round(b, 4) = rint(b * 1e4) / 1e4
        if keys.min() < 0 or keys.max() > 100_000_000:
            raise InputError("a distance to the decay-volume surface is negative or above 10 km: not an mcgen event file?")
        if keys.max() >= self._lookup.size:
            self._lookup = np.concatenate([self._lookup, np.full(int(keys.max()) + 1 - self._lookup.size, -1, dtype=np.int64)])
        new = _unique(keys[self._lookup[keys] < 0])
        self._lookup[new] = np.arange(len(self._keys), len(self._keys) + new.size)
        self._keys.extend(new.tolist())
        grow = np.zeros((6, new.size))
        self._all, self._pass = np.concatenate([self._all, grow], axis=1), np.concatenate([self._pass, grow], axis=1)
        self._binned = np.concatenate([self._binned, np.zeros((6, new.size * self.nb))], axis=1)

    def sample(self, card: Card, mass: float, flavour: str, options: PhysicsOptions,
               background_pb: float | np.ndarray | None = None) -> SignalSample:
        self._reduce()
        keys = np.array(self._keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        boundary = keys[order] / 1e4  # = np.round(b, 4), as numpy rounds: rint(b * 1e4) / 1e4
        n = self.n
        binned = self._binned.reshape(6, -1, self.nb)[:, order] / n if self.edges is not None else None
        return SignalSample(card, mass, flavour, options, n, boundary, self._all[:, order] / n, self._pass[:, order] / n,
                            background_pb, binned)


def _unique(keys: np.ndarray) -> np.ndarray:
    """np.unique of small non-negative integers through a bitmap over their range (20x faster)."""
    if keys.size == 0:
        return keys
    lo = int(keys.min())
    seen = np.zeros(int(keys.max()) - lo + 1, dtype=np.bool_)
    seen[keys - lo] = True
    return np.flatnonzero(seen) + lo


def _fields(cols: Any) -> set[str]:
    return set(cols.fields) if hasattr(cols, "fields") else set(cols)


def _array(values: Any) -> np.ndarray:
    return values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)


"""The criteria that need the SM background (and whose tables carry the photon-energy spectrum)."""


def signal_sample(card: Card, mass: float, flavour: str, options: PhysicsOptions, n: int, seed: int,
                  background_pb: float | np.ndarray | None = None, binned: bool | None = None) -> SignalSample:
    """Run the weighted generator once and reduce it to what the limits need (with the photon-energy
    spectrum when ``binned``; by default for the CLs criterion)."""
    model = Model(mass, _REFERENCE, flavour, a=0.0)
    cols = generate(card, model, n, seed, options, weighted=True, quadrature=False).columns
    binned = card.limit.criterion == "cls" if binned is None else binned
    reducer = SampleReducer(spectrum_edges(card) if binned else None)
    reducer.add(cols, cols["truth_pass"])
    return reducer.sample(card, mass, flavour, options, background_pb)


def spectrum_edges(card: Card) -> np.ndarray:
    """Photon-energy bins of the CLs fit: [limit] spectrum_bins equal bins over the selected range."""
    from mcgen.mc.phasespace import photon_energy_range

    lo, hi = photon_energy_range(card, resolutions=0.0)
    return np.linspace(lo, hi, int(card.limit.value("spectrum_bins")) + 1)


def visible_background(card: Card, n: int, seed: int) -> tuple[float | np.ndarray, dict[str, Any]]:
    """The SM e+e- -> nu nubar gamma cross section after the card's cuts on the true photon,
    times the photon efficiency (mcgen.mc.background): a number for S^2/B, per spectrum bin for
    CLs; computed once per card content, statistics and seed (mcgen.analysis.background.cached),
    with where it came from."""
    from mcgen.analysis.background import cached
    from mcgen.mc.background import background_cross_section

    if card.limit.criterion == "cls":
        edges = spectrum_edges(card)
        spectrum, info = cached(card, n, seed, f"spectrum {edges.tolist()}",
                                lambda: background_cross_section(card, n, seed, edges=edges)["spectrum_pb"])
        return np.asarray(spectrum) * card.detector.photon_efficiency, info
    sigma, info = cached(card, n, seed, "sigma", lambda: background_cross_section(card, n, seed)["sigma_pb"])
    return sigma * card.detector.photon_efficiency, info


def visible_background_pb(card: Card, n: int, seed: int) -> float | np.ndarray:
    """:func:`visible_background` without its provenance."""
    return visible_background(card, n, seed)[0]


def background_from_files(card: Card, paths: Any, cuts: Sequence[Any] = ()) -> float | np.ndarray:
    """The visible SM background of :func:`visible_background_pb` from background event files
    (``mcgen background -o``): sum(weight x selection) / N times the photon efficiency (weight:
    ``weight_photon_pb`` of weighted files, else ``weight_pb``), with the
    card's cuts on the true photon (``truth_pass``) or the same ``cuts`` as the signal (parsed
    :class:`~mcgen.selection.expressions.Cut`); per spectrum bin for CLs cards."""
    from mcgen.io.read import read
    from mcgen.mc.events import cut_fields
    from mcgen.selection.expressions import combine

    events = read(paths)  # at once: the mean is then the in-memory one's, to the last digit
    if "N" in events.fields:
        raise InputError("--background takes SM background files (mcgen background -o), not signal events")
    if len(events) == 0:
        raise InputError("the background files hold no events")
    passing = events["truth_pass"].to_numpy() if not cuts else combine(list(cuts), cut_fields(events))
    # weighted files: the weights the in-memory background is made of (nu nubar directions integrated)
    weight = "weight_photon_pb" if "weight_photon_pb" in events.fields else "weight_pb"
    passed = events[weight].to_numpy() * passing
    eff = card.detector.photon_efficiency
    if card.limit.criterion == "cls":
        spectrum = np.histogram(events.gamma.E.to_numpy(), bins=spectrum_edges(card), weights=passed)[0] / len(events)
        return np.asarray(spectrum) * eff
    return float(passed.mean()) * eff


def _p_inside(boundary: np.ndarray, d: np.ndarray, lambda_1: float) -> np.ndarray:
    """P(decay before the boundary) for every (d, boundary): shape (len(d), len(boundary))."""
    return -fpmath.expm1(-np.multiply.outer(d * d, boundary) / lambda_1)


def signal_function(sample: SignalSample, structure: Couplings):
    """f(d_gamma) for the card's criterion and the threshold it must stay below."""
    card, ew, lim = sample.card, sample.card.electroweak, sample.card.limit
    w = widths(Model(sample.mass, structure, sample.flavour, a=0.0), ew, sample.options.three_body)
    br = w.br_nu_gamma
    k = float(two_body_momentum(card.sqrt_s, sample.mass))
    lambda_1 = float(decay_length_m(k, sample.mass, w.total))  # at d_gamma = 1
    b = sample.boundary_m
    if lim.criterion in ("sigma_upper", "chi2", "s2b"):
        visible = sample.weights(structure, passing=True) * br * card.detector.photon_efficiency

        def f(d):
            d = np.asarray(d, dtype=float)
            return d * d * fpmath.dot(_p_inside(b, d, lambda_1), visible)

        if lim.criterion == "sigma_upper":
            return f, lim.value("sigma_95_pb")
        if lim.criterion == "s2b":  # S^2/B > s2b_95 with S = L sigma_vis, B = L sigma_bkg
            if sample.background_pb is None:
                raise InputError(f"card {card.name}: the S^2/B criterion needs the SM background cross section")
            return f, math.sqrt(lim.value("s2b_95") * sample.background_pb / card.beam.luminosity_invpb)
        return f, lim.value("sigma_exp_pb") - lim.value("sigma_sm_pb") + lim.value("delta_pb") * math.sqrt(lim.value("chi2_95"))
    z_only = Couplings(0.0, structure.d_Z, 0.0)
    gamma_z1 = 2.0 * float(width_z_to_n_nubar(sample.mass, structure.d_Z, ew))  # N nu + Nbar nu at d_gamma = 1
    if lim.criterion == "z_br_upper":
        total = float(sample.weights(z_only, passing=False).sum())
        passing = sample.weights(z_only, passing=True) / total if total > 0 else 0.0 * b

        def f(d):
            d = np.asarray(d, dtype=float)
            return d * d * gamma_z1 * br * fpmath.dot(_p_inside(b, d, lambda_1), passing) / ew.Gamma_Z

        return f, lim.value("br_95")
    if lim.criterion == "z_inv_width":
        all_z = sample.weights(z_only, passing=False)
        share = all_z / all_z.sum() if all_z.sum() > 0 else 0.0 * b

        def f(d):
            d = np.asarray(d, dtype=float)
            return d * d * gamma_z1 * fpmath.dot(fpmath.exp(-np.multiply.outer(d * d, b) / lambda_1), share)

        return f, lim.value("gamma_inv_95_GeV")
    raise InputError(f"card {card.name}: limit criterion {lim.criterion!r} has no signal function (the CLs limit is cls_limit)")


def solve_excluded(f, threshold: float, lo: float = 1e-12, hi: float = D_GAMMA_RANGE[1]) -> list[list[float | None]]:
    """Intervals of d in [lo, hi] where f(d) > threshold: a log grid plus bisection at each crossing.
    f takes an array of d. An interval still open at hi has None as its upper end."""
    grid = fpmath.geomspace(lo, hi, int(GRID_PER_DECADE * math.log10(hi / lo)) + 1)
    above = np.asarray(f(grid)) > threshold

    def crossing(a: float, b: float) -> float:
        above_a = bool(f(np.array([a]))[0] > threshold)
        for _ in range(45):  # grid steps are 12%: 45 halvings of the log step reach 1e-15
            mid = math.sqrt(a * b)
            if bool(f(np.array([mid]))[0] > threshold) == above_a:
                a = mid
            else:
                b = mid
        return math.sqrt(a * b)

    intervals: list[list[float | None]] = []
    start: float | None = grid[0] if above[0] else None
    for i in range(1, grid.size):
        if above[i] and not above[i - 1]:
            start = crossing(grid[i - 1], grid[i])
        elif above[i - 1] and not above[i]:
            intervals.append([start, crossing(grid[i - 1], grid[i])])
            start = None
    if above[-1]:
        intervals.append([start, None])
    return intervals


MONOTONIC = tuple(name for name, c in CRITERIA.items() if c.monotonic)
"""Criteria whose signal (d^2 times the probability to decay inside the volume, which grows with d)
grows with d_gamma: the excluded region is one interval from d_gamma_95 up."""


def first_crossing(f, threshold: float, lo: float = 1e-12, hi: float = D_GAMMA_RANGE[1]) -> float | None:
    """The smallest d in [lo, hi] with f(d) > threshold for an f that grows with d (None if f(hi) is
    not above it). f is d^2 times a rate that rises to its prompt value c at large d (the decay
    probability goes to 1), so the search starts at sqrt(threshold/c) with c = f(hi)/hi^2, steps by
    factors of 4 to a bracket, and ends with the Illinois variant of regula falsi on log f against
    log d (nearly a straight line: f goes as d^2 to d^4), to 1e-15 in log d: about ten calls of f,
    each as costly as the sample's boundary distances are many."""

    def h(x: float) -> float:  # log(f / threshold) at d = e^x
        v = float(np.asarray(f(np.array([fpmath.exp(x)])), dtype=float)[0])
        return fpmath.log(v / threshold) if v > 0.0 else -math.inf

    x_lo, x_hi = fpmath.log(lo), fpmath.log(hi)
    h_hi = h(x_hi)
    if not h_hi > 0.0:
        return None
    h_lo = h(x_lo)
    if h_lo > 0.0:
        return lo
    x = min(max(x_hi - 0.5 * h_hi, x_lo), x_hi)  # log sqrt(threshold / c)
    hx = h(x)
    step = fpmath.log(4.0)
    if hx > 0.0:  # above: walk down to the first point below (or lo)
        a, ha, b, hb = x_lo, h_lo, x, hx
        while x - step > x_lo:
            x -= step
            hx = h(x)
            if not hx > 0.0:
                a, ha = x, hx
                break
            b, hb = x, hx
    else:  # below: walk up to the first point above (or hi)
        a, ha, b, hb = x, hx, x_hi, h_hi
        while x + step < x_hi:
            x += step
            hx = h(x)
            if hx > 0.0:
                b, hb = x, hx
                break
            a, ha = x, hx
    if not math.isfinite(ha):  # log f needs f > 0: then bisection alone
        return _bisect_log(f, threshold, a, b)
    side = 0
    for _ in range(100):
        if b - a <= 1e-15 * max(abs(a), 1.0):
            break
        x = (a * hb - b * ha) / (hb - ha)
        if not a < x < b:
            x = 0.5 * (a + b)
        hx = h(x)
        if abs(hx) < 1e-15:  # f(x) is the threshold to rounding
            return fpmath.exp(x)
        if hx > 0.0:
            b, hb = x, hx
            if side == 1:
                ha *= 0.5
            side = 1
        else:
            a, ha = x, hx
            if side == -1:
                hb *= 0.5
            side = -1
    return fpmath.exp(0.5 * (a + b))


def _bisect_log(f, threshold: float, a: float, b: float) -> float:
    """Bisection in log d between a (below) and b (above) to 1e-15."""
    while b - a > 1e-15 * max(abs(a), 1.0):
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if float(np.asarray(f(np.array([fpmath.exp(mid)])))[0]) > threshold:
            b = mid
        else:
            a = mid
    return fpmath.exp(0.5 * (a + b))


@dataclasses.dataclass(frozen=True)
class LimitResult:
    mass: float
    d_gamma_95: float | None
    excluded: list[list[float | None]]
    details: dict[str, Any]


def limit_for(sample: SignalSample, structure: Couplings) -> LimitResult:
    """The 95% CL excluded intervals in d_gamma for one structure (given at d_gamma = 1)."""
    if sample.card.limit.criterion == "cls":
        return cls_limit(sample, structure)
    f, threshold = signal_function(sample, structure)
    if criterion(sample.card.limit.criterion).monotonic:
        d95 = first_crossing(f, threshold)
        excluded: list[list[float | None]] = [[d95, None]] if d95 is not None else []
    else:  # the Z-invisible width: an island, closed from below by the lifetime
        excluded = solve_excluded(f, threshold)
        d95 = excluded[0][0] if excluded else None
    details = {"threshold": threshold, "signal_at_d95": float(f(np.array([d95]))[0]) if d95 else None}
    return LimitResult(sample.mass, d95, excluded, details)


def parse_masses(text: str, log: bool = False) -> list[float]:
    """A comma list (sorted, > 0) or start:stop:count (linear, or log-spaced with ``log``).

    >>> parse_masses("1:100:3", log=True)
    [1.0, 10.0, 100.0]
    """
    text = text.strip()
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            n = int(count)
            if n < 1:
                raise ValueError
            a, b = float(start), float(stop)
        else:
            masses = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ModelError(f"--masses {shown(text)}: expected a comma list (1,2,5) or start:stop:count") from None
    if ":" in text:
        if n > MAX_MASSES:  # outside the try: ModelError is a ValueError too
            raise ModelError(f"--masses {shown(text)}: at most {MAX_MASSES} masses, got {n}")
        if log and (a <= 0 or b <= 0):
            raise ModelError(f"--masses {shown(text)}: log spacing needs positive ends")
        masses = [float(x) for x in (fpmath.geomspace(a, b, n) if log else np.linspace(a, b, n))]
    if not masses:
        raise ModelError("--masses is empty")
    if len(masses) > MAX_MASSES:
        raise ModelError(f"--masses: at most {MAX_MASSES} masses, got {len(masses)}")
    lo, hi = MASS_RANGE_GEV
    if any(not (math.isfinite(m) and lo <= m <= hi) for m in masses):
        raise ModelError(f"--masses {shown(text)}: every mass must be a finite number in [{lo:g}, {hi:g}] GeV")
    if any(b <= a for a, b in zip(masses, masses[1:])):
        raise ModelError(f"--masses {shown(text)}: masses must be strictly increasing")
    return masses


def eps_cuts(sample: SignalSample, structure: Couplings) -> tuple[float, float]:
    """Truth-level selection efficiency for a coupling structure, and its Monte Carlo error
    (from the per-boundary sums; exact for spheres, where all events share one boundary)."""
    c = structure
    total, passing = (float(reweight(dict(zip(COUPLING_COLUMNS, sums)), c.d_gamma, c.d_Z, c.d_W)) for sums in sample.coeff_totals)
    eps = passing / total
    return eps, math.sqrt(max(eps * (1 - eps), 0.0) / sample.n_events)


def _ordered_sums(rows: np.ndarray) -> np.ndarray:
    """The sum of each row of a 2-d array in index order: unlike np.sum, whose blocking can follow
    an array's memory alignment, it is the same to the last bit in a serial scan and in a process pool."""
    return np.cumsum(rows, axis=1)[:, -1] if rows.shape[1] else np.zeros(rows.shape[0])


def scan_limits(card: Card, masses: list[float], structure: Couplings, flavour: str, options: PhysicsOptions,
                n: int, seed: int, background_events: int = 20_000) -> dict[str, Any]:
    """Limits over a mass list for one card; masses at or above threshold give null."""
    if card.limit.criterion not in SUPPORTED:
        raise InputError(
            f"card {card.name}: limit criterion {card.limit.criterion!r} is not supported yet (supported: "
            + ", ".join(SUPPORTED) + ")"
        )
    needs_background = card.limit.criterion in BACKGROUND_CRITERIA
    background, source = visible_background(card, background_events, seed) if needs_background else (None, None)
    if background is not None and not np.sum(background) > 0:
        raise InputError(f"card {card.name}: no SM nu nubar gamma event of {background_events} passes the selection, "
                         "so the background-based limit is undefined; loosen the cuts or raise --background-events")
    samples = (reachable_sample(card, mass, flavour, options, n, seed + i, background) for i, mass in enumerate(masses))
    result = limits_for_samples(card, samples, structure, background, n_masses=len(masses))
    return result | ({"background_source": source} if source else {})


def reachable_sample(card: Card, mass: float, flavour: str, options: PhysicsOptions, n: int, seed: int,
                     background_pb: float | np.ndarray | None = None, binned: bool | None = None) -> SignalSample | None:
    """:func:`signal_sample`, or None (no limit) at or above threshold and where the beams almost
    never reach above it (mcgen.errors.NoPhaseSpaceError)."""
    if mass >= mass_threshold(card):
        return None
    try:
        return signal_sample(card, mass, flavour, options, n, seed, background_pb, binned)
    except NoPhaseSpaceError:
        return None


def mass_threshold(card: Card) -> float:
    """Masses at or above this give no limit: sqrt(s), or M_Z for the Z-decay analyses."""
    return min(card.electroweak.m_Z if criterion(card.limit.criterion).z_decays else card.sqrt_s, card.sqrt_s)


def limits_for_samples(card: Card, samples: Any, structure: Couplings,
                       background: float | np.ndarray | None, *, n_masses: int | None = None) -> dict[str, Any]:
    """The limits of one card from its reduced samples, one per mass (None: above threshold), made
    in memory or read from event files: the same code for both."""
    d95: list[float | None] = []
    excluded: list[list[list[float | None]]] = []
    eps: list[float | None] = []
    details: list[dict[str, Any] | None] = []
    with progress.task(n_masses if n_masses is not None else len(samples), "masses", card.name) as step:
        for sample in samples:  # a generator runs each mass's Monte Carlo here
            step(1)
            if sample is None:
                d95.append(None)
                excluded.append([])
                eps.append(None)
                details.append(None)
                continue
            result = limit_for(sample, structure)
            d95.append(result.d_gamma_95)
            excluded.append(result.excluded)
            details.append(result.details)
            eps.append(eps_cuts(sample, structure)[0])
    return {"d_gamma_95": d95, "excluded": excluded, "eps_cuts": eps, "criterion": card.limit.criterion,
            "background_pb": background.tolist() if isinstance(background, np.ndarray) else background,
            "details": details}


def limits_table(cards: Sequence[Card], masses: list[float], structures: Sequence[Couplings], flavour: str,
                 options: PhysicsOptions = PhysicsOptions(), n: int = 40_000, seed: int = 1, background_events: int = 20_000,
                 *, structure_info: dict[str, Any] | None = None, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Limits over a mass list for several cards (``by_card``, :func:`scan_limits`) and combined:
    per mass the smallest excluded d_gamma and the union of the excluded intervals.

    ``structures[i]`` is the structure at d_gamma = 1 for ``cards[i]`` (one a gives different
    d_Z/d_gamma for different electroweak inputs); ``structure_info`` is how the result records
    it (default: the first card's couplings) and ``overrides`` the --set values the cards were loaded with.
    """
    if len(structures) != len(cards):
        raise ValueError(f"one structure per card: {len(cards)} cards, {len(structures)} structures")
    by_card = {card.name: scan_limits(card, masses, s, flavour, options, n, seed, background_events)
               for card, s in zip(cards, structures)}
    return {
        "masses": masses, **combine_cards(len(masses), by_card), "by_card": by_card,
        "structure": structures[0].as_dict() if structure_info is None else structure_info,
        "cards": [c.name for c in cards], "options": options.as_dict(), "n_events_per_mass": n, "seed": seed,
        "version": __version__, "inputs": {c.name: card_inputs(c) for c in cards}, "overrides": list(overrides),
    }


def combine_cards(n_masses: int, by_card: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per mass, the smallest excluded d_gamma of the cards and the union of their excluded intervals."""
    best, union = [], []
    for i in range(n_masses):
        values = [r["d_gamma_95"][i] for r in by_card.values() if r["d_gamma_95"][i] is not None]
        best.append(min(values) if values else None)
        union.append(union_intervals([iv for r in by_card.values() for iv in r["excluded"][i]]))
    return {"d_gamma_95": best, "excluded": union}


def card_inputs(card: Card) -> dict[str, Any]:
    """What a limit depends on in a card (after --set), recorded with every limit result."""
    return {"sqrt_s": card.sqrt_s, **card.electroweak.as_dict(), "limit": dataclasses.asdict(card.limit),
            "selection": dataclasses.asdict(card.selection), "detector": dataclasses.asdict(card.detector)}


def union_intervals(intervals: list[list[float | None]]) -> list[list[float | None]]:
    """Merge overlapping intervals (None = open upper end)."""
    inf = float("inf")
    spans = sorted((0.0 if lo is None else lo, inf if hi is None else hi) for lo, hi in intervals)
    merged: list[list[float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [[lo, None if hi == inf else hi] for lo, hi in merged]


_EXPECTED_SET = (2, 1, 0, -1, -2)  # pyhf's expected-set order: the -2 sigma, -1 sigma, median, +1 sigma, +2 sigma limits
_GRID_STEP = 10 ** 0.25  # the d_gamma scan of the CLs limit: 4 points a decade, then a root finder in each bracket


def _cls_thresholds(level: float = 0.05) -> list[float]:
    """sqrt(q_mu,A) at which pyhf's expected CLs equals ``level``, per member n of the expected set.

    On background-only Asimov data pyhf (AsymptoticCalculator, qtilde, 'normal' base distribution)
    gives CLs_n = Phi(-(n + sqrt(q_mu,A))) / Phi(-n): a function of sqrt(q_mu,A) alone, so every
    expected limit is where sqrt(q_mu,A) reaches a fixed number (1.96 for the median).

    >>> [round(z, 3) for z in _cls_thresholds()]
    [1.052, 1.412, 1.96, 2.727, 3.656]
    """
    from statistics import NormalDist

    phi = NormalDist()
    return [phi.inv_cdf(1 - level * phi.cdf(-n)) - n for n in _EXPECTED_SET]


class _AsimovTest:
    """sqrt(q~_mu) of pyhf at mu = 1 on background-only Asimov data, for a signal histogram (events per bin),
    with the card's correlated background-normalisation uncertainty."""

    def __init__(self, pyhf: Any, background: np.ndarray, delta: float) -> None:
        self.pyhf, self.b, self.delta = pyhf, background, delta
        self.fits = 0

    def model(self, s: np.ndarray) -> tuple[Any, list[float], list[float], list[tuple[float, float]]]:
        """The pyhf model, its Asimov data, and init parameters and bounds that agree with each other."""
        b = self.b
        model = self.pyhf.simplemodels.correlated_background(  # validate=False: pyhf builds this spec itself
            signal=np.clip(s, 1e-12, None).tolist(), bkg=b.tolist(), bkg_up=(b * (1 + self.delta)).tolist(),
            bkg_down=(b * (1 - self.delta)).tolist(), validate=False)
        config = model.config
        bounds = [tuple(x) for x in config.suggested_bounds()]
        init = [float(x) for x in config.suggested_init()]
        # mu = 1 is the value tested (the signal carries the scale) and the free fit sits at mu = 0: both inside
        bounds[config.poi_index], init[config.poi_index] = (0.0, 10.0), 1.0
        nuisance = config.par_slice("correlated_bkg_uncertainty").start
        # the linear interpolation must keep b (1 + delta theta) > 0 when delta is large (--set)
        bounds[nuisance] = (max(-5.0, -0.9 / self.delta) if self.delta > 0 else -5.0, 5.0)
        return model, b.tolist() + config.auxdata, init, bounds

    def __call__(self, s: np.ndarray) -> float:
        model, data, init, bounds = self.model(s)
        _, twice_nll = self.pyhf.infer.mle.fixed_poi_fit(1.0, data, model, init, bounds, return_fitted_val=True)
        self.fits += 1
        # the free fit to background-only Asimov data is exactly mu = 0 at the nominal nuisance (no fit needed)
        nominal = list(init)
        nominal[model.config.poi_index] = 0.0
        q = float(twice_nll) + 2.0 * float(model.logpdf(nominal, data)[0])
        if not math.isfinite(q):
            raise ArithmeticError(f"pyhf returned a non-finite test statistic ({q})")
        return math.sqrt(max(q, 0.0))

    def cls_expected(self, s: np.ndarray) -> float | None:
        """pyhf's own median expected CLs at mu = 1 (pyhf.infer.hypotest): the check that the limit has CLs = 0.05."""
        model, data, init, bounds = self.model(s)
        try:
            _, expected = self.pyhf.infer.hypotest(1.0, data, model, init, bounds, test_stat="qtilde",
                                                   return_expected_set=True)
        except (ValueError, RuntimeError, ArithmeticError, self.pyhf.exceptions.FailedMinimization):
            return None
        value = float(expected[2])
        return value if math.isfinite(value) else None


def _intervals_above(z: Any, t_grid: list[float], z_grid: list[float], threshold: float) -> list[list[float | None]]:
    """Intervals of d = exp(t) where z(t) > threshold, from the scanned grid and brentq in every bracket
    (a bracket with a sign change: brentq cannot fail there). Open at the top if the last point is above."""
    from scipy.optimize import brentq

    def root(a: float, b: float) -> float:
        return fpmath.exp(brentq(lambda t: z(t) - threshold, a, b, xtol=1e-6, rtol=1e-10))

    intervals: list[list[float | None]] = []
    start: float | None = fpmath.exp(t_grid[0]) if z_grid[0] > threshold else None
    for i in range(1, len(t_grid)):
        before, now = z_grid[i - 1] > threshold, z_grid[i] > threshold
        if now and not before:
            start = root(t_grid[i - 1], t_grid[i])
        elif before and not now:
            intervals.append([start, root(t_grid[i - 1], t_grid[i])])
            start = None
    if z_grid[-1] > threshold:
        intervals.append([start, None])
    return intervals


def cls_limit(sample: SignalSample, structure: Couplings) -> LimitResult:
    """Expected 95% CL CLs limit (pyhf, asymptotic qtilde) from the binned photon-energy spectrum, with a
    background normalisation uncertainty from the card, and its +-1 and +-2 sigma bands.

    The signal at coupling d is S(d) = d^2 sum_b P_inside(b, d) coeff_b per bin (the shape changes with d
    through the lifetime), and d is excluded where pyhf's expected CLs at mu = 1 for S(d) is below 0.05,
    i.e. where sqrt(q~_1) on background-only Asimov data exceeds a fixed number (:func:`_cls_thresholds`):
    one pyhf fit per d, with mu = 1 always inside its bounds. d is scanned on a log grid from a bound
    below which nothing can be excluded, and the crossings are solved with brentq in log d. A mass
    where pyhf fails gives null with the reason in ``details["note"]``, never an abort.
    """
    try:
        import pyhf
    except ImportError:
        raise MissingExtraError("the CLs limit needs pyhf: pip install 'mcgen[limits]'") from None
    card, ew, lim = sample.card, sample.card.electroweak, sample.card.limit
    if sample.coeff_binned is None or not isinstance(sample.background_pb, np.ndarray):
        raise InputError(f"card {card.name}: the CLs limit needs the binned signal and background")
    w = widths(Model(sample.mass, structure, sample.flavour, a=0.0), ew, sample.options.three_body)
    k = float(two_body_momentum(card.sqrt_s, sample.mass))
    lambda_1 = float(decay_length_m(k, sample.mass, w.total))
    table = dict(zip(COUPLING_COLUMNS, sample.coeff_binned))
    per_bin = reweight(table, structure.d_gamma, structure.d_Z, structure.d_W)  # (n_b, n_bins) at d = 1
    scale = card.beam.luminosity_invpb * card.detector.photon_efficiency * w.br_nu_gamma
    background = np.clip(sample.background_pb * card.beam.luminosity_invpb, 1e-9, None)
    keep = background > 1e-6
    delta = float(lim.value("background_rel_syst"))
    b = background[keep]
    base = {"criterion": "cls", "background_rel_syst": delta, "bins": int(keep.sum())}

    def signal(d: float) -> np.ndarray:
        return scale * d * d * fpmath.dot(per_bin.T, _p_inside(sample.boundary_m, np.array([d]), lambda_1)[0])[keep]

    # S(d) <= d^2 s_max bin by bin (P_inside <= 1), and q~ <= q without the nuisance <= sum S^2/B: below d_lo
    # even the -2 sigma threshold is out of reach, so the scan starts there
    s_max = scale * np.clip(per_bin, 0.0, None).sum(axis=0)[keep]
    reach = math.sqrt(float(np.sum(s_max**2 / b)))
    if not reach > 0:
        return LimitResult(sample.mass, None, [], {**base, "note": "no signal after the cuts"})
    thresholds = _cls_thresholds()
    test = _AsimovTest(pyhf, b, delta)
    t_lo, t_hi = 0.5 * fpmath.log(thresholds[0] / reach), fpmath.log(D_GAMMA_RANGE[1])
    cache: dict[float, float] = {}

    def z(t: float) -> float:
        if t not in cache:
            cache[t] = test(signal(fpmath.exp(t)))
        return cache[t]

    try:
        t_grid, z_grid = [t_lo], [z(t_lo)]
        # S(d) grows with d in every bin (d^2 P_inside(d)): once the +2 sigma threshold is passed it stays passed
        while z_grid[-1] <= thresholds[-1] and t_grid[-1] < t_hi:
            t_grid.append(min(t_grid[-1] + fpmath.log(_GRID_STEP), t_hi))
            z_grid.append(z(t_grid[-1]))
        bands = [_intervals_above(z, t_grid, z_grid, x) for x in thresholds]
        excluded = bands[2]
        d95 = excluded[0][0] if excluded else None
        check = test.cls_expected(signal(d95)) if d95 is not None else None
    except (ValueError, RuntimeError, ArithmeticError, pyhf.exceptions.FailedMinimization) as exc:
        reason = " ".join(str(exc).split())  # pyhf's messages span lines: one line in the JSON
        return LimitResult(sample.mass, None, [], {**base, "note": f"pyhf failed: {type(exc).__name__}: {reason}"})

    def first(ivs: list[list[float | None]]) -> float | None:
        return ivs[0][0] if ivs else None

    details = {**base, "expected_band_1sigma": [first(bands[1]), first(bands[3])],
               "expected_band_2sigma": [first(bands[0]), first(bands[4])], "cls_expected_at_limit": check,
               "pyhf_fits": test.fits}
    if d95 is None:
        details["note"] = f"nothing excluded up to d_gamma = {D_GAMMA_RANGE[1]:g} GeV^-1"
    return LimitResult(sample.mass, d95, excluded, details)
