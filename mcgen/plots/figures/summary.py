"""Figure 8: the LEP limits and the CEPC reach over the existing constraints on d_gamma."""

from __future__ import annotations

from typing import Any

from mcgen.analysis.limits import union_intervals
from mcgen.config.cards import LEP_CARDS
from mcgen.physics.model import SCENARIOS
from mcgen.plots.figures.drawing import CONSTRAINT_COLOURS, LEGEND_SIZE, TITLE_SIZE, nan_for_none
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.figures.scans import cepc_scan, lep_scan
from mcgen.plots.limits import COLOURS, FLAVOUR_TEX, _bands, pyplot

__all__ = ["summary", "draw_summary"]

FLAVOURS = ("e", "mu", "tau")
"""The rows of the summary."""
LEP_LEGEND = "LEP, excluded at 95% CL (mcgen)"
CEPC_LEGEND = "CEPC, expected 95% CL reach (mcgen)"


def _lep_union(rows: list[dict[str, Any]], masses: list[float], flavour: str, scenario: str) -> list[Any]:
    """Per mass, the union of the LEP cards' excluded intervals."""
    return [union_intervals([iv for row in rows if row["flavor"] == flavour and row["structure"] == scenario
                             and row["mass"] == m for iv in row["excluded"]]) for m in masses]


def _cepc_reach(rows: list[dict[str, Any]], masses: list[float], flavour: str, scenario: str) -> list[float | None]:
    """Per mass, the lowest expected limit of the CEPC running modes (null where none reaches)."""
    reach = []
    for m in masses:
        edges = [row["d_gamma_95"] for row in rows if row["flavor"] == flavour
                 and row["structure"] == scenario and row["mass"] == m and row["d_gamma_95"] is not None]
        reach.append(min(edges) if edges else None)
    return reach


def _existing(flavour: str) -> list[dict[str, Any]]:
    """The existing constraints on a flavour's d_gamma (HNLimits data, as mcgen.analysis.constraints converts them)."""
    from mcgen.analysis.constraints import load_constraints

    return [{"label": c.label, "source": c.source, "conversion": c.conversion, "confidence": c.confidence,
             "mass_GeV": c.mass_GeV.tolist(), "d_gamma_95": c.d_gamma_95.tolist()} for c in load_constraints(flavour)]


def summary(run: FigureRun) -> dict[str, Any]:
    """Summary per flavour (rows) and scenario (columns): the union of the LEP exclusions, the CEPC
    expected reach (the lowest of the four running modes, S^2/B = 2.71) and the existing
    constraints of the HNLimits data (95% CL; conversions in mcgen.analysis.constraints)."""
    ew = run.card(LEP_CARDS[0]).electroweak
    lep, cepc = lep_scan(run), cepc_scan(run)  # figure 3's and figure 7's
    curves: dict[str, Any] = {"figure": 8, "masses": lep.masses, "lep": {}, "cepc_masses": cepc.masses, "cepc_reach": {},
                              "existing": {}, "options": run.options.as_dict(), "n_events_per_task": run.n,
                              "seed": run.seed, "electroweak": ew.as_dict()}
    for flavour in FLAVOURS:
        curves["existing"][flavour] = _existing(flavour)
        for scenario in SCENARIOS:
            curves["lep"][f"{flavour} {scenario}"] = _lep_union(lep.rows, lep.masses, flavour, scenario)
            curves["cepc_reach"][f"{flavour} {scenario}"] = _cepc_reach(cepc.rows, cepc.masses, flavour, scenario)
    return curves


@figure(8, "summary over the existing constraints", curves=summary)
def draw_summary(curves: dict[str, Any]):
    """A panel per flavour (rows) and scenario (columns): the LEP region filled, the CEPC reach dashed,
    each existing constraint in its own colour in every panel; one legend for all."""
    from mcgen.analysis.constraints import constraint_labels

    plt = pyplot()
    fig, axes = plt.subplots(3, 4, figsize=(20, 14), sharex=True, sharey=True, layout="constrained")
    top = 1.0
    colour_of = dict(zip(constraint_labels(), CONSTRAINT_COLOURS))  # one colour per constraint in every panel
    legend: dict[str, Any] = {}
    for r, flavour in enumerate(FLAVOURS):
        for col, scenario in enumerate(SCENARIOS):
            ax, key = axes[r, col], f"{flavour} {scenario}"
            for lo, hi in _bands(curves["masses"], curves["lep"][key], top):
                legend.setdefault(LEP_LEGEND, ax.fill_between(curves["masses"], lo, hi, color=COLOURS[0], alpha=0.35, lw=0))
            (line,) = ax.plot(curves["cepc_masses"], nan_for_none(curves["cepc_reach"][key]), color="black", ls="--", lw=2)
            legend.setdefault(CEPC_LEGEND, line)
            for c in curves["existing"][flavour]:
                (line,) = ax.plot(c["mass_GeV"], c["d_gamma_95"], color=colour_of[c["label"]], lw=1.8)
                legend.setdefault(f"{c['label']} ({c['confidence']})", line)  # as Constraint.legend
            ax.set(xscale="log", yscale="log", xlim=(1e-3, 2e3), ylim=(1e-10, top))
            ax.set_title(f"$d_{{{FLAVOUR_TEX[flavour]}}}$, scenario {scenario}", fontsize=TITLE_SIZE)
        axes[r, 0].set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    for ax in axes[2]:
        ax.set_xlabel(r"$m_N$ [GeV]")
    fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=4, fontsize=LEGEND_SIZE, frameon=True)
    fig.suptitle("LEP limits and CEPC reach (mcgen) over the existing constraints (HNLimits data; each at the "
                 "confidence level in the legend)", fontsize=18)
    return fig
