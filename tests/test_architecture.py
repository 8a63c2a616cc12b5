"""The layers of `sim/` and the one direction in which they may use each other (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sim"

# A module may import from its own layer and from layers with a lower rank, never from a higher one.
RANK = {"errors": 0, "rules": 1, "engines": 2, "files": 3, "experiments": 4, "plots": 5, "app": 6, "cli": 7}
# Plots draw result folders: they never run a simulation, so they never reach the engines or experiments.
PLOTS_MAY_NOT_USE = ("engines", "experiments")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sim" or len(parts) == 1:
        return None
    return "cli" if parts[1] == "__main__" else parts[1]


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            found.add(node.module)
            if node.module != "sim":  # `from sim import __version__` is the package itself
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("sim"))
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_sits_in_a_known_layer():
    unknown = [m for m in MODULES if m != "sim" and layer(m) not in RANK]
    assert unknown == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "sim"))
def test_imports_run_one_way(module):
    own = layer(module)
    upward = []
    for target in imports(MODULES[module]):
        other = layer(target)
        if other is None or other == own:
            continue
        if RANK[other] > RANK[own] or (own == "plots" and other in PLOTS_MAY_NOT_USE):
            upward.append(target)
    assert upward == [], f"{module} ({own}) imports from a layer above it or one it may not use"


LIBRARY = ("errors", "rules", "engines", "files", "experiments")  # what a notebook imports


def test_no_import_cycles_and_the_depth_stays_small():
    """No cycles anywhere; in the library layers, no chain of module-level imports longer than
    13 modules (the flat package of the first release had chains of 13; the page and the command
    line sit on top and are not counted)."""
    graph = {
        name: {t for t in imports(path, top_level_only=True) if t in MODULES and t != name}
        for name, path in MODULES.items()
    }
    depth: dict[str, int] = {}

    def walk(name: str, stack: tuple[str, ...]) -> int:
        if name in stack:
            raise AssertionError("import cycle: " + " -> ".join((*stack[stack.index(name) :], name)))
        if name not in depth:
            depth[name] = 1 + max((walk(t, (*stack, name)) for t in graph[name]), default=0)
        return depth[name]

    for name in graph:
        walk(name, ())
    deepest = max(d for name, d in depth.items() if layer(name) in LIBRARY)
    assert deepest <= 13, f"the longest chain of module-level imports is {deepest} modules"
    # The page sits on every other layer: its views, their figures and inputs add at most four levels.
    page = max((walk(name, ()) for name in graph if layer(name) == "app"), default=0)
    assert page <= deepest + 4, f"the longest chain of module-level imports from the page is {page} modules"


def test_no_module_over_400_lines_and_no_class_over_250():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
    big = {
        f"{m}.{node.name}": node.end_lineno - node.lineno + 1
        for m, p in MODULES.items()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 250
    }
    assert big == {}
