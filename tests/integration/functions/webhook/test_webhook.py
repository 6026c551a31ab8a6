"""Resend webhooks through the Lambda handler with real-shaped HTTP API events: signature, dedupe, ordering,
and what a client then sees through EmailSubmission/get, /changes and GET /v0/submissions/{id}/events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.auth import ALICE, basic
from tests.helpers.submission import FULL, call
from tests.helpers.webhooks import RCPTS, Sent, configure, delivered, history, payload, post, submission


def test_delivered_event_updates_every_recipient_and_bumps_the_state(sent: Sent) -> None:
    # Given a sent submission, which the relay accepted but has not reported on yet
    before, state = submission(sent)
    assert {before[r]["delivered"] for r in RCPTS} == {"unknown"}
    # When Resend reports the message delivered
    assert post(payload("email.delivered", sent.relay_id), "msg_d1") == (200, "applied")
    # Then EmailSubmission/get shows it for each recipient, and /changes reports the submission updated
    after, new_state = submission(sent)
    assert after[RCPTS[0]] == {"smtpReply": "250 2.0.0 Delivered", "delivered": "yes", "displayed": "unknown"}
    assert delivered(sent) == {"yes"}
    changes = ["EmailSubmission/changes", {"accountId": sent.account, "sinceState": state}, "c"]
    [[_, changed, _]] = call(sent.client, FULL, changes)
    assert changed["updated"] == [sent.submission_id] and changed["newState"] == new_state != state
    # And the event is in the submission's history
    [kept] = history(sent)
    assert kept["type"] == "email.delivered" and kept["svixId"] == "msg_d1"
    assert kept["createdAt"] == "2026-11-25T10:00:00.000Z" and kept["data"]["to"] == [RCPTS[0]]


def test_base64_encoded_body_is_verified_on_its_octets(sent: Sent) -> None:
    assert post(payload("email.sent", sent.relay_id), "msg_b64", b64=True) == (200, "applied")
    assert delivered(sent) == {"queued"}


def test_tampered_body_is_refused_and_nothing_is_stored(sent: Sent) -> None:
    # Given a body signed as "delivered" but changed to "bounced" on the way
    signed = payload("email.delivered", sent.relay_id)
    tampered = payload("email.bounced", sent.relay_id)
    _, state = submission(sent)
    # When it arrives, Then it is refused
    assert post(signed, "msg_t1", sent_body=tampered) == (401, "unauthorized")
    # And nothing changed: no history, no status, no state, and the svix-id was not taken
    assert history(sent) == [] and delivered(sent) == {"unknown"} and submission(sent)[1] == state
    assert post(signed, "msg_t1") == (200, "applied")


def test_stale_timestamp_is_refused(sent: Sent) -> None:
    stale = datetime.now(tz=UTC) - timedelta(minutes=6)
    assert post(payload("email.delivered", sent.relay_id), "msg_s1", at=stale) == (401, "unauthorized")
    assert history(sent) == [] and delivered(sent) == {"unknown"}


def test_replayed_svix_id_changes_nothing(sent: Sent) -> None:
    body = payload("email.delivered", sent.relay_id)
    assert post(body, "msg_r1") == (200, "applied")
    _, state = submission(sent)
    # When Resend delivers the same message again (a retry, or a manual replay)
    assert post(body, "msg_r1") == (200, "duplicate")
    # Then there is still one history entry and the state did not move
    assert len(history(sent)) == 1 and submission(sent)[1] == state


def test_delayed_after_delivered_stays_delivered(sent: Sent) -> None:
    assert post(payload("email.delivered", sent.relay_id, "2026-11-25T10:05:00.000Z"), "m1") == (
        200,
        "applied",
    )
    _, state = submission(sent)
    # When an older "delayed" event arrives late
    late = payload("email.delivery_delayed", sent.relay_id, "2026-11-25T10:01:00.000Z")
    assert post(late, "m2") == (200, "recorded")
    # Then delivered stays "yes", the state is unchanged, and the history holds both, by created_at
    assert delivered(sent) == {"yes"} and submission(sent)[1] == state
    assert [e["type"] for e in history(sent)] == ["email.delivery_delayed", "email.delivered"]


def test_bounced_is_final(sent: Sent) -> None:
    bounce = {"type": "Permanent", "subType": "General", "message": "550 5.1.1 user unknown"}
    assert post(payload("email.bounced", sent.relay_id, bounce=bounce), "m1") == (200, "applied")
    assert post(payload("email.delivered", sent.relay_id), "m2") == (200, "recorded")
    status, _ = submission(sent)
    assert status[RCPTS[1]] == {
        "smtpReply": "550 5.1.1 user unknown",
        "delivered": "no",
        "displayed": "unknown",
    }


def test_opened_sets_displayed_and_complained_is_only_recorded(sent: Sent) -> None:
    assert post(payload("email.delivered", sent.relay_id), "m1") == (200, "applied")
    assert post(payload("email.opened", sent.relay_id), "m2") == (200, "applied")
    assert post(payload("email.complained", sent.relay_id), "m3") == (200, "recorded")
    status, _ = submission(sent)
    assert {status[r]["displayed"] for r in RCPTS} == {"yes"} and delivered(sent) == {"yes"}
    assert len(history(sent)) == 3


def test_unknown_type_is_acknowledged_and_ignored(sent: Sent) -> None:
    _, state = submission(sent)
    assert post(payload("contact.created", sent.relay_id), "m1") == (200, "ignored-type")
    assert history(sent) == [] and submission(sent)[1] == state


def test_unknown_email_id_is_acknowledged_and_ignored(sent: Sent) -> None:
    _, state = submission(sent)
    assert post(payload("email.delivered", "not-ours"), "m1") == (200, "unknown-email")
    assert history(sent) == [] and delivered(sent) == {"unknown"} and submission(sent)[1] == state


def test_missing_secret_answers_503_and_stores_nothing(sent: Sent, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a deployment without RESEND_WEBHOOK_SECRET
    configure(monkeypatch, "")
    # When a (correctly signed) webhook arrives, Then it is refused so that Resend retries later
    assert post(payload("email.delivered", sent.relay_id), "m1") == (503, "unconfigured")
    assert history(sent) == [] and delivered(sent) == {"unknown"}


def test_events_endpoint_is_for_the_owning_account_only(sent: Sent, bob: Any) -> None:
    assert post(payload("email.delivered", sent.relay_id), "m1") == (200, "applied")
    other = sent.client.get(
        f"/v0/submissions/{sent.submission_id}/events", headers=basic("bob", "bob's long password")
    )
    assert other.status_code == 404
    assert sent.client.get(f"/v0/submissions/{sent.submission_id}/events").status_code == 401
    assert sent.client.get("/v0/submissions/nope/events", headers=ALICE).status_code == 404


def test_event_for_a_destroyed_submission_is_acknowledged(sent: Sent) -> None:
    # Given the client destroyed the submission after its send was over
    destroy = ["EmailSubmission/set", {"accountId": sent.account, "destroy": [sent.submission_id]}, "x"]
    [[_, done, _]] = call(sent.client, FULL, destroy)
    assert done["destroyed"] == [sent.submission_id]
    # When Resend reports on it, Then it is acknowledged and nothing is kept
    assert post(payload("email.delivered", sent.relay_id), "m1") == (200, "gone")
    assert sent.client.get(f"/v0/submissions/{sent.submission_id}/events", headers=ALICE).status_code == 404
