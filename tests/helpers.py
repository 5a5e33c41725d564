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


THEOREM_EVENTS = 1_000_000
"""The kinematic theorem's phase-space points per card (shared between its runs)."""


def has_escape_cut(card) -> bool:
    """Whether a card (or any of its runs: they share the selection) cuts on the escape bound or Eq. (21)."""
    return card.selection.escape_theta_deg is not None or card.selection.bhabha_cos_theta_b > 0


def shared_between_runs(card, events: int) -> list[tuple[object, int]]:
    """(run card, events) for each of the card's runs (the card itself without runs), ``events`` shared between them."""
    runs = card.run_cards() if card.runs else [card]
    return [(run, events // len(runs)) for run in runs]
