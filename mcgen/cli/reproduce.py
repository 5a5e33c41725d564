"""``mcgen reproduce``: one of the source paper's figures from scratch (mcgen.plots.figures), or with
``--all`` every figure, the validation table and an index page (mcgen.plots.paper)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.analysis.scan import MAX_WORKERS
from mcgen.cli import common

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    from mcgen.plots.figures import FIGURES, TITLES

    listed = "; ".join(f"{k}: {TITLES[k]}" for k in FIGURES)  # from the figures themselves, so none is left out
    p = subparsers.add_parser("reproduce", help="the source paper's figures from scratch",
                              description=f"Draw a figure of arXiv:2301.06050 ({listed}) as PNG and PDF, with the "
                              "JSON of its curves.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--figure", type=int, metavar="N", help=f"figure number ({', '.join(str(k) for k in FIGURES)})")
    which.add_argument("--all", action="store_true",
                       help="every figure, the validation table (validation.txt, .json) and an index page (index.md) in "
                       "one process, sharing the scans and backgrounds the figures have in common")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory (created if needed)")
    p.add_argument("-n", "--events", type=common.EVENTS_IN_MEMORY, default=20_000, metavar="N",
                   help=f"weighted events per Monte Carlo task (default 20000, at most {common.MAX_EVENTS_IN_MEMORY:.0e})")
    p.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1)")
    p.add_argument("--quick", action="store_true", help="coarser grids (a preview in seconds)")
    p.add_argument("--beams", choices=("cards", "paper"), default="cards",
                   help="cards: each card's own ISR, energy spread and polarisation (default; the LEP cards have none, "
                   "the CEPC cards the CDR's energy spread); paper: none of them on any card, the source paper's "
                   "treatment")
    p.add_argument("--workers", type=common.bounded_int(1, MAX_WORKERS), default=1,
                   help="local processes for the Monte Carlo tasks of the figures' scans and the validation, and with "
                   "--all for drawing each figure while the next is computed (default 1: in this process; the same files "
                   "whatever the number)")
    common.add_cache_option(p)
    common.add_physics_options(p)
    common.add_output_flags(p, "replace existing files")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen._version import __version__
    from mcgen.analysis.background import cache_dir
    from mcgen.plots.figures import reproduce

    options = common.options(args)
    if args.all:
        from mcgen.plots.paper import reproduce_all

        with cache_dir(args.cache):
            done = reproduce_all(args.output, n=args.events, seed=args.seed, options=options, force=args.force,
                                 quick=args.quick, beams=args.beams, workers=args.workers)
        everything = {"figures": {str(k): v for k, v in done["figures"].items()}, "validation": done["validation"],
                      "index": done["index"], "seconds": done["seconds"], **done["inputs"], "background_cache": args.cache}
        common.emit(args, everything, lambda r: f"wrote {len(r['figures'])} figures, the validation table and {r['index']} "
                    f"in {sum(r['seconds'].values()):.1f} s")
        return 0
    from mcgen.analysis.scan import executor

    with cache_dir(args.cache), executor(args.workers) as pool:
        paths = reproduce(args.figure, args.output, n=args.events, seed=args.seed, options=options,
                          force=args.force, quick=args.quick, beams=args.beams, pool=pool)
    result = {"figure": args.figure, "files": paths, "options": options.as_dict(), "beams": args.beams, "n_events": args.events,
              "seed": args.seed, "version": __version__, "background_cache": args.cache}
    common.emit(args, result, lambda r: "wrote " + ", ".join(r["files"]))
    return 0
