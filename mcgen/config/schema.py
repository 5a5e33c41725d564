"""Validation of a TOML table against a typed dataclass (fields from :mod:`mcgen.fields`):
:func:`parse_table` names the offending key in a one-line :class:`~mcgen.errors.CardError`."""

from __future__ import annotations

import dataclasses
import reprlib
from typing import Any

from mcgen.errors import CardError, InputError
from mcgen.fields import REQUIRED, check_value, describe, key_name

__all__ = ["parse_table", "short_repr"]

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 40, 40


def short_repr(value: Any) -> str:
    """A value from a card as it is quoted in a message: short, one line, safe for any nesting.

    >>> short_repr([[[[1]]]]), short_repr("x" * 100)
    ('[[[...]]]', "'xxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx'")
    """
    return _REPR.repr(value)


def parse_table(cls: type, table: Any, where: str, name: str, *, require: tuple[str, ...] = ()) -> Any:
    """Build ``cls`` from a TOML table, checking every key against the field metadata.

    ``where`` names the source (a file path) and ``name`` the table, for the messages;
    ``require`` names keys that the table must give although they have defaults.

    >>> import dataclasses
    >>> from mcgen.fields import number
    >>> @dataclasses.dataclass(frozen=True, kw_only=True)
    ... class Beam:
    ...     sqrt_s: float = number("GeV", "centre-of-mass energy", lo=0, lo_open=True)
    >>> parse_table(Beam, {"sqrt_s": 91}, "card.toml", "beam")
    Beam(sqrt_s=91.0)
    >>> parse_table(Beam, {"sqrt_s": -1}, "card.toml", "beam")
    Traceback (most recent call last):
    ...
    mcgen.errors.CardError: card.toml: [beam] sqrt_s: expected a finite number > 0 (GeV), got -1
    """
    if not isinstance(table, dict):
        raise CardError(f"{where}: [{name}] must be a table, got {short_repr(table)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise CardError(f"{where}: unknown key [{name}] {key_name(unknown[0])} (allowed: {', '.join(fields)})")
    values = {}
    for key, f in fields.items():
        if key not in table:
            if f.default is REQUIRED or key in require:
                raise CardError(f"{where}: missing key [{name}] {key}: expected {describe(f)}")
            continue
        checked = check_value(f, table[key])
        if checked is None:
            raise CardError(f"{where}: [{name}] {key}: expected {describe(f)}, got {short_repr(table[key])}")
        values[key] = checked
    try:
        return cls(**values)
    except InputError as exc:  # cross-field checks in __post_init__
        raise CardError(f"{where}: [{name}] {exc}") from None
