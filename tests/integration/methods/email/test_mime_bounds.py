"""MIME whose structure would cost far more than its size (issue 13 item 7): part count, nesting and
RFC 2231 parameter lists are bounded, through Email/parse and the SES handler (moto underneath)."""

from __future__ import annotations

import copy
import json
from typing import Any

from mailx.mime.bounds import MAX_MIME_DEPTH, MAX_MIME_PARAMETERS, MAX_MIME_PARTS
from mailx.store import blobs, emails
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.paths import EVENTS

SES_EVENT: dict[str, Any] = json.loads((EVENTS / "ses_lambda_event.json").read_text())
HEAD = b"From: a@outside.example\r\nTo: alice@example.com\r\nSubject: parts\r\n"


def _empty_parts(count: int) -> bytes:
    return HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\n" * count + b"--b--\r\n"


def _parse(client: Any, account: str, raw: bytes, properties: list[str]) -> dict[str, Any]:
    blob_id = upload(client, account, raw)
    body = ["partId", "size", "type", "name", "subParts"]
    args = {"accountId": account, "blobIds": [blob_id], "properties": properties, "bodyProperties": body}
    [[name, parsed, _]] = jmap(client, ["Email/parse", args, "p"])
    assert name == "Email/parse", parsed
    email: dict[str, Any] = parsed["parsed"][blob_id]
    return email


def test_300000_empty_parts_parse_as_one_leaf_not_a_111_mb_answer(client: Any, alice: Any) -> None:
    # Given the message: 300,000 empty parts in 2.1 MB
    raw = _empty_parts(300_000)
    # When it is parsed (this answered 111 MB after 13 s)
    email = _parse(client, alice.account_id, raw, ["subject", "bodyStructure", "attachments"])
    # Then the headers are read as usual and the body is listed as one leaf holding all of it
    assert email["subject"] == "parts"
    structure = email["bodyStructure"]
    assert structure["type"] == "application/octet-stream" and structure["subParts"] is None
    assert structure["size"] > 2_000_000
    assert [a["partId"] for a in email["attachments"]] == [structure["partId"]]


def test_parts_up_to_the_limit_are_all_listed(client: Any, alice: Any) -> None:
    raw = _empty_parts(MAX_MIME_PARTS - 1)  # the root is a part too
    email = _parse(client, alice.account_id, raw, ["bodyStructure"])
    assert len(email["bodyStructure"]["subParts"]) == MAX_MIME_PARTS - 1


def test_nesting_past_the_depth_limit_lists_no_deeper_parts(client: Any, alice: Any) -> None:
    depth = MAX_MIME_DEPTH + 10
    raw = HEAD
    for level in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for level in reversed(range(depth)):
        raw += b"--n%d--\r\n" % level
    email = _parse(client, alice.account_id, raw, ["bodyStructure"])
    part, seen = email["bodyStructure"], 0
    while part.get("subParts"):
        part, seen = part["subParts"][0], seen + 1
    assert seen == MAX_MIME_DEPTH and part["type"] == "multipart/mixed" and part["subParts"] == []


def test_100000_rfc_2231_continuations_read_only_the_first_parameters(client: Any, alice: Any) -> None:
    # Given a 2.4 MB Content-Disposition of 100,000 continuations of one filename
    pieces = "".join(f";\r\n filename*{n}*=ab%{n % 10}0" for n in range(100_000))
    raw = HEAD + (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment" + pieces.encode() + b"\r\n\r\ndata\r\n--b--\r\n"
    )
    assert len(raw) > 2_000_000
    # When it is parsed (28 s of CPU in the standard library's quadratic splitter)
    email = _parse(client, alice.account_id, raw, ["attachments"])
    # Then the name is built from the parameters within the limit only
    [attachment] = email["attachments"]
    expected = "".join(f"ab%{n % 10}0" for n in range(MAX_MIME_PARAMETERS))
    from urllib.parse import unquote

    assert attachment["name"] == unquote(expected)


class _Context:
    function_name = "mailx-ses-inbound"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mailx-ses-inbound"
    aws_request_id = "req-mime-bounds"


def test_a_message_of_a_million_empty_parts_arrives_by_ses(client: Any, alice: Any) -> None:
    from ses_inbound_handler import handler

    raw = _empty_parts(1_000_000)  # 7 MB; 40 MiB of them is measured in bench/hostile.py
    blobs.put("inbound/ses-many-parts", raw, "message/rfc822")
    event = copy.deepcopy(SES_EVENT)
    event["Records"][0]["ses"]["mail"]["messageId"] = "ses-many-parts"
    event["Records"][0]["ses"]["receipt"]["recipients"] = ["alice@example.com"]
    assert handler(event, _Context())["results"] == [{"messageId": "ses-many-parts", "delivered": 1}]
    [email_id] = emails.list_ids(alice.account_id, 10)
    args = {"accountId": alice.account_id, "ids": [email_id], "properties": ["bodyStructure", "size"]}
    [[_, got, _]] = jmap(client, ["Email/get", args, "g"])
    [email] = got["list"]
    assert email["size"] == len(raw) and email["bodyStructure"]["type"] == "application/octet-stream"


def test_parsed_forms_read_a_bounded_prefix_of_a_huge_field(client: Any, alice: Any) -> None:
    from mailx.mime.bounds import MAX_PARSED_FIELD_OCTETS

    # Given a 3 MB To field of 100,000 addresses (40 MiB of them took a minute and a gigabyte)
    to = b",\r\n ".join(b"R%d <r%d@many.example>" % (n, n) for n in range(100_000))
    raw = b"From: a@outside.example\r\nTo: " + to + b"\r\nSubject: many\r\n\r\nhi\r\n"
    email = _parse(client, alice.account_id, raw, ["to", "subject", "header:To:asRaw"])
    # Then the parsed form holds the addresses in the first MAX_PARSED_FIELD_OCTETS, all whole
    assert 5_000 < len(email["to"]) < MAX_PARSED_FIELD_OCTETS // 20
    last = len(email["to"]) - 1
    assert email["to"][-1] == {"name": f"R{last}", "email": f"r{last}@many.example"}
    # ... while the Raw form keeps the whole field
    assert email["header:To:asRaw"].endswith("R99999 <r99999@many.example>")
    assert email["subject"] == "many"
