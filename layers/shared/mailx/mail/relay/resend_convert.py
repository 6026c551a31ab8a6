"""Our stored MIME (RFC 5322/2045) to the JSON body of Resend's `POST /emails`, field by field.

Resend builds the message itself from JSON, so the conversion must carry what the recipient sees: the
decoded subject and bodies, every non-body part as an attachment (inline ones with their Content-ID, so
`cid:` references in the HTML still resolve), and the header fields that are not rebuilt from the JSON
(Message-ID, In-Reply-To, References, List-*, X-*, ...). docs/relays.md lists the rules.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from typing import Any

from mailx.mail.relay.base import OutboundMessage, PermanentRelayError
from mailx.mime import ParsedMessage, parse_message
from mailx.mime.addresses import EmailAddress, parse_addresses
from mailx.mime.bodyvalues import body_value
from mailx.mime.encoded import unfold
from mailx.mime.headers import as_text
from mailx.mime.parse import BodyPart

# Fields Resend writes from the JSON (addresses, subject), writes itself (Date, MIME structure), or that
# describe an earlier hop and must not be replayed (trace and authentication results, signatures).
_NOT_FORWARDED = frozenset(
    {"from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "mime-version"}
    | {"return-path", "received", "received-spf", "authentication-results", "delivered-to"}
    | {"dkim-signature", "arc-seal", "arc-message-signature", "arc-authentication-results"}
)
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")
VIA = "via mailx"


def format_address(name: str | None, email: str) -> str:
    """`Name <email>` with the name quoted when it is not plain atoms (RFC 5322 §3.4)."""
    if not name:
        return email
    if _ATOMS.fullmatch(name):
        return f"{name} <{email}>"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{email}>'


def _field(message: ParsedMessage, name: str) -> str | None:
    """The last instance of a header field (RFC 8621 §4.1.3 reads the last one too)."""
    values = [value for key, value in message.headers if key.lower() == name]
    return values[-1] if values else None


def _addresses(message: ParsedMessage, name: str) -> list[EmailAddress]:
    value = _field(message, name)
    found = parse_addresses(value) if value is not None else []
    return [a for a in found if a.get("email")]


def _take(header: list[EmailAddress], remaining: dict[str, str]) -> list[str]:
    """Header recipients that are also envelope recipients, each once; they leave REMAINING."""
    out: list[str] = []
    for address in header:
        email = str(address["email"])
        if email.lower() in remaining:
            del remaining[email.lower()]
            out.append(format_address(address.get("name"), email))
    return out


def recipients(message: ParsedMessage, rcpt_to: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """(to, cc, bcc): exactly the envelope recipients, shown as the headers show them; the rest are Bcc."""
    remaining = {r.strip().lower(): r.strip() for r in rcpt_to if r.strip()}
    to = _take(_addresses(message, "to"), remaining)
    cc = _take(_addresses(message, "cc"), remaining)
    bcc = list(remaining.values())
    if not to and cc:  # Resend requires `to`: Cc recipients then see themselves as To
        to, cc = cc, []
    elif not to and len(bcc) == 1:  # a lone hidden recipient only ever sees its own address
        to, bcc = bcc, []
    elif not to:
        raise PermanentRelayError(
            "Resend needs a visible To recipient; this message has several hidden recipients only",
            reply="554 5.5.2 Resend cannot send to undisclosed recipients only; use the SES relay",
        )
    return to, cc, bcc


def sender(message: ParsedMessage, mail_from: str, from_domain: str) -> tuple[str, list[str]]:
    """Resend's `from`, and the Reply-To to add when the From rule rewrote it (docs/relays.md)."""
    found = _addresses(message, "from")
    name, email = (found[0].get("name"), str(found[0]["email"])) if found else (None, mail_from)
    local, _, domain = email.rpartition("@")
    if not from_domain or not local or domain.lower() == from_domain.lower():
        return format_address(name, email), []
    shown = f"{name or email} {VIA}"
    return format_address(shown, f"{local}@{from_domain.lower()}"), [format_address(name, email)]


def forwarded_headers(message: ParsedMessage) -> dict[str, str]:
    """Every field not rebuilt by Resend, unfolded; a repeated field is sent once, with its last value."""
    out: dict[str, str] = {}
    for name, value in message.headers:
        lowered = name.lower()
        if lowered in _NOT_FORWARDED or lowered.startswith("content-"):
            continue
        out.pop(next((k for k in out if k.lower() == lowered), name), None)
        out[name] = unfold(value).strip()
    return out


def _joined(parts: list[BodyPart]) -> str | None:
    if not parts:
        return None
    return "\n".join(str(body_value(p)["value"]) for p in parts)


def _filename(part: BodyPart) -> str:
    if part.name:
        return part.name
    extension = ".eml" if part.type == "message/rfc822" else mimetypes.guess_extension(part.type) or ".bin"
    return f"part-{part.part_id}{extension}"


def attachment(part: BodyPart) -> dict[str, Any]:
    """One Resend attachment: decoded octets in base64, the part's type (with charset for text), cid."""
    content_type = part.type
    if part.type.startswith("text/") and part.charset:
        content_type += f"; charset={part.charset}"
    out: dict[str, Any] = {
        "filename": _filename(part),
        "content": base64.b64encode(part.content).decode("ascii"),
        "content_type": content_type,
    }
    if part.cid:
        out["content_id"] = part.cid
    return out


def bodies(message: ParsedMessage) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(text, html, attachments) by RFC 8621 §4.1.4: the text/plain parts of textBody, the text/html
    parts of htmlBody, and every other leaf (inline images included) as an attachment."""
    text_parts = [p for p in message.text_body if p.type == "text/plain"]
    html_parts = [p for p in message.html_body if p.type == "text/html"]
    used = {p.part_id for p in text_parts + html_parts}
    others = [leaf for leaf in message.body_structure.leaves() if leaf.part_id not in used]
    return _joined(text_parts), _joined(html_parts), [attachment(p) for p in others]


def to_resend(message: OutboundMessage, *, from_domain: str = "") -> dict[str, Any]:
    """The JSON body for `POST /emails`; raises PermanentRelayError when Resend cannot express it."""
    parsed = parse_message(message.raw)
    to, cc, bcc = recipients(parsed, message.rcpt_to)
    from_, rewritten_reply = sender(parsed, message.mail_from, from_domain)
    reply_to = [format_address(a.get("name"), str(a["email"])) for a in _addresses(parsed, "reply-to")]
    subject = _field(parsed, "subject")
    text, html, files = bodies(parsed)
    payload: dict[str, Any] = {
        "from": from_,
        "to": to,
        "subject": as_text(subject) if subject is not None else "",
    }
    optional: dict[str, Any] = {
        "cc": cc,
        "bcc": bcc,
        "reply_to": reply_to or rewritten_reply,
        "text": text if text is not None or html is not None else "",
        "html": html,
        "headers": forwarded_headers(parsed),
        "attachments": files,
    }
    payload.update({k: v for k, v in optional.items() if v is not None and v != [] and v != {}})
    return payload
