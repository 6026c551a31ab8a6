"""Addresses and GroupedAddresses forms: a best-effort address-list parser (RFC 8621 §4.1.2.3-4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mailx.mime.encoded import decode_words, nfc, unfold

EmailAddress = dict[str, str | None]
AddressGroup = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "quoted", "comment", "angle", or a special: "," ";" ":"
    text: str


_SPECIALS = ",;:"
_WS = re.compile(r"\s+")


def _read_until(value: str, start: int, close: str, nest: str = "") -> tuple[str, int]:
    """Reads a delimited run honouring quoted-pairs (and nesting for comments); an unterminated
    run ends at the end of the value, as best effort demands."""
    out: list[str] = []
    depth = 1
    i = start
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1] if close != ">" else value[i : i + 2])
            i += 2
            continue
        if nest and ch == nest:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), i


def _tokens(value: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch.isspace():
            i += 1
        elif ch == '"':
            text, i = _read_until(value, i + 1, '"')
            tokens.append(_Token("quoted", text))
        elif ch == "(":
            text, i = _read_until(value, i + 1, ")", "(")
            tokens.append(_Token("comment", text))
        elif ch == "<":
            text, i = _read_until(value, i + 1, ">")
            tokens.append(_Token("angle", text))
        elif ch in _SPECIALS:
            tokens.append(_Token(ch, ch))
            i += 1
        else:
            j = i
            while j < len(value) and not value[j].isspace() and value[j] not in '"(<,;:':
                j += 1
            tokens.append(_Token("word", value[i:j]))
            i = j
    return tokens


def _clean_name(text: str) -> str | None:
    name = nfc(decode_words(_WS.sub(" ", text)).strip())
    return name or None


def _phrase(tokens: list[_Token]) -> str | None:
    words = [t.text for t in tokens if t.kind in ("word", "quoted")]
    return _clean_name(" ".join(words)) if words else None


def _addr_spec(text: str) -> str:
    # Drop an obsolete source route ("@a,@b:") and any white space or comments inside.
    if text.startswith("@") and ":" in text:
        text = text.split(":", 1)[1]
    return "".join(_WS.split(text.replace("\\", "")))


def _mailbox(tokens: list[_Token]) -> EmailAddress | None:
    angle = next((i for i, t in enumerate(tokens) if t.kind == "angle"), None)
    comments = [t.text for t in tokens if t.kind == "comment"]
    if angle is not None:
        name = _phrase(tokens[:angle])
        if name is None and any(t.kind == "comment" for t in tokens[angle + 1 :]):
            name = _clean_name(next(t.text for t in tokens[angle + 1 :] if t.kind == "comment"))
        return {"name": name, "email": _addr_spec(tokens[angle].text)}
    words = [t for t in tokens if t.kind in ("word", "quoted")]
    if not words:
        return None
    texts = [f'"{t.text}"' if t.kind == "quoted" else t.text for t in words]
    if len(texts) > 1 and "@" in texts[-1] and not texts[-1].startswith("@"):
        # "Jane Doe jane@example.com": the missing angle brackets are the likely mistake.
        name = _phrase(words[:-1])
        return {"name": name, "email": texts[-1]}
    email = "".join(texts)
    return {"name": _clean_name(comments[-1]) if comments else None, "email": email}


def parse_grouped(value: str) -> list[AddressGroup]:
    """Parses an address-list keeping groups; mailboxes outside groups are collected into
    nameless groups, consecutive ones sharing a group, as RFC 8621 §4.1.2.4 shows."""
    groups: list[tuple[str | None, list[EmailAddress]]] = []
    current: list[_Token] = []
    group_name: str | None = None
    in_group = False
    members: list[EmailAddress] = []

    def flush() -> None:
        mailbox = _mailbox(current)
        if mailbox is not None:
            members.append(mailbox)
        current.clear()

    def close(name: str | None) -> None:
        nonlocal members
        if name is None and groups and groups[-1][0] is None and not in_group:
            groups[-1][1].extend(members)
        elif members or name is not None:
            groups.append((name, members))
        members = []

    for token in _tokens(unfold(value)):
        if token.kind == ":" and not in_group and not any(t.kind == "angle" for t in current):
            flush_name = _phrase(current)
            current.clear()
            close(None)
            group_name, in_group = flush_name, True
        elif token.kind == ";" and in_group:
            flush()
            close(group_name)
            group_name, in_group = None, False
        elif token.kind in (",", ";"):
            flush()
        else:
            current.append(token)
    flush()
    close(group_name)
    return [{"name": name, "addresses": addresses} for name, addresses in groups]


def parse_addresses(value: str) -> list[EmailAddress]:
    """The Addresses form: every mailbox, group information dropped."""
    out: list[EmailAddress] = []
    for group in parse_grouped(value):
        out.extend(group["addresses"])
    return out


# A plain addr-spec with a dotted, LDH domain: what mailx routes and sends from.
_ADDRESS = re.compile(
    r"^[^@\s\"(),:;<>\[\\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)


def valid_address(address: str) -> bool:
    """A plain addr-spec we can route and send from (no display name, no comments)."""
    return bool(_ADDRESS.match(address.strip()))
