"""The SES relay: raw SESv2 sending, byte for byte, to the envelope recipients; SES errors mapped to tiers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from mailx import aws as aws_clients
from mailx.mail.relay.base import OutboundMessage, PermanentRelayError, TransientRelayError
from mailx.mail.relay.ses import SesRelay
from mailx.mime import compose_email, strip_bcc

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def wire_copy() -> bytes:
    create = {
        "from": [{"name": "Alice", "email": "alice@example.com"}],
        "to": [{"email": "bob@example.net"}],
        "bcc": [{"email": "dave@example.org"}],
        "subject": "Café",
        "header:X-Trace": " keep\r\n folded",
        "bodyValues": {"t": {"value": "Hello,\nworld"}},
        "textBody": [{"partId": "t"}],
    }
    raw = compose_email(create, fetch_blob=lambda _: None, now=NOW, message_id_domain="example.com").raw
    return strip_bcc(raw)


def sent_messages() -> list[Any]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def test_sends_our_octets_unchanged_to_the_envelope(aws: None) -> None:
    # Given a verified sending domain, as SES (and moto) require
    aws_clients.sesv2().create_email_identity(EmailIdentity="example.com")
    raw = wire_copy()
    message = OutboundMessage("S1", "A1", "alice@example.com", ("bob@example.net", "dave@example.org"), raw)
    # When the relay sends it
    result = SesRelay().send(message)
    # Then SES recorded exactly our bytes, from the envelope sender, for both recipients
    [recorded] = sent_messages()
    assert recorded.raw_data.encode() == raw
    assert b"dave@example.org" not in raw and b"Bcc" not in raw
    assert recorded.source == "alice@example.com"
    assert {"bob@example.net", "dave@example.org"} <= set(recorded.destinations)
    assert result.relay_message_id == recorded.id
    assert result.accepted == ("bob@example.net", "dave@example.org")


def test_a_null_reverse_path_leaves_the_sender_to_the_from_field(aws: None) -> None:
    aws_clients.sesv2().create_email_identity(EmailIdentity="alice@example.com")
    SesRelay().send(OutboundMessage("S2", "A1", "", ("bob@example.net",), wire_copy()))
    assert sent_messages()[0].source == "alice@example.com"  # moto read it from the From field


def test_an_unverified_sender_is_rejected_for_good(aws: None) -> None:
    message = OutboundMessage("S3", "A1", "alice@example.com", ("bob@example.net",), wire_copy())
    with pytest.raises(PermanentRelayError) as caught:
        SesRelay().send(message)
    assert caught.value.reply.startswith("554 5.6.0 SES MessageRejected")
    assert sent_messages() == []


def stubbed(code: str, status: int) -> Any:
    client = boto3.client("sesv2", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    stubber = Stubber(client)
    stubber.add_client_error(
        "send_email", service_error_code=code, service_message="no", http_status_code=status
    )
    stubber.activate()
    return client


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("TooManyRequestsException", 429),
        ("Throttling", 400),
        ("LimitExceededException", 400),
        ("SendingPausedException", 400),
        ("InternalFailure", 500),
        ("SomethingNew", 503),
    ],
)
def test_throttling_and_server_errors_are_transient(env: dict[str, str], code: str, status: int) -> None:
    message = OutboundMessage("S4", "A1", "alice@example.com", ("bob@example.net",), wire_copy())
    with pytest.raises(TransientRelayError, match=code):
        SesRelay(boto3_client=stubbed(code, status)).send(message)


@pytest.mark.parametrize(
    ("code", "reply"),
    [
        ("MessageRejected", "554 5.6.0"),
        ("MailFromDomainNotVerifiedException", "550 5.7.1"),
        ("AccountSuspendedException", "554 5.7.1"),
        ("BadRequestException", "554 5.0.0"),
    ],
)
def test_refusals_are_permanent(env: dict[str, str], code: str, reply: str) -> None:
    message = OutboundMessage("S5", "A1", "alice@example.com", ("bob@example.net",), wire_copy())
    with pytest.raises(PermanentRelayError) as caught:
        SesRelay(boto3_client=stubbed(code, 400)).send(message)
    assert caught.value.reply.startswith(f"{reply} SES {code}: no")


def test_an_unreachable_endpoint_is_transient(env: dict[str, str]) -> None:
    client = boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )
    message = OutboundMessage("S6", "A1", "alice@example.com", ("bob@example.net",), wire_copy())
    with pytest.raises(TransientRelayError, match="unreachable"):
        SesRelay(boto3_client=client).send(message)
