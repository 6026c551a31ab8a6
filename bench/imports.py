"""`mailx import` throughput beside the service's own ingest rate, in one run of the local runtime.

One `python functions/jmap/jmap_local.py` (moto and the app under uvicorn, in one process) on a free
port, with a throwaway data folder. The service's rate: N messages through its own import path
(Email/import of blobs uploaded beforehand, 50 per call: each message's parse, S3 reads and writes and
transaction in the service, none of the importer's work), and, for reference, its intake of received mail
(`POST /v0/management/deliver`, one by one). The importer's: `mailx import` of an N-message Maildir
(management token, one Blob/upload and one Email/import per batch, the state file). The ratio importer /
Email/import is the importer's overhead; the target is >= 0.8.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench import loader
from bench.report import table
from bench.restart import free_port, start_runtime

TARGET = 0.8


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
        runtime = start_runtime(folder / "data", free_port())
        process, base, key = runtime.process, runtime.base, runtime.key
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
