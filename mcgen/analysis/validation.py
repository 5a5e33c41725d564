"""The source paper's quoted limits (arXiv:2301.06050, Figs. 4, 5 and 8) beside mcgen's (``mcgen validate``),
and the flavour factories' reach quoted in the abstract of arXiv:2204.07802.

Every case the paper quotes as a number is computed here three times, with the treatments of
:data:`TREATMENTS`: the paper's stated one (the 1 - cos(theta) photon law, no s-t interference, two-body
widths only, no ISR), the same with an isotropic photon, and mcgen's best physics (the defaults:
exact spin correlation, s-t interference, three-body widths). The kinds of case:

- ``a_range``: a limit quoted as a range "as a varies" (Figs. 4 and 5) is the minimum and the maximum
  of mcgen's limit over a grid of a (a > 0: a = tan(phi) with phi uniform in [0, pi/2], a = inf being
  scenario II, plus scenario III where d_Z = 0; or |a| <= 10, uniform, with points approaching the singular
  a0 = -2 cot(theta_w) from both sides to within 1e-6, never a0 itself), each end refined by a bounded
  search in the grid interval around it. One weighted Monte Carlo serves the whole grid (a reweighting).
- ``min_over_mass``: the strongest limit of a set of cards over the LEP mass grid ("goes down to", "reaches"),
  refined on five more masses between the grid neighbours of the minimum (a card's runs combined).
- ``handover``: the mass above which a limit curve is ahead of (below) the curves it is compared with:
  an existing constraint (NOMAD, DONUT), all the existing constraints of the flavour, and/or the LEP
  limits. The curves are interpolated in log-log (mcgen's between its grid masses, the HNLimits data
  between their points, on a fine log grid); the answer is the first mass, going up, from which the curve
  is ahead over more than 1% in mass (the intervals where it is ahead are in the details). The SN1987A
  cooling band excludes an island far below these couplings and bounds nothing from above, so it is not
  part of "the existing constraints" here.
- ``constraint``: a number of the existing-constraint data itself (DONUT at its published 90% CL);
  the same in every column.

A value that cannot be computed is a string saying why (e.g. nothing excluded on the grid), never a NaN.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from mcgen import fpmath, progress
from mcgen._version import __version__
from mcgen.analysis.limits import card_inputs, limit_for, mass_threshold, signal_sample, visible_background
from mcgen.analysis.scan import ScanTask, build_tasks, flavour_samples, run_task, task_seed
from mcgen.config.cards import CEPC_CARDS, FLAVOUR_FACTORY_CARDS, LEP_CARDS, Card, load_card
from mcgen.config.criteria import BACKGROUND_CRITERIA
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, MissingExtraError, ModelError
from mcgen.physics.constants import Electroweak
from mcgen.physics.model import SCENARIOS, Couplings, check_nature, scenario_a, singular_a, structure_from_a

__all__ = ["first_excluded", "task_limits",
           "TREATMENTS", "ISR", "CASES", "Case", "Grids", "grids", "treatment_record", "run_validation", "a_range",
           "a_grid", "handover_mass", "envelope", "loglog", "markdown_table", "text_table", "LEP_CARDS", "CEPC_CARDS"]


TREATMENTS: dict[str, PhysicsOptions] = {
    "paper": PhysicsOptions(decay_law="paper", st_interference=False, three_body=False),
    "isotropic": PhysicsOptions(decay_law="isotropic", st_interference=False, three_body=False),
    "best": PhysicsOptions(),
}
"""The three columns: the paper's stated treatment, the same with an isotropic photon, mcgen's defaults."""
ISR = False
"""Every column is at the paper's beams: no initial-state radiation, no energy spread (recorded as
``isr`` and ``energy_spread``; the CEPC cards carry the CDR's spread, which :data:`PAPER_BEAMS` turns
off): the quoted limits were made so, and the columns differ in the physics options alone."""
PAPER_BEAMS = ("beam.isr=false", "beam.energy_spread=0")
"""--set values every card is read with, before the run's own overrides."""


def treatment_record(options: PhysicsOptions) -> dict[str, Any]:
    """What a column's treatment was: the physics options and the beams."""
    return {**options.as_dict(), "isr": ISR, "energy_spread": 0.0}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Case:
    """One number (or range) the paper quotes, and how mcgen computes its counterpart."""

    id: str
    figure: str
    description: str
    kind: str  # a_range | min_over_mass | handover | constraint
    cards: tuple[str, ...]
    flavour: str
    quantity: str
    unit: str
    paper: tuple[float, ...]
    labels: tuple[str, ...]
    mass: float | None = None  # a_range
    a_domain: str | None = None  # a_range: "a > 0" or "|a| <= 10"
    scenario: str | None = None  # min_over_mass, handover
    compare: tuple[str, ...] = ()  # handover: constraint labels, "existing", "lep", "lep-other"
    window: tuple[float, float] | None = None  # handover: the masses searched (default: the curve's grid)

    @property
    def structure(self) -> str:
        return self.a_domain if self.a_domain is not None else f"scenario {self.scenario}"


def _handover(cid: str, description: str, cards: tuple[str, ...], flavour: str, scenario: str, compare: tuple[str, ...],
              paper: float, what: str, window: tuple[float, float] | None = None) -> Case:
    return Case(id=cid, figure="8", description=description, kind="handover", cards=cards, flavour=flavour,
                quantity=f"m_N above which {what}", unit="GeV", paper=(paper,), labels=("hand-over mass",), scenario=scenario,
                compare=compare, window=window)


