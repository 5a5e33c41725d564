"""Figures 10 and 11: the expected reach of the future colliders (CEPC, FCC-ee, ILC) side by side,
card by card and with every run of a programme combined."""

from __future__ import annotations

from typing import Any

from mcgen.analysis.limits import limits_table, parse_masses
from mcgen.analysis.scan import build_tasks, run_scan
from mcgen.config.cards import PROGRAMMES
from mcgen.physics.model import scenario_a, structure_from_a
from mcgen.plots.figures.drawing import LEGEND_SIZE, TITLE_SIZE, nan_for_none
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.limits import COLOURS, FLAVOUR_TEX, pyplot

__all__ = ["collider_reach", "draw_collider_reach", "combined_reach", "draw_combined_reach"]

NATURES = ("dirac", "majorana")
"""Figure 11's natures of N."""
MARKERS = ("o", "s", "^")
"""Figure 11's programmes, one marker each."""


def _per_card(rows: list[dict[str, Any]], names: tuple[str, ...], flavour: str,
              masses: list[float]) -> dict[str, list[float | None]]:
    """Each card's limit per mass (null where it has none), from the scan's rows."""
    return {name: [next((r["d_gamma_95"] for r in rows if r["card"] == name and r["flavor"] == flavour and r["mass"] == m),
                        None) for m in masses] for name in names}


def _best(per_card: dict[str, list[float | None]], size: int) -> list[float | None]:
    """Per mass, the lowest limit of the cards (null where none reaches)."""
    best: list[float | None] = []
    for i in range(size):
        reached = [x for x in (v[i] for v in per_card.values()) if x is not None]
        best.append(min(reached) if reached else None)
    return best


def collider_reach(run: FigureRun, scenario: str = "II") -> dict[str, Any]:
    """CEPC, FCC-ee and ILC side by side: the expected 95% CL reach (S^2/B = 2.71, each card's
    own cuts, luminosity, beams and coupling scheme) in one scenario, d_e and d_mu,tau; per collider
    the best of its cards (each card's runs combined: the FCC-ee energy points, the ILC helicity
    configurations) and each card's own. Figure 11 combines every run of a collider."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    cards = [run.card(c) for cards in PROGRAMMES.values() for c in cards]
    masses = parse_masses("0.001:490:10" if quick else "0.001:490:40", log=True)
    ew = run.card("cepc_h").electroweak
    structures = {scenario: structure_from_a(scenario_a(scenario, ew), ew)}
    tasks = build_tasks(cards, masses, ["e", "mu"], structures, options, n, seed, 5_000 if quick else 50_000, pool=run.pool)
    rows = run_scan(tasks, run.pool)
    best = {f"{collider} {flavour}": _best(_per_card(rows, names, flavour, masses), len(masses))
            for flavour in ("e", "mu") for collider, names in PROGRAMMES.items()}
    return {"figure": 10, "scenario": scenario, "masses": masses, "colliders": PROGRAMMES, "rows": rows,
            "background_pb": {t.card.name: t.background_pb for t in tasks}, "options": options.as_dict(),
            "n_events_per_task": n, "seed": seed, "best": best}


@figure(10, "CEPC, FCC-ee and ILC expected reach side by side (scenario II)", curves=collider_reach)
def draw_collider_reach(curves: dict[str, Any]):
    """A panel per flavour: per collider its best limit thick, each of its cards thin."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 7), sharey=True, layout="constrained")
    masses, scenario = curves["masses"], curves["scenario"]
    for ax, flavour in zip(axes, ("e", "mu")):
        for colour, (collider, names) in zip(COLOURS, curves["colliders"].items()):
            for values in _per_card(curves["rows"], names, flavour, masses).values():
                ax.plot(masses, nan_for_none(values), color=colour, lw=0.6, alpha=0.5)
            ax.plot(masses, nan_for_none(curves["best"][f"{collider} {flavour}"]), color=colour, lw=2.2,
                    label=f"{collider} (expected)")
        ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]")
        tex = "e" if flavour == "e" else r"\mu,\tau"
        ax.set_title(f"$d_{{{tex}}}$, scenario {scenario}", fontsize=TITLE_SIZE)
        ax.legend(fontsize=LEGEND_SIZE, loc="upper left")
    axes[0].set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    fig.suptitle(r"Expected 95% CL reach ($S^2/B$ = 2.71): CEPC, FCC-ee, ILC; thin: each card, its runs combined",
                 fontsize=TITLE_SIZE)
    return fig


def combined_reach(run: FigureRun, scenario: str = "II", flavour: str = "mu") -> dict[str, Any]:
    """The expected 95% CL reach of each collider programme with every run of its cards combined
    (``mcgen limits --combine``: S^2/B summed over the runs), for a Dirac and a Majorana N, in one
    scenario for d_mu."""
    n, seed, options, quick = run.n, run.seed, run.options, run.quick
    masses = parse_masses("0.01:490:6" if quick else "0.01:490:16", log=True)
    background_events = 5_000 if quick else 20_000
    limits: dict[str, Any] = {}
    for collider, names in PROGRAMMES.items():
        cards = [run.card(c) for c in names]
        structures = [structure_from_a(scenario_a(scenario, c.electroweak), c.electroweak) for c in cards]
        for nature in NATURES:
            result = limits_table(cards, masses, structures, flavour, options, n, seed, background_events, nature=nature,
                                  combine=True, pool=run.pool)
            limits[f"{collider} {nature}"] = result["d_gamma_95"]
    return {"figure": 11, "scenario": scenario, "flavor": flavour, "masses": masses, "colliders": PROGRAMMES,
            "options": options.as_dict(), "n_events_per_mass": n, "seed": seed, "background_events": background_events,
            "limits": limits}


@figure(11, "combined reach per collider programme, Dirac and Majorana N (scenario II)", curves=combined_reach)
def draw_combined_reach(curves: dict[str, Any]):
    """One line per programme and nature of N: a colour and marker per programme, Majorana dashed and open."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(13, 7), layout="constrained")
    masses = curves["masses"]
    for colour, marker, collider in zip(COLOURS, MARKERS, curves["colliders"]):
        for nature in NATURES:
            majorana = nature == "majorana"
            ax.plot(masses, nan_for_none(curves["limits"][f"{collider} {nature}"]), "--" if majorana else "-", color=colour,
                    lw=2.2, marker=marker, markersize=7, markerfacecolor="none" if majorana else colour,
                    label=f"{collider}, {nature.capitalize()} N")
    tex = FLAVOUR_TEX.get(curves["flavor"], curves["flavor"])
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$d_\gamma$ [GeV$^{-1}$]")
    ax.set_title(f"Expected 95% CL reach ($S^2/B$ = 2.71), every run combined; scenario {curves['scenario']}, "
                 f"$d_{{{tex}}}$", fontsize=TITLE_SIZE)
    fig.legend(fontsize=LEGEND_SIZE, loc="outside right center")
    return fig
