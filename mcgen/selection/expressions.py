"""User cut expressions over event columns, parsed safely (never by Python's eval).

An expression combines branch names (``gamma_reco_pt``, ``truth_pass``), four-momentum records
with their vector properties (``gamma_reco.pt``, ``gamma.eta``, ``N.E``; ``cos_theta`` is an alias
of vector's ``costheta``), numbers, arithmetic (+ - * / **), comparisons (chains too), ``and``,
``or``, ``not`` and the functions abs, sqrt, exp, log, cos, sin, tan, arccos, arcsin, arctan,
minimum, maximum:

>>> import numpy as np
>>> cut = Cut.parse("E > 10 and abs(c) < 0.9")
>>> cut.names
('E', 'c')
>>> cut.evaluate({"E": np.array([5.0, 20.0, 30.0]), "c": np.array([0.0, 0.5, 0.95])}).tolist()
[False, True, False]

The expression is checked when parsed (an unsupported construct is one clear line) and its names
when evaluated (an unknown name is one clear line naming what there is).
"""

from __future__ import annotations

import ast
import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from mcgen.errors import InputError

__all__ = ["Cut", "CutError", "FUNCTIONS", "ALIASES", "PROPERTIES", "combine"]


class CutError(InputError):
    """A cut expression that cannot be parsed, or names a column the events do not have."""


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs, "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "cos": np.cos, "sin": np.sin, "tan": np.tan,
    "arccos": np.arccos, "arcsin": np.arcsin, "arctan": np.arctan, "minimum": np.minimum, "maximum": np.maximum,
}
ALIASES = {"cos_theta": "costheta"}
"""Attribute names accepted besides vector's own (mcgen's branch spelling)."""
PROPERTIES = ("pt", "eta", "phi", "theta", "costheta", "cos_theta", "rapidity", "E", "energy", "px", "py", "pz", "p", "mass",
              "mt", "et")
"""The four-momentum properties a cut may use (vector's names)."""
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
            ast.NotEq: operator.ne}


def _check(node: ast.AST, text: str) -> None:
    """Only the constructs of the module docstring; anything else is refused before evaluation."""
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
               ast.Compare, ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.Load, *_BINARY, *_COMPARE)
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise CutError(f"cut {text!r}: {type(sub).__name__.lower()} is not allowed in a cut expression")
        if isinstance(sub, ast.Constant) and (isinstance(sub.value, bool) or not isinstance(sub.value, (int, float))):
            raise CutError(f"cut {text!r}: only numbers may appear as constants, not {sub.value!r}")
        if isinstance(sub, ast.Call):
            if not isinstance(sub.func, ast.Name) or sub.func.id not in FUNCTIONS:
                raise CutError(f"cut {text!r}: unknown function (allowed: {', '.join(FUNCTIONS)})")
            if sub.keywords:
                raise CutError(f"cut {text!r}: functions take positional arguments only")
        if isinstance(sub, ast.Attribute) and not isinstance(sub.value, ast.Name):
            raise CutError(f"cut {text!r}: properties are taken of a record name, e.g. gamma_reco.pt")
        if isinstance(sub, ast.Attribute) and sub.attr not in PROPERTIES:
            raise CutError(f"cut {text!r}: no four-momentum property {sub.attr!r} (allowed: {', '.join(PROPERTIES)})")


@dataclasses.dataclass(frozen=True)
class Cut:
    """One parsed cut expression."""

    text: str
    tree: ast.Expression

    @classmethod
    def parse(cls, text: str) -> Cut:
        if not isinstance(text, str) or not text.strip():
            raise CutError("empty cut expression")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise CutError(f"cut {text!r}: not a valid expression ({exc.msg})") from None
        _check(tree, text)
        cut = cls(text.strip(), tree)
        if not cut.names:
            raise CutError(f"cut {text!r}: names no column, so it is the same for every event")
        return cut

    @property
    def names(self) -> tuple[str, ...]:
        """The column and record names the expression reads, in order of appearance."""
        seen: dict[str, None] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and not (node.id in FUNCTIONS and _is_called(self.tree, node)):
                seen.setdefault(node.id)
        return tuple(seen)

    def evaluate(self, events: Mapping[str, Any] | Any) -> np.ndarray:
        """The pass flag per event: ``events`` maps names to arrays (an awkward Array of
        mcgen.read, or a dict of numpy columns)."""
        fields = set(events.fields) if hasattr(events, "fields") else set(events)
        unknown = [n for n in self.names if n not in fields]
        if unknown:
            raise CutError(f"cut {self.text!r}: unknown name {unknown[0]!r} (the events have: {', '.join(sorted(fields))})")
        with np.errstate(all="ignore"):
            value = _Evaluator(events, self.text).visit(self.tree.body)
        flags = np.asarray(value)
        if flags.dtype != np.bool_:
            raise CutError(f"cut {self.text!r}: is a number, not a condition (compare it, e.g. {self.text} > 0)")
        return flags


def _is_called(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


class _Evaluator(ast.NodeVisitor):
    def __init__(self, events: Any, text: str) -> None:
        self.events, self.text = events, text

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        values = [np.asarray(self.visit(v)) for v in node.values]
        for v in values:
            if v.dtype != np.bool_:
                raise CutError(f"cut {self.text!r}: 'and'/'or' join conditions, not numbers")
        return np.logical_and.reduce(values) if isinstance(node.op, ast.And) else np.logical_or.reduce(values)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return np.logical_not(value)
        return -value if isinstance(node.op, ast.USub) else value

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            step = np.asarray(_COMPARE[type(op)](left, right))
            result = step if result is None else result & step
            left = right
        return result

    def visit_Call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(self.visit(a) for a in node.args))

    def visit_Name(self, node: ast.Name) -> Any:
        return _numpy(self.events[node.id])

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        assert isinstance(node.value, ast.Name)
        record = self.events[node.value.id]
        attr = ALIASES.get(node.attr, node.attr)
        if not hasattr(record, "fields") or not record.fields:
            raise CutError(f"cut {self.text!r}: {node.value.id} is a column, not a four-momentum record")
        return _numpy(getattr(record, attr))

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def generic_visit(self, node: ast.AST) -> Any:  # _check lets nothing else through
        raise CutError(f"cut {self.text!r}: {type(node).__name__.lower()} is not allowed")


def _numpy(values: Any) -> Any:
    if hasattr(values, "to_numpy"):
        return values.to_numpy()
    return np.asarray(values)


def combine(cuts: list[Cut], events: Any) -> np.ndarray:
    """All cuts at once (their logical and)."""
    return np.logical_and.reduce([c.evaluate(events) for c in cuts])
