"""Cold start: a fresh interpreter imports the JMAP handler and answers its first two requests.

The parent runs moto's server on a loopback port (so the child imports nothing the Lambda would not:
no moto, no mock patches) with the tables, the bucket and alice created. Each child is a new `python`
process that times, with perf_counter from its first line: `import jmap_handler`, a GET /jmap/session
and a POST /jmap/api (Mailbox/get + Email/query + Email/get), both as API Gateway v2 events through the
handler. Included: module imports, building the app, Mangum, boto clients, Basic sign-in (password hash
check, first time), DynamoDB calls over loopback HTTP. Not included: the Lambda runtime's own bootstrap
and real network latency. `wall` also counts interpreter start-up.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.harness import ENV, PASSWORD, PATHS, ROOT, USER, reset_caches
from bench.report import table

TARGET_MS = 350.0
_CHILD = r"""
import time
began, began_cpu = time.perf_counter(), time.process_time()
import base64, json, sys
import jmap_handler
imported = time.perf_counter()

class Context:
    function_name = "mailx-jmap"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-jmap"
    aws_request_id = "cold-1"

def event(method, path, body=""):
    auth = "Basic " + base64.b64encode(sys.argv[1].encode()).decode()
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "", "cookies": [],
            "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", "authorization": auth,
                        "content-type": "application/json"},
            "requestContext": {"accountId": "123456789012", "apiId": "abc123", "stage": "$default",
                               "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
                               "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.1", "userAgent": "bench"},
                               "requestId": "r", "routeKey": "$default", "time": "", "timeEpoch": 0},
            "body": body, "isBase64Encoded": False}

session = jmap_handler.handler(event("GET", "/jmap/session"), Context())
assert session["statusCode"] == 200, session
account = next(iter(json.loads(session["body"])["accounts"]))
answered_session = time.perf_counter()
calls = [["Mailbox/get", {"accountId": account}, "0"],
         ["Email/query", {"accountId": account, "limit": 50}, "1"],
         ["Email/get", {"accountId": account,
                        "#ids": {"resultOf": "1", "name": "Email/query", "path": "/ids"},
                        "properties": ["subject", "from", "receivedAt", "preview"]}, "2"]]
body = json.dumps({"using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"], "methodCalls": calls})
api = jmap_handler.handler(event("POST", "/jmap/api", body), Context())
assert api["statusCode"] == 200 and '"error"' not in api["body"][:200], api
done = time.perf_counter()
print(json.dumps({"import": imported - began, "session": answered_session - imported,
                  "api": done - answered_session, "total": done - began,
                  "cpu": time.process_time() - began_cpu}))
"""


@dataclass(frozen=True)
class Variant:
    """Medians (ms) over the runs of one way of starting."""

    name: str
    runs: int
    median: dict[str, float]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on a loopback port with tables, bucket and alice; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = dict(os.environ)
    os.environ.update({**ENV, "AWS_ENDPOINT_URL": endpoint})
    try:
        reset_caches()
        from mailx.admin.accounts import create_account
        from mailx.store import blobs, tables

        tables.create_all()
        blobs.ensure_bucket()
        create_account(USER, PASSWORD, name="Alice", addresses=["alice@example.com"])
        yield endpoint
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()
        server.stop()


# What the Lambda runtime sets for every function (the app runs blocking work inline when it sees it).
LAMBDA_ENV = {"AWS_LAMBDA_FUNCTION_NAME": "mailx-jmap", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}


def _env(endpoint: str, extra: dict[str, str]) -> dict[str, str]:
    path = os.pathsep.join(str(p) for p in PATHS)
    return {**os.environ, **ENV, **LAMBDA_ENV, "AWS_ENDPOINT_URL": endpoint, "PYTHONPATH": path, **extra}


# The floor docs/architecture.md names: the bare libraries the JMAP function cannot do without, imported and
# nothing else (no app, no client, no request). Whatever the app adds is measured against this.
_FLOOR = r"""
import time
began, began_cpu = time.perf_counter(), time.process_time()
import json
import fastapi, mangum, pynamodb.connection, boto3
from aws_lambda_powertools import Logger
done = time.perf_counter()
print(json.dumps({"import": done - began, "session": 0.0, "api": 0.0, "total": done - began,
                  "cpu": time.process_time() - began_cpu}))
