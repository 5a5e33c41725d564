"""mcgen reproduce: the figures are drawn with the JSON of their curves."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from helpers import run_cli as run

pytest.importorskip("mplhep")


def test_a_figure_is_drawn_from_its_curves_alone(tmp_path):
    """A figure's draw takes its curves, as computed or as figureN.json holds them, and returns a
    matplotlib figure; neither computing nor drawing writes a file."""
    from matplotlib.figure import Figure

    from mcgen.config.options import PhysicsOptions
    from mcgen.plots.figures import FIGURES, FigureRun
    from mcgen.plots.limits import pyplot

    record = FIGURES[2]
    curves = record.curves(FigureRun(tmp_path, 500, 1, PhysicsOptions(), quick=True))
    for data in (curves, json.loads(json.dumps(curves))):
        fig = record.draw(data)
        try:
            assert isinstance(fig, Figure)
            assert [ax.get_title() for ax in fig.axes] == ["$m_N$ = 0.1 GeV", "$m_N$ = 100 GeV"]
        finally:
            pyplot().close(fig)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("figure", [1, 2, 3, 4, 5, 6, 7, 8, 10])
def test_figures_are_written_with_their_curves(capsys, tmp_path, figure):
    code, out, err = run(capsys, ["reproduce", "--figure", str(figure), "-o", str(tmp_path), "--quick", "-n", "3000", "--json"])
    assert code == 0, err
    files = json.loads(out)["files"]
    assert sorted(p.rsplit(".", 1)[1] for p in files) == ["json", "pdf", "png"]
    curves = json.loads((tmp_path / f"figure{figure}.json").read_text())
    assert curves["figure"] == figure and curves["options"]["decay_law"] == "exact"
    if figure == 1:
        valley = curves["br_vs_a"]["10.0"]
        at = min(range(len(curves["a"])), key=lambda i: abs(curves["a"][i] - curves["singular_a"]))
        assert valley[at] < 1e-3 and max(valley) > 0.9  # three-body decays take over at the singular point
    if figure == 4:
        opal = curves["opal"]
        assert opal["limit"] == 0.15 and len(opal["a"]) == len(opal["e"]) == len(opal["mu"])
        peak = max(range(len(opal["a"])), key=lambda i: opal["e"][i])
        assert abs(opal["a"][peak] - (-3.647)) < 0.5  # the singular point a = -2 cot(theta_w)
        cepc = curves["cepc_z"]
        assert cepc["background_pb"] > 0 and cepc["limit"] == pytest.approx(math.sqrt(2.71 * cepc["background_pb"] / 1e8))
    if figure == 10:  # per collider the best of its cards, mass by mass
        for collider, names in curves["colliders"].items():
            for flavour in ("e", "mu"):
                best = curves["best"][f"{collider} {flavour}"]
                assert any(v is not None for v in best)
                for i, mass in enumerate(curves["masses"]):
                    values = [r["d_gamma_95"] for r in curves["rows"] if r["card"] in names and r["flavor"] == flavour
                              and r["mass"] == mass and r["d_gamma_95"] is not None]
                    assert best[i] == (min(values) if values else None)
    assert curves["beams"] == "cards" and curves["beam_overrides"] == []
    from PIL import Image

    with Image.open(tmp_path / f"figure{figure}.png") as png:  # the pixels of the one layout, at 150 dpi
        assert png.format == "PNG" and round(png.info["dpi"][0]) == 150 and min(png.size) > 500
    code, _, err = run(capsys, ["reproduce", "--figure", str(figure), "-o", str(tmp_path), "--quick", "-n", "3000"])
    assert code == 2 and "--force" in err


@pytest.mark.slow
def test_figure_8_draws_the_limits_of_figures_3_and_7_computed_once(capsys, tmp_path, monkeypatch):
    """Figure 8's CEPC reach is, mass by mass, the best of figure 7's four running modes and its
    LEP region the union of figure 3's cards; in one process the scans run once (mcgen.plots.figures.scans)."""
    from mcgen.analysis import scan
    from mcgen.analysis.limits import union_intervals
    from mcgen.plots.figures import scans

    scans._SCANS.clear()
    for figure in (3, 7):
        assert run(capsys, ["reproduce", "--figure", str(figure), "-o", str(tmp_path), "--quick", "-n", "2000"])[0] == 0
    ran = []
    monkeypatch.setattr(scans, "run_scan", lambda *a: ran.append(a) or scan.run_scan(*a))
    assert run(capsys, ["reproduce", "--figure", "8", "-o", str(tmp_path), "--quick", "-n", "2000"])[0] == 0
    assert ran == []  # both scans came from memory
    fig3, fig7, fig8 = (json.loads((tmp_path / f"figure{k}.json").read_text()) for k in (3, 7, 8))
    assert fig8["cepc_masses"] == fig7["masses"] and fig8["masses"] == fig3["masses"]
    for flavour in ("e", "mu", "tau"):
        for scenario in ("I", "III"):
            reach = fig8["cepc_reach"][f"{flavour} {scenario}"]
            for i, mass in enumerate(fig7["masses"]):
                values = [r["d_gamma_95"] for r in fig7["rows"] if r["flavor"] == flavour and r["structure"] == scenario
                          and r["mass"] == mass and r["d_gamma_95"] is not None]
                assert reach[i] == (min(values) if values else None)
            for i, mass in enumerate(fig3["masses"]):
                union = union_intervals([iv for r in fig3["rows"] if r["flavor"] == flavour and r["structure"] == scenario
                                         and r["mass"] == mass for iv in r["excluded"]])
                assert fig8["lep"][f"{flavour} {scenario}"][i] == union
    assert any(v is not None for v in fig8["cepc_reach"]["tau I"])
    assert run(capsys, ["reproduce", "--figure", "7", "-o", str(tmp_path), "--quick", "-n", "2000", "--force",
                        "--beams", "paper"])[0] == 0
    assert len(ran) == 1 and len(scans._SCANS) == 3  # another beam treatment is another scan
    scans._SCANS.clear()