FLAVOUR_FACTORY_SOURCE = "arXiv:2204.07802 abstract"
"""Where the flavour factories' quoted reach is printed (the paper's body was not available to check more)."""

CASES: tuple[Case, ...] = (
    Case(id="fig4_opal_a_range", figure="4", description="LEP1 OPAL monophoton, m_N = 10 GeV, a > 0", kind="a_range",
         cards=("lep1_opal",), flavour="mu", quantity="95% CL limit on d_gamma, min and max over a", unit="GeV^-1",
         paper=(2.0e-5, 4.5e-4), labels=("min over a", "max over a"), mass=10.0, a_domain="a > 0"),
    Case(id="fig4_cepc_z_a_range", figure="4", description="CEPC Z mode (100 ab^-1, S^2/B = 2.71), m_N = 10 GeV, a > 0", kind="a_range",
         cards=("cepc_z",), flavour="mu", quantity="expected 95% CL limit on d_gamma, min and max over a", unit="GeV^-1",
         paper=(1.5e-7, 3.3e-6), labels=("min over a", "max over a"), mass=10.0, a_domain="a > 0"),
    Case(id="fig5_delphi_e_a_range", figure="5", description="LEP2 DELPHI monophoton, d_e, m_N = 100 GeV, |a| <= 10", kind="a_range",
         cards=("lep2_delphi",), flavour="e", quantity="95% CL limit on d_gamma, min and max over a", unit="GeV^-1",
         paper=(7.1e-5, 3.5e-4), labels=("min over a", "max over a"), mass=100.0, a_domain="|a| <= 10"),
    Case(id="fig5_delphi_mu_a_range", figure="5", description="LEP2 DELPHI monophoton, d_mu,tau, m_N = 100 GeV, |a| <= 10",
         kind="a_range", cards=("lep2_delphi",), flavour="mu", quantity="95% CL limit on d_gamma, min and max over a", unit="GeV^-1",
         paper=(2.5e-4, 4.1e-4), labels=("min over a", "max over a"), mass=100.0, a_domain="|a| <= 10"),
    Case(id="fig8_lep_e_III_min", figure="8", description="scenario III, d_e: the weakest LEP limit reaches down to",
         kind="min_over_mass", cards=LEP_CARDS, flavour="e", quantity="strongest LEP 95% CL limit on d_gamma over m_N", unit="GeV^-1",
         paper=(3.3e-4,), labels=("min over m_N",), scenario="III"),
    Case(id="fig8_l3_II_min", figure="8", description="scenario II: L3 Z -> gamma + invisible reaches", kind="min_over_mass",
         cards=("lep1_l3_zgamma",), flavour="mu", quantity="strongest L3 95% CL limit on d_gamma over m_N", unit="GeV^-1",
         paper=(1.3e-5,), labels=("min over m_N",), scenario="II"),
    *(_handover(f"fig8_mu_lep_vs_nomad_{s}", f"d_mu, scenario {s}: LEP ahead of NOMAD", LEP_CARDS, "mu", s, ("NOMAD",), p,
                "the LEP limit is below NOMAD's (95% CL)", (0.005, 50.0))
      for s, p in (("I", 5.0), ("II", 3.6), ("IV", 3.9))),
    *(_handover(f"fig8_mu_cepc_{s}", f"d_mu, scenario {s}: CEPC reach beyond the current limits", CEPC_CARDS, "mu", s,
                ("existing", "lep"), p, "the CEPC reach is below every existing and LEP limit")
      for s, p in (("I", 0.4), ("II", 0.4), ("III", 3.5), ("IV", 0.4))),
    Case(id="fig8_tau_donut", figure="8", description="d_tau: DONUT's 90% CL limit for m_N < 0.3 GeV", kind="constraint", cards=(),
         flavour="tau", quantity="DONUT's limit on d_gamma below 0.3 GeV (plateau, as published at 90% CL)", unit="GeV^-1",
         paper=(5.8e-5,), labels=("90% CL plateau",)),
    _handover("fig8_tau_lep2_vs_donut_III", "d_tau, scenario III: LEP2 complements DONUT above", ("lep2_delphi",), "tau",
              "III", ("DONUT",), 0.3, "the DELPHI limit is the stronger of DELPHI and DONUT", (0.005, 50.0)),
    *(_handover(f"fig8_tau_l3_{s}", f"d_tau, scenario {s}: Z -> gamma + invisible (L3) leads", ("lep1_l3_zgamma",), "tau", s,
                ("existing", "lep-other"), p, "L3 is below every existing and other LEP limit", (0.005, 50.0))
      for s, p in (("I", 0.05), ("II", 0.03), ("IV", 0.03))),
    *(_handover(f"fig8_tau_cepc_{s}", f"d_tau, scenario {s}: the CEPC reach fills the plane", CEPC_CARDS, "tau", s,
                ("existing", "lep"), 0.2, "the CEPC reach is below every existing and LEP limit")
      for s in SCENARIOS),
    *(Case(id=f"ff_{card}_min", figure=FLAVOUR_FACTORY_SOURCE, description=f"{label} probes d down to (m_N around a GeV)",
           kind="min_over_mass", cards=(card,), flavour="mu", quantity=f"strongest {label} limit on d_gamma over m_N",
           unit="GeV^-1", paper=(quoted,), labels=("min over m_N",), scenario="I")
      for card, label, quoted in (("besiii", "BESIII", 1.3e-5), ("belle2", "Belle II", 8e-6), ("stcf", "STCF", 1.3e-6))),
)
"""The quoted numbers: arXiv:2301.06050's (``figure`` its figure number) and the flavour factories' reach in
the abstract of arXiv:2204.07802 (whose cuts, luminosities and criterion mcgen's cards do not take: each card
has its own, sourced on the docs page; the paper names no flavour for these minima: mcgen's is d_mu,
scenario I, where the photon's piece is all of the production)."""

