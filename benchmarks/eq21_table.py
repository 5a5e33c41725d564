"""The source paper's Eq. (21) cut, E > sqrt(s) / (1 + sin(theta)/sin(theta_b)), with theta_b varied, against the
reducible backgrounds e+e- -> gamma gamma and e+e- -> e+e- gamma, as Markdown: on cepc_z and cepc_h without their
pT cut (which alone removes both), whose ECAL reaches |cos theta| < 0.99 with nothing beyond, the cross section
(pb) after the photon cuts and after the cut and the toy detector, with nominal beams and a perfect measurement and with the card's
beams and resolution. A theta_b inside the real escape cone (cos theta_b > 0.99) lets events whose lost
particles fly between theta_b and the ECAL's edge through; one outside it removes them at the price of signal.

    python benchmarks/eq21_table.py [-n 200000] [--seed 1] [-o FILE]

By default the Markdown goes to ``docs/_generated/eq21_table.md`` (the reducible-backgrounds page includes it).
"""

from __future__ import annotations

import time
from pathlib import Path

from reducible_table import IDEAL, PROCESSES, fmt, provenance, table_arguments, write

from mcgen.config.cards import load_card

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "_generated" / "eq21_table.md"
COS_THETA_B = (0.95, 0.98, 0.99, 0.995, 0.999)


def main(argv: list[str] | None = None) -> int:
    args = table_arguments(__doc__, 200_000, DOCS_TABLE, argv)
    start = time.perf_counter()
    header = " | ".join(f"cos θ_b = {c}" for c in COS_THETA_B)
    rows = [f"| process | card | beams, measurement | + photon cuts | {header} |",
            "|---|---|---|---|" + "---|" * len(COS_THETA_B)]
    for process, compute in PROCESSES:
        for name in ("cepc_z", "cepc_h"):
            for label, beams in (("nominal, perfect", IDEAL), ("the card's", ())):
                cells, before = [], ""
                for cos_b in COS_THETA_B:
                    card = load_card(name, ("selection.pt_min=0", f"selection.bhabha_cos_theta_b={cos_b}", *beams))
                    r = compute(card, args.n, args.seed)
                    flow = {s["step"]: (s["sigma_pb"], s["sigma_err_pb"]) for s in r["cut_flow"]}
                    before = fmt(*flow["+ zveto"])
                    cells.append(fmt(r["sigma_reco_pb"], r["sigma_reco_err_pb"]))
                rows.append(f"| {process} | `{name}` | {label} | {before} | " + " | ".join(cells) + " |")
    text = ("\n".join(rows) + f"\n\nThe photon cuts on the true photon, then each value of cos θ_b: after the toy detector and "
            f"every cut (pb); "
            f"{args.n} weighted events per cell, " + provenance(args, "eq21_table.py", start))
    write(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
