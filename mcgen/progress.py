"""Progress bars on stderr (tqdm) for long runs, off unless the command line turns them on.

The library only reports steps (:func:`task`); the CLI decides whether anyone sees them
(:func:`enabled`: on a terminal and without ``--json``). Only the outermost task draws a bar:
the Monte Carlo of one mass inside a limit scan advances the scan's bar, not a bar of its own.

>>> with task(3, "masses") as step:
...     for _ in range(3):
...         step(1)
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["enabled", "task"]

_state = {"on": False, "depth": 0}


@contextlib.contextmanager
def enabled(on: bool) -> Iterator[None]:
    """Show bars for the duration (when stderr is a terminal and ``on``)."""
    before = _state["on"]
    _state["on"] = bool(on) and sys.stderr.isatty()
    try:
        yield
    finally:
        _state["on"] = before


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
        from tqdm import tqdm

        with tqdm(total=total, unit=f" {unit}", desc=description, file=sys.stderr, dynamic_ncols=True, leave=False,
                  unit_scale=unit == "events", mininterval=0.2) as bar:
            yield bar.update
    finally:
        _state["depth"] -= 1
