"""How `mailx import` sends octets: small messages go up together in Blob/upload requests (RFC 9404), one
per batch, not one upload request each; a message too big for one request goes to uploadUrl. Observed
on the wire, at the client, against the real server."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from mailx.migrate.jmap import Client, Http, JmapError
from tests.helpers.migrate import client, create_account, holdings, mailx

SMALL = 30
BIG_OCTETS = 3_800_000  # under maxSizeUpload (4,000,000), but base64 makes it 5.07 MB: over maxSizeRequest


def _maildir(root: Path, big: bool) -> list[bytes]:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    raws = []
    for n in range(SMALL):
        head = f"From: s{n}@example.org\r\nSubject: small {n}\r\nMessage-ID: <u{n}@example.org>\r\n"
        raws.append(f"{head}\r\nbody {n}\r\n".encode())
    if big:
        line = b"x" * 76 + b"\r\n"
        body = line * (BIG_OCTETS // len(line))
        raws.append(b"From: big@example.org\r\nSubject: big\r\nMessage-ID: <big@example.org>\r\n\r\n" + body)
    for n, raw in enumerate(raws):
        (root / "cur" / f"{1700000000 + n}.M{n}P1.host:2,S").write_bytes(raw)
    return raws


def _import(
    capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path, account: str, *extra: str
) -> tuple[int, str, str]:
    """`mailx import` of tmp_path/Maildir into ACCOUNT, with a state file of its own."""
    return mailx(
        capsys, url, "import", str(tmp_path / "Maildir"), "--account", account,
        "--state", str(tmp_path / "s.jsonl"), "--no-progress", *extra,
    )  # fmt: skip


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every request the importer's HTTP client sends: (method, path, first method name of a JMAP call)."""
    seen: list[tuple[str, str, str]] = []
    real = Http.request

    def spy(
        self: Http, method: str, url: str, body: bytes | None = None, content_type: str | None = None
    ) -> Any:
        first = ""
        if body and content_type == "application/json" and b'"methodCalls"' in body[:4096]:
            first = body.split(b'"methodCalls": [["', 1)[1].split(b'"', 1)[0].decode()
        seen.append((method, urllib.parse.urlsplit(url).path, first))
        return real(self, method, url, body, content_type)

    monkeypatch.setattr(Http, "request", spy)
    return seen


def test_small_messages_go_up_in_one_blob_upload_per_batch(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, wire: list[tuple[str, str, str]]
) -> None:
    # Given a Maildir of 30 small messages
    create_account(capsys, url, "una")
    raws = _maildir(tmp_path / "Maildir", big=False)
    # When it is imported in batches of 10
    code, out, err = _import(capsys, url, tmp_path, "una", "--batch", "10")
    assert code == 0, err + out
    # Then no message went to the upload endpoint: three Blob/upload and three Email/import requests
    assert not [w for w in wire if w[1].startswith("/jmap/upload")]
    calls = [w[2] for w in wire if w[1] == "/jmap/api"]
    assert calls.count("Blob/upload") == 3
    assert calls.count("Email/import") == 3
    # And every message is there once, byte for byte
    held = holdings(client(url, "una"))
    assert sorted(h["raw"] for h in held) == sorted(raws)


def test_a_message_too_big_for_one_request_goes_to_the_upload_endpoint(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, wire: list[tuple[str, str, str]]
) -> None:
    # Given small messages and one whose base64 would not fit in maxSizeRequest
    create_account(capsys, url, "vic")
    raws = _maildir(tmp_path / "Maildir", big=True)
    # When they are imported
    code, out, err = _import(capsys, url, tmp_path, "vic")
    assert code == 0, err + out
    # Then the big one (only) went to uploadUrl, the rest in one Blob/upload
    uploads = [w for w in wire if w[0] == "POST" and w[1].startswith("/jmap/upload")]
    assert len(uploads) == 1
    assert [w[2] for w in wire if w[1] == "/jmap/api"].count("Blob/upload") == 1
    # And all arrived, each of its full size (a download this big is redirected to S3, out of reach here)
    jmap = client(url, "vic")
    ids = jmap.one("Email/query", {"limit": 100})["ids"]
    sizes = [e["size"] for e in jmap.one("Email/get", {"ids": ids, "properties": ["size"]})["list"]]
    assert sorted(sizes) == sorted(len(raw) for raw in raws)


def test_a_refused_blob_upload_falls_back_to_the_upload_endpoint(
    url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    wire: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a server whose Blob/upload fails as a whole (a proxy's limit, an older server)
    create_account(capsys, url, "wes")
    raws = _maildir(tmp_path / "Maildir", big=False)

    def refused(self: Client, blobs: list[bytes], content_type: str = "message/rfc822") -> Any:
        raise JmapError("JMAP request: HTTP 413 too large", 413)

    monkeypatch.setattr(Client, "upload_many", refused)
    # When the Maildir is imported
    code, out, err = _import(capsys, url, tmp_path, "wes")
    # Then each message went to uploadUrl instead, and all arrived
    assert code == 0, err + out
    assert len([w for w in wire if w[1].startswith("/jmap/upload")]) == SMALL
    assert sorted(h["raw"] for h in holdings(client(url, "wes"))) == sorted(raws)


def test_a_fault_in_the_grouped_upload_fails_its_messages_and_the_run_ends(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a grouped upload that breaks with an unexpected error (a bug, not a refusal)
    create_account(capsys, url, "xia")
    _maildir(tmp_path / "Maildir", big=False)

    def broken(self: Client, blobs: list[bytes], content_type: str = "message/rfc822") -> Any:
        raise KeyError("created")

    monkeypatch.setattr(Client, "upload_many", broken)
    # When the Maildir is imported
    code, out, err = _import(capsys, url, tmp_path, "xia")
    # Then the run ends (nothing waits for ever) with every message reported failed, none imported
    assert code == 1
    assert f"imported 0, skipped 0 already imported, failed {SMALL}" in out + err
    assert "upload failed" in out + err
    assert holdings(client(url, "xia")) == []
