"""The house rules of the code, checked over lms/ with ast (see README, Layout).

- No module over 500 lines (lms/migrations/ is generated from the models and left out).
- No module imports a private name (`_name`) from another package, neither with
  `from lms.x import _name` nor as `module._name`. A package is `lms.<first part>`.
- Module-level imports between lms modules form no circle; the one exception is Flask's
  blueprint pattern inside a package (its `__init__` imports its views, which import `bp`).
- Between feature packages, module-level imports form no circle once two layers are set
  aside: the models (one schema registered together by lms/models.py, whose relationships go
  both ways, as the domain's do) and the entry points that nothing imports (views, CLI and a
  package's `__init__`, which wires its blueprint). A view may use any feature's services;
  services depend on each other in one direction only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parent.parent / "lms"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(LMS.rglob("*.py")):
        parts = list(path.relative_to(LMS.parent).with_suffix("").parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _is_entry_point(module: str) -> bool:
    """Views, CLI, the app wiring (setup) and package `__init__` modules: nothing imports them."""
    path = MODULES[module]
    parts = module.split(".")
    return (path.name == "__init__.py" or parts[-1] in ("views", "cli", "setup")
            or parts[-1].endswith("_views") or "views" in parts[2:-1])


def _imports(module: str, top_level_only: bool) -> list[tuple[str, str | None, int]]:
    """(imported module, name imported from it or None, line) for each lms import."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (path.name == "__init__.py")]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    found.append((f"{source}.{alias.name}", None, node.lineno))
                elif source in MODULES:
                    found.append((source, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name in MODULES]
    return found


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle in a directed graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_500_lines(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by the words of the domain"


def test_no_module_imports_a_private_name_of_another_package():
    found = []
    for module, path in MODULES.items():
        aliases = {}
        for source, name, line in _imports(module, top_level_only=False):
            if name and name.startswith("_") and not name.startswith("__") \
                    and _package(source) != _package(module):
                found.append(f"{module}:{line} imports {source}.{name}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                for alias in node.names:
                    target = (f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom)
                              else alias.name)
                    if target in MODULES:
                        aliases[alias.asname or alias.name.split(".")[0]] = target
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and _package(aliases[node.value.id]) != _package(module)):
                found.append(f"{module}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not found, found


def test_module_level_imports_form_no_circle():
    edges = {}
    for module in MODULES:
        edges[module] = {
            source for source, _name, _line in _imports(module, top_level_only=True)
            if source != module and not (_package(source) == _package(module)
                                         and MODULES[source].name == "__init__.py")}
    assert _cycle(edges) is None, _cycle(edges)


def test_no_service_imports_an_entry_point():
    found = [f"{module} imports {source}"
             for module in MODULES if not _is_entry_point(module)
             for source, _name, _line in _imports(module, top_level_only=False)
             if _is_entry_point(source) and MODULES[source].name != "__init__.py"]
    assert not found, found


def test_feature_packages_depend_on_each_other_in_one_direction():
    edges: dict[str, set[str]] = {}
    for module in MODULES:
        if _is_entry_point(module):
            continue
        for source, _name, _line in _imports(module, top_level_only=True):
            if _package(source) != _package(module) and not source.endswith(".models") \
                    and MODULES[source].name != "__init__.py":
                edges.setdefault(_package(module), set()).add(_package(source))
    assert _cycle(edges) is None, f"circle between packages: {_cycle(edges)}"


def test_the_circle_finder_sees_a_circle_and_only_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