"""


def _child(endpoint: str, extra: dict[str, str], flags: list[str], script: str = _CHILD) -> dict[str, float]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", script, f"{USER}:{PASSWORD}"],
        env=_env(endpoint, extra), capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"cold-start child failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return {**{k: v * 1000 for k, v in figures.items()}, "wall": wall * 1000}


def _median(samples: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def compiled(endpoint: str, runs: int) -> Variant:
    """With .pyc files: the project compiled by compileall, site-packages as pip installed it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *map(str, PATHS)], check=True)
    _child(endpoint, {}, [])  # anything compileall missed is cached now
    return Variant("compiled (.pyc present)", runs, _median([_child(endpoint, {}, []) for _ in range(runs)]))


def floor(endpoint: str, runs: int) -> Variant:
    """The bare stack (fastapi, mangum, pynamodb, boto3, Powertools Logger) imported, compiled."""
    samples = [_child(endpoint, {}, [], _FLOOR) for _ in range(runs)]
    return Variant("floor: bare stack imports only", runs, _median(samples))


def uncompiled(endpoint: str, runs: int) -> Variant:
    """No bytecode anywhere: `-B` and an empty PYTHONPYCACHEPREFIX per run (the repo is left alone)."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            samples.append(_child(endpoint, {"PYTHONPYCACHEPREFIX": empty}, ["-B"]))
    return Variant("no bytecode (-B, empty pycache prefix)", runs, _median(samples))


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_costs(endpoint: str, top: int = 15) -> tuple[list[tuple[str, int, int]], list[tuple[str, int]]]:
    """`-X importtime` of a compiled cold start: the TOP modules by self time (µs, with cumulative),
    and the TOP top-level packages by summed self time."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _CHILD, f"{USER}:{PASSWORD}"],
        env=_env(endpoint, {}), capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    modules: list[tuple[str, int, int]] = []
    packages: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        found = _LINE.match(line)
        if found:
            own, cumulative, name = int(found[1]), int(found[2]), found[4]
            modules.append((name, own, cumulative))
            packages[name.split(".")[0]] += own
    modules.sort(key=lambda m: -m[1])
    return modules[:top], sorted(packages.items(), key=lambda kv: -kv[1])[:top]


def run(runs: int = 5) -> tuple[list[Variant], list[tuple[str, int, int]], list[tuple[str, int]]]:
    """Both variants, then the import profile."""
    with moto_server() as endpoint:
        variants = [compiled(endpoint, runs), floor(endpoint, runs), uncompiled(endpoint, runs)]
        modules, packages = import_costs(endpoint)
    return variants, modules, packages


_COLUMNS = ("import", "session", "api", "total", "cpu", "wall")


def coldstart_tables(variants: list[Variant], modules: list[tuple[str, int, int]],
                     packages: list[tuple[str, int]]) -> str:  # fmt: skip
    """The medians beside the target, then the import profile."""
    headers = ["Variant", "runs", "import ms", "GET session ms", "POST api ms", "in-process total ms",
               "CPU ms", "wall (with interpreter) ms", f"Target ≤ {TARGET_MS:.0f} ms"]  # fmt: skip
    body = [
        [v.name, str(v.runs), *(f"{v.median[k]:.0f}" for k in _COLUMNS),
         "met" if v.median["total"] <= TARGET_MS else "missed (timing: not enforced)"]
        for v in variants
    ]  # fmt: skip
    top = table(["Module (by self time)", "self ms", "cumulative ms"],
                [[n, f"{s / 1000:.1f}", f"{c / 1000:.1f}"] for n, s, c in modules])  # fmt: skip
    grouped = table(["Top-level package", "self ms (summed)"], [[n, f"{s / 1000:.1f}"] for n, s in packages])
    return "\n\n".join([table(headers, body), top, grouped])
