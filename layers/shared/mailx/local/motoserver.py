"""moto's server on a loopback port, with successful writes appended to the write-ahead log.

The hook wraps moto's WSGI application rather than moto's global recorder: the wrapper sees the
response status (only writes that succeeded are kept, so failed conditional writes never grow the log),
the request target exactly as it arrived (S3 keys with encoded characters replay byte-exact), and it
serialises writes so the log's order is the order in which moto applied them.
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from mailx.local.moto_memory import stop_tracking_dynamodb_models
from mailx.local.wal import Entry, WalWriter, is_mutating, keep_headers, read_entries

logger = logging.getLogger("mailx.local.moto")

_PRESERVED_NAMES = "moto.preserved_header_names"  # moto.core.request keeps underscored header names here
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_UPLOAD_ID_PARAM = re.compile(r"(?<=[?&]uploadId=)[^&]+")
_CREATE_UPLOAD = re.compile(r"[?&]uploads(?:=[^&]*)?(?:&|$)")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the whole request body and put it back for moto to read again."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH") or ""
    if stream is None:
        data = b""
    elif length.isdigit():
        data = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):  # chunked transfer: werkzeug de-chunks until EOF
        data = stream.read()
    else:
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request headers with the names the client sent (S3 metadata may contain underscores)."""
    preserved: dict[str, str] = environ.get(_PRESERVED_NAMES) or {}
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[preserved.get(key) or key[5:].replace("_", "-").title()] = str(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers[key.replace("_", "-").title()] = str(value)
    return headers


def _target(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = environ.get("QUERY_STRING") or ""
    return str(environ.get("PATH_INFO") or "/") + (f"?{query}" if query else "")


def _upload_id(method: str, target: str, payload: bytes) -> str:
    """The upload id in a CreateMultipartUpload answer ('' for any other request)."""
    if method != "POST" or not _CREATE_UPLOAD.search(target):
        return ""
    found = _UPLOAD_ID.search(payload)
    return found.group(1).decode() if found else ""


class RecordingApp:
    """WSGI middleware: passes everything to moto and logs the writes that succeeded."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.writer: WalWriter | None = None
        self._writes = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        writer = self.writer
        if writer is None:
            return self.app(environ, start_response)
        body = _read_body(environ)
        headers = _headers(environ)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if not is_mutating(method, str(environ.get("PATH_INFO", "")), headers, body):
            return self.app(environ, start_response)
        status: list[str] = []

        def capture(line: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(line)
            return start_response(line, response_headers, exc_info)

        with self._writes:  # one write at a time: the log order is moto's order
            result = self.app(environ, capture)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            if status and status[0][:1] in "23":
                target = _target(environ)
                writer.append(
                    Entry(method, target, keep_headers(headers), body, _upload_id(method, target, payload))
                )
        return [payload]


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did, for the start-up banner and the logs."""

    replayed: int
    failed: int
    seconds: float


Progress = Callable[[int, int, int, float], None]  # (bytes done, bytes in all, writes, seconds)
PROGRESS_EVERY = 2.0  # seconds between progress calls


def replay(
    path: Path, host: str, port: int, *, start: int = 0, progress: Progress | None = None
) -> ReplayReport:
    """Send every logged request from byte START to a fresh moto, in order; S3 multipart upload ids are
    re-mapped. PROGRESS is called every couple of seconds while it runs."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=60)
    upload_ids: dict[str, str] = {}
    replayed = failed = 0
    total = path.stat().st_size if path.exists() else 0
    position = [start]
    next_report = started + PROGRESS_EVERY
    try:
        for entry in read_entries(path, start, position):
            now = time.monotonic()
            if progress is not None and now >= next_report:
                progress(position[0] - start, total - start, replayed, now - started)
                next_report = now + PROGRESS_EVERY
            target = _UPLOAD_ID_PARAM.sub(lambda m: upload_ids.get(m.group(0), m.group(0)), entry.target)
            headers = {**entry.headers, "Host": f"{host}:{port}", "Content-Length": str(len(entry.body))}
            connection.request(entry.method, target, body=entry.body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            replayed += 1
            if response.status >= 400:
                failed += 1
                logger.warning(
                    "replay of %s %s answered %d: %s",
                    entry.method,
                    target[:120],
                    response.status,
                    payload[:200],
                )
            elif entry.upload_id:
                new = _upload_id(entry.method, entry.target, payload)
                if new:
                    upload_ids[entry.upload_id] = new
    finally:
        connection.close()
    return ReplayReport(replayed, failed, time.monotonic() - started)


class LocalMotoServer(ThreadedMotoServer):
    """moto's threaded server on a free loopback port, with the recording middleware in front."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        stop_tracking_dynamodb_models()  # else every DynamoDB write is kept for ever
        super().__init__(ip_address=host, port=port, verbose=False)
        self.recording = RecordingApp(DomainDispatcherApplication(create_backend_app))

    def _server_entry(self) -> None:
        # Same as ThreadedMotoServer's, with our middleware around moto's dispatcher.
        self._server = make_server(
            self._ip_address, self._port, self.recording, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def start_recording(self, writer: WalWriter) -> None:
        self.recording.writer = writer

    def stop_recording(self) -> None:
        self.recording.writer = None

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.stop_recording()
        super().stop()
        if self._server is not None:
            self._server.server_close()
