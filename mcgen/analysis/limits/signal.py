"""Each criterion's signal as a function of d_gamma for one coupling structure (the decay probability
event by event), and the threshold it must stay below (mcgen.config.criteria)."""

from __future__ import annotations

import math

import numpy as np

from mcgen import fpmath
from mcgen.analysis.limits.samples import SignalSample
from mcgen.errors import InputError
from mcgen.physics.model import Couplings, decay_length_m, two_body_momentum, widths
from mcgen.physics.xsec import width_z_to_n_nubar

__all__ = ["signal_function", "visible_signal", "decay_length_1"]


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


def signal_function(sample: SignalSample, structure: Couplings):
    """f(d_gamma) for the card's criterion and the threshold it must stay below."""
    card, ew, lim = sample.card, sample.card.electroweak, sample.card.limit
    br, lambda_1 = decay_length_1(sample, structure)
    b = sample.boundary_m
    if lim.criterion in ("sigma_upper", "chi2", "s2b"):
        f = visible_signal(sample, structure)
        if lim.criterion == "sigma_upper":
            return f, lim.value("sigma_95_pb")
        if lim.criterion == "s2b":  # S^2/B > s2b_95 with S = L sigma_vis, B = L sigma_bkg
            if sample.background_pb is None:
                raise InputError(f"card {card.name}: the S^2/B criterion needs the SM background cross section")
            return f, math.sqrt(lim.value("s2b_95") * sample.background_pb / card.beam.luminosity_invpb)
        return f, lim.value("sigma_exp_pb") - lim.value("sigma_sm_pb") + lim.value("delta_pb") * math.sqrt(lim.value("chi2_95"))
    z_only = Couplings(0.0, structure.d_Z, 0.0)
    gamma_z1 = 2.0 * float(width_z_to_n_nubar(sample.mass, structure.d_Z, ew))  # N nu + Nbar nu at d_gamma = 1
    if lim.criterion == "z_br_upper":
        total = float(sample.weights(z_only, passing=False).sum())
        passing = sample.weights(z_only, passing=True) / total if total > 0 else 0.0 * b

        def f(d):
            d = np.asarray(d, dtype=float)
            return d * d * gamma_z1 * br * fpmath.dot(_p_inside(b, d, lambda_1), passing) / ew.Gamma_Z

        return f, lim.value("br_95")
    if lim.criterion == "z_inv_width":
        all_z = sample.weights(z_only, passing=False)
        share = all_z / all_z.sum() if all_z.sum() > 0 else 0.0 * b

        def f(d):
            d = np.asarray(d, dtype=float)
            return d * d * gamma_z1 * fpmath.dot(fpmath.exp(-np.multiply.outer(d * d, b) / lambda_1), share)

        return f, lim.value("gamma_inv_95_GeV")
    raise InputError(f"card {card.name}: limit criterion {lim.criterion!r} has no signal function (the CLs limit is cls_limit)")
