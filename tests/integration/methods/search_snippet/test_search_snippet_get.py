"""SearchSnippet/get (RFC 8621 §5) from the indexed search text, over HTTP on moto."""

from __future__ import annotations

from typing import Any

from tests.helpers.jmap_calls import jmap
from tests.helpers.messages import mail, put


def snippets(client: Any, alice: Any, condition: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    args = {"accountId": alice.account_id, "filter": condition, "emailIds": ids}
    [[name, result, _]] = jmap(client, ["SearchSnippet/get", args, "s"])
    assert name == "SearchSnippet/get", result
    answer: dict[str, Any] = result
    return answer


def test_a_match_far_into_the_body_is_marked_and_escaped(client: Any, alice: Any) -> None:
    body = ("lorem ipsum " * 4000) + "the <secret> Café & more"
    email_id = put(alice, mail("s@x", "Plain <subject>", body=body), 1)
    result = snippets(client, alice, {"text": "cafe"}, [email_id])
    [snippet] = result["list"]
    assert snippet["emailId"] == email_id and snippet["subject"] is None
    assert "<mark>Café</mark> &amp; more" in snippet["preview"]
    assert "&lt;secret&gt;" in snippet["preview"] and snippet["preview"].startswith("…")
    assert result["notFound"] is None


def test_subject_and_prefix_matches_are_marked(client: Any, alice: Any) -> None:
    email_id = put(alice, mail("p@x", "Invoices <due> for Straße", body="Pay the invoice today"), 1)
    [snippet] = snippets(client, alice, {"text": "strasse invoi"}, [email_id])["list"]
    assert snippet["subject"] == "<mark>Invoices</mark> &lt;due&gt; for <mark>Straße</mark>"
    assert snippet["preview"] == "Pay the <mark>invoice</mark> today"


def test_words_under_not_and_unknown_ids(client: Any, alice: Any) -> None:
    email_id = put(alice, mail("n@x", "Hello", body="apples and pears"), 1)
    condition = {"operator": "AND", "conditions": [
        {"body": "pears"}, {"operator": "NOT", "conditions": [{"body": "apples"}]}]}  # fmt: skip
    result = snippets(client, alice, condition, [email_id, "Mnope"])
    assert result["list"] == [
        {"emailId": email_id, "subject": None, "preview": "apples and <mark>pears</mark>"}
    ]
    assert result["notFound"] == ["Mnope"]
