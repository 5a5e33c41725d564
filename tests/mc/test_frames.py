"""Asymmetric beams and a crossing angle: events made in the centre-of-mass frame and taken to the
lab (mcgen.physics.frames, the kernel's boosted variant), checked against the beams' four-momenta
written here from their definition, not from mcgen."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import mcgen
from mcgen.config.cards import parse_card
from mcgen.errors import CardError

BELLE2_BEAMS = {"electron_energy": 7.007, "positron_energy": 4.0, "crossing_angle_rad": 0.083}
"""SuperKEKB's nominal beams (HER e- 7.007 GeV, LER e+ 4.000 GeV, 83 mrad full crossing angle)."""


def _lab_beams(e1: float, e2: float, crossing: float) -> tuple[np.ndarray, np.ndarray]:
    """Each beam at half the crossing angle to the z axis, towards +x, massless."""
    a = 0.5 * crossing
    return np.array([e1, e1 * math.sin(a), 0.0, e1 * math.cos(a)]), np.array([e2, e2 * math.sin(a), 0.0, -e2 * math.cos(a)])


def _card(base: str, beam: dict, selection: dict | None = None, drop_sqrt_s: bool = True):
    import tomllib

    content = tomllib.loads(mcgen.config.cards.resolve_card_path(base).read_text())
    content["beam"] = {k: v for k, v in content["beam"].items() if not (drop_sqrt_s and k == "sqrt_s")} | beam
    content["selection"] = content["selection"] | (selection or {})
    return parse_card(content, f"{base} (test)")


def _minkowski(p: np.ndarray) -> float:
    return float(p[0] ** 2 - p[1:] @ p[1:])


def test_the_lab_transformation_takes_the_centre_of_mass_beams_to_the_lab_beams():
    from mcgen.physics.frames import cm_from_lab, lab_from_cm, sqrt_s_of_beams

    for e1, e2, crossing in ((7.007, 4.0, 0.083), (1.89, 1.89, 0.022), (3.5, 2.0, 0.0), (45.6, 45.6, 0.03)):
        p1, p2 = _lab_beams(e1, e2, crossing)
        rs = math.sqrt(_minkowski(p1 + p2))
        assert sqrt_s_of_beams(e1, e2, crossing) == pytest.approx(rs, rel=1e-14)
        lam = lab_from_cm(e1, e2, crossing)
        assert np.allclose(lam @ np.array([rs / 2, 0, 0, rs / 2]), p1, atol=1e-13 * e1)
        assert np.allclose(lam @ np.array([rs / 2, 0, 0, -rs / 2]), p2, atol=1e-13 * e1)
        metric = np.diag([1.0, -1, -1, -1])
        assert np.allclose(lam.T @ metric @ lam, metric, atol=1e-14)
        assert np.allclose(cm_from_lab(e1, e2, crossing) @ lam, np.eye(4), atol=1e-14)
    assert np.array_equal(lab_from_cm(45.6, 45.6, 0.0), np.eye(4))
    assert sqrt_s_of_beams(45.6, 45.6, 0.0) == 91.2  # exactly: head-on beams of equal energies


def test_belle2_beams_give_its_sqrt_s_and_boost():
    card = _card("cepc_z", BELLE2_BEAMS)
    assert card.sqrt_s == pytest.approx(10.579, abs=1e-3)
    assert card.beam.boosted
    p1, p2 = _lab_beams(7.007, 4.0, 0.083)
    beta_gamma = np.linalg.norm((p1 + p2)[1:]) / card.sqrt_s
    assert beta_gamma == pytest.approx(0.287, abs=2e-3)  # SuperKEKB's beta gamma ~ 0.28-0.29


@pytest.mark.parametrize("beam, message", [
    ({"electron_energy": -7.0, "positron_energy": 4.0}, "electron_energy"),
    ({"electron_energy": 7.0}, "give both beam energies"),
    ({"electron_energy": 7.0, "positron_energy": 4.0, "crossing_angle_rad": 0.6}, "crossing_angle_rad"),
    ({"electron_energy": 7.0, "positron_energy": 4.0, "sqrt_s": 10.58}, "disagrees with the beam energies"),
])
def test_bad_beam_energies_are_refused_in_one_line(beam, message):
    with pytest.raises(CardError, match=message) as info:
        _card("cepc_z", beam)
    assert "\n" not in str(info.value)


