"""The shipped cards, the schema's error messages, --set overrides, and fuzzing."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcgen.config.cards import CARD_NAMES, PAPER_CARDS, Card, load_card, parse_card
from mcgen.errors import InputError
from mcgen.physics.constants import Electroweak

CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"
PHYSICS_EW = {"alpha": 1 / 137.036, "sin2_theta_w": 0.2312, "m_Z": 91.1876, "Gamma_Z": 2.4952, "m_W": 80.379, "Gamma_W": 2.085}


def raw(name: str) -> dict:
    return tomllib.loads((CARDS_DIR / f"{name}.toml").read_text())


def test_the_cards_directory_holds_exactly_the_shipped_cards():
    assert sorted(p.stem for p in CARDS_DIR.glob("*.toml")) == sorted(CARD_NAMES)
    assert PAPER_CARDS == ("lep1_opal", "lep2_delphi", "lep1_l3_zgamma", "lep1_zinv", "cepc_z", "cepc_ww", "cepc_h", "cepc_tt")


@pytest.mark.parametrize("name", CARD_NAMES)
def test_every_card_loads_with_the_default_electroweak_inputs(name):
    card = load_card(CARDS_DIR / f"{name}.toml")
    assert isinstance(card, Card) and card.name == name
    # the paper's cards: exactly the six keys (one alpha everywhere); the new ones add the G_mu scheme
    extra = set() if name in PAPER_CARDS else {"scheme", "G_F"}
    assert set(raw(name)["electroweak"]) == set(PHYSICS_EW) | extra
    assert card.electroweak.scheme == ("alpha0" if name in PAPER_CARDS else "gmu_alpha0")
    for key, value in PHYSICS_EW.items():
        assert getattr(card.electroweak, key) == pytest.approx(value, rel=1e-9)
    assert load_card(name) == card or load_card(name).raw == card.raw  # by name too


def test_lep_analyses_as_the_source_paper_states_them():
    opal = load_card("lep1_opal")
    assert (opal.selection.e_min, opal.selection.abs_cos_max, opal.detector.photon_efficiency) == (23.0, 0.7, 0.657)
    assert (opal.limit.criterion, opal.limit.sigma_95_pb, opal.limit.decay) == ("sigma_upper", 0.15, "inside")
    delphi = load_card("lep2_delphi")
    assert delphi.sqrt_s == 205.4 and delphi.detector.photon_efficiency == 0.65
    sel = delphi.selection
    assert (sel.theta_min_deg, sel.theta_max_deg, sel.x_min, sel.x_max) == (45.0, 135.0, 0.06, 1.1)
    lim = delphi.limit
    assert (lim.criterion, lim.sigma_sm_pb, lim.sigma_exp_pb, lim.delta_pb, lim.chi2_95) == ("chi2", 1.61, 1.50, 0.11, 3.84)
    l3 = load_card("lep1_l3_zgamma")
    assert (l3.selection.e_min, l3.limit.br_95, l3.limit.decay) == (15.0, 3.2e-6, "inside")
    zinv = load_card("lep1_zinv")
    assert (zinv.limit.criterion, zinv.limit.gamma_inv_95_GeV, zinv.limit.decay) == ("z_inv_width", 2.0e-3, "outside")
    for card in (opal, l3, zinv, delphi):
        assert card.detector.decay_volume == "sphere" and card.detector.decay_radius_m == 1.0


# the run plans, as the cards cite them: the FCC-ee Physics Performance group's luminosity table for the Feasibility
# Study Report (4 IPs); ILC H20-staged: 2 ab^-1 at 250 GeV with |P-| = 0.8, |P+| = 0.3, the shares 45/45/5/5 % and the
# 500 GeV stage (4 ab^-1, 40/40/10/10 %) assumed
RUN_PLANS = {
    "fccee_z": [(91.2, 125), (87.9, 40), (94.3, 40)],
    "fccee_ww": [(157.5, 9.6), (162.5, 9.6)],
    "fccee_zh": [(240.0, 10.8)],
    "fccee_tt": [(345.0, 0.41), (365.0, 2.65)],
    "ilc250": [(250.0, 0.9), (250.0, 0.9), (250.0, 0.1), (250.0, 0.1)],
    "ilc500": [(500.0, 1.6), (500.0, 1.6), (500.0, 0.4), (500.0, 0.4)],
}
ENERGY_SPREADS = {"fccee_z": 0.00132, "fccee_ww": 0.00131, "fccee_zh": 0.00165, "fccee_tt": 0.00192, "ilc250": 0.0, "ilc500": 0.0}
"""FCC-ee: the CDR's beam energy spread with beamstrahlung per energy (Eur. Phys. J. ST 228 (2019) 261, table S.1)."""
PT_MIN = {"fccee_z": 35, "fccee_ww": 65, "fccee_zh": 100, "fccee_tt": 160, "ilc250": 105, "ilc500": 220}


