"""RFC 8621 §4.6: the create part of Email/set — compose the draft's octets, then ingest them.

Decisions:
- No idempotency key: JMAP gives a create no identity beyond its creation id, which is only unique
  within one request, and a key derived from the content would fold two drafts a user made on
  purpose (a template used twice) into one. Within a call ingest already retries its own races.
- Attachment size: the sum of the sizes of every blob the parts reference (attachments and inline
  parts alike), checked against maxSizeAttachmentsPerEmail from each blob's size before its octets
  are read, so an oversized create costs HEADs, not downloads. The composed message as a whole (text
  bodies and base64 on top) is then held to MAX_MESSAGE_SIZE, RFC 8621 §1.3.1's server-defined limit.
- More mailboxes than maxMailboxesPerEmail, or keywords than MAX_KEYWORDS, are the RFC's own
  `tooManyMailboxes` / `tooManyKeywords`; malformed values are `invalidProperties`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailx.blobs.resolve import BlobMissing, find
from mailx.limits import MAX_MAILBOXES_PER_EMAIL, MAX_MESSAGE_SIZE, MAX_SIZE_ATTACHMENTS_PER_EMAIL
from mailx.mail.ingest import IngestError, IngestResult, ingest
from mailx.methods.email._keywords import keywords_from_map
from mailx.mime import Blob, BlobNotFound, ComposeError, compose_email
from mailx.protocol.context import CallContext
from mailx.protocol.errors import (
    OVER_QUOTA,
    TOO_LARGE,
    TOO_MANY_KEYWORDS,
    TOO_MANY_MAILBOXES,
    MethodError,
    SetError,
)
from mailx.protocol.standard_set import SetResult
from mailx.protocol.validate import is_id_or_creation_ref, parse_utc_date
from mailx.store import identities, mailboxes
from mailx.store.config_store import effective_settings
from mailx.store.errors import OverQuota

MAX_KEYWORDS = 100  # keywords live in the Email item; a hundred is far beyond any client's use
FALLBACK_DOMAIN = "mailx.invalid"


@dataclass(frozen=True)
class Placement:
    """Where an Email goes and how it is flagged: the store-side properties of a create or copy."""

    mailbox_ids: list[str]
    keywords: list[str]
    received_at: datetime | None


def _mailbox_ids(call: CallContext, value: Any, known: set[str], bad: list[str]) -> list[str]:
    if not isinstance(value, dict) or not value or any(v is not True for v in value.values()):
        bad.append("mailboxIds")
        return []
    resolved = [call.resolve_id(key) if is_id_or_creation_ref(key) else None for key in value]
    if any(r is None or r not in known for r in resolved):
        bad.append("mailboxIds")
    return list(dict.fromkeys(r for r in resolved if r is not None))


def _keywords(value: Any, bad: list[str]) -> list[str]:
    if value is None:
        return []
    keywords = keywords_from_map(value)
    if keywords is None:
        bad.append("keywords")
        return []
    return keywords


def _received_at(value: Any, bad: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_utc_date(value, "receivedAt")
    except MethodError:
        bad.append("receivedAt")
        return None


def check_placement(call: CallContext, obj: dict[str, Any], known: set[str]) -> Placement:
    """mailboxIds (required, known mailboxes of the account, `#creationId` allowed), keywords and
    receivedAt of OBJ, or the SetError naming every invalid one."""
    bad: list[str] = []
    placement = Placement(
        _mailbox_ids(call, obj.get("mailboxIds"), known, bad),
        _keywords(obj.get("keywords"), bad),
        _received_at(obj.get("receivedAt"), bad),
    )
    if bad:
        raise SetError.invalid_properties(bad, "mailboxIds, keywords or receivedAt are invalid")
    if len(placement.mailbox_ids) > MAX_MAILBOXES_PER_EMAIL:
        raise SetError(TOO_MANY_MAILBOXES, f"at most {MAX_MAILBOXES_PER_EMAIL} mailboxes per Email")
    if len(placement.keywords) > MAX_KEYWORDS:
        raise SetError(TOO_MANY_KEYWORDS, f"at most {MAX_KEYWORDS} keywords per Email")
    return placement


def place(account_id: str, raw: bytes | str, placement: Placement) -> IngestResult:
    """Ingest RAW with PLACEMENT; a mailbox destroyed since the check is invalidProperties."""
    try:
        return ingest(
            account_id,
            raw,
            mailbox_ids=placement.mailbox_ids,
            keywords=placement.keywords,
            received_at=placement.received_at,
            enforce_quota=True,
        )
    except IngestError as exc:
        raise SetError.invalid_properties(["mailboxIds"], str(exc)) from None
    except OverQuota as exc:
        raise over_quota(exc) from None


def over_quota(exc: OverQuota) -> SetError:
    """RFC 8620 §5.3 overQuota, saying which quota (RFC 9425 id) the message would pass."""
    return SetError(OVER_QUOTA, f"the {exc.resource} quota would be exceeded ({exc})", quotaId=exc.resource)


def server_set(result: IngestResult) -> dict[str, Any]:
    """The properties RFC 8621 §4.6 and §4.7 report for a created Email."""
    return {
        "id": result.email_id,
        "blobId": result.blob_id,
        "threadId": result.thread_id,
        "size": result.size,
    }


class _TooLarge(Exception):
    pass


class _Fetcher:
    """fetch_blob for compose_email: the account's blobs, counting their sizes before reading them."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.total = 0

    def __call__(self, blob_id: str) -> Blob | None:
        found = find(self.account_id, blob_id)
        if found is None:
            return None
        self.total += found.size
        if self.total > MAX_SIZE_ATTACHMENTS_PER_EMAIL:
            raise _TooLarge
        try:
            return Blob(found.read(), found.type)
        except BlobMissing:
            return None


