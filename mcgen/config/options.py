"""What a run is made of besides the card and the model: the physics options, the check that
the model can be produced at the card's energy, and the provenance block every output carries."""

from __future__ import annotations

import dataclasses
from typing import Any

from mcgen._version import RESULTS_REVISION, __version__
from mcgen.config.cards import Card
from mcgen.errors import ModelError
from mcgen.physics.model import Model

__all__ = ["PhysicsOptions", "DECAY_LAWS", "provenance", "check_kinematics"]

DECAY_LAWS: tuple[str, ...] = ("exact", "paper", "isotropic")


@dataclasses.dataclass(frozen=True)
class PhysicsOptions:
    """Physics switches recorded with every result.

    decay_law: ``exact`` (full N spin correlation), ``paper`` (1 - cos theta about the N
    flight direction) or ``isotropic``; st_interference: keep the s-t interference (flavour e);
    three_body: include N -> nu f fbar and l f fbar' through off-shell bosons in the total width
    (and so in Br(N -> nu gamma) and the lifetime).
    """

    decay_law: str = "exact"
    st_interference: bool = True
    three_body: bool = True

    def __post_init__(self) -> None:
        if self.decay_law not in DECAY_LAWS:
            raise ModelError(f"unknown decay law {self.decay_law!r}: expected one of {', '.join(DECAY_LAWS)}")

    def decay_law_for(self, nature: str) -> str:
        """The law the photon follows for an N of this nature: a Majorana N decays to nu gamma and
        to nubar gamma, whose spin asymmetries are equal and opposite, so its exact law is
        isotropic whatever the N polarisation (docs/physics/majorana.md); the paper's and the
        isotropic laws are what they say for either nature."""
        return "isotropic" if nature == "majorana" and self.decay_law == "exact" else self.decay_law

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_kinematics(card: Card, model: Model) -> None:
    """N must be producible: m_N < sqrt(s) (a massless nubar recoils); and the card one run (events are
    made per run: a card with [[runs]] gives its runs with ``card.run_card(name)``)."""
    card.run_card(None)
    if model.mass >= card.sqrt_s:
        raise ModelError(f"mass {model.mass:g} GeV is not below sqrt(s) = {card.sqrt_s:g} GeV of card {card.name}")


def provenance(card: Card, model: Model | None, options: PhysicsOptions) -> dict[str, Any]:
    """The inputs of a result: version, card, beam (energy, luminosity, polarisation), model,
    physics options."""
    return {
        "version": __version__,
        "results_revision": RESULTS_REVISION,
        "card": {"name": card.name, "path": card.path},
        "beam": dataclasses.asdict(card.beam),
        "model": model.describe() if model is not None else None,
        "options": options.as_dict(),
    }
