"""Throughput over real HTTP: moto's server and the app under uvicorn, each its own process, on loopback.

A load generator in this process (threads, one keep-alive `http.client` connection each) posts JMAP
requests for a fixed time and records each request's latency. Three processes share the machine's
cores with whatever else runs, so the figures compare versions on one machine; they are not Lambda's.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import loader
from bench.api import CORE, LIST_PROPERTIES, MAIL
from bench.harness import ENV, PASSWORD, PATHS, ROOT, USER, reset_caches
from bench.restart import free_port

AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
Send = Callable[[http.client.HTTPConnection, int], None]


@dataclass(frozen=True)
class Load:
    """One workload at one concurrency: requests done, seconds, latencies (ms) sorted."""

    name: str
    threads: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        return self.latencies[min(len(self.latencies) - 1, int(p / 100 * len(self.latencies)))]


def _wait(port: int, path: str, process: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer within {seconds:.0f} s")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Output is discarded: moto's server logs every request, and an unread pipe would stall it.
    return subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def servers() -> Iterator[tuple[int, str]]:
    """moto's server and uvicorn (create_app) on loopback; yields (API port, alice's account id)."""
    moto_port, api_port = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = {**os.environ, **ENV, "AWS_ENDPOINT_URL": endpoint,
           "PYTHONPATH": os.pathsep.join(str(p) for p in PATHS)}  # fmt: skip
    moto = _start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)], env)
    api: subprocess.Popen[bytes] | None = None
    saved = dict(os.environ)
    try:
        _wait(moto_port, "/moto-api/", moto)
        os.environ.update({**ENV, "AWS_ENDPOINT_URL": endpoint})
        reset_caches()
        account_id = _setup()
        api = _start([sys.executable, "-m", "uvicorn", "jmap_api.app:create_app", "--factory", "--host",
                      "127.0.0.1", "--port", str(api_port), "--log-level", "warning", "--no-access-log"],
                     env)  # fmt: skip
        _wait(api_port, "/.well-known/jmap", api)
        yield api_port, account_id
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()
        for process in (p for p in (api, moto) if p is not None):
            _stop(process)


def _setup(messages: int = 200) -> str:
    """Tables, bucket, alice, and MESSAGES real ingests in her inbox (through moto's server)."""
    from mailx.admin.accounts import create_account
    from mailx.mail.ingest import ingest
    from mailx.store import blobs, emails, tables

    tables.create_all()
    blobs.ensure_bucket()
    account_id: str = create_account(USER, PASSWORD, name="Alice", addresses=["alice@example.com"]).account_id
    inbox = next(m for m, r in emails.mailbox_roles(account_id).items() if r == "inbox")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(messages):
        raw = loader.TEMPLATE.replace(b"template@", f"h{n}@".encode())
        ingest(account_id, raw, mailbox_ids=[inbox], received_at=start + timedelta(minutes=n))
    return account_id


def _post(connection: http.client.HTTPConnection, path: str, body: bytes, kind: str) -> Any:
    connection.request("POST", path, body=body, headers={"Authorization": AUTH, "Content-Type": kind})
    response = connection.getresponse()
    data = response.read()
    if response.status not in (200, 201):
        raise RuntimeError(f"HTTP {response.status} on {path}: {data[:300]!r}")
    return json.loads(data)


def _jmap(connection: http.client.HTTPConnection, *calls: list[Any]) -> list[Any]:
    body = json.dumps({"using": [CORE, MAIL], "methodCalls": list(calls)}).encode()
    responses: list[Any] = _post(connection, "/jmap/api", body, "application/json")["methodResponses"]
    if any(r[0] == "error" for r in responses):
        raise RuntimeError(f"method error: {responses}")
    return responses


def open_inbox(account_id: str, inbox: str) -> Send:
    """The open-inbox request of bench.api.Api.open_view."""

    def send(connection: http.client.HTTPConnection, _n: int) -> None:
        _jmap(connection,
              ["Mailbox/get", {"accountId": account_id}, "0"],
              ["Email/query", {"accountId": account_id, "filter": {"inMailbox": inbox}, "limit": 50,
                               "sort": [{"property": "receivedAt", "isAscending": False}],
                               "collapseThreads": True}, "1"],
              ["Email/get", {"accountId": account_id, "properties": LIST_PROPERTIES,
                             "#ids": {"resultOf": "1", "name": "Email/query", "path": "/ids"}},
               "2"])  # fmt: skip

    return send


def import_message(account_id: str, inbox: str) -> Send:
    """Ingest over HTTP: upload a message (POST /jmap/upload) and Email/import it into the inbox."""

    def send(connection: http.client.HTTPConnection, n: int) -> None:
        raw = loader.TEMPLATE.replace(b"template@", f"i{n}-{threading.get_ident()}@".encode())
        blob = _post(connection, f"/jmap/upload/{account_id}/", raw, "message/rfc822")["blobId"]
        _jmap(connection, ["Email/import", {"accountId": account_id, "emails": {
            "e": {"blobId": blob, "mailboxIds": {inbox: True}}}}, "0"])  # fmt: skip

    return send


def drive(port: int, name: str, send: Send, threads: int, seconds: float) -> Load:
    """Run SEND in THREADS threads for SECONDS (after one warm-up each); latencies of each call."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = [0.0]
    ready = threading.Barrier(threads + 1)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        send(connection, -1)  # warm: connection, sign-in cache
        mine: list[float] = []
        ready.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            try:
                send(connection, n)
            except (OSError, RuntimeError):
                with lock:
                    errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append((time.perf_counter() - began) * 1000)
            n += 1
        with lock:
            latencies.extend(mine)
        connection.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    stop_at[0] = time.perf_counter() + 3600  # the workers warm up before the clock starts
    ready.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    return Load(name, threads, elapsed, sorted(latencies), errors[0])


def run(seconds: float = 10.0, concurrency: tuple[int, ...] = (1, 4)) -> list[Load]:
    """Open inbox and HTTP import, each at every concurrency, for SECONDS each."""
    from mailx.store import emails

    loads = []
    with servers() as (port, account_id):
        inbox = next(m for m, r in emails.mailbox_roles(account_id).items() if r == "inbox")
        workloads = {
            "open inbox (1 POST /jmap/api)": open_inbox(account_id, inbox),
            "ingest over HTTP (upload + Email/import)": import_message(account_id, inbox),
        }
        for name, send in workloads.items():
            loads += [drive(port, name, send, threads, seconds) for threads in concurrency]
    return loads
