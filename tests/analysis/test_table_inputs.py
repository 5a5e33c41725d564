"""Limits from tables and background files: inputs that do not belong together are refused in one
line; each table finds its own background; the criterion and the limit settings are chosen at
limit time, CLs from files equal to CLs in memory to the last digit; files never count twice."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import run_cli

import mcgen
from mcgen.analysis.background import background_metadata, background_sample, background_summary
from mcgen.analysis.limits import limits_table
from mcgen.physics.model import Model, scenario_a, structure_from_a

N = 20_000
BACKGROUND_EVENTS = 5_000


def _signal_files(folder: Path, card, flavour: str, masses, seed: int) -> list[Path]:
    """Weighted files as `mcgen generate --weighted` writes them, mass i with seed + i (the in-memory seeds)."""
    structure = structure_from_a(scenario_a("II", card.electroweak), card.electroweak)
    paths = []
    for i, mass in enumerate(masses):
        path = folder / f"{card.name}_{i}.root"
        mcgen.write_events(mcgen.generate(card, Model(mass, structure.scaled(1e-6), flavour, a=0.0), N, seed=seed + i,
                                          weighted=True), path)
        paths.append(path)
    return paths


def _background_file(path: Path, card, seed: int) -> Path:
    result, columns = background_sample(card, BACKGROUND_EVENTS, seed, keep_events=True)
    mcgen.io.write_background_root(path, columns, background_metadata(card, result, columns, False), background_summary(result))
    return path


@pytest.fixture(scope="module")
def cepc(tmp_path_factory):
    """Tables of cepc_z and cepc_h at m_N = 10 GeV (their cards' S^2/B criterion) and their backgrounds."""
    folder = tmp_path_factory.mktemp("cepc")
    out = {}
    for name in ("cepc_z", "cepc_h"):
        card = mcgen.load_card(name)
        sub = folder / name
        sub.mkdir()
        files = _signal_files(sub, card, "e", (10.0,), seed=4)
        table = folder / f"{name}_table.root"
        assert mcgen.cli.main(["efficiency", "--input", *map(str, files), "--scenario", "II", "-o", str(table)]) == 0
        out[name] = {"card": card, "table": table, "background": _background_file(folder / f"{name}_bkg.root", card, 4)}
    return out


def _limits(capsys, *argv: str) -> dict:
    code, out, err = run_cli(capsys, ["limits", *argv, "--json"])
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("criterion", ["s2b", "cls"])
def test_limits_from_files_equal_the_in_memory_ones_for_either_criterion(cepc, capsys, criterion):
    if criterion == "cls":
        pytest.importorskip("pyhf")
    for name in ("cepc_z", "cepc_h"):
        card = mcgen.load_card(name, (f"limit.criterion='{criterion}'",))
        structure = structure_from_a(scenario_a("II", card.electroweak), card.electroweak)
        memory = limits_table([card], [10.0], [structure], "e", mcgen.PhysicsOptions(), N, 4, BACKGROUND_EVENTS)
        files = _limits(capsys, "--efficiency", str(cepc[name]["table"]), "--background", str(cepc[name]["background"]),
                        "--criterion", criterion)
        assert files["by_card"][name]["criterion"] == criterion
        assert files["d_gamma_95"] == memory["d_gamma_95"] and files["excluded"] == memory["excluded"], name
        if criterion == "cls":
            assert files["by_card"][name]["details"] == memory["by_card"][name]["details"]


def test_limit_settings_apply_at_limit_time(cepc, capsys):
    table, background = str(cepc["cepc_h"]["table"]), str(cepc["cepc_h"]["background"])
    plain = _limits(capsys, "--efficiency", table, "--background", background)
    stricter = _limits(capsys, "--efficiency", table, "--background", background, "--set", "limit.s2b_95=4.0")
    assert stricter["d_gamma_95"][0] > plain["d_gamma_95"][0]
    code, out, err = run_cli(capsys, ["limits", "--efficiency", table, "--set", "selection.pt_min=50"])
    assert code == 2 and not out and err.count("\n") == 1 and "only limit.* keys apply" in err
    code, out, err = run_cli(capsys, ["limits", "--efficiency", table, "--set", "limit.spectrum_bins=7", "--criterion", "cls"])
    assert code == 2 and not out and err.count("\n") == 1 and "needs 7 bins" in err


def test_each_table_takes_its_own_background_in_one_call(cepc, capsys):
    z, h = cepc["cepc_z"], cepc["cepc_h"]
    together = _limits(capsys, "--efficiency", str(h["table"]), str(z["table"]),
                       "--background", str(z["background"]), str(h["background"]))
    for name in ("cepc_z", "cepc_h"):
        alone = _limits(capsys, "--efficiency", str(cepc[name]["table"]), "--background", str(cepc[name]["background"]))
        assert together["by_card"][name]["d_gamma_95"] == alone["by_card"][name]["d_gamma_95"]
        assert together["by_card"][name]["excluded"] == alone["by_card"][name]["excluded"]


@pytest.mark.parametrize("overrides, difference", [
    (("beam.sqrt_s=250",), "beam.sqrt_s"),
    (("beam.isr=true",), "beam.isr"),
    (("beam.energy_spread=0.002",), "beam.energy_spread"),
    (("beam.polarisation_electron=-0.8",), "beam.polarisation_electron"),
    (("electroweak.alpha=0.0078125",), "electroweak.alpha"),
    (("detector.energy_stochastic=0.3",), "detector.energy_stochastic"),
    (("selection.pt_min=50",), "selection.pt_min"),
])
def test_a_background_of_other_beams_physics_detector_or_cuts_is_refused(cepc, capsys, tmp_path, overrides, difference):
    other = _background_file(tmp_path / "other.root", mcgen.load_card("cepc_h", overrides), 4)
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(cepc["cepc_h"]["table"]), "--background", str(other)])
    assert code == 2 and not out and err.count("\n") == 1, err
    assert "no --background file was made for its card cepc_h" in err and difference in err


