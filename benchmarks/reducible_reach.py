"""What the reducible backgrounds do to the reach, as Markdown: for every shipped card (its runs combined) the
expected 95% CL limit on d_gamma at one mass (sqrt(s)/5, scenario I, d_mu) with the SM nu nubar gamma
background alone and with every background process mcgen generates (nu nubar gamma, gamma gamma, e+e- gamma),
beside the two backgrounds after the cuts and the processes the card itself lists (``[limit] backgrounds``);
with the card's beams and resolution, and for the cards with an escape margin also without it (where the
reducible backgrounds leak through).

    python benchmarks/reducible_reach.py [-n 400000] [--seed 1] [-o FILE]

``-n`` is the events of each background process; the signal takes 20000 weighted events, the same ones for both
background lists (the ratio is the backgrounds' alone). By default the Markdown goes to
``docs/_generated/reducible_reach.md``, which the documentation's page on the reducible backgrounds includes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from reducible_table import provenance, table_arguments, write

from mcgen.analysis.limits import limits_table
from mcgen.config.cards import BACKGROUND_PROCESSES, CARD_NAMES, load_card
from mcgen.config.criteria import BACKGROUND_CRITERIA
from mcgen.config.options import PhysicsOptions
from mcgen.physics.model import scenario_a, structure_from_a

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "_generated" / "reducible_reach.md"
SIGNAL_EVENTS = 20_000


def _limit(name: str, overrides: tuple[str, ...], backgrounds: tuple[str, ...], events: int, seed: int) -> tuple[float, float]:
    """(d_gamma_95 at sqrt(s)/5, the background after the cuts in pb summed over the runs) for a background list."""
    listed = ", ".join(f'"{p}"' for p in backgrounds)
    card = load_card(name, (*overrides, f"limit.backgrounds=[{listed}]"))
    ew = card.electroweak
    structure = structure_from_a(scenario_a("I", ew), ew)
    result = limits_table([card], [card.sqrt_s / 5], [structure], "mu", PhysicsOptions(), SIGNAL_EVENTS, seed, events)
    row = result["by_card"][name]
    background = row.get("background_pb")
    per_run = background.values() if isinstance(background, dict) else [background]
    return result["d_gamma_95"][0], float(sum(np.sum(b) for b in per_run if b is not None))


def fmt_limit(d: float | None) -> str:
    return "none" if d is None else f"{d:.3g}"


def main(argv: list[str] | None = None) -> int:
    args = table_arguments(__doc__, 400_000, DOCS_TABLE, argv)
    start = time.perf_counter()
    rows = ["| card | beams, measurement | the card's list | m_N (GeV) | background, ν ν̄ γ (pb) | "
            "background, all three (pb) | d_γ, ν ν̄ γ (GeV⁻¹) | d_γ, all three (GeV⁻¹) | ratio |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name in CARD_NAMES:
        card = load_card(name)
        configurations: list[tuple[str, tuple[str, ...]]] = [("the card's", ())]
        if card.selection.escape_margin_sigma > 0:
            configurations.append(("the card's, no escape margin", ("selection.escape_margin_sigma=0",)))
        for label, overrides in configurations:
            criterion, mass = card.limit.criterion, card.sqrt_s / 5
            listed = ", ".join(card.limit.backgrounds)
            if criterion not in BACKGROUND_CRITERIA:
                rows.append(f"| `{name}` | {label} | {listed} | {mass:.3g} | — | — | — | — | {criterion}: takes no "
                            "background |")
                continue
            d_sm, b_sm = _limit(name, overrides, ("nunugamma",), args.n, args.seed)
            d_all, b_all = _limit(name, overrides, BACKGROUND_PROCESSES, args.n, args.seed)
            ratio = "—" if d_sm is None or d_all is None else f"{d_all / d_sm:.3g}"
            rows.append(f"| `{name}` | {label} | {listed} | {mass:.3g} | {b_sm:.3g} | {b_all:.3g} | "
                        f"{fmt_limit(d_sm)} | {fmt_limit(d_all)} | {ratio} |")
    text = ("\n".join(rows) + f"\n\nS^2/B = 2.71 (the cards' criterion where it takes a background; the LEP cards' "
            "criteria are the experiments' published limits). The background is the sum over the card's runs after "
            f"its cuts and the toy detector (for CLs the sum of its spectrum's bins); scenario I, d_μ, m_N = sqrt(s)/5; "
            f"{SIGNAL_EVENTS} signal events and {args.n} events per background process, "
            + provenance(args, "reducible_reach.py", start))
    write(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
