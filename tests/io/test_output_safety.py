"""Outputs appear whole or not at all: killed writers leave nothing behind, a file that appears
while writing is not replaced without --force, long and odd names are one-line errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as run

from mcgen.errors import OutputError
from mcgen.io import output
from mcgen.io.output import atomic_output, check_output_path

MODEL = ["--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "mu"]
WRITERS = {
    "generate": ("mcgen.io.RootWriter", "close",
                 ["generate", "--card", "lep1_opal", *MODEL, "-n", "2000", "--seed", "1"]),
    "background": ("mcgen.io", "write_background_root", ["background", "--card", "cepc_h", "-n", "2000", "--seed", "1"]),
    "efficiency": ("mcgen.io", "write_efficiency_root",
                   ["efficiency", "--card", "cepc_h", "--masses", "10", "--scenario", "I", "--flavor", "mu", "-n", "2000"]),
}
# The writer is made to stop for a minute once it has written the whole file but before the file
# is linked into place, and announce it: the signal then lands in the middle of the write.
STALLED_WRITER = """
import importlib, sys, time
owner, name, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
module, _, cls = owner.partition(".io.")
target = importlib.import_module("mcgen.io") if not cls else getattr(importlib.import_module("mcgen.io"), cls)
original = getattr(target, name)
def stalled(*args, **kwargs):
    original(*args, **kwargs)
    print("written", file=sys.stderr, flush=True)
    time.sleep(60)
setattr(target, name, stalled)
from mcgen.cli import main
sys.exit(main(argv))
"""


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(WRITERS))
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_writer_leaves_no_file(tmp_path, command, sig):
    owner, name, argv = WRITERS[command]
    out = tmp_path / "out.root"
    proc = subprocess.Popen([sys.executable, "-c", STALLED_WRITER, owner, name, *argv, "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    before = []  # progress lines of a long task (stderr is no terminal) may come first
    while (line := proc.stderr.readline()) not in ("written\n", ""):
        before.append(line)
    assert line == "written\n", "".join(before) + proc.stderr.read()
    assert _leftovers(tmp_path) == []  # the complete content has no name yet
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == (-sig if sig == signal.SIGKILL else 128 + sig), err
    if sig == signal.SIGTERM:
        assert [x for x in err.strip().splitlines() if not x.endswith(" s ...")] == ["mcgen: terminated"]
    assert _leftovers(tmp_path) == []


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path):
    target = tmp_path / "a.json"
    with pytest.raises(OutputError, match="appeared while writing"):
        with atomic_output(check_output_path(target, force=False)) as tmp:
            tmp.write_text("new")
            target.write_text("theirs")
    assert target.read_text() == "theirs" and _leftovers(tmp_path) == ["a.json"]
    with atomic_output(check_output_path(target, force=True), force=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == ["a.json"]


def test_without_unnamed_files_stale_parts_of_dead_processes_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "_unnamed_file", lambda folder: None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".a.json.{int(dead.stdout)}.0badc0de.part"
    mine = tmp_path / f".a.json.{os.getpid()}.12345678.part"
    stale.write_text("left by a killed run")
    mine.write_text("still being written")
    with atomic_output(tmp_path / "a.json") as tmp:
        tmp.write_text("{}")
    assert _leftovers(tmp_path) == [mine.name, "a.json"]
    with pytest.raises(OutputError, match="appeared while writing"):
        with atomic_output(tmp_path / "a.json") as tmp:
            tmp.write_text("again")
    assert (tmp_path / "a.json").read_text() == "{}"


def test_a_failed_write_is_one_line(tmp_path):
    with pytest.raises(OutputError, match="cannot write .*No space left"):
        with atomic_output(tmp_path / "a.json"):
            raise OSError(28, "No space left on device")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["x" * 300 + ".root", "no\nsuch/a.root", "dir/" * 2000 + "a.root"])
def test_long_or_odd_output_names_are_one_line(capsys, tmp_path, name):
    code, _, err = run(capsys, ["generate", "--card", "lep1_opal", *MODEL, "-n", "10", "-o", str(tmp_path / name)])
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert len(err) < 400
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_sigterm_whose_exception_is_dropped_still_ends_the_command(tmp_path):
    """SIGTERM that lands while Python runs a finaliser (a file object's ``__del__``): the exception
    is printed and dropped, but the command publishes nothing and exits as terminated."""
    out = tmp_path / "eff.root"
    script = """
import gc, os, signal, sys
from mcgen.cli import main
from mcgen.io import output
class Finaliser:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)  # the handler raises here, and Python drops it
original = output._publish
def publish(*args, **kwargs):
    Finaliser(); gc.collect()
    return original(*args, **kwargs)
output._publish = publish
sys.exit(main(sys.argv[1:]))
"""
    argv = ["efficiency", "--card", "lep1_opal", "--masses", "10", "--scenario", "I", "--flavor", "mu", "-n", "500", "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "Exception ignored" in proc.stderr and proc.stderr.strip().endswith("mcgen: terminated")
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_an_output_that_is_where_stdout_goes_is_refused(tmp_path):
    """``limits --plot lim.png --json --force > lim.json``: the plot's JSON would replace what the
    command prints (the redirect's file); refused in one line, the file left as the shell made it."""
    target = tmp_path / "lim.json"
    argv = [sys.executable, "-m", "mcgen", "limits", "--card", "lep1_opal", "--masses", "10", "--scenario", "I", "--flavor", "mu",
            "-n", "500", "--plot", str(tmp_path / "lim.png"), "--json", "--force"]
    with open(target, "w") as stdout:
        done = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 2 and "is where standard output goes" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert target.read_text() == "" and not (tmp_path / "lim.png").exists()
