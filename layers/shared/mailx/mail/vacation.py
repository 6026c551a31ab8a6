"""The vacation responder: RFC 8621 §8 settings applied with RFC 3834's rules for automatic replies.

`plan_reply` is pure (every rule, and the composed reply); `maybe_reply` reads the settings and the
account's identities, claims the once-per-sender-per-period key in the KV table, and sends through
the relay. docs/vacation.md gives each rule's reason.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.mail.relay.base import OutboundMessage, Relay
from mailx.mime import compose_email, email_summary
from mailx.mime.encoded import strip_comments, unfold
from mailx.mime.parse import read_header_block
from mailx.mime.preview import html_to_text
from mailx.store import identities, kv, vacation
from mailx.store.errors import Conflict
from mailx.store.identities import IdentityRecord
from mailx.store.vacation import VacationRecord

logger = logging.getLogger("mailx.vacation")

PERIOD = timedelta(days=7)  # RFC 3834 §2: at most one reply per sender per period (7 days suggested)
DEFAULT_TEXT = "I am away and will read your message when I return.\r\n"
_LIST_FIELDS = frozenset(
    {"list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner", "list-archive"}
)
_BULK = frozenset({"bulk", "list", "junk"})
_DAEMONS = frozenset(
    {"mailer-daemon", "postmaster", "listserv", "majordomo", "mailman", "nobody", "noreply", "no-reply",
     "donotreply", "do-not-reply"}
)  # fmt: skip
# BATV (prvs=TAG=user@domain) signs each message's envelope sender differently: the tag must not make
# every message look like a new sender.
_BATV = re.compile(r"^(?:prvs|msprvs\d*)=[^=@]+=(.+@.+)$|^btv1==[^=@]+==(.+@.+)$", re.IGNORECASE)
_DAEMON_PATTERN = re.compile(r"^(owner-|bounces?[-+=.]|bounces?$)|(-request|-owner|-bounces?)$")


@dataclass(frozen=True)
class Incoming:
    """What the rules need from a received message and its envelope."""

    sender: str  # the envelope sender (Return-Path), as SES reports it
    headers: tuple[tuple[str, str], ...]  # (lowercased name, unfolded value)
    addressed_to: tuple[str, ...]  # To and Cc addresses
    subject: str | None
    message_id: str | None
    references: tuple[str, ...]


def incoming(sender: str, message: bytes | dict[str, Any]) -> Incoming:
    """Incoming from the raw octets or the summary ingest stored (`mailx.mime.email_summary`)."""
    summary = email_summary(message, blob_id="") if isinstance(message, bytes) else message
    headers = tuple(
        (name.strip().lower(), unfold(value).strip())
        for name, value in read_header_block(str(summary.get("headerBlock") or ""))
    )
    addressed = [a.get("email") for field in ("to", "cc") for a in summary.get(field) or ()]
    ids = summary.get("messageId") or []
    refs = summary.get("references") or summary.get("inReplyTo") or []
    return Incoming(
        sender=sender.strip().strip("<>").strip(),
        headers=headers,
        addressed_to=tuple(a for a in addressed if isinstance(a, str)),
        subject=summary.get("subject"),
        message_id=ids[0] if ids else None,
        references=tuple(r for r in refs if isinstance(r, str)),
    )


def normalised(address: str) -> str:
    """Lowercased, with a `+tag` subaddress removed: how routing compares our own addresses too."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else address.strip().lower()


