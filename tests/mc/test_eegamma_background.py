"""The reducible background e+e- -> e+e- gamma where the photon is seen and both leptons lost
(mcgen.mc.reducible.eegamma_events): the phase-space weights against the analytic three-body volume, the
events' kinematics, the kinematic theorem on every card, ISR alone leaking nothing, and the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import uproot
from helpers import THEOREM_EVENTS, has_escape_cut, run_cli, shared_between_runs

import mcgen
import mcgen.mc.reducible as reducible
from mcgen.config.cards import CARD_NAMES
from mcgen.physics.constants import GEV2_TO_PB
from mcgen.physics.frames import beam_momenta

PERFECT = ("detector.energy_stochastic=0", "detector.energy_constant=0", "detector.angle_resolution_rad=0")
NOMINAL = ("beam.isr=false", "beam.energy_spread=0")


@pytest.mark.parametrize("shares", [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.5, 0.5, 0.0), reducible.EEGAMMA_CHANNEL_SHARES])
@pytest.mark.parametrize("card_name", ["lep1_opal", "belle2", "lep1_zinv"])
def test_the_weights_integrate_the_three_body_phase_space(card_name, shares, monkeypatch):
    """abs(M)^2 = 1: the weights average to Phi_3 / flux, Phi_3 = s (1 - x_lo^2) / (256 pi^3) for photons above
    x_lo = 2 omega_lo / sqrt(s) (massless: the electron mass changes it by 1e-10 here), flux = 2 s; the pole channels
    alone, the pair channel alone, the gap channels beside the pole ones (alone they cover only leptons that are
    lost), and the mixture; lep1_zinv's detector loses nothing: the gap channels make no point there."""
    monkeypatch.setattr(reducible, "msq_eegamma", lambda p1, p2, p3, p4, k, c, polarisation: np.ones(len(p1)))
    monkeypatch.setattr(reducible, "EEGAMMA_CHANNEL_SHARES", shares)
    card = mcgen.load_card(card_name, NOMINAL)
    w = reducible.eegamma_events(card, 400_000, np.random.default_rng(1))["weight_pb"] / GEV2_TO_PB
    s = card.sqrt_s**2
    x_lo = 2 * reducible.photon_energy_range(card)[0] / card.sqrt_s
    expected = s * (1 - x_lo**2) / (256 * math.pi**3) / (2 * s)
    assert w.mean() == pytest.approx(expected, abs=4 * w.std() / math.sqrt(w.size))


def test_the_events_conserve_the_beams_four_momentum():
    card = mcgen.load_card("belle2", NOMINAL)
    ev = reducible.eegamma_events(card, 20_000, np.random.default_rng(2))
    k, p3, p4 = ev["k"], ev["p3"], ev["p4"]
    used = ev["weight_pb"] > 0
    assert used.mean() > 0.99
    beams = sum(beam_momenta(*card.beam.energies, card.beam.crossing_angle_rad))
    assert np.allclose((k + p3 + p4)[used], beams, rtol=0, atol=1e-9 * card.sqrt_s)
    for p, mass in ((p3, reducible.M_E), (p4, reducible.M_E), (k, 0.0)):  # leptons on the electron's mass shell, the photon's
        mass2 = p[used, 0] ** 2 - (p[used, 1:] ** 2).sum(axis=1)
        assert np.allclose(mass2, mass**2, rtol=0, atol=1e-9 * card.sqrt_s**2)


@pytest.mark.parametrize("card_name", [name for name in CARD_NAMES if has_escape_cut(mcgen.load_card(name))])
def test_no_event_passes_at_tree_level_with_nominal_beams_and_perfect_measurements(card_name, monkeypatch):
    """The kinematic theorem (the photon's transverse momentum is balanced by the lost leptons) on every shipped
    card with an escape cut or the paper's Eq. (21): no point of phase space passes, 1e6 points a card shared
    between its runs (abs(M)^2 set to 1: the theorem is about which points exist, whatever their weight)."""
    monkeypatch.setattr(reducible, "msq_eegamma", lambda p1, p2, p3, p4, k, c, polarisation: np.ones(len(p1)))
    for run_card, events in shared_between_runs(mcgen.load_card(card_name, NOMINAL + PERFECT), THEOREM_EVENTS):
        r = reducible.eegamma_cross_section(run_card, events, 5)
        assert r["sigma_generated_pb"] > 0 and r["sigma_pb"] == 0.0 and r["sigma_reco_pb"] == 0.0


