"""The limit-criterion registry (mcgen.config.criteria) drives the card schema, the CLI and the
limits: every record's keys are required by the schema, its flags reach the solvers."""

from __future__ import annotations

import argparse

import pytest

import mcgen
from mcgen.analysis.limits import mass_threshold
from mcgen.cli import build_parser
from mcgen.config.cards import Limit
from mcgen.config.criteria import BACKGROUND_CRITERIA, CRITERIA
from mcgen.errors import CardError

VALUES = {"sigma_95_pb": 0.15, "sigma_sm_pb": 1.6, "sigma_exp_pb": 1.5, "delta_pb": 0.1, "chi2_95": 3.84, "br_95": 3e-6,
          "gamma_inv_95_GeV": 2e-3, "s2b_95": 2.71, "background_rel_syst": 0.05, "spectrum_bins": 10.0}


@pytest.mark.parametrize("name", list(CRITERIA))
def test_the_schema_requires_each_criterions_keys(name):
    needs = CRITERIA[name].needs
    assert set(needs) <= set(VALUES)
    Limit(criterion=name, decay="inside", **{k: VALUES[k] for k in needs})
    for missing in needs:
        with pytest.raises(CardError, match=f"{missing}: needed by criterion = '{name}'"):
            Limit(criterion=name, decay="inside", **{k: VALUES[k] for k in needs if k != missing})


def test_the_cli_offers_the_background_criteria_and_prints_each_criterions_line():
    from mcgen.cli.limits import CRITERION_TEXT

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    (option,) = [a for a in sub.choices["limits"]._actions if "--criterion" in a.option_strings]
    assert tuple(option.choices) == BACKGROUND_CRITERIA == tuple(n for n, c in CRITERIA.items() if c.background)
    assert CRITERION_TEXT == {n: c.text for n, c in CRITERIA.items()}


@pytest.mark.parametrize("card_name, reach", [("lep1_l3_zgamma", "m_Z"), ("lep1_zinv", "m_Z"), ("lep2_delphi", "sqrt_s"),
                                              ("cepc_h", "sqrt_s")])
def test_z_decay_criteria_stop_at_the_z_mass(card_name, reach):
    card = mcgen.load_card(card_name)
    assert CRITERIA[card.limit.criterion].z_decays == (reach == "m_Z")
    expected = min(card.electroweak.m_Z, card.sqrt_s) if reach == "m_Z" else card.sqrt_s
    assert mass_threshold(card) == expected