def _parse_utc(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def in_window(record: VacationRecord, now: datetime) -> bool:
    """Enabled, and NOW within [fromDate, toDate) with a null end open (RFC 8621 §8)."""
    start, end = _parse_utc(record.from_date), _parse_utc(record.to_date)
    return record.is_enabled and (start is None or now >= start) and (end is None or now < end)


def _field(message: Incoming, name: str) -> str | None:
    return next((value for field, value in message.headers if field == name), None)


def _token(value: str) -> str:
    return strip_comments(value).split(";", 1)[0].strip().lower()


def _sender_reason(sender: str, own: set[str]) -> str | None:
    local, at, _ = sender.lower().rpartition("@")
    if not at or not local:
        return "null or malformed envelope sender"
    base = local.split("+", 1)[0]
    if base in _DAEMONS or _DAEMON_PATTERN.search(base):
        return "sender is a mailer daemon, list or no-reply address"
    if normalised(sender) in own:
        return "sender is one of the account's own addresses"
    return None


def _header_reason(message: Incoming) -> str | None:
    auto = _field(message, "auto-submitted")
    if auto is not None and _token(auto) != "no":
        return "message is Auto-Submitted"
    if any(name in _LIST_FIELDS for name, _ in message.headers):
        return "message came through a mailing list"
    precedence = _field(message, "precedence")
    if precedence is not None and _token(precedence) in _BULK:
        return "message has Precedence bulk, list or junk"
    suppress = {t.strip() for t in (_field(message, "x-auto-response-suppress") or "").lower().split(",")}
    if suppress & {"oof", "all"}:
        return "sender suppressed automatic responses"
    if _token(_field(message, "content-type") or "") == "multipart/report":
        return "message is a delivery or disposition report"
    return None


def skip_reason(message: Incoming, own_addresses: list[str]) -> str | None:
    """Why RFC 3834 says not to answer MESSAGE, or None when a reply may go."""
    own = {normalised(a) for a in own_addresses}
    reason = _sender_reason(message.sender, own) or _header_reason(message)
    if reason is None and not own & {normalised(a) for a in message.addressed_to}:
        return "none of the account's addresses is in To or Cc"
    return reason


def dedupe_key(account_id: str, sender: str) -> str:
    """The KV key that marks SENDER (without a BATV tag) as answered during this period."""
    address = sender.strip().lower()
    batv = _BATV.match(address)
    if batv:
        address = batv.group(1) or batv.group(2)
    return f"{account_id}#vacation#{address}"


def dedupe_seconds(record: VacationRecord, now: datetime) -> int:
    """Until toDate or for PERIOD, whichever ends first (at least one second)."""
    end = _parse_utc(record.to_date)
    until = now + PERIOD if end is None else min(end, now + PERIOD)
    return max(1, int((until - now).total_seconds()))


def _reply_from(message: Incoming, own: list[IdentityRecord]) -> IdentityRecord:
    """The identity the sender wrote to (an assigned one first), else the first assigned identity."""
    addressed = {normalised(a) for a in message.addressed_to}
    ranked = sorted(own, key=lambda r: (r.may_delete, r.identity_id))
    return next((r for r in ranked if normalised(r.email) in addressed), ranked[0])


def _subject(record: VacationRecord, message: Incoming) -> str:
    if record.subject:
        return record.subject
    original = " ".join((message.subject or "").split())
    return f"Auto: {original}" if original else "Auto: out of office"  # RFC 3834 §3.1.5


def compose_reply(
    record: VacationRecord, message: Incoming, identity: IdentityRecord, now: datetime
) -> bytes:
    """The reply's RFC 5322 octets: From the identity, To the envelope sender, RFC 3834 §3.1 fields."""
    text = record.text_body or (html_to_text(record.html_body) if record.html_body else DEFAULT_TEXT)
    create: dict[str, Any] = {
        "from": [{"name": identity.name or None, "email": identity.email}],
        "to": [{"email": message.sender}],
        "subject": _subject(record, message),
        "header:Auto-Submitted:asText": "auto-replied",
        "header:X-Auto-Response-Suppress:asText": "All",
        "bodyValues": {"t": {"value": text}, "h": {"value": record.html_body or ""}},
        "textBody": [{"partId": "t", "type": "text/plain"}],
    }
    if record.html_body:
        create["htmlBody"] = [{"partId": "h", "type": "text/html"}]
    else:
        del create["bodyValues"]["h"]
    if message.message_id:
        create["inReplyTo"] = [message.message_id]
        create["references"] = [*message.references, message.message_id][-20:]
    domain = identity.email.rpartition("@")[2]
    return compose_email(create, fetch_blob=lambda _: None, now=now, message_id_domain=domain).raw


def plan_reply(
    record: VacationRecord, message: Incoming, own: list[IdentityRecord], now: datetime
) -> bytes | str:
    """The reply's octets, or the reason not to send one (pure: no dedupe, which needs the store)."""
    if not in_window(record, now):
        return "vacation response is off or outside its dates"
    if not own:
        return "the account has no identity to reply from"
    reason = skip_reason(message, [r.email for r in own])
    return reason if reason is not None else compose_reply(record, message, _reply_from(message, own), now)


def _default_relay() -> Relay:
    """The configured relay, imported only when a reply is really going out (it may build clients)."""
    from mailx.mail.relay.select import get_relay
    from mailx.store.config_store import effective_settings

    return get_relay(effective_settings())


def maybe_reply(
    account_id: str,
    envelope_sender: str,
    message: bytes | dict[str, Any] | Callable[[], dict[str, Any]],
    relay: Relay | None,
    now: datetime,
    *,
    message_key: str | None = None,
) -> str:
    """Send the account's vacation response to ENVELOPE_SENDER if the rules allow; returns "sent" or why not.

    MESSAGE is the raw octets, the stored summary or a function reading it (called only when the
    vacation response is on, so mail arriving while it is off costs one read); RELAY None means the
    configured one. MESSAGE_KEY (the SES message id) makes the relay's idempotency key, so a retried
    delivery never sends twice.
    A send that fails releases the sender's key, so the next message tries again, and re-raises.
    """
    record = vacation.get(account_id, consistent=False)
    if not in_window(record, now):
        return "vacation response is off or outside its dates"  # the common case: one read, no more
    parsed = incoming(envelope_sender, message() if callable(message) else message)
    planned = plan_reply(record, parsed, identities.list_all(account_id), now)
    if isinstance(planned, str):
        return planned
    key = dedupe_key(account_id, parsed.sender)
    try:
        kv.put(key, now.astimezone(UTC).isoformat(), dedupe_seconds(record, now), only_if_absent=True)
    except Conflict:
        return "already replied to this sender in this period"
    if message_key is None:
        message_key = hashlib.sha256(
            repr((parsed.sender, parsed.message_id, parsed.headers)).encode()
        ).hexdigest()
    outbound = OutboundMessage(
        idempotency_key=f"vacation:{account_id}:{message_key}",
        account_id=account_id,
        mail_from="",  # RFC 3834 §3.3 / RFC 5321 §4.5.5: the null reverse-path, so nothing answers it
        rcpt_to=(parsed.sender,),
        raw=planned,
    )
    try:
        (relay or _default_relay()).send(outbound)
    except BaseException:
        kv.delete(key)
        raise
    logger.info("vacation response sent for %s to %s", account_id, parsed.sender)
    return "sent"
