"""Base subject extraction for sorting and threading (RFC 5256 §2.1)."""

from __future__ import annotations

import re

# RFC 5256 §5 ABNF; literal strings in ABNF are case-insensitive.
_BLOB = r"\[[^\[\]]*\][ \t]*"
_REFWD = rf"(?:re|fwd?)[ \t]*(?:{_BLOB})?:"
_LEADER = re.compile(rf"(?:(?:{_BLOB})*{_REFWD}|[ \t])", re.IGNORECASE)
_BLOB_PREFIX = re.compile(_BLOB)
_TRAILER = re.compile(r"(?:\(fwd\)|[ \t])$", re.IGNORECASE)
_FWD_HDR = "[fwd:"
_WHITESPACE = re.compile(r"[ \t\r\n]+")


def _strip_trailers(text: str) -> str:
    # Step (2): remove subj-trailer repeatedly.
    while True:
        stripped = _TRAILER.sub("", text)
        if stripped == text:
            return text
        text = stripped


def _strip_leaders(text: str) -> str:
    # Steps (3)-(5): subj-leader, then a subj-blob when something remains, until neither applies.
    while True:
        match = _LEADER.match(text)
        if match and match.end() > 0:
            text = text[match.end() :]
            continue
        blob = _BLOB_PREFIX.match(text)
        if blob and text[blob.end() :].strip(" \t"):
            text = text[blob.end() :]
            continue
        return text


def base_subject(subject: str) -> str:
    """The RFC 5256 base subject, so that replies and forwards sort and thread with their
    original. Takes the decoded subject (the JMAP `subject` property); step (1)'s RFC 2047
    decoding has already happened there."""
    text = _WHITESPACE.sub(" ", subject)
    while True:
        text = _strip_leaders(_strip_trailers(text))
        # Step (6): "[fwd: … ]" wrapping the whole subject.
        if text[: len(_FWD_HDR)].lower() == _FWD_HDR and text.endswith("]"):
            text = text[len(_FWD_HDR) : -1]
            continue
        return text
