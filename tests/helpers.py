"""Helpers shared by the tests."""

from __future__ import annotations

from mcgen.cli import main


def run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    """Run ``mcgen argv`` in-process: (exit status, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits by itself for usage errors and --help
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err