def test_without_an_escape_cut_vetoes_reaching_far_enough_remove_them():
    """lep1_l3_zgamma has no escape cut and no vetoes: radiative Bhabha events with both leptons beyond the
    ECAL's reach (|cos| > 0.97) pass its cuts. Vetoes down to 1.8 degrees remove them: a photon of 15 GeV at
    |cos| < 0.97 has pT > 3.6 GeV, more than two beam-energy leptons inside 1.8 degrees carry (2.9 GeV)."""
    card = mcgen.load_card("lep1_l3_zgamma", NOMINAL + PERFECT)
    assert reducible.eegamma_cross_section(card, 100_000, 4)["sigma_reco_pb"] > 1.0
    vetoed = mcgen.load_card("lep1_l3_zgamma", NOMINAL + PERFECT + ("detector.veto_abs_cos_max=0.9995",))
    r = reducible.eegamma_cross_section(vetoed, 100_000, 4)
    # not even before the cuts: every generated photon (above the selection's energy, less five resolutions) is too hard
    assert r["cut_flow"][1]["sigma_pb"] == r["sigma_pb"] == r["sigma_reco_pb"] == 0.0
    photon_in_the_vetoes = reducible.eegamma_cross_section(vetoed, 100_000, 4, keep_events=True)
    assert "columns" in photon_in_the_vetoes and len(photon_in_the_vetoes["columns"]["weight_pb"]) == 0


def test_the_leak_near_the_escape_bound_is_sampled():
    """Belle II without its escape margin: what passes are events with a lepton in an ECL gap or by the endcap's edge,
    or a light e+e- pair there (the gap and pair channels). Two seeds of 2e5 events agree within their errors, the
    cross section after the cuts on the true photon known to 20%, after the detector to 30% (the pole channels alone
    gave 0 +- 0 and 0.33 +- 0.16 pb: ten events)."""
    card = mcgen.load_card("belle2", ("selection.escape_margin_sigma=0",))
    results = [reducible.eegamma_cross_section(card, 200_000, seed) for seed in (3, 4)]
    for key, rel in (("sigma_pb", 0.2), ("sigma_reco_pb", 0.3)):
        (a, ea), (b, eb) = ((r[key], r[key.replace("_pb", "_err_pb")]) for r in results)
        assert a > 0 and b > 0 and ea < rel * a and eb < rel * b
        assert a == pytest.approx(b, abs=4 * math.hypot(ea, eb))


def test_belle2_single_photons_with_isr_alone_leak_nothing():
    """Collinear ISR photons carry no transverse momentum: at Belle II, thousands of pb of single photons pass
    the photon cuts, none passes the escape cut without its margin; with the ECL's resolution some do."""
    card = mcgen.load_card("belle2", ("beam.energy_spread=0", "selection.escape_margin_sigma=0") + PERFECT)
    r = reducible.eegamma_cross_section(card, 200_000, 3)
    flow = {step["step"]: step["sigma_pb"] for step in r["cut_flow"]}
    assert flow["+ bhabha"] > 1000.0  # pb
    assert flow["+ escape"] == 0.0 and r["sigma_reco_pb"] == 0.0


def test_the_command_line_writes_the_single_photon_events(capsys, tmp_path):
    out = tmp_path / "eeg.root"
    code, stdout, err = run_cli(capsys, ["background", "--card", "belle2", "--process", "eegamma", "-n", "50000",
                                         "--json", "-o", str(out)])
    assert code == 0, err
    result = json.loads(stdout)
    assert result["process"] == "eegamma" and [s["step"] for s in result["cut_flow"]][:2] == [
        "generated", "the photon seen, both leptons lost"]
    with uproot.open(out) as f:
        events = f["events"].arrays(library="np")
        metadata = json.loads(f["metadata"])
    assert events["weight_pb"].mean() == pytest.approx(result["cut_flow"][1]["sigma_pb"], rel=1e-6)
    assert {"lost_electron_E", "lost_positron_pz"} <= set(events)
    assert metadata["background_process"] == "eegamma"
