"""Cards with several runs ([[runs]]): one single-run card per run, every command per run, and limits that
combine the runs of a card, or of several cards with --combine (S^2/B summed, CLs in one likelihood)."""

from __future__ import annotations

import copy
import json
import tomllib

import numpy as np
import pytest
from helpers import run_cli as run

import mcgen
from mcgen.analysis.limits import limits_table
from mcgen.config.cards import parse_card, resolve_card_path
from mcgen.config.options import PhysicsOptions
from mcgen.errors import CardError
from mcgen.physics.model import structure_from_a


def _content(name: str = "cepc_z") -> dict:
    return tomllib.loads(resolve_card_path(name).read_text())


def _split(content: dict, *runs: dict) -> dict:
    """The card's content with its [beam] as defaults and the runs given."""
    out = copy.deepcopy(content)
    out["runs"] = [dict(r) for r in runs]
    return out


def _write(tmp_path, content: dict, name: str) -> str:
    """A card file (TOML written by hand: flat tables, and the runs as an array of tables)."""
    def value(v):
        return json.dumps(v) if isinstance(v, str) else ("true" if v is True else "false" if v is False else repr(v))

    lines = []
    for table, keys in content.items():
        if table == "runs":
            continue
        lines.append(f"[{table}]")
        lines += [f"{k} = {value(v)}" for k, v in keys.items()]
    for r in content.get("runs", []):
        lines.append("[[runs]]")
        lines += [f"{k} = {value(v)}" for k, v in r.items() if k != "selection"]
        if "selection" in r:
            lines.append("[runs.selection]")
            lines += [f"{k} = {value(v)}" for k, v in r["selection"].items()]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _halves(content: dict) -> dict:
    """The card as two identical runs of half its luminosity."""
    lumi = content["beam"]["luminosity_invpb"]
    halves = _split(content, {"name": "first", "luminosity_invpb": lumi / 2}, {"name": "second", "luminosity_invpb": lumi / 2})
    halves["card"]["name"] = "halves"
    return halves


# --- the card ----------------------------------------------------------------------------------------------


def test_runs_take_the_beam_keys_over_the_card_beam_and_may_change_the_selection_with_a_note():
    content = _split(_content(), {"name": "peak", "luminosity_invpb": 6e7},
                     {"name": "below", "sqrt_s": 87.9, "luminosity_invpb": 2e7, "selection": {"pt_min": 30.0},
                      "note": "the photons are softer below the peak"})
    card = parse_card(content, "two.toml")
    peak, below = card.run_cards()
    assert (card.name, peak.name, below.name) == ("cepc_z", "cepc_z:peak", "cepc_z:below")
    assert (peak.sqrt_s, peak.beam.luminosity_invpb, peak.selection.pt_min) == (91.2, 6e7, 35.0)
    assert (below.sqrt_s, below.beam.luminosity_invpb, below.selection.pt_min) == (87.9, 2e7, 30.0)
    assert peak.beam.energy_spread == below.beam.energy_spread == content["beam"]["energy_spread"]  # the card's [beam]
    assert card.run_card("below") is below
    assert parse_card(below.raw, "again").name == "cepc_z:below"  # a run's card content is a card of its own
    spread = parse_card(content, "two.toml", ("beam.energy_spread=0.001",))  # --set beam.KEY: every run
    assert [r.beam.energy_spread for r in spread.run_cards()] == [0.001, 0.001]


