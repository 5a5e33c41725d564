"""The kinematic theorem at 1e6 events a card: at tree level, with nominal beams (no ISR, no spread) and perfect
measurements, no reducible event passes a selection with the escape cut or the paper's Eq. (21). For every
shipped card and run with one, each process's (and part's) cross section after the photon cuts and after the
escape cut, as Markdown; the events that reach the escape cut are what it removes.

    python benchmarks/kinematic_theorem.py [-n 1000000] [--seed 1] [-o FILE]

By default the Markdown goes to ``docs/_generated/kinematic_theorem.md`` (the reducible-backgrounds page includes
it). About ten minutes on two cores.
"""

from __future__ import annotations

import time
from pathlib import Path

from reducible_table import IDEAL, fmt, provenance, table_arguments, write

from mcgen.config.cards import CARD_NAMES, load_card
from mcgen.mc.reducible import eegamma_cross_section, gammagamma_cross_section

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "_generated" / "kinematic_theorem.md"


def _flow(result: dict) -> tuple[str, str]:
    """(after the photon cuts, after the escape cut) of a result's cut flow."""
    flow = {s["step"]: (s["sigma_pb"], s["sigma_err_pb"]) for s in result["cut_flow"]}
    return fmt(*flow["+ bhabha"]), fmt(*flow["+ escape"])


def main(argv: list[str] | None = None) -> int:
    args = table_arguments(__doc__, 1_000_000, DOCS_TABLE, argv)
    start = time.perf_counter()
    rows = ["| card | γγ: photon cuts | γγ: + escape | γγγ: photon cuts | γγγ: + escape | e⁺e⁻γ: photon cuts | "
            "e⁺e⁻γ: + escape |", "|---|---|---|---|---|---|---|"]
    for name in CARD_NAMES:
        card = load_card(name, IDEAL)
        for run in card.run_cards() if card.runs else [card]:
            if run.selection.escape_theta_deg is None and run.selection.bhabha_cos_theta_b <= 0:
                continue
            gg = gammagamma_cross_section(run, args.n, args.seed)
            ee = eegamma_cross_section(run, args.n, args.seed)
            cells = [*_flow(gg["parts"]["two_photons"]), *_flow(gg["parts"]["three_photons"]), *_flow(ee)]
            rows.append(f"| `{run.name}` | " + " | ".join(cells) + " |")
    text = ("\n".join(rows) + f"\n\nCross sections in pb (the true photon) at nominal beams with perfect measurements; "
            f"{args.n} weighted events per process and part, " + provenance(args, "kinematic_theorem.py", start))
    write(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
