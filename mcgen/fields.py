"""Typed, self-describing fields for configuration dataclasses (the foundation of the card schema).

A table is a frozen ``kw_only`` dataclass whose fields are made with :func:`number`,
:func:`choice` or :func:`text`; the field metadata (unit, meaning, allowed range) is the
schema that :func:`mcgen.config.schema.parse_table` validates against. This module imports
nothing from mcgen, so the physics layer can declare its inputs (``Electroweak``) with it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["number", "choice", "choices", "text", "flag", "bands", "describe", "check_value", "key_name", "REQUIRED"]

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
    why: str = "",
    pair: bool = False,
) -> Any:
    """A finite real number in [lo, hi] (open ends on request); ``why`` says where the range comes
    from (it is shown in the error message). With ``pair``, also a list of two such numbers (one per
    beam, say), kept as a tuple."""
    meta = {"kind": "number", "unit": unit, "doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open,
            "why": why, "pair": pair}
    return dataclasses.field(default=default, metadata=meta)


def choice(options: tuple[str, ...] | Mapping[str, Any], doc: str, *, default: str | Any = REQUIRED) -> Any:
    """One string out of a set: a tuple, or a registry (a dict, read when a value is checked, so that what
    is added to it later is accepted too)."""
    return dataclasses.field(default=default, metadata={"kind": "choice", "options": options, "doc": doc, "unit": ""})


def choices(options: tuple[str, ...], doc: str, *, default: tuple[str, ...] | Any = REQUIRED) -> Any:
    """A list of distinct strings out of a set, at least one (TOML: ["nunugamma", "gammagamma"]); kept as a tuple."""
    return dataclasses.field(default=default, metadata={"kind": "choices", "options": options, "doc": doc, "unit": ""})


def text(doc: str, *, default: str | Any = REQUIRED) -> Any:
    """Free text (names, descriptions, references)."""
    return dataclasses.field(default=default, metadata={"kind": "text", "doc": doc, "unit": ""})


def flag(doc: str, *, default: bool | Any = REQUIRED) -> Any:
    """A switch: TOML true or false (not 0/1, not a string)."""
    return dataclasses.field(default=default, metadata={"kind": "flag", "doc": doc, "unit": ""})


def bands(unit: str, doc: str, *, lo: float, hi: float, most: int, default: Any = REQUIRED) -> Any:
    """A list of up to ``most`` [low, high] intervals within [lo, hi], each low < high, in
    increasing order and not overlapping (TOML: [[12.4, 31.4], [32.2, 128.7]])."""
    meta = {"kind": "bands", "unit": unit, "doc": doc, "lo": lo, "hi": hi, "most": most}
    return dataclasses.field(default=default, metadata=meta)


def describe(f: dataclasses.Field) -> str:
    """What a field expects, in words: 'a number > 0 (GeV)'."""
    m = f.metadata
    if m["kind"] == "choice":
        return "one of " + ", ".join(repr(o) for o in m["options"])
    if m["kind"] == "choices":
        return "a list of distinct names out of " + ", ".join(repr(o) for o in m["options"]) + " (at least one)"
    if m["kind"] == "text":
        return "a string"
    if m["kind"] == "flag":
        return "true or false"
    if m["kind"] == "bands":
        unit = f" ({m['unit']})" if m["unit"] else ""
        return (f"a list of 1 to {m['most']} [low, high] bands within [{m['lo']:g}, {m['hi']:g}]{unit}, each low < high, "
                "in increasing order, not overlapping")
    parts = []
    if m["lo"] is not None:
        parts.append(("> " if m["lo_open"] else ">= ") + f"{m['lo']:g}")
    if m["hi"] is not None:
        parts.append(("< " if m["hi_open"] else "<= ") + f"{m['hi']:g}")
    rng = " and ".join(parts)
    unit = f" ({m['unit']})" if m["unit"] else ""
    why = f": {m['why']}" if m.get("why") else ""
    pair = ", or a pair [a, b] of such numbers" if m.get("pair") else ""
    return f"a finite number{(' ' + rng) if rng else ''}{unit}{pair}{why}"


def check_value(f: dataclasses.Field, value: Any) -> Any:
    """The validated value (numbers as float), or None when it does not fit the field."""
    m = f.metadata
    if m["kind"] == "text":
        return value if isinstance(value, str) else None
    if m["kind"] == "choice":
        return value if isinstance(value, str) and value in m["options"] else None
    if m["kind"] == "choices":
        ok = (isinstance(value, list) and value and all(isinstance(v, str) and v in m["options"] for v in value)
              and len(set(value)) == len(value))
        return tuple(value) if ok else None
    if m["kind"] == "flag":
        return value if isinstance(value, bool) else None
    if m["kind"] == "bands":
        return _check_bands(m, value)
    if m.get("pair") and isinstance(value, list):
        both = [_check_number(m, v) for v in value] if len(value) == 2 else [None]
        return None if None in both else (both[0], both[1])
    return _check_number(m, value)


def _check_number(m: Mapping[str, Any], value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        x = float(value)
    except OverflowError:  # an integer beyond the float range
        return None
    if not math.isfinite(x):
        return None
    lo, hi = m["lo"], m["hi"]
    if lo is not None and (x < lo or (m["lo_open"] and x == lo)):
        return None
    if hi is not None and (x > hi or (m["hi_open"] and x == hi)):
        return None
    return x


def _check_bands(m: Mapping[str, Any], value: Any) -> tuple[tuple[float, float], ...] | None:
    if not isinstance(value, list) or not 1 <= len(value) <= m["most"]:
        return None
    out: list[tuple[float, float]] = []
    for band in value:
        if not isinstance(band, list) or len(band) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in band):
            return None
        a, b = float(band[0]), float(band[1])
        if not (math.isfinite(a) and math.isfinite(b) and m["lo"] <= a < b <= m["hi"]):
            return None
        if out and a < out[-1][1]:  # overlapping, or out of order
            return None
        out.append((a, b))
    return tuple(out)


def key_name(key: object) -> str:
    """A key as it appears in a message: plain if it is a simple name, else quoted (one line)."""
    return key if isinstance(key, str) and key.isidentifier() else repr(key)