@pytest.mark.parametrize(("runs", "message"), [
    ([{"name": "a", "selection": {"pt_min": 30.0}}], "says why in its note"),
    ([{"name": "a"}, {"name": "a"}], "a second run named 'a'"),
    ([{"name": "a b"}], "name: expected 1-40 letters"),
    ([{"name": "a", "sqrt_ss": 90.0}], "unknown key sqrt_ss"),
    ([{"name": "a", "sqrt_s": -1.0}], "[beam] sqrt_s"),
    ("peak", "must be an array of tables"),
])
def test_bad_runs_are_refused_naming_the_run_and_key(runs, message):
    content = _content()
    content["runs"] = runs
    with pytest.raises(CardError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_card(content, "bad.toml")


def test_a_run_that_does_not_exist_is_named_with_the_runs_that_do(capsys, tmp_path):
    card = _write(tmp_path, _halves(_content()), "halves")
    code, out, err = run(capsys, ["info", "--card", card, "--run", "third", "--mass", "10", "--dgamma", "1e-6",
                                  "--scenario", "I", "--flavor", "e"])
    assert code == 2 and out == "" and "no run 'third' (its runs: first, second)" in err
    whole = mcgen.load_card(card)
    model = mcgen.make_model(10.0, "e", whole.electroweak, d_gamma=1e-6, scenario="I")
    with pytest.raises(CardError, match=r"has runs first, second: give --run NAME \(in Python: card.run_card\(NAME\)\)"):
        mcgen.generate(whole, model, 100, seed=1)  # events are made per run, never for a card's first run silently


# --- every command per run ---------------------------------------------------------------------------------


def test_generate_and_background_write_one_file_per_run_and_info_reports_every_run(capsys, tmp_path):
    content = _split(_content(), {"name": "peak", "luminosity_invpb": 6e7}, {"name": "below", "sqrt_s": 87.9,
                                                                             "luminosity_invpb": 2e7})
    card = _write(tmp_path, content, "two")
    model = ["--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "e"]
    code, out, err = run(capsys, ["generate", "--card", card, *model, "-n", "2000", "-o", str(tmp_path / "ev.root"), "--json"])
    assert code == 0, err
    result = json.loads(out)["runs"]
    assert list(result) == ["peak", "below"]
    for name, sqrt_s in (("peak", 91.2), ("below", 87.9)):
        events = mcgen.read(tmp_path / f"ev_{name}.root")
        metadata = events.attrs["mcgen"]["metadata"]
        assert metadata["sqrt_s"] == sqrt_s and metadata["card"]["name"] == f"cepc_z:{name}"
        assert result[name]["output"] == str(tmp_path / f"ev_{name}.root")
    code, out, err = run(capsys, ["generate", "--card", card, *model, "-n", "2000", "--run", "below", "-o",
                                  str(tmp_path / "below.root"), "--json"])
    assert code == 0, err
    assert json.loads(out)["sqrt_s"] == 87.9 and not (tmp_path / "below_below.root").exists()
    code, out, err = run(capsys, ["info", "--card", card, *model, "--json"])
    assert code == 0, err
    info = json.loads(out)["runs"]
    assert info["below"]["inputs"]["sqrt_s"] == 87.9 and info["peak"]["beam"]["luminosity_invpb"] == 6e7
    code, out, err = run(capsys, ["background", "--card", card, "-n", "3000", "-o", str(tmp_path / "bkg.root"), "--json"])
    assert code == 0, err
    assert {r["sqrt_s"] for r in json.loads(out)["runs"].values()} == {91.2, 87.9}
    assert (tmp_path / "bkg_peak.root").exists() and (tmp_path / "bkg_below.root").exists()


# --- limits ------------------------------------------------------------------------------------------------


def _limits(cards, masses, criterion, combine=False, n=10_000):
    cards = [c if not isinstance(c, dict) else parse_card(c, "in memory", (f"limit.criterion='{criterion}'",)) for c in cards]
    cards = [c if not isinstance(c, str) else mcgen.load_card(c, (f"limit.criterion='{criterion}'",)) for c in cards]
    structures = [structure_from_a(0.0, c.electroweak) for c in cards]
    return limits_table(cards, masses, structures, "e", PhysicsOptions(), n=n, seed=4, background_events=5000, combine=combine)


@pytest.mark.parametrize(("criterion", "rel"), [("s2b", 1e-12), ("cls", 1e-6)])
def test_two_identical_runs_of_half_the_luminosity_give_the_limit_of_one_run(criterion, rel):
    """The runs share the random numbers, so S^2/B sums to the one run's to rounding; the CLs likelihood of
    two channels with half the events each is the one channel's (the fit's tolerance remains)."""
    masses = [5.0, 40.0]
    one = _limits(["cepc_z"], masses, criterion)
    two = _limits([_halves(_content())], masses, criterion)
    assert two["d_gamma_95"] == pytest.approx(one["d_gamma_95"], rel=rel)
    runs = two["by_card"]["halves"]["runs"]
    assert runs["first"]["d_gamma_95"] == runs["second"]["d_gamma_95"]
    if criterion == "s2b":  # half the luminosity: S^2/B ~ L d^4 for a prompt N
        assert np.array(runs["first"]["d_gamma_95"]) == pytest.approx(2**0.25 * np.array(one["d_gamma_95"]), rel=1e-9)


def test_combined_s2b_is_the_sum_of_the_runs_s2b():
    """For a prompt N every run's S^2/B is L_i v_i^2 d^4 / B_i, so the runs' own limits give the combined one:
    d^-4 = sum_i d_i^-4, from the per-run results alone."""
    masses = [20.0, 50.0]
    result = _limits(["cepc_z", "cepc_ww", "cepc_h"], masses, "s2b", combine=True)
    per_run = np.array([result["by_card"][name]["d_gamma_95"] for name in ("cepc_z", "cepc_ww", "cepc_h")])
    expected = (per_run**-4.0).sum(axis=0) ** -0.25
    assert result["d_gamma_95"] == pytest.approx(expected, rel=1e-9)
    assert result["combined"]["runs"] == ["cepc_z", "cepc_ww", "cepc_h"]


@pytest.mark.slow
def test_combined_cls_is_pyhf_on_a_workspace_built_here():
    """At the combined CLs limit, pyhf's own hypotest on a workspace written here (a channel per run from
    the reduced Monte Carlo, the signal formula written out, each card's nuisance parameters) gives the
    expected CLs of 0.05."""
    pyhf = pytest.importorskip("pyhf")
    from mcgen.analysis.limits import signal_sample, visible_background_pb
    from mcgen.physics.model import COUPLING_COLUMNS, widths

    names, mass = ("cepc_z", "cepc_h"), 30.0
    result = _limits(list(names), [mass], "cls", combine=True)
    d = result["d_gamma_95"][0]
    channels = []
    for name in names:
        card = mcgen.load_card(name, ("limit.criterion='cls'",))
        structure = structure_from_a(0.0, card.electroweak)
        background = visible_background_pb(card, 5000, 4) * card.beam.luminosity_invpb
        sample = signal_sample(card, mass, "e", PhysicsOptions(), 10_000, 4, background)
        c = dict(zip(COUPLING_COLUMNS, sample.coeff_binned.sum(axis=1)))  # prompt: P(inside) = 1 for every event here
        sigma = (c["w_gg"] + structure.d_Z**2 * c["w_zz"] + structure.d_Z * c["w_gz"]) * d * d
        br = widths(sample.model(structure), card.electroweak).br_nu_gamma
        signal = sigma * br * card.detector.photon_efficiency * card.beam.luminosity_invpb
        keep = background > 1e-6
        b = background[keep]
        channels.append({"name": name, "samples": [
            {"name": "signal", "data": signal[keep].tolist(), "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": f"sig_{name}", "type": "normsys", "data": {"hi": 1.01, "lo": 0.99}}]},
            {"name": "background", "data": b.tolist(), "modifiers": [
                {"name": f"bkg_{name}", "type": "histosys", "data": {"hi_data": (1.05 * b).tolist(), "lo_data": (0.95 * b).tolist()}}]},
        ]})
        assert structure.d_W == 0.0  # scenario I: no W terms in the reweighting
    spec = {"channels": channels, "observations": [{"name": ch["name"], "data": ch["samples"][1]["data"]} for ch in channels],
            "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}
    workspace = pyhf.Workspace(spec)
    model = workspace.model()
    data = workspace.data(model)
    _, expected = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)
    assert float(expected[2]) == pytest.approx(0.05, abs=2e-4)
    assert result["combined"]["details"][0]["channels"] == ["run_cepc_z", "run_cepc_h"]


