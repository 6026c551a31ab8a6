"""The layering rules of STYLE.md, checked on the source: pure layers stay pure, storage stays in store/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "shared" / "mailx"
FUNCTIONS = ROOT / "functions"
AWS_AND_WEB = ("boto3", "botocore", "pynamodb", "fastapi", "starlette", "aws_lambda_powertools", "mangum")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files:
        for name in _imports(path):
            if name.split(".")[0] in forbidden or any(name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("layer", ["protocol", "mime"])
def test_pure_layers_import_no_aws_or_web(layer: str) -> None:
    files = _modules(PACKAGE / layer)
    if not files:
        pytest.skip(f"{layer}/ has no modules yet")
    assert _violations(files, AWS_AND_WEB) == []
    assert _violations(files, ("mailx.store", "mailx.server", "mailx.methods", "mailx.mail")) == []


def test_only_store_imports_pynamodb() -> None:
    outside = [p for p in _modules(PACKAGE) if (PACKAGE / "store") not in p.parents]
    outside += _modules(FUNCTIONS)
    assert _violations(outside, ("pynamodb",)) == []


def test_handlers_and_routes_do_not_reach_into_storage_models() -> None:
    assert _violations(_modules(FUNCTIONS), ("mailx.store.models", "mailx.store.tables")) == []


def test_no_module_builds_aws_clients_at_import() -> None:
    offenders = []
    for path in _modules(PACKAGE) + _modules(FUNCTIONS):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                text = ast.unparse(node.value)
                if ("boto3" in text and ".client(" in text) or ("Session(" in text and "boto" in text):
                    offenders.append(f"{path.relative_to(ROOT)}: {text}")
    assert offenders == []
