"""pynamodb models, one per entity. Every key that belongs to an account starts with its account id.

These classes never leave `mailx.store`: repositories turn them into frozen dataclasses.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from mailx.store.model_registry import register


class _Meta:
    billing_mode = "PAY_PER_REQUEST"


class AccountsByKind(GlobalSecondaryIndex["Account"]):  # type: ignore[no-untyped-call]
    """Lists accounts with a Query (never a Scan): every account has kind="account"."""

    class Meta:
        index_name = "by-kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


@register
class Account(Model):
    """An account: credentials, status, and the per-type modification sequences (states)."""

    class Meta(_Meta):
        table_name = "accounts"
        # The change feed of push (mailx.push.stream_records): every state bump is an update of this item.
        stream_view_type = "NEW_AND_OLD_IMAGES"

    account_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="account")
    username = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    password_hash = UnicodeAttribute()
    disabled = BooleanAttribute(default=False)
    created_at = NumberAttribute()
    # Bumped whenever what the session shows for this account changes (name, identities, capabilities).
    session_version = NumberAttribute(default=0)
    # {type name: modseq}: the JMAP state of each data type, bumped in the same transaction as a change.
    states: MapAttribute[str, Any] = MapAttribute(default=dict)  # type: ignore[no-untyped-call]
    # Bumped by every Mailbox/set commit, and only by it: what Mailbox/set decides on (names, parents,
    # roles) changed, whereas the Mailbox state also moves with every counter change (a transaction guard).
    mailbox_tree = NumberAttribute(null=True)
    # Quotas (RFC 9425, mailx.store.quota): mail stored, moved in the same transaction as every Email
    # created or destroyed; the operator's limits (JSON, null: the deployment defaults) and their version.
    used_octets = NumberAttribute(null=True)
    used_count = NumberAttribute(null=True)
    quota_limits = UnicodeAttribute(null=True)
    quota_version = NumberAttribute(null=True)
    by_kind = AccountsByKind()


@register
class Login(Model):
    """A name someone can sign in with (username or assigned address) -> its account; keeps them unique."""

    class Meta(_Meta):
        table_name = "logins"

    login = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "username" or "address"


@register
class Identity(Model):
    """A sending identity (RFC 8621 §6): an address the administrator assigned to the account."""

    class Meta(_Meta):
        table_name = "identities"

    account_id = UnicodeAttribute(hash_key=True)
    identity_id = UnicodeAttribute(range_key=True)
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    reply_to = UnicodeAttribute(null=True)  # JSON EmailAddress[] or null
    bcc = UnicodeAttribute(null=True)  # JSON EmailAddress[] or null
    text_signature = UnicodeAttribute(default="")
    html_signature = UnicodeAttribute(default="")
    may_delete = BooleanAttribute(default=False)


@register
class Mailbox(Model):
    """A mailbox (RFC 8621 §2) with its exact counters, maintained on every write."""

    class Meta(_Meta):
        table_name = "mailboxes"

    account_id = UnicodeAttribute(hash_key=True)
    mailbox_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    sort_order = NumberAttribute(default=0)
    is_subscribed = BooleanAttribute(default=True)
    total_emails = NumberAttribute(default=0)
    unread_emails = NumberAttribute(default=0)
    total_threads = NumberAttribute(default=0)
    unread_threads = NumberAttribute(default=0)


@register
class Email(Model):
    """An Email's listing data: everything Email/get's list properties need without reading S3."""

    class Meta(_Meta):
        table_name = "emails"

    account_id = UnicodeAttribute(hash_key=True)
    email_id = UnicodeAttribute(range_key=True)
    blob_id = UnicodeAttribute()
    thread_id = UnicodeAttribute()
    mailbox_ids: MapAttribute[str, Any] = MapAttribute(default=dict)  # type: ignore[no-untyped-call]
    keywords: MapAttribute[str, Any] = MapAttribute(default=dict)  # type: ignore[no-untyped-call]
    received_at = UnicodeAttribute()
    size = NumberAttribute()
    summary = UnicodeAttribute(default="{}")  # JSON, see mailx.mime.email_summary
    # Bumped by every Email/set update, which conditions on the value it read (absent = never updated).
    version = NumberAttribute(null=True)


@register
class Thread(Model):
    """A thread: its emails in order."""

    class Meta(_Meta):
        table_name = "threads"

    account_id = UnicodeAttribute(hash_key=True)
    thread_id = UnicodeAttribute(range_key=True)
    email_ids = ListAttribute(of=UnicodeAttribute, default=list)  # sorted by (receivedAt, id)
    # JSON {emailId: receivedAt}: keeps email_ids sortable on insert and merge without reading emails.
    received = UnicodeAttribute(default="{}")
    # JSON {mailboxId: [emails, unread emails]} of this thread: the exact thread counters of a mailbox
    # change only when one of these crosses zero, so counters never need a mailbox scan.
    boxes = UnicodeAttribute(default="{}")
    version = NumberAttribute(default=0)  # every write conditions on the version it read
    merged_into = UnicodeAttribute(null=True)  # set once merged away: a redirect, not a JMAP Thread


@register
class Submission(Model):
    """An EmailSubmission (RFC 8621 §7) and its delivery state."""

    class Meta(_Meta):
        table_name = "submissions"

    account_id = UnicodeAttribute(hash_key=True)
    submission_id = UnicodeAttribute(range_key=True)
    # JSON: identityId, emailId, threadId, envelope, sendAt, deliveryStatus, relayMessageId.
    data = UnicodeAttribute(default="{}")
    undo_status = UnicodeAttribute(default="pending")  # pending | final | canceled (the wire value)
    # Where the outbound consumer is: queued | sending | sent | failed | dead | canceled
    # (see mailx.store.submissions); every transition conditions on the value it read.
    send_state = UnicodeAttribute(default="queued")
    attempts = NumberAttribute(default=0)  # relay calls started
    lease_until = NumberAttribute(default=0)  # a "sending" claim older than this was abandoned by a crash
    hidden = BooleanAttribute(default=False)  # destroyed by the client while its send is still running


@register
class Change(Model):
    """One step of an account's change log for one type: the ids touched at that modseq."""

    class Meta(_Meta):
        table_name = "changes"
        ttl_attribute = "expires_at"

    key = UnicodeAttribute(hash_key=True)  # "{accountId}#{Type}"
    modseq = NumberAttribute(range_key=True)
    created = ListAttribute(of=UnicodeAttribute, default=list)
    updated = ListAttribute(of=UnicodeAttribute, default=list)
    destroyed = ListAttribute(of=UnicodeAttribute, default=list)
    expires_at = NumberAttribute()


