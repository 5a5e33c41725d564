"""What the sub-commands share: the option groups (so every command spells an option the same
way), the parser with one-line errors, and the step from parsed options to library objects."""

from __future__ import annotations

import argparse
import decimal
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcgen.analysis.info import finite_or_none
from mcgen.analysis.limits import MAX_MASSES
from mcgen.config.cards import Card
from mcgen.config.options import DECAY_LAWS, PhysicsOptions
from mcgen.errors import InputError, ModelError, OutputError, shown
from mcgen.physics.model import NATURES, Couplings, Model, check_nature, make_model

__all__ = ["EXIT_BAD_INPUT", "Parser", "add_card_options", "add_model_options", "add_physics_options",
           "add_output_flags", "add_structure_options", "add_cache_option", "bounded_int", "finite_float", "structure", "options", "model",
           "nature", "add_nature_option", "add_run_option", "selected_runs", "run_output", "emit_runs",
           "emit"]

EXIT_BAD_INPUT = 2

MAX_EVENTS = 10**11
"""Most events of a streamed run (about three hours at 1e7 events/s on one core)."""
MAX_EVENTS_IN_MEMORY = 10**8
"""Most events of a run held in memory (background, LHE, HepMC3): about 20 GB of columns."""
MAX_SEED = 2**63 - 1


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi] (the bounds in the one-line error)."""

    def parse(text: str) -> int:
        try:
            value: int | None = int(text)
        except ValueError:
            value = _whole_in_exponent_form(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}")
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected a whole number in [{lo:,}, {hi:,}], got {shown(text)}")
        return value

    parse.__name__ = "whole number"
    return parse


def _whole_in_exponent_form(text: str) -> int | None:
    """1e4, 2.5E6: the whole number they write (None if ``text`` is not one: 1.5e0, 1e-3, inf)."""
    if not re.fullmatch(r"\s*\d+(\.\d*)?[eE]\+?\d{1,2}\s*", text):
        return None
    value = decimal.Decimal(text.strip())
    return int(value) if value == value.to_integral_value() else None


def finite_float(text: str) -> float:
    """An argparse type: a finite real number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text)}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {shown(text)}")
    return value


EVENTS = bounded_int(1, MAX_EVENTS)
EVENTS_IN_MEMORY = bounded_int(1, MAX_EVENTS_IN_MEMORY)
SEED = bounded_int(0, MAX_SEED)


class _Once(argparse._StoreAction):
    """A single-valued option given twice is an error: argparse would silently keep the last value
    (``--scenario I --scenario II`` must not quietly mean scenario II)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        given = namespace.__dict__.setdefault("_given_once", set())
        if option_string is not None and self.dest in given:
            parser.error(f"{'/'.join(self.option_strings)} given twice: it takes one value")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + error, and single-valued options
    that may be given once only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a value such as -1e-5 or -inf is a (negative) number, not an option: argparse knows only -1 and -1.5
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-inf(inity)?$", re.IGNORECASE)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse quotes user text as given: escape what would break the line, cut what is long
        line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        if len(line) > 300:
            line = f"{line[:200]}...{line[-60:]}"
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {line} (see {self.prog} --help)\n")


def add_card_options(p: argparse.ArgumentParser, *, multiple: bool = False, required: bool = True) -> None:
    if multiple:
        p.add_argument("--card", action="append", required=required, help="card file or shipped card name (repeatable)")
    else:
        p.add_argument("--card", required=required, help="card file, or the name of a shipped card (e.g. lep2_delphi)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help="override a card value for this run, e.g. --set beam.sqrt_s=250 (repeatable)",
    )


def add_model_options(p: argparse.ArgumentParser, *, with_dgamma: bool = True) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--mass", type=float, required=True, metavar="GeV", help="HNL mass m_N in GeV")
    if with_dgamma:
        g.add_argument("--dgamma", type=float, metavar="GeV^-1", help="photon dipole d_gamma > 0 (the overall scale)")
    g.add_argument("--scenario", type=str.upper, metavar="I|II|III|IV", help="benchmark coupling structure")
    g.add_argument("--a", type=float, metavar="A", help="a = d_W/d_B in the unbroken phase (inf allowed)")
    g.add_argument("--dw", type=float, metavar="GeV^-2", help="unbroken SU(2) dipole d_W (with --db; fixes d_gamma)")
    g.add_argument("--db", type=float, metavar="GeV^-2", help="unbroken U(1) dipole d_B (with --dw)")
    g.add_argument("--flavor", required=True, metavar="e|mu|tau", help="active flavour the dipole couples to")
    add_nature_option(g)
    add_physics_options(p)


def add_nature_option(g: Any) -> None:
    g.add_argument("--nature", default=None, metavar="|".join(NATURES),
                   help="a Dirac N (default) or a Majorana one: every width doubles and the photon is isotropic in the N rest frame")


def nature(args: argparse.Namespace) -> str:
    """The N's nature given on the command line (dirac when not given)."""
    return check_nature(args.nature or "dirac")


