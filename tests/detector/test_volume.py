"""The decay volume: a cylinder whose end caps may lie at different distances (Belle II's ECL endcaps
at z = +1.96 m and -1.02 m)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mcgen
from mcgen.detector.toy import kernel_params, measure
from mcgen.errors import CardError

PERFECT = ("detector.energy_stochastic=0", "detector.energy_constant=0", "detector.angle_resolution_rad=0",
           "detector.photon_efficiency=1")


def test_the_boundary_follows_the_nearer_surface_in_each_direction():
    """Per event, the distance to the surface along the N direction, written out here: the barrel
    (1.25 m) or the end cap on the N's side (1.96 m forward, 1.02 m backward)."""
    card = mcgen.load_card("belle2")
    assert (card.detector.decay_half_length_m, card.detector.decay_half_length_backward_m) == (1.96, 1.02)
    model = mcgen.make_model(0.3, "mu", card.electroweak, d_gamma=2e-7, scenario="I")  # decays within metres
    c = mcgen.generate(card, model, 20_000, seed=4).columns
    p = np.sqrt(c["N_px"] ** 2 + c["N_py"] ** 2 + c["N_pz"] ** 2)
    cos_t, sin_t = c["N_pz"] / p, np.hypot(c["N_px"], c["N_py"]) / p
    cap = np.where(cos_t >= 0, 1.96, 1.02)
    expected = np.minimum(1.25 / sin_t, cap / np.abs(cos_t))
    assert np.allclose(c["boundary_m"], expected, rtol=1e-12, atol=0)
    inside = c["inside"]
    assert np.all((c["vtx_z"][inside] <= 1.96 + 1e-12) & (c["vtx_z"][inside] >= -1.02 - 1e-12))
    assert np.all(np.hypot(c["vtx_x"], c["vtx_y"])[inside] <= 1.25 + 1e-12)
    assert (c["vtx_z"][inside] > 1.02).sum() > 50  # beyond a symmetric 1.02 m volume: the boost sends N forward


# alpha: the photon's angle to the axis, such that it leaves through the end cap (not the barrel) into an ECL endcap band
@pytest.mark.parametrize(("z0", "direction", "alpha", "cap"), [(0.5, 1.0, 0.5, 1.96), (-0.5, -1.0, 1.0, -1.02)])
def test_a_photon_is_measured_where_it_reaches_its_end_cap(z0, direction, alpha, cap):
    card = mcgen.load_card("belle2", PERFECT)
    zero, one = np.zeros(1), np.ones(1)
    photon = (one, np.sin(alpha) * one, zero, direction * math.cos(alpha) * one)
    reco = measure(kernel_params(card.detector), (zero, zero, z0 * one), photon, zero, zero, zero)
    x_hit = math.tan(alpha) * abs(cap - z0)
    assert x_hit < 1.25 and reco["reconstructed"][0]
    assert reco["gamma_reco_cos_theta"][0] == pytest.approx(cap / math.hypot(x_hit, cap), rel=1e-12)


def test_a_backward_end_cap_needs_a_cylinder():
    with pytest.raises(CardError, match="decay_half_length_backward_m"):
        mcgen.load_card("lep1_opal", ("detector.decay_half_length_backward_m=1.0",))