def test_beam_energies_set_over_a_card_replace_its_sqrt_s():
    card = mcgen.load_card("cepc_z", ("beam.electron_energy=7.007", "beam.positron_energy=4", "beam.crossing_angle_rad=0.083"))
    assert card.sqrt_s == pytest.approx(10.5792, abs=1e-4) and card.beam.boosted


def test_bad_beam_energies_on_the_command_line_exit_2():
    run = subprocess.run([sys.executable, "-m", "mcgen", "info", "--card", "cepc_z", "--mass", "1", "--dgamma", "1e-6",
                          "--flavor", "mu", "--set", "beam.electron_energy=7", "--set", "beam.positron_energy=4",
                          "--set", "beam.sqrt_s=10.58"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "disagrees with the beam energies" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_a_consistent_sqrt_s_beside_the_energies_is_accepted():
    card = _card("cepc_z", BELLE2_BEAMS | {"sqrt_s": 10.579178887294015}, drop_sqrt_s=False)
    assert card.sqrt_s == pytest.approx(10.579178887294015, rel=1e-15)


def test_symmetric_head_on_beam_energies_reproduce_todays_events_bit_for_bit():
    plain = mcgen.load_card("cepc_z")
    given = _card("cepc_z", {"electron_energy": 45.6, "positron_energy": 45.6})
    assert given.sqrt_s == plain.sqrt_s and not given.beam.boosted
    model = mcgen.make_model(10.0, "mu", plain.electroweak, d_gamma=1e-7, scenario="II")
    a = mcgen.generate(plain, model, 40_000, seed=3).columns
    b = mcgen.generate(given, model, 40_000, seed=3).columns
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    assert np.array_equal(a["gamma_cm_E"], a["gamma_E"]) and np.array_equal(a["gamma_cm_cos_theta"], a["gamma_cos_theta"])


@pytest.mark.slow
@pytest.mark.parametrize("beam_effects", [("beam.isr=false", "beam.energy_spread=0"),
                                          ("beam.isr=true", "beam.energy_spread=0.0007")])
def test_boosted_events_carry_the_beams_four_momentum(beam_effects):
    """Per event: N + recoil nu = x1 p1 + x2 p2 (lab, with the crossing angle), so the invariant mass
    is sqrt(x1 x2 s); the photon and the decay nu add up to N; the flight follows the lab momentum."""
    card = parse_card(_card("cepc_z", BELLE2_BEAMS).raw, "boosted", beam_effects)
    nominal = beam_effects[0] == "beam.isr=false"
    mass = 1.0
    model = mcgen.make_model(mass, "mu", card.electroweak, d_gamma=1e-4, scenario="I")
    c = mcgen.generate(card, model, 40_000, seed=5).columns
    p1, p2 = _lab_beams(7.007, 4.0, 0.083)
    x1, x2 = c["beam_x1"], c["beam_x2"]
    assert (x1.std() > 1e-4) != nominal
    rec = np.stack([c["nu_recoil_px"], c["nu_recoil_py"], c["nu_recoil_pz"]])
    total_e = c["N_E"] + np.linalg.norm(rec, axis=0)
    total = np.stack([c["N_px"], c["N_py"], c["N_pz"]]) + rec
    beams = np.outer(p1, x1) + np.outer(p2, x2)
    assert np.allclose(total_e, beams[0], rtol=1e-9)
    assert np.allclose(total, beams[1:], atol=1e-9)
    assert np.allclose(total_e**2 - (total**2).sum(axis=0), x1 * x2 * card.sqrt_s**2, rtol=1e-8)
    assert abs(total[0].mean()) > 0.1  # the crossing angle's x momentum is there
    for axis in ("E", "px", "py", "pz"):
        assert np.allclose(c[f"gamma_{axis}"] + c[f"nu_decay_{axis}"], c[f"N_{axis}"], atol=1e-9)
    p = np.sqrt(c["N_px"] ** 2 + c["N_py"] ** 2 + c["N_pz"] ** 2)
    assert np.allclose(c["N_E"] ** 2 - p**2, mass**2, rtol=1e-8, atol=1e-9)
    k_nominal = (card.sqrt_s**2 - mass**2) / (2 * card.sqrt_s)
    assert np.allclose(c["flight_scale"], p / k_nominal, rtol=1e-12)
    # the photon in the centre-of-mass frame: back through the nominal beams' transformation
    from mcgen.physics.frames import cm_from_lab

    back = cm_from_lab(7.007, 4.0, 0.083) @ np.stack([c["gamma_E"], c["gamma_px"], c["gamma_py"], c["gamma_pz"]])
    assert np.allclose(back[0], c["gamma_cm_E"], rtol=1e-12)
    assert np.allclose(back[3] / back[0], c["gamma_cm_cos_theta"], atol=1e-12)
    if nominal:  # the photon's centre-of-mass energy lies within the two-body decay's range
        e_n = (card.sqrt_s**2 + mass**2) / (2 * card.sqrt_s)
        assert c["gamma_cm_E"].max() <= (e_n + k_nominal) / 2 * (1 + 1e-12)


@pytest.mark.parametrize("sqrt_s_beams", [("belle2", BELLE2_BEAMS), ("bes", {"electron_energy": 2.09,
                                                                            "positron_energy": 2.09,
                                                                            "crossing_angle_rad": 0.022})])
def test_the_cross_section_is_the_centre_of_mass_one(sqrt_s_beams):
    """Lorentz invariance: boosted events' cross section is the analytic one at their sqrt(s) (no
    beam effects), within the Monte Carlo error."""
    card = _card("cepc_z", sqrt_s_beams[1])
    model = mcgen.make_model(0.5, "mu", card.electroweak, d_gamma=1e-5, scenario="I")
    ev = mcgen.generate(card, model, 200_000, seed=7, weighted=True)
    w = ev.columns["weight_pb"]
    sigma, err = w.mean(), w.std() / math.sqrt(w.size)
    analytic = mcgen.model_info(card, model)["sigma_pb"]["total"]
    assert abs(sigma - analytic) < 4 * err + 1e-9 * analytic, (sigma, err, analytic)


def test_cm_cuts_select_on_the_centre_of_mass_photon():
    """frame = "cm": the flags follow the photon's centre-of-mass energy and angle, not the lab's."""
    cuts = {"e_min": 2.0, "abs_cos_max": 0.8, "pt_min": 0.0, "bhabha_cos_theta_b": 0.0}
    card = _card("cepc_z", BELLE2_BEAMS, cuts | {"frame": "cm"})
    lab = _card("cepc_z", BELLE2_BEAMS, cuts)
    model = mcgen.make_model(1.0, "mu", card.electroweak, d_gamma=1e-4, scenario="I")
    c = mcgen.generate(card, model, 40_000, seed=9).columns
    d = mcgen.generate(lab, model, 40_000, seed=9).columns
    assert np.array_equal(c["gamma_E"], d["gamma_E"])  # the same events
    in_cm = (c["gamma_cm_E"] > 2.0) & (np.abs(c["gamma_cm_cos_theta"]) < 0.8)
    in_lab = (d["gamma_E"] > 2.0) & (np.abs(d["gamma_cos_theta"]) < 0.8)
    assert np.array_equal(c["truth_pass"], in_cm) and np.array_equal(d["truth_pass"], in_lab)
    assert 0.1 < in_cm.mean() < 0.9 and (in_cm != in_lab).mean() > 0.02  # the boost moves photons across the cuts
    reco = c["reconstructed"]
    measured = (c["gamma_reco_cm_E"] > 2.0) & (np.abs(c["gamma_reco_cm_cos_theta"]) < 0.8)
    assert np.array_equal(c["pass_all"], reco & measured)
    assert (c["gamma_reco_cm_E"][~reco] == 0).all() and reco.mean() > 0.1


BACKGROUND_CUTS = {"e_min": 1.0, "abs_cos_max": 0.9, "pt_min": 0.0, "bhabha_cos_theta_b": 0.0}


def test_background_with_centre_of_mass_cuts_is_the_head_on_one():
    """e+e- -> nu nubar gamma with cuts in the centre-of-mass frame: the boost changes nothing (the
    same sqrt(s), no beam effects), within the Monte Carlo errors."""
    from mcgen.mc.background import background_cross_section

    off = {"isr": False, "energy_spread": 0.0}
    boosted = _card("cepc_z", BELLE2_BEAMS | off, BACKGROUND_CUTS | {"frame": "cm"})
    head_on = _card("cepc_z", {"sqrt_s": boosted.sqrt_s} | off, BACKGROUND_CUTS)
    a = background_cross_section(boosted, 200_000, seed=3)
    b = background_cross_section(head_on, 200_000, seed=4)
    assert a["sigma_pb"] > 0
    assert abs(a["sigma_pb"] - b["sigma_pb"]) < 4 * math.hypot(a["sigma_err_pb"], b["sigma_err_pb"])


def test_background_with_lab_cuts_against_head_on_events_boosted_here():
    """Lab cuts on a boosted card: the cross section equals head-on events (their own sampling of
    the centre-of-mass phase space) taken to the lab by the beams' four-momenta written in this test
    and cut there: the sampled region of the boosted card misses nothing."""
    from mcgen.mc.background import background_cross_section

    off = {"isr": False, "energy_spread": 0.0}
    boosted = _card("cepc_z", BELLE2_BEAMS | off, BACKGROUND_CUTS)
    wide = {"e_min": 0.05, "abs_cos_max": 0.9999, "pt_min": 0.0, "bhabha_cos_theta_b": 0.0}
    head_on = _card("cepc_z", {"sqrt_s": boosted.sqrt_s} | off, wide)
    a = background_cross_section(boosted, 200_000, seed=5)
    b = background_cross_section(head_on, 400_000, seed=6, keep_events=True)["columns"]
    p1, p2 = _lab_beams(7.007, 4.0, 0.083)
    total = p1 + p2
    beta = total[1:] / total[0]
    gamma = 1 / math.sqrt(1 - beta @ beta)
    # the head-on events' frame is the centre of mass with the e- along +z: rotate it onto the e-
    # direction seen from the centre of mass, then boost (written out here, not mcgen's)
    p1_cm_e = gamma * (p1[0] - beta @ p1[1:])
    p1_cm = p1[1:] + ((gamma - 1) * (beta @ p1[1:]) / (beta @ beta) - gamma * p1[0]) * beta
    theta = math.atan2(p1_cm[0], p1_cm[2])
    assert p1_cm_e == pytest.approx(boosted.sqrt_s / 2, rel=1e-12)
    e, px, py, pz = b["gamma_E"], b["gamma_px"], b["gamma_py"], b["gamma_pz"]
    px, pz = math.cos(theta) * px + math.sin(theta) * pz, -math.sin(theta) * px + math.cos(theta) * pz
    bp = beta[0] * px + beta[1] * py + beta[2] * pz
    f = (gamma - 1) * bp / (beta @ beta) + gamma * e
    e_lab, px, py, pz = gamma * (e + bp), px + f * beta[0], py + f * beta[1], pz + f * beta[2]
    passed = (e_lab > 1.0) & (np.abs(pz / e_lab) < 0.9)
    w = b["weight_photon_pb"] * passed
    sigma, err = w.mean(), w.std() / math.sqrt(w.size)
    assert a["sigma_pb"] > 0 and err < 0.05 * sigma
    assert abs(a["sigma_pb"] - sigma) < 4 * math.hypot(a["sigma_err_pb"], err)


def test_a_new_measurement_of_boosted_events_cuts_in_their_centre_of_mass_frame():
    """efficiency --detector: the photons measured again are taken to the events' centre of mass,
    stored there and cut there (frame = "cm")."""
    from mcgen.analysis.efficiency import Remeasure
    from mcgen.physics.frames import cm_from_lab

    cuts = {"e_min": 2.0, "abs_cos_max": 0.8, "pt_min": 0.0, "bhabha_cos_theta_b": 0.0, "frame": "cm"}
    card = _card("cepc_z", BELLE2_BEAMS, cuts)
    model = mcgen.make_model(1.0, "mu", card.electroweak, d_gamma=1e-4, scenario="I")
    c = dict(mcgen.generate(card, model, 20_000, seed=2).columns)
    new = Remeasure(card, card, seed=8).apply(c, 0)
    reco = new["reconstructed"]
    assert 0.1 < reco.mean() and not np.array_equal(new["gamma_reco_E"], c["gamma_reco_E"])  # a new measurement
    k = np.stack([new[f"gamma_reco_{a}"] for a in ("E", "px", "py", "pz")])
    back = cm_from_lab(7.007, 4.0, 0.083) @ k
    assert np.allclose(new["gamma_reco_cm_E"][reco], back[0][reco], rtol=1e-12)
    assert np.allclose(new["gamma_reco_cm_cos_theta"][reco], back[3][reco] / back[0][reco], atol=1e-12)
    expected = reco & (new["gamma_reco_cm_E"] > 2.0) & (np.abs(new["gamma_reco_cm_cos_theta"]) < 0.8)
    assert np.array_equal(new["pass_all"], expected) and expected.mean() > 0.05