def test_combining_a_measurement_is_refused(capsys):
    code, out, err = run(capsys, ["limits", "--card", "lep1_opal", "--card", "cepc_z", "--masses", "5", "--scenario", "I",
                                  "--flavor", "e", "--combine"])
    assert code == 2 and out == "" and "lep1_opal" in err and "combines with no other run" in err


def test_efficiency_tables_of_every_run_give_the_limits_of_the_card(capsys, tmp_path):
    """`mcgen efficiency --card` with runs writes one table per run; the tables together give the card's limit,
    its runs combined, to the digit (the same samples and backgrounds as `mcgen limits --card`)."""
    model = ["--masses", "10,50", "--scenario", "I", "--flavor", "mu", "-n", "4000"]
    code, out, err = run(capsys, ["efficiency", "--card", "fccee_ww", *model, "-o", str(tmp_path / "eff.root"), "--json"])
    assert code == 0, err
    assert sorted(json.loads(out)["runs"]) == ["ww157", "ww162"]
    tables = [str(tmp_path / f"eff_{run}.root") for run in ("ww157", "ww162")]
    code, out, err = run(capsys, ["limits", "--efficiency", *tables, "--json"])
    assert code == 0, err
    from_tables = json.loads(out)
    code, out, err = run(capsys, ["limits", "--card", "fccee_ww", *model, "--json"])
    assert code == 0, err
    direct = json.loads(out)
    assert from_tables["d_gamma_95"] == direct["d_gamma_95"]
    assert from_tables["by_card"]["fccee_ww"]["runs"]["ww157"]["d_gamma_95"] == direct["by_card"]["fccee_ww"]["runs"]["ww157"]["d_gamma_95"]
    code, out, err = run(capsys, ["limits", "--efficiency", *tables, "--combine", "--json"])
    assert code == 0, err
    assert json.loads(out)["d_gamma_95"] == direct["d_gamma_95"]  # one card: --combine is the card's combination
