"""The cut language never writes, never runs away, and answers every bad expression in one line."""

from __future__ import annotations

import time

import awkward as ak
import numpy as np
import pytest
import vector

from mcgen.mc.events import cut_fields, events_array
from mcgen.selection.expressions import MAX_DEPTH, MAX_LENGTH, Cut, CutError, combine


def _columns() -> dict[str, np.ndarray]:
    return {"gamma_E": np.array([5.0, 20.0, 300.0]), "gamma_px": np.array([3.0, 0.0, 100.0]), "gamma_py": np.zeros(3),
            "gamma_pz": np.array([4.0, 20.0, 0.0]), "boundary_m": np.array([1.0, 2.0, 3.0]),
            "p_inside": np.array([0.1, 0.2, 0.3]), "truth_pass": np.array([True, False, True]), "n_hits": np.array([1, 2, 3])}


@pytest.mark.parametrize("text", ["maximum(gamma_E, 1000, boundary_m) > 0", "sqrt(gamma_E, p_inside) > 0",
                                  "minimum(gamma_E, 1, p_inside) > 0"])
def test_a_cut_cannot_write_into_a_column(text):
    columns = _columns()
    before = {k: v.copy() for k, v in columns.items()}
    with pytest.raises(CutError, match="takes"):
        Cut.parse(text).evaluate(columns)
    assert all(np.array_equal(before[k], columns[k]) for k in columns)


def test_columns_are_read_only_inside_the_evaluation():
    from mcgen.selection.expressions import _Evaluator

    cut = Cut.parse("gamma_E > 1")
    view = _Evaluator(_columns(), cut.text, cut.tree).column("gamma_E")
    with pytest.raises(ValueError, match="read-only"):
        view[0] = 0.0


@pytest.mark.parametrize(("text", "message"), [
    ("minimum(gamma_E) > 1", "minimum() takes 2 arguments, not 1"),
    ("log(gamma_E, 1) > 0", "log() takes 1 argument, not 2"),
    ("sqrt() > 1", "sqrt() takes 1 argument, not 0"),
    ("-" * 5000 + "gamma_E > 1", f"longer than {MAX_LENGTH} characters"),
    ("not " * 400 + "truth_pass", f"nested deeper than {MAX_DEPTH} levels"),
    (" + ".join(["gamma_E"] * 100) + " > 1", f"nested deeper than {MAX_DEPTH} levels"),
    ("gamma_E ** " + " ** ".join(["2"] * 60) + " > 1", f"nested deeper than {MAX_DEPTH} levels"),
    ("10**10**10 < gamma_E", "'10**10**10' is not a finite number"),  # (as written)
    ("gamma_E > 1/0", "'1/0' is not a finite number"),
    ("gamma_E > 1e400", "'1e400' is not a finite number"),
    ("gamma_E > 1 % 0", "is not a finite number"),
    ("gamma_E > 10**400", "is not a finite number"),
    ("gamma_E > sqrt(-1)", "'sqrt(-1)' is not a finite number"),
    ("gamma_E > (-1)**0.5", "is not a finite number"),
    ("-(gamma_E > 1)", "a sign applies to a number, not conditions"),
    ("truth_pass ** -1 > 0", "arithmetic takes numbers, not conditions"),
    ("gamma > 1", "gamma is a four-momentum record: use a property, e.g. gamma.pt"),
    ("gamma_E > 1 and 2 > 1", "names no column"),
    ("gamma_E + 1", "is a number, not a condition"),
    ("gamma_E.pt > 1", "gamma_E is a column, not a four-momentum record"),
])
def test_bad_expressions_are_one_line(text, message):
    columns = _columns()
    with pytest.raises(CutError) as info:
        combine([Cut.parse(text)], cut_fields(events_array(columns)))
    assert message in str(info.value) and "\n" not in str(info.value)
    assert len(str(info.value)) < 300  # a long expression is shortened in the message


def test_time_is_linear_in_the_number_of_calls():
    columns = _columns()
    text = " and ".join(["abs(gamma_E) > 1"] * 50)  # 50 calls, within the size bounds
    start = time.perf_counter()
    assert Cut.parse(text).evaluate(columns).tolist() == [True, True, True]
    assert time.perf_counter() - start < 5.0  # quadratic walks took minutes at a few thousand calls


def test_flat_branches_and_records_together():
    events = cut_fields(events_array(_columns()))
    assert Cut.parse("gamma_E > 10 and gamma.pt < 50").evaluate(events).tolist() == [False, True, False]
    assert Cut.parse("abs(gamma.cos_theta) < 0.9 and n_hits ** -1 > 0.4").evaluate(events).tolist() == [True, False, False]
    vector.register_awkward()
    record = ak.zip({"px": [3.0], "py": [4.0], "pz": [0.0], "E": [5.0]}, with_name="Momentum4D")
    assert Cut.parse("gamma.pt == 5").evaluate({"gamma": record}).tolist() == [True]


def test_a_python_cut_names_a_records_branches_on_the_awkward_array():
    """On mcgen.read's awkward Array (no cut_fields by the caller), ``gamma_E`` is ``gamma.E``, as in
    ``mcgen efficiency --input --cut``; a name that is no branch stays unknown."""
    events = events_array(_columns())
    assert Cut.parse("gamma_E > 10").evaluate(events).tolist() == Cut.parse("gamma.E > 10").evaluate(events).tolist()
    assert Cut.parse("gamma_E > 10 and gamma.pt < 50").evaluate(events).tolist() == [False, True, False]
    with pytest.raises(CutError, match="unknown name 'gamma_mass'"):
        Cut.parse("gamma_mass > 0").evaluate(events)