@register
class ConfigEntry(Model):
    """Deployment-wide settings: run-time config overrides (scope "config") and mail domains ("domain").

    Each scope is one partition, so listing it is a Query, never a Scan.
    """

    class Meta(_Meta):
        table_name = "config"

    scope = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute()  # the setting's text, or a JSON object for a domain
    updated_at = NumberAttribute()


@register
class WsConnection(Model):
    """One open JMAP WebSocket connection (RFC 8887) of an account, and what it asked to be pushed.

    Listed per account with a Query when a change is fanned out; API Gateway ends a connection after
    2 hours at most, so an item outlives its connection only when $disconnect never ran, until its TTL.
    """

    class Meta(_Meta):
        table_name = "connections"
        ttl_attribute = "expires_at"

    account_id = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)
    created_at = NumberAttribute()
    # None: push not enabled; "*": every type; else a JSON array of type names (WebSocketPushEnable).
    push_types = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


@register
class KvItem(Model):
    """Short-lived key/value data (tokens, throttles, idempotency) with a TTL that reads also honour."""

    class Meta(_Meta):
        table_name = "kv"
        ttl_attribute = "expires_at"

    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute(default="")
    hits = NumberAttribute(default=0)  # a counter's value ("count" would shadow Model.count)
    expires_at = NumberAttribute()


@register
class Membership(Model):
    """One Email in one Mailbox, sorted by receivedAt: what Email/query reads for a mailbox listing."""

    class Meta(_Meta):
        table_name = "memberships"

    key = UnicodeAttribute(hash_key=True)  # "{accountId}#{mailboxId}"
    sort = UnicodeAttribute(range_key=True)  # "{receivedAt}#{emailId}" (UTCDate sorts as text)
    email_id = UnicodeAttribute()
    thread_id = UnicodeAttribute()  # for collapseThreads without reading the Email
    size = NumberAttribute()


@register
class ThreadRef(Model):
    """A message id (own or referenced) with a base subject -> the thread that claims it (RFC 8621 §3)."""

    class Meta(_Meta):
        table_name = "threadrefs"

    key = UnicodeAttribute(hash_key=True)  # "{accountId}#{subject digest}#{message id}"
    thread_id = UnicodeAttribute()


@register
class EmailIndexItem(Model):
    """An Email in one listing view (all mail; unseen or flagged, overall or per mailbox), newest last;
    in the "text" partition, the search text of a message; in the "fts" partitions, the full-text
    index (manifest, tail, tombstones, segment buckets and doc chunks: mailx.store.fulltext)."""

    class Meta(_Meta):
        table_name = "emailindex"

    key = UnicodeAttribute(hash_key=True)  # "{accountId}#{view}", see mailx.store.email_index
    sort = UnicodeAttribute(range_key=True)  # "{receivedAt}#{emailId}"; in the text partition the blobId
    email_id = UnicodeAttribute(null=True)
    thread_id = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    text = UnicodeAttribute(null=True)  # text partition only (before the full-text index: the bounded body)
    packed = BinaryAttribute(null=True, legacy_encoding=False)  # zlib: search text, index parts (fulltext)
    version = NumberAttribute(null=True)  # the full-text manifest's version


@register
class VacationResponse(Model):
    """An account's VacationResponse singleton (RFC 8621 §8); absent until first set."""

    class Meta(_Meta):
        table_name = "vacation"

    account_id = UnicodeAttribute(hash_key=True)
    is_enabled = BooleanAttribute(default=False)
    from_date = UnicodeAttribute(null=True)  # UTCDate
    to_date = UnicodeAttribute(null=True)  # UTCDate
    subject = UnicodeAttribute(null=True)
    text_body = UnicodeAttribute(null=True)
    html_body = UnicodeAttribute(null=True)


@register
class RelayRef(Model):
    """The relay's message id -> the submission it sent: a global lookup, like a sign-in name."""

    class Meta(_Meta):
        table_name = "relayrefs"
        ttl_attribute = "expires_at"

    relay_message_id = UnicodeAttribute(hash_key=True)  # Resend's `id`, `data.email_id` in webhooks
    account_id = UnicodeAttribute()
    submission_id = UnicodeAttribute()
    expires_at = NumberAttribute()


@register
class DeliveryEvent(Model):
    """One relay delivery event (a Resend webhook) of one submission, kept as its history."""

    class Meta(_Meta):
        table_name = "deliveryevents"
        ttl_attribute = "expires_at"

    key = UnicodeAttribute(hash_key=True)  # "{accountId}#{submissionId}"
    sort = UnicodeAttribute(range_key=True)  # "{created_at}#{svix-id}": oldest first, one per delivery
    type = UnicodeAttribute()
    created_at = UnicodeAttribute()
    svix_id = UnicodeAttribute()
    received_at = NumberAttribute()
    data = UnicodeAttribute(default="{}")  # JSON: the parts of the payload's `data` worth keeping
    expires_at = NumberAttribute()


@register
class PushSubscription(Model):
    """A PushSubscription (RFC 8620 §7.2) of one account: where to POST its StateChanges, and how."""

    class Meta(_Meta):
        table_name = "pushsubscriptions"
        ttl_attribute = "expires_at"

    account_id = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)
    device_client_id = UnicodeAttribute()
    url = UnicodeAttribute()
    p256dh = UnicodeAttribute(null=True)  # keys.p256dh (base64url), null when the client gave no keys
    auth = UnicodeAttribute(null=True)  # keys.auth (base64url)
    code = UnicodeAttribute()  # the verification code the server sent
    verified = BooleanAttribute(default=False)  # the client set verificationCode to `code`
    expires = UnicodeAttribute()  # UTCDate as reported to the client
    expires_at = NumberAttribute()  # the same instant in epoch seconds (TTL; reads also honour it)
    types = UnicodeAttribute(null=True)  # JSON list of type names; null: every type
    failures = NumberAttribute(default=0)  # consecutive failed deliveries (reset by a success)
    not_before = NumberAttribute(default=0)  # after a 429: no push before this epoch second
    credential_key = UnicodeAttribute(null=True)  # the kv record of the Bearer token that made it
