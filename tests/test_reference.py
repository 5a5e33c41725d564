"""Events are bit-identical to those the fused kernel made before the layered-package restructure
(tests/data/reference_events.json, written by tests/data/make_reference.py from commit 1b5bdd5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data.make_reference import background_reference, reference

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_events.json").read_text())


def test_signal_events_are_bit_identical_to_the_fused_kernel():
    now = reference()
    for before, after in zip(REFERENCE["signal"], now, strict=True):
        assert {k: before[k] for k in before if k != "columns"} == {k: after[k] for k in after if k != "columns"}
        assert sorted(before["columns"]) == sorted(after["columns"]), before["card"]
        changed = [name for name in before["columns"] if before["columns"][name] != after["columns"][name]]
        assert not changed, f"{before['card']}: columns differ: {changed}"


@pytest.mark.slow
def test_background_truth_is_bit_identical_and_reco_agrees():
    """The background's phase space and amplitude are unchanged (bit-identical true photons and
    weights); its reconstructed photon now comes from the signal's numba detector, whose rotation
    formula rounds differently from the old numpy copy: equal to 1e-12, flags identical."""
    now = background_reference()
    for before, after in zip(REFERENCE["background"], now, strict=True):
        for name, fp in before["columns"].items():
            if "reco" in name or name in ("reconstructed", "pass_all"):
                assert after["columns"][name]["sum"] == pytest.approx(fp["sum"], rel=1e-12), (before["card"], name)
            else:
                assert after["columns"][name] == fp, (before["card"], name)
        assert after["sigma_pb"] == before["sigma_pb"]
        assert after["sigma_reco_pb"] == pytest.approx(before["sigma_reco_pb"], rel=1e-12)