def where_quoted(figure: str) -> str:
    """Where a case's number is printed: ``Fig. N`` of arXiv:2301.06050, or the source named."""
    return f"Fig. {figure}" if figure.isdigit() else figure


@dataclasses.dataclass(frozen=True)
class Grids:
    """The grids the cases are computed on."""

    lep_masses: tuple[float, ...]
    cepc_masses: tuple[float, ...]
    a_points: int  # points of the uniform part of each a grid
    background_events: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _log_grid(lo: float, hi: float, per_decade: float) -> tuple[float, ...]:
    count = max(2, int(round(math.log10(hi / lo) * per_decade)) + 1)
    return tuple(float(x) for x in fpmath.geomspace(lo, hi, count))


def grids(quick: bool = False, background_events: int | None = None) -> Grids:
    """The default grids (``quick``: coarse ones, for a preview or the test suite)."""
    if quick:
        return Grids(_log_grid(0.01, 100.0, 2), _log_grid(0.05, 10.0, 2), 13,
                     3_000 if background_events is None else background_events)
    return Grids(_log_grid(0.005, 100.0, 5), _log_grid(0.005, 10.0, 4), 41,
                 20_000 if background_events is None else background_events)


def first_excluded(sample: Any, structure: Couplings) -> float | None:
    """d_gamma_95 of :func:`~mcgen.analysis.limits.limit_for`: the smallest excluded coupling."""
    return limit_for(sample, structure).d_gamma_95


# --- a grids and the range of a limit over a ---------------------------------------------------------------

def a_grid(domain: str, ew: Electroweak, points: int) -> list[float]:
    """The a values of a domain: ``a > 0`` (tan of a uniform angle, up to inf, with scenario III) or
    ``|a| <= 10`` (uniform, with points approaching the singular a0 from both sides, a0 itself left out)."""
    if domain == "a > 0":
        phi = np.linspace(0.0, math.pi / 2, points)
        values = [fpmath.tan(p) for p in phi[:-1]] + [math.inf, scenario_a("III", ew)]
    elif domain == "|a| <= 10":
        a0 = singular_a(ew)
        uniform = [float(a) for a in np.linspace(-10.0, 10.0, points) if abs(a - a0) > 1e-3]
        values = uniform + [a0 + sign * 10.0**-k for sign in (-1, 1) for k in (2, 4, 6)]
    else:
        raise ModelError(f"unknown a domain {domain!r}: expected 'a > 0' or '|a| <= 10'")
    return sorted(set(values))


def _to_t(a: float, domain: str) -> float:
    return fpmath.atan(a) if domain == "a > 0" else a


def _from_t(t: float, domain: str) -> float:
    if domain == "a > 0":
        return math.inf if t >= math.pi / 2 else fpmath.tan(max(t, 0.0))
    return t


def a_range(sample: Any, domain: str, points: int, *, refine: bool = True,
            transform: Callable[[float, float], float] | None = None) -> dict[str, Any]:
    """Min and max over a of the 95% CL limit of one reduced sample (:func:`~mcgen.analysis.limits.signal_sample`).

    Returns ``values`` [min, max] (a reason string where not computable), the a where each is reached,
    and the grid with its limits. ``transform(a, d)`` may change each limit (e.g. a rescaling a study
    wants to try); the refinement is then skipped."""
    ew = sample.card.electroweak
    a0 = singular_a(ew)
    grid = a_grid(domain, ew, points)

    def limit(a: float) -> float | None:
        if math.isfinite(a) and abs(a - a0) < 1e-9 * max(1.0, abs(a0)):
            a = a0 + math.copysign(1e-9, a - a0)  # never the singular point itself
        d = first_excluded(sample, structure_from_a(a, ew))
        if d is not None and transform is not None:
            d = transform(a, d)
        return d

    values = [limit(a) for a in grid]
    unexcluded = [a for a, d in zip(grid, values) if d is None]
    finite = [(a, d) for a, d in zip(grid, values) if d is not None]
    out: dict[str, Any] = {"a_grid": grid, "limits": values, "singular_a": a0 if domain == "|a| <= 10" else None}
    if not finite:
        out["values"] = [f"nothing excluded for any a on the grid ({len(grid)} values)"] * 2
        return out
    found = {k: d for k, d in enumerate(values) if d is not None}
    k_min, k_max = min(found, key=lambda k: found[k]), max(found, key=lambda k: found[k])
    ends: list[float | str] = []
    where: list[float] = []  # inf (a -> infinity, scenario II) is written "inf"
    for k, sign in ((k_min, 1.0), (k_max, -1.0)):
        if sign < 0 and unexcluded:
            ends.append(f"nothing excluded at a = {unexcluded[0]:g} (and {len(unexcluded) - 1} more grid values): no maximum")
            where.append(unexcluded[0])
            continue
        best_a, best_d = grid[k], found[k]
        if refine and transform is None:
            best_a, best_d = _refine(limit, grid, k, sign, domain, a0, best_a, best_d)
        ends.append(best_d)
        where.append(best_a)
    out.update(values=ends, a_at=[a if math.isfinite(a) else "inf" for a in where])
    if domain == "|a| <= 10":
        near = [(a, d) for a, d in zip(grid, values) if math.isfinite(a) and abs(a - a0) <= 1.1e-6]
        out["limits_next_to_singular_a"] = [d for _, d in near]
    return out


