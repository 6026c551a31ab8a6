"""One hashed lock of every runtime dependency (layers/shared/requirements.txt), used by `make install`
(the tests) and by the layer's `sam build` alike; and `make build` refusing a Python other than Lambda's."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "layers" / "shared" / "requirements.txt"
ENTRY = re.compile(
    r"^(?P<name>[a-z0-9-]+)==(?P<version>\S+) \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", re.M
)
LAMBDA: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
LAMBDA.update(
    python_version="3.12",
    python_full_version="3.12.0",
    sys_platform="linux",
    platform_system="Linux",
    platform_machine="aarch64",
    implementation_name="cpython",
    platform_python_implementation="CPython",
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    text = LOCK.read_text()
    entries = {m["name"]: m["version"] for m in ENTRY.finditer(text)}
    # Every line is a comment or part of a pinned, hashed entry: nothing unpinned slips in
    body = "".join(m.group(0) for m in ENTRY.finditer(text))
    rest = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert rest.strip() == body.strip()
    return entries


def _dev_lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_canonical(name)] = version.strip()
    return pins


def test_every_runtime_dependency_is_pinned_with_hashes_and_matches_the_dev_lock() -> None:
    locked = _locked()
    assert len(locked) >= 20
    dev = _dev_lock()
    assert {n: v for n, v in locked.items() if dev.get(n) != v} == {}
    declared = [
        Requirement(r)
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    ]
    assert {_canonical(r.name): str(r.specifier) for r in declared} == {
        _canonical(r.name): f"=={locked[_canonical(r.name)]}" for r in declared
    }


def test_the_lock_holds_the_whole_closure_for_lambda_and_the_tests_run_it() -> None:
    locked = _locked()
    top = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pending = [Requirement(r) for r in top]
    seen: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = _canonical(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        assert name in locked, f"{name} (needed on Lambda) is not in the lock"
        # the development environment runs exactly the locked version
        assert metadata.version(name) == locked[name], name
        for raw in metadata.requires(name) or []:
            child = Requirement(raw)
            if child.marker is None or child.marker.evaluate({**LAMBDA, "extra": ""}):
                pending.append(child)
    assert seen <= set(locked)


def test_the_layer_build_installs_exactly_the_lock_for_arm64_python_312() -> None:
    makefile = (ROOT / "layers" / "shared" / "Makefile").read_text()
    assert "--require-hashes --no-deps" in makefile and "-r requirements.txt" in makefile
    assert "manylinux_2_$(minor)_aarch64" in makefile and " 34," in makefile
    template = (ROOT / "template.yaml").read_text()
    assert "Runtime: python3.12" in template and "Architectures: [arm64]" in template


def test_make_build_refuses_another_python_and_says_what_to_do() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "build", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if sys.version_info[:2] == (3, 12):
        return  # this interpreter is Lambda's: the check would pass and call sam
    assert done.returncode == 2
    assert "needs Python 3.12" in done.stderr
    assert (
        "make build PYTHON=/path/to/python3.12" in done.stderr and "sam build --use-container" in done.stderr
    )
