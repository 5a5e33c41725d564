"""The CLs limit (mcgen.analysis.limits.cls.cls_limit) never aborts a scan: the masses where pyhf's own
upper_limit failed (POI bounds at m_N <= 0.1 GeV, toms748 brackets at 1, 5.6 and 11.3 GeV) give finite
limits that pyhf's hypotest confirms, and a pyhf failure is a null with its reason."""

from __future__ import annotations

import json
import math

import pytest
from helpers import run_cli as run

pyhf = pytest.importorskip("pyhf")

SCAN = ["limits", "--card", "cepc_z", "--card", "cepc_h", "--masses", "0.01,0.1,1,5.6,11.3", "--scenario", "II",
        "--flavor", "mu", "--criterion", "cls", "-n", "4000", "--background-events", "2000", "--json"]


def _strict_json(text: str):
    def refuse(name: str):
        raise AssertionError(f"non-finite number {name} in the JSON")

    return json.loads(text, parse_constant=refuse)


def test_thresholds_give_pyhf_expected_cls_of_five_percent():
    from pyhf.infer.calculators import AsymptoticTestStatDistribution

    from mcgen.analysis.limits.cls import _EXPECTED_SET, _cls_thresholds

    for n, z in zip(_EXPECTED_SET, _cls_thresholds()):  # pyhf's expected_pvalues at sqrt(q_mu,A) = z
        cls = AsymptoticTestStatDistribution(-z).pvalue(n) / AsymptoticTestStatDistribution(0.0).pvalue(n)
        assert float(cls) == pytest.approx(0.05, rel=1e-9)


@pytest.mark.slow
def test_scan_that_used_to_abort_gives_a_limit_at_every_mass(capsys):
    code, out, err = run(capsys, SCAN)
    assert code == 0, err
    r = _strict_json(out)
    for card in ("cepc_z", "cepc_h"):
        res = r["by_card"][card]
        for i, d95 in enumerate(res["d_gamma_95"]):
            details = res["details"][i]
            assert d95 is not None and math.isfinite(d95) and d95 > 0, (card, r["masses"][i], details)
            assert res["excluded"][i] == [[d95, None]]
            lo1, hi1 = details["expected_band_1sigma"]
            lo2, hi2 = details["expected_band_2sigma"]
            assert lo2 < lo1 < d95 < hi1 < hi2
            assert details["cls_expected_at_limit"] == pytest.approx(0.05, rel=1e-3)  # pyhf's hypotest at the limit
    # long lifetimes: at 10 MeV most N leave the detector, so the limit is far above the prompt one at 1 GeV
    assert r["by_card"]["cepc_h"]["d_gamma_95"][0] > 3 * r["by_card"]["cepc_h"]["d_gamma_95"][2]


def test_pyhf_failure_is_a_null_with_its_reason(capsys, monkeypatch):
    class Result:
        message = "forced failure"

    def fail(*args, **kwargs):
        raise pyhf.exceptions.FailedMinimization(Result())

    monkeypatch.setattr(pyhf.infer.mle, "fixed_poi_fit", fail)
    code, out, err = run(capsys, ["limits", "--card", "cepc_h", "--masses", "50", "--scenario", "II", "--flavor", "mu",
                                  "--criterion", "cls", "-n", "2000", "--background-events", "1500", "--json"])
    assert code == 0, err
    r = _strict_json(out)
    assert r["d_gamma_95"] == [None] and r["excluded"] == [[]]
    note = r["by_card"]["cepc_h"]["details"][0]["note"]
    assert "pyhf failed" in note and "forced failure" in note


def test_large_background_uncertainty_keeps_the_fit_inside_its_bounds(capsys):
    # delta = 0.5: theta = -5 would make b (1 + delta theta) negative; the bounds stop at b > 0
    code, out, err = run(capsys, ["limits", "--card", "cepc_h", "--masses", "50", "--scenario", "II", "--flavor", "mu",
                                  "--criterion", "cls", "-n", "2000", "--background-events", "1500", "--json",
                                  "--set", "limit.background_rel_syst=0.5"])
    assert code == 0, err
    r = _strict_json(out)
    assert r["d_gamma_95"][0] > 0 and r["by_card"]["cepc_h"]["details"][0]["background_rel_syst"] == 0.5
