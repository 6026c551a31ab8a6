"""Upload and download over HTTP (RFC 8620 §6.1, §6.2) through the real app, with moto's S3 behind it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.helpers.auth import basic
from tests.helpers.content_disposition import parse_disposition

ALICE = basic("alice", "correct horse battery")
BOB = basic("bob", "bob's long password")
PROBLEM = "application/problem+json"
LIMIT = "urn:ietf:params:jmap:error:limit"


def upload(client: Any, account_id: str, body: bytes, content_type: str | None = None) -> Any:
    headers = dict(ALICE)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(f"/jmap/upload/{account_id}/", content=body, headers=headers)


def download(
    client: Any, account_id: str, blob_id: str, name: str = "f.bin", type_: str = "", **kw: Any
) -> Any:
    url = f"/jmap/download/{account_id}/{blob_id}/{quote(name, safe='')}"
    if type_:
        url += f"?type={quote(type_, safe='')}"
    headers = {**ALICE, **kw.pop("headers", {})}
    return client.get(url, headers=headers, **kw)


def filename_of(header: str) -> str:
    from urllib.parse import unquote

    encoded = parse_disposition(header)["filename*"]
    assert encoded.startswith("UTF-8''")
    return unquote(encoded[len("UTF-8''") :], errors="strict")


def test_text_file_round_trip(client: Any, alice: Any) -> None:
    # Given a text file uploaded with its type
    body = "Hello, world!\nÜnïcödé line\n".encode()
    response = upload(client, alice.account_id, body, "text/plain; charset=utf-8")
    # Then the response has exactly the RFC 8620 §6.1 fields
    assert response.status_code == 201
    uploaded = response.json()
    assert set(uploaded) == {"accountId", "blobId", "type", "size"}
    assert uploaded["accountId"] == alice.account_id
    assert uploaded["type"] == "text/plain; charset=utf-8"
    assert uploaded["size"] == len(body)
    assert uploaded["blobId"].startswith("B")
    # When it is downloaded with a name and type
    got = download(client, alice.account_id, uploaded["blobId"], "hello.txt", "text/plain")
    # Then the bytes, type (no charset added), disposition and caching are right
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "text/plain"
    assert filename_of(got.headers["content-disposition"]) == "hello.txt"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["cache-control"] == "private, immutable, max-age=31536000"
    assert got.headers["x-content-type-options"] == "nosniff"


def test_binary_with_every_byte_value_round_trips(client: Any, alice: Any) -> None:
    body = bytes(range(256)) * 4
    uploaded = upload(client, alice.account_id, body, "application/octet-stream").json()
    got = download(client, alice.account_id, uploaded["blobId"], "bytes.bin", "application/octet-stream")
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-length"] == str(len(body))


def test_empty_body_without_content_type(client: Any, alice: Any) -> None:
    # Given an empty upload with no Content-Type at all (some clients send exactly this)
    response = client.post(f"/jmap/upload/{alice.account_id}/", content=b"", headers=ALICE)
    assert response.status_code == 201
    uploaded = response.json()
    assert uploaded["type"] == "application/octet-stream"
    assert uploaded["size"] == 0
    got = download(client, alice.account_id, uploaded["blobId"], "empty")
    assert got.status_code == 200
    assert got.content == b""
    assert got.headers["content-type"] == "application/octet-stream"


def test_upload_url_without_trailing_slash_and_odd_content_type(client: Any, alice: Any) -> None:
    response = client.post(
        f"/jmap/upload/{alice.account_id}", content=b"x", headers={**ALICE, "Content-Type": "rubbish"}
    )
    assert response.status_code == 201
    assert response.json()["type"] == "application/octet-stream"


@pytest.mark.parametrize(
    "name",
    [
        'my "quoted" file.txt',
        "back\\slash.txt",
        "Ünïcödé 日本語 ✉.pdf",
        "a/b/../c.txt",
        "x\r\nSet-Cookie: a=b",
    ],
)
def test_any_file_name_comes_back_exactly(client: Any, alice: Any, name: str) -> None:
    uploaded = upload(client, alice.account_id, b"data").json()
    got = download(client, alice.account_id, uploaded["blobId"], name, "application/pdf")
    assert got.status_code == 200
    assert filename_of(got.headers["content-disposition"]) == name
    assert "set-cookie" not in got.headers
    assert got.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize("type_", ["", "not a type", "text/html\r\nX-Evil: 1", "ü/x"])
def test_missing_or_malformed_type_is_octet_stream(client: Any, alice: Any, type_: str) -> None:
    uploaded = upload(client, alice.account_id, b"<b>hi</b>", "text/html").json()
    got = download(client, alice.account_id, uploaded["blobId"], "x", type_)
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert "x-evil" not in got.headers


def test_upload_over_the_limit_by_content_length_is_413(client: Any, alice: Any) -> None:
    from mailx.limits import LIMITS

    body = b"x" * (LIMITS.max_size_upload + 1)
    response = upload(client, alice.account_id, body, "application/octet-stream")
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == LIMIT
    assert problem["limit"] == "maxSizeUpload"
    assert problem["status"] == 413


def test_upload_over_the_limit_without_content_length_is_counted(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.limits import LIMITS

    monkeypatch.setattr("jmap_api.routes.blobs.LIMITS", dataclasses.replace(LIMITS, max_size_upload=100))

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"y" * 30

    response = client.post(f"/jmap/upload/{alice.account_id}/", content=chunks(), headers=ALICE)
    assert response.status_code == 413
    assert response.json()["limit"] == "maxSizeUpload"
    # At the limit exactly it is accepted
    response = client.post(f"/jmap/upload/{alice.account_id}/", content=b"z" * 100, headers=ALICE)
    assert response.status_code == 201


def test_too_many_concurrent_uploads(client: Any, alice: Any) -> None:
    from mailx.blobs.upload import UploadSlot
    from mailx.limits import LIMITS

    slots = [UploadSlot(alice.account_id) for _ in range(LIMITS.max_concurrent_upload)]
    for slot in slots:
        slot.__enter__()
    try:
        response = upload(client, alice.account_id, b"late")
    finally:
        for slot in slots:
            slot.__exit__(None, None, None)
    assert response.status_code == 429
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == LIMIT
    assert response.json()["limit"] == "maxConcurrentUpload"
    assert upload(client, alice.account_id, b"now").status_code == 201


def test_other_accounts_are_404_and_unauthenticated_is_401(client: Any, alice: Any, bob: Any) -> None:
    uploaded = upload(client, alice.account_id, b"alice's secret").json()
    # Bob names alice's account: not found, exactly as for an account that does not exist
    as_bob = client.get(f"/jmap/download/{alice.account_id}/{uploaded['blobId']}/x", headers=BOB)
    nowhere = client.get(f"/jmap/download/Anope/{uploaded['blobId']}/x", headers=BOB)
    assert as_bob.status_code == nowhere.status_code == 404
    assert as_bob.json()["detail"] == nowhere.json()["detail"]
    assert as_bob.headers["content-type"] == PROBLEM
    # Bob names his own account with alice's blob id: not found either
    mine = client.get(f"/jmap/download/{bob.account_id}/{uploaded['blobId']}/x", headers=BOB)
    assert mine.status_code == 404
    # Bob cannot upload into alice's account
    response = client.post(f"/jmap/upload/{alice.account_id}/", content=b"x", headers=BOB)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    # No credentials at all
    assert client.get(f"/jmap/download/{alice.account_id}/{uploaded['blobId']}/x").status_code == 401
    assert client.post(f"/jmap/upload/{alice.account_id}/", content=b"x").status_code == 401


def test_unknown_and_malformed_blob_ids_are_404(client: Any, alice: Any) -> None:
    for blob_id in ("Bnothere", "Mnothere", "Mnothere_1", "a.b", "%2E%2E"):
        response = client.get(f"/jmap/download/{alice.account_id}/{blob_id}/x", headers=ALICE)
        assert response.status_code == 404, blob_id
        assert response.headers["content-type"] == PROBLEM


def test_large_blob_redirects_to_presigned_s3_url(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.blobs import download as service

    # Given an inline limit far lower than the blob (instead of uploading megabytes)
    monkeypatch.setattr(service, "INLINE_LIMIT", 100)
    body = bytes(range(256)) * 3
    uploaded = upload(client, alice.account_id, body, "application/octet-stream").json()
    name = 'Quarterly "report" ü.pdf'
    # When it is downloaded
    got = download(
        client, alice.account_id, uploaded["blobId"], name, "application/pdf", follow_redirects=False
    )
    # Then the answer is a short-lived, uncached redirect to S3
    assert got.status_code == 302
    location = got.headers["location"]
    assert location.startswith(f"https://mailx-test.s3.amazonaws.com/uploads/{alice.account_id}/")
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    assert got.headers["cache-control"] == "private, no-store"
    # And following it (moto answers the presigned URL) gives the bytes with our headers
    s3 = requests.get(location, timeout=10)
    assert s3.status_code == 200
    assert s3.content == body
    assert s3.headers["content-type"] == "application/pdf"
    assert filename_of(s3.headers["content-disposition"]) == name
    assert s3.headers["cache-control"] == "private, immutable, max-age=31536000"


def test_expired_upload_is_404(client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx import config

    # Expiry is in whole seconds: two of them keep the first download clear of a second boundary.
    monkeypatch.setenv("UPLOAD_TTL_SECONDS", "2")
    config.reset_settings()
    uploaded = upload(client, alice.account_id, b"short-lived").json()
    assert download(client, alice.account_id, uploaded["blobId"]).status_code == 200
    time.sleep(2.2)
    response = download(client, alice.account_id, uploaded["blobId"])
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_never_content_encoded(client: Any, alice: Any) -> None:
    body = b"compress me please " * 2000
    uploaded = upload(client, alice.account_id, body, "text/plain").json()
    got = download(
        client,
        alice.account_id,
        uploaded["blobId"],
        "big.txt",
        "text/plain",
        headers={"Accept-Encoding": "gzip"},
    )
    assert got.status_code == 200
    assert "content-encoding" not in got.headers
    assert got.headers["content-length"] == str(len(body))
    assert got.content == body


def test_cors_exposes_content_disposition(client: Any, alice: Any) -> None:
    uploaded = upload(client, alice.account_id, b"x").json()
    got = download(client, alice.account_id, uploaded["blobId"], headers={"Origin": "https://app.example"})
    assert "content-disposition" in got.headers["access-control-expose-headers"].lower()
    preflight = client.options(
        f"/jmap/upload/{alice.account_id}/",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200


MESSAGE = (
    b"From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
    b'--XX\r\nContent-Type: application/octet-stream; name="a.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--XX--\r\n"
)


def test_whole_email_and_part_blobs(client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailx.blobs import download as service
    from mailx.store import blobs

    # Given a stored message (blobId = emailId)
    blobs.put(blobs.email_key(alice.account_id, "Mtest1"), MESSAGE, "message/rfc822")
    # Then the whole message downloads byte for byte
    whole = download(client, alice.account_id, "Mtest1", "m.eml", "message/rfc822")
    assert whole.status_code == 200
    assert whole.content == MESSAGE
    assert whole.headers["content-type"] == "message/rfc822"
    # And its attachment part downloads decoded
    part = download(client, alice.account_id, "Mtest1_2", "a.bin")
    assert part.status_code == 200
    assert part.content == bytes([0, 1, 2, 3, 4])
    assert download(client, alice.account_id, "Mtest1_9", "none").status_code == 404
    # And a large part goes through the redirect as well
    monkeypatch.setattr(service, "INLINE_LIMIT", 3)
    redirected = download(client, alice.account_id, "Mtest1_2", "a.bin", follow_redirects=False)
    assert redirected.status_code == 302
    assert requests.get(redirected.headers["location"], timeout=10).content == bytes([0, 1, 2, 3, 4])
