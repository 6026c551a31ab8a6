"""`mailx reindex ACCOUNT` against the app under uvicorn (moto behind it): progress, resume, idempotence."""

from __future__ import annotations

from typing import Any

import pytest

from mailx.store import fulltext, tables
from mailx.store.models import EmailIndexItem
from tests.helpers.cli import KEY, run, run_json
from tests.helpers.jmap_calls import jmap
from tests.helpers.messages import mail, put


def _total(client: Any, alice: Any, condition: dict[str, Any]) -> int:
    [[_, result, _]] = jmap(client, ["Email/query", {"accountId": alice.account_id, "filter": condition,
                                                     "calculateTotal": True}, "q"])  # fmt: skip
    total: int = result["total"]
    return total


def _as_before_the_index(alice: Any, blob_ids: list[str]) -> None:
    """What an account stored before the full-text index: no index, the first 16,000 body characters."""
    fulltext.reset(alice.account_id)
    tables.bind()
    for blob_id in blob_ids:
        EmailIndexItem(key=f"{alice.account_id}#text", sort=blob_id, text="early " * 100).save()


def test_reindex_rebuilds_resumes_and_is_idempotent(
    url: str, client: Any, alice: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ("--url", url, "--key", KEY)
    long_body = ("early " * 4000) + "latecomer"
    made = [put(alice, mail(f"r{n}@x", f"Report {n}", body=long_body if n == 3 else "weekly numbers"), n)
            for n in range(5)]  # fmt: skip
    # Given an account whose mail was stored before the index existed
    _as_before_the_index(alice, made)
    assert _total(client, alice, {"text": "report"}) == 0
    # When the operator reindexes it two messages per call
    code, out, err = run(capsys, *common, "reindex", "alice", "--batch", "2")
    # Then progress is shown, and every message is searchable, the body past 16,000 characters too
    assert code == 0, err
    assert "indexed 2 of 5 messages (resume with --from " in err and "indexed 5 of 5 messages" in err
    assert out.strip() == f"reindexed 5 messages of account {alice.account_id}"
    assert _total(client, alice, {"text": "report"}) == 5
    assert _total(client, alice, {"body": "latecomer"}) == 1
    # A second run gives the same index (idempotent)
    assert run_json(capsys, *common, "reindex", alice.account_id)["indexed"] == 5
    assert _total(client, alice, {"text": "report"}) == 5
    # And an interrupted run resumes from the cursor it printed
    _as_before_the_index(alice, made)
    path = f"/v0/management/accounts/{alice.account_id}/reindex"
    first = client.post(path, json={"cursor": None, "batch": 2}, headers={"Authorization": f"Bearer {KEY}"})
    assert first.status_code == 200 and first.json()["indexed"] == 2 and first.json()["next"]
    assert _total(client, alice, {"text": "report"}) == 2
    data = run_json(capsys, *common, "reindex", "alice", "--from", first.json()["next"])
    assert data == {"accountId": alice.account_id, "indexed": 3}
    assert _total(client, alice, {"text": "report"}) == 5


def test_reindex_of_an_unknown_account(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--url", url, "--key", KEY, "reindex", "nobody")
    assert code == 1 and "no such account" in err


def test_reindex_without_an_account_rebuilds_every_account(
    url: str, client: Any, alice: Any, bob: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two accounts whose mail was stored before the index existed
    alice_made = [put(alice, mail(f"a{n}@x", f"Ledger {n}", body="quarterly"), n) for n in range(3)]
    bob_made = [put(bob, mail(f"b{n}@x", f"Ledger {n}", body="quarterly"), n) for n in range(2)]
    _as_before_the_index(alice, alice_made)
    _as_before_the_index(bob, bob_made)
    # When the operator reindexes without naming an account
    data = run_json(capsys, "--url", url, "--key", KEY, "reindex")
    # Then each account was rebuilt, and each one's search finds its own mail only
    assert sorted((d["accountId"], d["indexed"]) for d in data["accounts"]) == sorted(
        [(alice.account_id, 3), (bob.account_id, 2)]
    )
    assert _total(client, alice, {"text": "ledger"}) == 3
    code, out, err = run(capsys, "--url", url, "--key", KEY, "reindex")
    assert code == 0 and out.strip().endswith("reindexed 5 messages of 2 account(s)")
    assert f"{bob.account_id}: indexed 2 of 2 messages" in err
    # And a cursor without an account is a usage error
    code, _, err = run(capsys, "--url", url, "--key", KEY, "reindex", "--from", "x")
    assert code == 2 and "name the ACCOUNT" in err
