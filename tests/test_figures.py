"""mcgen reproduce: the LEP figures are drawn with the JSON of their curves."""

from __future__ import annotations

import json

import pytest

from helpers import run_cli as run

pytest.importorskip("mplhep")




@pytest.mark.parametrize("figure", [3, 4, 5])
def test_figures_are_written_with_their_curves(capsys, tmp_path, figure):
    code, out, err = run(capsys, ["reproduce", "--figure", str(figure), "-o", str(tmp_path), "--quick", "-n", "3000", "--json"])
    assert code == 0, err
    files = json.loads(out)["files"]
    assert sorted(p.rsplit(".", 1)[1] for p in files) == ["json", "pdf", "png"]
    curves = json.loads((tmp_path / f"figure{figure}.json").read_text())
    assert curves["figure"] == figure and curves["options"]["decay_law"] == "exact"
    if figure == 4:
        opal = curves["opal"]
        assert opal["limit"] == 0.15 and len(opal["a"]) == len(opal["e"]) == len(opal["mu"])
        peak = max(range(len(opal["a"])), key=lambda i: opal["e"][i])
        assert abs(opal["a"][peak] - (-3.647)) < 0.5  # the singular point a = -2 cot(theta_w)
    code, _, err = run(capsys, ["reproduce", "--figure", str(figure), "-o", str(tmp_path), "--quick", "-n", "3000"])
    assert code == 2 and "--force" in err


def test_unknown_figure_and_bad_directory(capsys, tmp_path):
    code, _, err = run(capsys, ["reproduce", "--figure", "9", "-o", str(tmp_path)])
    assert code == 2 and "not available" in err and err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, ["reproduce", "--figure", "3", "-o", str(blocker)])
    assert code == 2 and "not a directory" in err
