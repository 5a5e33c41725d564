"""The ``mcgen`` command: one sub-command per module, each with its options (``add_parser``) and a
handler that parses, calls the library and prints (``run``); bad input is one line on stderr, exit 2."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence

from mcgen import progress, termination
from mcgen._version import __version__
from mcgen.cli import background, bench, common, efficiency, generate, info, limits, reproduce, scan, validate
from mcgen.errors import InputError
from mcgen.termination import Terminated

__all__ = ["main", "build_parser", "Terminated"]

COMMANDS = (info, generate, efficiency, limits, scan, background, reproduce, validate, bench)  # in the order of --help


def build_parser() -> common.Parser:
    """The ``mcgen`` argument parser with every sub-command (the CLI reference is generated from it)."""
    parser = common.Parser(prog="mcgen",
                           description="Monte Carlo for heavy neutral leptons with a dipole portal at e+e- colliders.")
    parser.add_argument("--version", action="version", version=f"mcgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _raise_terminated(signum: int, frame: object) -> None:
    termination.request()  # kept even where the exception is dropped (raised inside a finaliser)
    raise Terminated()


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"mcgen: warning: {' '.join(str(message).split())}", file=sys.stderr)


@contextlib.contextmanager
def _cli_signals_and_warnings() -> Iterator[None]:
    """SIGTERM handled as SIGINT, and warnings as one line on stderr, for the duration of a command."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    show = warnings.showwarning
    warnings.showwarning = _one_line_warning
    try:
        yield
    finally:
        warnings.showwarning = show
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _without_numba_extensions() -> None:
    """The CLI runs mcgen's own kernels only: numba's extension entry points (awkward's and vector's
    numba registrations, which import vector, and with it sympy where that is installed) are not
    needed in its process, and cost 0.4-1.3 s at the first kernel. (A private flag of numba's: if it
    is renamed, this does nothing.)"""
    from numba.core import entrypoints

    entrypoints._already_initialized = True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcgen`` console script; returns the exit status."""
    if argv is None:  # the console script's own process (not a caller's, which may use awkward in numba)
        _without_numba_extensions()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        termination.reset()
        with _cli_signals_and_warnings(), progress.enabled(not getattr(args, "json", False)):
            status = args.handler(args)
        termination.check()
        return status
    except InputError as exc:
        print(f"mcgen {args.command}: error: {exc}", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    except common.StdoutClosed:
        return 128 + signal.SIGPIPE
    except Terminated:
        print("mcgen: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("mcgen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
