"""The reducible background e+e- -> gamma gamma where one photon is seen and the other lost: the
generator against the analytic cross section, the kinematic theorem (at tree level, nominal beams and
perfect measurements no event passes the escape cut, nor the paper's Eq. (21)), the leaks that the
beam spread and the resolution open, and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import uproot
from helpers import THEOREM_EVENTS, has_escape_cut, run_cli, shared_between_runs

import mcgen
import mcgen.mc.reducible as reducible
from mcgen.config.cards import CARD_NAMES
from mcgen.detector.veto import lost
from mcgen.mc.reducible import gammagamma_cross_section, gammagamma_events
from mcgen.physics import gammagamma
from mcgen.physics.constants import GEV2_TO_PB

PERFECT = ("detector.energy_stochastic=0", "detector.energy_constant=0", "detector.angle_resolution_rad=0")
NOMINAL = ("beam.isr=false", "beam.energy_spread=0")


@pytest.mark.parametrize("card_name", ["belle2", "cepc_z"])
def test_the_generated_cross_section_is_the_analytic_one(card_name):
    card = mcgen.load_card(card_name, NOMINAL)
    ev = gammagamma_events(card, 200_000, np.random.default_rng(3))
    w = ev["weight_pb"]
    expected = gammagamma.sigma_total(card.sqrt_s**2) * GEV2_TO_PB
    assert w.mean() == pytest.approx(expected, abs=4 * w.std() / np.sqrt(w.size))
    assert w.std() / w.mean() < 0.5  # the w = artanh(beta cos) mapping flattens the collinear peaks
    k1, k2 = ev["k1"], ev["k2"]
    beams = sum(mcgen.physics.frames.beam_momenta(*card.beam.energies, card.beam.crossing_angle_rad))
    assert np.allclose(k1 + k2, beams, rtol=0, atol=1e-12 * card.sqrt_s)  # the lab beams' four-momentum
    assert np.allclose(k1[:, 0] ** 2, (k1[:, 1:] ** 2).sum(axis=1), rtol=1e-12)  # massless


@pytest.mark.parametrize("beams", [(-0.8, 0.3), (1.0, 1.0)])
def test_polarised_beams_give_the_analytic_polarised_cross_section(beams):
    """cepc_z with polarised beams: the generated cross section is (1 - P- P+) sigma + 2 P- P+ sigma_same, sigma_same
    the integral of the equal-helicity states (mcgen.physics.gammagamma, checked against traces with spin
    projectors), integrated here with scipy; equal helicities make 3% of the rate on the Z pole (the collinear
    peaks), so (1, 1) keeps 6% of it where massless beams would give none."""
    from scipy import integrate

    card = mcgen.load_card("cepc_z", NOMINAL + (f"beam.polarisation_electron={beams[0]}", f"beam.polarisation_positron={beams[1]}"))
    w = gammagamma_events(card, 200_000, np.random.default_rng(3))["weight_pb"]
    s = card.sqrt_s**2
    mu = gammagamma.mu_of_s(s)
    beta = np.sqrt(1 - mu)

    def same(w_: float) -> float:  # dsigma_same/dw, w = artanh(beta c)
        q = 1 / np.cosh(w_) ** 2
        return float(gammagamma.msq_equal_helicities(q, np.tanh(w_) / beta, mu)) / (32 * np.pi * s * beta) * q / beta

    sigma_same = integrate.quad(same, -np.arctanh(beta), np.arctanh(beta), epsabs=0, epsrel=1e-10, limit=200)[0] / 2
    product = beams[0] * beams[1]
    expected = ((1 - product) * gammagamma.sigma_total(s) + 2 * product * sigma_same) * GEV2_TO_PB
    assert w.mean() == pytest.approx(expected, abs=4 * w.std() / np.sqrt(w.size))
    assert 0.02 < sigma_same / gammagamma.sigma_total(s) < 0.05


def test_the_four_polarised_configurations_average_to_unpolarised_beams():
    """e+e- gamma and gamma gamma gamma at 240 GeV (cepc_h with polarised beams; the same events for every
    polarisation): the four fully polarised configurations average to unpolarised beams. e+e- gamma with the photon
    seen and both leptons lost is small-angle Bhabha scattering, the t channel, where each lepton line keeps its
    helicity: every configuration scatters alike (within 5%), e-_L e+_R and e-_R e+_L apart only through the Z.
    gamma gamma gamma, like gamma gamma, needs opposite helicities but within m_e/E of a beam (equal helicities: 4% of
    e-_L e+_R for gamma gamma here, about 1% for gamma gamma gamma)."""
    from mcgen.mc.reducible import eegamma_cross_section

    configurations = {"lr": (-1.0, 1.0), "rl": (1.0, -1.0), "ll": (-1.0, -1.0), "rr": (1.0, 1.0), "unpolarised": (0.0, 0.0)}
    results = {}
    for name, (pm, pp) in configurations.items():
        card = mcgen.load_card("cepc_h", (f"beam.polarisation_electron={pm}", f"beam.polarisation_positron={pp}"))
        results[name] = (eegamma_cross_section(card, 20_000, 4)["cut_flow"][1]["sigma_pb"],
                         gammagamma_cross_section(card, 20_000, 4)["parts"]["three_photons"]["sigma_generated_pb"])
    for i in range(2):
        four = sum(results[k][i] for k in ("lr", "rl", "ll", "rr")) / 4
        assert four == pytest.approx(results["unpolarised"][i], rel=1e-12)
    eegamma = {k: v[0] for k, v in results.items()}
    assert eegamma["unpolarised"] > 0
    assert all(v == pytest.approx(eegamma["unpolarised"], rel=0.05) for v in eegamma.values())
    assert abs(eegamma["lr"] / eegamma["rl"] - 1) > 1e-4
    three = {k: v[1] for k, v in results.items()}
    assert max(three["ll"], three["rr"]) < 0.05 * three["lr"]
    assert three["lr"] == pytest.approx(three["rl"], rel=1e-12)  # QED: parity


@pytest.mark.parametrize("card_name", CARD_NAMES)
def test_no_event_passes_at_tree_level_with_nominal_beams_and_perfect_measurements(card_name, monkeypatch):
    """The kinematic theorem on every shipped card: where it has an escape cut or Eq. (21), no point of the
    three-photon phase space passes (1e6 points a card, shared between its runs; the theorem is about which points
    exist, so abs(M)^2 is set to 1 for them: none may pass whatever its weight); the two lost photons must balance
    the seen one's transverse momentum from inside the escape cone. Nor does any two-photon event pass the cuts on
    any card (the lost photon balances the seen one; 2e5 events a run where the card has no escape cut)."""
    monkeypatch.setattr(reducible, "msq_gammagammagamma", lambda p1, p2, k1, k2, k3, polarisation: np.ones(len(p1)))
    card = mcgen.load_card(card_name, NOMINAL + PERFECT)
    escape = has_escape_cut(card)
    for run_card, events in shared_between_runs(card, THEOREM_EVENTS if escape else 200_000 * max(1, len(card.runs))):
        r = gammagamma_cross_section(run_card, events, 5)
        two = r["parts"]["two_photons"]
        assert two["sigma_pb"] == 0.0 and two["sigma_reco_pb"] == 0.0
        if escape:
            assert r["sigma_pb"] == 0.0 and r["sigma_reco_pb"] == 0.0


def test_belle2_gaps_make_single_photons_that_the_escape_cut_removes():
    card = mcgen.load_card("belle2", NOMINAL + PERFECT)
    r = gammagamma_cross_section(card, 1_000_000, 6)
    flow = {step["step"]: step["sigma_pb"] for step in r["cut_flow"]}
    assert flow["one photon seen, the others lost"] > 300 and flow["+ bhabha"] > 100  # pb: the gaps and the boost
    assert flow["+ escape"] == 0.0 and r["sigma_pb"] == r["sigma_reco_pb"] == 0.0


def test_the_papers_eq21_removes_them_too():
    """cepc_z's Eq. (21) cut (cos theta_b = 0.99) with an ECAL reaching only |cos| < 0.9: one photon in the
    barrel and the other beyond 0.99 needs ISR; it is then removed, as it is at the nominal beams."""
    for beams in (NOMINAL, ("beam.isr=true", "beam.energy_spread=0")):
        card = mcgen.load_card("cepc_z", beams + PERFECT + ("detector.abs_cos_coverage=0.9", "selection.abs_cos_max=0.9",
                                                             "selection.pt_min=0", "detector.veto_abs_cos_max=0.99"))
        r = gammagamma_cross_section(card, 400_000, 7)
        flow = {step["step"]: step["sigma_pb"] for step in r["cut_flow"]}
        assert flow["+ zveto"] > (0.5 if "beam.isr=true" in beams else -1)  # pb of single photons before the cut
        assert flow["+ bhabha"] == 0.0 and r["sigma_reco_pb"] == 0.0


def test_isr_alone_leaks_nothing_the_spread_and_the_resolution_leak_half():
    """Collinear ISR photons carry no transverse momentum and the beams' energy: the bound still holds.
    Two-body events lie exactly on the bound, so any spread of the beam energy (or of the measured one)
    lets about half of them through, whatever its size."""
    pre = {}
    leaks = {}
    for label, over in (("isr", ("beam.energy_spread=0",) + PERFECT), ("spread", ("beam.isr=false",) + PERFECT),
                        ("spread x3", ("beam.isr=false", "beam.energy_spread=0.002") + PERFECT),
                        ("resolution", NOMINAL)):
        full = gammagamma_cross_section(mcgen.load_card("belle2", ("selection.escape_margin_sigma=0", *over)), 400_000, 8)
        r = full["parts"]["two_photons"]  # the two-photon events (the three-photon ones lie below the bound)
        flow = {step["step"]: (step["sigma_pb"], step["sigma_err_pb"]) for step in r["cut_flow"]}
        pre[label], leaks[label] = flow["+ bhabha"], (r["sigma_pb"], r["sigma_reco_pb"])
        if label == "isr":
            assert full["sigma_pb"] == full["sigma_reco_pb"] == 0.0  # three photons neither
    assert leaks["isr"] == (0.0, 0.0)
    for label in ("spread", "spread x3"):
        assert 0.35 < leaks[label][0] / pre[label][0] < 0.65
    assert leaks["spread"][0] == pytest.approx(leaks["spread x3"][0], rel=0.15)  # not the spread's size
    assert leaks["resolution"][0] == 0.0 and 0.3 < leaks["resolution"][1] / pre["resolution"][0] < 0.65


def test_veto_rules():
    det = mcgen.load_card("cepc_z", ("detector.veto_abs_cos_max=0.995", "detector.veto_energy_min=0.5")).detector
    e = np.array([1.0, 1.0, 1.0, 0.4])
    c = np.array([0.5, 0.993, 0.999, 0.5])  # ECAL, vetoes, beyond, below the threshold
    assert lost(det, e, c).tolist() == [False, False, True, True]


def test_the_command_line_writes_the_single_photon_events(capsys, tmp_path):
    out = tmp_path / "gg.root"
    code, stdout, err = run_cli(capsys, ["background", "--card", "belle2", "--process", "gammagamma", "-n", "100000",
                                         "--json", "-o", str(out)])
    assert code == 0, err
    result = json.loads(stdout)
    assert result["process"] == "gammagamma" and [s["step"] for s in result["cut_flow"]][:2] == [
        "generated", "one photon seen, the others lost"]
    with uproot.open(out) as f:
        events = f["events"].arrays(library="np")
        metadata = json.loads(f["metadata"])
    single = result["cut_flow"][1]["sigma_pb"]
    assert events["weight_pb"].mean() == pytest.approx(single, rel=1e-6)  # averages to what is written
    assert (events["weight_pb"] * events["pass_all"]).mean() == pytest.approx(result["sigma_reco_pb"], rel=1e-6)
    assert metadata["background_process"] == "gammagamma" and "gamma gamma" in metadata["process"]


@pytest.mark.parametrize("argv", [["--process", "eeeegamma"], ["--set", "detector.veto_abs_cos_max=0.5"]])
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    code, stdout, err = run_cli(capsys, ["background", "--card", "cepc_z", "--process", "gammagamma", "-n", "1000", *argv])
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1


def test_the_escape_margin_is_n_standard_deviations_of_the_energy_at_the_bound():
    """escape_margin_sigma = n: pass iff E > E_max (1 + n sqrt(a^2/E_max + b^2 + s^2)), s the beams' total
    energy spread sqrt((sigma1 E1)^2 + (sigma2 E2)^2)/(E1 + E2) (each beam's own spread); written out here
    from the card's numbers."""
    from mcgen.selection.escape import ESCAPE_MARGIN, escape_energies, escape_pass

    card = mcgen.load_card("belle2", ("selection.escape_margin_sigma=3",))
    rng = np.random.default_rng(9)
    n = 20_000
    cos_t, phi = rng.uniform(-0.9, 0.95, n), rng.uniform(0, 2 * np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    direction = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
    beams = sum(mcgen.physics.frames.beam_momenta(7.004, 4.002, 0.083))
    bound = escape_energies(mcgen.selection.escape.escape_pieces(card.selection.escape_theta_deg), beams, direction)
    sigma_e, sigma_p = card.beam.energy_spread  # belle2: [e-, e+]
    spread = np.hypot(sigma_e * 7.004, sigma_p * 4.002) / 11.006
    sigma_rel = np.sqrt(card.detector.energy_stochastic**2 / bound + card.detector.energy_constant**2 + spread**2)
    threshold = bound * (1 + 3 * sigma_rel) * (1 + ESCAPE_MARGIN)
    energy = threshold * rng.uniform(0.9, 1.1, n)
    photons = np.column_stack([energy, energy[:, None] * direction])
    assert np.array_equal(escape_pass(card, photons), energy > threshold)


def test_a_margin_of_five_standard_deviations_removes_the_leak():
    r = gammagamma_cross_section(mcgen.load_card("belle2", ("selection.escape_margin_sigma=0",)), 1_000_000, 1)
    assert r["sigma_reco_pb"] > 30  # pb leak through the bound itself
    card = mcgen.load_card("belle2")
    assert card.selection.escape_margin_sigma == 5.0
    r = gammagamma_cross_section(card, 1_000_000, 1)
    assert r["sigma_pb"] == r["sigma_reco_pb"] == 0.0


def test_the_limits_add_the_cards_backgrounds():
    """S^2/B with prompt decays (m_N = 1 GeV at these couplings) and a signal proportional to d^2: the
    limit scales as B^(1/4), B the sum of the processes of [limit] backgrounds."""
    from mcgen.analysis.limits import limit_for, signal_sample, visible_background_pb
    from mcgen.physics.model import scenario_a, structure_from_a

    base = ("selection.escape_margin_sigma=0",)
    only = mcgen.load_card("belle2", (*base, 'limit.backgrounds=["nunugamma"]'))
    both = mcgen.load_card("belle2", (*base, 'limit.backgrounds=["nunugamma", "gammagamma"]'))
    b_nn, b_both = visible_background_pb(only, 100_000, 3), visible_background_pb(both, 100_000, 3)
    b_gg = gammagamma_cross_section(both, 100_000, 3)["sigma_reco_pb"]
    assert b_both == pytest.approx(b_nn + b_gg, rel=1e-12) and b_gg > 1e5 * b_nn
    structure = structure_from_a(scenario_a("I", only.electroweak), only.electroweak)
    limits = [limit_for(signal_sample(card, 1.0, "mu", mcgen.PhysicsOptions(), 20_000, 4, b), structure).d_gamma_95
              for card, b in ((only, b_nn), (both, b_both))]
    assert limits[1] / limits[0] == pytest.approx((b_both / b_nn) ** 0.25, rel=1e-5)


@pytest.mark.parametrize("value", ['["bogus"]', "[]", '["nunugamma", "nunugamma"]', '"nunugamma"'])
def test_bad_background_lists_are_refused(capsys, value):
    code, stdout, err = run_cli(capsys, ["info", "--card", "belle2", "--mass", "1", "--dgamma", "1e-5", "--flavor", "mu",
                                         "--set", f"limit.backgrounds={value}"])
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1 and "[limit] backgrounds" in err


def test_background_files_of_both_processes_give_the_in_memory_background(capsys, tmp_path):
    """limits --background with a nu nubar gamma and a gamma gamma file: the sum of the in-memory
    backgrounds of [limit] backgrounds (same events, same seed)."""
    from mcgen.analysis.limits import background_from_files, visible_background_pb

    over = ["--set", "selection.escape_margin_sigma=0", "--set", 'limit.backgrounds=["nunugamma", "gammagamma"]']
    for process in ("nunugamma", "gammagamma"):
        code, _, err = run_cli(capsys, ["background", "--card", "belle2", "--process", process, "-n", "50000", "--seed", "4",
                                        "-o", str(tmp_path / f"{process}.root"), *over])
        assert code == 0, err
    card = mcgen.load_card("belle2", tuple(over[1::2]))
    from_files = background_from_files(card, [str(tmp_path / "nunugamma.root"), str(tmp_path / "gammagamma.root")])
    assert from_files == pytest.approx(visible_background_pb(card, 50_000, 4), rel=1e-12) and from_files > 1.0
    with pytest.raises(mcgen.errors.InputError, match="--cut with gammagamma"):
        background_from_files(card, [str(tmp_path / "gammagamma.root")], cuts=["gamma.E > 1"])
