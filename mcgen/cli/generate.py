"""``mcgen generate``: events of one model written as ROOT (streamed in batches), LHE or HepMC3."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mcgen.cli import common
from mcgen.config.cards import load_card

__all__ = ["add_parser", "run"]



def add_parser(subparsers: Any) -> None:
    from mcgen.io import FORMATS, ROOT_COMPRESSIONS

    p = subparsers.add_parser(
        "generate", help="generate events and write them (ROOT, LHE or HepMC3)",
        description="Generate e+e- -> N nubar (+ h.c.), N -> nu gamma with the full spin correlation, "
        "displaced decays, the card's toy detector and selection; write a ROOT file (events tree, "
        "histograms, metadata), or LHE / HepMC3 events.",
    )
    common.add_card_options(p)
    common.add_run_option(p, "every run, one file each: FILE's stem with _RUN")
    common.add_model_options(p)
    p.add_argument("-n", "--events", type=common.EVENTS, required=True, metavar="N",
                   help=f"number of events (at most {common.MAX_EVENTS:.0e}; every format is written batch by batch)")
    p.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1); same seed, same events")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="output file")
    p.add_argument("--format", choices=FORMATS, help="root (default), lhe or hepmc (else from the suffix)")
    p.add_argument("--weighted", action="store_true",
                   help="weighted events from a coupling-independent proposal (for reweighting)")
    p.add_argument("--compression", choices=ROOT_COMPRESSIONS, default="lz4",
                   help="ROOT output: lz4 (default), zlib or none (about twice as fast to write, ~12%% larger)")
    common.add_output_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.config.options import check_kinematics

    card = load_card(args.card, tuple(args.overrides))
    runs = common.selected_runs(card, args.run)
    options = common.options(args)
    fmt = io.format_for(args.output, args.format)
    jobs = []
    for run_card in runs:  # every run checked before any is generated
        model = common.model(args, run_card)
        check_kinematics(run_card, model)
        jobs.append((run_card, model, io.check_output_path(common.run_output(args.output, run_card, len(runs) > 1), args.force)))
    results = {}
    for run_card, model, out in jobs:
        with io.atomic_output(out, args.force) as tmp:
            events = _write(tmp, fmt, args, run_card, model, options)
        result = {**events.summary, "output": str(out), "format": fmt, **events.metadata}
        result.pop("card_content", None)
        results[run_card.info.run] = result
    common.emit_runs(args, results, _text)
    return 0


def _write(tmp: Path, fmt: str, args: argparse.Namespace, card, model, options):
    """Generate into the temporary file, batch by batch as they come, in any format (bounded memory)."""
    from mcgen import io
    from mcgen.mc.driver import generate

    stream = io.EventStream(n_events=args.events, sqrt_s=card.sqrt_s, alpha=card.electroweak.alpha,
                            decay_radius_m=card.detector.decay_radius_m, mass=model.mass, flavour=model.flavour,
                            nature=model.nature, compression=args.compression, spool_dir=Path(args.output).parent,
                            crossing_angle=card.beam.crossing_angle_rad)
    writer = io.WRITERS[fmt].open(tmp, stream)
    try:
        events = generate(card, model, args.events, args.seed, options, weighted=args.weighted, on_batch=writer.write, keep=False)
    except BaseException:
        writer.abort()
        raise
    writer.close(events.summary, events.metadata)
    return events


def _text(r: dict[str, Any]) -> str:
    eps_det = "n/a" if r["eps_det"] is None else f"{r['eps_det']:.4g}"
    return "\n".join([
        f"wrote {r['n_events']:,d} events to {r['output']} ({r['format']})",
        f"sigma(N nubar + Nbar nu) = {r['sigma_pb']:.6g} +- {r['sigma_err_pb']:.2g} pb "
        f"(analytic quadrature {r['sigma_quadrature_pb']:.6g})",
        f"eps_cuts = {r['eps_cuts']:.4g}, eps_det = {eps_det}, P(decay inside) = {r['p_decay_inside']:.4g}, "
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.4g}",
        f"expected events at the card's luminosity: {r['n_expected']:.4g}",
        f"rates: {r['rates']['generation_ev_per_s']:.3g} ev/s generation, {r['rates']['total_ev_per_s']:.3g} ev/s with output",
    ])
