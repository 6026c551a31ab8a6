"""The preview property: a short plain-text fragment of the body (RFC 8621 §4.1.4)."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from mailx.mime.charsets import decode_text
from mailx.mime.parse import BodyPart

if TYPE_CHECKING:
    from collections.abc import Iterable

PREVIEW_LENGTH = 256
# Enough octets for 256 characters of text even behind a large HTML head or style block.
_SCAN_OCTETS = 256 * 1024
_SPACE = re.compile(r"\s+")
# Elements whose content is never readable text.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object"})
_BLOCK = frozenset(
    {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
)


def html_to_text(html: str) -> str:
    """Reduces HTML to its readable text: tags, scripts and styles go, entities are decoded.

    html.parser is imported here, not at module top, to keep cold starts cheap."""
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in _HIDDEN:
                self.hidden += 1
            elif tag in _BLOCK:
                self.out.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in _HIDDEN:
                self.hidden = max(0, self.hidden - 1)
            elif tag in _BLOCK:
                self.out.append("\n")

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.out.append(data)

    parser = _Text()
    # html.parser is lenient, but a broken document must not cost the preview.
    with contextlib.suppress(Exception):
        parser.feed(html)
        parser.close()
    return "".join(parser.out)


def part_text(part: BodyPart, max_octets: int | None = None) -> str:
    """A text part's content as plain text (HTML reduced), for previews and search; a cap on
    the octets read keeps huge bodies from costing more than the fragment needs."""
    data = part.content
    if max_octets is not None and len(data) > max_octets:
        # Cut at a line end so no multi-byte character is split and the charset guess holds.
        cut = data.rfind(b"\n", 0, max_octets)
        data = data[: cut if cut > 0 else max_octets]
    text, _ = decode_text(data, part.charset)
    return html_to_text(text) if part.type == "text/html" else text


def clip(text: str, limit: int = PREVIEW_LENGTH) -> str:
    """Collapses white space and cuts to `limit` characters, counting UTF-16 units so that no
    client, whatever it calls a character, sees more than the RFC's 256."""
    collapsed = _SPACE.sub(" ", text).strip()
    out: list[str] = []
    units = 0
    for ch in collapsed:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        out.append(ch)
    return "".join(out).rstrip()


def make_preview(text_body: Iterable[BodyPart]) -> str:
    """Takes text from textBody's text parts in order (plain preferred, as textBody already is)
    until there is enough for a preview."""
    gathered: list[str] = []
    length = 0
    for part in text_body:
        if part.type not in ("text/plain", "text/html"):
            continue
        text = _SPACE.sub(" ", part_text(part, _SCAN_OCTETS)).strip()
        if text:
            gathered.append(text)
            length += len(text) + 1
        if length > PREVIEW_LENGTH:
            break
    return clip(" ".join(gathered))
