"""The package's layers: imports run one way and never in a circle, each folder says what
it owns, and no module grows past what one read takes.

Edges (``action``, ``cli``) → ``driver`` → ``review`` → ``capacity`` → ``report`` →
``scaling`` and ``github`` (which never import each other) → ``api`` and ``contract``
(nor these) → ``console`` → ``errors``, ``secrets``, ``workspace`` and the package's
version. A module may import its own folder and anything below its layer, never a layer
above or beside it; ``github`` imports only ``api``, ``errors``, ``secrets`` and
``workspace`` (``ONLY``). ``capacity`` (PyYAML, zones, holidays) and ``review`` are
loaded only for a step that needs them (``LAZY``): imported by the driver and the edges
inside a function or for types, so that no other step pays for them (``review``, itself
loaded so, imports ``capacity`` as it likes). Imports are read with ``ast``: every
import counts, those inside functions and under ``TYPE_CHECKING`` too.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sieve_action"
#: Each unit (a folder or a root module) and its layer, lowest first.
LAYERS: dict[str, int] = {
    "sieve_action": 0,  # the package's face: its version
    "sieve_action.errors": 0,
    "sieve_action.secrets": 0,
    "sieve_action.workspace": 0,  # files read from the workspace, within bounds
    "sieve_action.console": 1,
    "sieve_action.api": 2,
    "sieve_action.contract": 2,
    "sieve_action.scaling": 3,
    "sieve_action.github": 3,  # beside scaling: the pull request's comment
    "sieve_action.report": 4,
    "sieve_action.capacity": 5,
    "sieve_action.review": 6,
    "sieve_action.driver": 7,
    "sieve_action.action": 8,
    "sieve_action.cli": 8,
    "sieve_action.__main__": 9,
}
#: Folders loaded only for a step that needs them: who may import each, and only lazily
#: (in a function, or for types), unless the importer is itself one of these folders.
LAZY: dict[str, frozenset[str]] = {
    "sieve_action.capacity": frozenset(
        {"sieve_action.driver", "sieve_action.action", "sieve_action.cli", "sieve_action.review"}
    ),
    "sieve_action.review": frozenset({"sieve_action.driver"}),
}
#: Units that import only these (besides their own folder), though more lie below them.
ONLY: dict[str, frozenset[str]] = {
    "sieve_action.github": frozenset(
        {
            "sieve_action",
            "sieve_action.api",
            "sieve_action.errors",
            "sieve_action.secrets",
            "sieve_action.workspace",
        }
    ),
}
MAX_LINES = 450


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a module of the package, never a name in one)
    line: int
    #: Inside a function, or under ``if TYPE_CHECKING:``: nothing is imported at start-up.
    lazy: bool


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _lazy_nodes(tree: ast.Module) -> set[int]:
    """The ids of import nodes inside a function or an ``if TYPE_CHECKING:`` block."""
    lazy: set[int] = set()
    for node in ast.walk(tree):
        inside = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or (
            isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        )
        if inside:
            lazy.update(id(child) for child in ast.walk(node) if child is not node)
    return lazy


def imports(root: Path) -> list[Import]:
    """Every import of one package module by another."""
    known = modules(root)
    found = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        lazy = _lazy_nodes(tree)
        package = _package_of(name, path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                # `from . import x`: x is a module when the package has one by that name.
                targets = [
                    f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in known else stem
                    for alias in node.names
                ]
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]  # `import a.b.c`: the deepest module
                if target.startswith(PACKAGE) and target != name:
                    found.append(Import(name, target, node.lineno, id(node) in lazy))
    return found


def unit(module: str) -> str:
    """The layer unit a module belongs to: its folder, or itself at the root."""
    return max((u for u in LAYERS if module == u or module.startswith(u + ".")), key=len)


def wrong_way(root: Path) -> list[str]:
    """Every import that runs up or sideways between layers, or loads a lazy folder
    eagerly."""
    problems = []
    for item in imports(root):
        source, target = unit(item.source), unit(item.target)
        where = f"{item.source}:{item.line} imports {item.target}"
        if source != target and LAYERS[target] >= LAYERS[source]:
            problems.append(f"{where}: {target} is not below {source}")
        elif source != target and source in ONLY and target not in ONLY[source]:
            problems.append(f"{where}: {source} imports only {', '.join(sorted(ONLY[source]))}")
        if target in LAZY and source != target:
            folder = target.rpartition(".")[2]
            if source not in LAZY[target]:
                allowed = ", ".join(sorted(u.rpartition(".")[2] for u in LAZY[target]))
                problems.append(f"{where}: only {allowed} import {folder}")
            elif not item.lazy and source not in LAZY:
                problems.append(f"{where}: {folder} is imported lazily (in a function)")
    return problems


def circles(root: Path) -> list[list[str]]:
    """Every circle of imports between modules (Tarjan's strongly connected components)."""
    graph: dict[str, set[str]] = {name: set() for name in modules(root)}
    for item in imports(root):
        graph[item.source].add(item.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def too_long(root: Path) -> list[str]:
    return [
        f"{name}: {count} lines (at most {MAX_LINES})"
        for name, path in modules(root).items()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    ]


def test_every_module_belongs_to_a_layer() -> None:
    for name in modules(ROOT):
        assert unit(name) in LAYERS, name
    folders = {p.parent.name for p in (ROOT / PACKAGE).glob("*/__init__.py")}
    assert folders == {"api", "contract", "scaling", "github", "report", "capacity", "review"}


def test_imports_run_one_way() -> None:
    assert wrong_way(ROOT) == []


def test_no_circle_of_imports() -> None:
    assert circles(ROOT) == []


def test_no_module_is_over_450_lines() -> None:
    assert too_long(ROOT) == []


@pytest.mark.parametrize(
    "folder", ["api", "contract", "scaling", "github", "report", "capacity", "review"]
)
def test_each_folder_says_what_it_owns_and_what_it_may_import(folder: str) -> None:
    face = ast.get_docstring(ast.parse((ROOT / PACKAGE / folder / "__init__.py").read_text()))
    assert face, folder
    assert "Owns" in face or "owns" in face, face
    assert "import" in face, face
    # Every module of the folder is named on its face, so one read finds the file.
    for path in (ROOT / PACKAGE / folder).glob("*.py"):
        if path.name != "__init__.py":
            assert f"``{path.stem}``" in face, (folder, path.stem)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE)
    return tmp_path


def _plant(root: Path, module: str, line: str) -> None:
    path = root / PACKAGE / module
    path.write_text(path.read_text() + "\n" + line + "\n")


def test_the_checks_find_a_planted_upward_import(copy: Path) -> None:
    assert wrong_way(copy) == []
    _plant(copy, "api/models.py", "from ..driver import run_step")
    assert any("sieve_action.api.models" in p and "driver" in p for p in wrong_way(copy))


def test_the_checks_find_a_planted_sideways_import(copy: Path) -> None:
    _plant(copy, "api/shape.py", "from ..contract.rules import fail")
    assert any("contract is not below sieve_action.api" in p for p in wrong_way(copy))


def test_the_checks_find_github_importing_scaling_or_the_inputs(copy: Path) -> None:
    assert wrong_way(copy) == []
    _plant(copy, "github/comment.py", "from ..scaling.record import TargetRun")
    _plant(copy, "github/body.py", "from ..contract.inputs import Inputs")
    found = wrong_way(copy)
    assert any("github.comment" in p and "scaling is not below" in p for p in found), found
    assert any("github.body" in p and "imports only" in p for p in found), found


def test_the_checks_find_capacity_imported_eagerly_or_from_below(copy: Path) -> None:
    _plant(copy, "driver.py", "from .capacity.model import Bounds")
    _plant(copy, "report/results.py", "def f() -> None:\n    from ..capacity import model")
    found = wrong_way(copy)
    assert any("driver" in p and "lazily" in p for p in found), found
    assert any("report.results" in p and "capacity is not below" in p for p in found), found


def test_the_checks_find_review_imported_eagerly_or_by_the_edges(copy: Path) -> None:
    _plant(copy, "driver.py", "from .review.step import Review")
    _plant(copy, "cli.py", "def f() -> None:\n    from .review import step")
    _plant(copy, "capacity/step.py", "def f() -> None:\n    from ..review import change")
    found = wrong_way(copy)
    assert any("sieve_action.driver" in p and "review is imported lazily" in p for p in found)
    assert any("sieve_action.cli" in p and "only driver import review" in p for p in found)
    assert any("capacity.step" in p and "review is not below" in p for p in found), found


def test_the_checks_find_a_planted_circle(copy: Path) -> None:
    _plant(copy, "scaling/edit.py", "def f() -> None:\n    from .phases import read")
    assert ["sieve_action.scaling.edit", "sieve_action.scaling.phases"] in [
        [m for m in c if m in {"sieve_action.scaling.edit", "sieve_action.scaling.phases"}]
        for c in circles(copy)
    ]


def test_the_checks_find_a_long_module(copy: Path) -> None:
    _plant(copy, "errors.py", "\n" * MAX_LINES)
    assert [p.split(":")[0] for p in too_long(copy)] == ["sieve_action.errors"]
