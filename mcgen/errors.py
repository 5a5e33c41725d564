"""Exceptions for bad user input: one base type, and one subclass per kind of input.

The CLI catches :class:`InputError` (one line on stderr, exit status 2); a library caller can
catch the subclass it can act on: fix the card, the model, install an extra, or pick another
output path.
"""

from __future__ import annotations

__all__ = ["InputError", "CardError", "ModelError", "NoPhaseSpaceError", "MissingExtraError", "OutputError", "shown"]

_SHOWN_MAX = 120


def shown(value: object) -> str:
    """A user-given name or value as it goes into a one-line message: itself if it is short and
    printable, else its ``repr`` (newlines escaped), cut to a readable length.

    >>> shown("run.root"), shown("a\\nb"), len(shown("x" * 5000)) < 200
    ('run.root', "'a\\\\nb'", True)
    """
    text = str(value)
    if not text.isprintable():
        text = repr(text)
    if len(text) > _SHOWN_MAX:
        text = f"{text[:_SHOWN_MAX // 2]}...{text[-_SHOWN_MAX // 4:]} ({len(str(value))} characters)"
    return text


class InputError(ValueError):
    """Bad user input: the message is one line that says what was wrong and what was expected.

    The CLI prints it on stderr and exits with status 2.
    """


class CardError(InputError):
    """A bad card: not found, not TOML, an unknown table or key, a value out of range, a bad ``--set``.

    The message names the file, the key and what was expected.
    """


class ModelError(InputError):
    """A bad HNL model: mass, coupling, scenario, flavour, ``a`` at the singular point, or a
    physics option; also a mass the card's collider cannot produce."""


class NoPhaseSpaceError(ModelError):
    """A mass so near the threshold that the beams (ISR, spread) almost never reach above it: no
    event, or no event of non-zero weight, in bounded time. A limit scan gives such a mass null."""


class MissingExtraError(InputError):
    """An optional extra is not installed; the message says which ``pip install 'mcgen[extra]'`` adds it."""


class OutputError(InputError):
    """An output cannot be written: it exists (and ``force`` is not given), is a directory, or
    its folder is missing or read-only. Nothing has been written."""
