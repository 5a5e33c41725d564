"""The source paper's figures from scratch (``mcgen reproduce --figure N -o DIR``).

Each figure is written as DIR/figureN.png and .pdf, with the JSON of its curves beside them.
Figures 1-8 are the paper's; 9 (the photon decay laws) and 10 (CEPC, FCC-ee and ILC side by side)
are mcgen's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.analysis.limits import limits_table, parse_masses, signal_function, signal_sample
from mcgen.analysis.scan import build_tasks, run_scan
from mcgen.config.cards import CEPC_CARDS, LEP_CARDS, PROGRAMMES, Card
from mcgen.config.cards import load_card as _load_card
from mcgen.config.criteria import criterion
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError
from mcgen.io import atomic_output
from mcgen.io.output import check_output_folder, check_output_path, make_output_folder
from mcgen.physics.model import SCENARIOS, scenario_a, singular_a, structure_from_a
from mcgen.plots.limits import COLOURS, FLAVOUR_TEX, HATCHES, _bands, pyplot

BEAM_TREATMENTS: dict[str, tuple[str, ...]] = {
    "cards": (),  # each card's own [beam]: ISR, spread and polarisation as the card sets them
    "paper": ("beam.isr=false", "beam.energy_spread=0", "beam.polarisation_electron=0", "beam.polarisation_positron=0"),
}
"""``mcgen reproduce --beams``: the source paper's beams (no ISR, no spread, unpolarised) or the cards'."""


@dataclasses.dataclass(frozen=True)
class FigureRun:
    """What a figure is drawn with: the output folder, the Monte Carlo statistics and seed, the
    physics options, whether existing files are replaced, coarse grids (``quick``) and the beam
    treatment (a key of :data:`BEAM_TREATMENTS`) every card is read with."""

    out_dir: Path
    n: int
    seed: int
    options: PhysicsOptions
    force: bool = False
    quick: bool = False
    beams: str = "cards"

    def card(self, name: str) -> Card:
        """A shipped card with the run's beam treatment."""
        return _load_card(name, BEAM_TREATMENTS[self.beams])

    def write(self, fig, name: str, curves: dict[str, Any]) -> list[str]:
        """The figure as NAME.png and .pdf with its curves (and the beam treatment) as NAME.json."""
        treatment = {"beams": self.beams, "beam_overrides": list(BEAM_TREATMENTS[self.beams])}
        return _write(fig, self.out_dir, name, curves | treatment, self.force)


FIGURES: dict[int, Callable[[FigureRun], list[str]]] = {}
"""The figures by number (:func:`figure` registers them)."""
TITLES: dict[int, str] = {}
"""What ``mcgen reproduce --help`` lists, one line per figure."""


def figure(number: int, title: str) -> Callable[[Callable[[FigureRun], list[str]]], Callable[[FigureRun], list[str]]]:
    """Register a figure function under its number and title."""
    def register(draw: Callable[[FigureRun], list[str]]) -> Callable[[FigureRun], list[str]]:
        FIGURES[number], TITLES[number] = draw, title
        return draw

    return register

__all__ = ["FIGURES", "TITLES", "FigureRun", "figure", "reproduce", "BEAM_TREATMENTS"]

LABELS = {
    "lep1_opal": "OPAL monophoton (LEP1)",
    "lep2_delphi": "DELPHI monophoton (LEP2)",
    "lep1_l3_zgamma": r"L3 $Z\to\gamma$ + inv.",
    "lep1_zinv": r"$\Gamma_Z^{inv}$",
}


DPI = 150
LEGEND_SIZE = 18
TITLE_SIZE = 20
"""Font sizes (pt) of legends and titles: the figures are read at about a third of their pixel width
(a docs page, a slide), beside mplhep's ROOT-style axis labels of about 26 pt."""
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
"""Curves that may lie on top of each other (figure 1's masses at Br = 1) differ in dash as well as colour."""
CONSTRAINT_COLOURS = ("#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
                      "#1a1a80")
"""Figure 8's existing constraints, one each in the order of mcgen.analysis.constraints (none is
the LEP band's blue or the CEPC reach's black)."""


def _write(fig, out_dir: Path, name: str, curves: dict[str, Any], force: bool) -> list[str]:
    from PIL import Image  # matplotlib's own PNG writer

    make_output_folder(out_dir)  # only now: a run stopped while it computes leaves no empty folder
    paths = [check_output_path(out_dir / f"{name}{suffix}", force) for suffix in (".png", ".pdf", ".json")]
    fig.set_dpi(DPI)
    fig.canvas.draw()  # once: the constrained layout, kept for the PDF, and the PNG's pixels
    fig.set_layout_engine("none")
    # one set: the three files are written unnamed and linked into place together at the end, so a
    # killed run leaves none of them (not a PNG without its JSON)
    with contextlib.ExitStack() as stack:
        png, pdf, data = (stack.enter_context(atomic_output(p, force)) for p in paths)
        # the pixels drawn above (savefig would draw them again)
        Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0,
                         1).save(png, format="png", dpi=(DPI, DPI))
        # every figure has the constrained layout: all lies inside it; no creation date: the same bytes every run
        fig.savefig(pdf, format="pdf", dpi=DPI, metadata={"CreationDate": None})
        data.write_text(json.dumps(curves, indent=1))
    return [str(p) for p in paths]


