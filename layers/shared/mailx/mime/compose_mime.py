"""MIME entities of a draft: Content-* fields, transfer encodings, boundaries (RFC 2045, 2046, 2183, 2231)."""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from email import base64mime
from urllib.parse import quote

from mailx.mime.compose_fields import MAX_LINE, encoded_words, fold
from mailx.mime.compose_parts import PartSpec
from mailx.mime.encoded import header_params, param

_TYPE = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+/[!#$%&'*+\-.^_`|~0-9a-z]+")
_SEGMENT = 60  # characters of a parameter value per line (RFC 2231 §3 continuations)
_ATTRIBUTE_SAFE = "!#$&+^`|"  # RFC 2231 attribute-char beyond the letters, digits and "-._~" quote() keeps
_PERCENT_TOKEN = re.compile(r"%[0-9A-F]{2}|.")
_TRAILING_WS = re.compile(rb"[ \t]\r\n|[ \t]$")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Blob:
    """Uploaded octets and the media type they were uploaded with."""

    data: bytes
    type: str


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plain(value: str) -> bool:
    return value.isascii() and value.isprintable() and len(value) <= _SEGMENT


def rfc2231(name: str, value: str) -> list[str]:
    """A file-name parameter: a quoted-string when short printable ASCII, otherwise UTF-8 per
    RFC 2231, split into continuations of at most 60 characters (never inside a %XX escape)."""
    if _plain(value):
        return [f"{name}={_quoted(value)}"]
    encoded = quote(value.encode("utf-8"), safe=_ATTRIBUTE_SAFE)
    if len(encoded) <= _SEGMENT:
        return [f"{name}*=utf-8''{encoded}"]
    segments: list[str] = [""]
    for token in _PERCENT_TOKEN.findall(encoded):
        if len(segments[-1]) + len(token) > _SEGMENT:
            segments.append("")
        segments[-1] += token
    return [f"{name}*{i}*=" + ("utf-8''" if i == 0 else "") + seg for i, seg in enumerate(segments)]


def _name_fallback(value: str) -> str:
    # What mailers that predate RFC 2231 read: name="..." with RFC 2047 words inside the quotes.
    return f"name={_quoted(value if _plain(value) else ' '.join(encoded_words(value)))}"


def _blob_type(blob: Blob) -> tuple[str, str | None]:
    """The media type a blob was uploaded as, with its charset; application/octet-stream when
    the upload said nothing usable."""
    holder = header_params("content-type", blob.type or "")
    kind = "".join((blob.type or "").split(";", 1)[0].split()).lower()
    if not _TYPE.fullmatch(kind):
        return "application/octet-stream", None
    return kind, param(holder, "content-type", "charset") if kind.startswith("text/") else None


def _clean_lines(data: bytes) -> bool:
    """No NUL, CR and LF only as CRLF, no line over 998 octets: safe as 7bit/8bit (RFC 2045 §2.7)."""
    if b"\x00" in data:
        return False
    lines = data.split(b"\r\n")
    return all(b"\r" not in line and b"\n" not in line and len(line) <= MAX_LINE for line in lines)


def _base64(data: bytes) -> bytes:
    return base64mime.body_encode(data, maxlinelen=76, eol="\r\n").rstrip("\r\n").encode("ascii")


def encode_text(text: str) -> tuple[str, bytes]:
    """A bodyValues text as UTF-8: 7bit when plain ASCII with short lines, else quoted-printable.
    Line ends become CRLF (the value uses LF, RFC 8621 §4.1.4)."""
    data = _LINE_BREAK.sub(b"\n", text.encode("utf-8"))
    crlf = data.replace(b"\n", b"\r\n")
    if data.isascii() and _clean_lines(crlf) and not _TRAILING_WS.search(crlf):
        return "7bit", crlf
    return "quoted-printable", binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


def encode_blob(data: bytes, kind: str) -> tuple[str, bytes]:
    """Uploaded octets: as they are when 7bit-clean; an attached message in canonical CRLF form as
    7bit or 8bit (RFC 2046 §5.2.1 forbids base64 there) while its lines allow; else base64."""
    if kind.startswith("message/"):
        canonical = _LINE_BREAK.sub(b"\r\n", data)
        if _clean_lines(canonical):
            return ("7bit" if canonical.isascii() else "8bit"), canonical
    elif data.isascii() and _clean_lines(data):
        return "7bit", data
    return "base64", _base64(data)


def _content_type(spec: PartSpec, kind: str, charset: str | None, boundary: str | None) -> str:
    params = [f"boundary={_quoted(boundary)}"] if boundary else []
    if charset:
        params.append(f"charset={charset}")
    if spec.name is not None:
        params.extend(rfc2231("name", spec.name) if spec.disposition is None else [_name_fallback(spec.name)])
    return "; ".join([kind, *params])


def _content_fields(spec: PartSpec, content_type: str, encoding: str | None) -> list[str]:
    path = spec.path
    lines = [fold("Content-Type", " " + content_type, f"{path}/type")]
    if encoding is not None:
        lines.append(f"Content-Transfer-Encoding: {encoding}")
    if spec.disposition is not None:
        params = rfc2231("filename", spec.name) if spec.name is not None else []
        lines.append(
            fold("Content-Disposition", " " + "; ".join([spec.disposition, *params]), f"{path}/name")
        )
    if spec.cid is not None:
        lines.append(fold("Content-ID", f" <{spec.cid}>", f"{path}/cid"))
    if spec.language is not None:
        lines.append(fold("Content-Language", " " + ", ".join(spec.language), f"{path}/language"))
    if spec.location is not None:
        lines.append(fold("Content-Location", " " + spec.location, f"{path}/location"))
    return lines + spec.fields


def entity(lines: list[str], body: bytes) -> bytes:
    """Header fields, the blank line and the body, CRLF throughout."""
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def _boundary(children: list[bytes]) -> str:
    # "=_" cannot appear in quoted-printable or base64 text; 7bit parts are still checked.
    while True:
        boundary = "=_" + secrets.token_hex(12)
        marker = b"--" + boundary.encode("ascii")
        if not any(marker in child for child in children):
            return boundary


def render(spec: PartSpec, blobs: dict[str, Blob]) -> tuple[list[str], bytes]:
    """A part's header fields and body octets."""
    if spec.sub_parts is not None:
        children = [entity(*render(sub, blobs)) for sub in spec.sub_parts]
        boundary = _boundary(children)
        marker = b"--" + boundary.encode("ascii")
        body = b"".join(marker + b"\r\n" + child + b"\r\n" for child in children) + marker + b"--\r\n"
        return _content_fields(spec, _content_type(spec, spec.type or "", None, boundary), None), body
    if spec.text is not None:
        kind = spec.type or "text/plain"
        encoding, body = encode_text(spec.text)
        return _content_fields(spec, _content_type(spec, kind, "utf-8", None), encoding), body
    blob = blobs[spec.blob_id or ""]
    blob_kind, blob_charset = _blob_type(blob)
    kind = spec.type or blob_kind
    charset = spec.charset or (blob_charset if kind.startswith("text/") else None)
    encoding, body = encode_blob(blob.data, kind)
    return _content_fields(spec, _content_type(spec, kind, charset, None), encoding), body
