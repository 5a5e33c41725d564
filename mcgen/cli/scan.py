"""``mcgen scan``: limits over a grid of cards, masses, flavours and structures, in-process, in a
local process pool or on Dask (mcgen.analysis.scan)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mcgen.analysis.scan import MAX_TIMEOUT_S, MAX_WORKERS
from mcgen.cli import common
from mcgen.config.cards import load_card

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("scan", help="limits over a grid of cards, masses, flavours and structures (local or Dask)",
                              description="One weighted Monte Carlo task per (card, mass, flavour), reweighted to every "
                              "structure; run in-process, in a local process pool (--workers), or on Dask "
                              "(--scheduler tcp://HOST:PORT, or --dask-local N). Seeds are per task: any executor "
                              "gives the serial result.")
    common.add_card_options(p, multiple=True)
    p.add_argument("--masses", required=True, metavar="LIST", help="comma list or start:stop:count")
    p.add_argument("--log", action="store_true", help="log-spaced start:stop:count")
    p.add_argument("--scenario", type=str.upper, action="append", default=[], help="I..IV (repeatable) or all")
    p.add_argument("--a", type=float, action="append", default=[], help="a = d_W/d_B (repeatable)")
    p.add_argument("--flavor", action="append", required=True, help="e, mu or tau (repeatable)")
    common.add_nature_option(p)
    common.add_physics_options(p)
    p.add_argument("-n", "--events", type=common.EVENTS, default=20_000, metavar="N",
                   help=f"weighted events per task (default 20000, at most {common.MAX_EVENTS:.0e})")
    p.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1)")
    p.add_argument("--background-events", type=common.EVENTS_IN_MEMORY, default=20_000, metavar="N",
                   help="weighted SM nu nubar gamma events per card with a background (default 20000)")
    p.add_argument("--workers", type=common.bounded_int(1, MAX_WORKERS), default=1,
                   help=f"local worker processes (default 1: in-process; at most {MAX_WORKERS})")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler (tcp)")
    p.add_argument("--dask-local", type=common.bounded_int(1, MAX_WORKERS), metavar="N",
                   help=f"start a Dask LocalCluster with N workers (at most {MAX_WORKERS})")
    p.add_argument("--timeout", type=common.finite_float, default=10.0, metavar="S",
                   help=f"seconds to reach the scheduler (default 10, at most {MAX_TIMEOUT_S:g})")
    p.add_argument("-o", "--output", metavar="FILE", help="write the JSON result to FILE")
    common.add_cache_option(p)
    common.add_output_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.analysis.background import cache_dir
    from mcgen.analysis.info import finite_or_none
    from mcgen.analysis.limits import parse_masses
    from mcgen.analysis.scan import scan_structures, scan_table

    masses = parse_masses(args.masses, args.log)
    cards = [load_card(c, tuple(args.overrides)) for c in args.card]
    structures = scan_structures(cards, args.flavor, args.scenario, args.a)
    out = io.check_output_path(args.output, args.force) if args.output else None
    with cache_dir(args.cache):
        result = scan_table(cards, masses, args.flavor, structures, common.options(args), args.events, args.seed,
                            args.background_events, workers=args.workers, scheduler=args.scheduler,
                            dask_local=args.dask_local, timeout_s=args.timeout, overrides=args.overrides,
                            nature=common.nature(args))
    if out is not None:
        with io.atomic_output(out, args.force) as tmp:
            tmp.write_text(json.dumps(finite_or_none(result), allow_nan=False, indent=1))
        result["output"] = str(out)
    common.emit(args, result, lambda r: f"{len(r['rows'])} limits from {r['tasks']} Monte Carlo tasks in "
                f"{r['seconds']:.2f} s" + (f", written to {r['output']}" if "output" in r else ""))
    return 0
