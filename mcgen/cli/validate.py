"""``mcgen validate``: the source paper's quoted limits beside mcgen's, in three treatments (mcgen.analysis.validation)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common

__all__ = ["add_parser", "run"]

DEFAULT_EVENTS = 20_000
QUICK_EVENTS = 3_000


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("validate", help="the source paper's quoted limits beside mcgen's",
                              # the description is printed as written (no %-formatting): one % sign
                              description="Every limit arXiv:2301.06050 quotes as a number (Figs. 4, 5 and 8: ranges over "
                              "a, the strongest LEP limits, the masses where one limit overtakes another) computed by "
                              "mcgen with the paper's stated treatment (1 - cos photon law, no s-t interference, two-body "
                              "widths, no ISR), with an isotropic photon, and with mcgen's defaults; with the ratios to "
                              "the paper. Figure 8's cases need the HNLimits data (pip install 'mcgen[plot]'). The "
                              "flavour factories' reach quoted in arXiv:2204.07802's abstract is set beside the belle2, "
                              "besiii and stcf cards' (cases ff_*).")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a value of every card for this run, e.g. --set electroweak.alpha=0.0078125 (repeatable)")
    r = p.add_argument_group("Monte Carlo")
    r.add_argument("-n", "--events", type=common.EVENTS_IN_MEMORY, metavar="N",
                   help=f"weighted events per Monte Carlo task (default {DEFAULT_EVENTS}, {QUICK_EVENTS} with --quick; "
                   f"at most {common.MAX_EVENTS_IN_MEMORY:.0e})")
    r.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1)")
    r.add_argument("--background-events", type=common.EVENTS_IN_MEMORY, metavar="N",
                   help=f"weighted SM nu nubar gamma events per CEPC card (default 20000, 3000 with --quick; at most "
                   f"{common.MAX_EVENTS_IN_MEMORY:.0e})")
    r.add_argument("--quick", action="store_true", help="coarse mass and a grids and small statistics (seconds; for tests)")
    common.add_nature_option(p)
    p.add_argument("--case", dest="cases", action="append", metavar="ID", help="only this case (repeatable; ids in the table)")
    common.add_cache_option(p)
    common.add_output_flags(p, None)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen.analysis.background import cache_dir
    from mcgen.analysis.validation import run_validation, text_table

    n = args.events if args.events is not None else (QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    with cache_dir(args.cache):
        result = run_validation(n, args.seed, quick=args.quick, background_events=args.background_events,
                                overrides=tuple(args.overrides), cases=args.cases, nature=common.nature(args))
    common.emit(args, result, text_table)
    return 0