_SCANS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}


def _scenario_scan(run: FigureRun, names: tuple[str, ...], masses: list[float],
                   background_events: int = 20_000) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The limit rows of figures 3, 7 and 8 (flavours e, mu, tau; the four scenarios) and each card's
    background, computed once per process for the same cards, beams, grid, options, statistics and
    seed: figure 8 draws the rows of figures 3 (LEP) and 7 (CEPC)."""
    options, n, seed = run.options, run.n, run.seed
    key = json.dumps([run.beams, names, masses, options.as_dict(), n, seed, background_events])
    if key not in _SCANS:
        cards = [run.card(c) for c in names]
        ew = cards[0].electroweak
        structures = {s: structure_from_a(scenario_a(s, ew), ew) for s in SCENARIOS}
        tasks = build_tasks(cards, masses, ["e", "mu", "tau"], structures, options, n, seed, background_events)
        if len(_SCANS) >= 8:  # a few figure sets' worth
            _SCANS.clear()
        _SCANS[key] = run_scan(tasks, None), {t.card.name: t.background_pb for t in tasks}
    return _SCANS[key]


def _scenario_grid(plt, rows: list[dict[str, Any]], masses: list[float], cards: tuple[str, ...],
                   labels: dict[str, str], fill: bool, ncol: int):
    """Four panels (scenarios I-IV) of excluded d_gamma vs m_N: one colour per card, d_e solid,
    d_mu,tau dotted; the d_e regions hatched when ``fill`` (hatches overlap legibly, translucent fills do not)."""
    fig, axes = plt.subplots(2, 2, figsize=(14, 11), sharex=True, sharey=True, layout="constrained")
    values = [x for r in rows for iv in r["excluded"] for x in iv if x]
    top = 1.0
    # the y range follows the curves: a decade above the highest edge drawn (1, where a region is open-ended)
    highest = max([x for r in rows for iv in r["excluded"] for x in iv[:1] if x]
                  + [iv[1] for r in rows for iv in r["excluded"] if iv[1] is not None], default=top)
    for ax, scenario in zip(axes.flat, SCENARIOS):
        for colour, hatch, card in zip(COLOURS, HATCHES, cards):
            for flavour, style, flabel in (("e", "-", "e"), ("mu", ":", r"\mu,\tau")):
                sel = [r for r in rows if r["card"] == card and r["flavor"] == flavour and r["structure"] == scenario]
                for k, (lo, hi) in enumerate(_bands(masses, [r["excluded"] for r in sel], top)):
                    if fill and flavour == "e":
                        ax.fill_between(masses, lo, hi, facecolor="none", edgecolor=colour, hatch=hatch, lw=0,
                                        alpha=0.4)  # light: the limit curves stay in front
                    label = f"{labels[card]}, $d_{{{flabel}}}$" if k == 0 and scenario == "I" else None
                    ax.plot(masses, lo, color=colour, ls=style, label=label)
                    ax.plot(masses, np.where(hi < top, hi, np.nan), color=colour, ls=style)
        ax.set(xscale="log", yscale="log")
        ax.set_title(f"scenario {scenario}", fontsize=TITLE_SIZE)
        if values:
            ax.set_ylim(min(values) / 3, min(top, 10 * highest))
    for ax in axes[1]:
        ax.set_xlabel(r"$m_N$ [GeV]")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    fig.legend(loc="outside lower center", ncol=ncol, fontsize=LEGEND_SIZE, frameon=False,
               title=r"solid: $d_e$; dotted: $d_{\mu,\tau}$, under the solid line where the two coincide",
               title_fontsize=LEGEND_SIZE)
    return fig


@figure(3, "LEP limits")
def figure3(run: FigureRun) -> list[str]:
    """LEP 95% CL limits on d_gamma vs m_N in the four scenarios; d_e solid, d_mu,tau dotted."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    ew = run.card(LEP_CARDS[0]).electroweak
    masses = parse_masses("0.001:90:12" if quick else "0.001:90:60", log=True)
    rows = _scenario_scan(run, LEP_CARDS, masses)[0]
    plt = pyplot()
    fig = _scenario_grid(plt, rows, masses, LEP_CARDS, LABELS, fill=True, ncol=2)
    fig.suptitle("LEP: 95% CL excluded", fontsize=TITLE_SIZE)
    curves = {"figure": 3, "masses": masses, "rows": rows, "options": options.as_dict(), "n_events_per_task": n,
              "seed": seed, "electroweak": ew.as_dict()}
    paths = run.write(fig, "figure3", curves)
    plt.close(fig)
    return paths


def _a_grid(ew, quick: bool) -> np.ndarray:
    a = np.linspace(-10.0, 10.0, 81 if quick else 801)
    return a[np.abs(a - singular_a(ew)) > 1e-3]


