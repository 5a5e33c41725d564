"""Progress on stderr for long runs, off unless the command line turns it on.

The library only reports steps (:func:`task`); the CLI decides whether anyone sees them
(:func:`enabled`: without ``--json``). On a terminal the outermost task draws a bar (tqdm); the
Monte Carlo of one mass inside a limit scan advances the scan's bar, not a bar of its own. When
stderr is a file or a pipe (a batch job's log), a task still running after :data:`QUIET_SECONDS`
gets one line then, and one when it ends.

>>> with task(3, "masses") as step:
...     for _ in range(3):
...         step(1)
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["enabled", "task"]

_state = {"on": False, "tty": False, "depth": 0}
QUIET_SECONDS = 5.0
"""Without a terminal, a task this long gets a line (shorter ones stay silent)."""


@contextlib.contextmanager
def enabled(on: bool) -> Iterator[None]:
    """Show progress for the duration when ``on``: bars on a terminal, else lines for long tasks."""
    before = dict(_state)
    _state["on"], _state["tty"] = bool(on), sys.stderr.isatty()
    try:
        yield
    finally:
        _state["on"], _state["tty"] = before["on"], before["tty"]


def _ignore(n: int = 1) -> None:
    pass


@contextlib.contextmanager
def task(total: int, unit: str, description: str = "mcgen") -> Iterator[Callable[[int], None]]:
    """A step counter for ``total`` units of work: call it with the units done since the last call."""
    outermost = _state["depth"] == 0
    _state["depth"] += 1
    try:
        if not (outermost and _state["on"]):
            yield _ignore
            return
        if not _state["tty"]:
            with _lines(total, unit, description) as step:
                yield step
            return
        from tqdm import tqdm

        with tqdm(total=total, unit=f" {unit}", desc=description, file=sys.stderr, dynamic_ncols=True, leave=False,
                  unit_scale=unit == "events", mininterval=0.2) as bar:
            yield bar.update
    finally:
        _state["depth"] -= 1


@contextlib.contextmanager
def _lines(total: int, unit: str, description: str) -> Iterator[Callable[[int], None]]:
    """A task without a terminal: a line if it is still running after QUIET_SECONDS, and one at its end."""
    import threading
    import time

    start, done = time.monotonic(), [0]
    said = threading.Event()

    def say() -> None:
        said.set()
        print(f"{description}: {done[0]:,} of {total:,} {unit} after {time.monotonic() - start:.0f} s ...", file=sys.stderr, flush=True)

    timer = threading.Timer(QUIET_SECONDS, say)
    timer.daemon = True
    timer.start()

    def step(n: int = 1) -> None:
        done[0] += n

    try:
        yield step
    finally:
        timer.cancel()
    if said.is_set():  # (not when the task ends by an exception: the error says why)
        print(f"{description}: {done[0]:,} of {total:,} {unit} done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