def _refine(limit: Callable[[float], float | None], grid: list[float], k: int, sign: float, domain: str, a0: float,
            best_a: float, best_d: float) -> tuple[float, float]:
    """A bounded search for the extremum in the grid interval around grid[k] (never across a0)."""
    from scipy.optimize import minimize_scalar

    lo_t = _to_t(grid[max(k - 1, 0)], domain)
    hi_t = _to_t(grid[min(k + 1, len(grid) - 1)], domain)
    t_k = _to_t(grid[k], domain)
    if domain == "|a| <= 10" and lo_t < a0 < hi_t:  # stay on the side of the singular point that grid[k] is on
        lo_t, hi_t = (max(lo_t, a0 + 1e-6), hi_t) if t_k > a0 else (lo_t, min(hi_t, a0 - 1e-6))
    if not hi_t > lo_t:
        return best_a, best_d

    def objective(t: float) -> float:
        d = limit(_from_t(t, domain))
        return math.inf if d is None else sign * fpmath.log(d)

    res = minimize_scalar(objective, bounds=(lo_t, hi_t), method="bounded", options={"xatol": 1e-6 * max(1.0, abs(t_k))})
    if math.isfinite(res.fun) and sign * fpmath.log(best_d) > res.fun:
        a = _from_t(float(res.x), domain)
        return a, fpmath.exp(sign * float(res.fun))
    return best_a, best_d


# --- curves and hand-over masses -------------------------------------------------------------------------------

def loglog(masses: Sequence[float], values: Sequence[float | None], at: np.ndarray) -> np.ndarray:
    """A curve known at ``masses`` (None: no limit) at the masses ``at``, linear in log-log between
    neighbours that both have a value; inf where it has none (outside, or next to a None)."""
    m = fpmath.log(np.asarray(masses, dtype=float))
    v = np.array([fpmath.log(x) if x is not None and x > 0 else np.nan for x in values])
    x = fpmath.log(np.asarray(at, dtype=float))
    out = np.full(x.shape, np.inf)
    k = np.searchsorted(m, x, side="right") - 1
    exact = (k >= 0) & (k < m.size) & np.isclose(x, m[np.clip(k, 0, m.size - 1)], rtol=0, atol=1e-12)
    inside = (k >= 0) & (k < m.size - 1)
    kk = np.clip(k, 0, max(m.size - 2, 0))
    if m.size >= 2:
        w = (x - m[kk]) / (m[kk + 1] - m[kk])
        y = v[kk] * (1 - w) + v[kk + 1] * w
        ok = inside & np.isfinite(y)
        out[ok] = fpmath.exp(y[ok])
    kx = np.clip(k, 0, m.size - 1)
    hit = exact & np.isfinite(v[kx])
    out[hit] = fpmath.exp(v[kx][hit])
    return out


def envelope(curves: Sequence[tuple[np.ndarray, np.ndarray]], at: np.ndarray) -> np.ndarray:
    """The lowest of several (mass, d) curves at the masses ``at``: each interpolated in log-log within its own
    mass range (points sorted by mass), inf where none is defined."""
    out = np.full(np.shape(at), np.inf)
    x = fpmath.log(np.asarray(at, dtype=float))
    for mass, d in curves:
        lm, ld = fpmath.log(np.asarray(mass, dtype=float)), fpmath.log(np.asarray(d, dtype=float))
        inside = (x >= lm[0]) & (x <= lm[-1])
        out[inside] = np.minimum(out[inside], fpmath.exp(np.interp(x[inside], lm, ld)))
    return out


def handover_mass(masses: Sequence[float], values: Sequence[float | None], compared: Sequence[tuple[np.ndarray, np.ndarray]],
                  window: tuple[float, float] | None = None, points: int = 2000) -> dict[str, Any]:
    """The first mass, going up, above which the curve (``masses``, ``values``) is below every compared curve.

    Both are evaluated on a fine log grid over ``window`` (default: the curve's grid) that also holds the
    compared curves' end points; "ahead" means a limit below the envelope (or a limit where no compared
    curve is defined). Returns ``value`` (GeV, or the reason there is none) and the intervals where the
    curve is ahead."""
    lo, hi = window if window is not None else (masses[0], masses[-1])
    lo, hi = max(lo, masses[0]), min(hi, masses[-1])
    ends = np.array([float(m[i]) for m, _ in compared for i in (0, -1) if lo < m[i] < hi])
    fine = np.unique(np.concatenate([fpmath.geomspace(lo, hi, points), ends, ends * (1 + 1e-9)]))  # both sides of each end
    fine = fine[(fine >= lo) & (fine <= hi)]
    curve = loglog(masses, values, fine)
    env = envelope(compared, fine)
    ahead = np.isfinite(curve) & (curve < env)
    intervals: list[list[float]] = []
    start = None
    for i, flag in enumerate(ahead):
        if flag and start is None:
            start = _crossing(fine, curve, env, i) if i > 0 else float(fine[0])
        if not flag and start is not None:
            intervals.append([start, _crossing(fine, curve, env, i)])
            start = None
    if start is not None:
        intervals.append([start, float(fine[-1])])
    out: dict[str, Any] = {"ahead_intervals_GeV": intervals, "window_GeV": [float(lo), float(hi)]}
    steps = [iv for iv in intervals if iv[1] / iv[0] > 1.01]  # more than a 1% sliver of the fine grid
    if not steps:
        out["value"] = f"never ahead between {lo:.3g} and {hi:.3g} GeV"
    elif steps[0][0] <= float(fine[0]) * (1 + 1e-12):
        out["value"] = f"ahead already at the lowest mass computed, {fine[0]:.3g} GeV: the hand-over is below it"
    else:
        out["value"] = steps[0][0]
    return out