def _rates_vs_a(run: FigureRun, card_name: str, mass: float, d_gamma: float, flavours: tuple[str, ...],
                seed: int) -> dict[str, Any]:
    n, options, quick = run.n, run.options, run.quick
    card = run.card(card_name)
    ew = card.electroweak
    grid = _a_grid(ew, quick)
    out: dict[str, Any] = {"a": grid.tolist(), "card": card_name, "mass": mass, "d_gamma": d_gamma}
    background = None
    if criterion(card.limit.criterion).background:  # the CEPC threshold sqrt(2.71 B / L) needs the SM background
        from mcgen.analysis.limits import visible_background_pb

        background = visible_background_pb(card, 5_000 if quick else 50_000, seed)
        out["background_pb"] = background
    for i, flavour in enumerate(flavours):
        sample = signal_sample(card, mass, flavour, options, n, seed + i, background)
        rates, threshold = [], None
        for a in grid:
            f, threshold = signal_function(sample, structure_from_a(float(a), ew))
            rates.append(float(f(np.array([d_gamma]))[0]))
        out[flavour] = rates
        out["limit"] = threshold
    return out


def _panel(ax, data: dict[str, Any], ylabel: str, limit_label: str, extra_lines=()) -> None:
    for flavour, style, colour in (("e", "-", COLOURS[0]), ("mu", "--", COLOURS[1])):
        if flavour in data:
            label = r"$\nu_e$" if flavour == "e" else r"$\nu_{\mu,\tau}$"
            ax.plot(data["a"], data[flavour], ls=style, color=colour, label=label)
    ax.axhline(data["limit"], color=COLOURS[2], label=limit_label)
    for value, label in extra_lines:
        ax.axhline(value, color=COLOURS[3], ls=":", label=label)
    ax.set(yscale="log", xlabel=r"$a = d_W / d_B$", ylabel=ylabel)
    # below the panel: the curves span the whole width, and their resonance reaches the top
    ax.legend(fontsize=LEGEND_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)


@figure(4, "rates vs a at the Z pole with the OPAL, L3 and CEPC Z limits")
def figure4(run: FigureRun) -> list[str]:
    """sqrt(s) = M_Z, m_N = 10 GeV, d_gamma = 1e-7: the visible rate vs a with the OPAL and the CEPC
    Z-mode limits, and Br(Z -> gamma + inv) vs a with the L3 limit."""
    n, seed, options = run.n, run.seed, run.options
    opal = _rates_vs_a(run, "lep1_opal", 10.0, 1e-7, ("e", "mu"), seed)
    cepc = _rates_vs_a(run, "cepc_z", 10.0, 1e-7, ("e", "mu"), seed + 20)
    l3 = _rates_vs_a(run, "lep1_l3_zgamma", 10.0, 1e-7, ("mu",), seed + 10)
    plt = pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(22, 8), layout="constrained")
    _panel(left, opal, r"$\sigma\,Br\,\epsilon\,P_{dec}$ [pb], OPAL cuts", "OPAL 95% CL")
    _panel(middle, cepc, r"$\sigma\,Br\,\epsilon\,P_{dec}$ [pb], CEPC Z cuts", r"CEPC Z expected, 100 ab$^{-1}$, $S^2/B$ = 2.71")
    _panel(right, l3, r"$Br(Z\to\gamma$ + inv.)", "L3 95% CL", [(1e-7, r"future $10^{-7}$")])
    fig.suptitle(r"√s = $M_Z$, $m_N$ = 10 GeV, $d_\gamma = 10^{-7}$ GeV$^{-1}$", fontsize=TITLE_SIZE)
    paths = run.write(fig, "figure4", {"figure": 4, "opal": opal, "cepc_z": cepc, "l3": l3,
                                       "options": options.as_dict(), "n_events": n, "seed": seed})
    plt.close(fig)
    return paths


@figure(5, "monophoton rates vs a at LEP2 and CEPC H")
def figure5(run: FigureRun) -> list[str]:
    """m_N = 100 GeV, d_gamma = 1e-5: the monophoton rate vs a for nu_e and nu_mu,tau with the
    limit, at LEP2 (DELPHI, 205.4 GeV) and in the CEPC H mode (240 GeV, 20 ab^-1)."""
    n, seed, options = run.n, run.seed, run.options
    delphi = _rates_vs_a(run, "lep2_delphi", 100.0, 1e-5, ("e", "mu"), seed)
    cepc = _rates_vs_a(run, "cepc_h", 100.0, 1e-5, ("e", "mu"), seed + 20)
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 8), layout="constrained")
    _panel(left, delphi, r"$\sigma\,Br\,\epsilon\,P_{dec}$ [pb]", "DELPHI 95% CL")
    left.set_title("LEP2 205.4 GeV (DELPHI cuts)", fontsize=TITLE_SIZE)
    _panel(right, cepc, r"$\sigma\,Br\,\epsilon\,P_{dec}$ [pb]", r"CEPC H expected, 20 ab$^{-1}$, $S^2/B$ = 2.71")
    right.set_title("CEPC H mode 240 GeV", fontsize=TITLE_SIZE)
    fig.suptitle(r"$m_N$ = 100 GeV, $d_\gamma = 10^{-5}$ GeV$^{-1}$", fontsize=TITLE_SIZE)
    paths = run.write(fig, "figure5", {"figure": 5, "delphi": delphi, "cepc_h": cepc, "options": options.as_dict(),
                                       "n_events": n, "seed": seed})
    plt.close(fig)
    return paths


