"""The reducible backgrounds of single-photon searches, generated where an event looks like a single
photon: every other particle lost (mcgen.detector.veto). Today e+e- -> gamma gamma
(:mod:`mcgen.physics.gammagamma`), with the card's ISR, energy spread and beams, through the signal's
toy detector and the card's selection (:func:`mcgen.mc.background.photon_selection`).

Sampling: the beams' fractions x1, x2 as for the SM background (the ISR structure function through
x = 1 - u^(2/beta), the spread's normals), then in the hard process's rest frame w = artanh(beta cos theta)
uniform in [-W, W] (W = artanh(beta)): dsigma/dw = dsigma/dcos (1 - beta^2 cos^2) / beta is flat up
to a factor 2, so the collinear peaks cost no variance. The event is boosted along z to the beams'
centre of mass and on to the lab (asymmetric or crossing beams). The weights (pb) average to the
cross section, the identical photons' factor 1/2 included.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.detector.veto import lost
from mcgen.mc.background import cut_flow, lab_transform, photon_cut_flags, photon_selection, toy_detector
from mcgen.mc.beams import SPREAD_CUT
from mcgen.physics import gammagamma
from mcgen.physics.constants import GEV2_TO_PB
from mcgen.physics.frames import transform
from mcgen.physics.isr import isr_beta, isr_weight, x_from_uniform

__all__ = ["gammagamma_cross_section", "gammagamma_events"]


def _beam_fractions(card, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x1, x2, weight): each beam's energy fraction with ISR and the spread, and the structure functions' weight."""
    x1, x2, w = np.ones(n), np.ones(n), np.ones(n)
    if card.beam.isr:
        beta = isr_beta(card.sqrt_s**2)
        u = rng.random((2, n))
        x1, x2 = x_from_uniform(u[0], beta), x_from_uniform(u[1], beta)
        w = isr_weight(x1, beta) * isr_weight(x2, beta)
    s1, s2 = card.beam.spreads
    if max(s1, s2) > 0:
        g = np.clip(rng.standard_normal((2, n)), -SPREAD_CUT, SPREAD_CUT)
        x1, x2 = x1 * (1.0 + s1 * g[0]), x2 * (1.0 + s2 * g[1])
    return x1, x2, w