def _crossing(fine: np.ndarray, curve: np.ndarray, env: np.ndarray, i: int) -> float:
    """Where curve - envelope changes sign between fine[i - 1] and fine[i] (log-linear where both are finite)."""
    a, b = fine[i - 1], fine[i]
    ga = fpmath.log(curve[i - 1] / env[i - 1]) if np.isfinite(curve[i - 1]) and np.isfinite(env[i - 1]) else None
    gb = fpmath.log(curve[i] / env[i]) if np.isfinite(curve[i]) and np.isfinite(env[i]) else None
    if ga is None or gb is None or ga == gb:  # a compared curve ends at a (its end point is on the fine grid), or a gap
        return float(a) if np.isfinite(env[i - 1]) and not np.isfinite(env[i]) else float(math.sqrt(a * b))
    w = ga / (ga - gb)
    return float(fpmath.exp(fpmath.log(a) + w * (fpmath.log(b) - fpmath.log(a))))


# --- running the cases -----------------------------------------------------------------------------------------

GROUPS: dict[str, tuple[str, ...]] = {"lep": LEP_CARDS, "cepc": CEPC_CARDS, "flavour": FLAVOUR_FACTORY_CARDS}
"""The cards scanned together, each group over its mass grid (the CEPC grid for ``cepc``, the LEP one else)."""


def _group(cards: Sequence[str]) -> str:
    return next(g for g, names in GROUPS.items() if cards[0] in names)


def task_limits(task: ScanTask) -> dict[tuple[str, str], float | None]:
    """d_gamma_95 per (flavour, structure name) of one task (None above threshold) for its nature of N, a card's runs
    combined: the first excluded d_gamma for a card alone (:func:`first_excluded`)."""
    if task.card.runs:
        return {(row["flavor"], row["structure"]): row["d_gamma_95"] for row in run_task(task)}
    sample = (None if task.mass >= mass_threshold(task.card) else
              signal_sample(task.card, task.mass, task.flavour, task.options, task.n_events, task.seed, task.background_pb,
                            nature=task.nature))
    return {(flavour, name): None if flavour_sample is None else first_excluded(flavour_sample, structure)
            for flavour, flavour_sample in flavour_samples(task, sample)  # mu and tau: the same events
            for name, structure in task.structures}


class _Runner:
    """The Monte Carlo of one treatment, computed once and shared by the cases that need it."""

    def __init__(self, options: PhysicsOptions, n: int, seed: int, g: Grids, load: Callable[[str], Card],
                 nature: str = "dirac", pool: Any = None) -> None:
        self.options, self.n, self.seed, self.grids, self.load, self.nature = options, n, seed, g, load, nature
        self.pool = pool
        self._scans: dict[str, dict[tuple[str, str, str], list[float | None]]] = {}
        self._constraints: dict[str, list[Any]] = {}

    def scan(self, group: str) -> dict[tuple[str, str, str], list[float | None]]:
        """d_gamma_95 per (card, flavour, scenario) over the group's masses (lep or cepc): the tasks and seeds
        of :func:`~mcgen.analysis.scan.build_tasks`, so each limit is the one ``mcgen scan`` gives."""
        if group not in self._scans:
            names, masses = GROUPS[group], self.masses(group)
            cards = [self.load(c) for c in names]
            ew = cards[0].electroweak
            every = {s: structure_from_a(scenario_a(s, ew), ew) for s in SCENARIOS}
            plan = {"lep": [(["mu", "tau"], every, 0), (["e"], {"III": every["III"]}, 1)], "cepc": [(["mu", "tau"], every, 2)],
                    "flavour": [(["mu", "tau"], {"I": every["I"]}, 4)]}[group]
            table: dict[tuple[str, str, str], list[float | None]] = {}
            for flavours, structures, offset in plan:
                tasks = build_tasks(cards, list(masses), flavours, structures, self.options, self.n, self.seed + offset,
                                    self.grids.background_events, pool=self.pool)
                with progress.task(len(tasks), "tasks", f"validate {group}") as step:
                    for task, limits in zip(tasks, self._limits(tasks, step)):
                        for (flavour, name), d95 in limits.items():
                            table.setdefault((task.card.name, flavour, name), []).append(d95)
            self._scans[group] = table
        return self._scans[group]

    def extra(self, names: Sequence[str], masses: list[float], flavour: str, scenario: str) -> list[float | None]:
        """Per mass, the strongest d_gamma_95 of the (LEP) cards at masses off the grid (their own seeds)."""
        cards = [self.load(c) for c in names]
        ew = cards[0].electroweak
        tasks = build_tasks(cards, masses, [flavour], {scenario: structure_from_a(scenario_a(scenario, ew), ew)}, self.options,
                            self.n, self.seed + 3, self.grids.background_events, pool=self.pool)
        best: list[float | None] = [None] * len(masses)
        for task, limits in zip(tasks, self._limits(tasks)):
            d = limits[(flavour, scenario)]
            i = masses.index(task.mass)
            if d is not None and (best[i] is None or d < best[i]):  # type: ignore[operator]
                best[i] = d
        return best

    def _limits(self, tasks: list[ScanTask], step: Callable[[int], None] = lambda k: None) -> Iterator[
            dict[tuple[str, str], float | None]]:
        """:func:`task_limits` of each task in order, in this process or on the executor."""
        tasks = [dataclasses.replace(task, nature=self.nature) for task in tasks]
        if self.pool is None:
            for task in tasks:
                yield task_limits(task)
                step(1)
            return
        for future in [self.pool.submit(task_limits, task) for task in tasks]:
            yield future.result()
            step(1)

    def masses(self, group: str) -> tuple[float, ...]:
        return self.grids.cepc_masses if group == "cepc" else self.grids.lep_masses

    def curve(self, group: str, cards: Sequence[str], flavour: str, scenario: str) -> list[float | None]:
        """Per mass, the strongest d_gamma_95 of the cards."""
        table = self.scan(group)
        out: list[float | None] = []
        for i in range(len(self.masses(group))):
            found = [table[(c, flavour, scenario)][i] for c in cards]
            finite = [d for d in found if d is not None]
            out.append(min(finite) if finite else None)
        return out

    def constraints(self, flavour: str) -> list[Any]:
        if flavour not in self._constraints:
            from mcgen.analysis.constraints import load_constraints

            self._constraints[flavour] = load_constraints(flavour)
        return self._constraints[flavour]