def test_another_cards_background_or_one_for_two_tables_is_refused(cepc, capsys):
    z, h = cepc["cepc_z"], cepc["cepc_h"]
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(h["table"]), "--background", str(z["background"])])
    assert code == 2 and not out and "beam.sqrt_s = 91.2" in err and err.count("\n") == 1
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(h["table"]), str(z["table"]), "--background", str(h["background"])])
    assert code == 2 and not out and "cepc_z" in err and err.count("\n") == 1
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(h["table"]), "--background", str(h["background"]),
                                      str(z["background"])])
    assert code == 2 and not out and "made for none of the tables' cards" in err and err.count("\n") == 1


def test_a_background_from_a_version_whose_results_differ_is_refused(cepc, capsys, tmp_path, monkeypatch):
    """Another mcgen version with the same results revisions may be combined; one whose background
    (or signal) results differ, or that recorded no revision, is refused, naming which differ."""
    from mcgen.analysis import background

    card, table = cepc["cepc_h"]["card"], str(cepc["cepc_h"]["table"])
    plain = _limits(capsys, "--efficiency", table, "--background", str(cepc["cepc_h"]["background"]))
    made = {"same": {"signal": 1, "background": 1}, "other": {"signal": 1, "background": 2}, "none": None}
    for name, revision in made.items():
        monkeypatch.setattr(background, "__version__", "9.9.9")
        monkeypatch.setattr(background, "RESULTS_REVISION", revision)
        path = _background_file(tmp_path / f"{name}.root", card, 4)
        monkeypatch.undo()
        code, out, err = run_cli(capsys, ["limits", "--efficiency", table, "--background", str(path), "--json"])
        if name == "same":
            assert code == 0 and json.loads(out)["d_gamma_95"] == plain["d_gamma_95"], err
            continue
        assert code == 2 and not out and err.count("\n") == 1, err
        assert f"(mcgen {mcgen.__version__})" in err and "(mcgen 9.9.9) cannot be combined" in err
        assert ("background results differ (revision 2 vs 1)" if name == "other" else "recorded no results revision") in err


def test_a_file_given_twice_or_copied_counts_once_or_is_refused(cepc, capsys, tmp_path):
    background = cepc["cepc_h"]["background"]
    link = tmp_path / "link.root"
    os.symlink(background, link)
    copy = tmp_path / "copy.root"
    shutil.copy(background, copy)
    for twice in ([str(background), str(background)], [str(background), str(link)]):
        code, out, err = run_cli(capsys, ["limits", "--efficiency", str(cepc["cepc_h"]["table"]), "--background", *twice])
        assert code == 2 and not out and "is given twice" in err and err.count("\n") == 1
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(cepc["cepc_h"]["table"]), "--background", str(background), str(copy)])
    assert code == 2 and not out and "the same run setting and seed" in err and err.count("\n") == 1
    signal = sorted((cepc["cepc_h"]["table"].parent / "cepc_h").glob("*.root"))[0]
    code, out, err = run_cli(capsys, ["efficiency", "--input", str(signal), str(signal)])
    assert code == 2 and not out and "is given twice" in err


def test_every_option_a_message_names_exists():
    """The --flags in mcgen's messages and help texts are options of its parsers."""
    from mcgen.cli import build_parser

    parser = build_parser()
    known = {opt for action in parser._actions for opt in action.option_strings}
    for sub in parser._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        known |= {opt for action in sub._actions for opt in action.option_strings}
    package = Path(mcgen.__file__).parent
    named = {}
    for path in package.rglob("*.py"):
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]", path.read_text(encoding="utf-8")):
            named.setdefault(flag, str(path.relative_to(package)))
    unknown = {flag: where for flag, where in named.items() if flag not in known}
    assert not unknown, unknown
