"""The signal-normalisation uncertainty of the CLs limit ([limit] signal_rel_syst): none reproduces the model
without it, to the digit; a larger one weakens the limit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import run_cli as run

import mcgen
from mcgen.analysis.limits import limits_table
from mcgen.config.options import PhysicsOptions
from mcgen.physics.model import structure_from_a

pyhf = pytest.importorskip("pyhf")


def test_without_a_signal_uncertainty_the_model_is_pyhfs_correlated_background():
    """The test statistic of the CLs model at signal_rel_syst = 0 is that of pyhf's own
    simplemodels.correlated_background, built here, to the last digit."""
    from mcgen.analysis.limits.cls import Channel, _AsimovTest

    rng = np.random.default_rng(3)
    b = rng.uniform(5.0, 500.0, size=12)
    test = _AsimovTest(pyhf, [Channel("single_channel", b, 0.05, 0.0)])
    for scale in (0.3, 3.0, 30.0):
        s = scale * rng.uniform(0.0, 1.0, size=12)
        reference = pyhf.simplemodels.correlated_background(np.clip(s, 1e-12, None).tolist(), b.tolist(),
                                                            (b * 1.05).tolist(), (b * 0.95).tolist())
        model, data, init, bounds = test.model(s)
        assert model.config.parameters == reference.config.parameters
        assert model.spec == reference.spec
        pars = np.array(init)
        assert float(model.logpdf(pars, data)[0]) == float(reference.logpdf(pars, data)[0])


def _cls_limits(*overrides: str) -> list[float | None]:
    card = mcgen.load_card("cepc_z", ("limit.criterion=cls", *overrides))
    structure = structure_from_a(0.0, card.electroweak)
    result = limits_table([card], [5.0, 40.0], [structure], "e", PhysicsOptions(), n=10_000, seed=4, background_events=5000)
    details = result["by_card"]["cepc_z"]["details"]
    assert all(d["cls_expected_at_limit"] == pytest.approx(0.05, abs=2e-3) for d in details)  # pyhf's own hypotest
    return result["d_gamma_95"]


@pytest.mark.slow
def test_no_signal_uncertainty_gives_the_limits_of_the_model_without_it_and_a_larger_one_weakens_them():
    # the limits of this card, mass and seed before the signal uncertainty existed (the same spec, pyhf 0.7)
    assert _cls_limits("limit.signal_rel_syst=0") == pytest.approx([1.7300456158869637e-06, 6.901233374401774e-07], rel=1e-9)
    limits = np.array([_cls_limits(f"limit.signal_rel_syst={x}") for x in (0.0, 0.05, 0.15, 0.3)])
    assert (np.diff(limits, axis=0) > 0).all()


def test_a_signal_uncertainty_outside_zero_to_one_is_refused(capsys):
    code, out, err = run(capsys, ["limits", "--card", "cepc_z", "--masses", "5", "--scenario", "I", "--flavor", "e",
                                  "--set", "limit.signal_rel_syst=1.5"])
    assert code == 2 and out == "" and "signal_rel_syst" in err and err.count("\n") == 1
