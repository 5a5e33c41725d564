"""Figures 3, 4 and 5: the LEP limits in the four scenarios, and the rates vs a = d_W / d_B that
the LEP (and the CEPC) limits are read against at the Z pole and at higher energies."""

from __future__ import annotations

from typing import Any

import numpy as np

from mcgen.analysis.limits import signal_function, signal_sample, visible_background_pb
from mcgen.config.cards import LEP_CARDS
from mcgen.config.criteria import criterion
from mcgen.physics.model import singular_a, structure_from_a
from mcgen.plots.figures.drawing import LABELS, LEGEND_SIZE, TITLE_SIZE, scenario_grid
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.figures.scans import lep_scan
from mcgen.plots.limits import COLOURS, pyplot

__all__ = ["lep_limits", "draw_lep_limits", "rates_vs_a", "z_pole_rates", "draw_z_pole_rates", "monophoton_rates",
           "draw_monophoton_rates"]

SIGNAL_RATE = r"$\sigma\,Br\,\epsilon\,P_{dec}$ [pb]"
"""The y label of the visible signal rate (cross-section, branching ratio, efficiency, decay probability)."""


def lep_limits(run: FigureRun) -> dict[str, Any]:
    """LEP 95% CL limits on d_gamma vs m_N in the four scenarios (the LEP cards, flavours e, mu, tau)."""
    scan = lep_scan(run)
    ew = run.card(LEP_CARDS[0]).electroweak
    return {"figure": 3, "masses": scan.masses, "rows": scan.rows, "options": run.options.as_dict(),
            "n_events_per_task": run.n, "seed": run.seed, "electroweak": ew.as_dict()}


@figure(3, "LEP limits", curves=lep_limits)
def draw_lep_limits(curves: dict[str, Any]):
    """The four scenarios' panels, one colour per LEP card; d_e solid and hatched, d_mu,tau dotted."""
    fig = scenario_grid(curves["rows"], curves["masses"], LEP_CARDS, LABELS, fill=True, ncol=2)
    fig.suptitle("LEP: 95% CL excluded", fontsize=TITLE_SIZE)
    return fig


def _a_grid(ew, quick: bool) -> np.ndarray:
    a = np.linspace(-10.0, 10.0, 81 if quick else 801)
    return a[np.abs(a - singular_a(ew)) > 1e-3]


def rates_vs_a(run: FigureRun, card_name: str, mass: float, d_gamma: float, flavours: tuple[str, ...],
               seed: int) -> dict[str, Any]:
    """A card's signal (the quantity its criterion compares, at ``d_gamma``) vs a for each flavour, and
    the criterion's threshold (``limit``); with the SM background where the threshold needs it."""
    n, options, quick = run.n, run.options, run.quick
    card = run.card(card_name)
    ew = card.electroweak
    grid = _a_grid(ew, quick)
    out: dict[str, Any] = {"a": grid.tolist(), "card": card_name, "mass": mass, "d_gamma": d_gamma}
    background = None
    if criterion(card.limit.criterion).background:  # the CEPC threshold sqrt(2.71 B / L) needs the SM background
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


def z_pole_rates(run: FigureRun) -> dict[str, Any]:
    """sqrt(s) = M_Z, m_N = 10 GeV, d_gamma = 1e-7: the visible rate vs a with the OPAL and the CEPC
    Z-mode limits, and Br(Z -> gamma + inv) vs a with the L3 limit."""
    n, seed, options = run.n, run.seed, run.options
    opal = rates_vs_a(run, "lep1_opal", 10.0, 1e-7, ("e", "mu"), seed)
    cepc = rates_vs_a(run, "cepc_z", 10.0, 1e-7, ("e", "mu"), seed + 20)
    l3 = rates_vs_a(run, "lep1_l3_zgamma", 10.0, 1e-7, ("mu",), seed + 10)
    return {"figure": 4, "opal": opal, "cepc_z": cepc, "l3": l3, "options": options.as_dict(), "n_events": n, "seed": seed}


@figure(4, "rates vs a at the Z pole with the OPAL, L3 and CEPC Z limits", curves=z_pole_rates)
def draw_z_pole_rates(curves: dict[str, Any]):
    """OPAL, CEPC Z and L3 side by side, each with its limit."""
    plt = pyplot()
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(22, 8), layout="constrained")
    _panel(left, curves["opal"], f"{SIGNAL_RATE}, OPAL cuts", "OPAL 95% CL")
    _panel(middle, curves["cepc_z"], f"{SIGNAL_RATE}, CEPC Z cuts",
           r"CEPC Z expected, 100 ab$^{-1}$, $S^2/B$ = 2.71")
    _panel(right, curves["l3"], r"$Br(Z\to\gamma$ + inv.)", "L3 95% CL", [(1e-7, r"future $10^{-7}$")])
    fig.suptitle(r"√s = $M_Z$, $m_N$ = 10 GeV, $d_\gamma = 10^{-7}$ GeV$^{-1}$", fontsize=TITLE_SIZE)
    return fig


def monophoton_rates(run: FigureRun) -> dict[str, Any]:
    """m_N = 100 GeV, d_gamma = 1e-5: the monophoton rate vs a for nu_e and nu_mu,tau with the
    limit, at LEP2 (DELPHI, 205.4 GeV) and in the CEPC H mode (240 GeV, 20 ab^-1)."""
    n, seed, options = run.n, run.seed, run.options
    delphi = rates_vs_a(run, "lep2_delphi", 100.0, 1e-5, ("e", "mu"), seed)
    cepc = rates_vs_a(run, "cepc_h", 100.0, 1e-5, ("e", "mu"), seed + 20)
    return {"figure": 5, "delphi": delphi, "cepc_h": cepc, "options": options.as_dict(), "n_events": n, "seed": seed}


@figure(5, "monophoton rates vs a at LEP2 and CEPC H", curves=monophoton_rates)
def draw_monophoton_rates(curves: dict[str, Any]):
    """DELPHI and CEPC H side by side, each with its limit."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 8), layout="constrained")
    _panel(left, curves["delphi"], SIGNAL_RATE, "DELPHI 95% CL")
    left.set_title("LEP2 205.4 GeV (DELPHI cuts)", fontsize=TITLE_SIZE)
    _panel(right, curves["cepc_h"], SIGNAL_RATE, r"CEPC H expected, 20 ab$^{-1}$, $S^2/B$ = 2.71")
    right.set_title("CEPC H mode 240 GeV", fontsize=TITLE_SIZE)
    fig.suptitle(r"$m_N$ = 100 GeV, $d_\gamma = 10^{-5}$ GeV$^{-1}$", fontsize=TITLE_SIZE)
    return fig