@pytest.mark.parametrize("name", list(RUN_PLANS))
def test_fccee_and_ilc_cards_follow_their_run_plans(name):
    card = load_card(name)
    runs = card.run_cards()
    assert [(r.sqrt_s, r.beam.luminosity_invpb / 1e6) for r in runs] == [(e, pytest.approx(lumi)) for e, lumi in RUN_PLANS[name]]
    if name.startswith("ilc"):
        assert [r.beam.polarisation for r in runs] == [(-0.8, 0.3), (0.8, -0.3), (-0.8, -0.3), (0.8, 0.3)]
        assert [r.info.run for r in runs] == ["lr", "rl", "ll", "rr"]
    else:
        assert all(r.beam.polarisation == (0.0, 0.0) for r in runs)
    for r in runs:
        assert r.selection.pt_min == PT_MIN[name] and r.beam.energy_spread == ENERGY_SPREADS[name]
        assert r.limit.criterion == "s2b" and r.selection.abs_cos_max == 0.99 and r.beam.isr
        assert r.selection.z_return_veto_widths == (0.0 if name == "fccee_z" else 5.0)


def test_flavour_factory_cards_follow_their_sources():
    """belle2: basf2's Y4S beam preset and ECL acceptance; besiii: its two data sets as runs; stcf: the
    CDR's optimum energy. Every other number is marked assumed in the card (reference/cards)."""
    from mcgen.physics.frames import beam_momenta

    b2 = load_card("belle2")
    assert b2.beam.energies == (7.004, 4.002) and b2.beam.crossing_angle_rad == 0.083
    assert b2.sqrt_s == pytest.approx(10.5796, abs=1e-4) and b2.beam.luminosity_invpb == 5e7
    p1, p2 = beam_momenta(7.004, 4.002, 0.083)
    assert np.linalg.norm((p1 + p2)[1:]) / b2.sqrt_s == pytest.approx(0.287, abs=1e-3)  # beta gamma
    assert b2.detector.coverage_theta_deg == ((12.4, 31.4), (32.2, 128.7), (130.7, 155.1))
    assert b2.beam.spreads == pytest.approx((5.13e-3 / 7.004, 2.375e-3 / 4.002), rel=1e-3)  # HER 5.13 MeV, LER 2.375 MeV
    assert b2.detector.decay_radius_m == 1.25 and b2.selection.frame == "cm"
    bes = load_card("besiii")
    assert [(r.info.run, r.sqrt_s, r.beam.luminosity_invpb) for r in bes.run_cards()] == [
        ("psi3770", 3.773, 2930.0), ("xyz4180", 4.18, 3190.0)]
    assert all(r.beam.crossing_angle_rad == 0.022 and r.beam.boosted for r in bes.run_cards())
    stcf = load_card("stcf")
    assert (stcf.sqrt_s, stcf.beam.crossing_angle_rad, stcf.beam.luminosity_invpb) == (4.0, 0.06, 1e7)
    for card in (b2, *bes.run_cards(), stcf):
        assert card.raw["card"]["reference"] and card.beam.isr and card.limit.criterion == "s2b"


