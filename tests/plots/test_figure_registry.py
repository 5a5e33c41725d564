"""The figure registry: figures 1-12 in order, each a curves function that needs no matplotlib and a
draw function (tests/plots/test_figures.py draws one from its curves)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mcgen
from mcgen.plots.figures import FIGURES, TITLES

NO_MATPLOTLIB = """
import json, sys
from pathlib import Path
sys.modules["matplotlib"] = None  # any import of matplotlib (or of mplhep, which needs it) fails
from mcgen.config.options import PhysicsOptions
from mcgen.plots.figures import FIGURES, FigureRun
run = FigureRun(Path(sys.argv[1]), 500, 1, PhysicsOptions(), quick=True)
curves = {n: FIGURES[n].curves(run) for n in (1, 2)}
json.dumps(curves)  # as figureN.json is written
print(json.dumps({"keys": {n: sorted(c) for n, c in curves.items()}, "figures": [c["figure"] for c in curves.values()],
                  "matplotlib": sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "mplhep")
                                       and sys.modules[m] is not None)}))
"""


def test_the_registry_has_figures_1_to_11_in_order_with_titles():
    assert list(FIGURES) == list(TITLES) == list(range(1, 13))
    for number, record in FIGURES.items():
        assert record.number == number and record.title == TITLES[number] and record.title
        assert record.name == f"figure{number}" and callable(record.curves) and callable(record.draw)


def test_curves_of_figures_1_and_2_are_computed_without_matplotlib(tmp_path):
    """The curves of a figure (its JSON) need no plotting extra: no module they import loads matplotlib."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(Path(mcgen.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", NO_MATPLOTLIB, str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["figures"] == [1, 2] and out["matplotlib"] == []
    assert out["keys"]["1"] == sorted(["figure", "a", "br_vs_a", "masses", "br_vs_mass", "singular_a", "flavor", "options",
                                       "electroweak"])
    assert out["keys"]["2"] == sorted(["figure", "sqrt_s", "couplings", "electroweak", "charge_states", "options", "m_0.1",
                                       "m_100"])
    assert list(tmp_path.iterdir()) == []  # computing the curves writes nothing
