"""mcgen validate: the source paper's quoted numbers beside mcgen's, and figure 9 (the photon
decay law at CEPC), whose exact-law curves are those of mcgen limits."""

from __future__ import annotations

import contextlib
import io
import json
import math

import numpy as np
import pytest
from helpers import run_cli as run

from mcgen.analysis.validation import CASES, TREATMENTS, first_excluded, handover_mass, loglog, treatment_record
from mcgen.cli import main


@pytest.fixture(scope="module")
def quick():
    """``mcgen validate --json --quick`` once for the module (about 10 s; capsys is per test, so stdout is redirected here)."""
    pytest.importorskip("HNLimits")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--json", "--quick", "--seed", "3"])
    assert code == 0, err.getvalue()
    assert err.getvalue() == ""  # --json: no progress bar, no warning
    return json.loads(out.getvalue())


def _finite_or_reason(value) -> bool:
    return (isinstance(value, float) and math.isfinite(value)) or (isinstance(value, str) and len(value) > 10)


def test_one_row_per_quoted_case_with_numbers_or_reasons(quick):
    assert [r["id"] for r in quick["rows"]] == [c.id for c in CASES] and len(CASES) == 25
    assert quick["treatments"] == {name: treatment_record(o) for name, o in TREATMENTS.items()}
    assert quick["treatments"]["paper"] == {"decay_law": "paper", "st_interference": False, "three_body": False, "isr": False,
                                          "energy_spread": 0.0}
    assert quick["treatments"]["best"] == {"decay_law": "exact", "st_interference": True, "three_body": True, "isr": False,
                                         "energy_spread": 0.0}
    assert quick["n_events"] == 3000 and quick["seed"] == 3 and quick["quick"] and quick["version"]
    for row, case in zip(quick["rows"], CASES):
        assert row["paper"] == list(case.paper) and len(row["labels"]) == len(case.paper)
        assert row["cards"] == list(case.cards) and row["quantity"] and row["description"] and row["unit"] in ("GeV", "GeV^-1")
        assert row["options"] == quick["treatments"]  # the treatment of every column, recorded with the row
        for name in TREATMENTS:
            values, ratios = row["mcgen"][name], row["ratio"][name]
            assert len(values) == len(ratios) == len(case.paper), (row["id"], name)
            for value, ratio, paper in zip(values, ratios, case.paper):
                assert _finite_or_reason(value), (row["id"], name, value)
                if isinstance(value, float):
                    assert ratio == pytest.approx(value / paper, rel=1e-12) and value > 0
                else:
                    assert ratio is None
    rows = {r["id"]: r for r in quick["rows"]}
    # the numbers the coarse grids must get right: the a-ranges, the DONUT data, a hand-over mass
    opal = rows["fig4_opal_a_range"]["mcgen"]["paper"]
    assert all(isinstance(v, float) for v in opal) and opal[0] < opal[1]
    assert rows["fig4_opal_a_range"]["details"]["paper"]["a_at"][0] == "inf"  # the strongest limit at a -> inf (scenario II)
    assert rows["fig8_tau_donut"]["mcgen"]["paper"][0] == pytest.approx(5.8e-5, rel=0.02)
    assert 3.0 < rows["fig8_mu_lep_vs_nomad_I"]["mcgen"]["paper"][0] < 8.0
    # the flavour factories (arXiv:2204.07802's abstract): a minimum below each collider's sqrt(s), BESIII's runs combined
    for card, sqrt_s in (("besiii", 4.18), ("belle2", 10.58), ("stcf", 4.0)):
        row = rows[f"ff_{card}_min"]
        assert row["figure"] == "arXiv:2204.07802 abstract" and row["cards"] == [card]
        best = row["details"]["best"]
        assert isinstance(row["mcgen"]["best"][0], float) and best["mass_at_min_GeV"] < sqrt_s
        curve = [d for d in best["curve"] if d is not None]
        assert row["mcgen"]["best"][0] <= min(curve) and len(curve) < len(best["curve"])  # none at or above sqrt(s)


