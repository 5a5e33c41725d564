"""``mcgen reproduce``: one of the source paper's figures from scratch (mcgen.plots.figures)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    from mcgen.plots.figures import FIGURES, TITLES

    listed = "; ".join(f"{k}: {TITLES[k]}" for k in FIGURES)  # from the figures themselves, so none is left out
    p = subparsers.add_parser("reproduce", help="the source paper's figures from scratch",
                              description=f"Draw a figure of arXiv:2301.06050 ({listed}) as PNG and PDF, with the "
                              "JSON of its curves.")
    p.add_argument("--figure", type=int, required=True, metavar="N",
                   help=f"figure number ({', '.join(str(k) for k in FIGURES)})")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory (created if needed)")
    p.add_argument("-n", "--events", type=common.EVENTS_IN_MEMORY, default=20_000, metavar="N",
                   help=f"weighted events per Monte Carlo task (default 20000, at most {common.MAX_EVENTS_IN_MEMORY:.0e})")
    p.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1)")
    p.add_argument("--quick", action="store_true", help="coarser grids (a preview in seconds)")
    p.add_argument("--beams", choices=("cards", "paper"), default="cards",
                   help="cards: each card's own ISR, energy spread and polarisation (default; the LEP cards have none, "
                   "the CEPC cards the CDR's energy spread); paper: none of them on any card, the source paper's "
                   "treatment")
    common.add_cache_option(p)
    common.add_physics_options(p)
    common.add_output_flags(p, "replace existing files")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen._version import __version__
    from mcgen.analysis.background import cache_dir
    from mcgen.plots.figures import reproduce

    options = common.options(args)
    with cache_dir(args.cache):
        paths = reproduce(args.figure, args.output, n=args.events, seed=args.seed, options=options,
                          force=args.force, quick=args.quick, beams=args.beams)
    result = {"figure": args.figure, "files": paths, "options": options.as_dict(), "beams": args.beams, "n_events": args.events,
              "seed": args.seed, "version": __version__, "background_cache": args.cache}
    common.emit(args, result, lambda r: "wrote " + ", ".join(r["files"]))
    return 0
