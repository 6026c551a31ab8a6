"""The top-level header section as a receiver reads it, before the email package parses it.

Python's parser differs from RFC 5322 receivers in ways a sender can exploit (issue 13): it skips a
first line starting "From " as an mbox envelope (so `From : ceo@example.com` vanishes) and stops the
header section at the first field written in the obsolete `name WSP ":"` syntax (RFC 5322 §4.5.4),
which receivers still read as a field. Here obsolete names are rewritten to `name:` so every field
a receiver sees is parsed, and any line that is neither a field nor folding — or a folded line of only
white space, which some parsers take for the end of the section — marks the section unverifiable.
"""

from __future__ import annotations

import re

_EOL = re.compile(rb"\r\n|\n|\r")
_FIELD = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_OBSOLETE_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]+:")


def prepare(raw: bytes) -> tuple[bytes, bool]:
    """(octets to parse, whether the header section has lines that are not fields or folding).

    Linear in the header section; the body is copied only when a field name had to be rewritten."""
    prepared, unverifiable, _ = split(raw)
    return prepared, unverifiable


def split(raw: bytes) -> tuple[bytes, bool, int]:
    """As prepare(), plus where the body starts in the octets returned (after the blank line)."""
    pos = 0
    lines: list[bytes] = []
    changed = False
    unverifiable = False
    end = body = len(raw)
    for match in _EOL.finditer(raw):
        line = raw[pos : match.start()]
        if not line:
            end, body = pos, match.end()
            break
        lines.append(raw[pos : match.end()])
        pos = match.end()
        if line[:1] in (b" ", b"\t"):
            unverifiable = unverifiable or len(lines) == 1 or not line.strip(b" \t")
            continue
        if not _FIELD.match(line):
            unverifiable = True  # includes a leading "From " envelope line
            continue
        obsolete = _OBSOLETE_NAME.match(line)
        if obsolete:
            lines[-1] = obsolete.group(1) + b":" + lines[-1][obsolete.end() :]
            changed = True
    else:
        end = pos
    if not changed:
        return raw, unverifiable, body
    head = b"".join(lines)
    return head + raw[end:], unverifiable, body - end + len(head)
