"""Manual delivery: POST /v0/management/deliver and `mailx deliver`, routed and ingested like SES mail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailx.store import emails
from tests.helpers.cli import KEY, run
from tests.helpers.mailboxes import counters, inbox_id
from tests.helpers.messages import message
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES
RFC822 = {"Content-Type": "message/rfc822"}


def post(client: Any, headers: dict[str, str], raw: bytes, *recipients: str, key: str = "") -> Any:
    params: list[tuple[str, str]] = [("to", r) for r in recipients] + ([("id", key)] if key else [])
    return client.post("/v0/management/deliver", params=params, content=raw, headers={**headers, **RFC822})


def test_route_reports_accounts_duplicates_and_unknown(
    client: Any, management_headers: dict[str, str], alice: Any, bob: Any
) -> None:
    # Given alice, bob, and a catch-all for example.com pointing at bob
    put = client.put("/v0/management/domains/example.com", headers=management_headers,
                     json={"catchAllAccountId": bob.account_id})  # fmt: skip
    assert put.status_code == 200, put.text
    raw = (FIXTURES / "plain_text.eml").read_bytes()
    recipients = ("Alice@Example.com", "alice+lists@example.com", "whoever@example.com", "x@elsewhere.test")
    # When one message is delivered to all four envelope recipients with an idempotency key
    first = post(client, management_headers, raw, *recipients, key="msg-1")
    # Then alice gets one copy (address and subaddress), bob one (catch-all), the foreign one is reported
    assert first.status_code == 200, first.text
    body = first.json()
    assert set(body["delivered"]) == {alice.account_id, bob.account_id}
    assert body["duplicates"] == {} and body["failed"] == {}
    assert body["unknownRecipients"] == ["x@elsewhere.test"]
    assert body["routes"] == {
        "Alice@Example.com": alice.account_id,
        "alice+lists@example.com": alice.account_id,
        "whoever@example.com": bob.account_id,
    }
    stored = emails.get(alice.account_id, body["delivered"][alice.account_id])
    assert stored is not None and stored.mailbox_ids == (inbox_id(alice.account_id),)
    assert counters(alice.account_id, inbox_id(alice.account_id))["totalEmails"] == 1
    # When it is delivered again with the same key, Then nothing new: the first ids come back as duplicates
    again = post(client, management_headers, raw, *recipients, key="msg-1").json()
    assert again["delivered"] == {} and again["duplicates"] == body["delivered"]
    assert counters(bob.account_id, inbox_id(bob.account_id))["totalEmails"] == 1


def test_route_errors(client: Any, management_headers: dict[str, str], alice: Any) -> None:
    from mailx import limits

    raw = message("e@example.net", "Errors")
    assert post(client, {}, raw, "alice@example.com").status_code == 401
    assert post(client, management_headers, raw).status_code == 400
    assert post(client, management_headers, b"", "alice@example.com").status_code == 400
    big = b"Subject: big\r\n\r\n" + b"x" * limits.LIMITS.max_size_upload
    too_large = post(client, management_headers, big, "alice@example.com")
    assert too_large.status_code == 413
    assert too_large.json()["type"] == "urn:ietf:params:jmap:error:limit"
    assert too_large.json()["limit"] == "maxSizeUpload"
    assert counters(alice.account_id, inbox_id(alice.account_id))["totalEmails"] == 0


def test_cli_delivers_files_and_folders(
    url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    alice: Any,
) -> None:
    # Given a folder with two messages (and a file that is not *.eml) and one more file
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.eml").write_bytes(message("a@example.net", "First"))
    (folder / "b.eml").write_bytes(message("b@example.net", "Second"))
    (folder / "notes.txt").write_text("not a message")
    single = tmp_path / "c.eml"
    single.write_bytes((FIXTURES / "alternative.eml").read_bytes())
    # When they are delivered to alice
    code, out, err = run(capsys, "--url", url, "--key", KEY, "deliver", str(folder), str(single), "--to",
                         "alice@example.com")  # fmt: skip
    # Then one line per message names alice's account and the new email id
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        str(folder / "a.eml"),
        str(folder / "b.eml"),
        str(single),
    ]
    for line in lines:
        assert f": {alice.account_id} M" in line
    assert counters(alice.account_id, inbox_id(alice.account_id))["totalEmails"] == 3


def test_cli_reports_unknown_recipients_and_exits_non_zero(
    url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    alice: Any,
) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(message("u@example.net", "Unknown"))
    base = ("--url", url, "--key", KEY, "deliver", str(path), "--to", "alice@example.com")
    code, out, err = run(capsys, *base, "--to", "nobody@elsewhere.test", "--id", "once")
    assert code == 1
    assert "unknown recipients: nobody@elsewhere.test" in out and alice.account_id in out
    assert err.strip() == "mailx: 1 of 1 message(s) not delivered to every recipient"
    # Delivered again with the same --id (as JSON): alice's copy is a duplicate, which is fine
    code, out, _ = run(capsys, *base, "--id", "once", "--json")
    assert code == 0
    [result] = json.loads(out)
    assert result["delivered"] == {} and list(result["duplicates"]) == [alice.account_id]
    # A missing file is a usage error before anything is sent
    code, _, err = run(
        capsys, "--url", url, "--key", KEY, "deliver", str(tmp_path / "nope.eml"), "--to", "a@b"
    )
    assert code == 2 and "no such file" in err
