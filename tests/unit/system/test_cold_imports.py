"""What a cold JMAP Lambda imports: the heavy modules it can do without stay out (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers.paths import REPO

ROOT = REPO
# Each of these cost a cold start measurable time when they crept in (bench: python -X importtime).
KEPT_OUT = (
    "pydantic.v1",  # FastAPI probes typed route parameters with it (~17 ms)
    "jmap_api.routes.v0_management",  # the /v0 routers and their pydantic models (~20 ms)
    "jmap_api.routes.v0_auth",
    "boto3",  # only S3/SQS paths need it; DynamoDB goes through pynamodb's botocore client
    "argon2",  # sign-in only
    "mailx.methods",  # method code loads on the method's first call
    "mailx.mime",
    "mailx.mail",
    "cryptography",  # Web Push signing and encryption only; the session's VAPID key needs none (~30 ms)
)


def test_importing_the_jmap_handler_leaves_the_heavy_modules_out() -> None:
    probe = "import json, sys, jmap_handler; print(json.dumps(sorted(sys.modules)))"
    path = f"{ROOT / 'functions' / 'jmap'}:{ROOT / 'layers' / 'shared'}"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": path},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(done.stdout))
    assert "jmap_api.app" in loaded
    leaked = sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in KEPT_OUT))
    assert leaked == []