def add_physics_options(p: argparse.ArgumentParser) -> None:
    o = p.add_argument_group("physics options")
    o.add_argument("--decay-law", default="exact", metavar="|".join(DECAY_LAWS),
                   help="photon angular law in N decay: exact (spin correlation, default), paper (1 - cos), isotropic")
    o.add_argument("--no-st-interference", action="store_true",
                   help="drop the s-channel / t-channel interference (flavour e), as the source paper does")
    o.add_argument("--two-body", action="store_true",
                   help="total width from two-body decays only (no N -> nu f fbar, l f fbar' through off-shell bosons)")


def add_run_option(p: argparse.ArgumentParser, every: str = "every run in turn") -> None:
    p.add_argument("--run", metavar="NAME", help=f"for a card with [[runs]]: that run only (default: {every})")


def selected_runs(card: Card, run: str | None) -> tuple[Card, ...]:
    """The single-run cards a command works on: the one ``--run`` names, else every run of the card."""
    return (card.run_card(run),) if run is not None else card.run_cards()


def run_output(path: str, card: Card, several: bool) -> str:
    """The output file of one run: ``path`` itself, or with several runs ``STEM_RUN.SUFFIX`` beside it."""
    if not several:
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}_{card.info.run}{p.suffix}"))


def add_output_flags(p: argparse.ArgumentParser, force_help: str | None = "replace an existing output file") -> None:
    if force_help:
        p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def add_structure_options(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    g = p.add_argument_group("coupling structure (d_gamma is what the command scans)")
    g.add_argument("--masses", required=required, metavar="LIST",
                   help=f"comma list (1,2,5) or start:stop:count, at most {MAX_MASSES} masses")
    g.add_argument("--log", action="store_true", help="log-spaced start:stop:count")
    g.add_argument("--scenario", type=str.upper, metavar="I|II|III|IV", help="benchmark coupling structure")
    g.add_argument("--a", type=float, metavar="A", help="a = d_W/d_B in the unbroken phase (inf allowed)")
    g.add_argument("--flavor", required=required, metavar="e|mu|tau", help="active flavour the dipole couples to")
    add_nature_option(g)
    add_physics_options(p)
    r = p.add_argument_group("Monte Carlo")
    r.add_argument("-n", "--events", type=EVENTS, default=40_000, metavar="N",
                   help=f"weighted events per mass (default 40000, at most {MAX_EVENTS:.0e})")
    r.add_argument("--seed", type=SEED, default=1, help="random seed >= 0 (mass i uses seed + i)")
    r.add_argument("--background-events", type=EVENTS_IN_MEMORY, default=20_000, metavar="N",
                   help=f"weighted SM nu nubar gamma events for the S^2/B cards (default 20000, at most {MAX_EVENTS_IN_MEMORY:.0e})")


def add_cache_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache", metavar="DIR", help="keep the SM background results in DIR and reuse them in later runs "
                   "(one per card content, selection, statistics and seed; within a run they are reused anyway)")


