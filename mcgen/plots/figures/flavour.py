"""Figure 12: the flavour and tau-charm factories (Belle II, BESIII, STCF) below a few GeV, beside
the Z-pole runs of CEPC and FCC-ee over the same masses."""

from __future__ import annotations

from typing import Any

from mcgen.analysis.limits import parse_masses
from mcgen.analysis.scan import build_tasks, run_scan
from mcgen.config.cards import FLAVOUR_FACTORY_CARDS
from mcgen.physics.model import scenario_a, structure_from_a
from mcgen.plots.figures.drawing import LEGEND_SIZE, TITLE_SIZE, nan_for_none
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.limits import COLOURS, pyplot

__all__ = ["Z_POLE_CARDS", "flavour_factory_reach", "draw_flavour_factory_reach"]

Z_POLE_CARDS: tuple[str, ...] = ("cepc_z", "fccee_z")
"""The high-energy cards figure 12 compares with: the Z-pole runs, the strongest below ~10 GeV."""
LABELS = {"belle2": "Belle II, 50 ab$^{-1}$", "besiii": "BESIII, 3.773 + 4.18 GeV", "stcf": "STCF, 10 ab$^{-1}$",
          "cepc_z": "CEPC Z", "fccee_z": "FCC-ee Z"}


def flavour_factory_reach(run: FigureRun, scenario: str = "I") -> dict[str, Any]:
    """The expected 95% CL reach (S^2/B = 2.71, each card's own cuts, beams, luminosity and runs
    combined) of Belle II, BESIII and STCF for d_e and d_mu,tau in one scenario, with CEPC's and
    FCC-ee's Z-pole runs over the same masses (null above a collider's sqrt(s))."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    names = FLAVOUR_FACTORY_CARDS + Z_POLE_CARDS
    cards = [run.card(c) for c in names]
    masses = parse_masses("0.005:10:8" if quick else "0.005:10:24", log=True)
    ew = run.card("belle2").electroweak
    structures = {scenario: structure_from_a(scenario_a(scenario, ew), ew)}
    tasks = build_tasks(cards, masses, ["e", "mu"], structures, options, n, seed, 5_000 if quick else 50_000, pool=run.pool)
    rows = run_scan(tasks, run.pool)
    limits = {f"{name} {flavour}": [next((r["d_gamma_95"] for r in rows if r["card"] == name and r["flavor"] == flavour
                                         and r["mass"] == m), None) for m in masses]
              for name in names for flavour in ("e", "mu")}
    return {"figure": 12, "scenario": scenario, "masses": masses, "cards": list(names), "limits": limits,
            "background_pb": {t.card.name: t.background_pb for t in tasks}, "options": options.as_dict(),
            "n_events_per_task": n, "seed": seed}


@figure(12, "Belle II, BESIII and STCF beside CEPC and FCC-ee at the Z (scenario I)", curves=flavour_factory_reach)
def draw_flavour_factory_reach(curves: dict[str, Any]):
    """A panel per flavour; a colour per card, the flavour factories solid, the Z-pole runs dashed."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(19, 7), sharey=True, layout="constrained")
    masses = curves["masses"]
    for ax, flavour in zip(axes, ("e", "mu")):
        for colour, name in zip(COLOURS, curves["cards"]):
            ax.plot(masses, nan_for_none(curves["limits"][f"{name} {flavour}"]), "--" if name in Z_POLE_CARDS else "-",
                    color=colour, lw=2.2, label=LABELS.get(name, name))
        ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]")
        tex = "e" if flavour == "e" else r"\mu,\tau"
        ax.set_title(f"$d_{{{tex}}}$, scenario {curves['scenario']}", fontsize=TITLE_SIZE)
    axes[0].set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=LEGEND_SIZE, loc="outside right center")
    fig.suptitle(r"Expected 95% CL reach ($S^2/B$ = 2.71): flavour factories (solid), Z-pole runs (dashed)",
                 fontsize=TITLE_SIZE)
    return fig
