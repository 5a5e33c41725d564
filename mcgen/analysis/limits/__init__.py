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
from collections.abc import Sequence
from typing import Any

import numpy as np

from mcgen import fpmath, progress
from mcgen._version import __version__
from mcgen.analysis.limits.cls import cls_limit
from mcgen.analysis.limits.roots import LimitResult, first_crossing, solve_excluded, union_intervals
from mcgen.analysis.limits.samples import (
    SampleReducer,
    SignalSample,
    background_from_files,
    eps_cuts,
    mass_threshold,
    reachable_sample,
    signal_sample,
    spectrum_edges,
    visible_background,
    visible_background_pb,
)
from mcgen.analysis.limits.signal import signal_function
from mcgen.config.cards import Card
from mcgen.config.criteria import BACKGROUND_CRITERIA, CRITERIA, criterion
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, ModelError, shown
from mcgen.physics.model import MASS_RANGE_GEV, Couplings

__all__ = ["BACKGROUND_CRITERIA", "SignalSample", "signal_sample", "reachable_sample", "LimitResult", "solve_excluded", "first_crossing",
           "MONOTONIC", "limit_for", "parse_masses", "eps_cuts", "scan_limits", "limits_table", "limits_for_samples", "mass_threshold",
           "background_from_files", "card_inputs", "union_intervals", "visible_background_pb", "visible_background", "SUPPORTED",
           "SampleReducer", "combine_cards", "spectrum_edges"]

SUPPORTED = tuple(CRITERIA)  # every criterion of the registry has its signal here (CLs: cls_limit)


MAX_MASSES = 10_000
"""The most masses one --masses may list (each is a Monte Carlo run)."""


MONOTONIC = tuple(name for name, c in CRITERIA.items() if c.monotonic)
"""Criteria whose signal (d^2 times the probability to decay inside the volume, which grows with d)
grows with d_gamma: the excluded region is one interval from d_gamma_95 up."""


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


def scan_limits(card: Card, masses: list[float], structure: Couplings, flavour: str, options: PhysicsOptions,
                n: int, seed: int, background_events: int = 20_000, *, nature: str = "dirac") -> dict[str, Any]:
    """Limits over a mass list for one card (``nature``: dirac or majorana); masses at or above threshold give null."""
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
    samples = (reachable_sample(card, mass, flavour, options, n, seed + i, background, nature=nature)
               for i, mass in enumerate(masses))
    result = limits_for_samples(card, samples, structure, background, n_masses=len(masses))
    return result | ({"background_source": source} if source else {})


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
                 *, structure_info: dict[str, Any] | None = None, overrides: Sequence[str] = (),
                 nature: str = "dirac") -> dict[str, Any]:
    """Limits over a mass list for several cards (``by_card``, :func:`scan_limits`) and combined:
    per mass the smallest excluded d_gamma and the union of the excluded intervals, for a Dirac or
    a Majorana N (``nature``).

    ``structures[i]`` is the structure at d_gamma = 1 for ``cards[i]`` (one a gives different
    d_Z/d_gamma for different electroweak inputs); ``structure_info`` is how the result records
    it (default: the first card's couplings) and ``overrides`` the --set values the cards were loaded with.
    """
    if len(structures) != len(cards):
        raise ValueError(f"one structure per card: {len(cards)} cards, {len(structures)} structures")
    by_card = {card.name: scan_limits(card, masses, s, flavour, options, n, seed, background_events, nature=nature)
               for card, s in zip(cards, structures)}
    return {
        "masses": masses, **combine_cards(len(masses), by_card), "by_card": by_card,
        "structure": structures[0].as_dict() if structure_info is None else structure_info,
        "cards": [c.name for c in cards], "nature": nature, "options": options.as_dict(), "n_events_per_mass": n, "seed": seed,
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