def structure(args: argparse.Namespace, card: Card) -> tuple[Couplings, dict[str, Any]]:
    """The coupling structure at d_gamma = 1 and its description."""
    from mcgen.physics.model import FLAVOURS, scenario_a, structure_from_a

    if (args.scenario is None) == (args.a is None):
        raise ModelError("give the coupling structure exactly once: --scenario or --a")
    if args.flavor not in FLAVOURS:
        raise ModelError(f"unknown flavour {shown(repr(args.flavor))}: expected one of e, mu, tau")
    a = scenario_a(args.scenario, card.electroweak) if args.scenario is not None else args.a
    couplings = structure_from_a(a, card.electroweak)
    return couplings, {"scenario": args.scenario, "a": a if math.isfinite(a) else None, "flavor": args.flavor,
                       "d_Z_over_d_gamma": couplings.d_Z, "d_W_over_d_gamma": couplings.d_W}


def _run_options(args: argparse.Namespace) -> tuple[tuple[str, Any], ...]:
    return ("--card", args.card), ("--masses", args.masses), ("--flavor", args.flavor)


def require_run_options(args: argparse.Namespace, source: str, files: str) -> None:
    """Without ``source`` (--input, --efficiency) the command makes its own Monte Carlo and needs a
    card, masses and a flavour."""
    for option, value in _run_options(args):
        if value is None:
            raise InputError(f"{option} is required (or give {files} with {source})")


def refuse_run_options(args: argparse.Namespace, source: str, extra: tuple[tuple[str, Any], ...] = (),
                       allow_set: bool = False) -> None:
    """With ``source`` (--input, --efficiency) the card, its --set values, the masses, the flavour and
    the physics options are those the files were made with: giving them again would be silently
    ignored, so it is an error (``allow_set``: the caller checks --set itself)."""
    given = [name for name, value in (*_run_options(args), *extra) if value is not None]
    given += [name for name, value in (("--set", args.overrides and not allow_set), ("--decay-law", args.decay_law != "exact"),
                                       ("--no-st-interference", args.no_st_interference), ("--two-body", args.two_body),
                                       ("--nature", getattr(args, "nature", None)), ("--run", getattr(args, "run", None)))
              if value]
    if given:
        raise InputError(f"{given[0]} does not go with {source}: the card, masses, flavour and physics options are those "
                         "of the files")


def options(args: argparse.Namespace) -> PhysicsOptions:
    return PhysicsOptions(decay_law=args.decay_law, st_interference=not args.no_st_interference,
                          three_body=not args.two_body)


def model(args: argparse.Namespace, card: Card) -> Model:
    return make_model(
        args.mass, args.flavor, card.electroweak,
        d_gamma=getattr(args, "dgamma", None), scenario=args.scenario, a=args.a, d_W=args.dw, d_B=args.db,
        nature=nature(args),
    )


def emit_runs(args: argparse.Namespace, results: dict[str, dict[str, Any]], text: Callable[[dict[str, Any]], str]) -> None:
    """:func:`emit` of a command done per run: one run's result as it is, several under ``runs`` (JSON)
    or one after the other, each under its name (text)."""
    if len(results) == 1:
        emit(args, next(iter(results.values())), text)
    else:
        emit(args, {"runs": results}, lambda r: "\n".join(f"run {name}:\n{text(x)}" for name, x in r["runs"].items()))


class StdoutClosed(Exception):
    """The reader of stdout went away (``mcgen ... --json | head -c 10``): stop without a word."""


def emit(args: argparse.Namespace, result: dict[str, Any], text: Callable[[dict[str, Any]], str]) -> None:
    """One JSON object (non-finite numbers as null) with --json, else the command's text; written
    and flushed here, so that a closed pipe or a full disk is one line, not a traceback at exit."""
    body = json.dumps(finite_or_none(result), allow_nan=False, indent=2) if args.json else text(result)
    try:
        sys.stdout.write(body + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout again at exit
        raise StdoutClosed from None
    except OSError as exc:
        raise OutputError(f"cannot write the result to stdout: {exc.strerror or exc}") from None
