"""What ``mcgen info`` reports: couplings, widths, lifetime and analytic cross sections,
with the inputs that produced them."""

from __future__ import annotations

import math
from typing import Any

from mcgen.config.cards import Card
from mcgen.config.options import PhysicsOptions, check_kinematics, provenance
from mcgen.physics.model import Model, ctau_m, decay_length_m, two_body_momentum, widths
from mcgen.physics.polarisation import HELICITY_CONFIGURATIONS
from mcgen.physics.xsec import production_cross_sections

__all__ = ["model_info", "finite_or_none"]


def model_info(card: Card, model: Model, options: PhysicsOptions = PhysicsOptions()) -> dict[str, Any]:
    """Everything ``mcgen info --json`` prints (keys fixed by DESIGN.md's CLI contract)."""
    check_kinematics(card, model)
    ew = card.electroweak
    w = widths(model, ew, options.three_body)
    def sigma(polarisation: tuple[float, float]) -> dict[str, float]:
        return production_cross_sections(card.sqrt_s, model.mass, model.couplings, model.flavour, ew,
                                         st_interference=options.st_interference, polarisation=polarisation).as_dict()

    p = two_body_momentum(card.sqrt_s, model.mass)
    return {
        "couplings": model.couplings.as_dict(),
        "widths_GeV": w.as_dict(),
        "three_body_widths_GeV": w.three_body,
        "br_nu_gamma": w.br_nu_gamma,
        "ctau_m": float(ctau_m(w.total)),
        "decay_length_m": float(decay_length_m(p, model.mass, w.total)),
        "momentum_GeV": float(p),
        "sigma_pb": sigma(card.beam.polarisation),
        # fully polarised beams, named e- then e+ helicity: unpolarised beams average the four
        "sigma_pb_by_helicity": {name: sigma(pol) for name, pol in HELICITY_CONFIGURATIONS.items()},
        "inputs": {"sqrt_s": card.sqrt_s, **ew.as_dict(), "polarisation_electron": card.beam.polarisation_electron,
                   "polarisation_positron": card.beam.polarisation_positron},
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