def _case_a_range(case: Case, run: _Runner, index: int) -> tuple[list[Any], dict[str, Any]]:
    card = run.load(case.cards[0])
    assert case.mass is not None and case.a_domain is not None
    background = None
    if card.limit.criterion in BACKGROUND_CRITERIA:  # the background of the CEPC scan's (the same seed): computed once
        seed = task_seed(run.seed + 2, CEPC_CARDS.index(card.name)) if card.name in CEPC_CARDS else run.seed + 100
        background = visible_background(card, run.grids.background_events, seed)[0]
    sample = signal_sample(card, case.mass, case.flavour, run.options, run.n, run.seed + 10 + index, background, nature=run.nature)
    result = a_range(sample, case.a_domain, run.grids.a_points)
    details: dict[str, Any] = {k: result[k] for k in ("a_at", "singular_a", "limits_next_to_singular_a") if k in result}
    details["a_grid"] = [a if math.isfinite(a) else "inf" for a in result["a_grid"]]  # inf: a -> infinity, scenario II
    details["limits_on_grid"] = result["limits"]
    hi = case.paper[-1]
    above = [a for a, d in zip(result["a_grid"], result["limits"]) if d is not None and d > hi]
    details["a_where_limit_exceeds_paper_max"] = ([min(above), max(above) if math.isfinite(max(above)) else "inf"]
                                                  if above else None)
    if background is not None:
        details["background_pb"] = background
    return list(result["values"]), details


def _case_min_over_mass(case: Case, run: _Runner) -> tuple[list[Any], dict[str, Any]]:
    """The lowest limit of the cards on the LEP mass grid, then on five more masses between the grid
    neighbours of that minimum (a Monte Carlo each): the minimum may be narrow (L3 near m_N ~ M_Z/2)."""
    assert case.scenario is not None
    group = _group(case.cards)
    masses = run.masses(group)
    curve = run.curve(group, case.cards, case.flavour, case.scenario)
    finite = [(k, d) for k, d in enumerate(curve) if d is not None]
    details: dict[str, Any] = {"masses_GeV": list(masses), "curve": curve}
    if not finite:
        return [f"nothing excluded on the mass grid {masses[0]:.3g}-{masses[-1]:.3g} GeV"], details
    k, d = min(finite, key=lambda x: x[1])
    details["grid_min"] = {"mass_GeV": masses[k], "d_gamma_95": d}
    extra = [float(m) for m in fpmath.geomspace(masses[max(k - 1, 0)], masses[min(k + 1, len(masses) - 1)], 7)[1:-1]]
    refined = run.extra(case.cards, extra, case.flavour, case.scenario)
    details["refined"] = {"masses_GeV": extra, "curve": refined}
    best = min([(masses[k], d)] + [(m, x) for m, x in zip(extra, refined) if x is not None], key=lambda x: x[1])
    details["mass_at_min_GeV"] = best[0]
    return [best[1]], details


def _existing(run: _Runner, flavour: str, labels: Sequence[str] | None) -> list[tuple[np.ndarray, np.ndarray]]:
    found = [c for c in run.constraints(flavour) if c.label != "SN1987A" and (labels is None or c.label in labels)]
    if labels is not None and not found:
        raise InputError(f"no existing constraint {', '.join(labels)} for flavour {flavour}")
    return [(c.mass_GeV, c.d_gamma_95) for c in found]


