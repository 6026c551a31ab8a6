"""Templates as stock JMAP clients keep them (docs/drafts-and-identities.md): drafts in a role-less
"Templates" mailbox, instantiated by reading one and creating a new draft from it (RFC 8621 §2.5, §4.6)."""

from __future__ import annotations

from typing import Any

from tests.integration.test_email_create import box, email_set, jmap

__all__ = ["email_set"]  # the fixture, re-exported for pytest


def test_template_saved_in_templates_mailbox_and_instantiated(email_set: Any, alice: Any) -> None:
    account = alice.account_id
    drafts = box(account, "drafts")
    # Given a Templates mailbox and a template draft in it, created in one request
    [[_, boxes, _], [_, saved, _]] = jmap(
        email_set,
        ["Mailbox/set", {"accountId": account, "create": {"tpl": {"name": "Templates"}}}, "m"],
        ["Email/set", {"accountId": account, "create": {"t": {
            "mailboxIds": {"#tpl": True}, "keywords": {"$draft": True, "$seen": True},
            "from": [{"name": "Alice", "email": "alice@example.com"}],
            "subject": "Weekly report",
            "bodyValues": {"1": {"value": "Done this week:\n- \n\nNext week:\n- \n"}},
            "textBody": [{"partId": "1", "type": "text/plain"}],
        }}}, "e"],
    )  # fmt: skip
    templates = boxes["created"]["tpl"]["id"]
    template_id = saved["created"]["t"]["id"]
    # When the client reads the template and creates a new draft in Drafts from it
    [[_, got, _]] = jmap(
        email_set,
        ["Email/get", {"accountId": account, "ids": [template_id],
                       "properties": ["from", "subject", "textBody", "bodyValues"],
                       "fetchTextBodyValues": True}, "g"],
    )  # fmt: skip
    [template] = got["list"]
    assert template["id"] == template_id
    part = template["textBody"][0]["partId"]
    [[_, made, _]] = jmap(
        email_set,
        ["Email/set", {"accountId": account, "create": {"new": {
            "mailboxIds": {drafts: True}, "keywords": {"$draft": True, "$seen": True},
            "from": template["from"], "subject": template["subject"],
            "bodyValues": {"1": {"value": template["bodyValues"][part]["value"]}},
            "textBody": [{"partId": "1", "type": "text/plain"}],
        }}}, "n"],
    )  # fmt: skip
    # Then the new draft is in Drafts with the template's content, and the template is unchanged
    new_id = made["created"]["new"]["id"]
    [[_, both, _]] = jmap(
        email_set,
        ["Email/get", {"accountId": account, "ids": [template_id, new_id],
                       "properties": ["mailboxIds", "subject", "preview"]}, "g"],
    )  # fmt: skip
    by_id = {e["id"]: e for e in both["list"]}
    assert by_id[template_id]["mailboxIds"] == {templates: True}
    assert by_id[new_id]["mailboxIds"] == {drafts: True}
    assert by_id[new_id]["subject"] == by_id[template_id]["subject"] == "Weekly report"
    assert by_id[new_id]["preview"] == by_id[template_id]["preview"]
    assert new_id != template_id
