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
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mcgen import fpmath, progress
from mcgen._version import __version__
from mcgen.analysis.limits.cls import cls_limit
from mcgen.analysis.limits.combine import COMBINATION, check_combinable, combined_limit
from mcgen.analysis.limits.roots import LimitResult, first_crossing, solve_excluded, union_intervals
from mcgen.analysis.limits.samples import (
    SampleReducer,
    SignalSample,
    background_from_files,
    eps_cuts,
    mass_threshold,
    prefetch_backgrounds,
    reachable_sample,
    signal_sample,
    spectrum_edges,
    visible_background,
    visible_background_pb,
)
from mcgen.analysis.limits.signal import SIGNALS, signal_function
from mcgen.config.cards import Card
from mcgen.config.criteria import BACKGROUND_CRITERIA, CRITERIA, criterion
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, ModelError, shown
from mcgen.physics.model import MASS_RANGE_GEV, Couplings

__all__ = ["BACKGROUND_CRITERIA", "SignalSample", "signal_sample", "reachable_sample", "LimitResult", "solve_excluded", "first_crossing",
           "MONOTONIC", "limit_for", "parse_masses", "eps_cuts", "scan_limits", "limits_table", "limits_for_samples", "mass_threshold",
           "background_from_files", "card_inputs", "union_intervals", "visible_background_pb", "visible_background", "SUPPORTED",
           "SampleReducer", "combine_cards", "spectrum_edges", "combined_limit", "COMBINATION", "SOLVERS", "has_solver", "runs_combined"]

SOLVERS: dict[str, Callable[[SignalSample, Couplings], LimitResult]] = {"cls": cls_limit}
"""Criteria solved by a function of their own (sample, structure at d_gamma = 1) -> LimitResult, by name;
the others solve their signal function (mcgen.analysis.limits.signal.SIGNALS) against its threshold."""

SUPPORTED = tuple(CRITERIA)  # every criterion of the registry has its signal here (CLs: cls_limit)


def has_solver(name: str) -> bool:
    """Whether the limits can solve criterion ``name`` (a signal function or a solver of its own)."""
    return name in SIGNALS or name in SOLVERS


MAX_MASSES = 10_000
"""The most masses one --masses may list (each is a Monte Carlo run)."""


MONOTONIC = tuple(name for name, c in CRITERIA.items() if c.monotonic)
"""Criteria whose signal (d^2 times the probability to decay inside the volume, which grows with d)
grows with d_gamma: the excluded region is one interval from d_gamma_95 up."""


def limit_for(sample: SignalSample, structure: Couplings) -> LimitResult:
    """The 95% CL excluded intervals in d_gamma for one structure (given at d_gamma = 1)."""
    solver = SOLVERS.get(sample.card.limit.criterion)
    if solver is not None:
        return solver(sample, structure)
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


def _check_card(card: Card) -> None:
    """The card's criterion has a solver, and combines runs if the card has several."""
    if not has_solver(card.limit.criterion):
        raise InputError(
            f"card {card.name}: limit criterion {card.limit.criterion!r} is not supported yet (supported: "
            + ", ".join(n for n in CRITERIA if has_solver(n)) + ")"
        )
    if card.runs:
        check_combinable([card.name], [card.limit.criterion], [card.limit.s2b_95])


def _background(card: Card, background_events: int, seed: int) -> tuple[float | np.ndarray | None, dict[str, Any] | None]:
    """The visible SM background of a (single-run) card whose criterion needs one, with its source."""
    if card.limit.criterion not in BACKGROUND_CRITERIA:
        return None, None
    background, source = visible_background(card, background_events, seed)
    if not np.sum(background) > 0:
        raise InputError(f"card {card.name}: no SM nu nubar gamma event of {background_events} passes the selection, "
                         "so the background-based limit is undefined; loosen the cuts or raise --background-events")
    return background, source


