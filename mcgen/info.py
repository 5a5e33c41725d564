"""What ``mcgen info`` reports: couplings, widths, lifetime and analytic cross sections,
with the inputs that produced them (the provenance block every output carries)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from mcgen.cards import Card
from mcgen.errors import InputError
from mcgen.model import Model, decay_length_m, ctau_m, two_body_momentum, widths
from mcgen.xsec import production_cross_sections

__all__ = ["PhysicsOptions", "DECAY_LAWS", "provenance", "model_info", "check_kinematics"]

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
            raise InputError(f"unknown decay law {self.decay_law!r}: expected one of {', '.join(DECAY_LAWS)}")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_kinematics(card: Card, model: Model) -> None:
    """N must be producible: m_N < sqrt(s) (a massless nubar recoils)."""
    if model.mass >= card.sqrt_s:
        raise InputError(f"mass {model.mass:g} GeV is not below sqrt(s) = {card.sqrt_s:g} GeV of card {card.name}")


def provenance(card: Card, model: Model | None, options: PhysicsOptions) -> dict[str, Any]:
    """The inputs of a result: version, card, model, electroweak inputs, physics options."""
    from mcgen import __version__

    return {
        "version": __version__,
        "card": {"name": card.name, "path": card.path},
        "model": model.describe() if model is not None else None,
        "options": options.as_dict(),
    }


def model_info(card: Card, model: Model, options: PhysicsOptions = PhysicsOptions()) -> dict[str, Any]:
    """Everything ``mcgen info --json`` prints (keys fixed by DESIGN.md's CLI contract)."""
    check_kinematics(card, model)
    ew = card.electroweak
    w = widths(model, ew, options.three_body)
    sigma = production_cross_sections(
        card.sqrt_s, model.mass, model.couplings, model.flavour, ew, st_interference=options.st_interference
    )
    p = two_body_momentum(card.sqrt_s, model.mass)
    return {
        "couplings": model.couplings.as_dict(),
        "widths_GeV": w.as_dict(),
        "three_body_widths_GeV": w.three_body,
        "br_nu_gamma": w.br_nu_gamma,
        "ctau_m": float(ctau_m(w.total)),
        "decay_length_m": float(decay_length_m(p, model.mass, w.total)),
        "momentum_GeV": float(p),
        "sigma_pb": sigma.as_dict(),
        "inputs": {"sqrt_s": card.sqrt_s, **ew.as_dict()},
        **provenance(card, model, options),
    }


def finite_or_none(obj: Any) -> Any:
    """Replace non-finite floats by None, recursively, so JSON stays valid."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj
