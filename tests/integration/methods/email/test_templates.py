"""Templates: every account's Templates mailbox, and a new draft started from a template without
losing its attachments (docs/templates.md; RFC 8621 §2, §4.6)."""

from __future__ import annotations

from typing import Any

from tests.helpers.auth import ALICE
from tests.helpers.jmap_calls import jmap, upload
from tests.helpers.mailboxes import box
from tests.helpers.messages import PNG

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 5 + b"\n%%EOF\n"


def _templates_mailbox(client: Any, account: str) -> str:
    [[_, got, _]] = jmap(client, ["Mailbox/get", {"accountId": account, "ids": None}, "b"])
    [found] = [m for m in got["list"] if m["name"] == "Templates"]
    assert found["role"] is None and found["parentId"] is None
    mailbox_id: str = found["id"]
    return mailbox_id


def test_every_account_has_a_templates_mailbox(email_set: Any, alice: Any, bob: Any) -> None:
    from mailx.store import mailboxes

    alices = _templates_mailbox(email_set, alice.account_id)
    [bobs] = [m for m in mailboxes.list_all(bob.account_id) if m.name == "Templates"]
    assert bobs.role is None and bobs.mailbox_id != alices


def test_new_draft_from_template_keeps_attachments(email_set: Any, alice: Any) -> None:
    account = alice.account_id
    templates, drafts = _templates_mailbox(email_set, account), box(account, "drafts")
    logo, terms = (
        upload(email_set, account, PNG, "image/png"),
        upload(email_set, account, PDF, "application/pdf"),
    )
    # Given a template with text, HTML, an inline logo and a PDF, saved in Templates
    [[_, saved, _]] = jmap(email_set, ["Email/set", {"accountId": account, "create": {"t": {
        "mailboxIds": {templates: True}, "keywords": {"$draft": True, "$seen": True},
        "from": [{"name": "Alice", "email": "alice@example.com"}], "subject": "Quote",
        "bodyValues": {"1": {"value": "Dear customer,"},
                       "2": {"value": '<p>Dear customer,</p><img src="cid:logo">'}},
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "htmlBody": [{"partId": "2", "type": "text/html"}],
        "attachments": [
            {"blobId": logo, "type": "image/png", "cid": "logo", "disposition": "inline"},
            {"blobId": terms, "type": "application/pdf", "name": "terms.pdf"},
        ],
    }}}, "t"])  # fmt: skip
    template_id = saved["created"]["t"]["id"]
    # When the client reads it and creates a new draft referencing the template's own part blobs
    [[_, got, _]] = jmap(email_set, ["Email/get", {
        "accountId": account, "ids": [template_id], "fetchAllBodyValues": True,
        "properties": ["subject", "from", "textBody", "htmlBody", "attachments", "bodyValues"],
    }, "g"])  # fmt: skip
    [template] = got["list"]
    values = template["bodyValues"]
    keep = ("blobId", "type", "name", "cid", "disposition")
    [[_, made, _]] = jmap(email_set, ["Email/set", {"accountId": account, "create": {"n": {
        "mailboxIds": {drafts: True}, "keywords": {"$draft": True},
        "from": template["from"], "to": [{"email": "customer@example.org"}], "subject": template["subject"],
        "bodyValues": {"1": {"value": values[template["textBody"][0]["partId"]]["value"]},
                       "2": {"value": values[template["htmlBody"][0]["partId"]]["value"]}},
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "htmlBody": [{"partId": "2", "type": "text/html"}],
        "attachments": [{k: a[k] for k in keep if a.get(k) is not None} for a in template["attachments"]],
    }}}, "n"])  # fmt: skip
    new_id = made["created"]["n"]["id"]
    # Then the new draft is in Drafts with both attachments byte-identical, and the template is untouched
    [[_, both, _]] = jmap(email_set, ["Email/get", {
        "accountId": account, "ids": [new_id, template_id], "properties": ["mailboxIds", "attachments"],
    }, "g"])  # fmt: skip
    by_id = {e["id"]: e for e in both["list"]}
    assert by_id[new_id]["mailboxIds"] == {drafts: True}
    assert by_id[template_id]["mailboxIds"] == {templates: True}
    parts = {a["type"]: a for a in by_id[new_id]["attachments"]}
    assert set(parts) == {"image/png", "application/pdf"}
    assert parts["application/pdf"]["name"] == "terms.pdf" and parts["image/png"]["cid"] == "logo"
    for media_type, expected in (("image/png", PNG), ("application/pdf", PDF)):
        blob_id = parts[media_type]["blobId"]
        assert blob_id.startswith(new_id)  # the new draft's own copy, not a reference to the template
        response = email_set.get(f"/jmap/download/{account}/{blob_id}/x?type={media_type}", headers=ALICE)
        assert response.status_code == 200 and response.content == expected
