"""A small JMAP client (RFC 8620) over stdlib HTTP: session, method calls, upload, download.

Used for both ends of a migration: the mailx account being filled or exported (Bearer token issued with
the management key) and another provider's account being read (Basic or Bearer). Each thread keeps
its own keep-alive connection per host, so parallel uploads do not pay a TCP handshake each.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import urllib.parse
from typing import Any

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
BLOB = "urn:ietf:params:jmap:blob"
# Room kept in a Blob/upload request for the JSON around the base64 data (ids, type, brackets).
_REQUEST_OVERHEAD = 16_384
_PER_BLOB_OVERHEAD = 128
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


class JmapError(Exception):
    """A request that failed as a whole (HTTP error, request-level problem, unreachable)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


class Http:
    """Keep-alive connections per (thread, scheme, host); redirects followed without the credentials."""

    def __init__(self, authorization: str, timeout: float = 600.0) -> None:
        self.authorization = authorization
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        pool: dict[tuple[str, str], http.client.HTTPConnection] = getattr(self._local, "pool", None) or {}
        self._local.pool = pool
        key = (parts.scheme, parts.netloc)
        if key not in pool:
            host = parts.hostname or ""
            if parts.scheme == "https":
                pool[key] = http.client.HTTPSConnection(host, parts.port, timeout=self.timeout)
            else:
                pool[key] = http.client.HTTPConnection(host, parts.port, timeout=self.timeout)
        return pool[key]

    def _drop(self, parts: urllib.parse.SplitResult) -> None:
        pool = getattr(self._local, "pool", {})
        conn = pool.pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def request(
        self, method: str, url: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request with its answer; connection failures and 429/5xx busy answers retried a few times."""
        authorized = True
        for attempt in range(6):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https"):
                raise JmapError(f"not an http(s) URL: {url}")
            headers = {"Accept": "application/json"}
            if authorized:
                headers["Authorization"] = self.authorization
            if content_type:
                headers["Content-Type"] = content_type
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            try:
                conn = self._connection(parts)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts)
                if attempt == 5:
                    raise JmapError(f"cannot reach {parts.netloc}: {exc}") from None
                time.sleep(0.2 * (attempt + 1))
                continue
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
            if response.status in (301, 302, 303, 307, 308) and "location" in answer_headers:
                target = urllib.parse.urljoin(url, answer_headers["location"])
                # A presigned S3 URL carries its own signature: the credentials stay with their host.
                authorized = urllib.parse.urlsplit(target).netloc == parts.netloc and authorized
                url, method, body = target, ("GET" if response.status == 303 else method), body
                continue
            if response.status in _RETRY_STATUSES and attempt < 5:
                time.sleep(
                    min(5.0, float(answer_headers.get("retry-after", "0") or 0) or 0.5 * (attempt + 1))
                )
                continue
            return response.status, answer_headers, data
        raise JmapError(f"too many redirects or retries for {url}")


def _problem(status: int, data: bytes) -> str:
    try:
        body = json.loads(data)
        if isinstance(body, dict):
            return str(body.get("detail") or body.get("title") or body.get("type") or status)
    except ValueError:
        pass
    return data[:200].decode("utf-8", "replace")


class Client:
    """One JMAP account: `call` for method calls, `upload` and `download` for blobs."""

    def __init__(self, session_url: str, authorization: str, account_id: str | None = None) -> None:
        self.http = Http(authorization)
        self.session_url = session_url
        status, _, data = self.http.request("GET", session_url)
        if status != 200:
            raise JmapError(f"session at {session_url}: HTTP {status} {_problem(status, data)}", status)
        self.session: dict[str, Any] = json.loads(data)
        self.account_id = account_id or self.session.get("primaryAccounts", {}).get(MAIL, "")
        if self.account_id not in self.session.get("accounts", {}):
            raise JmapError(f"the session at {session_url} has no mail account {self.account_id!r}")
        base = session_url
        self.api_url = urllib.parse.urljoin(base, self.session["apiUrl"])
        self.upload_url = urllib.parse.urljoin(base, self.session["uploadUrl"])
        self.download_url = urllib.parse.urljoin(base, self.session["downloadUrl"])
        core = self.session.get("capabilities", {}).get(CORE, {})
        self.max_upload = int(core.get("maxSizeUpload", 50_000_000))
        self.max_concurrent_upload = max(1, int(core.get("maxConcurrentUpload", 4)))
        self.max_objects_in_set = max(1, int(core.get("maxObjectsInSet", 500)))
        self.max_objects_in_get = max(1, int(core.get("maxObjectsInGet", 500)))
        self.max_calls = max(1, int(core.get("maxCallsInRequest", 16)))
        self.max_size_request = max(1, int(core.get("maxSizeRequest", 10_000_000)))
        self.blob_set_limit = self._blob_set_limit()

    def _blob_set_limit(self) -> int | None:
        """The largest blob Blob/upload (RFC 9404) takes here, or None when the server has no Blob/upload."""
        if BLOB not in self.session.get("capabilities", {}):
            return None
        account = self.session["accounts"][self.account_id]
        values = account.get("accountCapabilities", {}).get(BLOB)
        if not isinstance(values, dict):
            return None
        limit = values.get("maxSizeBlobSet")
        return self.max_upload if limit is None else int(limit)

    def inline_budget(self) -> int:
        """How many request octets of blobs (see inline_cost) one Blob/upload may carry; 0: none."""
        if self.blob_set_limit is None:
            return 0
        return max(0, self.max_size_request - _REQUEST_OVERHEAD)

    def fits_inline(self, size: int) -> bool:
        """Whether a blob of SIZE octets can go in a Blob/upload request rather than to uploadUrl."""
        limit = self.blob_set_limit
        return limit is not None and size <= limit and inline_cost(size) <= self.inline_budget()

    def call(self, calls: list[list[Any]], using: tuple[str, ...] = (CORE, MAIL)) -> list[list[Any]]:
        """The method responses of one request (method-level errors are returned, not raised)."""
        body = json.dumps({"using": list(using), "methodCalls": calls}).encode()
        status, _, data = self.http.request("POST", self.api_url, body, "application/json")
        if status != 200:
            raise JmapError(f"JMAP request: HTTP {status} {_problem(status, data)}", status)
        responses: list[list[Any]] = json.loads(data)["methodResponses"]
        return responses

    def one(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """A single call's arguments; a method-level error is raised."""
        name, result, _ = self.call([[method, {"accountId": self.account_id, **args}, "0"]])[0]
        if name == "error":
            raise JmapError(f"{method}: {result.get('type')} {result.get('description', '')}".strip())
        return dict(result)

    def upload(self, data: bytes, content_type: str = "message/rfc822") -> str:
        url = self.upload_url.replace("{accountId}", urllib.parse.quote(self.account_id, safe=""))
        status, _, answer = self.http.request("POST", url, data, content_type)
        if status not in (200, 201):
            raise JmapError(f"upload: HTTP {status} {_problem(status, answer)}", status)
        return str(json.loads(answer)["blobId"])

    def upload_many(self, blobs: list[bytes], content_type: str = "message/rfc822") -> list[str | JmapError]:
        """Blob/upload (RFC 9404 §4.1) of several blobs in one request: a blobId, or the error, for each.

        One request instead of one per blob: one sign-in and one round trip for a whole batch, which is
        most of what an upload costs the service for the small blobs mail mostly is.
        """
        create = {
            f"b{n}": {"data": [{"data:asBase64": base64.b64encode(raw).decode()}], "type": content_type}
            for n, raw in enumerate(blobs)
        }
        args = {"accountId": self.account_id, "create": create}
        name, result, _ = self.call([["Blob/upload", args, "0"]], using=(CORE, BLOB))[0]
        if name == "error":
            raise JmapError(f"Blob/upload: {result.get('type')} {result.get('description', '')}".strip())
        created = result.get("created") or {}
        refused = result.get("notCreated") or {}
        answers: list[str | JmapError] = []
        for n in range(len(blobs)):
            made = created.get(f"b{n}")
            if isinstance(made, dict) and made.get("id"):
                answers.append(str(made["id"]))
                continue
            why = refused.get(f"b{n}") or {"type": "serverFail", "description": "neither created nor refused"}
            answers.append(JmapError(f"Blob/upload: {why.get('type')} {why.get('description', '')}".strip()))
        return answers

    def download(
        self, blob_id: str, name: str = "message.eml", content_type: str = "message/rfc822"
    ) -> bytes:
        url = self.download_url
        for var, value in (
            ("accountId", self.account_id),
            ("blobId", blob_id),
            ("name", name),
            ("type", content_type),
        ):
            url = url.replace("{" + var + "}", urllib.parse.quote(value, safe=""))
        status, _, data = self.http.request("GET", url)
        if status != 200:
            raise JmapError(f"download of {blob_id}: HTTP {status} {_problem(status, data)}", status)
        return data


def inline_cost(size: int) -> int:
    """The request octets a blob of SIZE octets takes in Blob/upload: base64 plus its JSON around it."""
    return (size + 2) // 3 * 4 + _PER_BLOB_OVERHEAD


def session_url(url: str) -> str:
    """A server's session resource: the URL given, or /.well-known/jmap on its host."""
    parts = urllib.parse.urlsplit(url)
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/.well-known/jmap", "", ""))
    return url
