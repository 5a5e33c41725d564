"""``mcgen bench``: throughput of the generator, every figure from the same run (mcgen.bench)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("bench", help="throughput of the generator, measured in one run",
                              description="Events per second per core: generation only; + decay, detector and "
                              "selection; + ROOT writing; and the RNG ceiling (the same random draws, no physics).")
    p.add_argument("--quick", action="store_true", help="fewer events (a few seconds)")
    common.add_output_flags(p, None)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen._version import __version__
    from mcgen.bench import run_benchmarks

    result = run_benchmarks(quick=args.quick) | {"version": __version__}
    common.emit(args, result, _text)
    return 0


def _text(r: dict[str, Any]) -> str:
    s = r["signal_ev_per_s_per_core"]
    more = r["signal_more_ev_per_s_per_core"]
    ratios = r["ratios"]
    return "\n".join([
        f"events/s per core ({r['threads']} threads, {r['events']:,d} events, card {r['card']}):",
        f"  generation only                      {s['generate']:.3g}",
        f"  + decay, detector, selection (full)  {s['full']:.3g}",
        f"  full, into a 2M-event batch (memory) {more['full_into_memory']:.3g}",
        f"  full through mcgen.generate          {more['full_api']:.3g}",
        f"  full + ROOT writing                  {s['full_root']:.3g}",
        f"  full + ROOT writing, uncompressed    {more['full_root_uncompressed']:.3g}",
        f"  writing the output columns alone     {more['output_only']:.3g}",
        f"  RNG ceiling ({r['rng_draws_per_event']:.2f} SplitMix64 draws/event) {r['rng_ceiling_ev_per_s_per_core']:.3g}",
        f"  MT19937, 9 draws/event (reference)   {r['mt19937_9_draws_ev_per_s_per_core']:.3g}",
        f"  SM nu nubar gamma background: {r['background_ev_per_s']['weighted']:.3g} weighted ev/s, "
        f"{r['background_ev_per_s']['unweighted']:.3g} unweighted ev/s "
        f"(unweighting efficiency {r['background_ev_per_s']['unweighting_efficiency']:.3f})",
        f"  writers (whole process): LHE {r['writers_ev_per_s']['lhe']:.3g} ev/s, HepMC3 {r['writers_ev_per_s']['hepmc']:.3g} ev/s",
        "ratios: " + ", ".join(f"{k} = {v:.3f}" for k, v in ratios.items()),
    ])