class _Rows:
    """The limits of one card (or of a combination of runs), mass by mass, as ``mcgen limits`` reports them."""

    def __init__(self, criterion: str, background: Any = None) -> None:
        self.criterion, self.background = criterion, background
        self.d95: list[float | None] = []
        self.excluded: list[list[list[float | None]]] = []
        self.eps: list[float | None] = []
        self.details: list[dict[str, Any] | None] = []

    def add(self, result: LimitResult | None, eps: float | None = None) -> None:
        self.d95.append(None if result is None else result.d_gamma_95)
        self.excluded.append([] if result is None else result.excluded)
        self.details.append(None if result is None else result.details)
        self.eps.append(eps)

    def add_sample(self, sample: SignalSample | None, structure: Couplings) -> None:
        if sample is None:
            self.add(None)
        else:
            self.add(limit_for(sample, structure), eps_cuts(sample, structure)[0])

    def result(self) -> dict[str, Any]:
        b = self.background
        return {"d_gamma_95": self.d95, "excluded": self.excluded, "eps_cuts": self.eps, "criterion": self.criterion,
                "background_pb": b.tolist() if isinstance(b, np.ndarray) else b, "details": self.details}


def runs_combined(criterion: str, combined: Sequence[LimitResult | None], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A card's limits from its runs, as ``mcgen limits`` reports them: per mass the runs combined
    (``combined``; None where no run reaches the mass), and under ``runs`` each run's own result."""
    rows = _Rows(criterion)
    for result in combined:
        rows.add(result)
    return rows.result() | {"runs": runs, "background_pb": {name: run["background_pb"] for name, run in runs.items()},
                            "combination": COMBINATION[criterion]}


class _CardRows:
    """A card's limits: its own, or for a card with [[runs]] the runs combined (``runs``: each run's own)."""

    def __init__(self, card: Card, backgrounds: dict[str, Any]) -> None:
        self.card = card
        self.runs = {r.info.run: _Rows(r.limit.criterion, backgrounds[r.name]) for r in card.runs}
        self.rows = _Rows(card.limit.criterion, None if card.runs else backgrounds[card.name])
        self.combined: list[LimitResult | None] = []

    def add(self, samples: list[SignalSample | None], structure: Couplings) -> None:
        if not self.card.runs:
            self.rows.add_sample(samples[0], structure)
            return
        for rows, sample in zip(self.runs.values(), samples):
            rows.add_sample(sample, structure)
        present = [(sample, structure) for sample in samples if sample is not None]
        self.combined.append(combined_limit(present) if present else None)

    def result(self) -> dict[str, Any]:
        if not self.card.runs:
            return self.rows.result()
        return runs_combined(self.card.limit.criterion, self.combined, {name: rows.result() for name, rows in self.runs.items()})


def scan_limits(card: Card, masses: list[float], structure: Couplings, flavour: str, options: PhysicsOptions,
                n: int, seed: int, background_events: int = 20_000, *, nature: str = "dirac") -> dict[str, Any]:
    """Limits over a mass list for one card (``nature``: dirac or majorana); masses at or above threshold
    give null. A card with [[runs]] gives the runs combined, and each run's own in ``runs``."""
    return limits_table([card], masses, [structure], flavour, options, n, seed, background_events, nature=nature)["by_card"][card.name]


def limits_for_samples(card: Card, samples: Any, structure: Couplings,
                       background: float | np.ndarray | None, *, n_masses: int | None = None) -> dict[str, Any]:
    """The limits of one card from its reduced samples, one per mass (None: above threshold), made
    in memory or read from event files: the same code for both."""
    rows = _Rows(card.limit.criterion, background)
    with progress.task(n_masses if n_masses is not None else len(samples), "masses", card.name) as step:
        for sample in samples:  # a generator runs each mass's Monte Carlo here
            step(1)
            rows.add_sample(sample, structure)
    return rows.result()


def limits_table(cards: Sequence[Card], masses: list[float], structures: Sequence[Couplings], flavour: str,
                 options: PhysicsOptions = PhysicsOptions(), n: int = 40_000, seed: int = 1, background_events: int = 20_000,
                 *, structure_info: dict[str, Any] | None = None, overrides: Sequence[str] = (),
                 nature: str = "dirac", combine: bool = False, pool: Any = None) -> dict[str, Any]:
    """Limits over a mass list for several cards (``by_card``) and, per mass, the smallest excluded
    d_gamma and the union of the excluded intervals; with ``combine`` instead one limit from every run
    of every card (:func:`~mcgen.analysis.limits.combined_limit`). For a Dirac or a Majorana N
    (``nature``). A card with [[runs]] gives its runs combined (each run's own in ``runs``); every run
    of every card at mass i uses the seed + i (common random numbers: runs differ by their physics,
    not by Monte Carlo noise).

    ``structures[i]`` is the structure at d_gamma = 1 for ``cards[i]`` (one a gives different
    d_Z/d_gamma for different electroweak inputs); ``structure_info`` is how the result records
    it (default: the first card's couplings) and ``overrides`` the --set values the cards were loaded with.
    ``pool``: an executor (mcgen.analysis.scan.executor) the Monte Carlo samples are made on, the same numbers as
    in this process.
    """
    if len(structures) != len(cards):
        raise ValueError(f"one structure per card: {len(cards)} cards, {len(structures)} structures")
    if len({c.name for c in cards}) != len(cards):
        raise InputError("a card is given twice")
    for card in cards:
        _check_card(card)
    runs = [(run, structure) for card, structure in zip(cards, structures) for run in card.run_cards()]
    if combine:
        check_combinable([r.name for r, _ in runs], [r.limit.criterion for r, _ in runs], [r.limit.s2b_95 for r, _ in runs])
    backgrounds, sources = {}, {}
    prefetch_backgrounds(((run, background_events, seed) for run, _ in runs if run.limit.criterion in BACKGROUND_CRITERIA), pool)
    for run, _ in runs:
        backgrounds[run.name], sources[run.name] = _background(run, background_events, seed)
    rows = {card.name: _CardRows(card, backgrounds) for card in cards}
    together = _Rows(cards[0].limit.criterion)
    with progress.task(len(masses) * len(runs), "masses x runs", ", ".join(c.name for c in cards)) as step:
        made = _samples(pool, [(run, mass, flavour, options, n, seed + i, backgrounds[run.name])
                               for i, mass in enumerate(masses) for run, _ in runs], nature, step)
        for _ in masses:
            samples = {run.name: next(made) for run, _ in runs}
            for card, structure in zip(cards, structures):
                rows[card.name].add([samples[r.name] for r in card.run_cards()], structure)
            if combine:
                present = [(sample, s) for r, s in runs if (sample := samples[r.name]) is not None]
                together.add(combined_limit(present) if present else None)
    by_card = {}
    for card in cards:
        by_card[card.name] = rows[card.name].result()
        found = {r.name: sources[r.name] for r in card.run_cards() if sources[r.name]}
        if found:
            by_card[card.name]["background_source"] = found[card.name] if not card.runs else found
    if combine:
        best = {"d_gamma_95": together.d95, "excluded": together.excluded, "combined": {
            "runs": [r.name for r, _ in runs], "criterion": together.criterion, "combination": COMBINATION[together.criterion],
            "details": together.details}}
    else:
        best = combine_cards(len(masses), by_card)
    return {
        "masses": masses, **best, "by_card": by_card,
        "structure": structures[0].as_dict() if structure_info is None else structure_info,
        "cards": [c.name for c in cards], "nature": nature, "options": options.as_dict(), "n_events_per_mass": n, "seed": seed,
        "version": __version__, "inputs": {c.name: card_inputs(c) for c in cards}, "overrides": list(overrides),
    }


def _samples(pool: Any, arguments: list[tuple[Any, ...]], nature: str, step: Any) -> Any:
    """reachable_sample for each argument tuple, in order: here one by one, or all submitted to the executor."""
    if pool is None:
        for args in arguments:
            sample = reachable_sample(*args, nature=nature)
            step(1)
            yield sample
        return
    futures = [pool.submit(reachable_sample, *args, nature=nature) for args in arguments]
    for future in futures:
        yield future.result()
        step(1)


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
    out = {"sqrt_s": card.sqrt_s, **card.electroweak.as_dict(), "limit": dataclasses.asdict(card.limit),
           "selection": dataclasses.asdict(card.selection), "detector": dataclasses.asdict(card.detector)}
    if card.runs:  # sqrt_s and the selection above are the first run's
        out["runs"] = {r.info.run: {"beam": dataclasses.asdict(r.beam), "selection": dataclasses.asdict(r.selection)}
                       for r in card.runs}
    return out
