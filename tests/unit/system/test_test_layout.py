"""The test tree's own rules: tests import shared code only from tests/helpers, and sit where the code sits.

A test module that imports another (or a conftest) ties the two together: moving, renaming or deleting one
breaks the other, and pytest imports the shared module twice under two names. Fixtures reach tests through
conftest.py files and plain helpers through `tests.helpers`. The unit and integration suites mirror
`layers/shared/mailx/` and `functions/`, so the tests of a module are found by its path.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from tests.helpers.paths import REPO, TESTS
from tests.helpers.source_trees import parse_source

PACKAGE = REPO / "layers" / "shared" / "mailx"
MIRRORING_SUITES = ("unit", "integration")  # folders mirror the code
OTHER_SUITES = ("e2e", "fuzz")  # whole-service suites: real clients, hypothesis
CROSS_CUTTING = "system"  # properties of the whole: isolation, faults, IAM, template, layering, soak


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import in SOURCE, at any depth; relative imports keep their leading dots."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(parse_source(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base.rstrip('.')}.{alias.name}".lstrip(".")) for alias in node.names]
    return found


def forbidden_imports(source: str) -> list[str]:
    """The imports of a test module or a conftest: `line: module` for each one a test file may not make."""
    bad = []
    for line, module in imported_modules(source):
        parts = module.lstrip(".").split(".")
        names_a_test = any(p.startswith("test_") or p == "conftest" for p in parts)
        other_tests = parts[0] == "tests" and parts[1:2] != ["helpers"]
        if names_a_test or other_tests or module.startswith("."):
            bad.append(f"{line}: {module}")
    return sorted(set(bad))


def python_files() -> list[Path]:
    """Every Python file under tests/ (the e2e suite's node_modules aside)."""
    return sorted(p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts)


def suite_modules() -> list[Path]:
    """Every test_*.py under tests/."""
    return [p for p in python_files() if p.name.startswith("test_")]


def mirrors_the_code(path: Path) -> bool:
    """Whether a unit or integration test file sits in a folder that names code (or the cross-cutting one)."""
    suite, *folders = path.relative_to(TESTS).parent.parts
    assert suite in MIRRORING_SUITES
    if not folders:  # at the suite's root: the test of a top-level module, test_<module>.py
        return (PACKAGE / f"{path.stem.removeprefix('test_')}.py").is_file()
    if folders == [CROSS_CUTTING]:
        return True
    if folders[0] in ("functions", "bench"):
        return (REPO.joinpath(*folders)).is_dir()
    return (PACKAGE.joinpath(*folders)).is_dir()


def test_no_file_imports_a_test_module_or_a_conftest() -> None:
    # Helpers included: they may import each other, never a test or a conftest
    found = {
        str(p.relative_to(TESTS)): forbidden_imports(p.read_text(encoding="utf-8")) for p in python_files()
    }
    assert {path: bad for path, bad in found.items() if bad} == {}


def test_the_check_catches_every_import_form() -> None:
    # Given imports of other test modules and conftests at module level, inside a function and relative
    source = (
        "from tests.integration.test_email_query import mail\n"
        "import tests.conftest\n"
        "from tests.integration import soak_support\n"
        "from tests.helpers.messages import mail as fine\n"
        "def f() -> None:\n"
        "    from conftest import TEST_ENV\n"
        "    from .test_other import thing\n"
    )
    # Then each is reported, and the helper import is not
    assert forbidden_imports(source) == [
        "1: tests.integration.test_email_query",
        "1: tests.integration.test_email_query.mail",
        "2: tests.conftest",
        "3: tests.integration",
        "3: tests.integration.soak_support",
        "6: conftest",
        "6: conftest.TEST_ENV",
        "7: .test_other",
        "7: test_other.thing",
    ]


def test_no_test_module_re_exports_fixtures() -> None:
    # Fixtures come from conftest.py; an `__all__` in a test module was the way around that
    offenders = [
        str(p.relative_to(TESTS)) for p in suite_modules() if "\n__all__" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_every_test_file_sits_in_a_suite() -> None:
    suites = {p.relative_to(TESTS).parts[0] for p in suite_modules()}
    assert suites <= set(MIRRORING_SUITES + OTHER_SUITES), suites
    assert [p for p in suite_modules() if p.parent == TESTS] == []


def test_unit_and_integration_folders_mirror_the_code() -> None:
    misplaced = [
        str(p.relative_to(TESTS))
        for p in suite_modules()
        if p.relative_to(TESTS).parts[0] in MIRRORING_SUITES and not mirrors_the_code(p)
    ]
    assert misplaced == []


def test_the_mirror_check_refuses_a_folder_without_code() -> None:
    assert mirrors_the_code(TESTS / "integration" / "methods" / "email" / "test_x.py")
    assert mirrors_the_code(TESTS / "integration" / "functions" / "ses_inbound" / "test_x.py")
    assert mirrors_the_code(TESTS / "unit" / "test_config.py")
    assert not mirrors_the_code(TESTS / "integration" / "methods" / "no_such_object" / "test_x.py")
    assert not mirrors_the_code(TESTS / "unit" / "test_no_such_module.py")


def test_test_file_names_are_unique() -> None:
    # No __init__.py under tests/ (pytest's default import mode): a test module is imported by its name alone
    names = Counter(p.name for p in suite_modules())
    assert [name for name, count in names.items() if count > 1] == []
    packages = [p for p in python_files() if p.name == "__init__.py" and p.parent.name != "helpers"]
    assert packages == []
