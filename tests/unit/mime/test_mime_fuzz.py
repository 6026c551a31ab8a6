"""Leniency: mutated fixtures always give an Email and nothing raises."""

from __future__ import annotations

import json
import random

from mailx.mime import body_value_part_ids, body_values, email_properties, email_summary, extract_part
from tests.helpers.paths import MIME_FIXTURES

FIXTURES = MIME_FIXTURES
EVERYTHING = [
    "size", "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo",
    "subject", "sentAt", "hasAttachment", "preview", "headers", "bodyStructure", "textBody", "htmlBody",
    "attachments", "header:Subject:asText", "header:To:asGroupedAddresses", "header:X-A:asDate:all",
]  # fmt: skip
NOISE = [b"\r\n", b"\n", b"--", b"=?", b"?=", b"\x00", b"\xff", b":", b";", b'"', b"<", b"(", b"=", b"*0*="]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = rng.choice(NOISE)
        elif op == 2:
            del buf[at : at + rng.randint(1, 40)]
        else:
            buf = buf[:at]
    return bytes(buf)


def test_mime_mutated_messages_never_raise() -> None:
    # Given every fixture, mutated at random with a fixed seed (fast: well under two seconds)
    rng = random.Random(8621)
    samples = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    samples += [b"", b"\r\n", b"\xff\xfe\x00", b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"]
    for round_ in range(300):
        raw = mutate(samples[round_ % len(samples)], rng) if round_ >= 4 else samples[-round_ - 1]
        # When every entry point is used
        summary = json.loads(json.dumps(email_summary(raw, blob_id="fz")))
        email = email_properties(
            summary, EVERYTHING, body_properties=["partId", "headers", "header:X:asText"]
        )
        ids = body_value_part_ids(summary, fetch_text=True, fetch_html=True, fetch_all=True)
        values = body_values(raw, ids, max_bytes=rng.choice([0, 1, 7, 64]))
        for part_id in ids[:2]:
            extract_part(raw, part_id)
        # Then an Email always comes back, well-formed
        assert email["size"] == len(raw)
        assert isinstance(email["preview"], str) and len(email["preview"]) <= 256
        assert email["bodyStructure"]["headers"] is not None
        assert set(values) <= set(ids)
