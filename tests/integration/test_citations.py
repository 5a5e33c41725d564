"""Every test that the documentation, the code and the tests themselves cite exists: a path
(tests/.../test_x.py) is a file, and a test name (`test_...`, alone or after ::) is defined in the test
suite, so that a renamed or moved test cannot leave a page pointing at nothing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("docs/**/*.md"), *ROOT.glob("mcgen/**/*.py"), *ROOT.glob("tests/**/*.py"), ROOT / "README.md",
           ROOT / "CONTRIBUTING.md"]
PATH = re.compile(r"tests/[A-Za-z0-9_/]+\.py")
NAME = re.compile(r"`(?:tests/[A-Za-z0-9_/]+\.py::)?(test_[A-Za-z0-9_]+)(?:\[[^\]`]*\])?`|::(test_[A-Za-z0-9_]+)")


def _defined() -> set[str]:
    return {m.group(1) for p in ROOT.glob("tests/**/test_*.py") for m in re.finditer(r"^def (test_\w+)", p.read_text(), re.M)}


def test_every_cited_test_file_exists():
    missing = sorted({f"{src.relative_to(ROOT)}: {path}" for src in SOURCES if "_build" not in src.parts
                      for path in PATH.findall(src.read_text()) if not (ROOT / path).is_file()})
    assert not missing


def test_every_cited_test_name_is_defined():
    defined = _defined()
    cited = {name for src in SOURCES for m in NAME.finditer(src.read_text()) for name in m.groups() if name}
    assert len(cited) > 100  # the pages name their tests: the check is not vacuous
    missing = sorted({f"{src.relative_to(ROOT)}: {name}" for src in SOURCES if "_build" not in src.parts
                      for m in NAME.finditer(src.read_text()) for name in m.groups() if name and name not in defined})
    assert not missing