@figure(8, "summary over the existing constraints")
def figure8(run: FigureRun) -> list[str]:
    """Summary per flavour (rows) and scenario (columns): the union of the LEP exclusions, the CEPC
    expected reach (the lowest of the four running modes, S^2/B = 2.71) and the existing
    constraints of the HNLimits data (95% CL; conversions in mcgen.analysis.constraints)."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    from mcgen.analysis.constraints import constraint_labels, load_constraints
    from mcgen.analysis.limits import union_intervals

    ew = run.card(LEP_CARDS[0]).electroweak
    masses = parse_masses("0.001:90:12" if quick else "0.001:90:60", log=True)
    cepc_masses = _cepc_masses(quick)
    flavours = ("e", "mu", "tau")
    rows = _scenario_scan(run, LEP_CARDS, masses)[0]  # figure 3's
    cepc_rows = _scenario_scan(run, CEPC_CARDS, cepc_masses, 5_000 if quick else 50_000)[0]  # figure 7's
    plt = pyplot()
    fig, axes = plt.subplots(3, 4, figsize=(20, 14), sharex=True, sharey=True, layout="constrained")
    top = 1.0
    curves: dict[str, Any] = {"figure": 8, "masses": masses, "lep": {}, "cepc_masses": cepc_masses, "cepc_reach": {},
                              "existing": {}, "options": options.as_dict(), "n_events_per_task": n, "seed": seed,
                              "electroweak": ew.as_dict()}
    colour_of = dict(zip(constraint_labels(), CONSTRAINT_COLOURS))  # one colour per constraint in every panel
    legend: dict[str, Any] = {}
    for r, flavour in enumerate(flavours):
        existing = load_constraints(flavour)
        curves["existing"][flavour] = [
            {"label": c.label, "source": c.source, "conversion": c.conversion, "confidence": c.confidence,
             "mass_GeV": c.mass_GeV.tolist(), "d_gamma_95": c.d_gamma_95.tolist()} for c in existing
        ]
        for col, scenario in enumerate(SCENARIOS):
            ax = axes[r, col]
            union = []
            for m in masses:
                ivs = [iv for row in rows if row["flavor"] == flavour and row["structure"] == scenario
                       and row["mass"] == m for iv in row["excluded"]]
                union.append(union_intervals(ivs))
            curves["lep"][f"{flavour} {scenario}"] = union
            for lo, hi in _bands(masses, union, top):
                legend.setdefault("LEP, excluded at 95% CL (mcgen)", ax.fill_between(masses, lo, hi, color=COLOURS[0], alpha=0.35, lw=0))
            reach = []
            for m in cepc_masses:
                edges = [row["d_gamma_95"] for row in cepc_rows if row["flavor"] == flavour
                         and row["structure"] == scenario and row["mass"] == m and row["d_gamma_95"] is not None]
                reach.append(min(edges) if edges else None)
            curves["cepc_reach"][f"{flavour} {scenario}"] = reach
            (line,) = ax.plot(cepc_masses, [np.nan if x is None else x for x in reach], color="black", ls="--", lw=2)
            legend.setdefault("CEPC, expected 95% CL reach (mcgen)", line)
            for c in existing:
                (line,) = ax.plot(c.mass_GeV, c.d_gamma_95, color=colour_of[c.label], lw=1.8)
                legend.setdefault(c.legend, line)
            ax.set(xscale="log", yscale="log", xlim=(1e-3, 2e3), ylim=(1e-10, top))
            ax.set_title(f"$d_{{{FLAVOUR_TEX[flavour]}}}$, scenario {scenario}", fontsize=TITLE_SIZE)
        axes[r, 0].set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    for ax in axes[2]:
        ax.set_xlabel(r"$m_N$ [GeV]")
    fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=4, fontsize=LEGEND_SIZE, frameon=True)
    fig.suptitle("LEP limits and CEPC reach (mcgen) over the existing constraints (HNLimits data; each at the "
                 "confidence level in the legend)", fontsize=18)
    paths = run.write(fig, "figure8", curves)
    plt.close(fig)
    return paths




def _cepc_masses(quick: bool) -> list[float]:
    """The m_N grid of the CEPC limits (figures 7 and 8)."""
    return parse_masses("0.001:350:10" if quick else "0.001:350:50", log=True)


def _pt_spectrum(card, n: int, seed: int, edges: np.ndarray) -> list[float]:
    from mcgen.mc.background import background_cross_section

    return background_cross_section(card, n, seed, pt_edges=edges)["pt_spectrum_pb"]


@figure(6, "photon pT, SM background vs signal")
def figure6(run: FigureRun) -> list[str]:
    """Normalised photon pT after the basic cuts (the card's selection without its pT cut):
    SM background and signal, m_N = 1 and 90 GeV in the Z mode, 1 and 230 GeV in the H mode."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    import dataclasses
    import functools

    from mcgen.analysis.background import cached
    from mcgen.mc.driver import generate
    from mcgen.physics.model import make_model

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
    curves: dict[str, Any] = {"figure": 6, "options": options.as_dict(), "n_events": n, "seed": seed}
    for ax, (card_name, masses) in zip(axes, (("cepc_z", (1.0, 90.0)), ("cepc_h", (1.0, 230.0)))):
        full = run.card(card_name)
        card = dataclasses.replace(full, selection=dataclasses.replace(full.selection, pt_min=None))
        edges = np.linspace(0.0, card.sqrt_s / 2, 41)
        centres = 0.5 * (edges[1:] + edges[:-1])
        n_bkg = 5_000 if quick else 100_000
        bkg = np.asarray(cached(card, n_bkg, seed, f"pt spectrum {edges.tolist()}",
                                functools.partial(_pt_spectrum, card, n_bkg, seed, edges))[0])
        panel = {"pt_edges_GeV": edges.tolist(), "background": (bkg / bkg.sum()).tolist() if bkg.sum() > 0 else None}
        ax.step(centres, bkg / bkg.sum(), where="mid", color="black", label=r"SM $\nu\bar\nu\gamma$")
        for colour, mass in zip(COLOURS, masses):
            model = make_model(mass, "e", card.electroweak, d_gamma=1e-6, scenario="I")
            cols = generate(card, model, n, seed, options).columns
            sel = cols["truth_pass"]
            hist, _ = np.histogram(cols["gamma_pt"][sel], bins=edges)
            shape = hist / max(hist.sum(), 1)
            panel[f"signal_m{mass:g}"] = shape.tolist()
            ax.step(centres, shape, where="mid", color=colour, label=f"$m_N$ = {mass:g} GeV (scenario I, $\\nu_e$)")
        ax.axvline(full.selection.pt_min, color="grey", ls=":", lw=1)
        # two decades below the spectra hold the legend, crossed only by the histograms' edges
        ax.set(xlabel=r"photon $p_T$ [GeV]", ylabel="normalised", yscale="log", ylim=(1e-6, 1))
        ax.set_title(f"{card_name} ({card.sqrt_s:g} GeV), basic cuts", fontsize=TITLE_SIZE)
        ax.legend(fontsize=LEGEND_SIZE, loc="lower center")
        curves[card_name] = panel
    paths = run.write(fig, "figure6", curves)
    plt.close(fig)
    return paths


@figure(7, "CEPC expected limits")
def figure7(run: FigureRun) -> list[str]:
    """CEPC expected 95% CL limits (S^2/B = 2.71, the cards' default) vs m_N in the four scenarios
    and four running modes; d_e solid, d_mu,tau dotted."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    ew = run.card(CEPC_CARDS[0]).electroweak
    masses = _cepc_masses(quick)
    rows, backgrounds = _scenario_scan(run, CEPC_CARDS, masses, 5_000 if quick else 50_000)
    plt = pyplot()
    fig = _scenario_grid(plt, rows, masses, CEPC_CARDS, {c: c for c in CEPC_CARDS}, fill=False, ncol=4)
    fig.suptitle(r"CEPC: expected 95% CL sensitivity ($S^2/B$ = 2.71)", fontsize=TITLE_SIZE)
    curves = {"figure": 7, "masses": masses, "rows": rows, "background_pb": backgrounds, "options": options.as_dict(),
              "n_events_per_task": n, "seed": seed, "electroweak": ew.as_dict()}
    paths = run.write(fig, "figure7", curves)
    plt.close(fig)
    return paths


@figure(1, "Br(N -> nu gamma) vs a and vs m_N")
def figure1(run: FigureRun) -> list[str]:
    """Br(N -> nu gamma) vs a at fixed masses (the valley at a = -2 cot(theta_w), where the
    three-body decays take over) and vs m_N for the four scenarios. Flavour e."""
    options, quick = run.options, run.quick
    from mcgen.physics.model import Model, widths

    ew = run.card("lep1_opal").electroweak
    a0 = singular_a(ew)
    near = np.geomspace(1e-6, 1.0, 40)  # resolve the valley on both sides of the singular point
    a_grid = np.unique(np.concatenate([np.linspace(-10, 10, 201 if quick else 2001), a0 - near, a0 + near]))
    a_grid = a_grid[np.abs(a_grid - a0) > 1e-9]
    masses_a = (1.0, 10.0, 50.0, 100.0, 200.0)
    masses = np.geomspace(1e-2, 1e3, 60 if quick else 300)

    def br(mass: float, a: float) -> float:
        model = Model(mass, structure_from_a(a, ew).scaled(1e-6), "e", a)
        return widths(model, ew, options.three_body).br_nu_gamma

    vs_a = {str(m): [br(m, float(a)) for a in a_grid] for m in masses_a}
    vs_m = {s: [br(float(m), scenario_a(s, ew)) for m in masses] for s in SCENARIOS}
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
    for colour, line, m in zip(COLOURS, LINE_STYLES, masses_a):
        left.plot(a_grid, vs_a[str(m)], color=colour, ls=line, lw=2.5, label=f"$m_N$ = {m:g} GeV")
    left.axvline(a0, color="grey", ls=":", lw=1)
    left.set(yscale="log", xlabel=r"$a = d_W / d_B$", ylabel=r"Br($N\to\nu\gamma$)", ylim=(1e-6, 2))
    left.legend(fontsize=LEGEND_SIZE, loc="lower right")
    for colour, s_name in zip(COLOURS, SCENARIOS):
        right.plot(masses, vs_m[s_name], color=colour, label=f"scenario {s_name}")
    lowest = min(min(v) for v in vs_m.values())
    right.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"Br($N\to\nu\gamma$)", ylim=(0.5 * lowest, 2))
    right.legend(fontsize=LEGEND_SIZE, loc="lower left")
    fig.suptitle("two-body and three-body decays" if options.three_body else "two-body decays only", fontsize=TITLE_SIZE)
    curves = {"figure": 1, "a": a_grid.tolist(), "br_vs_a": vs_a, "masses": masses.tolist(), "br_vs_mass": vs_m,
              "singular_a": a0, "flavor": "e", "options": options.as_dict(), "electroweak": ew.as_dict()}
    paths = run.write(fig, "figure1", curves)
    plt.close(fig)
    return paths


@figure(2, "production cross-section pieces vs sqrt(s)")
def figure2(run: FigureRun) -> list[str]:
    """sigma(e+e- -> N nubar_e) vs sqrt(s), 20-500 GeV, per piece (photon, Z, |photon-Z|, W and
    |s-t interference|) for m_N = 0.1 and 100 GeV with d_gamma = d_Z = d_W = 1e-5 GeV^-1 (one charge state)."""
    options, quick = run.options, run.quick
    from mcgen.physics.model import Couplings
    from mcgen.physics.xsec import production_cross_sections

    ew = run.card("lep1_opal").electroweak
    couplings = Couplings(1e-5, 1e-5, 1e-5)
    energies = np.geomspace(20.0, 500.0, 120 if quick else 600)
    pieces = ("gamma", "Z", "gammaZ", "W", "st_interference")
    labels = {"gamma": r"$\gamma$", "Z": "Z", "gammaZ": r"|$\gamma$Z|", "W": "W", "st_interference": "|s-t interference|"}
    curves: dict[str, Any] = {"figure": 2, "sqrt_s": energies.tolist(), "couplings": couplings.as_dict(),
                              "electroweak": ew.as_dict(), "charge_states": 1, "options": options.as_dict()}
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 6.5), sharey=True, layout="constrained")
    for ax, mass in zip(axes, (0.1, 100.0)):
        table: dict[str, list[float]] = {p: [] for p in pieces}
        for rs in energies:
            if rs <= mass:
                for p in pieces:
                    table[p].append(float("nan"))
                continue
            xs = production_cross_sections(float(rs), mass, couplings, "e", ew, charge_states=1,
                                           st_interference=options.st_interference).as_dict()
            for p in pieces:
                table[p].append(abs(xs[p]))
        curves[f"m_{mass:g}"] = {p: [None if math.isnan(v) else v for v in table[p]] for p in pieces}
        for colour, p in zip(COLOURS, pieces):
            ax.plot(energies, table[p], color=colour, label=labels[p], ls="--" if p == "st_interference" else "-")
        ax.set(xscale="log", yscale="log", xlabel="√s [GeV]", title=f"$m_N$ = {mass:g} GeV")
        # a log axis over 20-500 GeV has one decade label: label the energies one reads off instead
        lo_x, hi_x = ax.get_xlim()
        ticks = [t for t in ((20, 50, 91.2, 200, 500) if lo_x < 50 else (120, 150, 200, 300, 500)) if lo_x <= t <= hi_x]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    axes[0].set_ylabel(r"$\sigma(e^+e^-\to N\bar\nu_e)$ [pb]")
    axes[0].set_ylim(1e-9, 1e-1)
    axes[1].legend(fontsize=LEGEND_SIZE)
    paths = run.write(fig, "figure2", curves)
    plt.close(fig)
    return paths


@figure(9, "CEPC Z and H limits and eps_cuts with the three photon decay laws")
def figure9(run: FigureRun) -> list[str]:
    """The photon decay law and the CEPC reach: expected 95% CL limits (S^2/B = 2.71) of the Z and H modes vs
    m_N in scenario I, flavour mu, with the exact spin correlation, the paper's 1 - cos law and an isotropic
    photon; their ratio to the paper law's, and eps_cuts vs m_N. Each law's curves are ``mcgen limits --card
    cepc_z --card cepc_h --scenario I --flavor mu --decay-law LAW`` for the same masses, -n and seed."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    import dataclasses

    from mcgen.analysis.limits import limits_table
    from mcgen.config.options import DECAY_LAWS

    cards = [run.card(c) for c in ("cepc_z", "cepc_h")]
    ew = cards[0].electroweak
    masses = parse_masses("1:80:4" if quick else "0.01:230:30", log=True)
    structure = structure_from_a(scenario_a("I", ew), ew)
    background_events = 5_000 if quick else 50_000
    info = {"scenario": "I", "a": 0.0, "flavor": "mu", "d_Z_over_d_gamma": structure.d_Z, "d_W_over_d_gamma": structure.d_W}
    laws: dict[str, Any] = {}
    for law in DECAY_LAWS:
        result = limits_table(cards, masses, [structure, structure], "mu", dataclasses.replace(options, decay_law=law), n, seed,
                              background_events, structure_info=info)
        laws[law] = {card: {k: res[k] for k in ("d_gamma_95", "excluded", "eps_cuts")} for card, res in result["by_card"].items()}
        laws[law]["options"] = result["options"]
        backgrounds = {card: res["background_pb"] for card, res in result["by_card"].items()}

    def ratio(card: str, law: str) -> list[float | None]:
        return [None if a is None or b is None else a / b
                for a, b in zip(laws[law][card]["d_gamma_95"], laws["paper"][card]["d_gamma_95"])]

    ratios = {card.name: {law: ratio(card.name, law) for law in DECAY_LAWS} for card in cards}
    plt = pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(22, 6.5), layout="constrained")
    styles = {"cepc_z": "-", "cepc_h": "--"}
    names = {"cepc_z": "Z mode", "cepc_h": "H mode"}
    for colour, law in zip(COLOURS, DECAY_LAWS):
        for card in styles:
            label = f"{names[card]}, {law}"
            left.plot(masses, [np.nan if x is None else x for x in laws[law][card]["d_gamma_95"]], color=colour,
                      ls=styles[card], label=label)
            middle.plot(masses, [np.nan if x is None else x for x in ratios[card][law]], color=colour, ls=styles[card],
                        label=label)
            right.plot(masses, [np.nan if x is None else x for x in laws[law][card]["eps_cuts"]], color=colour,
                       ls=styles[card], label=label)
    left.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"expected 95% CL $d_\gamma$ [GeV$^{-1}$]")
    middle.set(xscale="log", xlabel=r"$m_N$ [GeV]", ylabel="limit / limit with the paper law")
    right.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$\epsilon_{cuts}$")
    for ax in (left, middle, right):
        ax.legend(fontsize=LEGEND_SIZE, loc="best")
    fig.suptitle(r"CEPC Z (100 ab$^{-1}$) and H (20 ab$^{-1}$) modes, scenario I, $d_\mu$: photon decay law "
                 "(exact spin correlation, paper 1 - cos, isotropic)", fontsize=TITLE_SIZE)
    curves = {"figure": 9, "masses": masses, "cards": [c.name for c in cards], "structure": info, "laws": laws,
              "ratio_to_paper_law": ratios, "background_pb": backgrounds, "background_events": background_events,
              "options": options.as_dict(), "decay_laws": list(DECAY_LAWS), "n_events_per_mass": n, "seed": seed,
              "electroweak": ew.as_dict()}
    paths = run.write(fig, "figure9", curves)
    plt.close(fig)
    return paths