def gammagamma_events(card, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n weighted e+e- -> gamma gamma events: ``weight_pb`` and the two photons in the lab, ``k1`` and
    ``k2`` ((n, 4) arrays of E, px, py, pz); the random numbers in this order: the beams, w, phi."""
    x1, x2, w_beams = _beam_fractions(card, n, rng)
    s_hat = x1 * x2 * card.sqrt_s**2
    mu = 4.0 * gammagamma.M_E**2 / s_hat
    open_ = mu < 1.0
    mu = np.where(open_, mu, 0.5)  # below threshold: weight 0 (ISR leaves x ~ 0 with a tiny probability)
    beta = np.sqrt(1.0 - mu)
    big_w = 0.5 * fpmath.log((1.0 + beta) * (1.0 + beta) / mu)  # artanh(beta), 1 - beta = mu / (1 + beta)
    w = (2.0 * rng.random(n) - 1.0) * big_w
    q = 1.0 / fpmath.cosh(w) ** 2  # 1 - beta^2 cos^2
    cos_t = fpmath.tanh(w) / beta
    phi = 2.0 * math.pi * rng.random(n)
    # dsigma/dcos dcos/dw times the range 2W, halved for the identical photons
    weight = gammagamma.msq_of_q(q, mu) / (32.0 * math.pi * s_hat * beta) * q / beta * big_w * w_beams * open_ * GEV2_TO_PB
    e = 0.5 * np.sqrt(s_hat)
    sin_t = np.sqrt(np.clip((1.0 - cos_t) * (1.0 + cos_t), 0.0, None))
    k1 = np.stack([e, e * sin_t * fpmath.cos(phi), e * sin_t * fpmath.sin(phi), e * cos_t], axis=1)
    k2 = k1 * np.array([1.0, -1.0, -1.0, -1.0])
    beta_z = (x1 - x2) / (x1 + x2)  # the hard frame in the beams' centre of mass
    gamma_z = 1.0 / np.sqrt(1.0 - beta_z * beta_z)
    to_lab = lab_transform(card)
    out = []
    for k in (k1, k2):
        k = np.stack([gamma_z * (k[:, 0] + beta_z * k[:, 3]), k[:, 1], k[:, 2], gamma_z * (k[:, 3] + beta_z * k[:, 0])], axis=1)
        out.append(k if to_lab is None else transform(to_lab, k))
    return {"weight_pb": weight, "k1": out[0], "k2": out[1], "beam_x1": x1, "beam_x2": x2}


def _estimate(w: np.ndarray) -> tuple[float, float]:
    return float(w.mean()), float(w.std() / math.sqrt(len(w)))


def gammagamma_cross_section(card, n: int, seed: int, keep_events: bool = False, edges=None) -> dict[str, Any]:
    """Weighted Monte Carlo of e+e- -> gamma gamma with one photon seen and the other lost: sigma (pb)
    after the card's cuts on the true photon and after the toy detector, and the cut flow (the
    generated cross section, one photon seen and the other lost, then each cut of the selection on the
    true photon in turn, the escape cut, the detector). With ``keep_events`` the single-photon events'
    columns (the seen photon as ``gamma``, measured as ``gamma_reco``; the lost one as ``lost_gamma``). With
    ``edges``, the spectrum of the measured photon energy (lab) after the detector and the cuts, pb per bin
    (``spectrum_reco_pb``)."""
    card.run_card(None)  # one run: a card with [[runs]] gives each with card.run_card(name)
    event_rng, detector_rng = (np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(2))
    ev = gammagamma_events(card, n, event_rng)
    k1, k2, w = ev["k1"], ev["k2"], ev["weight_pb"]
    lost1, lost2 = (lost(card.detector, k[:, 0], k[:, 3] / k[:, 0]) for k in (k1, k2))
    single = lost1 ^ lost2
    seen = np.where(lost2[:, None], k1, k2)  # the photon that is not lost (where exactly one is)
    other = np.where(lost2[:, None], k2, k1)
    flags = photon_cut_flags(card, seen)
    measured = toy_detector(card, seen, detector_rng)
    truth = single & flags["pass_all"]
    reco = single & photon_selection(card, measured)
    sigma, err = _estimate(w * truth)
    sigma_reco, err_reco = _estimate(w * reco)
    result: dict[str, Any] = {
        "process": "gammagamma", "sigma_pb": sigma, "sigma_err_pb": err, "sigma_reco_pb": sigma_reco,
        "sigma_reco_err_pb": err_reco, "sigma_generated_pb": _estimate(w)[0], "n_events": n,
        "cut_flow": cut_flow(w, flags, reco, "generated", (("one photon seen, the other lost", single),)),
    }
    if edges is not None:
        result["spectrum_reco_pb"] = (np.histogram(measured["gamma_reco_E"], bins=edges, weights=w * reco)[0] / n).tolist()
    if keep_events:
        keep = single
        scale = int(keep.sum()) / n  # the written weights average to the cross section of what is written
        result["columns"] = {
            "weight_pb": w[keep] * scale, "gamma_E": seen[keep, 0], "gamma_px": seen[keep, 1], "gamma_py": seen[keep, 2],
            "gamma_pz": seen[keep, 3], "gamma_cos_theta": seen[keep, 3] / seen[keep, 0],
            "gamma_pt": np.hypot(seen[keep, 1], seen[keep, 2]), "lost_gamma_E": other[keep, 0],
            "lost_gamma_px": other[keep, 1], "lost_gamma_py": other[keep, 2], "lost_gamma_pz": other[keep, 3],
            "beam_x1": ev["beam_x1"][keep], "beam_x2": ev["beam_x2"][keep],
            **{k: v[keep] for k, v in measured.items()}, "truth_pass": truth[keep], "pass_all": reco[keep],
        }
    return result
