"""The layering of docs/architecture.md, checked on the source over every import form.

Every import counts: `import a.b`, `from a import b`, relative imports, and imports placed inside
functions (lazy imports that keep the cold start small are fine, but they are edges all the same, so
they may neither point upwards nor close a cycle). There is no list of exceptions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.helpers.source_trees import parse_source

ROOT = REPO
AWS_AND_WEB = ("boto3", "botocore", "pynamodb", "fastapi", "starlette", "aws_lambda_powertools", "mangum")

# Bottom to top. A unit may import units on lower rows only; units on one row are independent.
# A unit is a subpackage or top-level module of `mailx`; "functions" is every module under functions/.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "ids", "config"),
    ("protocol", "mime", "search"),
    ("limits",),
    ("botocore_loader",),
    ("aws",),
    ("observe",),  # logging and metrics: used by every function's code, imports no other unit
    ("store",),
    ("mail", "blobs", "auth", "push"),
    ("methods", "admin"),
    ("server",),
    ("local", "migrate"),  # migrate: the import/export client side, reaching the service over HTTP only
    ("cli",),
    ("functions",),
)
RANK = {unit: rank for rank, row in enumerate(LAYERS) for unit in row}
PURE_UNITS = ("errors", "ids", "config", "protocol", "mime", "search", "limits")


@dataclass(frozen=True)
class Edge:
    """One import: which module imports which, and where."""

    source: str
    target: str
    where: str


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    """Every module of the shared package and of the functions, by dotted name."""
    modules: dict[str, Path] = {}
    package_base = root / "layers" / "shared"
    for path in sorted((package_base / "mailx").rglob("*.py")):
        modules[_module_name(path, package_base)] = path
    for function_dir in sorted(p for p in (root / "functions").iterdir() if p.is_dir()):
        for path in sorted(function_dir.rglob("*.py")):
            modules[_module_name(path, function_dir)] = path
    return modules


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, path: Path, modules: dict[str, Path]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    # "from pkg import mod" imports the module pkg.mod; "from mod import name" imports mod.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]


def edges(root: Path) -> list[Edge]:
    """Every import between our own modules, module-level and function-level alike."""
    modules = discover(root)
    found: dict[tuple[str, str], Edge] = {}
    for module, path in modules.items():
        for node in ast.walk(parse_source(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(node, module, path, modules):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target not in (module, "mailx"):  # the bare namespace package is no edge
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    found.setdefault((module, target), Edge(module, target, where))
    return list(found.values())


def unit_of(module: str, modules: dict[str, Path], root: Path) -> str:
    """The layering unit of MODULE (see LAYERS)."""
    if (root / "functions") in modules[module].parents:
        return "functions"
    return module.split(".")[1] if module.startswith("mailx.") else module


def wrong_way(root: Path) -> list[str]:
    """Imports that point up, sideways between units of one row, or at a unit missing from LAYERS."""
    modules = discover(root)
    problems = []
    for edge in edges(root):
        source, target = unit_of(edge.source, modules, root), unit_of(edge.target, modules, root)
        if source == target:
            continue
        if source not in RANK or target not in RANK:
            problems.append(f"{edge.where}: {edge.source} -> {edge.target} (unit not in LAYERS)")
        elif RANK[target] >= RANK[source]:
            problems.append(f"{edge.where}: {edge.source} ({source}) -> {edge.target} ({target})")
    return sorted(problems)


def cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of modules (function-level imports included)."""
    graph: dict[str, set[str]] = {}
    for edge in edges(root):
        graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
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
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def foreign_imports(root: Path, units: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """Imports of FORBIDDEN top-level packages from modules of UNITS."""
    modules = discover(root)
    found = []
    for module, path in modules.items():
        if unit_of(module, modules, root) not in units:
            continue
        for node in ast.walk(parse_source(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in forbidden]
    return sorted(found)


def test_every_import_points_down() -> None:
    assert wrong_way(ROOT) == []


def test_no_import_cycles_even_through_function_level_imports() -> None:
    assert cycles(ROOT) == []


def test_every_unit_is_placed_in_a_layer() -> None:
    modules = discover(ROOT)
    assert {unit_of(m, modules, ROOT) for m in modules} - set(RANK) - {"mailx"} == set()


def test_pure_units_import_no_aws_or_web() -> None:
    assert foreign_imports(ROOT, PURE_UNITS, AWS_AND_WEB) == []


def test_only_store_imports_pynamodb() -> None:
    others = tuple(unit for unit in RANK if unit != "store")
    assert foreign_imports(ROOT, others, ("pynamodb",)) == []


def test_handlers_and_routes_do_not_reach_into_storage_models() -> None:
    modules = discover(ROOT)
    reach = [
        e.where
        for e in edges(ROOT)
        if unit_of(e.source, modules, ROOT) == "functions"
        and e.target in ("mailx.store.models", "mailx.store.tables")
    ]
    assert reach == []


def test_no_module_builds_aws_clients_at_import() -> None:
    offenders = []
    for path in discover(ROOT).values():
        tree = parse_source(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                text = ast.unparse(node.value)
                if ("boto3" in text and ".client(" in text) or ("Session(" in text and "boto" in text):
                    offenders.append(f"{path.relative_to(ROOT)}: {text}")
    assert offenders == []


# The checker itself, on a tree made for the purpose: it must see every form of a wrong-way import.


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"functions/jmap/jmap_handler.py": "import mailx.server\n", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in ("layers/shared/mailx", "layers/shared/mailx/store", "layers/shared/mailx/server"):
        init = tmp_path / folder / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.touch()
    return tmp_path


@pytest.mark.parametrize(
    "statement",
    [
        "from mailx.server import registry\n",
        "from mailx import server\n",
        "import mailx.server.method_table\n",
        "from ..server import registry\n",
        "def later():\n    from mailx.server.method_table import thing\n",
    ],
)
def test_the_check_catches_each_form_of_an_upward_import(tmp_path: Path, statement: str) -> None:
    root = _tree(
        tmp_path,
        {
            "layers/shared/mailx/server/method_table.py": "thing = 1\n",
            "layers/shared/mailx/store/accounts.py": statement,
        },
    )
    problems = wrong_way(root)
    assert len(problems) == 1
    assert "mailx.store.accounts (store) -> mailx.server" in problems[0]
    assert problems[0].endswith("(server)")


def test_the_check_catches_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "layers/shared/mailx/store/models.py": "from mailx.store.tables import register\n",
            "layers/shared/mailx/store/tables.py": "def bind():\n    from mailx.store import models\n",
        },
    )
    assert wrong_way(root) == []
    assert cycles(root) == [["mailx.store.models", "mailx.store.tables"]]


def test_the_check_refuses_the_shared_package_importing_function_code(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "functions/jmap/jmap_api/__init__.py": "",
            "functions/jmap/jmap_api/app.py": "app = 1\n",
            "layers/shared/mailx/store/accounts.py": "def serve():\n    from jmap_api.app import app\n",
        },
    )
    assert wrong_way(root) == [
        "layers/shared/mailx/store/accounts.py:2: mailx.store.accounts (store) -> jmap_api.app (functions)"
    ]


def test_storage_speaks_no_jmap() -> None:
    """store/ and aws.py raise domain errors (mailx.errors); only methods map them to wire errors."""
    modules = discover(ROOT)
    reach = [
        e.where
        for e in edges(ROOT)
        if unit_of(e.source, modules, ROOT) in ("store", "aws") and e.target.startswith("mailx.protocol")
    ]
    assert reach == []