def _from_address(create: dict[str, Any]) -> str | None:
    value = create.get("from")
    if isinstance(value, list) and value and isinstance(value[0], dict):
        email = value[0].get("email")
        if isinstance(email, str) and "@" in email:
            return email.strip().lower()
    return None


def _domain(account_id: str, create: dict[str, Any], own: Iterable[str]) -> str:
    """The From address's domain when it is one of the account's identities, else the first DOMAIN."""
    sender = _from_address(create)
    if sender is not None and sender in own:
        return sender.rpartition("@")[2]
    domains = effective_settings().domain
    return domains[0] if domains else FALLBACK_DOMAIN


class _Creator:
    """Per-call context: the account's mailboxes and identity addresses, read once."""

    def __init__(self, call: CallContext, account_id: str) -> None:
        self.call = call
        self.account_id = account_id
        self.known = {m.mailbox_id for m in mailboxes.list_all(account_id)}
        self._own: set[str] | None = None

    def own(self) -> set[str]:
        if self._own is None:
            self._own = {i.email.strip().lower() for i in identities.list_all(self.account_id)}
        return self._own

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        placement = check_placement(self.call, obj, self.known)
        fetcher = _Fetcher(self.account_id)
        try:
            composed = compose_email(
                obj,
                fetch_blob=fetcher,
                now=datetime.now(UTC),
                message_id_domain=_domain(self.account_id, obj, self.own() if "from" in obj else ()),
            )
        except ComposeError as exc:
            raise SetError.invalid_properties([exc.property_path], exc.description) from None
        except BlobNotFound as exc:
            raise SetError.blob_not_found(
                exc.blob_ids, "blobs referenced by body parts do not exist"
            ) from None
        except _TooLarge:
            raise SetError(
                TOO_LARGE,
                f"the attachments total more than {MAX_SIZE_ATTACHMENTS_PER_EMAIL} octets",
                maxSize=MAX_SIZE_ATTACHMENTS_PER_EMAIL,
            ) from None
        if len(composed.raw) > MAX_MESSAGE_SIZE:  # bodies and encoding on top of the attachments
            raise SetError(
                TOO_LARGE, f"the message would be over {MAX_MESSAGE_SIZE} octets", maxSize=MAX_MESSAGE_SIZE
            )
        return server_set(place(self.account_id, composed.raw, placement))


def create_emails(
    call: CallContext, account_id: str, creates: dict[str, dict[str, Any]], result: SetResult
) -> None:
    """Create each draft in CREATES in order, recording it in RESULT and in the request's creation ids.

    Each create commits on its own (ingest's one transaction), so the Email, Thread and Mailbox
    states move; the request's cached states are dropped afterwards and the caller reads newState
    afresh.
    """
    if not creates:
        return
    creator = _Creator(call, account_id)
    for creation_id, obj in creates.items():
        try:
            created = creator.create(obj)
        except SetError as error:
            result.create_failed(creation_id, error)
            continue
        result.create_ok(creation_id, created)
        call.add_created_id(creation_id, created["id"])
    if result.created:
        call.services.refresh(account_id)
