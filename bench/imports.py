"""`mailx import` throughput beside the service's own ingest rate, in one run of the local runtime.

One `python functions/jmap/jmap_local.py` (moto and the app under uvicorn, in one process) on a free
port, with a throwaway data folder. The service's rate: N messages through its own import path
(Email/import of blobs uploaded beforehand, 50 per call: each message's parse, S3 reads and writes and
transaction in the service, none of the importer's work), and, for reference, its intake of received mail
(`POST /v0/management/deliver`, one by one). The importer's: `mailx import` of an N-message Maildir
(management token, parallel uploads, batched Email/import, the state file). The ratio importer /
Email/import is the importer's overhead; the target is >= 0.8.
"""

from __future__ import annotations

import http.client
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
import urllib.parse
from pathlib import Path

from bench import loader
from bench.harness import PATHS, ROOT
from bench.report import table

TARGET = 0.8
START_SECONDS = 600.0  # a loaded shared machine can take minutes to replay and start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(folder: Path) -> tuple[subprocess.Popen[str], str, str]:
    """The local runtime; (process, base URL, management key) once its banner says it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAILX_"))}
    for key in ("TOKEN_SECRET", "MANAGEMENT_KEY", "PUBLIC_BASE_URL", "DOMAIN", "TABLE_PREFIX", "BUCKET_NAME"):
        env.pop(key, None)
    env.update({"PORT": str(_free_port()), "MAILX_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join(str(p) for p in PATHS)})  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "functions/jmap/jmap_local.py"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen = ""
    deadline = time.monotonic() + START_SECONDS
    while "Press Ctrl-C to stop." not in seen:
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("the local runtime did not start:\n" + seen)
        try:
            seen += lines.get(timeout=0.2)
        except queue.Empty:
            continue
    url = re.search(r"^\s*URL\s+(\S+)", seen, re.MULTILINE)
    secret = re.search(r"^\s*Management key\s+(\S+)", seen, re.MULTILINE)
    if not url or not secret:
        raise RuntimeError("no URL or management key in the banner:\n" + seen)
    return process, url.group(1), secret.group(1)


def _message(tag: str, n: int) -> bytes:
    return loader.TEMPLATE.replace(b"template@", f"{tag}{n}@".encode())


def _deliver(base: str, key: str, tag: str, count: int) -> float:
    """Seconds to deliver COUNT messages one by one through POST /v0/management/deliver."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"}
    path = "/v0/management/deliver?to=" + urllib.parse.quote("admin@localhost.test")
    began = time.perf_counter()
    for n in range(count):
        connection.request("POST", path, body=_message(tag, n), headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or b'"delivered":{"' not in body.replace(b" ", b""):
            raise RuntimeError(f"deliver answered {response.status}: {body[:300]!r}")
    connection.close()
    return time.perf_counter() - began


def _service_import(base: str, key: str, tag: str, count: int) -> float:
    """Seconds Email/import takes for COUNT blobs uploaded beforehand (untimed), 50 per call."""
    from mailx.cli.client import Api
    from mailx.cli.migrate_account import account_client

    with account_client(Api(base, lambda: key), "admin") as client:
        inbox = next(
            b["id"] for b in client.one("Mailbox/get", {"ids": None})["list"] if b["role"] == "inbox"
        )
        blobs = [client.upload(_message(tag, n)) for n in range(count)]
        began = time.perf_counter()
        for start in range(0, count, 50):
            batch = {
                str(i): {"blobId": b, "mailboxIds": {inbox: True}}
                for i, b in enumerate(blobs[start : start + 50])
            }
            answer = client.one("Email/import", {"emails": batch})
            # alreadyExists: a request retried after a timeout had got through the first time
            refused = {
                k: v for k, v in (answer.get("notCreated") or {}).items() if v["type"] != "alreadyExists"
            }
            if refused:
                raise RuntimeError(f"Email/import refused: {refused}")
        return time.perf_counter() - began


def _importer(base: str, key: str, tag: str, count: int, folder: Path) -> float:
    """Seconds `mailx import` takes for a COUNT-message Maildir (a fresh state file)."""
    import contextlib
    import io

    from mailx.cli import main

    root = folder / tag
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (root / "cur" / f"{1700000000 + n}.M{n}P1.bench:2,S").write_bytes(_message(tag, n))
    argv = ["--url", base, "--key", key, "import", str(root), "--account", "admin", "--into", "Imported",
            "--state", str(folder / f"{tag}.jsonl"), "--report", str(folder / f"{tag}.json"),
            "--no-progress"]  # fmt: skip
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    seconds = time.perf_counter() - began
    if code != 0:
        raise RuntimeError(f"mailx import exited {code}: {(folder / f'{tag}.json').read_text()}")
    return seconds


def run(count: int = 1000, rounds: int = 4) -> str:
    """The three rates and the ratios, as a printed table.

    The machine is shared, so the work is interleaved in ROUNDS (each side does COUNT/ROUNDS messages
    per round, in turn): a slow minute then weighs on every side alike.
    """
    per_round = max(1, count // rounds)
    spent = {"deliver": 0.0, "service": 0.0, "importer": 0.0}
    with tempfile.TemporaryDirectory(prefix="mailx-bench-import-") as name:
        folder = Path(name)
        process, base, key = _start(folder / "data")
        try:
            for r in range(rounds):
                spent["deliver"] += _deliver(base, key, f"d{r}x", per_round)
                spent["service"] += _service_import(base, key, f"s{r}x", per_round)
                spent["importer"] += _importer(base, key, f"i{r}x", per_round, folder)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    total = per_round * rounds
    rate = {side: total / seconds for side, seconds in spent.items()}
    ratio = rate["importer"] / rate["service"]
    verdict = "met" if ratio >= TARGET else "MISSED"
    rows = [
        [f"service: Email/import of {total} uploaded blobs, 50 per call", f"{rate['service']:.1f}",
         "the service's import ingest"],
        [f"service: {total} x POST /v0/management/deliver, one by one", f"{rate['deliver']:.1f}",
         "its intake of received mail"],
        [f"mailx import of {total} messages (Maildir: uploads, Email/import)", f"{rate['importer']:.1f}", ""],
        ["ratio importer / Email/import ingest", f"{ratio:.2f}", f"target >= {TARGET}: {verdict}"],
        ["ratio importer / deliver", f"{rate['importer'] / rate['deliver']:.2f}", "for reference"],
    ]  # fmt: skip
    return table(["Import throughput, one local runtime", "messages/s", ""], rows)


if __name__ == "__main__":
    sys.stdout.write(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000) + "\n")
