"""Events are bit-identical to those the fused kernel made before the layered-package restructure
(tests/data/reference_events.json, written by tests/data/make_reference.py from commit 1b5bdd5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data.make_reference import background_reference, reference

BEAM_COLUMNS = ("beam_x1", "beam_x2", "flight_scale")
"""Columns added since (ISR and the energy spread: mcgen.mc.beams); 1 for every event without them."""
REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_events.json").read_text())


def test_signal_events_are_bit_identical_to_the_fused_kernel():
    now = reference()
    for before, after in zip(REFERENCE["signal"], now, strict=True):
        assert {k: before[k] for k in before if k != "columns"} == {k: after[k] for k in after if k != "columns"}
        added = sorted(set(after["columns"]) - set(before["columns"]))
        assert sorted(before["columns"]) == sorted(set(after["columns"]) - set(BEAM_COLUMNS)), before["card"]
        assert added == sorted(BEAM_COLUMNS), before["card"]
        for name in added:  # without beam effects: the nominal energies, the nominal decay length
            assert after["columns"][name]["sum"] == before["n"], (before["card"], name)
        changed = [name for name in before["columns"] if before["columns"][name] != after["columns"][name]]
        assert not changed, f"{before['card']}: columns differ: {changed}"


@pytest.mark.slow
def test_background_agrees_with_the_dirac_amplitude_reference():
    """The background's phase space is unchanged; its amplitude is now the spinor-product one
    (tests/test_helicity.py: equal to the explicit Dirac matrices the reference was made with to
    1e-13), so the weights, and through the adaptive grid trained on them the photons, agree with
    the reference to rounding, not bit for bit: column sums to 1e-10, flags identical."""
    now = background_reference()
    for before, after in zip(REFERENCE["background"], now, strict=True):
        for name, fp in before["columns"].items():
            assert after["columns"][name]["sum"] == pytest.approx(fp["sum"], rel=1e-10), (before["card"], name)
        assert after["sigma_pb"] == pytest.approx(before["sigma_pb"], rel=1e-10)
        assert after["sigma_reco_pb"] == pytest.approx(before["sigma_reco_pb"], rel=1e-10)
        # nu_mu, nu_tau with the nu nubar directions integrated in closed form: the same rate
        integrated = after["integrated"]
        assert integrated["sigma_pb"] == pytest.approx(before["sigma_pb"], abs=4 * integrated["sigma_err_pb"])
