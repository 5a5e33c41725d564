"""The limit scans that several figures draw, computed once per process: figure 8 draws the LEP
limits of figure 3 and the CEPC reach of figure 7."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from mcgen.analysis.limits import parse_masses
from mcgen.analysis.scan import build_tasks, run_scan
from mcgen.config.cards import CEPC_CARDS, LEP_CARDS
from mcgen.physics.model import SCENARIOS, scenario_a, structure_from_a
from mcgen.plots.figures.registry import FigureRun

__all__ = ["Scan", "scenario_scan", "lep_scan", "cepc_scan"]


class Scan(NamedTuple):
    """The limit rows of a card set over a mass grid (flavours e, mu, tau; the four scenarios), and each
    card's SM background (pb)."""

    masses: list[float]
    rows: list[dict[str, Any]]
    background_pb: dict[str, Any]


_SCANS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
"""The scans of this process by their inputs (cards, beams, grid, options, statistics, seed)."""


def scenario_scan(run: FigureRun, names: tuple[str, ...], masses: list[float],
                  background_events: int = 20_000) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The limit rows of the cards ``names`` (flavours e, mu, tau; the four scenarios) and each card's
    background, computed once per process for the same cards, beams, grid, options, statistics and seed."""
    options, n, seed = run.options, run.n, run.seed
    key = json.dumps([run.beams, names, masses, options.as_dict(), n, seed, background_events])
    if key not in _SCANS:
        cards = [run.card(c) for c in names]
        ew = cards[0].electroweak
        structures = {s: structure_from_a(scenario_a(s, ew), ew) for s in SCENARIOS}
        tasks = build_tasks(cards, masses, ["e", "mu", "tau"], structures, options, n, seed, background_events, pool=run.pool)
        if len(_SCANS) >= 8:  # a few figure sets' worth
            _SCANS.clear()
        _SCANS[key] = run_scan(tasks, run.pool), {t.card.name: t.background_pb for t in tasks}
    return _SCANS[key]


def lep_scan(run: FigureRun) -> Scan:
    """The LEP cards' limits of figures 3 and 8."""
    masses = parse_masses("0.001:90:12" if run.quick else "0.001:90:60", log=True)
    return Scan(masses, *scenario_scan(run, LEP_CARDS, masses))


def cepc_scan(run: FigureRun) -> Scan:
    """The CEPC running modes' expected limits of figures 7 and 8."""
    masses = parse_masses("0.001:350:10" if run.quick else "0.001:350:50", log=True)
    return Scan(masses, *scenario_scan(run, CEPC_CARDS, masses, 5_000 if run.quick else 50_000))
