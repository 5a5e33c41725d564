"""Typed, self-describing fields for configuration dataclasses (the foundation of the card schema).

A table is a frozen ``kw_only`` dataclass whose fields are made with :func:`number`,
:func:`choice` or :func:`text`; the field metadata (unit, meaning, allowed range) is the
schema that :func:`mcgen.config.schema.parse_table` validates against. This module imports
nothing from mcgen, so the physics layer can declare its inputs (``Electroweak``) with it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["number", "choice", "text", "describe", "key_name", "REQUIRED"]

REQUIRED = dataclasses.MISSING


def number(
    unit: str,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    default: float | None | Any = REQUIRED,
) -> Any:
    """A finite real number in [lo, hi] (open ends on request)."""
    meta = {"kind": "number", "unit": unit, "doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open}
    return dataclasses.field(default=default, metadata=meta)


def choice(options: tuple[str, ...], doc: str, *, default: str | Any = REQUIRED) -> Any:
    """One string out of a fixed set."""
    return dataclasses.field(default=default, metadata={"kind": "choice", "options": options, "doc": doc, "unit": ""})


def text(doc: str, *, default: str | Any = REQUIRED) -> Any:
    """Free text (names, descriptions, references)."""
    return dataclasses.field(default=default, metadata={"kind": "text", "doc": doc, "unit": ""})


def describe(f: dataclasses.Field) -> str:
    """What a field expects, in words: 'a number > 0 (GeV)'."""
    m = f.metadata
    if m["kind"] == "choice":
        return "one of " + ", ".join(repr(o) for o in m["options"])
    if m["kind"] == "text":
        return "a string"
    parts = []
    if m["lo"] is not None:
        parts.append(("> " if m["lo_open"] else ">= ") + f"{m['lo']:g}")
    if m["hi"] is not None:
        parts.append(("< " if m["hi_open"] else "<= ") + f"{m['hi']:g}")
    rng = " and ".join(parts)
    unit = f" ({m['unit']})" if m["unit"] else ""
    return f"a finite number{(' ' + rng) if rng else ''}{unit}"


def key_name(key: object) -> str:
    """A key as it appears in a message: plain if it is a simple name, else quoted (one line)."""
    return key if isinstance(key, str) and key.isidentifier() else repr(key)


