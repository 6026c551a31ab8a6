"""A minimal DNS client (RFC 1035) for `mailx doctor`: MX, TXT and CNAME look-ups through the name
server the system resolver uses (/etc/resolv.conf), standard library only. It only reads: nothing is
ever changed. UDP first, TCP when the answer is truncated."""

from __future__ import annotations

import secrets
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

TYPES = {"A": 1, "CNAME": 5, "MX": 15, "TXT": 16}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(Exception):
    """No usable answer (timeout, refused, malformed)."""


@dataclass(frozen=True)
class Answer:
    """The records of one type found for a name (NXDOMAIN and NOERROR-without-records are both empty)."""

    name: str
    rtype: str
    rcode: str
    records: tuple[str, ...]


def system_nameserver(resolv_conf: Path = Path("/etc/resolv.conf")) -> str:
    """The first `nameserver` of the system resolver's configuration."""
    try:
        for line in resolv_conf.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return parts[1]
    except OSError:
        pass
    return "127.0.0.1"


def _encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("idna") if label else b""
        if not raw or len(raw) > 63:
            raise DnsError(f"not a domain name: {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def _query(name: str, rtype: str) -> tuple[int, bytes]:
    ident = secrets.randbelow(0x10000)
    header = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)  # recursion desired, one question
    return ident, header + _encode_name(name) + struct.pack(">HH", TYPES[rtype], 1)


def _read_name(message: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    end = None
    for _ in range(128):  # compression pointers may not loop for ever
        if offset >= len(message):
            raise DnsError("truncated name")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            continue
        if length == 0:
            return ".".join(labels), (end if end is not None else offset + 1)
        labels.append(message[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    raise DnsError("name compression loop")


def _rdata(message: bytes, rtype: int, start: int, length: int) -> str:
    data = message[start : start + length]
    if rtype == TYPES["MX"]:
        preference = struct.unpack(">H", data[:2])[0]
        host, _ = _read_name(message, start + 2)
        return f"{preference} {host}"
    if rtype == TYPES["CNAME"]:
        return _read_name(message, start)[0]
    if rtype == TYPES["TXT"]:
        parts, i = [], 0
        while i < len(data):
            size = data[i]
            parts.append(data[i + 1 : i + 1 + size].decode("utf-8", "replace"))
            i += 1 + size
        return "".join(parts)
    if rtype == TYPES["A"] and length == 4:
        return socket.inet_ntoa(data)
    return data.hex()


def parse(message: bytes, ident: int, rtype: str) -> tuple[str, tuple[str, ...], bool]:
    """(rcode, records of RTYPE in the answer section, truncated?) of a response to query IDENT."""
    if len(message) < 12:
        raise DnsError("short response")
    got, flags, questions, answers, _, _ = struct.unpack(">HHHHHH", message[:12])
    if got != ident:
        raise DnsError("response to another query")
    rcode = RCODES.get(flags & 0xF, str(flags & 0xF))
    offset = 12
    for _ in range(questions):
        _, offset = _read_name(message, offset)
        offset += 4
    records: list[str] = []
    for _ in range(answers):
        _, offset = _read_name(message, offset)
        kind, _, _, length = struct.unpack(">HHIH", message[offset : offset + 10])
        offset += 10
        if kind == TYPES[rtype]:
            records.append(_rdata(message, kind, offset, length))
        offset += length
    return rcode, tuple(records), bool(flags & 0x0200)


def lookup(
    name: str, rtype: str, *, server: str | None = None, port: int = 53, timeout: float = 3.0
) -> Answer:
    """The RTYPE records of NAME, asked of SERVER (default: the system resolver's name server)."""
    host = server or system_nameserver()
    ident, query = _query(name, rtype)
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.settimeout(timeout)
            udp.sendto(query, (host, port))
            response = udp.recv(65535)
        rcode, records, truncated = parse(response, ident, rtype)
        if truncated:
            with socket.create_connection((host, port), timeout=timeout) as tcp:
                tcp.sendall(struct.pack(">H", len(query)) + query)
                size = struct.unpack(">H", _receive(tcp, 2))[0]
                rcode, records, _ = parse(_receive(tcp, size), ident, rtype)
    except OSError as exc:
        raise DnsError(f"{host}: {exc}") from None
    if rcode not in ("NOERROR", "NXDOMAIN"):
        raise DnsError(f"{host} answered {rcode} for {name} {rtype}")
    return Answer(name, rtype, rcode, records)


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise DnsError("connection closed mid-answer")
        data += chunk
    return data
