"""`mailx import` throughput beside the service's own ingest rate, in one run on the same local runtime.

Both sides use one moto server and the app under uvicorn (bench/loopback.py). The service's rate is
`mailx.mail.ingest.ingest` called in a loop (parse, S3 put, one transaction: the work every message
costs, with no HTTP around it); the importer's is `mailx import` of a Maildir of as many messages through
the HTTP API (management token, uploads in parallel, Email/import in batches). Their ratio is the
importer's overhead: the target is >= 0.8.
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import loader, loopback
from bench.harness import ENV
from bench.report import table

TARGET = 0.8


def _maildir(root: Path, count: int) -> None:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        raw = loader.TEMPLATE.replace(b"template@", f"imp{n}@".encode())
        (root / "cur" / f"{1700000000 + n}.M{n}P1.bench:2,S").write_bytes(raw)


def _ingest_rate(account_id: str, count: int) -> float:
    from mailx.mail.ingest import ingest
    from mailx.store import emails

    inbox = next(m for m, r in emails.mailbox_roles(account_id).items() if r == "inbox")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for n in range(count):
        raw = loader.TEMPLATE.replace(b"template@", f"ing{n}@".encode())
        ingest(account_id, raw, mailbox_ids=[inbox], received_at=start + timedelta(minutes=n))
    return count / (time.perf_counter() - began)


def _import_rate(port: int, count: int) -> tuple[float, int, int]:
    from mailx.migrate.jmap import Client, bearer
    from mailx.migrate.maildir import MaildirSource
    from mailx.migrate.progress import Progress
    from mailx.migrate.runner import Importer
    from mailx.migrate.state import State
    from mailx.migrate.target import Mailboxes

    base = f"http://127.0.0.1:{port}"
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/v0/management/accounts/alice/token",
        method="POST",
        headers={"Authorization": f"Bearer {ENV['MANAGEMENT_KEY']}"},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        token = json.loads(answer.read())["token"]
    client = Client(f"{base}/jmap/session", bearer(token))
    # The bench runtime's PUBLIC_BASE_URL is not its loopback address: aim the session's URLs at it.
    for name in ("api_url", "upload_url", "download_url"):
        setattr(client, name, getattr(client, name).replace(ENV["PUBLIC_BASE_URL"], base))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "Maildir"
        _maildir(root, count)
        state = State(Path(folder) / "state.jsonl")
        importer = Importer(client, Mailboxes(client, "Imported"), state)
        began = time.perf_counter()
        summary = importer.run(MaildirSource(root), Progress("bench", enabled=False))
        seconds = time.perf_counter() - began
        state.close()
    return summary.imported / seconds, summary.imported, len(summary.failures)


def run(count: int = 1000) -> str:
    """Both rates and their ratio, as a printed table."""
    with loopback.servers() as (port, account_id):
        ingest_rate = _ingest_rate(account_id, count)
        import_rate, imported, failed = _import_rate(port, count)
    ratio = import_rate / ingest_rate if ingest_rate else 0.0
    verdict = "met" if ratio >= TARGET else "MISSED"
    rows = [
        [f"service ingest, {count} messages (mailx.mail.ingest, in-process, moto server)", f"{ingest_rate:.1f}", ""],
        [f"mailx import of a {count}-message Maildir over HTTP ({imported} imported, {failed} failed)",
         f"{import_rate:.1f}", ""],
        ["ratio (importer / service)", f"{ratio:.2f}", f"target >= {TARGET} {verdict}"],
    ]  # fmt: skip
    return table(["Import throughput", "messages/s", ""], rows)


if __name__ == "__main__":
    import sys

    from bench import harness

    harness.add_paths()
    sys.stdout.write(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000) + "\n")
