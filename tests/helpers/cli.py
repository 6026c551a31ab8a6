"""The `mailx` command run in-process: its exit code and output, as text or JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailx.cli import main
from tests.helpers.environment import TEST_ENV

KEY = TEST_ENV["MANAGEMENT_KEY"]  # what `mailx --key` must give the test server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command in-process; (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """Run the command with --json; it must succeed; its parsed output."""
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)
