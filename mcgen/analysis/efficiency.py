"""Efficiency tables: eps_cuts per mass for one coupling structure, each from one weighted Monte
Carlo run reweighted to the structure (mcgen.analysis.limits.signal_sample), with the inputs
that made them, so that a table file says what it is a table of."""

from __future__ import annotations

import dataclasses
from typing import Any

from mcgen._version import __version__
from mcgen.analysis.limits import eps_cuts, signal_sample
from mcgen.config.cards import Card
from mcgen.config.options import PhysicsOptions
from mcgen.physics.model import Couplings

__all__ = ["efficiency_table"]


def efficiency_table(card: Card, masses: list[float], structure: Couplings, flavour: str,
                     options: PhysicsOptions = PhysicsOptions(), n: int = 40_000, seed: int = 1, *,
                     structure_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """eps_cuts and its Monte Carlo error per mass (None at or above sqrt(s)); mass i uses seed + i.

    ``structure`` is given at d_gamma = 1; ``structure_info`` is how the table records it
    (default: those couplings).
    """
    values: list[float | None] = []
    errors: list[float | None] = []
    for i, mass in enumerate(masses):
        eps, err = (None, None) if mass >= card.sqrt_s else eps_cuts(
            signal_sample(card, mass, flavour, options, n, seed + i), structure)
        values.append(eps)
        errors.append(err)
    return {
        "masses": masses, "eps_cuts": values, "eps_cuts_err": errors, "card": card.name, "sqrt_s": card.sqrt_s,
        "structure": structure.as_dict() if structure_info is None else structure_info, "options": options.as_dict(),
        "n_events_per_mass": n, "seed": seed, "electroweak": card.electroweak.as_dict(),
        "selection": dataclasses.asdict(card.selection), "version": __version__,
    }
