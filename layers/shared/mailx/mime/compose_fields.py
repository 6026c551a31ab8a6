"""Header fields for a new draft: JMAP parsed forms to RFC 5322/2047/6532 text (RFC 8621 §4.1.2, §4.6)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from email import base64mime, quoprimime
from email.utils import format_datetime
from typing import Any

from mailx.mime.headers import HeaderProperty

FOLD_WIDTH = 78  # RFC 5322 §2.1.1 SHOULD
MAX_LINE = 998  # RFC 5322 §2.1.1 MUST, in octets, without the CRLF
_WORD_MAX = 60  # RFC 2047 §2 allows 75; shorter words keep "Name: word" lines within 76
_FOLD_POINT = re.compile(r"(?=[ \t][^ \t])")
_BREAK = re.compile(r"\r\n|\r|\n")
_LONG_RUN = re.compile(r"[^ \t]{900}")
_PHRASE_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?: [A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*")
_BARE_ADDRESS = re.compile(r"[^\s\"(),:;<>@\[\]\\]+@[^\s\"(),:;<>@\[\]\\]+")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


class ComposeError(ValueError):
    """A create object breaks a rule of RFC 8621 §4.6; the method layer answers invalidProperties
    with `properties: [property_path]`."""

    def __init__(self, property_path: str, description: str) -> None:
        super().__init__(f"{property_path}: {description}")
        self.property_path = property_path
        self.description = description


def octets(text: str) -> int:
    """Length in UTF-8 octets, the unit of RFC 5322's line limits (RFC 6532 §3.4)."""
    return len(text.encode("utf-8", "surrogatepass"))


