"""The house rules of the code's structure, read from the source's own imports (no module is run).

- Dependencies run one way: ``recengine`` <- ``accounts``, ``catalog`` <- ``recommendations``. The
  project package imports no app; accounts and catalog import neither each other nor the recommender
  (the recommender connects to their signals in its AppConfig.ready and routes its views under their
  URLs).
- The engine (recommendations/engine/) imports neither Django nor any app.
- No import cycles between modules, counting imports inside functions too.
- An import inside a function is the exception, and says why on its line or the line above.

Test code (tests/, recengine/testing/, conftest.py) and migrations are left out: a test may cross
any boundary to check behaviour end to end.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("recengine", "accounts", "catalog", "recommendations")
# What each top-level package may import of the project (besides itself).
ALLOWED = {
    "recengine": set(),
    "accounts": {"recengine"},
    "catalog": {"recengine"},
    "recommendations": {"recengine", "accounts", "catalog"},
}
ENGINE = "recommendations.engine"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the project module imported (the longest one the name lies in)
    line: int
    in_function: bool
    commented: bool  # a comment on its line or the line above


def _is_source(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return not any(p in ("tests", "migrations", "testing") or p.startswith("test_") for p in parts) \
        and path.name != "conftest.py"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for app in APPS for p in (ROOT / app).rglob("*.py") if _is_source(p)}


def _resolve(name: str, modules: set[str]) -> str | None:
    while name:
        if name in modules:
            return name
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return None


def _imports(module: str, path: Path, modules: set[str]) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, str(path))
    type_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                 for n in ast.walk(node)}
    in_function = {id(n) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [f"{base}.{alias.name}" for alias in node.names]
        targets = {_resolve(name, modules) for name in names} - {None, module}
        line = node.lineno
        commented = "#" in lines[line - 1] or "#" in lines[node.end_lineno - 1] or _comment_above(lines, line)
        found += [Import(module, target, line, id(node) in in_function, commented) for target in targets]
    return found


def _comment_above(lines: list[str], line: int) -> bool:
    """A comment right above the block of import lines this one belongs to."""
    above = line - 2
    while above >= 0 and (not lines[above].strip() or lines[above].strip().startswith(("from ", "import "))):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    sources = _sources()
    return [imp for module, path in sources.items() for imp in _imports(module, path, set(sources))]


def _top(module: str) -> str:
    return module.split(".")[0]


def test_dependencies_run_one_way(graph):
    wrong = sorted(f"{i.module}:{i.line} imports {i.target}" for i in graph
                   if _top(i.target) != _top(i.module) and _top(i.target) not in ALLOWED[_top(i.module)])
    assert wrong == []


def test_the_engine_imports_neither_django_nor_an_app(graph):
    wrong = [f"{i.module}:{i.line} imports {i.target}" for i in graph
             if i.module.startswith(ENGINE) and not i.target.startswith(ENGINE)]
    assert wrong == []
    for path in (ROOT / "recommendations" / "engine").rglob("*.py"):
        if _is_source(path):
            tree = ast.parse(path.read_text())
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level]
            assert not [n for n in names if _top(n) in ("django", "rest_framework", "celery")], path


def test_there_is_no_import_cycle(graph):
    edges: dict[str, set[str]] = {}
    for i in graph:
        edges.setdefault(i.module, set()).add(i.target)
    cycles = _strongly_connected(edges)
    assert cycles == []


def test_imports_inside_functions_are_few_and_say_why(graph):
    inside = [i for i in graph if i.in_function]
    unexplained = sorted(f"{i.module}:{i.line} imports {i.target}" for i in inside if not i.commented)
    assert unexplained == []
    # AppConfig.ready (models need the app registry) and the Celery handlers that must not import
    # prometheus_client early (recengine/observability/dirs.py); nothing else.
    assert {i.module for i in inside} <= {"recommendations.apps", "catalog.apps",
                                          "recengine.observability.celery_signals"}


def test_the_checker_sees_a_reverse_import_and_a_cycle(tmp_path):
    """The rules above would pass on a graph they cannot read: check they read one."""
    (tmp_path / "a.py").write_text("import b\n\ndef f():\n    from c import x\n")
    found = _imports("catalog.a", tmp_path / "a.py", {"catalog.a", "b", "c"})
    assert {(i.target, i.in_function, i.commented) for i in found} == {("b", False, False), ("c", True, False)}
    (tmp_path / "a.py").write_text("def f():\n    # why\n    from b import y\n    from c import x\n")
    assert all(i.commented for i in _imports("catalog.a", tmp_path / "a.py", {"catalog.a", "b", "c"}))
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of two or more modules that import each other, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)
