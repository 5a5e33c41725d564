"""The ``mcgen`` command: the keys of mcgen info --json (fixed: other tools read them) and one-line errors with exit status 2."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as run

from mcgen.physics.constants import GEV2_TO_PB

DONE = ["info", "--card", "cards/lep2_delphi.toml", "--mass", "100", "--dgamma", "1e-5", "--scenario", "II", "--flavor", "e", "--json"]




@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, request):
    monkeypatch.chdir(request.config.rootpath)


def test_info_json_has_the_fixed_keys(capsys):
    code, out, err = run(capsys, DONE)
    assert code == 0 and err == ""
    r = json.loads(out)
    assert set(r["couplings"]) == {"d_gamma", "d_Z", "d_W"}
    assert set(r["widths_GeV"]) == {"nu_gamma", "nu_Z", "l_W", "total"}
    assert set(r["sigma_pb"]) == {"gamma", "Z", "gammaZ", "W", "st_interference", "total"}
    assert {"sqrt_s", "alpha", "sin2_theta_w", "m_Z", "Gamma_Z", "m_W"} <= set(r["inputs"])
    for key in ("br_nu_gamma", "ctau_m", "decay_length_m", "version", "card", "model", "options"):
        assert key in r
    assert r["inputs"]["sqrt_s"] == 205.4 and r["model"]["scenario"] == "II" and r["model"]["a"] is None
    assert r["inputs"]["isr"] is False and r["inputs"]["energy_spread"] == 0  # the card's beams
    assert r["options"] == {"decay_law": "exact", "st_interference": True, "three_body": True}


def test_info_numbers_against_hand_formulas(capsys):
    # scenario I, flavour mu: photon + Z only; check sigma_gamma and the width by hand here
    code, out, _ = run(capsys, ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "mu",
                                "--two-body", "--json"])
    r = json.loads(out)
    s, m, d, alpha = 91.1876**2, 10.0, 1e-6, 1 / 137.036
    sigma_gamma = 2 * alpha * d**2 * (s - m**2) ** 2 * (s + 2 * m**2) / (3 * s**3) * GEV2_TO_PB
    assert r["sigma_pb"]["gamma"] == pytest.approx(sigma_gamma, rel=1e-9)
    assert r["sigma_pb"]["W"] == 0 and r["sigma_pb"]["st_interference"] == 0
    assert r["widths_GeV"]["nu_gamma"] == pytest.approx(d**2 * m**3 / (4 * math.pi))
    assert r["br_nu_gamma"] == 1.0 and r["three_body_widths_GeV"] is None and r["options"]["three_body"] is False
    p = (s - m**2) / (2 * math.sqrt(s))
    assert r["decay_length_m"] == pytest.approx(p / m * 1.973269804e-16 / r["widths_GeV"]["total"], rel=1e-9)


def test_info_options_and_overrides(capsys):
    _, out, _ = run(capsys, DONE + ["--no-st-interference", "--set", "electroweak.alpha=0.0075468"])
    r = json.loads(out)
    assert r["sigma_pb"]["st_interference"] == 0 and r["options"]["st_interference"] is False
    assert r["inputs"]["alpha"] == 0.0075468
    _, base, _ = run(capsys, DONE)
    assert r["sigma_pb"]["gamma"] / json.loads(base)["sigma_pb"]["gamma"] == pytest.approx(0.0075468 * 137.036, rel=1e-6)


def test_info_with_dw_db_and_text_output(capsys):
    code, out, _ = run(capsys, ["info", "--card", "cepc_h", "--mass", "50", "--dw", "1e-8", "--db", "2e-8", "--flavor", "tau"])
    assert code == 0 and "Br(N -> nu gamma)" in out and "a = 0.5" in out


def test_help_lists_sub_commands(capsys):
    code, out, _ = run(capsys, ["--help"])
    commands = ("info", "generate", "efficiency", "limits", "scan", "bench")
    assert code == 0 and all(c in out for c in commands)
    for command in commands:
        code, out, _ = run(capsys, [command, "--help"])
        assert code == 0 and out.startswith(f"usage: mcgen {command}")
    code, out, _ = run(capsys, ["info", "--help"])
    assert code == 0 and "--decay-law" in out and "--no-st-interference" in out


BAD = [
    ["info", "--card", "lep1_opal", "--mass", "-1", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "0", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "nan", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "abc", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "91.1876", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "200", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "VII", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "nu"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--a=-3.647058823529412", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "0", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "inf", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--a", "1", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--dw", "1e-8", "--db", "1e-8", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dw", "1e-8", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--flavor", "e"],
    ["info", "--card", "no_such_card", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--set", "beam.nope=1", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--set", "beam.sqrt_s=zero", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e", "--decay-law", "wrong"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I"],
    ["info"],
    ["frobnicate"],
    [],
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a)[:60] or "empty")
def test_bad_input_is_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err


def test_bad_card_file_names_file_and_key(capsys, tmp_path):
    card = tmp_path / "mine.toml"
    card.write_text(Path("cards/lep1_opal.toml").read_text().replace("sqrt_s = 91.1876", 'sqrt_s = "high"'))
    code, _, err = run(capsys, ["info", "--card", str(card), "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"])
    assert code == 2 and "mine.toml" in err and "[beam] sqrt_s" in err and err.count("\n") == 1


@pytest.mark.slow
def test_console_script_end_to_end():
    ok = subprocess.run([sys.executable, "-m", "mcgen", *DONE], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["sigma_pb"]["total"] > 0
    bad = subprocess.run([sys.executable, "-m", "mcgen", *DONE[:-1], "--set", "beam.sqrt_s=50"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_info_reports_three_body_channels(capsys):
    code, out, _ = run(capsys, ["info", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "II",
                                "--flavor", "mu", "--json"])
    r = json.loads(out)
    channels = r["three_body_widths_GeV"]
    assert "nu e- e+" in channels and "l u d~" in channels
    w = r["widths_GeV"]
    assert w["total"] == pytest.approx(w["nu_gamma"] + sum(channels.values()))
    assert r["br_nu_gamma"] == pytest.approx(w["nu_gamma"] / w["total"]) and r["br_nu_gamma"] < 1


@pytest.mark.parametrize("argv", [
    ["limits", "--card", "lep1_opal", "--masses", "10", "--scenario", "I", "--scenario", "II", "--flavor", "e"],
    ["efficiency", "--card", "lep1_opal", "--masses", "10", "--a", "1", "--a", "2", "--flavor", "e"],
    ["info", "--card", "lep1_opal", "--mass", "10", "--mass", "20", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "mu"],
])
def test_a_single_valued_option_given_twice_is_an_error(capsys, argv):
    code, out, err = run(capsys, argv)
    assert code == 2 and "given twice" in err and err.count("\n") == 1 and not out


@pytest.mark.slow
def test_the_console_script_skips_numba_extensions_and_callers_keep_them(tmp_path, monkeypatch):
    """The mcgen process runs its own kernels only: numba's extension entry points (vector's and
    awkward's registrations) are not loaded there; a caller's main(argv) leaves them alone."""
    import mcgen.cli

    path = tmp_path / "ev.root"
    script = (
        "import sys, json, mcgen.cli\n"
        f"sys.argv = ['mcgen', 'generate', '--card', 'cepc_z', '--mass', '10', '--dgamma', '1e-7', '--scenario', 'I',"
        f" '--flavor', 'mu', '-n', '2000', '-o', {str(path)!r}, '--json']\n"
        "code = mcgen.cli.main()\n"
        "from numba import njit\n"
        "print(json.dumps([code, 'awkward._connect.numba.arrayview' in sys.modules, 'vector' in sys.modules,"
        " njit(lambda x: x + 1)(1)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == [0, False, False, 2]  # and numba still compiles
    called = []
    monkeypatch.setattr(mcgen.cli, "_without_numba_extensions", lambda: called.append(1))
    argv = ["efficiency", "--input", str(path), "--cut", "gamma_reco.pt > 30", "--json"]  # vector records, in this process
    assert mcgen.cli.main(argv) == 0 and called == []
