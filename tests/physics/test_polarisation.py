"""Polarised beams: the analytic cross sections per helicity configuration against the explicit
Dirac-matrix amplitudes with helicity projectors (tests/references/dirac_reference.py), and the generator's
cross section and N polarisation with polarised beams."""

from __future__ import annotations

import math

import dirac_reference as ref
import numpy as np
import pytest
from helpers import run_cli

import mcgen
from mcgen.physics.constants import GEV2_TO_PB, Electroweak
from mcgen.physics.model import Couplings
from mcgen.physics.polarisation import HELICITY_CONFIGURATIONS, helicity_weights
from mcgen.physics.xsec import production_cross_sections

EW = Electroweak()
REF_EW = ref.EW(alpha=EW.alpha, sin2w=EW.sin2_theta_w, mz=EW.m_Z, gz=EW.Gamma_Z, mw=EW.m_W)
D_GAMMA, D_Z, D_W = 1.3e-5, -2.1e-5, 2.7e-5
POINTS = [(91.1876, 10.0), (160.0, 50.0), (250.0, 100.0), (500.0, 30.0)]
PIECES = ("gamma", "Z", "gammaZ", "W", "st_interference")


def reference_pieces(rs, m, helicities):
    """The five pieces in pb for fully polarised beams (None: unpolarised), one charge state."""
    def sigma(dg, dz, dw, **which):
        return ref.production_sigma(REF_EW, rs, m, dg, dz, dw, n_points=48, helicities=helicities, **which) * GEV2_TO_PB

    s_only = {"wboson": False}
    photon = sigma(D_GAMMA, 0, 0, zboson=False, wboson=False)
    z = sigma(0, D_Z, 0, photon=False, wboson=False)
    gamma_z = sigma(D_GAMMA, D_Z, 0, **s_only) - photon - z
    w = sigma(0, 0, D_W, photon=False, zboson=False)
    st = sigma(D_GAMMA, D_Z, D_W) - sigma(D_GAMMA, D_Z, 0, **s_only) - w
    return {"gamma": photon, "Z": z, "gammaZ": gamma_z, "W": w, "st_interference": st}


def analytic_pieces(rs, m, polarisation):
    xs = production_cross_sections(rs, m, Couplings(D_GAMMA, D_Z, D_W), "e", EW, charge_states=1, polarisation=polarisation)
    return xs.as_dict()


@pytest.mark.parametrize(("rs", "m"), POINTS)
def test_each_piece_of_each_helicity_configuration_matches_dirac_projectors(rs, m):
    unpolarised = reference_pieces(rs, m, None)
    scale = max(abs(v) for v in unpolarised.values())
    by_configuration = {}
    for name, polarisation in HELICITY_CONFIGURATIONS.items():
        numeric = reference_pieces(rs, m, tuple(name))
        by_configuration[name] = numeric
        analytic = analytic_pieces(rs, m, polarisation)
        for piece in PIECES:
            assert analytic[piece] == pytest.approx(numeric[piece], rel=1e-8, abs=1e-11 * scale), (name, piece)
    for piece in PIECES:
        # equal helicities do not annihilate; unpolarised beams average the four configurations
        assert abs(by_configuration["LL"][piece]) < 1e-14 * scale and abs(by_configuration["RR"][piece]) < 1e-14 * scale
        average = sum(c[piece] for c in by_configuration.values()) / 4
        assert average == pytest.approx(unpolarised[piece], rel=1e-10, abs=1e-14 * scale)
        assert analytic_pieces(rs, m, (0.0, 0.0))[piece] == pytest.approx(average, rel=1e-8, abs=1e-11 * scale)
    # the W couples to left-handed electrons only: no W piece, no s-t interference for e-_R
    assert abs(by_configuration["RL"]["W"]) < 1e-14 * scale and abs(by_configuration["RL"]["st_interference"]) < 1e-14 * scale
    assert analytic_pieces(rs, m, (1.0, -1.0))["W"] == 0.0 == analytic_pieces(rs, m, (1.0, -1.0))["st_interference"]


@pytest.mark.parametrize("polarisation", [(-0.8, 0.3), (0.8, -0.3), (-0.3, -0.6), (1.0, 1.0)])
def test_partial_polarisation_weights_the_helicity_rates(polarisation):
    rs, m = 250.0, 100.0
    p_minus, p_plus = polarisation
    expected = {piece: 0.0 for piece in PIECES}
    for name in ("LR", "RL"):
        h_minus, h_plus = (-1 if name[0] == "L" else 1), (-1 if name[1] == "L" else 1)
        weight = (1 + h_minus * p_minus) * (1 + h_plus * p_plus) / 4
        for piece, value in reference_pieces(rs, m, tuple(name)).items():
            expected[piece] += weight * value
    analytic = analytic_pieces(rs, m, polarisation)
    scale = max(abs(v) for v in expected.values()) or 1.0
    for piece in PIECES:
        assert analytic[piece] == pytest.approx(expected[piece], rel=1e-8, abs=1e-11 * scale)


