"""User cut expressions over event columns, parsed safely (never by Python's eval).

An expression combines branch names (``gamma_reco_pt``, ``truth_pass``), four-momentum records
with their vector properties (``gamma_reco.pt``, ``gamma.eta``, ``N.E``; ``cos_theta`` is an alias
of vector's ``costheta``), numbers, arithmetic (``+ - * / ** %``), comparisons (chains too), ``and``,
``or``, ``not`` and the functions abs, sqrt, exp, log, cos, sin, tan, arccos, arcsin, arctan,
minimum, maximum:

>>> import numpy as np
>>> cut = Cut.parse("E > 10 and abs(c) < 0.9")
>>> cut.names
('E', 'c')
>>> cut.evaluate({"E": np.array([5.0, 20.0, 30.0]), "c": np.array([0.0, 0.5, 0.95])}).tolist()
[False, True, False]

The expression is checked when parsed (an unsupported construct, a function given the wrong number
of arguments, more than :data:`MAX_LENGTH` characters, :data:`MAX_NODES` parts or :data:`MAX_DEPTH`
levels: one clear line) and typed before it is evaluated (arithmetic and functions take numbers,
``and``/``or``/``not`` take conditions, a record needs a property; an unknown name is one line naming
what there is). A part without names (``10**3``) is computed once in float64 and must be finite. The
evaluation reads read-only views of the columns: a cut never writes. Time and memory are linear in
the expression's size.
"""

from __future__ import annotations

import ast
import dataclasses
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.errors import InputError

__all__ = ["Cut", "CutError", "FUNCTIONS", "ALIASES", "PROPERTIES", "MAX_LENGTH", "MAX_NODES", "MAX_DEPTH", "combine"]


class CutError(InputError):
    """A cut expression that cannot be parsed, or names a column the events do not have."""


FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "abs": (np.abs, 1), "sqrt": (np.sqrt, 1), "exp": (fpmath.exp, 1), "log": (fpmath.log, 1), "cos": (fpmath.cos, 1),
    "sin": (fpmath.sin, 1), "tan": (fpmath.tan, 1), "arccos": (fpmath.acos, 1), "arcsin": (fpmath.asin, 1),
    "arctan": (fpmath.atan, 1), "minimum": (np.minimum, 2), "maximum": (np.maximum, 2),
}
"""The functions a cut may call, with their number of arguments (checked before evaluation: numpy's
functions take an ``out`` array as an extra positional argument, which a cut must never pass)."""
ALIASES = {"cos_theta": "costheta"}
"""Attribute names accepted besides vector's own (mcgen's branch spelling)."""
PROPERTIES = ("pt", "eta", "phi", "theta", "costheta", "cos_theta", "rapidity", "E", "energy", "px", "py", "pz", "p", "mass",
              "mt", "et")
"""The four-momentum properties a cut may use (vector's names)."""
MAX_LENGTH = 2000
"""Characters in one expression."""
MAX_NODES = 500
"""Syntax-tree nodes in one expression (names, numbers, operators, calls)."""
MAX_DEPTH = 40
"""Nesting of operators and calls."""
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.Mod: operator.mod}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
            ast.NotEq: operator.ne}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
            ast.Compare, ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.Load, *_BINARY, *_COMPARE)
NUMBER, CONDITION, RECORD = "number", "condition", "record"


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a message, shortened to about ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _check(tree: ast.Expression, text: str) -> None:
    """Only the constructs of the module docstring, within the size and depth bounds, functions with
    their number of arguments; anything else is refused before evaluation."""
    where = f"cut {shown(text)}"
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    nodes = 0
    while stack:
        sub, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise CutError(f"{where}: more than {MAX_NODES} names, numbers and operators")
        if depth > MAX_DEPTH:
            raise CutError(f"{where}: nested deeper than {MAX_DEPTH} levels")
        if not isinstance(sub, _ALLOWED):
            raise CutError(f"{where}: {type(sub).__name__.lower()} is not allowed in a cut expression")
        if isinstance(sub, ast.Constant) and (isinstance(sub.value, bool) or not isinstance(sub.value, (int, float))):
            raise CutError(f"{where}: only numbers may appear as constants, not {shown(repr(sub.value), 20)}")
        if isinstance(sub, ast.Call):
            if not isinstance(sub.func, ast.Name) or sub.func.id not in FUNCTIONS:
                raise CutError(f"{where}: unknown function (allowed: {', '.join(FUNCTIONS)})")
            if sub.keywords:
                raise CutError(f"{where}: functions take positional arguments only")
            arity = FUNCTIONS[sub.func.id][1]
            if len(sub.args) != arity:
                raise CutError(f"{where}: {sub.func.id}() takes {arity} argument{'s' if arity > 1 else ''}, "
                               f"not {len(sub.args)}")
        if isinstance(sub, ast.Attribute) and not isinstance(sub.value, ast.Name):
            raise CutError(f"{where}: properties are taken of a record name, e.g. gamma_reco.pt")
        if isinstance(sub, ast.Attribute) and sub.attr not in PROPERTIES:
            raise CutError(f"{where}: no four-momentum property {sub.attr!r} (allowed: {', '.join(PROPERTIES)})")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(sub))


