"""What ``mcgen info`` reports: couplings, widths, lifetime and analytic cross sections,
with the inputs that produced them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcgen.config.cards import Card
from mcgen.config.options import PhysicsOptions, check_kinematics, provenance
from mcgen.physics.model import Model, ctau_m, decay_length_m, two_body_momentum, widths
from mcgen.physics.polarisation import HELICITY_CONFIGURATIONS
from mcgen.physics.xsec import cross_section_pieces, production_cross_sections

__all__ = ["model_info", "sigma_with_isr", "finite_or_none"]


def model_info(card: Card, model: Model, options: PhysicsOptions = PhysicsOptions()) -> dict[str, Any]:
    """Everything ``mcgen info --json`` prints (keys fixed: other tools read them; docs/reference/cli.md)."""
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
        "sigma_pb_isr": sigma_with_isr(card, model, options),
        # the card's beams, as generate uses them (sigma_pb is the Born one; sigma_pb_isr has ISR on)
        "inputs": {"sqrt_s": card.sqrt_s, **ew.as_dict(), "polarisation_electron": card.beam.polarisation_electron,
                   "polarisation_positron": card.beam.polarisation_positron, "isr": card.beam.isr,
                   "energy_spread": card.beam.energy_spread},
        **provenance(card, model, options),
    }


def sigma_with_isr(card: Card, model: Model, options: PhysicsOptions = PhysicsOptions()) -> dict[str, float]:
    """The pieces of ``sigma_pb`` folded with the electron structure functions (ISR on, whatever
    the card says) and the card's beam energy spread (mcgen.mc.beams.folded_sigma)."""
    from mcgen.mc.beams import beam_params, folded_sigma

    ew, m = card.electroweak, model.mass

    def pieces(r: np.ndarray) -> np.ndarray:
        return cross_section_pieces(np.maximum(r, m), m, model.couplings, model.flavour, ew,
                                    st_interference=options.st_interference, polarisation=card.beam.polarisation)

    def total(r: np.ndarray) -> np.ndarray:
        return np.clip(pieces(r).sum(axis=0), 0.0, None)

    names = ("gamma", "Z", "gammaZ", "W", "st_interference")
    if not np.any(pieces(np.array([card.sqrt_s]))):  # beams of helicities that make no N nubar (P- = P+ = +-1)
        return {name: 0.0 for name in names} | {"total": 0.0}
    beams = beam_params(True, card.beam.spreads, card.sqrt_s)
    folded = folded_sigma(total, card.sqrt_s, m, beams, (ew.m_Z, ew.Gamma_Z), pieces=pieces)
    return {name: float(v) + 0.0 for name, v in zip(names, folded)} | {"total": float(folded.sum())}


def finite_or_none(obj: Any) -> Any:
    """Replace non-finite floats by None, recursively, so JSON stays valid."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj
