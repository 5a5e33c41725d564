"""Figures 6, 7 and 9: CEPC's photon pT spectra, its expected limits in the four scenarios and four
running modes, and its Z and H mode limits with the three photon decay laws."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from mcgen.analysis.limits import limits_table, parse_masses
from mcgen.config.cards import CEPC_CARDS, load_card
from mcgen.config.options import DECAY_LAWS
from mcgen.mc.driver import generate
from mcgen.physics.model import make_model, scenario_a, structure_from_a
from mcgen.plots.figures.drawing import LEGEND_SIZE, TITLE_SIZE, nan_for_none, scenario_grid
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.figures.scans import cepc_scan
from mcgen.plots.limits import COLOURS, pyplot

__all__ = ["photon_pt_spectra", "draw_photon_pt_spectra", "cepc_limits", "draw_cepc_limits", "decay_law_limits",
           "draw_decay_law_limits"]

PT_PANELS = {"cepc_z": (1.0, 90.0), "cepc_h": (1.0, 230.0)}
"""Figure 6's panels: the card and the signal masses (GeV) drawn over its SM background."""
SIGNAL_KEY = "signal_m"
"""Figure 6's signal spectra are keyed signal_mMASS."""
MODE_STYLES = {"cepc_z": ("-", "Z mode"), "cepc_h": ("--", "H mode")}
"""Figure 9's cards: line style and legend name."""


def _pt_spectrum(card, n: int, seed: int, edges: np.ndarray) -> list[float]:
    from mcgen.mc.background import background_cross_section

    return background_cross_section(card, n, seed, pt_edges=edges)["pt_spectrum_pb"]


def _pt_panel(run: FigureRun, card_name: str, masses: tuple[float, ...]) -> dict[str, Any]:
    """One card's normalised photon pT spectra after its basic cuts (its selection without the pT cut):
    the SM background (null when it has no events) and the signal at each mass."""
    from mcgen.analysis.background import cached

    n, seed, options = run.n, run.seed, run.options
    full = run.card(card_name)
    card = dataclasses.replace(full, selection=dataclasses.replace(full.selection, pt_min=None))
    edges = np.linspace(0.0, card.sqrt_s / 2, 41)
    n_bkg = 5_000 if run.quick else 100_000
    bkg = np.asarray(cached(card, n_bkg, seed, f"pt spectrum {edges.tolist()}",
                            functools.partial(_pt_spectrum, card, n_bkg, seed, edges))[0])
    panel = {"pt_edges_GeV": edges.tolist(), "background": (bkg / bkg.sum()).tolist() if bkg.sum() > 0 else None}
    for mass in masses:
        model = make_model(mass, "e", card.electroweak, d_gamma=1e-6, scenario="I")
        cols = generate(card, model, n, seed, options).columns
        hist, _ = np.histogram(cols["gamma_pt"][cols["truth_pass"]], bins=edges)
        panel[f"{SIGNAL_KEY}{mass:g}"] = (hist / max(hist.sum(), 1)).tolist()
    return panel


def photon_pt_spectra(run: FigureRun) -> dict[str, Any]:
    """Normalised photon pT after the basic cuts (the card's selection without its pT cut):
    SM background and signal, m_N = 1 and 90 GeV in the Z mode, 1 and 230 GeV in the H mode."""
    curves: dict[str, Any] = {"figure": 6, "options": run.options.as_dict(), "n_events": run.n, "seed": run.seed}
    for card_name, masses in PT_PANELS.items():
        curves[card_name] = _pt_panel(run, card_name, masses)
    return curves


@figure(6, "photon pT, SM background vs signal", curves=photon_pt_spectra)
def draw_photon_pt_spectra(curves: dict[str, Any]):
    """One panel per card: the spectra as histograms, the card's pT cut dotted."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
    for ax, card_name in zip(axes, PT_PANELS):
        panel = curves[card_name]
        edges = np.asarray(panel["pt_edges_GeV"])
        centres = 0.5 * (edges[1:] + edges[:-1])
        background = panel["background"] if panel["background"] is not None else np.full(len(centres), np.nan)
        ax.step(centres, background, where="mid", color="black", label=r"SM $\nu\bar\nu\gamma$")
        signals = [(key[len(SIGNAL_KEY):], shape) for key, shape in panel.items() if key.startswith(SIGNAL_KEY)]
        for colour, (mass, shape) in zip(COLOURS, signals):
            ax.step(centres, shape, where="mid", color=colour, label=f"$m_N$ = {mass} GeV (scenario I, $\\nu_e$)")
        # the cut the spectra are drawn without: a constant of the card, not a curve of the JSON
        ax.axvline(load_card(card_name).selection.pt_min, color="grey", ls=":", lw=1)
        # two decades below the spectra hold the legend, crossed only by the histograms' edges
        ax.set(xlabel=r"photon $p_T$ [GeV]", ylabel="normalised", yscale="log", ylim=(1e-6, 1))
        sqrt_s = 2 * edges[-1]  # the edges span 0 to sqrt(s) / 2
        ax.set_title(f"{card_name} ({sqrt_s:g} GeV), basic cuts", fontsize=TITLE_SIZE)
        ax.legend(fontsize=LEGEND_SIZE, loc="lower center")
    return fig


def cepc_limits(run: FigureRun) -> dict[str, Any]:
    """CEPC expected 95% CL limits (S^2/B = 2.71, the cards' default) vs m_N in the four scenarios
    and four running modes (flavours e, mu, tau), with each mode's SM background."""
    scan = cepc_scan(run)
    ew = run.card(CEPC_CARDS[0]).electroweak
    return {"figure": 7, "masses": scan.masses, "rows": scan.rows, "background_pb": scan.background_pb,
            "options": run.options.as_dict(), "n_events_per_task": run.n, "seed": run.seed, "electroweak": ew.as_dict()}


@figure(7, "CEPC expected limits", curves=cepc_limits)
def draw_cepc_limits(curves: dict[str, Any]):
    """The four scenarios' panels, one colour per running mode; d_e solid, d_mu,tau dotted."""
    fig = scenario_grid(curves["rows"], curves["masses"], CEPC_CARDS, {c: c for c in CEPC_CARDS}, fill=False, ncol=4)
    fig.suptitle(r"CEPC: expected 95% CL sensitivity ($S^2/B$ = 2.71)", fontsize=TITLE_SIZE)
    return fig


def decay_law_limits(run: FigureRun) -> dict[str, Any]:
    """The photon decay law and the CEPC reach: expected 95% CL limits (S^2/B = 2.71) of the Z and H modes vs
    m_N in scenario I, flavour mu, with the exact spin correlation, the paper's 1 - cos law and an isotropic
    photon; their ratio to the paper law's, and eps_cuts vs m_N. Each law's curves are ``mcgen limits --card
    cepc_z --card cepc_h --scenario I --flavor mu --decay-law LAW`` for the same masses, -n and seed."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    cards = [run.card(c) for c in MODE_STYLES]
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
    return {"figure": 9, "masses": masses, "cards": [c.name for c in cards], "structure": info, "laws": laws,
            "ratio_to_paper_law": ratios, "background_pb": backgrounds, "background_events": background_events,
            "options": options.as_dict(), "decay_laws": list(DECAY_LAWS), "n_events_per_mass": n, "seed": seed,
            "electroweak": ew.as_dict()}


@figure(9, "CEPC Z and H limits and eps_cuts with the three photon decay laws", curves=decay_law_limits)
def draw_decay_law_limits(curves: dict[str, Any]):
    """The limits, their ratio to the paper law's and eps_cuts side by side: one colour per law, one
    line style per running mode."""
    plt = pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(22, 6.5), layout="constrained")
    masses, laws, ratios = curves["masses"], curves["laws"], curves["ratio_to_paper_law"]
    for colour, law in zip(COLOURS, curves["decay_laws"]):
        for card in curves["cards"]:
            style, mode = MODE_STYLES[card]
            label = f"{mode}, {law}"
            left.plot(masses, nan_for_none(laws[law][card]["d_gamma_95"]), color=colour, ls=style, label=label)
            middle.plot(masses, nan_for_none(ratios[card][law]), color=colour, ls=style, label=label)
            right.plot(masses, nan_for_none(laws[law][card]["eps_cuts"]), color=colour, ls=style, label=label)
    left.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"expected 95% CL $d_\gamma$ [GeV$^{-1}$]")
    middle.set(xscale="log", xlabel=r"$m_N$ [GeV]", ylabel="limit / limit with the paper law")
    right.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$\epsilon_{cuts}$")
    for ax in (left, middle, right):
        ax.legend(fontsize=LEGEND_SIZE, loc="best")
    fig.suptitle(r"CEPC Z (100 ab$^{-1}$) and H (20 ab$^{-1}$) modes, scenario I, $d_\mu$: photon decay law "
                 "(exact spin correlation, paper 1 - cos, isotropic)", fontsize=TITLE_SIZE)
    return fig