def test_text_table_labels_its_columns_and_sums_up(quick):
    from mcgen.analysis.validation import agreement, text_table

    text = text_table(quick)
    opal = text.split("fig4_opal_a_range")[1].splitlines()
    assert "min over a" in opal[1] and "max over a" in opal[1] and "ratio to quoted" in opal[1]
    assert opal[2].split()[0] == "quoted" and opal[3].split()[:2] == ["mcgen", "paper"]
    # 'quoted' is the paper's number, 'mcgen paper' mcgen in the paper's treatment: no row is labelled 'paper:' alone
    assert not any(x.strip().startswith("paper:") for x in text.splitlines())
    for name in TREATMENTS:
        counts = agreement(quick, name)
        assert sum(counts) == sum(len(c.paper) for c in CASES)
        line = next(x for x in text.splitlines() if x.startswith(f"summary, mcgen {name}:"))
        assert f"{counts[0]} within 5%, {counts[1]} more within 20%, {counts[2]} beyond" in line


def test_the_singular_point_is_approached_never_hit(quick):
    for cid in ("fig5_delphi_e_a_range", "fig5_delphi_mu_a_range"):
        for name in TREATMENTS:
            details = quick["rows"][[c.id for c in CASES].index(cid)]["details"][name]
            a0 = details["singular_a"]
            assert a0 == pytest.approx(-3.647, abs=1e-3)
            assert all(abs(a - a0) >= 1e-7 for a in details["a_grid"]) and min(abs(a - a0) for a in details["a_grid"]) < 2e-6
            near = details["limits_next_to_singular_a"]
            assert len(near) == 2 and all(math.isfinite(d) and d > 0 for d in near)
            assert all(a is None or isinstance(a, float) or a == "inf" for a in details["a_at"])
            assert all(d is None or math.isfinite(d) for d in details["limits_on_grid"])


def test_the_bisection_of_limit_for_finds_the_crossing_of_the_grid_search():
    """limit_for bisects the monotonic criteria; solve_excluded's grid and bisection (which finds
    crossings of any signal) must give the same d_gamma_95."""
    from mcgen.analysis.limits import signal_function, signal_sample, solve_excluded, visible_background_pb
    from mcgen.config.cards import load_card
    from mcgen.config.options import PhysicsOptions
    from mcgen.physics.model import scenario_a, structure_from_a

    for name, mass in (("lep1_opal", 0.05), ("lep1_l3_zgamma", 3.0), ("lep1_zinv", 0.05), ("lep2_delphi", 100.0), ("cepc_z", 0.02)):
        card = load_card(name)
        background = visible_background_pb(card, 2000, 1) if name.startswith("cepc") else None
        sample = signal_sample(card, mass, "e", PhysicsOptions(decay_law="paper"), 3000, 7, background)
        for scenario in ("I", "II", "III", "IV"):
            structure = structure_from_a(scenario_a(scenario, card.electroweak), card.electroweak)
            excluded = solve_excluded(*signal_function(sample, structure))
            expected, got = excluded[0][0] if excluded else None, first_excluded(sample, structure)
            assert (expected is None) == (got is None), (name, scenario)
            if expected is not None:
                assert got == pytest.approx(expected, rel=1e-13), (name, scenario)


def test_handover_mass_of_known_curves():
    masses = list(np.geomspace(0.01, 100.0, 9))
    falling = [1e-4 / m for m in masses]  # d = 1e-4 / m
    assert loglog(masses, falling, np.array([0.1, 0.2]))[1] == pytest.approx(5e-4, rel=1e-12)
    flat = (np.array([0.001, 1000.0]), np.array([1e-5, 1e-5]))
    assert handover_mass(masses, falling, [flat])["value"] == pytest.approx(10.0, rel=1e-6)  # 1e-4/m = 1e-5
    ends = (np.array([0.001, 3.0]), np.array([1e-5, 1e-5]))  # nothing is compared above 3 GeV: ahead from there
    assert handover_mass(masses, falling, [ends])["value"] == pytest.approx(3.0, rel=1e-12)
    weak = (np.array([0.001, 5.0]), np.array([1e-3, 1e-3]))  # the lowest of several curves counts
    assert handover_mass(masses, falling, [weak, flat])["value"] == pytest.approx(10.0, rel=1e-6)
    assert handover_mass(masses, falling, [weak])["value"] == pytest.approx(0.1, rel=1e-6)
    assert handover_mass(masses, [1.0] * 9, [flat])["value"].startswith("never ahead")
    assert "already" in handover_mass(masses, falling, [])["value"]
    gaps = [None] + falling[1:]  # no limit at the first mass: ahead from the second
    assert handover_mass(masses, gaps, [])["value"] == pytest.approx(masses[1], rel=0.01)


