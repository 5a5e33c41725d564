"""Each criterion's signal as a function of d_gamma for one coupling structure (the decay probability
event by event), and the threshold it must stay below (mcgen.config.criteria)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.analysis.limits.samples import SignalSample
from mcgen.errors import InputError
from mcgen.physics.model import Couplings, decay_length_m, two_body_momentum, widths
from mcgen.physics.xsec import width_z_to_n_nubar

__all__ = ["signal_function", "visible_signal", "decay_length_1", "SIGNALS", "signal"]


def _p_inside(boundary: np.ndarray, d: np.ndarray, lambda_1: float) -> np.ndarray:
    """P(decay before the boundary) for every (d, boundary): shape (len(d), len(boundary))."""
    return -fpmath.expm1(-np.multiply.outer(d * d, boundary) / lambda_1)


def decay_length_1(sample: SignalSample, structure: Couplings) -> tuple[float, float]:
    """Br(N -> nu gamma) and the lab decay length at d_gamma = 1 (m) of a sample's N for a structure."""
    w = widths(sample.model(structure), sample.card.electroweak, sample.options.three_body)
    k = float(two_body_momentum(sample.card.sqrt_s, sample.mass))
    return w.br_nu_gamma, float(decay_length_m(k, sample.mass, w.total))


def visible_signal(sample: SignalSample, structure: Couplings):
    """sigma Br eps_cuts eps_det P(inside) (pb) as a function of d_gamma, P(inside) event by event."""
    br, lambda_1 = decay_length_1(sample, structure)
    b = sample.boundary_m
    visible = sample.weights(structure, passing=True) * br * sample.card.detector.photon_efficiency

    def f(d):
        d = np.asarray(d, dtype=float)
        return d * d * fpmath.dot(_p_inside(b, d, lambda_1), visible)

    return f


SignalFunction = Callable[[SignalSample, Couplings], tuple[Callable[[Any], np.ndarray], float]]
SIGNALS: dict[str, SignalFunction] = {}
"""Each criterion's signal (mcgen.config.criteria.CRITERIA), by name: (sample, structure at d_gamma = 1)
-> (f(d_gamma), the threshold f must exceed for d_gamma to be excluded). A new criterion is its record in
the registry and its function here (:func:`signal`), or a solver of its own (``limits.SOLVERS``, as CLs)."""


def signal(name: str) -> Callable[[SignalFunction], SignalFunction]:
    """Register the signal function of criterion ``name`` in :data:`SIGNALS`."""

    def register(function: SignalFunction) -> SignalFunction:
        SIGNALS[name] = function
        return function

    return register


def signal_function(sample: SignalSample, structure: Couplings):
    """f(d_gamma) for the card's criterion and the threshold it must stay below."""
    name = sample.card.limit.criterion
    if name not in SIGNALS:
        raise InputError(f"card {sample.card.name}: limit criterion {name!r} has no signal function "
                         "(mcgen.analysis.limits.signal.SIGNALS; the CLs limit is cls_limit)")
    return SIGNALS[name](sample, structure)


@signal("sigma_upper")
def _sigma_upper(sample: SignalSample, structure: Couplings):
    return visible_signal(sample, structure), sample.card.limit.value("sigma_95_pb")


@signal("chi2")
def _chi2(sample: SignalSample, structure: Couplings):
    lim = sample.card.limit
    return visible_signal(sample, structure), (lim.value("sigma_exp_pb") - lim.value("sigma_sm_pb")
                                               + lim.value("delta_pb") * math.sqrt(lim.value("chi2_95")))


@signal("s2b")
def _s2b(sample: SignalSample, structure: Couplings):  # S^2/B > s2b_95 with S = L sigma_vis, B = L sigma_bkg
    card = sample.card
    if sample.background_pb is None:
        raise InputError(f"card {card.name}: the S^2/B criterion needs the SM background cross section")
    return visible_signal(sample, structure), math.sqrt(card.limit.value("s2b_95") * sample.background_pb / card.beam.luminosity_invpb)


def _z_decays(sample: SignalSample, structure: Couplings) -> tuple[Couplings, float, float, float]:
    """The Z-mediated part of the structure, 2 Gamma(Z -> N nu) at d_gamma = 1, Br and lambda_1."""
    br, lambda_1 = decay_length_1(sample, structure)
    gamma_z1 = 2.0 * float(width_z_to_n_nubar(sample.mass, structure.d_Z, sample.card.electroweak))  # N nu + Nbar nu
    return Couplings(0.0, structure.d_Z, 0.0), gamma_z1, br, lambda_1


@signal("z_br_upper")
def _z_br_upper(sample: SignalSample, structure: Couplings):
    ew, b = sample.card.electroweak, sample.boundary_m
    z_only, gamma_z1, br, lambda_1 = _z_decays(sample, structure)
    total = float(sample.weights(z_only, passing=False).sum())
    passing = sample.weights(z_only, passing=True) / total if total > 0 else 0.0 * b

    def f(d):
        d = np.asarray(d, dtype=float)
        return d * d * gamma_z1 * br * fpmath.dot(_p_inside(b, d, lambda_1), passing) / ew.Gamma_Z

    return f, sample.card.limit.value("br_95")


@signal("z_inv_width")
def _z_inv_width(sample: SignalSample, structure: Couplings):
    b = sample.boundary_m
    z_only, gamma_z1, _, lambda_1 = _z_decays(sample, structure)
    all_z = sample.weights(z_only, passing=False)
    share = all_z / all_z.sum() if all_z.sum() > 0 else 0.0 * b

    def f(d):
        d = np.asarray(d, dtype=float)
        return d * d * gamma_z1 * fpmath.dot(fpmath.exp(-np.multiply.outer(d * d, b) / lambda_1), share)

    return f, sample.card.limit.value("gamma_inv_95_GeV")
