"""The ``mcgen`` command: one sub-command per module, each with its options (``add_parser``) and a
handler that parses, calls the library and prints (``run``); bad input is one line on stderr, exit 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mcgen._version import __version__
from mcgen.cli import background, bench, common, efficiency, generate, info, limits, reproduce, scan
from mcgen.errors import InputError

__all__ = ["main", "build_parser"]

COMMANDS = (info, generate, efficiency, limits, scan, background, reproduce, bench)  # in the order of --help


def build_parser() -> common.Parser:
    parser = common.Parser(prog="mcgen",
                           description="Monte Carlo for heavy neutral leptons with a dipole portal at e+e- colliders.")
    parser.add_argument("--version", action="version", version=f"mcgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcgen`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"mcgen {args.command}: error: {exc}", file=sys.stderr)
        return common.EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("mcgen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