COLLIDERS = PROGRAMMES


@figure(10, "CEPC, FCC-ee and ILC expected reach side by side (scenario II)")
def figure10(run: FigureRun, scenario: str = "II") -> list[str]:
    """CEPC, FCC-ee and ILC side by side: the expected 95% CL reach (S^2/B = 2.71, each card's
    own cuts, luminosity, beams and coupling scheme) in one scenario, d_e and d_mu,tau; per collider
    the best of its cards (each card's runs combined: the FCC-ee energy points, the ILC helicity
    configurations), and each card thin beneath. Figure 11 combines every run of a collider."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    cards = [run.card(c) for cards in COLLIDERS.values() for c in cards]
    masses = parse_masses("0.001:490:10" if quick else "0.001:490:40", log=True)
    ew = run.card("cepc_h").electroweak
    structures = {scenario: structure_from_a(scenario_a(scenario, ew), ew)}
    tasks = build_tasks(cards, masses, ["e", "mu"], structures, options, n, seed, 5_000 if quick else 50_000)
    rows = run_scan(tasks, None)
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 7), sharey=True, layout="constrained")
    curves: dict[str, Any] = {"figure": 10, "scenario": scenario, "masses": masses, "colliders": COLLIDERS, "rows": rows,
                              "background_pb": {t.card.name: t.background_pb for t in tasks}, "options": options.as_dict(),
                              "n_events_per_task": n, "seed": seed, "best": {}}
    for ax, flavour in zip(axes, ("e", "mu")):
        for colour, (collider, names) in zip(COLOURS, COLLIDERS.items()):
            per_card: dict[str, list[float | None]] = {
                name: [next((r["d_gamma_95"] for r in rows if r["card"] == name and r["flavor"] == flavour and r["mass"] == m),
                            None) for m in masses] for name in names}
            for values in per_card.values():
                ax.plot(masses, [np.nan if v is None else v for v in values], color=colour, lw=0.6, alpha=0.5)
            best: list[float | None] = []
            for i in range(len(masses)):
                reached = [x for x in (v[i] for v in per_card.values()) if x is not None]
                best.append(min(reached) if reached else None)
            curves["best"][f"{collider} {flavour}"] = best
            ax.plot(masses, [np.nan if v is None else v for v in best], color=colour, lw=2.2, label=f"{collider} (expected)")
        ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]")
        tex = "e" if flavour == "e" else r"\mu,\tau"
        ax.set_title(f"$d_{{{tex}}}$, scenario {scenario}", fontsize=TITLE_SIZE)
        ax.legend(fontsize=LEGEND_SIZE, loc="upper left")
    axes[0].set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    fig.suptitle(r"Expected 95% CL reach ($S^2/B$ = 2.71): CEPC, FCC-ee, ILC; thin: each card, its runs combined",
                 fontsize=TITLE_SIZE)
    paths = run.write(fig, "figure10", curves)
    plt.close(fig)
    return paths


@figure(11, "combined reach per collider programme, Dirac and Majorana N (scenario II)")
def figure11(run: FigureRun, scenario: str = "II", flavour: str = "mu") -> list[str]:
    """The expected 95% CL reach of each collider programme with every run of its cards combined
    (``mcgen limits --combine``: S^2/B summed over the runs), for a Dirac and a Majorana N, in one
    scenario for d_mu."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    masses = parse_masses("0.01:490:6" if quick else "0.01:490:16", log=True)
    background_events = 5_000 if quick else 20_000
    curves: dict[str, Any] = {"figure": 11, "scenario": scenario, "flavor": flavour, "masses": masses, "colliders": COLLIDERS,
                              "options": options.as_dict(), "n_events_per_mass": n, "seed": seed,
                              "background_events": background_events, "limits": {}}
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(13, 7), layout="constrained")
    for colour, marker, (collider, names) in zip(COLOURS, ("o", "s", "^"), COLLIDERS.items()):
        cards = [run.card(c) for c in names]
        structures = [structure_from_a(scenario_a(scenario, c.electroweak), c.electroweak) for c in cards]
        for nature, style in (("dirac", "-"), ("majorana", "--")):
            result = limits_table(cards, masses, structures, flavour, options, n, seed, background_events, nature=nature,
                                  combine=True)
            curves["limits"][f"{collider} {nature}"] = result["d_gamma_95"]
            ax.plot(masses, [np.nan if v is None else v for v in result["d_gamma_95"]], style, color=colour, lw=2.2,
                    marker=marker, markersize=7, markerfacecolor="none" if nature == "majorana" else colour,
                    label=f"{collider}, {nature.capitalize()} N")
    tex = FLAVOUR_TEX.get(flavour, flavour)
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$d_\gamma$ [GeV$^{-1}$]")
    ax.set_title(f"Expected 95% CL reach ($S^2/B$ = 2.71), every run combined; scenario {scenario}, $d_{{{tex}}}$",
                 fontsize=TITLE_SIZE)
    fig.legend(fontsize=LEGEND_SIZE, loc="outside right center")
    paths = run.write(fig, "figure11", curves)
    plt.close(fig)
    return paths


# in the order of their numbers, whatever the order the functions are defined in
_by_number = sorted(FIGURES), dict(FIGURES), dict(TITLES)
FIGURES.clear()
TITLES.clear()
FIGURES.update((k, _by_number[1][k]) for k in _by_number[0])
TITLES.update((k, _by_number[2][k]) for k in _by_number[0])


def reproduce(figure: int, out_dir: str | Path, *, n: int = 20_000, seed: int = 1,
              options: PhysicsOptions = PhysicsOptions(), force: bool = False, quick: bool = False,
              beams: str = "cards") -> list[str]:
    """Draw one of the paper's figures into out_dir; returns the written paths. ``beams``: "cards"
    (each card's own ISR, spread and polarisation) or "paper" (none of them, as the source paper)."""
    if beams not in BEAM_TREATMENTS:
        raise InputError(f"--beams must be one of {', '.join(BEAM_TREATMENTS)}, got {beams!r}")
    if figure not in FIGURES:
        available = ", ".join(str(k) for k in FIGURES)
        raise InputError(f"figure {figure} is not available (available: {available})")
    out = check_output_folder(out_dir)
    if not math.isfinite(n) or n <= 0:
        raise InputError(f"-n must be > 0, got {n}")
    return FIGURES[figure](FigureRun(out, n, seed, options, force, quick, beams))
