"""The package is layered along the flow, imports going one way from physics to the edges, with no
cycles. Every import statement counts, module-level or inside a function (read from the source)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import mcgen

PACKAGE = Path(mcgen.__file__).parent
LAYERS = (  # lowest first; a module may import its own subpackage and the layers below it
    ("mcgen.errors", "mcgen.fields", "mcgen._version", "mcgen._numba_cache", "mcgen.simd", "mcgen.fpmath", "mcgen.progress",
     "mcgen.termination"),
    ("mcgen.physics",),
    ("mcgen.config",),
    ("mcgen.detector", "mcgen.selection"),
    ("mcgen.mc",),
    ("mcgen.io",),
    ("mcgen.analysis",),
    ("mcgen.plots",),
    ("mcgen.bench",),
    ("mcgen.cli",),
    ("mcgen", "mcgen.__main__"),
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The mcgen module an imported name lives in (a submodule, or the package that defines it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(name: str, path: Path) -> set[str]:
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) if node.level else node.module
            targets = [f"{base}.{a.name}" for a in node.names]  # a submodule, or a name in base
        else:
            continue
        for target in targets:
            if target and target.split(".")[0] == "mcgen":
                module = _resolve(target)
                if module and module != name:
                    found.add(module)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> tuple[int, str]:
    """(rank, unit): the unit is the subpackage (or foundation module) the module belongs to."""
    best = None
    for rank, units in enumerate(LAYERS):
        for unit in units:
            if (module == unit or module.startswith(unit + ".")) and (best is None or len(unit) > len(best[1])):
                best = (rank, unit)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)
    assert {"mcgen.physics.model", "mcgen.mc.kernel", "mcgen.detector.toy", "mcgen.selection.cuts"} <= set(MODULES)


def test_imports_go_one_way():
    wrong = []
    for module, targets in GRAPH.items():
        rank, unit = _layer(module)
        for target in targets:
            t_rank, t_unit = _layer(target)
            if not (t_rank < rank or t_unit == unit or rank == t_rank == 0):  # the foundation is one layer
                wrong.append(f"{module} -> {target}")
    assert not wrong, wrong


def test_physics_imports_no_edge():
    edges = ("mcgen.config", "mcgen.io", "mcgen.cli", "mcgen.plots", "mcgen.mc", "mcgen.analysis")
    for module, targets in GRAPH.items():
        if module.startswith("mcgen.physics"):
            assert not [t for t in targets if t.startswith(edges)], module


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            assert state.get(target) != 1, "cycle: " + " -> ".join(stack[stack.index(target):] + [target])
            if target not in state:
                visit(target, stack + [target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_the_check_sees_a_cycle_and_a_wrong_way_import():
    """The walker finds lazy imports inside functions (so a cycle cannot hide in one)."""
    assert "mcgen.physics.threebody" in GRAPH["mcgen.physics.model"]
    assert "mcgen.mc.driver" in GRAPH["mcgen"]
    assert _layer("mcgen.physics.model")[0] < _layer("mcgen.config.cards")[0] < _layer("mcgen.mc.kernel")[0]
