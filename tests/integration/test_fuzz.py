"""Fuzzing the CLI and the cards (hypothesis, derandomised: the same examples every run).

Whatever the input: exit 0 or 2, an error is one line on stderr with no traceback, and every
number in a JSON answer or a ROOT file is finite."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import uproot
from helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CARDS = Path(__file__).resolve().parents[2] / "cards"

NUMBERS = st.sampled_from(["0", "-1", "1", "10", "45.6", "1e-300", "1e308", "-1e308", "nan", "inf", "-inf", "1e999",
                           "99999999999999999999", "abc", "", " ", "1,2", "0x10", "1_000", "\n", "5e-324"])
COUNTS = st.sampled_from(["0", "-3", "1", "20", "1.5", "1e3", "99999999999999999999", "x", ""])
MASSES = st.sampled_from(["10", "1,5", "1:50:3", "1:50:99999999999999", "5e-324", "0", "-1", "1,1", "a,b", "::", "1:2",
                          "1e5,2e5", "0.01:230:3", "", "nan"])
CARDS_OR_JUNK = st.sampled_from(["lep1_opal", "lep2_delphi", "cepc_z", "cepc_h", "lep1_zinv", "lep1_l3_zgamma", "nope",
                                 "x" * 300, "a\nb", "", "/dev/null", "cards"])
SETS = st.sampled_from(["beam.sqrt_s=250", "beam.sqrt_s=1e300", "electroweak.m_W=1e308", "detector.energy_constant=1e300",
                        "selection.pt_min=-1", "limit.criterion=cls", "beam.nope=1", "nope", "a.b.c=1", "beam.sqrt_s=[[[",
                        "electroweak.sin2_theta_w=1e-300", "selection.e_min=\n"])
SCENARIOS = st.sampled_from(["I", "II", "III", "IV", "", "V", "ii", "\n"])
FLAVOURS = st.sampled_from(["e", "mu", "tau", "", "tau\n", "x"])


def _option(name: str, valid: str, junk: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """The option with a valid value (half the time), left out, or with a junk value."""
    return st.one_of(st.just([name, valid]), st.just([name, valid]), st.just([]), junk.map(lambda v: [name, v]))


def _argv(command: str) -> st.SearchStrategy[list[str]]:
    card = "cepc_h" if command == "background" else "lep1_opal"
    common = [_option("--card", card, CARDS_OR_JUNK), _option("--set", "beam.sqrt_s=91.2", SETS)]
    model = [_option("--scenario", "I", SCENARIOS), _option("--flavor", "mu", FLAVOURS), _option("--a", "1", NUMBERS)]
    point = [_option("--mass", "10", NUMBERS), _option("--dgamma", "1e-6", NUMBERS)]
    extra = {
        "info": [*model, *point],
        "generate": [*model, *point, _option("-n", "20", COUNTS), _option("--seed", "3", COUNTS)],
        "limits": [*model, _option("--masses", "10", MASSES), _option("-n", "20", COUNTS),
                   _option("--criterion", "s2b", st.sampled_from(["cls", "x"]))],
        "efficiency": [*model, _option("--masses", "10", MASSES), _option("-n", "20", COUNTS)],
        "background": [_option("-n", "20", COUNTS), _option("--seed", "3", COUNTS)],
    }[command]
    return st.tuples(*common, *extra, st.booleans()).map(
        lambda parts: [command, *[x for part in parts[:-1] for x in part], *(["--json"] if parts[-1] else [])])


def _assert_finite_json(text: str) -> None:
    def refuse(name: str) -> float:
        raise AssertionError(f"non-finite number {name} in the JSON")

    json.loads(text, parse_constant=refuse)


def _cheap(argv: list[str]) -> bool:
    """Keep each example fast: small runs only (the bounds on large ones are tested in test_bad_input)."""
    for flag in ("-n",):
        if flag in argv:
            value = argv[argv.index(flag) + 1]
            if value.isdigit() and int(value) > 20:
                return False
    if "--masses" in argv and argv[argv.index("--masses") + 1] in ("0.01:230:3", "1:50:3"):
        return False
    # the SM background trains its phase space for ~2 s whatever -n: its runs are tested elsewhere
    return not (argv[0] in ("background", "limits") and any(card in argv for card in ("cepc_z", "cepc_h", "lep2_delphi")))


@pytest.mark.slow
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.sampled_from(["info", "generate", "limits", "efficiency", "background"]).flatmap(_argv))
def test_fuzzed_command_lines(argv, tmp_path_factory, capsys):
    if not _cheap(argv):
        return
    if argv[0] == "generate":
        argv = [*argv, "-o", str(tmp_path_factory.mktemp("g") / "ev.root")]
    code, out, err = run_cli(capsys, argv)
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err, argv
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert out == ""
    elif "--json" in argv:
        _assert_finite_json(out)


def _card_numbers() -> list[tuple[str, str, str]]:
    out = []
    for card in ("lep1_opal", "cepc_h"):
        content = tomllib.loads((CARDS / f"{card}.toml").read_text())
        out += [(card, table, key) for table, values in content.items() for key, v in values.items()
                if isinstance(v, float | int) and not isinstance(v, bool)]
    return out


EXTREMES = st.sampled_from(["0", "-1", "1e-300", "1e300", "1e308", "-1e308", "5e-324", "1e-6", "1e6", "0.5", "2", "1e9",
                            "99999999999999999999999", "true", '"x"', "[1]", "nan", "inf"])


@pytest.mark.slow
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(_card_numbers()), value=EXTREMES, mass=st.sampled_from(["1e-5", "0.5", "30", "100"]))
def test_mutated_cards_give_finite_answers_or_one_line(target, value, mass, tmp_path_factory, capsys):
    card, table, key = target
    model = ["--card", card, "--set", f"{table}.{key}={value}", "--mass", mass, "--dgamma", "1e-6", "--scenario", "II",
             "--flavor", "e"]
    code, out, err = run_cli(capsys, ["info", *model, "--json"])
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and out == ""
        return
    _assert_finite_json(out)
    r = json.loads(out)
    numbers = [*r["widths_GeV"].values(), *r["sigma_pb"].values(), r["br_nu_gamma"], r["ctau_m"], r["decay_length_m"]]
    assert all(isinstance(x, float | int) and math.isfinite(x) for x in numbers), r
    path = tmp_path_factory.mktemp("m") / "ev.root"
    code, out, err = run_cli(capsys, ["generate", *model, "-n", "200", "-o", str(path), "--json"])
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and not path.exists()
        return
    _assert_finite_json(out)
    with uproot.open(path) as f:
        for name, values in f["events"].arrays(library="np").items():
            assert values.dtype == np.bool_ or np.isfinite(values).all(), (target, value, name)


@pytest.mark.parametrize("mass", ["1e-6", "1e-3"])
def test_the_lightest_masses_give_finite_files(mass, tmp_path, capsys):
    path = tmp_path / "ev.root"
    code, _, err = run_cli(capsys, ["generate", "--card", "cepc_h", "--mass", mass, "--dgamma", "1e-30", "--scenario", "I",
                                    "--flavor", "tau", "-n", "300", "-o", str(path)])
    assert code == 0, err
    with uproot.open(path) as f:
        for name, values in f["events"].arrays(library="np").items():
            assert values.dtype == np.bool_ or np.isfinite(values).all(), name
