"""The Lambda build byte-compiles the layer and the JMAP function (Lambda cannot write .pyc files).

Runs the Makefile targets `sam build` calls, with this interpreter instead of python3.12 and no pip
step, and checks that every module ships an unchecked-hash .pyc that the interpreter accepts.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import REPO

ROOT = REPO
TAG = sys.implementation.cache_tag


def _unchecked_hash(pyc: Path) -> bool:
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    return flags == 0b01  # hash-based, source not checked (PEP 552)


def _assert_compiled(tree: Path) -> None:
    sources = [p for p in tree.rglob("*.py") if "__pycache__" not in p.parts]
    assert sources
    for source in sources:
        pyc = Path(importlib.util.cache_from_source(str(source)))
        assert pyc.exists(), f"no bytecode for {source.relative_to(tree)}"
        assert _unchecked_hash(pyc), pyc
    assert not [p for p in tree.rglob("*.pyc") if f".{TAG}." not in p.name], "stale bytecode copied"


def test_layer_compile_step_covers_every_module(tmp_path: Path) -> None:
    target = tmp_path / "python"
    shutil.copytree(ROOT / "layers" / "shared" / "mailx", target / "mailx")
    (target / "mailx" / "__pycache__").mkdir(exist_ok=True)
    (target / "mailx" / "__pycache__" / "old.cpython-30.pyc").write_bytes(b"stale")
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "layers" / "shared"), "compile",
         f"TARGET={target}", f"PYTHON={sys.executable}"],
        check=True, capture_output=True,
    )  # fmt: skip
    _assert_compiled(target)
    done = subprocess.run(
        [sys.executable, "-c", "import mailx.server.method_table as m; print(m.__cached__)"],
        cwd=target, env={"PYTHONPATH": str(target), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip().endswith(f"method_table.{TAG}.pyc")


def test_jmap_function_build_copies_and_compiles(tmp_path: Path) -> None:
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "functions" / "jmap"), "build-JmapFunction",
         f"ARTIFACTS_DIR={tmp_path}", f"PYTHON={sys.executable}"],
        check=True, capture_output=True,
    )  # fmt: skip
    assert (tmp_path / "jmap_handler.py").exists() and (tmp_path / "jmap_api" / "app.py").exists()
    _assert_compiled(tmp_path)
