"""Progress bars: on stderr for a terminal, silent with --json or when stderr is not a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from mcgen.cli import main

LIMITS = ["limits", "--card", "lep1_opal", "--masses", "5,10,20", "--scenario", "I", "--flavor", "mu", "-n", "2000"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("json_flag, terminal, shown", [([], True, True), (["--json"], True, False), ([], False, False)])
def test_progress_on_a_terminal_only(monkeypatch, json_flag, terminal, shown):
    err = Terminal() if terminal else io.StringIO()
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    assert main([*LIMITS, *json_flag]) == 0
    text = err.getvalue()
    assert ("/3" in text and "masses" in text) == shown, text
    if not shown:
        assert text == ""


def test_background_reports_its_steps(monkeypatch):
    """mcgen background: one bar through training, sampling and the three flavours."""
    err, out = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["background", "--card", "lep2_delphi", "-n", "20000"]) == 0
    text = err.getvalue()
    assert "background lep2_delphi" in text and "/5" in text, text