@pytest.mark.parametrize(
    ("name", "sqrt_s", "lumi_invab", "pt"),
    [("cepc_z", 91.2, 100, 35), ("cepc_ww", 160, 6, 65), ("cepc_h", 240, 20, 100), ("cepc_tt", 360, 1, 160)],
)
def test_cepc_cards_as_the_source_paper_states_them(name, sqrt_s, lumi_invab, pt):
    card = load_card(name)
    assert card.sqrt_s == sqrt_s and card.beam.luminosity_invpb == pytest.approx(lumi_invab * 1e6)
    sel = card.selection
    assert (sel.abs_cos_max, sel.e_min, sel.pt_min, sel.bhabha_cos_theta_b) == (0.99, 0.1, pt, 0.99)
    assert sel.z_return_veto_widths == (0.0 if name == "cepc_z" else 5.0)
    assert not card.beam.isr  # the paper's beams, but for the CEPC CDR's energy spread (table 3.1; none at 360 GeV)
    assert card.beam.energy_spread == {"cepc_z": 0.0008, "cepc_ww": 0.00098, "cepc_h": 0.00134, "cepc_tt": 0.0}[name]
    assert (card.limit.criterion, card.limit.s2b_95) == ("s2b", 2.71)
    assert card.detector.energy_stochastic == 0.16 and card.detector.energy_constant == 0.01


def test_defaults_agree_with_the_pdg_table_of_the_particle_package():
    pdg, ours = Electroweak.from_pdg(), Electroweak()
    assert pdg.m_Z == pytest.approx(ours.m_Z, rel=1e-4) and pdg.m_W == pytest.approx(ours.m_W, rel=1e-3)
    assert pdg.Gamma_Z == pytest.approx(ours.Gamma_Z, rel=1e-3) and pdg.Gamma_W == pytest.approx(ours.Gamma_W, rel=0.05)