@pytest.mark.slow
def test_reproduce_draws_the_papers_beams_beside_the_cards(capsys, tmp_path, monkeypatch):
    # --beams paper reads every card without ISR, spread or polarisation (the source paper's
    # treatment) and records it; the cards' own beams are the default
    from mcgen.config import cards
    from mcgen.plots import figures
    from mcgen.plots.figures import registry

    read: list[tuple[str, tuple[str, ...]]] = []
    real = cards.load_card

    def spy(name, overrides=()):
        read.append((name, overrides))
        return real(name, overrides)

    monkeypatch.setattr(registry, "_load_card", spy)
    code, out, err = run(capsys, ["reproduce", "--figure", "6", "-o", str(tmp_path), "--quick", "-n", "2000", "--beams", "paper",
                                  "--json"])
    assert code == 0, err
    assert json.loads(out)["beams"] == "paper"
    curves = json.loads((tmp_path / "figure6.json").read_text())
    assert curves["beams"] == "paper" and "beam.isr=false" in curves["beam_overrides"]
    assert read and all(o == figures.BEAM_TREATMENTS["paper"] for _, o in read)
    card = figures.BEAM_TREATMENTS["paper"]
    ilc = real("ilc250", card)
    assert all(r.beam.polarisation == (0.0, 0.0) and not r.beam.isr and r.beam.energy_spread == 0 for r in ilc.run_cards())
    code, out, err = run(capsys, ["reproduce", "--figure", "6", "-o", str(tmp_path / "cards"), "--quick", "-n", "2000", "--json"])
    assert code == 0 and json.loads((tmp_path / "cards" / "figure6.json").read_text())["beam_overrides"] == []
    code, _, err = run(capsys, ["reproduce", "--figure", "6", "-o", str(tmp_path), "--beams", "best"])
    assert code == 2 and "--beams" in err


def test_unknown_figure_and_bad_directory(capsys, tmp_path):
    code, _, err = run(capsys, ["reproduce", "--figure", "99", "-o", str(tmp_path)])
    assert code == 2 and "not available" in err and err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, ["reproduce", "--figure", "3", "-o", str(blocker)])
    assert code == 2 and "not a directory" in err