def test_helicity_weights_of_the_ilc_beams():
    f_l, f_r = helicity_weights(-0.8, 0.3)
    assert (f_l, f_r) == pytest.approx((1.8 * 1.3, 0.2 * 0.7))
    assert helicity_weights(0.0, 0.0) == (1.0, 1.0)


def polarised_card(p_minus, p_plus, name="cepc_h"):
    """The card with polarised beams at the nominal s (no energy spread: the tests compare with Born)."""
    return mcgen.load_card(name, (f"beam.polarisation_electron={p_minus}", f"beam.polarisation_positron={p_plus}",
                                  "beam.energy_spread=0"))


@pytest.mark.parametrize("weighted", [True, False])
def test_generated_cross_section_with_polarised_beams(weighted):
    card = polarised_card(-0.8, 0.3)
    model = mcgen.make_model(50.0, "e", card.electroweak, d_gamma=1e-6, scenario="II")
    events = mcgen.generate(card, model, 200_000, seed=5, weighted=weighted)
    summary = events.summary
    analytic = mcgen.model_info(card, model)["sigma_pb"]["total"]
    unpolarised = mcgen.model_info(polarised_card(0.0, 0.0), model)["sigma_pb"]["total"]
    assert analytic > 1.5 * unpolarised  # the W piece grows with f_L = 2.34: the test can tell
    if weighted:
        assert summary["sigma_pb"] == pytest.approx(analytic, abs=4 * summary["sigma_err_pb"])
    else:  # unweighted events carry the quadrature of their density
        assert summary["sigma_pb"] == pytest.approx(analytic, rel=1e-5)  # Gauss-Legendre, 96 points
        assert summary["envelope_violations"] == 0
    assert events.metadata["beam"]["polarisation_electron"] == -0.8


def test_generated_n_polarisation_follows_the_polarised_density_matrix():
    """Each event's N spin vector (rotated with its azimuth) against the Dirac-projector polarisation
    for the same beams, angle and azimuth."""
    p_minus, p_plus = -0.8, 0.3
    card = polarised_card(p_minus, p_plus)
    model = mcgen.make_model(120.0, "e", card.electroweak, d_gamma=1e-6, scenario="IV")
    cols = mcgen.generate(card, model, 2_000, seed=3).columns
    f_l, f_r = helicity_weights(p_minus, p_plus)
    weights = {("L", "R"): f_l, ("R", "L"): f_r}
    c = model.couplings
    for i in np.flatnonzero(~cols["anti"])[:12]:
        cos_t = float(cols["N_cos_theta"][i])
        phi = math.atan2(float(cols["N_py"][i]), float(cols["N_px"][i]))
        expected = ref.n_polarisation(REF_EW, card.sqrt_s, model.mass, cos_t, c.d_gamma, c.d_Z, c.d_W, phi=phi,
                                      beam_weights=weights)
        got = [float(cols[f"N_pol_{axis}"][i]) for axis in "xyz"]
        assert got == pytest.approx(expected, abs=1e-9)


