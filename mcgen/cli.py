"""The ``mcgen`` command: one sub-command per task; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from mcgen.cards import load_card
from mcgen.errors import InputError
from mcgen.info import DECAY_LAWS, PhysicsOptions, finite_or_none, model_info
from mcgen.model import make_model

__all__ = ["main", "build_parser"]

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_card_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--card", required=True, help="card file, or the name of a shipped card (e.g. lep2_delphi)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help="override a card value for this run, e.g. --set beam.sqrt_s=250 (repeatable)",
    )


def _add_model_options(p: argparse.ArgumentParser, *, with_dgamma: bool = True) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--mass", type=float, required=True, metavar="GeV", help="HNL mass m_N in GeV")
    if with_dgamma:
        g.add_argument("--dgamma", type=float, metavar="GeV^-1", help="photon dipole d_gamma > 0 (the overall scale)")
    g.add_argument("--scenario", type=str.upper, metavar="I|II|III|IV", help="benchmark coupling structure")
    g.add_argument("--a", type=float, metavar="A", help="a = d_W/d_B in the unbroken phase (inf allowed)")
    g.add_argument("--dw", type=float, metavar="GeV^-2", help="unbroken SU(2) dipole d_W (with --db; fixes d_gamma)")
    g.add_argument("--db", type=float, metavar="GeV^-2", help="unbroken U(1) dipole d_B (with --dw)")
    g.add_argument("--flavor", required=True, metavar="e|mu|tau", help="active flavour the dipole couples to")
    o = p.add_argument_group("physics options")
    o.add_argument("--decay-law", default="exact", metavar="|".join(DECAY_LAWS),
                   help="photon angular law in N decay: exact (spin correlation, default), paper (1 - cos), isotropic")
    o.add_argument("--no-st-interference", action="store_true",
                   help="drop the s-channel / t-channel interference (flavour e), as the source paper does")


def _options(args: argparse.Namespace) -> PhysicsOptions:
    return PhysicsOptions(decay_law=args.decay_law, st_interference=not args.no_st_interference)


def _emit(args: argparse.Namespace, result: dict[str, Any], text: Callable[[dict[str, Any]], str]) -> None:
    if args.json:
        print(json.dumps(finite_or_none(result), allow_nan=False, indent=2))
    else:
        print(text(result))


def _info_text(r: dict[str, Any]) -> str:
    m, c, w, s = r["model"], r["couplings"], r["widths_GeV"], r["sigma_pb"]
    a = "inf" if m["a"] is None else f"{m['a']:.6g}"
    lines = [
        f"card {r['card']['name']}: sqrt(s) = {r['inputs']['sqrt_s']:g} GeV",
        f"m_N = {m['mass_GeV']:g} GeV, flavour {m['flavor']}, a = {a}" + (f" (scenario {m['scenario']})" if m["scenario"] else ""),
        f"couplings [GeV^-1]: d_gamma = {c['d_gamma']:.6g}, d_Z = {c['d_Z']:.6g}, d_W = {c['d_W']:.6g}",
        f"widths [GeV]: nu gamma = {w['nu_gamma']:.6g}, nu Z = {w['nu_Z']:.6g}, l W = {w['l_W']:.6g}, total = {w['total']:.6g}",
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.6g}; c tau = {r['ctau_m']:.6g} m; lab decay length = {r['decay_length_m']:.6g} m",
        "sigma(e+e- -> N nubar + Nbar nu) [pb]: "
        + ", ".join(f"{k} = {v:.6g}" for k, v in s.items()),
        "options: " + ", ".join(f"{k} = {v}" for k, v in r["options"].items()) + f"; mcgen {r['version']}",
    ]
    return "\n".join(lines)


def _cmd_info(args: argparse.Namespace) -> int:
    card = load_card(args.card, tuple(args.overrides))
    model = _model(args, card)
    _emit(args, model_info(card, model, _options(args)), _info_text)
    return 0


def _model(args: argparse.Namespace, card) -> Any:
    return make_model(
        args.mass, args.flavor, card.electroweak,
        d_gamma=getattr(args, "dgamma", None), scenario=args.scenario, a=args.a, d_W=args.dw, d_B=args.db,
    )


def _cmd_generate(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.generator import generate
    from mcgen.info import check_kinematics

    card = load_card(args.card, tuple(args.overrides))
    model = _model(args, card)
    options = _options(args)
    check_kinematics(card, model)
    if args.events <= 0:
        raise InputError(f"-n must be > 0, got {args.events}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    fmt = args.format or {".lhe": "lhe", ".hepmc": "hepmc", ".hepmc3": "hepmc"}.get(Path(args.output).suffix, "root")
    if fmt in ("lhe", "hepmc"):
        _require(fmt)
    out = io.check_output_path(args.output, args.force)
    with io.atomic_output(out) as tmp:
        if fmt == "root":
            writer = io.RootWriter(tmp, args.events, card.sqrt_s, card.detector.decay_radius_m)
            try:
                events = generate(card, model, args.events, args.seed, options, weighted=args.weighted,
                                  on_batch=writer.write, keep=False)
            except BaseException:
                writer.abort()
                raise
            writer.close(events.summary, events.metadata)
        else:
            events = generate(card, model, args.events, args.seed, options, weighted=args.weighted)
            if fmt == "lhe":
                io.write_lhe(tmp, events.columns, events.summary, events.metadata, model.flavour)
            else:
                io.write_hepmc(tmp, events.columns, events.metadata, model.flavour)
    result = {**events.summary, "output": str(out), "format": fmt, **events.metadata}
    result.pop("card_content", None)
    _emit(args, result, _generate_text)
    return 0


def _require(fmt: str) -> None:
    module = {"lhe": "pylhe", "hepmc": "pyhepmc"}[fmt]
    try:
        __import__(module)
    except ImportError:
        raise InputError(f"--format {fmt} needs the optional package {module}: pip install 'mcgen[io]'") from None


def _generate_text(r: dict[str, Any]) -> str:
    eps_det = "n/a" if r["eps_det"] is None else f"{r['eps_det']:.4g}"
    return "\n".join([
        f"wrote {r['n_events']:,d} events to {r['output']} ({r['format']})",
        f"sigma(N nubar + Nbar nu) = {r['sigma_pb']:.6g} +- {r['sigma_err_pb']:.2g} pb (analytic quadrature {r['sigma_quadrature_pb']:.6g})",
        f"eps_cuts = {r['eps_cuts']:.4g}, eps_det = {eps_det}, P(decay inside) = {r['p_decay_inside']:.4g}, "
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.4g}",
        f"expected events at the card's luminosity: {r['n_expected']:.4g}",
        f"rates: {r['rates']['generation_ev_per_s']:.3g} ev/s generation, {r['rates']['total_ev_per_s']:.3g} ev/s with output",
    ])


def _cmd_bench(args: argparse.Namespace) -> int:
    from mcgen import __version__
    from mcgen.bench import run_benchmarks

    result = run_benchmarks(quick=args.quick) | {"version": __version__}
    _emit(args, result, _bench_text)
    return 0


def _bench_text(r: dict[str, Any]) -> str:
    s = r["signal_ev_per_s_per_core"]
    ratios = r["ratios"]
    return "\n".join([
        f"events/s per core ({r['threads']} threads, {r['events']:,d} events, card {r['card']}):",
        f"  generation only                      {s['generate']:.3g}",
        f"  + decay, detector, selection (full)  {s['full']:.3g}",
        f"  full + ROOT writing                  {s['full_root']:.3g}",
        f"  RNG ceiling ({r['rng_draws_per_event']:.2f} SplitMix64 draws/event) {r['rng_ceiling_ev_per_s_per_core']:.3g}",
        f"  MT19937, 9 draws/event (reference)   {r['mt19937_9_draws_ev_per_s_per_core']:.3g}",
        "ratios: " + ", ".join(f"{k} = {v:.3f}" for k, v in ratios.items()),
    ])


def build_parser() -> argparse.ArgumentParser:
    from mcgen import __version__

    parser = _Parser(prog="mcgen", description=__doc__.split(":")[0] if __doc__ else None)
    parser.description = "Monte Carlo for heavy neutral leptons with a dipole portal at e+e- colliders."
    parser.add_argument("--version", action="version", version=f"mcgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    info = sub.add_parser(
        "info", help="couplings, widths, lifetime and analytic cross sections for one model and card",
        description="Couplings, N widths and branching ratio, c tau and lab decay length, and the analytic "
        "production cross sections (pb, N nubar + Nbar nu) at the card's sqrt(s).",
    )
    _add_card_options(info)
    _add_model_options(info)
    info.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    info.set_defaults(handler=_cmd_info)

    gen = sub.add_parser(
        "generate", help="generate events and write them (ROOT, LHE or HepMC3)",
        description="Generate e+e- -> N nubar (+ h.c.), N -> nu gamma with the full spin correlation, "
        "displaced decays, the card's toy detector and selection; write a ROOT file (events tree, "
        "histograms, metadata), or LHE / HepMC3 events.",
    )
    _add_card_options(gen)
    _add_model_options(gen)
    gen.add_argument("-n", "--events", type=int, required=True, metavar="N", help="number of events")
    gen.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed, same events")
    gen.add_argument("-o", "--output", required=True, metavar="FILE", help="output file")
    gen.add_argument("--format", choices=io_formats(), help="root (default), lhe or hepmc (else from the suffix)")
    gen.add_argument("--weighted", action="store_true",
                     help="weighted events from a coupling-independent proposal (for reweighting)")
    gen.add_argument("--force", action="store_true", help="replace an existing output file")
    gen.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    gen.set_defaults(handler=_cmd_generate)

    bench = sub.add_parser("bench", help="throughput of the generator, measured in one run",
                           description="Events per second per core: generation only; + decay, detector and "
                           "selection; + ROOT writing; and the RNG ceiling (the same random draws, no physics).")
    bench.add_argument("--quick", action="store_true", help="fewer events (a few seconds)")
    bench.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    bench.set_defaults(handler=_cmd_bench)
    return parser


def io_formats() -> tuple[str, ...]:
    return ("root", "lhe", "hepmc")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcgen`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"mcgen {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("mcgen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