def _expect_error(content: dict, *fragments: str, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(InputError) as info:
        parse_card(content, "my.toml", overrides)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_bad_cards_name_the_file_the_key_and_the_expectation():
    good = raw("lep2_delphi")
    bad = copy.deepcopy(good)
    bad["beam"]["sqrt_ss"] = 1.0
    _expect_error(bad, "my.toml", "unknown key [beam] sqrt_ss", "allowed")
    bad = copy.deepcopy(good)
    bad["beam"]["sqrt_s"] = "205"
    _expect_error(bad, "my.toml", "[beam] sqrt_s", "expected a finite number >= 1 and <= 100000 (GeV): e+e- colliders", "'205'")
    bad = copy.deepcopy(good)
    del bad["electroweak"]["Gamma_W"]
    _expect_error(bad, "missing key [electroweak] Gamma_W")
    bad = copy.deepcopy(good)
    del bad["limit"]
    _expect_error(bad, "missing table [limit]")
    bad = copy.deepcopy(good)
    bad["limits"] = {}
    _expect_error(bad, "unknown table [limits]")
    bad = copy.deepcopy(good)
    bad["detector"]["decay_volume"] = "cylinder"
    _expect_error(bad, "[detector]", "decay_half_length_m")
    bad = copy.deepcopy(good)
    bad["selection"]["x_min"] = 2.0
    _expect_error(bad, "[selection]", "x_min = 2 must be below x_max = 1.1")
    bad = copy.deepcopy(good)
    del bad["limit"]["chi2_95"]
    _expect_error(bad, "[limit]", "chi2_95", "chi2")
    bad = copy.deepcopy(good)
    bad["beam"]["sqrt_s"] = True
    _expect_error(bad, "[beam] sqrt_s")
    bad = copy.deepcopy(good)
    bad["electroweak"]["sin2_theta_w"] = 1.5
    _expect_error(bad, "[electroweak] sin2_theta_w")


def test_card_files_that_are_missing_or_not_toml(tmp_path):
    with pytest.raises(InputError, match="card not found"):
        load_card(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[beam\nsqrt_s = 1")
    with pytest.raises(InputError, match="broken.toml: not valid TOML"):
        load_card(broken)


def test_set_overrides_are_applied_and_validated():
    card = load_card("cepc_h", ("beam.sqrt_s=250", "electroweak.alpha=0.0075468", "detector.photon_efficiency=0.9"))
    assert card.sqrt_s == 250.0 and card.electroweak.alpha == 0.0075468 and card.detector.photon_efficiency == 0.9
    assert card.raw["beam"]["sqrt_s"] == 250
    good = raw("cepc_h")
    _expect_error(good, "--set beam.sqrt_s=-5", "[beam] sqrt_s", overrides=("beam.sqrt_s=-5",))
    _expect_error(good, "unknown key [beam] energy", overrides=("beam.energy=5",))
    _expect_error(good, "unknown table [bem]", overrides=("bem.sqrt_s=5",))
    _expect_error(good, "expected SECTION.KEY=VALUE", overrides=("sqrt_s=5",))
    _expect_error(good, "expected SECTION.KEY=VALUE", overrides=("beam.sqrt_s",))


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@given(
    name=st.sampled_from(CARD_NAMES),
    table=st.sampled_from(["card", "beam", "electroweak", "detector", "selection", "limit", "extra"]),
    key=st.one_of(st.sampled_from(["sqrt_s", "alpha", "e_min", "decay_volume", "criterion", "pt_min", "name"]), st.text(max_size=6)),
    value=JUNK,
    drop=st.booleans(),
)
def test_fuzzed_cards_load_or_fail_with_one_clear_line(name, table, key, value, drop):
    content = raw(name)
    target = content.setdefault(table, {})
    if drop and key in target:
        del target[key]
    elif value is not None:
        target[key] = value
    try:
        card = parse_card(content, "fuzz.toml")
    except InputError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml") and "\n" not in message
        return
    assert math.isfinite(card.sqrt_s) and card.sqrt_s > 0


@given(assignment=st.text(max_size=30))
def test_fuzzed_set_assignments(assignment):
    try:
        load_card("lep1_opal", (assignment,))
    except InputError as exc:
        assert "\n" not in str(exc)


@given(section=st.sampled_from(["beam", "selection", "detector"]), key=st.sampled_from(["sqrt_s", "e_min", "decay_radius_m"]),
       value=st.text(max_size=12))
def test_fuzzed_set_values_keep_messages_on_one_line(section, key, value):
    try:
        load_card("cepc_z", (f"{section}.{key}={value}",))
    except InputError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("assignment, range_text", [
    ("electroweak.m_W=1e308", ">= 25 and <= 250 (GeV): within a factor of about 3 of the PDG"),
    ("electroweak.m_W=1e-300", ">= 25 and <= 250 (GeV)"),
    ("electroweak.m_W=500", ">= 25 and <= 250 (GeV)"),
    ("electroweak.Gamma_Z=1e308", ">= 0.5 and <= 10 (GeV)"),
    ("electroweak.sin2_theta_w=1e-300", ">= 0.1 and <= 0.5"),
    ("beam.sqrt_s=1e300", "<= 100000 (GeV): e+e- colliders from 1 GeV to 100 TeV"),
    ("detector.energy_constant=1e300", "< 1: a resolution below 100%"),
    ("selection.e_min=1e300", "<= 100000 (GeV)"),
    ("limit.s2b_95=1e300", "<= 100"),
    ("beam.luminosity_invpb=99999999999999999999999999999999999999999999999999" + "9" * 400, "<= 1e+10"),
])
def test_card_numbers_far_outside_physics_are_one_line_naming_the_range(capsys, assignment, range_text):
    """Each of these gave a traceback, a non-finite ROOT branch or a JSON null."""
    from helpers import run_cli

    code, out, err = run_cli(capsys, ["info", "--card", "cepc_h", "--set", assignment, "--mass", "1e-3", "--dgamma", "1e-6",
                                      "--scenario", "I", "--flavor", "e", "--json"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert assignment.split("=")[0].split(".")[1] in err and range_text in err


def test_a_card_nested_too_deep_is_one_line(capsys, tmp_path):
    from helpers import run_cli

    card = tmp_path / "deep.toml"
    card.write_text((CARDS_DIR / "lep1_opal.toml").read_text() + "\n[extra]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run_cli(capsys, ["info", "--card", str(card), "--mass", "1", "--dgamma", "1e-6", "--scenario", "I",
                                    "--flavor", "e"])
    assert code == 2 and "nested too deep" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, ["info", "--card", "lep1_opal", "--set", "beam.sqrt_s=" + "[" * 100_000,
                                    "--mass", "1", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"])
    assert code == 2 and len(err.strip().splitlines()) == 1 and len(err) < 400
