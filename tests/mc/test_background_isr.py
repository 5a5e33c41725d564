"""ISR and the beam energy spread in the SM e+e- -> nu nubar gamma background (mcgen.mc.phasespace):
the cross section against an independent folding of the Born cross section with the electron
structure functions, and the lab kinematics of the events."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mcgen
from mcgen.mc.background import background_cross_section

# a pT cut alone is the same cut in the lab and in the hard frame (pT does not change under a boost
# along the beams; |cos theta| < 0.99 cannot bind, since pT > 10 GeV and E < sqrt(s)/2 keep
# |cos theta| below 0.976): so sigma(s) = int dtau L(tau) sigma_hat(tau s) holds for the cut
PT_ONLY = ("selection.z_return_veto_widths=0", "selection.bhabha_cos_theta_b=0", "selection.pt_min=10")


@pytest.mark.slow
def test_background_with_isr_against_an_independent_folding():
    # sigma_hat(sqrt(s_hat)) from ISR-free runs of the background at 24 energies (denser towards
    # sqrt(s), where the luminosity L(tau) peaks), interpolated in log sigma, folded with L(tau) by
    # scipy (tests/references/isr_reference.py); against the background generated with ISR at 91.2 GeV, where
    # ISR lowers the rate by 17% (the photon recoils against a pair further below the Z)
    from isr_reference import folded
    from scipy.interpolate import PchipInterpolator

    from mcgen.physics.isr import isr_beta

    rs = 91.2
    card = mcgen.load_card("cepc_z", (*PT_ONLY, "beam.isr=true"))
    with_isr = background_cross_section(card, 1_000_000, 1)
    tau_min = (20.0 / rs) ** 2  # sqrt(s_hat) > 2 pT
    tau = 1 - (1 - tau_min) * np.linspace(1, 0, 24) ** 2
    nodes = rs * np.sqrt(tau[1:])  # sigma_hat vanishes at the first
    born = [background_cross_section(mcgen.load_card("cepc_z", (*PT_ONLY, f"beam.sqrt_s={x}")), 200_000, 2) for x in nodes]
    sigma = np.array([b["sigma_pb"] for b in born])
    error = np.array([b["sigma_err_pb"] for b in born])
    log_sigma = PchipInterpolator(np.log(nodes), np.log(sigma))

    def sigma_hat(x: float) -> float:
        return math.exp(log_sigma(math.log(x))) if x >= nodes[0] else 0.0

    beta = isr_beta(rs**2)
    reference = folded(sigma_hat, rs, beta, (nodes[0] / rs) ** 2)
    # the folding is linear in the nodes' values: its error is at most their errors folded alike
    reference_err = reference * np.max(error / sigma)
    assert with_isr["sigma_pb"] / born[-1]["sigma_pb"] == pytest.approx(0.83, abs=0.02)
    assert abs(with_isr["sigma_pb"] - reference) < 3 * math.hypot(with_isr["sigma_err_pb"], reference_err)


def test_background_events_with_isr_and_spread_conserve_the_beams_momentum():
    # photon + nu + nubar = the two beams after ISR and the spread: (x1 + x2, 0, 0, x1 - x2) sqrt(s)/2,
    # with x1, x2 stored per event; the events without beam effects have x1 = x2 = 1
    card = mcgen.load_card("lep2_delphi", ("beam.isr=true", "beam.energy_spread=0.01"))
    cols = background_cross_section(card, 20_000, 3, keep_events=True)["columns"]
    x1, x2 = cols["beam_x1"], cols["beam_x2"]
    assert x1.std() > 0 and x2.std() > 0 and np.all(x1 < 1.07) and np.all(x1 > 0)
    e_half = card.sqrt_s / 2
    nu = np.stack([cols["nu_px"], cols["nu_py"], cols["nu_pz"]], 1)
    nubar = np.stack([cols["nubar_px"], cols["nubar_py"], cols["nubar_pz"]], 1)
    gamma = np.stack([cols["gamma_px"], cols["gamma_py"], cols["gamma_pz"]], 1)
    live = cols["weight_pb"] > 0
    total_p = (nu + nubar + gamma)[live]
    total_e = (np.linalg.norm(nu, axis=1) + np.linalg.norm(nubar, axis=1) + cols["gamma_E"])[live]
    np.testing.assert_allclose(total_e, ((x1 + x2) * e_half)[live], rtol=1e-9)
    np.testing.assert_allclose(total_p[:, 2], ((x1 - x2) * e_half)[live], rtol=0, atol=1e-8 * card.sqrt_s)
    np.testing.assert_allclose(total_p[:, :2], 0, atol=1e-8 * card.sqrt_s)
    plain = background_cross_section(mcgen.load_card("lep2_delphi"), 2_000, 3, keep_events=True)["columns"]
    assert np.all(plain["beam_x1"] == 1) and np.all(plain["beam_x2"] == 1)


@pytest.mark.slow
def test_the_spread_alone_smears_the_z_pole_background_as_a_gaussian_fold():
    # a 1% spread per beam at 91.2 GeV (exaggerated: CEPC's is 0.08%) against sigma_hat at the
    # Gauss-Hermite points of the two normals: sqrt(s_hat) = sqrt(s (1 + s g1)(1 + s g2))
    spread = 0.01
    card = mcgen.load_card("cepc_z", (*PT_ONLY, f"beam.energy_spread={spread}"))
    smeared = background_cross_section(card, 400_000, 4)
    g, w = np.polynomial.hermite_e.hermegauss(5)
    w = w / w.sum()
    sigma, var = 0.0, 0.0
    for gi, wi in zip(g, w):
        for gj, wj in zip(g, w):
            x = 91.2 * math.sqrt((1 + spread * gi) * (1 + spread * gj))
            b = background_cross_section(mcgen.load_card("cepc_z", (*PT_ONLY, f"beam.sqrt_s={x}")), 100_000, 5)
            sigma += wi * wj * b["sigma_pb"]
            var += wi * wj * b["sigma_err_pb"] ** 2  # the nodes' errors (bounded by their largest)
    assert abs(smeared["sigma_pb"] - sigma) < 3 * math.hypot(smeared["sigma_err_pb"], math.sqrt(var))


def test_unweighted_background_with_isr_has_finite_weights_and_the_selected_rate():
    # with ISR some points lie beyond the hard frame's endpoint and weigh 0; unweighting must not
    # keep them among the smeared-in events (their weight would be 0/0). Their photon is scaled to
    # half the endpoint, so they now rarely pass the cuts: the case is made here from smeared-in events
    from mcgen.mc.background import unweight

    card = mcgen.load_card("cepc_h", ("beam.isr=true",))
    cols = background_cross_section(card, 20_000, 5, keep_events=True)["columns"]
    assert np.count_nonzero(cols["weight_pb"] == 0) > 10
    smeared_in = np.flatnonzero(cols["pass_all"] & ~cols["truth_pass"])
    cols["weight_pb"][smeared_in[:5]] = 0.0
    assert np.count_nonzero((cols["weight_pb"] == 0) & cols["pass_all"] & ~cols["truth_pass"]) == 5  # the case
    out = unweight(cols, np.random.default_rng(1))
    assert np.all(np.isfinite(out["weight_pb"])) and np.all(out["weight_pb"] > 0) and "weight_photon_pb" not in out
    selected = (cols["weight_pb"] * (cols["truth_pass"] | cols["pass_all"])).mean()
    assert out["weight_pb"].mean() == pytest.approx(selected, rel=1e-9)  # scaled to the selected rate
