"""SIGTERM as an exception, and a record that it came.

The CLI raises :class:`Terminated` from its SIGTERM handler so that every ``finally`` runs. An
exception raised while Python runs a finaliser (a ``__del__`` of a file object, say) is printed
and dropped, so the handler also records the request: an output is never published after it
(:func:`check`), and the command exits as terminated even if the exception was lost.
"""

from __future__ import annotations

__all__ = ["Terminated", "request", "requested", "check", "reset"]

_requested = False


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (temporary files, open writers) runs."""


def request() -> None:
    """Record a termination request (called by the signal handler before it raises)."""
    global _requested
    _requested = True


def requested() -> bool:
    """Whether a termination was requested in this process since the last :func:`reset`."""
    return _requested


def check() -> None:
    """Raise :class:`Terminated` if a termination was requested (before an output is published).

    >>> reset(); check(); request(); requested()
    True
    >>> try:
    ...     check()
    ... except Terminated:  # a KeyboardInterrupt, which doctest would not catch itself
    ...     print("terminated")
    terminated
    >>> reset()
    """
    if _requested:
        raise Terminated()


def reset() -> None:
    """Forget a request (at the start of a command run in-process)."""
    global _requested
    _requested = False
