"""House rule: protocol/ imports no AWS, storage or web framework, so it loads and tests fast."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mailx.protocol

FORBIDDEN = ("boto3", "botocore", "pynamodb", "fastapi", "starlette", "aws_lambda_powertools", "mangum")

# Import every protocol module (plus Core/echo) in a fresh interpreter and list what got loaded.
_PROBE = """
import importlib, json, pkgutil, sys
import mailx.protocol
names = [m.name for m in pkgutil.iter_modules(mailx.protocol.__path__, "mailx.protocol.")]
for name in names + ["mailx.methods.core.echo"]:
    importlib.import_module(name)
print(json.dumps({"modules": sorted(sys.modules), "protocol": names}))
"""


def test_protocol_imports_nothing_heavy() -> None:
    # Given a clean interpreter with the same sys.path as this test run
    package_root = str(Path(mailx.protocol.__file__).resolve().parents[2])
    # When every protocol module is imported
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": package_root},
    )
    loaded = json.loads(completed.stdout)
    # Then none of the heavy dependencies were pulled in
    assert "mailx.protocol.dispatcher" in loaded["protocol"]
    heavy = sorted(m for m in loaded["modules"] if m.split(".")[0] in FORBIDDEN)
    assert heavy == []
