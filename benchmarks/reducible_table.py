"""The reducible backgrounds e+e- -> gamma gamma and e+e- -> e+e- gamma after each card's cuts, as Markdown:
for every shipped card (each run of a card with runs) and process the cross section where the event looks like a
single photon (one photon seen, everything else lost), after the photon cuts, after the escape / Eq. (21) cut,
and after the toy detector; with the card's beams and
resolution (and without the card's escape margin, where it has one), and with nominal beams and a perfect
measurement (where the kinematic theorem says 0).

    python benchmarks/reducible_table.py [-n 400000] [--seed 1] [-o FILE]

By default the Markdown goes to ``docs/_generated/reducible_table.md``, which the documentation's page on
the reducible backgrounds includes; ``-o -`` prints it instead. About five minutes on two cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mcgen._version import __version__
from mcgen.config.cards import CARD_NAMES, load_card
from mcgen.mc.reducible import eegamma_cross_section, gammagamma_cross_section

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "_generated" / "reducible_table.md"
PROCESSES = (("gammagamma", gammagamma_cross_section), ("eegamma", eegamma_cross_section))
IDEAL = ("beam.isr=false", "beam.energy_spread=0", "detector.energy_stochastic=0", "detector.energy_constant=0",
         "detector.angle_resolution_rad=0")


def fmt(sigma: float, err: float) -> str:
    """A cross section and its error in a table cell ("0" where nothing passes)."""
    return "0" if sigma == 0.0 else f"{sigma:.3g} ± {err:.1g}"


def table_arguments(doc: str, events: int, output: Path, argv: list[str] | None) -> argparse.Namespace:
    """-n, --seed and -o of a table script."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("-n", type=int, default=events)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default=str(output))
    return parser.parse_args(argv)


def provenance(args: argparse.Namespace, script: str, start: float) -> str:
    """The end of a table's caption: the seed, mcgen's version, the script and its run time."""
    return f"seed {args.seed}, mcgen {__version__}; made by `benchmarks/{script}` in {time.perf_counter() - start:.0f} s.\n"


def write(text: str, output: str) -> None:
    """The Markdown to ``output`` ("-": standard output)."""
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text)
        print(f"wrote {output}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = table_arguments(__doc__, 400_000, DOCS_TABLE, argv)
    start = time.perf_counter()
    rows = ["| process | card | beams, measurement | single photon | + photon cuts | + escape / Eq. (21) | after the detector |",
            "|---|---|---|---|---|---|---|"]
    for process, compute in PROCESSES:
        for name in CARD_NAMES:
            configurations: list[tuple[str, tuple[str, ...]]] = [("the card's", ()), ("nominal, perfect", IDEAL)]
            if load_card(name).selection.escape_margin_sigma > 0:
                configurations.insert(1, ("the card's, no escape margin", ("selection.escape_margin_sigma=0",)))
            for label, overrides in configurations:
                card = load_card(name, overrides)
                for run in card.run_cards() if card.runs else [card]:
                    r = compute(run, args.n, args.seed)
                    flow = [(s["sigma_pb"], s["sigma_err_pb"]) for s in r["cut_flow"]]
                    photon_cuts = {s["step"]: (s["sigma_pb"], s["sigma_err_pb"]) for s in r["cut_flow"]}["+ zveto"]
                    rows.append(f"| {process} | `{run.name}` | {label} | {fmt(*flow[1])} | {fmt(*photon_cuts)} | "
                                f"{fmt(r['sigma_pb'], r['sigma_err_pb'])} | {fmt(r['sigma_reco_pb'], r['sigma_reco_err_pb'])} |")
    text = ("\n".join(rows) + f"\n\nCross sections in pb; {args.n} weighted events per line, "
            + provenance(args, "reducible_table.py", start))
    write(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