def _case_handover(case: Case, run: _Runner) -> tuple[list[Any], dict[str, Any]]:
    assert case.scenario is not None
    group = _group(case.cards)
    masses = run.masses(group)
    curve = run.curve(group, case.cards, case.flavour, case.scenario)
    compared: list[tuple[np.ndarray, np.ndarray]] = []
    labels = [x for x in case.compare if x not in ("existing", "lep", "lep-other")]
    if labels:
        compared += _existing(run, case.flavour, labels)
    if "existing" in case.compare:
        compared += _existing(run, case.flavour, None)
    for key in ("lep", "lep-other"):
        if key in case.compare:
            cards = [c for c in LEP_CARDS if key == "lep" or c not in case.cards]
            # a LEP curve with gaps: each run of consecutive masses with a limit is its own curve
            compared += _runs(run.masses("lep"), run.curve("lep", cards, case.flavour, case.scenario))
    result = handover_mass(masses, curve, compared, case.window)
    details = {"masses_GeV": list(masses), "curve": curve, "ahead_intervals_GeV": result["ahead_intervals_GeV"],
               "window_GeV": result["window_GeV"], "compared_with": list(case.compare)}
    return [result["value"]], details


def _runs(masses: Sequence[float], values: Sequence[float | None]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The runs of consecutive masses that have a value, as separate curves."""
    runs: list[tuple[np.ndarray, np.ndarray]] = []
    current: list[tuple[float, float]] = []
    for m, d in [*zip(masses, values), (math.nan, None)]:
        if d is not None:
            current.append((m, d))
        elif current:
            if len(current) >= 2:
                runs.append((np.array([x for x, _ in current]), np.array([y for _, y in current])))
            current = []
    return runs


def _case_constraint(case: Case, run: _Runner) -> tuple[list[Any], dict[str, Any]]:
    from mcgen.analysis.constraints import CL_90_TO_95

    donut = [c for c in run.constraints(case.flavour) if c.label == "DONUT"][0]
    plateau = donut.d_gamma_95[donut.mass_GeV < 0.29]
    value = float(np.median(plateau)) / CL_90_TO_95
    return [value], {"at_95_cl_as_mcgen_draws_it": value * CL_90_TO_95, "mass_range_GeV": [float(donut.mass_GeV[0]),
                     float(donut.mass_GeV[-1])], "source": donut.source, "conversion": donut.conversion,
                     "note": "the HNLimits data: the same in every column"}


def _evaluate(case: Case, run: _Runner, index: int) -> tuple[list[Any], dict[str, Any]]:
    try:
        if case.kind == "a_range":
            return _case_a_range(case, run, index)
        if case.kind == "min_over_mass":
            return _case_min_over_mass(case, run)
        if case.kind == "handover":
            return _case_handover(case, run)
        if case.kind == "constraint":
            return _case_constraint(case, run)
    except MissingExtraError as exc:
        return [f"not computable here: {exc}"] * len(case.paper), {}
    raise ValueError(f"unknown kind of case {case.kind!r}")


def _ratio(value: Any, paper: float) -> float | None:
    return value / paper if isinstance(value, float) and math.isfinite(value) else None


def run_validation(n: int = 20_000, seed: int = 1, *, quick: bool = False, background_events: int | None = None,
                   overrides: Sequence[str] = (), card_overrides: Mapping[str, Sequence[str]] | None = None,
                   treatments: Mapping[str, PhysicsOptions] | None = None, cases: Sequence[str] | None = None,
                   grid: Grids | None = None, nature: str = "dirac", pool: Any = None) -> dict[str, Any]:
    """Every case of :data:`CASES` (or those named in ``cases``) in every treatment (default :data:`TREATMENTS`),
    for mcgen's Dirac N (the paper's) or a Majorana one (``nature``: the paper's numbers are for a Dirac N).

    ``overrides`` are --set values for every card; ``card_overrides`` more per card name (to switch one
    input of one analysis, e.g. the OPAL efficiency); ``pool``: an executor the Monte Carlo tasks run on
    (mcgen.analysis.scan.executor; the same numbers as in this process). Returns ``rows`` (one per case), ``treatments`` and
    the inputs; see the module docstring for what each kind of case computes."""
    start = time.perf_counter()
    treatments = dict(TREATMENTS if treatments is None else treatments)
    chosen = list(CASES) if cases is None else [c for c in CASES if c.id in set(cases)]
    if cases is not None and len(chosen) != len(set(cases)):
        unknown = sorted(set(cases) - {c.id for c in CASES})
        raise InputError(f"unknown validation case {unknown[0]!r}: expected one of {', '.join(c.id for c in CASES)}")
    g = grid if grid is not None else grids(quick, background_events)
    per_card = {k: tuple(v) for k, v in (card_overrides or {}).items()}
    loaded: dict[str, Card] = {}

    def load(name: str) -> Card:
        if name not in loaded:
            loaded[name] = load_card(name, (*PAPER_BEAMS, *overrides, *per_card.get(name, ())))
        return loaded[name]

    runners = {name: _Runner(options, n, seed, g, load, check_nature(nature), pool) for name, options in treatments.items()}
    rows = []
    with progress.task(len(chosen) * len(runners), "cases", "validate") as step:
        for index, case in enumerate(chosen):
            values: dict[str, list[Any]] = {}
            details: dict[str, dict[str, Any]] = {}
            for name, run in runners.items():
                values[name], details[name] = _evaluate(case, run, index)
                step(1)
            rows.append({
                "id": case.id, "figure": case.figure, "description": case.description, "kind": case.kind,
                "cards": list(case.cards), "flavor": case.flavour, "structure": case.structure, "quantity": case.quantity,
                "unit": case.unit, "labels": list(case.labels), "paper": list(case.paper), "mcgen": values,
                "ratio": {name: [_ratio(v, p) for v, p in zip(vals, case.paper)] for name, vals in values.items()},
                "options": {name: treatment_record(options) for name, options in treatments.items()}, "details": details,
            })
    return {
        "rows": rows, "treatments": {name: treatment_record(o) for name, o in treatments.items()}, "nature": nature, "n_events": n,
        "background_events": g.background_events, "seed": seed, "quick": quick, "grids": g.as_dict(),
        "overrides": list(overrides), "card_overrides": {k: list(v) for k, v in per_card.items()},
        "inputs": {name: card_inputs(card) for name, card in loaded.items()}, "version": __version__,
        "seconds": time.perf_counter() - start,
    }


# --- tables --------------------------------------------------------------------------------------------------

def _fmt(value: Any, unit: str) -> str:
    if isinstance(value, str):
        return f"n/a ({value})"
    if value is None:
        return "n/a"
    return f"{value:.3g}" if unit == "GeV" else f"{value:.2e}"


def _cells(row: dict[str, Any], name: str) -> str:
    return ", ".join(_fmt(v, row["unit"]) for v in row["mcgen"][name])


def _ratios(row: dict[str, Any], name: str) -> str:
    return ", ".join("n/a" if r is None else f"{r:.2f}" for r in row["ratio"][name])


def markdown_table(result: dict[str, Any]) -> str:
    """The rows as a Markdown table: the paper's value(s), each treatment's and their ratios to the paper."""
    names = list(result["treatments"])
    head = ["case", "fig.", "quantity", "paper"] + [f"mcgen: {n}" for n in names] + [f"ratio {n}" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result["rows"]:
        paper = ", ".join(_fmt(v, row["unit"]) for v in row["paper"])
        cells = [f"`{row['id']}`", row["figure"], f"{row['description']} [{row['unit']}]", paper]
        cells += [_cells(row, n) for n in names] + [_ratios(row, n) for n in names]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


AGREEMENT = (0.05, 0.20)
"""The bands of the summary line: |mcgen / paper - 1| within 5%, within 20%, beyond."""


def agreement(result: dict[str, Any], treatment: str) -> tuple[int, int, int, int]:
    """Of the numbers the paper quotes, how many mcgen's ``treatment`` meets within 5%, within 20%
    (and not 5%), beyond 20%, and how many it could not compute."""
    counts = [0, 0, 0, 0]
    for row in result["rows"]:
        for r in row["ratio"][treatment]:
            if r is None:
                counts[3] += 1
            else:
                off = abs(r - 1.0)
                counts[0 if off <= AGREEMENT[0] else 1 if off <= AGREEMENT[1] else 2] += 1
    return counts[0], counts[1], counts[2], counts[3]


def text_table(result: dict[str, Any]) -> str:
    """The rows as plain text, one block per case: a header naming the values (min and max over a,
    or the quantity), the paper's quoted numbers, mcgen's in each treatment with the ratios to the
    paper, and a summary line per treatment."""
    names = list(result["treatments"])
    lines = [f"quoted limits (arXiv:2301.06050, and arXiv:2204.07802 for the flavour factories) vs mcgen ({result['n_events']} "
             f"events per Monte Carlo, seed {result['seed']}"
             f"{', quick grids' if result['quick'] else ''})",
             "rows: 'quoted' = the number printed in the paper; 'mcgen <treatment>' = mcgen's value, then its ratio to "
             "the quoted one; treatments: "
             + "; ".join(f"{n} = {', '.join(f'{k}={v}' for k, v in t.items())}" for n, t in result["treatments"].items())]
    label = max(len("quoted"), *(len(f"mcgen {n}") for n in names))
    for row in result["rows"]:
        lines.append(f"{row['id']} ({where_quoted(row['figure'])}): {row['description']} [{row['unit']}]")
        width = max([12, *(len(x) + 2 for x in row["labels"])])
        lines.append(f"    {'':{label}}  " + "".join(f"{x:>{width}}" for x in row["labels"]) + "   ratio to quoted")
        lines.append(f"    {'quoted':{label}}  " + "".join(f"{_fmt(v, row['unit']):>{width}}" for v in row["paper"]))
        for n in names:
            cells = "".join(f"{_fmt(v, row['unit']):>{width}}" for v in row["mcgen"][n])
            lines.append(f"    {'mcgen ' + n:{label}}  {cells}   {_ratios(row, n)}")
    for n in names:
        good, fair, off, missing = agreement(result, n)
        total = good + fair + off + missing
        lines.append(f"summary, mcgen {n}: of {total} quoted numbers {good} within {AGREEMENT[0]:.0%}, {fair} more within "
                     f"{AGREEMENT[1]:.0%}, {off} beyond" + (f", {missing} not computed" if missing else ""))
    lines.append(f"{len(result['rows'])} cases" + (f" in {result['seconds']:.1f} s" if "seconds" in result else ""))
    return "\n".join(lines)