def checked_str(value: Any, path: str, what: str = "a string") -> str:
    """A JSON string that can be written as UTF-8 (no lone surrogates), else ComposeError."""
    if not isinstance(value, str):
        raise ComposeError(path, f"must be {what}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ComposeError(path, "contains a lone surrogate, which cannot be written as UTF-8") from None
    return value


def has_controls(text: str) -> bool:
    """Whether any control character (Unicode Cc, so CR, LF, TAB and NUL too) is present."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def controls_to_spaces(text: str) -> str:
    """Line breaks and other control characters become single spaces: a decoded header value
    cannot carry them (RFC 8621 §4.1.2.2 drops encoded controls), so they are made visible."""
    text = _BREAK.sub(" ", text)
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def fold(name: str, body: str, path: str) -> str:
    """`Name:body` folded before white space so lines stay within 78 octets where they can;
    folding only adds CRLF, so unfolding gives the value back exactly. Over 998 octets: refused."""
    lines: list[str] = []
    prefix = name + ":"
    line = prefix
    for chunk in _FOLD_POINT.split(body):
        if not chunk:
            continue
        if line != prefix and chunk[0] in " \t" and octets(line) + octets(chunk) > FOLD_WIDTH:
            lines.append(line)
            line = chunk
        else:
            line += chunk
    lines.append(line)
    if any(octets(one) > MAX_LINE for one in lines):
        raise ComposeError(path, f"a header line would be longer than {MAX_LINE} octets")
    return "\r\n".join(lines)


def _word(chunk: str, q: bool) -> str:
    data = chunk.encode("utf-8")
    return quoprimime.header_encode(data, "utf-8") if q else base64mime.header_encode(data, "utf-8")


def encoded_words(text: str) -> list[str]:
    """UTF-8 RFC 2047 encoded-words of at most 60 characters, never splitting a character; Q
    when it is no longer than B. Adjacent words decode back to `text` exactly (spaces included)."""
    q = len(_word(text, True)) <= len(_word(text, False))
    words: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(_word(chunk + ch, q)) > _WORD_MAX:
            words.append(_word(chunk, q))
            chunk = ch
        else:
            chunk += ch
    if chunk:
        words.append(_word(chunk, q))
    return words


def needs_words(text: str) -> bool:
    """Whether text must go out as encoded-words: non-ASCII (RFC 2047 §5; RFC 6532 would allow raw
    UTF-8, but 7-bit readers are still common), something a reader would take for an encoded-word,
    or a run too long to fold."""
    return not text.isascii() or "=?" in text or bool(_LONG_RUN.search(text))


def text_body(value: str) -> str:
    """Text form (§4.1.2.2): unstructured text; encoded when needed, or when it starts with white
    space that a reader would strip."""
    clean = controls_to_spaces(value)
    if not clean:
        return ""
    if needs_words(clean) or clean[0] == " ":
        return " " + " ".join(encoded_words(clean))
    return " " + clean


def clean_name(value: Any, path: str) -> str | None:
    """A display name or group name as readers give it back: controls to spaces, white space
    collapsed and trimmed; empty means none."""
    if value is None:
        return None
    name = " ".join(controls_to_spaces(checked_str(value, path, "a string or null")).split())
    return name or None


def phrase(name: str) -> str:
    """A display-name phrase (RFC 5322 §3.2.5): atoms, a quoted-string, or encoded-words where only
    the name is encoded, never the address (RFC 2047 §5 (3))."""
    if needs_words(name):
        return " ".join(encoded_words(name))
    if _PHRASE_ATOMS.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _email(value: Any, path: str) -> str:
    email = checked_str(value, path)
    if not email or any(ch.isspace() or ch in "<>" for ch in email) or has_controls(email):
        raise ComposeError(path, "must be an addr-spec without white space, controls or angle brackets")
    return email


def mailbox(value: Any, path: str) -> str:
    """One EmailAddress; a non-ASCII local part or domain stays raw UTF-8 (RFC 6532 §3.2)."""
    if not isinstance(value, dict):
        raise ComposeError(path, "must be an EmailAddress object")
    email = _email(value.get("email"), f"{path}/email")
    name = clean_name(value.get("name"), f"{path}/name")
    if name is not None:
        return f"{phrase(name)} <{email}>"
    return email if _BARE_ADDRESS.fullmatch(email) else f"<{email}>"


def address_list(value: Any, path: str) -> str:
    """Addresses form (§4.1.2.3) as an address-list."""
    if not isinstance(value, list):
        raise ComposeError(path, "must be an array of EmailAddress objects")
    return ", ".join(mailbox(item, f"{path}/{i}") for i, item in enumerate(value))


def grouped_list(value: Any, path: str) -> str:
    """GroupedAddresses form (§4.1.2.4); a group with a null name is its mailboxes, ungrouped."""
    if not isinstance(value, list):
        raise ComposeError(path, "must be an array of EmailAddressGroup objects")
    pieces: list[str] = []
    for i, group in enumerate(value):
        if not isinstance(group, dict):
            raise ComposeError(f"{path}/{i}", "must be an EmailAddressGroup object")
        members = address_list(group.get("addresses"), f"{path}/{i}/addresses")
        name = clean_name(group.get("name"), f"{path}/{i}/name")
        if name is not None:
            pieces.append(f"{phrase(name)}: {members};" if members else f"{phrase(name)}:;")
        elif members:
            pieces.append(members)
    return ", ".join(pieces)


def _angled(value: Any, path: str, what: str) -> list[str]:
    if not isinstance(value, list):
        raise ComposeError(path, f"must be an array of {what}")
    for i, item in enumerate(value):
        text = checked_str(item, f"{path}/{i}")
        if not text or any(ch.isspace() or ch in "<>" for ch in text) or has_controls(text):
            raise ComposeError(f"{path}/{i}", f"must be one of the {what}, without white space or <>")
    return [f"<{item}>" for item in value]


def parse_date(value: Any, path: str) -> datetime:
    """An RFC 3339 date-time with an offset (the JMAP Date type, RFC 8620 §1.4)."""
    text = checked_str(value, path, "a Date string")
    try:
        if not _RFC3339.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise ComposeError(path, "must be an RFC 3339 date-time with a time-zone offset") from None


def raw_body(value: Any, path: str) -> str:
    """Raw form (§4.1.2.1): written as given; a line break must be folding (followed by white space)
    and becomes CRLF. A leading space is added when missing, as most generated messages have one."""
    text = checked_str(value, path)
    if "\x00" in text:
        raise ComposeError(path, "must not contain NUL")
    pieces = _BREAK.split(text)
    if any(not piece or piece[0] not in " \t" for piece in pieces[1:]):
        raise ComposeError(path, "a line break must be followed by white space (folding)")
    # RFC 5322 §3.2.2: a folded line holding only white space is obsolete, and some parsers read it
    # as the blank line ending the header section, so the fields after it would be a body to them.
    if any(not piece.strip(" \t") for piece in pieces[1:]):
        raise ComposeError(path, "a folded line must not be only white space")
    text = "\r\n".join(pieces)
    return text if not text or text[0] in " \t" else " " + text


def field_body(form: str, value: Any, path: str) -> str:
    """One header instance's text after the colon, in the given parsed form."""
    if form == "Raw":
        return raw_body(value, path)
    if form == "Text":
        return text_body(checked_str(value, path))
    if form == "Addresses":
        return " " + address_list(value, path)
    if form == "GroupedAddresses":
        return " " + grouped_list(value, path)
    if form == "MessageIds":
        return " " + " ".join(_angled(value, path, "message ids"))
    if form == "URLs":
        return " " + ", ".join(_angled(value, path, "URLs"))
    return " " + format_datetime(parse_date(value, path))


def render_field(prop: HeaderProperty, value: Any, path: str) -> list[str]:
    """Every instance a header property sets, folded: none for null, one per item with :all."""
    if value is None:
        return []
    values = value if prop.all else [value]
    if prop.all and not isinstance(value, list):
        raise ComposeError(path, "must be an array (the property ends in :all)")
    single_id = prop.name.lower() == "message-id" and prop.form == "MessageIds"
    if single_id and any(not isinstance(v, list) or len(v) != 1 for v in values):
        raise ComposeError(path, "a Message-ID holds exactly one message id")
    out: list[str] = []
    for item in values:
        if item is None:
            raise ComposeError(path, "an instance of a header field must not be null")
        body = field_body(prop.form, item, path)
        if prop.form != "Raw":
            out.append(fold(prop.name, body, path))
        elif all(octets(line) <= MAX_LINE - len(prop.name) - 1 for line in body.split("\r\n")):
            out.append(f"{prop.name}:{body}")  # kept exactly as the client wrote it
        else:
            out.append(fold(prop.name, body.replace("\r\n", ""), path))
    return out
