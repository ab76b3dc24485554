"""The house rules of the code, checked on the source: no import circle between the project's
modules, no module over 500 lines, and no widget attribute that hides one of Textual's."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "tui", "themes")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Modules imported while `module` itself is imported: its top-level imports (also inside
    top-level try/if blocks), not those in functions (they run later) nor under TYPE_CHECKING."""
    found: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _import_time_imports(tree, name, path.name == "__init__.py")
        edges = {target for target in imported if target in modules and target != name}
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        for target in list(edges):
            parts = target.split(".")
            edges.update(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in modules)
        graph[name] = edges - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_between_the_projects_modules():
    graph = _graph()
    assert "tui.app" in graph and "engine.pipeline.run" in graph  # the walk found the modules
    cycle = _cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_is_over_500_lines(name):
    lines = len(_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by what its parts do"


def _widget_classes() -> list[type]:
    """Every Widget subclass defined in the tui package (imported here, so numpy loads)."""
    import importlib

    from textual.widget import Widget

    classes = []
    for name in _modules():
        if not name.startswith("tui.") or name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Widget) and value.__module__ == name:
                classes.append(value)
    return classes


def _assigned_to_self(cls: type) -> set[str]:
    """Names `cls`'s own methods assign as `self.<name> = ...`."""
    source = inspect.getsource(cls)
    tree = ast.parse(inspect.cleandoc("\n" + source) if source[0] == " " else source)
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }


def test_no_widget_attribute_hides_a_textual_one():
    """`AttentionPane.query = 0` hid `Widget.query`, and a triple click (select-all calls it)
    ended the app: no attribute a widget sets may shadow a name Textual's base classes define.
    The project's own bases and mixins (`Pane`, `LineView`, ...) are checked with each widget."""
    from textual.reactive import Reactive

    classes = _widget_classes()
    assert len(classes) > 15
    problems = set()
    for cls in classes:
        textual_bases = [base for base in cls.__mro__ if base.__module__.startswith("textual.")]
        textual_names = {name for base in textual_bases for name in vars(base)}
        own_classes = [base for base in cls.__mro__ if base.__module__.split(".")[0] == "tui"]
        # A reactive or a property with a setter (`tooltip`) of a Textual base is meant to be set; a
        # name the project's classes declare (a property, a method they override on purpose) is theirs.
        reactives = {
            name
            for name in textual_names
            if isinstance(getattr(cls, name, None), Reactive)
            or (isinstance(getattr(cls, name, None), property) and getattr(cls, name).fset is not None)
        }
        declared = {name for base in own_classes for name in vars(base)}
        for base in own_classes:
            hidden = _assigned_to_self(base) & textual_names - declared - reactives
            problems.update(f"{base.__module__}.{base.__name__}.{name}" for name in hidden)
    assert not problems, "widget attributes that hide Textual's: " + ", ".join(sorted(problems))
