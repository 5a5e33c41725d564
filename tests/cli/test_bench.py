"""mcgen bench reports its fixed keys (speed itself is not asserted: machines are shared)."""

import pytest

from mcgen.bench import run_benchmarks


@pytest.mark.slow
def test_bench_keys():
    r = run_benchmarks(quick=True, events=1 << 15)
    assert set(r["signal_ev_per_s_per_core"]) == {"generate", "full", "full_root"}
    more = {"full_into_memory", "full_api", "full_root_uncompressed", "output_only", "full_isr", "full_isr_spread",
            "full_belle2", "full_belle2_head_on"}
    assert set(r["signal_more_ev_per_s_per_core"]) == more
    assert all(v > 0 for v in r["signal_ev_per_s_per_core"].values())
    assert r["rng_ceiling_ev_per_s_per_core"] > 0 and r["threads"] >= 1
    assert 8.0 < r["rng_draws_per_event"] < 12.0  # measured: 2 per cos(theta) candidate + 8 per event
    assert {"full_over_output_only", "full_isr_over_full", "full_isr_spread_over_full", "full_belle2_over_head_on"} <= set(r["ratios"])
    assert set(r["background_ev_per_s"]) == {"weighted", "unweighted", "unweighting_efficiency"}
    assert 0 < r["background_ev_per_s"]["unweighting_efficiency"] <= 1
    for key in ("background_ev_per_s_per_core", "background_isr_ev_per_s_per_core"):
        assert set(r[key]) == {"weighted", "unweighted", "unweighting_efficiency", "training_s"}
        assert 0 < r[key]["unweighting_efficiency"] <= 1 and r[key]["training_s"] > 0
    assert {"background_unweighted_over_full", "background_isr_over_background_weighted",
            "background_isr_over_background_unweighted"} <= set(r["ratios"])
    assert set(r["writers_ev_per_s"]) == {"lhe", "hepmc"} and min(r["writers_ev_per_s"].values()) > 0
    for process in ("gammagamma", "eegamma"):
        for card in ("cepc_z", "belle2"):
            entry = r[f"reducible_{process}"][card]
            assert entry["weighted_ev_per_s_per_core"] > 0 and entry["unweighted_ev_per_s_per_core"] >= 0
            assert entry["sigma_reco_pb"] >= 0 and (entry["seconds_to_1pct"] is None) == (entry["sigma_reco_pb"] == 0)
