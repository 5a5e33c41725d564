"""Typed, self-describing configuration tables.

A table is a frozen ``kw_only`` dataclass whose fields are made with :func:`number`,
:func:`choice` or :func:`text`. The field metadata (unit, meaning, allowed range) is
the schema: :func:`parse_table` validates a TOML table against it and names the
offending key in a one-line :class:`~mcgen.errors.InputError`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from mcgen.errors import InputError

__all__ = ["number", "choice", "text", "parse_table", "describe", "key_name"]

_REQUIRED = dataclasses.MISSING


def number(
    unit: str,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    default: float | None | Any = _REQUIRED,
) -> Any:
    """A finite real number in [lo, hi] (open ends on request)."""
    meta = {"kind": "number", "unit": unit, "doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open}
    return dataclasses.field(default=default, metadata=meta)


def choice(options: tuple[str, ...], doc: str, *, default: str | Any = _REQUIRED) -> Any:
    """One string out of a fixed set."""
    return dataclasses.field(default=default, metadata={"kind": "choice", "options": options, "doc": doc, "unit": ""})


def text(doc: str, *, default: str | Any = _REQUIRED) -> Any:
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


def _check_value(f: dataclasses.Field, value: Any) -> Any:
    """The validated value, or None when it does not fit the field."""
    m = f.metadata
    if m["kind"] == "text":
        return value if isinstance(value, str) else None
    if m["kind"] == "choice":
        return value if isinstance(value, str) and value in m["options"] else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    x = float(value)
    if not math.isfinite(x):
        return None
    lo, hi = m["lo"], m["hi"]
    if lo is not None and (x < lo or (m["lo_open"] and x == lo)):
        return None
    if hi is not None and (x > hi or (m["hi_open"] and x == hi)):
        return None
    return x


def parse_table(cls: type, table: Any, where: str, name: str, *, require_all: bool = False) -> Any:
    """Build ``cls`` from a TOML table, checking every key against the field metadata.

    ``where`` names the source (a file path) and ``name`` the table, for the messages;
    ``require_all`` makes keys with defaults required too.

    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True, kw_only=True)
    ... class Beam:
    ...     sqrt_s: float = number("GeV", "centre-of-mass energy", lo=0, lo_open=True)
    >>> parse_table(Beam, {"sqrt_s": 91}, "card.toml", "beam")
    Beam(sqrt_s=91.0)
    >>> parse_table(Beam, {"sqrt_s": -1}, "card.toml", "beam")
    Traceback (most recent call last):
    ...
    mcgen.errors.InputError: card.toml: [beam] sqrt_s: expected a finite number > 0 (GeV), got -1
    """
    if not isinstance(table, dict):
        raise InputError(f"{where}: [{name}] must be a table, got {table!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise InputError(f"{where}: unknown key [{name}] {key_name(unknown[0])} (allowed: {', '.join(fields)})")
    values = {}
    for key, f in fields.items():
        if key not in table:
            if f.default is _REQUIRED or require_all:
                raise InputError(f"{where}: missing key [{name}] {key}: expected {describe(f)}")
            continue
        checked = _check_value(f, table[key])
        if checked is None:
            raise InputError(f"{where}: [{name}] {key}: expected {describe(f)}, got {table[key]!r}")
        values[key] = checked
    try:
        return cls(**values)
    except InputError as exc:  # cross-field checks in __post_init__
        raise InputError(f"{where}: [{name}] {exc}") from None
