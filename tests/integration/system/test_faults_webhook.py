"""Faults while the webhook function stores a Resend event (RFC 8621 §7 deliveryStatus).

Resend (svix) retries any delivery not answered 2xx. So a failure while storing must answer 5xx, and the
retry with the same svix-id must then apply the event exactly once; a retry of an event already stored
changes nothing.
"""

from __future__ import annotations

import threading

from tests.helpers.faults import THROTTLED, Crash, Faults, crashing, dynamodb_client, failing
from tests.helpers.webhooks import RCPTS, Sent, delivered, history, payload, post, submission


def _applied_once(s: Sent, state_before: str, svix_id: str) -> None:
    """One history entry, every recipient delivered, and exactly one EmailSubmission state step."""
    assert [e["svixId"] for e in history(s)] == [svix_id]
    assert delivered(s) == {"yes"}
    assert int(submission(s)[1]) == int(state_before) + 1


def test_store_failure_answers_503_and_the_retry_applies_once(sent: Sent, faults: Faults) -> None:
    body = payload("email.delivered", sent.relay_id)
    _, state = submission(sent)
    # When DynamoDB throttles every attempt to store the event
    with failing(faults, "TransactWriteItems", THROTTLED):
        assert post(body, "msg_f1") == (503, "retry")
    # Then nothing is kept, and Resend's retry of the same message applies it once
    assert history(sent) == [] and delivered(sent) == {"unknown"} and submission(sent)[1] == state
    assert post(body, "msg_f1") == (200, "applied")
    _applied_once(sent, state, "msg_f1")
    assert post(body, "msg_f1") == (200, "duplicate")
    _applied_once(sent, state, "msg_f1")


def test_crash_while_storing_loses_nothing(sent: Sent) -> None:
    body = payload("email.delivered", sent.relay_id)
    _, state = submission(sent)
    # When the function dies as it sends the transaction (API Gateway answers 5xx to Resend)
    with crashing(dynamodb_client(), "before-call.dynamodb.TransactWriteItems"):
        try:
            post(body, "msg_c1")
        except Crash:
            pass
        else:
            raise AssertionError("the crash was not reached")
    # Then Resend's retry is applied, not taken for a duplicate
    assert post(body, "msg_c1") == (200, "applied")
    _applied_once(sent, state, "msg_c1")


def test_crash_after_storing_makes_the_retry_a_duplicate(sent: Sent) -> None:
    body = payload("email.delivered", sent.relay_id)
    _, state = submission(sent)
    # When the function dies after the transaction committed, before answering
    with crashing(dynamodb_client(), "after-call.dynamodb.TransactWriteItems"):
        try:
            post(body, "msg_a1")
        except Crash:
            pass
        else:
            raise AssertionError("the crash was not reached")
    # Then the retry changes nothing: one history entry, one state step
    assert post(body, "msg_a1") == (200, "duplicate")
    _applied_once(sent, state, "msg_a1")


def test_two_deliveries_of_one_event_at_once_apply_it_once(sent: Sent) -> None:
    body = payload("email.bounced", sent.relay_id, bounce={"message": "550 5.1.1 no such user"})
    _, state = submission(sent)
    outcomes: list[tuple[int, str]] = []
    workers = [threading.Thread(target=lambda: outcomes.append(post(body, "msg_r1"))) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == [(200, "applied"), (200, "duplicate"), (200, "duplicate")]
    assert [e["svixId"] for e in history(sent)] == ["msg_r1"]
    status, new_state = submission(sent)
    assert {status[r]["delivered"] for r in RCPTS} == {"no"} and int(new_state) == int(state) + 1
