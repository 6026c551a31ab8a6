"""RFC 8621 §7 Envelope: checked when the client gives one, derived from the Email's headers when not.

Decisions: From (every address) and Sender (when present) must be the identity's address, else
`forbiddenFrom`; a given mailFrom must be it too, else `forbiddenMailFrom`. MAIL FROM parameters other
than FUTURERELEASE's HOLDFOR/HOLDUNTIL (RFC 4865) and RCPT TO parameters are accepted and ignored:
neither relay can pass them on, and no other extension is advertised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mailx.methods.email_submission._rules import MAX_DELAYED_SEND, MAX_RECIPIENTS
from mailx.mime.addresses import valid_address
from mailx.protocol.errors import (
    FORBIDDEN_FROM,
    FORBIDDEN_MAIL_FROM,
    INVALID_EMAIL,
    INVALID_RECIPIENTS,
    NO_RECIPIENTS,
    TOO_MANY_RECIPIENTS,
    SetError,
)
from mailx.protocol.validate import format_utc_date


@dataclass(frozen=True)
class Envelope:
    """The wire Envelope and when to release the message."""

    wire: dict[str, Any]
    send_at: datetime

    @property
    def recipients(self) -> list[str]:
        return [str(r["email"]) for r in self.wire["rcptTo"]]


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _addresses(summary: dict[str, Any], prop: str) -> list[str]:
    value = summary.get(prop)
    if not isinstance(value, list):
        return []
    return [str(a["email"]) for a in value if isinstance(a, dict) and isinstance(a.get("email"), str)]


def _field_count(summary: dict[str, Any], name: str) -> int:
    block = str(summary.get("headerBlock") or "")
    prefix = name.lower() + ":"
    return sum(1 for line in block.split("\r\n") if line.lower().startswith(prefix))


def check_headers(summary: dict[str, Any], identity_email: str) -> str:
    """Validate From and Sender; returns the address the derived mailFrom uses (§7)."""
    senders, froms = _addresses(summary, "sender"), _addresses(summary, "from")
    if not froms:
        raise SetError(INVALID_EMAIL, "the Email has no From address", properties=["from"])
    bad = [p for p, found in (("from", froms), ("sender", senders)) if _field_count(summary, p) > 1]
    if len(senders) > 1:
        bad.append("sender")
    if bad:
        raise SetError(
            INVALID_EMAIL, "more than one Sender or From header field", properties=sorted(set(bad))
        )
    if len(froms) > 1 and not senders:
        raise SetError(INVALID_EMAIL, "several From addresses need a Sender", properties=["sender"])
    strangers = [a for a in (*froms, *senders) if not _same(a, identity_email)]
    if strangers:
        raise SetError(FORBIDDEN_FROM, f"this identity sends as {identity_email}, not {strangers[0]}")
    return (senders or froms)[0]


def _plain_address(value: Any) -> bool:
    if not isinstance(value, dict) or set(value) - {"email", "parameters"}:
        return False
    params = value.get("parameters")
    params_ok = params is None or (
        isinstance(params, dict) and all(isinstance(v, str | None) for v in params.values())
    )
    return isinstance(value.get("email"), str) and params_ok


def _hold(parameters: dict[str, Any] | None, now: datetime) -> datetime:
    """sendAt from HOLDFOR (seconds) or HOLDUNTIL (a date-time), at most MAX_DELAYED_SEND ahead."""
    upper = {str(k).upper(): v for k, v in (parameters or {}).items()}
    if "HOLDFOR" in upper and "HOLDUNTIL" in upper:
        raise SetError.invalid_properties(["envelope"], "HOLDFOR and HOLDUNTIL exclude each other")
    send_at = now
    try:
        if "HOLDFOR" in upper:
            send_at = now + timedelta(seconds=int(str(upper["HOLDFOR"]), 10))
        elif "HOLDUNTIL" in upper:
            send_at = datetime.fromisoformat(str(upper["HOLDUNTIL"]).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise SetError.invalid_properties(["envelope"], "HOLDFOR or HOLDUNTIL is malformed") from None
    if send_at > now + timedelta(seconds=MAX_DELAYED_SEND):
        raise SetError.invalid_properties(
            ["envelope"], f"a send may be held for at most {MAX_DELAYED_SEND} seconds (maxDelayedSend)"
        )
    return max(send_at, now).replace(microsecond=0)


def _check_recipients(recipients: list[str]) -> None:
    if not recipients:
        raise SetError(NO_RECIPIENTS, "the envelope has no recipients")
    invalid = [r for r in recipients if not valid_address(r)]
    if invalid:
        raise SetError(INVALID_RECIPIENTS, "not addresses mail can be sent to", invalidRecipients=invalid)
    if len(recipients) > MAX_RECIPIENTS:
        raise SetError(
            TOO_MANY_RECIPIENTS, f"at most {MAX_RECIPIENTS} recipients", maxRecipients=MAX_RECIPIENTS
        )


def _derived(summary: dict[str, Any], mail_from: str) -> dict[str, Any]:
    seen: dict[str, str] = {}
    for prop in ("to", "cc", "bcc"):
        for address in _addresses(summary, prop):
            seen.setdefault(address.strip().casefold(), address.strip())
    return {
        "mailFrom": {"email": mail_from, "parameters": None},
        "rcptTo": [{"email": a, "parameters": None} for a in seen.values()],
    }


def build_envelope(
    given: Any, summary: dict[str, Any], identity_email: str, now: datetime
) -> tuple[Envelope, str]:
    """The submission's Envelope (given or derived) and its sendAt as a UTCDate."""
    header_from = check_headers(summary, identity_email)
    if given is None:
        wire = _derived(summary, header_from)
    else:
        rcpts = given.get("rcptTo") if isinstance(given, dict) else None
        shape_ok = isinstance(given, dict) and not set(given) - {"mailFrom", "rcptTo"}
        if not shape_ok or not _plain_address(given.get("mailFrom")) or not isinstance(rcpts, list):
            raise SetError.invalid_properties(["envelope"], "envelope needs mailFrom and rcptTo Addresses")
        if not all(_plain_address(r) for r in rcpts):
            raise SetError.invalid_properties(["envelope"], "every rcptTo entry must be an Address")
        if not _same(given["mailFrom"]["email"], identity_email):
            raise SetError(FORBIDDEN_MAIL_FROM, f"this identity sends as {identity_email}")
        wire = {"mailFrom": dict(given["mailFrom"]), "rcptTo": [dict(r) for r in rcpts]}
    wire["mailFrom"].setdefault("parameters", None)
    envelope = Envelope(wire, _hold(wire["mailFrom"].get("parameters"), now))
    _check_recipients(envelope.recipients)
    return envelope, format_utc_date(envelope.send_at)