def test_unknown_case_is_one_line(capsys):
    code, out, err = run(capsys, ["validate", "--case", "no_such_case", "--quick"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown validation case" in err
    code, out, _ = run(capsys, ["validate", "--help"])
    assert code == 0 and "--quick" in out and "--json" in out


def test_figure9_exact_law_curves_are_mcgen_limits(tmp_path):
    pytest.importorskip("mplhep")
    from mcgen.analysis.limits import limits_table
    from mcgen.config.cards import load_card
    from mcgen.config.options import PhysicsOptions
    from mcgen.physics.model import scenario_a, structure_from_a
    from mcgen.plots.figures import reproduce

    paths = reproduce(9, tmp_path, n=3000, seed=5, quick=True)
    assert sorted(p.rsplit(".", 1)[1] for p in paths) == ["json", "pdf", "png"]
    curves = json.loads((tmp_path / "figure9.json").read_text())
    assert curves["figure"] == 9 and curves["decay_laws"] == ["exact", "paper", "isotropic"]
    assert curves["structure"]["scenario"] == "I" and curves["structure"]["flavor"] == "mu"
    cards = [load_card(c) for c in curves["cards"]]
    structure = structure_from_a(scenario_a("I", cards[0].electroweak), cards[0].electroweak)
    # what `mcgen limits --card cepc_z --card cepc_h --masses ... --scenario I --flavor mu -n 3000 --seed 5
    # --background-events 5000` computes
    expected = limits_table(cards, curves["masses"], [structure, structure], "mu", PhysicsOptions(), 3000, 5,
                            curves["background_events"])
    for card in curves["cards"]:
        exact = curves["laws"]["exact"][card]
        assert exact["d_gamma_95"] == expected["by_card"][card]["d_gamma_95"]
        assert exact["eps_cuts"] == expected["by_card"][card]["eps_cuts"]
        assert curves["background_pb"][card] == expected["by_card"][card]["background_pb"]
        paper = curves["laws"]["paper"][card]["d_gamma_95"]
        assert curves["ratio_to_paper_law"][card]["paper"] == [None if d is None else 1.0 for d in paper]
        for law in ("paper", "isotropic"):
            assert curves["laws"][law][card]["d_gamma_95"] != exact["d_gamma_95"]
            assert curves["laws"][law]["options"]["decay_law"] == law
    assert any(d is not None for d in curves["laws"]["exact"]["cepc_z"]["d_gamma_95"])


@pytest.mark.slow
def test_figure11_curves_are_mcgen_limits_with_the_runs_combined(tmp_path, capsys):
    """Each programme's curve of figure 11 is `mcgen limits --card ... --combine` with the same masses,
    statistics and seed, for either nature; the Majorana N reaches further where N decays promptly."""
    pytest.importorskip("mplhep")
    from helpers import run_cli

    code, _, err = run_cli(capsys, ["reproduce", "--figure", "11", "--quick", "-n", "2000", "--seed", "3", "-o", str(tmp_path)])
    assert code == 0, err
    curves = json.loads((tmp_path / "figure11.json").read_text())
    masses = ",".join(repr(m) for m in curves["masses"])
    for nature in ("dirac", "majorana"):
        cards = [a for c in curves["colliders"]["ILC"] for a in ("--card", c)]
        code, out, err = run_cli(capsys, ["limits", *cards, "--masses", masses, "--scenario", "II", "--flavor", "mu", "-n", "2000",
                                          "--seed", "3", "--background-events", str(curves["background_events"]), "--combine",
                                          "--nature", nature, "--json"])
        assert code == 0, err
        assert json.loads(out)["d_gamma_95"] == curves["limits"][f"ILC {nature}"]
    prompt = [i for i, m in enumerate(curves["masses"]) if 1.0 < m < 80.0]
    for collider in curves["colliders"]:
        dirac, majorana = (curves["limits"][f"{collider} {n}"] for n in ("dirac", "majorana"))
        assert prompt and all(majorana[i] < dirac[i] for i in prompt)
