"""Local runtime restart at N stored messages (`make dev` after Ctrl-C): the write-ahead log plus the
snapshot (mailx.local.snapshot) against replaying the whole log.

Runs `python functions/jmap/jmap_local.py` as `make dev` does, on a free port and a temporary data
folder; delivers
N messages through `POST /v0/management/deliver` (the ingest path: raw .eml in S3, the Email, its
listing views, thread and change-log items in DynamoDB, all in the write log); stops it with SIGINT
(which writes the snapshot); starts it again and times it to the banner; checks the inbox holds N; then
does the same without the snapshot (the whole log replayed, as after a moto upgrade).
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import ROOT

DEFAULT_MESSAGES = 10_000
TARGET_SECONDS = 10.0
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
MESSAGE = (
    "From: Ann Example <ann@example.net>\r\nTo: admin@localhost.test\r\nSubject: Weekly figures {n}\r\n"
    "Date: Mon, 01 Apr 2024 10:00:00 +0000\r\nMessage-ID: <restart-{n}@bench.example.net>\r\n"
    "{reply}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
) + "Here are the figures for this week; the new warehouse opens on Monday.\r\n" * 20


@dataclass(frozen=True)
class Start:
    """One start of the runtime: wall time to the banner and what the banner said about loading."""

    seconds: float
    loaded: str
    base: str
    login: tuple[str, str]
    key: str
    process: subprocess.Popen[str]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_runtime(folder: Path, port: int, echo: bool = False) -> Start:
    """`make dev`'s runtime on PORT with data in FOLDER, once its banner says it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAILX_"))}
    for name in (
        "TOKEN_SECRET",
        "MANAGEMENT_KEY",
        "PUBLIC_BASE_URL",
        "DOMAIN",
        "TABLE_PREFIX",
        "BUCKET_NAME",
    ):
        env.pop(name, None)  # the runtime sets its own; a developer's shell must not leak in
    env.update({"PORT": str(port), "MAILX_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"})
    began = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, "functions/jmap/jmap_local.py"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    while not seen or "Press Ctrl-C to stop." not in seen[-1]:
        if process.poll() is not None:
            raise RuntimeError("the runtime stopped:\n" + "".join(seen))
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if echo and "replaying the write log" in line:
            print("    " + line.strip(), flush=True)
    seconds = time.perf_counter() - began
    text = "".join(seen)
    login = re.search(r"Login\s+(\S+) / (\S+)", text)
    loaded = re.search(r"Data folder\s+\S+\s+\((.*)\)", text)
    key = re.search(r"Management key\s+(\S+)", text)
    assert login and loaded and key, text
    return Start(seconds, loaded.group(1), f"http://127.0.0.1:{port}", (login[1], login[2]), key[1], process)


def _stop(start: Start) -> float:
    began = time.perf_counter()
    start.process.send_signal(signal.SIGINT)
    start.process.wait(timeout=600)
    return time.perf_counter() - began


def _deliver(start: Start, n: int) -> None:
    reply = f"In-Reply-To: <restart-{n - 1}@bench.example.net>\r\n" if n % 2 else ""
    raw = MESSAGE.format(n=n, reply=reply).encode()
    request = urllib.request.Request(
        f"{start.base}/v0/management/deliver?to=admin%40localhost.test",
        data=raw,
        method="POST",
        headers={"Authorization": f"Bearer {start.key}", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200


def _jmap(start: Start, path: str, body: object | None = None) -> dict[str, Any]:
    token = base64.b64encode(f"{start.login[0]}:{start.login[1]}".encode()).decode()
    request = urllib.request.Request(
        f"{start.base}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def _inbox_total(start: Start) -> int:
    """The inbox's totalEmails as a JMAP client sees it."""
    account = _jmap(start, "/jmap/session")["primaryAccounts"]["urn:ietf:params:jmap:mail"]
    query = {"accountId": account, "filter": {"role": "inbox"}}
    get = {"accountId": account, "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"},
           "properties": ["totalEmails"]}  # fmt: skip
    calls = [["Mailbox/query", query, "q"], ["Mailbox/get", get, "g"]]
    using = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
    answer = _jmap(start, "/jmap/api", {"using": using, "methodCalls": calls})
    return int(answer["methodResponses"][1][1]["list"][0]["totalEmails"])


def _size(folder: Path, name: str) -> str:
    path = folder / name
    return f"{path.stat().st_size / 1e6:.0f} MB" if path.exists() else "-"


def run(messages: int = DEFAULT_MESSAGES, full_replay: bool = True) -> tuple[str, list[str]]:
    """The restart table, and the targets missed."""
    rows: list[tuple[str, str, str]] = []
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mailx-restart-") as tmp:
        folder, port = Path(tmp) / "data", free_port()
        first = start_runtime(folder, port, echo=False)
        began = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=4) as pool:
                for done, _ in enumerate(pool.map(lambda n: _deliver(first, n), range(messages)), start=1):
                    if done % 1000 == 0:
                        rate = done / (time.perf_counter() - began)
                        print(f"    delivered {done:,} of {messages:,} ({rate:.0f}/s)", flush=True)
        finally:
            stopped = _stop(first)
        loading = time.perf_counter() - began
        rows.append(
            (f"deliver {messages:,} messages (4 clients)", f"{loading:.0f} s", f"{messages / loading:.0f}/s")
        )
        sizes = f"log {_size(folder, 'moto-wal.jsonl')}, snapshot {_size(folder, 'moto-snapshot.pickle')}"
        rows.append(("stop (Ctrl-C), snapshot written", f"{stopped:.1f} s", sizes))
        again = start_runtime(folder, port, echo=True)
        try:
            total = _inbox_total(again)
        finally:
            _stop(again)
        label = f"restart with the snapshot (target <= {TARGET_SECONDS:g} s)"
        rows.append((label, f"{again.seconds:.1f} s", f"{again.loaded}; inbox {total:,}"))
        if again.seconds > TARGET_SECONDS:
            missed.append(f"restart at {messages:,} messages took {again.seconds:.1f} s")
        if total != messages:
            missed.append(f"the inbox held {total:,} of {messages:,} messages after the restart")
        if full_replay:
            (folder / "moto-snapshot.pickle").unlink()
            whole = start_runtime(folder, port, echo=True)
            try:
                total = _inbox_total(whole)
            finally:
                _stop(whole)
            label = "restart replaying the whole log (no snapshot)"
            rows.append((label, f"{whole.seconds:.1f} s", f"{whole.loaded}; inbox {total:,}"))
    table = ["| Step | Time | Notes |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    return "\n".join(table), missed
