"""The Makefile: `make dev` needs no npm (only the e2e tests do, and `make test` installs for them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _dry_run(target: str, *extra: str) -> str:
    """What `make -n TARGET` would run, with the e2e lock file taken as changed (so npm would be due)."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-W", "tests/e2e/package-lock.json", *extra, target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
    )
    return done.stdout


def test_make_dev_does_not_run_npm() -> None:
    planned = _dry_run("dev")
    assert "jmap_local.py" in planned
    assert "npm" not in planned


def test_make_test_installs_the_e2e_drivers() -> None:
    assert "npm ci --prefix tests/e2e" in _dry_run("pytest")