@dataclasses.dataclass(frozen=True)
class Cut:
    """One parsed cut expression."""

    text: str
    tree: ast.Expression

    @classmethod
    def parse(cls, text: str) -> Cut:
        if not isinstance(text, str) or not text.strip():
            raise CutError("empty cut expression")
        if len(text) > MAX_LENGTH:
            raise CutError(f"cut {shown(text)}: longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise CutError(f"cut {shown(text)}: not a valid expression ({exc.msg})") from None
        except (RecursionError, MemoryError):
            raise CutError(f"cut {shown(text)}: nested deeper than {MAX_DEPTH} levels") from None
        _check(tree, text)
        cut = cls(text.strip(), tree)
        if not cut.names:
            raise CutError(f"cut {shown(text)}: names no column, so it is the same for every event")
        return cut

    @property
    def names(self) -> tuple[str, ...]:
        """The column and record names the expression reads, in order of appearance."""
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        seen: dict[str, None] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and id(node) not in called:
                seen.setdefault(node.id)
        return tuple(seen)

    def evaluate(self, events: Mapping[str, Any] | Any) -> np.ndarray:
        """The pass flag per event: ``events`` maps names to arrays (an awkward Array of
        mcgen.read, or a dict of numpy columns). The columns are read, never written."""
        if hasattr(events, "fields"):  # an awkward Array of mcgen.read: its records' branches too
            events = _with_record_branches(events, self.names)
        fields = set(events)
        unknown = [n for n in self.names if n not in fields]
        if unknown:
            raise CutError(f"cut {shown(self.text)}: unknown name {unknown[0]!r} (the events have: {', '.join(sorted(fields))})")
        evaluator = _Evaluator(events, self.text, self.tree)
        if evaluator.kind(self.tree.body) != CONDITION:
            raise CutError(f"cut {shown(self.text)}: is a number, not a condition (compare it, e.g. ... > 0)")
        with np.errstate(all="ignore"):
            return np.asarray(evaluator.value(self.tree.body), dtype=bool)


_COMPONENTS = ("E", "px", "py", "pz")


def _with_record_branches(events: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The fields of an awkward Array, and the names that are a four-momentum record's component
    branch in an event file (``gamma_E`` is ``gamma.E``, ``gamma_reco_px`` is ``gamma_reco.px``):
    a cut reads the same on a file's columns and on mcgen.read's records."""
    out = {name: events[name] for name in events.fields}
    for name in names:
        record, _, component = name.rpartition("_")
        if name not in out and component in _COMPONENTS and record in out and component in getattr(out[record], "fields", ()):
            out[name] = out[record][component]
    return out


class _Evaluator:
    """Types the tree (number, condition, record) before any arithmetic, then evaluates it on
    read-only views of the columns; a part without names is computed once and must be finite."""

    def __init__(self, events: Any, text: str, tree: ast.Expression) -> None:
        self.events, self.where, self.source = events, f"cut {shown(text)}", text.strip()  # (what the tree was parsed from)
        self.columns: dict[str, Any] = {}
        self.named: set[int] = set()  # the nodes with a name below them (the rest are constants)
        self._mark(tree)

    def _mark(self, node: ast.AST) -> bool:
        has = isinstance(node, (ast.Name, ast.Attribute))
        for child in node.args if isinstance(node, ast.Call) else ast.iter_child_nodes(node):  # not the function's name
            has = self._mark(child) or has
        if has:
            self.named.add(id(node))
        return has

    def column(self, name: str) -> Any:
        if name not in self.columns:
            values = self.events[name]
            if hasattr(values, "fields") and values.fields:
                self.columns[name] = values
            else:
                array = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)
                if array.dtype.kind in "iu":  # whole numbers: arithmetic in float64, as everything else
                    array = array.astype(np.float64)
                view = array.view()
                view.flags.writeable = False
                self.columns[name] = view
        return self.columns[name]

    def kind(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant):
            return NUMBER
        if isinstance(node, ast.Name):
            values = self.column(node.id)
            if isinstance(values, np.ndarray):
                return CONDITION if values.dtype == np.bool_ else NUMBER
            return RECORD
        if isinstance(node, ast.Attribute):
            assert isinstance(node.value, ast.Name)
            if self.kind(node.value) != RECORD:
                raise CutError(f"{self.where}: {node.value.id} is a column, not a four-momentum record")
            return NUMBER
        if isinstance(node, ast.BoolOp):
            self._require(node.values, CONDITION, "'and'/'or' join conditions, not numbers")
            return CONDITION
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self._require([node.operand], CONDITION, "'not' takes a condition")
                return CONDITION
            self._require([node.operand], NUMBER, "a sign applies to a number")
            return NUMBER
        if isinstance(node, ast.BinOp):
            self._require([node.left, node.right], NUMBER, "arithmetic takes numbers")
            return NUMBER
        if isinstance(node, ast.Compare):
            self._require([node.left, *node.comparators], NUMBER, "comparisons take numbers")
            return CONDITION
        assert isinstance(node, ast.Call)
        self._require(node.args, NUMBER, "functions take numbers")
        return NUMBER

    def _require(self, nodes: list[Any], kind: str, what: str) -> None:
        for node in nodes:
            found = self.kind(node)
            if found == RECORD:
                name = node.id if isinstance(node, ast.Name) else "a record"
                raise CutError(f"{self.where}: {name} is a four-momentum record: use a property, e.g. {name}.pt")
            if found != kind:
                raise CutError(f"{self.where}: {what}, not {'conditions' if found == CONDITION else 'numbers'}")

    def value(self, node: ast.AST) -> Any:
        if id(node) not in self.named:
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self.column(node.id)
        if isinstance(node, ast.Attribute):
            assert isinstance(node.value, ast.Name)
            values = getattr(self.column(node.value.id), ALIASES.get(node.attr, node.attr))
            return np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values, dtype=np.float64)
        if isinstance(node, ast.BoolOp):
            values = [self.value(v) for v in node.values]
            return np.logical_and.reduce(values) if isinstance(node.op, ast.And) else np.logical_or.reduce(values)
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not):
                return np.logical_not(operand)
            return np.negative(operand) if isinstance(node.op, ast.USub) else np.positive(operand)
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self.value(node.left), self.value(node.right))
        if isinstance(node, ast.Compare):
            left, result = self.value(node.left), None
            for op, right_node in zip(node.ops, node.comparators):
                right = self.value(right_node)
                step = np.asarray(_COMPARE[type(op)](left, right))
                result = step if result is None else result & step
                left = right
            return result
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        function, _ = FUNCTIONS[node.func.id]
        return function(*(self.value(a) for a in node.args))

    def _constant(self, node: ast.AST) -> Any:
        """A part of the expression without names, in float64 (so no integer can grow without bound)."""
        if isinstance(node, ast.Constant):
            number = node.value
            assert isinstance(number, (int, float))  # _check allows nothing else
            try:
                value = np.float64(number)
            except OverflowError:
                value = np.float64(np.inf)
        elif isinstance(node, ast.UnaryOp):
            value = -self._constant(node.operand) if isinstance(node.op, ast.USub) else self._constant(node.operand)
        elif isinstance(node, ast.BinOp):
            value = _BINARY[type(node.op)](self._constant(node.left), self._constant(node.right))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            value = np.float64(FUNCTIONS[node.func.id][0](*(self._constant(a) for a in node.args)))
        else:  # a comparison or 'and'/'or'/'not' of numbers alone
            raise CutError(f"{self.where}: {shown(self._written(node), 30)} names no column, so it is the same for every event")
        if not np.isfinite(value):
            raise CutError(f"{self.where}: {shown(self._written(node), 30)} is not a finite number")
        return value

    def _written(self, node: ast.AST) -> str:
        """A part of the cut as the user wrote it (ast.unparse would show 1e400 as 1e309)."""
        return ast.get_source_segment(self.source, node) or ast.unparse(node)


def combine(cuts: list[Cut], events: Any) -> np.ndarray:
    """All cuts at once (their logical and)."""
    return np.logical_and.reduce([c.evaluate(events) for c in cuts])