def test_reproduce_help_lists_every_figure(capsys):
    from mcgen.plots.figures import FIGURES, TITLES

    assert sorted(TITLES) == sorted(FIGURES) == list(range(1, 13))
    code, out, _ = run(capsys, ["reproduce", "--help"])
    text = " ".join(out.split())  # argparse wraps the description
    assert code == 0 and "figure number (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)" in text
    for k, title in TITLES.items():
        assert f"{k}: {title}" in text


def test_existing_constraints_are_converted_to_gev_and_95_percent():
    pytest.importorskip("HNLimits")
    import math

    import numpy as np

    from mcgen.analysis.constraints import _data_dir, load_constraints

    folder = _data_dir()
    by_label = {c.label: c for c in load_constraints("mu")}
    charm = np.loadtxt(folder / "mu" / "CHARMII_dmu.dat", ndmin=2)  # 90% CL, GeV, GeV^-1
    order = np.argsort(charm[:, 0])
    assert np.allclose(by_label["CHARM-II"].d_gamma_95, charm[order, 1] * math.sqrt(2.9957 / 2.3026))
    lsnd = {c.label: c for c in load_constraints("e")}["LSND"]  # published at 95% CL: unchanged
    raw = np.loadtxt(folder / "e" / "LSND_de.dat", ndmin=2)
    assert np.allclose(np.sort(lsnd.d_gamma_95), np.sort(raw[:, 1]))
    sn = [c for c in load_constraints("tau") if c.label == "SN1987A"][0]  # MeV and Bohr magnetons
    raw = np.loadtxt(folder / "SN1987A_muB_bottom.dat", ndmin=2)
    mu_bohr = math.sqrt(4 * math.pi / 137.036) / (2 * 0.000510999)
    assert np.allclose(sn.mass_GeV, raw[:, 0] / 1000) and np.allclose(sn.d_gamma_95, raw[:, 1] * mu_bohr / 2, rtol=1e-5)
    assert "mu/2" in sn.conversion and "MeV" in sn.conversion


def test_figure_8_colours_and_confidence_levels_are_one_per_constraint():
    """Each constraint keeps one colour in every panel (the palette is keyed by label, not by the
    flavour's list) and its legend states the confidence level it is drawn at."""
    pytest.importorskip("HNLimits")
    from mcgen.analysis.constraints import constraint_labels, load_constraints
    from mcgen.plots.figures import CONSTRAINT_COLOURS
    from mcgen.plots.limits import COLOURS

    labels = constraint_labels()
    assert len(set(CONSTRAINT_COLOURS[:len(labels)])) == len(labels) and COLOURS[0] not in CONSTRAINT_COLOURS
    for flavour in ("e", "mu", "tau"):
        for c in load_constraints(flavour):
            assert c.label in labels
            expected = "90% CL, as published" if c.label == "SN1987A" else ("95% CL", "95% CL, from 90%")
            assert c.confidence == expected if isinstance(expected, str) else c.confidence in expected
            assert c.legend == f"{c.label} ({c.confidence})"


def test_a_figure_is_written_as_one_set_or_not_at_all(capsys, tmp_path, monkeypatch):
    """A failure while the PDF is written (a full disk here) leaves no PNG without its PDF and JSON;
    a rerun then writes the set (it found a lone PNG and refused before)."""
    import matplotlib.figure

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(matplotlib.figure.Figure, "savefig", full_disk)
        code, out, err = run(capsys, ["reproduce", "--figure", "2", "-o", str(tmp_path), "--quick"])
    assert code == 2 and "No space left on device" in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []
    code, out, err = run(capsys, ["reproduce", "--figure", "2", "-o", str(tmp_path), "--quick"])
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure2.json", "figure2.pdf", "figure2.png"]