def test_equal_helicity_beams_are_refused():
    card = polarised_card(1.0, 1.0)
    model = mcgen.make_model(50.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    with pytest.raises(mcgen.ModelError, match="do not annihilate"):
        mcgen.generate(card, model, 1000, seed=1)


@pytest.mark.parametrize(("setting", "fragment"), [
    ("beam.polarisation_electron=1.5", "polarisation_electron: expected a finite number >= -1 and <= 1"),
    ("beam.polarisation_positron=-2", "polarisation_positron: expected a finite number >= -1 and <= 1"),
    ("beam.polarisation_electron=true", "polarisation_electron: expected a finite number"),
    ("electroweak.scheme=msbar", "scheme: expected one of 'alpha0', 'gmu_alpha0'"),
    ("electroweak.G_F=-1", "G_F: expected a finite number"),
])
def test_bad_beam_and_scheme_settings_are_one_line(capsys, setting, fragment):
    code, out, err = run_cli(capsys, ["info", "--card", "cepc_h", "--set", setting, "--mass", "10", "--dgamma", "1e-6",
                                      "--scenario", "I", "--flavor", "mu"])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err, err


def test_gmu_scheme_couplings():
    """alpha_Gmu from G_F/sqrt2 = g^2/(8 M_W^2), written out; the production cross section in the
    scheme equals the Dirac-matrix one with alpha_Gmu (no real photon enters production)."""
    ew = Electroweak(scheme="gmu_alpha0")
    g2 = 8 * ew.m_W**2 * ew.G_F / math.sqrt(2)
    assert ew.g**2 == pytest.approx(g2, rel=1e-14)
    assert ew.e_photon**2 / (4 * math.pi) == ew.alpha == Electroweak().alpha
    assert ew.alpha_eff == pytest.approx(g2 * ew.sin2_theta_w / (4 * math.pi), rel=1e-14)
    gmu_ref = ref.EW(alpha=ew.alpha_eff, sin2w=ew.sin2_theta_w, mz=ew.m_Z, gz=ew.Gamma_Z, mw=ew.m_W)
    rs, m = 240.0, 60.0
    numeric = ref.production_sigma(gmu_ref, rs, m, D_GAMMA, D_Z, D_W, n_points=48) * GEV2_TO_PB
    analytic = production_cross_sections(rs, m, Couplings(D_GAMMA, D_Z, D_W), "e", ew, charge_states=1).total
    assert analytic == pytest.approx(numeric, rel=1e-8)
    assert Electroweak(scheme="alpha0").alpha_eff == Electroweak().alpha


# --- the background ----------------------------------------------------------------------------------


def background(p_minus, p_plus, n=40_000, seed=4):
    from mcgen.mc.background import background_cross_section

    return background_cross_section(polarised_card(p_minus, p_plus), n, seed)


def test_background_right_handed_electrons_see_no_w():
    """For e-_R e+_L beams the nu_e background has no W diagrams: its |M|^2 equals nu_mu's point by
    point, and its rate (full |M|^2) that of nu_mu (nu nubar directions integrated in closed form)
    within the errors."""
    from mcgen.mc.background import background_cross_section

    r = background_cross_section(polarised_card(1.0, -1.0), 40_000, 4, keep_events=True)
    cols, by = r["columns"], r["by_flavour"]
    assert np.array_equal(cols["weight_e"], cols["weight_mu"]) and np.array_equal(cols["weight_mu"], cols["weight_tau"])
    assert by["mu"]["sigma_pb"] == by["tau"]["sigma_pb"] > 0
    assert by["e"]["sigma_pb"] == pytest.approx(by["mu"]["sigma_pb"], abs=4 * by["e"]["sigma_err_pb"])


def test_background_polarised_rates_weight_the_helicity_rates():
    """sigma(P-, P+) = [f_L sigma_LR + f_R sigma_RL] / 4 (independent runs: within their errors), and
    unpolarised beams average the two (LL and RR vanish)."""
    lr, rl = background(-1.0, 1.0, seed=11), background(1.0, -1.0, seed=12)
    for polarisation, seed in (((-0.8, 0.3), 13), ((0.0, 0.0), 14)):
        f_l, f_r = helicity_weights(*polarisation)
        got = background(*polarisation, seed=seed)
        expected = (f_l * lr["sigma_pb"] + f_r * rl["sigma_pb"]) / 4
        error = math.hypot(got["sigma_err_pb"], math.hypot(f_l * lr["sigma_err_pb"], f_r * rl["sigma_err_pb"]) / 4)
        assert got["sigma_pb"] == pytest.approx(expected, abs=4 * error)
    assert lr["sigma_pb"] > 1.5 * rl["sigma_pb"]  # the W and g_L^2 > g_R^2: left-handed electrons dominate


def test_background_photon_couples_with_alpha0_in_the_gmu_scheme():
    """|M|^2 has one real-photon vertex (e(0)^2) and two weak ones (g^4 or g_Z^4): in gmu_alpha0 it
    scales by (alpha_Gmu/alpha(0))^2 against alpha0 with the same inputs, for every flavour class."""
    from mcgen.physics.nunugamma import msq_nunugamma_fast

    p1, p2 = np.array([[120.0, 0, 0, 120]]), np.array([[120.0, 0, 0, -120]])
    k, k1, k2 = np.array([[40.0, 40, 0, 0]]), np.array([[96.0, 0, 0, 96]]), np.array([[104.0, -40, 0, -96]])
    gmu = Electroweak(scheme="gmu_alpha0")
    for electron_flavour in (True, False):
        ratio = msq_nunugamma_fast(p1, p2, k1, k2, k, gmu, electron_flavour) / msq_nunugamma_fast(
            p1, p2, k1, k2, k, Electroweak(), electron_flavour)
        assert ratio[0] == pytest.approx((gmu.alpha_eff / gmu.alpha) ** 2, rel=1e-12)
