"""Figure 1: the branching ratio of the photon decay N -> nu gamma."""

from __future__ import annotations

from typing import Any

import numpy as np

from mcgen.physics.model import SCENARIOS, Model, scenario_a, singular_a, structure_from_a, widths
from mcgen.plots.figures.drawing import LEGEND_SIZE, LINE_STYLES, TITLE_SIZE
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.limits import COLOURS, pyplot

__all__ = ["branching_ratios", "draw_branching_ratios"]

MASSES_VS_A = (1.0, 10.0, 50.0, 100.0, 200.0)
"""The masses (GeV) of the left panel, Br vs a."""


def branching_ratios(run: FigureRun) -> dict[str, Any]:
    """Br(N -> nu gamma) vs a at fixed masses (the valley at a = -2 cot(theta_w), where the
    three-body decays take over) and vs m_N for the four scenarios. Flavour e."""
    options, quick = run.options, run.quick
    ew = run.card("lep1_opal").electroweak
    a0 = singular_a(ew)
    near = np.geomspace(1e-6, 1.0, 40)  # resolve the valley on both sides of the singular point
    a_grid = np.unique(np.concatenate([np.linspace(-10, 10, 201 if quick else 2001), a0 - near, a0 + near]))
    a_grid = a_grid[np.abs(a_grid - a0) > 1e-9]
    masses = np.geomspace(1e-2, 1e3, 60 if quick else 300)

    def br(mass: float, a: float) -> float:
        model = Model(mass, structure_from_a(a, ew).scaled(1e-6), "e", a)
        return widths(model, ew, options.three_body).br_nu_gamma

    vs_a = {str(m): [br(m, float(a)) for a in a_grid] for m in MASSES_VS_A}
    vs_m = {s: [br(float(m), scenario_a(s, ew)) for m in masses] for s in SCENARIOS}
    return {"figure": 1, "a": a_grid.tolist(), "br_vs_a": vs_a, "masses": masses.tolist(), "br_vs_mass": vs_m,
            "singular_a": a0, "flavor": "e", "options": options.as_dict(), "electroweak": ew.as_dict()}


@figure(1, "Br(N -> nu gamma) vs a and vs m_N", curves=branching_ratios)
def draw_branching_ratios(curves: dict[str, Any]):
    """Left: Br vs a, one line per mass, the singular point dotted; right: Br vs m_N per scenario."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6.5), layout="constrained")
    for colour, line, (mass, br) in zip(COLOURS, LINE_STYLES, curves["br_vs_a"].items()):
        left.plot(curves["a"], br, color=colour, ls=line, lw=2.5, label=f"$m_N$ = {float(mass):g} GeV")
    left.axvline(curves["singular_a"], color="grey", ls=":", lw=1)
    left.set(yscale="log", xlabel=r"$a = d_W / d_B$", ylabel=r"Br($N\to\nu\gamma$)", ylim=(1e-6, 2))
    left.legend(fontsize=LEGEND_SIZE, loc="lower right")
    for colour, (scenario, br) in zip(COLOURS, curves["br_vs_mass"].items()):
        right.plot(curves["masses"], br, color=colour, label=f"scenario {scenario}")
    lowest = min(min(v) for v in curves["br_vs_mass"].values())
    right.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"Br($N\to\nu\gamma$)", ylim=(0.5 * lowest, 2))
    right.legend(fontsize=LEGEND_SIZE, loc="lower left")
    three_body = curves["options"]["three_body"]
    fig.suptitle("two-body and three-body decays" if three_body else "two-body decays only", fontsize=TITLE_SIZE)
    return fig