def test_a_limits_plot_and_its_json_are_one_set(capsys, tmp_path, monkeypatch):
    """The disk full while the plot's JSON is written: neither the PNG nor the JSON is left."""
    import types

    import mcgen.plots.limits

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mcgen.plots.limits, "json", types.SimpleNamespace(dumps=full_disk))
    plot = tmp_path / "l.png"
    code, out, err = run(capsys, ["limits", "--card", "lep1_opal", "--masses", "5,20", "--scenario", "I", "--flavor", "mu",
                                  "-n", "2000", "--plot", str(plot)])
    assert code == 2 and "No space left on device" in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_cannot_be_written_is_one_line(capsys, tmp_path, monkeypatch):
    """A read-only DIR (or parent of DIR) is refused before any figure is computed, and a folder
    that refuses the files themselves (as a read-only mount does, even for root) is one line too."""
    import os

    from mcgen.io import output

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(output.os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    for target in (locked, locked / "figs"):
        code, _, err = run(capsys, ["reproduce", "--figure", "2", "-o", str(target), "--quick"])
        assert code == 2 and "is not writable" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert list(locked.iterdir()) == []
    monkeypatch.undo()

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(output, "_unnamed_file", lambda folder: None)
    monkeypatch.setattr(Path, "touch", read_only)
    code, _, err = run(capsys, ["reproduce", "--figure", "2", "-o", str(tmp_path / "ro"), "--quick"])
    assert code == 2 and "Read-only file system" in err and err.count("\n") == 1, err


def test_a_run_stopped_while_it_computes_leaves_no_empty_folder(capsys, tmp_path, monkeypatch):
    """The folder is made when the first figure file is written, so Ctrl-C (or SIGTERM) during the
    computation leaves nothing for the rerun to trip over."""
    from mcgen.plots import figures

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setitem(figures.FIGURES, 2, stopped)
    code, _, err = run(capsys, ["reproduce", "--figure", "2", "-o", str(tmp_path / "figs"), "--quick"])
    assert code == 130 and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_reproduce_all_makes_every_figure_the_validation_and_an_index_the_same_bytes_twice(capsys, tmp_path):
    """``--all``: every figure, the validation table and the index page in one process; a second run, its
    Monte Carlo tasks on two worker processes, gives the same bytes in every file (the PDFs carry no date) but
    the index's run times."""
    import json

    from mcgen.plots.figures import FIGURES

    runs = []
    for name, workers in (("a", "1"), ("b", "2")):
        code, out, err = run(capsys, ["reproduce", "--all", "--quick", "-n", "1500", "-o", str(tmp_path / name), "--json",
                                      "--workers", workers])
        assert code == 0, err
        runs.append(json.loads(out))
    first, second = (tmp_path / "a"), (tmp_path / "b")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert names == sorted([f"figure{k}{s}" for k in FIGURES for s in (".png", ".pdf", ".json")]
                           + ["index.md", "validation.json", "validation.txt"])
    differ = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differ == ["index.md"]
    index = [(d / "index.md").read_text().split("## Run time")[0] for d in (first, second)]
    assert index[0] == index[1] and all(f"](figure{k}.png)" in index[0] for k in FIGURES)
    assert set(runs[0]["seconds"]) == {f"figure{k}" for k in FIGURES} | {"validation"}
    assert "Fig. 4" in (first / "validation.txt").read_text() and json.loads((first / "validation.json").read_text())["rows"]
    assert "drawing (waited for)" in runs[1]["seconds"]  # with workers the figures are drawn there
    code, _, err = run(capsys, ["reproduce", "--all", "--quick", "-o", str(first)])
    assert code == 2 and "exists" in err and err.count("\n") == 1
    for name in ("index.md", "validation.txt", "validation.json"):
        (first / name).unlink()
    before = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    code, _, err = run(capsys, ["reproduce", "--all", "--quick", "-o", str(first)])  # a figure's files: refused at once
    assert code == 2 and "figure1.png" in err and err.count("\n") == 1
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == before


def test_reproduce_all_refuses_bad_inputs_before_any_worker_starts(tmp_path, monkeypatch):
    """The library's ``reproduce_all`` with a bad beam treatment or statistics and two workers: one
    InputError, and no pool was started for it (the CLI's own checks come earlier still)."""
    from mcgen.analysis import scan
    from mcgen.errors import InputError
    from mcgen.plots.paper import reproduce_all

    started = []
    monkeypatch.setattr(scan, "executor", lambda *a, **k: started.append(a))
    for bad in ({"beams": "nominal"}, {"n": 0}):
        with pytest.raises(InputError):
            reproduce_all(tmp_path / "x", quick=True, workers=2, **bad)
    assert started == [] and not (tmp_path / "x").exists()
