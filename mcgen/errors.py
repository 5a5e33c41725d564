"""The one exception type for bad user input."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input: the message is one line that says what was wrong and what was expected.

    The CLI prints it on stderr and exits with status 2.
    """
