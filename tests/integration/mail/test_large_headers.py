"""Mail whose parsed headers outgrow a DynamoDB item (issue 13 item 2): stored and readable anyway.

DynamoDB caps an item at 400 KB; a summary larger than store.emails.INLINE_SUMMARY_LIMIT is kept in
S3 beside the message. Real paths: Email/import over HTTP, the SES Lambda handler with a real-shaped
event, Email/get and the download route over HTTP, moto underneath.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from mailx.store import blobs, emails
from mailx.store.models import Email
from tests.helpers.auth import ALICE
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import inbox_id
from tests.helpers.paths import EVENTS

SES_EVENT: dict[str, Any] = json.loads((EVENTS / "ses_lambda_event.json").read_text())
MIB = 1024 * 1024


def _to_header(count: int) -> bytes:
    addresses = ",\r\n ".join(f"Recipient {n} <r{n}@many.example>" for n in range(count))
    return b"To: " + addresses.encode() + b"\r\n"


def _many_recipients(count: int) -> bytes:
    return (
        b"From: sender@outside.example\r\n" + _to_header(count) + b"Subject: to everyone\r\n"
        b"Message-ID: <many@outside.example>\r\n\r\nHello all.\r\n"
    )


def import_call(account_id: str, emails: dict[str, Any]) -> list[Any]:
    return ["Email/import", {"accountId": account_id, "emails": emails}, "i"]


def _item_size(account_id: str, email_id: str) -> int:
    item = Email.get(account_id, email_id, consistent_read=True)
    return len(item.summary or "")


def test_6000_recipients_import_and_read_back(client: Any, alice: Any) -> None:
    # Given the 167 KB message with 6,000 To addresses (over 400 KB as a parsed summary)
    acc = alice.account_id
    raw = _many_recipients(6000)
    assert 150_000 < len(raw) < 400_000
    blob_id = upload(client, acc, raw)
    # When it is imported (this answered serverFail: "Item size has exceeded the maximum allowed size")
    [[name, result, _], [_, got, _]] = jmap(
        client,
        import_call(acc, {"k": {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True}}}),
        [
            "Email/get",
            {"accountId": acc, "ids": ["#k"], "properties": ["to", "subject", "header:To:asRaw"]},
            "g",
        ],
    )
    # Then it is created and Email/get answers every address
    assert name == "Email/import" and "k" in result["created"], result
    email_id = result["created"]["k"]["id"]
    [email] = got["list"]
    assert len(email["to"]) == 6000
    assert email["to"][5999] == {"name": "Recipient 5999", "email": "r5999@many.example"}
    assert email["subject"] == "to everyone"
    assert email["header:To:asRaw"].startswith(" Recipient 0 <r0@many.example>,")
    # ... the item holds only a marker; the summary is beside the message in S3
    assert _item_size(acc, email_id) < 100
    assert blobs.head(blobs.summary_key(acc, email_id)) is not None
    # ... Email/query lists it and the raw message downloads byte-exact
    [[_, query, _]] = jmap(client, ["Email/query", {"accountId": acc}, "q"])
    assert query["ids"] == [email_id]
    download = client.get(f"/jmap/download/{acc}/{email_id}/m.eml?type=message/rfc822", headers=ALICE)
    assert download.status_code == 200 and download.content == raw
    # ... and destroying it removes the S3 copy of the summary too
    [[_, destroyed, _]] = jmap(client, ["Email/set", {"accountId": acc, "destroy": [email_id]}, "d"])
    assert destroyed["destroyed"] == [email_id]
    assert blobs.head(blobs.summary_key(acc, email_id)) is None


def test_a_normal_message_keeps_its_summary_in_the_item(client: Any, alice: Any) -> None:
    acc = alice.account_id
    raw = _many_recipients(3)
    blob_id = upload(client, acc, raw)
    [[_, result, _]] = jmap(
        client, import_call(acc, {"k": {"blobId": blob_id, "mailboxIds": {inbox_id(acc): True}}})
    )
    email_id = result["created"]["k"]["id"]
    assert _item_size(acc, email_id) > 200
    assert blobs.head(blobs.summary_key(acc, email_id)) is None


class _Context:
    function_name = "mailx-ses-inbound"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-ses-inbound"
    aws_request_id = "req-large-headers"


def _forty_mib_message() -> bytes:
    """40 MiB exactly: a 1.3 MB header section (6,000 To addresses, 2,000 long X- fields) and a
    base64 attachment filling the rest."""
    padding = b"".join(b"X-Pad-%d: " % n + b"p" * 400 + b"\r\n" for n in range(2000))
    head = (
        b"From: sender@outside.example\r\n" + _to_header(6000) + padding + b"Subject: huge headers\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        b"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--b1\r\nContent-Type: application/octet-stream; name=data.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    tail = b"\r\n--b1--\r\n"
    room = 40 * MIB - len(head) - len(tail)
    line = base64.b64encode(b"\x00\xff\x10" * 19) + b"\r\n"  # 78 octets
    body = line * (room // len(line))
    body += b"A" * (room - len(body))
    raw = head + body + tail
    assert len(raw) == 40 * MIB
    return raw


def test_a_40_mib_message_with_a_large_header_block_arrives_by_ses_and_reads_back(
    client: Any, alice: Any
) -> None:
    from ses_inbound_handler import handler

    # Given a 40 MiB message (the advertised maximum) whose header section is 1.3 MB
    raw = _forty_mib_message()
    blobs.put("inbound/ses-huge-headers", raw, "message/rfc822")
    event = copy.deepcopy(SES_EVENT)
    event["Records"][0]["ses"]["mail"]["messageId"] = "ses-huge-headers"
    event["Records"][0]["ses"]["receipt"]["recipients"] = ["alice@example.com"]
    # When SES invokes the inbound function
    result = handler(event, _Context())
    # Then it is delivered (this raised ValidationException and was parked in the dead-letter queue)
    assert result["results"] == [{"messageId": "ses-huge-headers", "delivered": 1}]
    [email_id] = emails.list_ids(alice.account_id, 10)
    # ... Email/get reads it, headers and structure included
    props = ["size", "subject", "from", "to", "header:X-Pad-1999", "attachments", "textBody", "preview"]
    args = {"accountId": alice.account_id, "ids": [email_id], "properties": props}
    [[_, got, _]] = jmap(client, ["Email/get", args, "g"])
    [email] = got["list"]
    assert email["size"] == 40 * MIB and email["subject"] == "huge headers"
    assert len(email["to"]) == 6000
    assert email["header:X-Pad-1999"] == " " + "p" * 400
    assert email["preview"] == "See attached."
    [attachment] = email["attachments"]
    assert attachment["name"] == "data.bin" and attachment["size"] > 28 * MIB
    # ... and the download URL hands out the exact octets (302 to S3 above 1 MB)
    download = client.get(
        f"/jmap/download/{alice.account_id}/{email_id}/m.eml?type=message/rfc822",
        headers=ALICE,
        follow_redirects=False,
    )
    assert download.status_code == 302
    assert f"/emails/{alice.account_id}/{email_id}.eml" in download.headers["location"]
    stored = blobs.get(blobs.email_key(alice.account_id, email_id))
    assert stored is not None and stored.data == raw
