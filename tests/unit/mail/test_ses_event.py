"""Lenient parsing of SES receipt-rule events (real shapes from tests/events)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mailx.mail.ses_event import InboundMail, MalformedEvent, parse_event
from tests.helpers.paths import EVENTS


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


@pytest.mark.parametrize("name", ["ses_lambda_event.json", "sam_generated_ses_event.json"])
def test_sample_events_parse(name: str) -> None:
    [mail] = parse_event(_load(name))
    assert isinstance(mail, InboundMail)
    assert mail.recipients and mail.message_id


def test_missing_subject_and_common_headers_are_fine() -> None:
    event = _load("ses_lambda_event.json")
    del event["Records"][0]["ses"]["mail"]["commonHeaders"]
    event["Records"][0]["ses"]["mail"]["headers"] = []
    [mail] = parse_event(event)
    assert isinstance(mail, InboundMail)
    assert mail.recipients == ("recipient@example.com",)
    assert mail.spam_verdict == "PASS"


def test_bcc_only_recipient_comes_from_the_envelope() -> None:
    event = _load("ses_lambda_event.json")
    event["Records"][0]["ses"]["receipt"]["recipients"] = ["hidden@example.com"]
    [mail] = parse_event(event)
    assert isinstance(mail, InboundMail) and mail.recipients == ("hidden@example.com",)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e["Records"][0]["ses"]["mail"].pop("messageId"),
        lambda e: e["Records"][0]["ses"]["mail"].__setitem__("messageId", "../../etc/passwd"),
        lambda e: e["Records"][0]["ses"]["receipt"].pop("recipients"),
        lambda e: e["Records"][0]["ses"]["receipt"].__setitem__("recipients", "a@b.c"),
        lambda e: e["Records"][0].pop("ses"),
    ],
)
def test_malformed_records_are_reported_not_raised(mutate: Any) -> None:
    event = copy.deepcopy(_load("ses_lambda_event.json"))
    mutate(event)
    [problem] = parse_event(event)
    assert isinstance(problem, MalformedEvent)


@pytest.mark.parametrize("event", [{}, {"Records": "x"}, [], None])
def test_event_without_records(event: Any) -> None:
    [problem] = parse_event(event)
    assert isinstance(problem, MalformedEvent)
