"""The SM e+e- -> nu nubar gamma background of a card as a result: the cross sections after the
card's cuts (mcgen.mc.background) with their provenance, and the events to write, unweighted
on request, with the metadata their file carries."""

from __future__ import annotations

from typing import Any

import numpy as np

from mcgen._version import __version__
from mcgen.config.cards import Card
from mcgen.errors import InputError

__all__ = ["background_sample", "background_metadata", "background_summary"]

NOTE = ("tree level, no ISR; weighted events; sigma after the card's cuts on the true photon, "
        "sigma_reco after the toy detector and the same cuts")


def background_sample(card: Card, n: int, seed: int, *, keep_events: bool = False,
                      unweighted: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray] | None]:
    """sigma (true photon) and sigma_reco (after the toy detector), per flavour, with provenance;
    and the event columns when ``keep_events`` (else None), hit-or-miss unweighted when
    ``unweighted`` from a random stream of their own (SeedSequence([seed, 1])).

    A selection that no event passes is an error, not a zero: it almost always means cuts that
    exclude the whole phase space.
    """
    from mcgen.mc.background import background_cross_section, unweight

    result = background_cross_section(card, n, seed, keep_events=keep_events)
    if not (result["sigma_pb"] > 0 or result["sigma_reco_pb"] > 0):
        raise InputError(f"card {card.name}: none of the {n} nu nubar gamma events passes the selection "
                         "(true or reconstructed photon); loosen the cuts")
    result.update(card={"name": card.name, "path": card.path}, sqrt_s=card.sqrt_s, seed=seed,
                  electroweak=card.electroweak.as_dict(), version=__version__, note=NOTE)
    if not keep_events:
        return result, None
    columns = result.pop("columns")
    if unweighted:
        columns = unweight(columns, np.random.default_rng(np.random.SeedSequence([seed, 1])))
    return result, columns


def background_metadata(card: Card, result: dict[str, Any], columns: dict[str, np.ndarray],
                        unweighted: bool) -> dict[str, Any]:
    """What a background event file records besides its events: the result, whether the events
    are unweighted, how many were written, and the card's full content."""
    return {k: v for k, v in result.items() if k != "columns"} | {
        "process": "e+e- -> nu nubar gamma (SM, three flavours)", "weighted": not unweighted,
        "unweighted": unweighted, "events_written": len(columns["weight_pb"]), "n_events": len(columns["weight_pb"]),
        "card_content": card.raw, "weight_convention": "weight_pb averages to the cross section of what is written (pb); "
        "weight_<flavour> per neutrino flavour"}


def background_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The cross sections of a background file (its ``summary`` object, as a signal file has one)."""
    keys = ("sigma_pb", "sigma_err_pb", "sigma_reco_pb", "sigma_reco_err_pb", "by_flavour", "unweighting_efficiency",
            "reco_only_fraction", "n_events")
    return {k: result[k] for k in keys if k in result}
