"""The registries are where an extension is added: a limit criterion added to mcgen.config.criteria.CRITERIA
and its signal to mcgen.analysis.limits.signal.SIGNALS (here in a fixture, nowhere else) reaches the card
schema, the limits and the command line."""

from __future__ import annotations

import json
import math

import pytest
from helpers import run_cli as run

from mcgen.analysis.limits.signal import SIGNALS, visible_signal
from mcgen.config.criteria import CRITERIA, Criterion

TOY = Criterion("toy_rate", ("sigma_95_pb",), "sigma Br eps_cuts eps_det P(inside) > `sigma_95_pb` / 2 (a toy)",
                "half the visible cross section of sigma_upper")


@pytest.fixture
def toy_criterion(monkeypatch):
    def toy_signal(sample, structure):  # sigma_upper with half its threshold
        return visible_signal(sample, structure), sample.card.limit.value("sigma_95_pb") / 2

    monkeypatch.setitem(CRITERIA, TOY.name, TOY)
    monkeypatch.setitem(SIGNALS, TOY.name, toy_signal)
    return TOY


LIMITS = ["limits", "--card", "lep1_opal", "--masses", "10,40", "--scenario", "II", "--flavor", "e", "-n", "4000", "--json"]


def test_a_criterion_added_to_the_registries_reaches_the_card_and_the_command_line(capsys, toy_criterion):
    code, out, err = run(capsys, [*LIMITS, "--set", "limit.criterion='toy_rate'"])
    assert code == 0, err
    toy = json.loads(out)
    assert toy["by_card"]["lep1_opal"]["criterion"] == "toy_rate"
    code, out, err = run(capsys, LIMITS)
    assert code == 0, err
    opal = json.loads(out)
    # N decays promptly at these masses: the signal is d^2 times a constant, so half the threshold is 1/sqrt(2) of d
    for d_toy, d_opal in zip(toy["d_gamma_95"], opal["d_gamma_95"]):
        assert d_toy == pytest.approx(d_opal / math.sqrt(2), rel=1e-12)


def test_without_the_registry_entry_the_card_refuses_the_criterion(capsys):
    code, out, err = run(capsys, [*LIMITS, "--set", "limit.criterion='toy_rate'"])
    assert code == 2 and out == "" and "[limit] criterion: expected one of" in err and err.count("\n") == 1
