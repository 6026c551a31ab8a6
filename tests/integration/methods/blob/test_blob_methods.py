"""Blob/copy (RFC 8620 §6.3), Blob/upload and Blob/get (RFC 9404 §4.1, §4.2): wire JSON in and out."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tests.helpers.auth import basic

ALICE = basic("alice", "correct horse battery")
CORE = "urn:ietf:params:jmap:core"
BLOB = "urn:ietf:params:jmap:blob"
BAD_UTF8 = "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wZWQgb3ZlciB0aGUggYEgZG9nLg=="  # RFC 9404 §4.2.2 b1


def jmap(client: Any, calls: list[list[Any]], using: tuple[str, ...] = (CORE, BLOB)) -> list[list[Any]]:
    # ASCII-escaped JSON, so a test can send what a client could: even a lone surrogate escape
    body = json.dumps({"using": list(using), "methodCalls": calls})
    response = client.post("/jmap/api", content=body, headers={**ALICE, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    responses: list[list[Any]] = response.json()["methodResponses"]
    return responses


def one(client: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    [[answered, result, _]] = jmap(client, [[name, args, "c"]])
    assert answered == name, result
    arguments: dict[str, Any] = result
    return arguments


def uploaded(client: Any, account_id: str, body: bytes) -> str:
    response = client.post(f"/jmap/upload/{account_id}/", content=body, headers=ALICE)
    blob_id: str = response.json()["blobId"]
    return blob_id


def test_upload_every_source_kind_then_get_by_creation_id(client: Any, alice: Any) -> None:
    # Given the RFC 9404 §4.1.2 example, in one request, with creation ids across calls
    acc = alice.account_id
    calls = [
        [
            "Blob/upload",
            {
                "accountId": acc,
                "create": {
                    "b4": {"data": [{"data:asText": "The quick brown fox jumped over the lazy dog."}]}
                },
            },
            "S4",
        ],
        [
            "Blob/upload",
            {
                "accountId": acc,
                "create": {
                    "cat": {
                        "data": [
                            {"data:asText": "How"},
                            {"blobId": "#b4", "length": 7, "offset": 3},
                            {"data:asText": "was t"},
                            {"blobId": "#b4", "length": 1, "offset": 1},
                            {"data:asBase64": "YXQ/"},
                        ],
                        "type": "text/plain",
                    }
                },
            },
            "CAT",
        ],
        ["Blob/get", {"accountId": acc, "properties": ["data:asText", "size"], "ids": ["#cat"]}, "G4"],
    ]
    s4, cat, g4 = jmap(client, calls)
    # Then each creation answers id, type and size only, with no state
    created = s4[1]["created"]["b4"]
    assert set(created) == {"id", "type", "size"}
    assert created["size"] == 45 and created["type"] == "application/octet-stream"
    assert s4[1] == {"accountId": acc, "created": {"b4": created}, "notCreated": None}
    assert cat[1]["created"]["cat"]["size"] == 19
    assert cat[1]["created"]["cat"]["type"] == "text/plain"
    # And Blob/get finds the concatenation by its creation id
    assert g4 == [
        "Blob/get",
        {
            "accountId": acc,
            "list": [
                {"id": cat[1]["created"]["cat"]["id"], "data:asText": "How quick was that?", "size": 19}
            ],
            "notFound": [],
        },
        "G4",
    ]


def test_blob_get_encoding_and_range_examples(client: Any, alice: Any) -> None:
    # RFC 9404 §4.2.2, call for call
    acc = alice.account_id
    upload = [
        "Blob/upload",
        {
            "accountId": acc,
            "create": {
                "b1": {"data": [{"data:asBase64": BAD_UTF8}]},
                "b2": {"data": [{"data:asText": "hello world"}], "type": "text/plain"},
            },
        },
        "S1",
    ]
    ids = ["#b1", "#b2"]
    calls = [
        upload,
        ["Blob/get", {"accountId": acc, "ids": ids}, "G1"],
        ["Blob/get", {"accountId": acc, "ids": ids, "properties": ["data:asText", "size"]}, "G2"],
        ["Blob/get", {"accountId": acc, "ids": ids, "properties": ["data:asBase64", "size"]}, "G3"],
        ["Blob/get", {"accountId": acc, "ids": ids, "offset": 0, "length": 5}, "G4"],
        ["Blob/get", {"accountId": acc, "ids": ids, "offset": 20, "length": 100}, "G5"],
    ]
    s1, g1, g2, g3, g4, g5 = (r[1] for r in jmap(client, calls))
    b1, b2 = s1["created"]["b1"]["id"], s1["created"]["b2"]["id"]
    assert g1["list"] == [
        {"id": b1, "isEncodingProblem": True, "data:asBase64": BAD_UTF8, "size": 43},
        {"id": b2, "data:asText": "hello world", "size": 11},
    ]
    # data:asText asked for explicitly: null plus the warning (RFC 9404 §4.2 "MUST be null")
    assert g2["list"] == [
        {"id": b1, "isEncodingProblem": True, "data:asText": None, "size": 43},
        {"id": b2, "data:asText": "hello world", "size": 11},
    ]
    assert g3["list"] == [
        {"id": b1, "data:asBase64": BAD_UTF8, "size": 43},
        {"id": b2, "data:asBase64": "aGVsbG8gd29ybGQ=", "size": 11},
    ]
    assert g4["list"] == [
        {"id": b1, "data:asText": "The q", "size": 43},
        {"id": b2, "data:asText": "hello", "size": 11},
    ]
    assert g5["list"] == [
        {
            "id": b1,
            "isTruncated": True,
            "isEncodingProblem": True,
            "data:asBase64": "anVtcGVkIG92ZXIgdGhlIIGBIGRvZy4=",
            "size": 43,
        },
        {"id": b2, "isTruncated": True, "data:asText": "", "size": 11},
    ]


def test_blob_get_digests_sizes_and_not_found(client: Any, alice: Any, bob: Any) -> None:
    acc = alice.account_id
    body = bytes(range(256)) * 10
    blob_id = uploaded(client, acc, body)
    bob_blob = client.post(
        f"/jmap/upload/{bob.account_id}/", content=b"bob", headers=basic("bob", "bob's long password")
    ).json()["blobId"]
    result = one(
        client,
        "Blob/get",
        {
            "accountId": acc,
            "ids": [blob_id, "not-a-blob", bob_blob, "#unknown"],
            "properties": ["digest:sha", "digest:sha-256", "size"],
            "offset": 100,
            "length": 1000,
        },
    )
    selected = body[100:1100]
    assert result["list"] == [
        {
            "id": blob_id,
            "digest:sha": base64.b64encode(hashlib.sha1(selected).digest()).decode(),
            "digest:sha-256": base64.b64encode(hashlib.sha256(selected).digest()).decode(),
            "size": len(body),
        }
    ]
    # Bob's blob is not in alice's account: just not found
    assert result["notFound"] == ["not-a-blob", bob_blob, "#unknown"]
    assert "state" not in result
    # The RFC 9404 §4.2.1 digest of the example text
    text_id = one(
        client,
        "Blob/upload",
        {
            "accountId": acc,
            "create": {"t": {"data": [{"data:asText": "The quick brown fox jumped over the lazy dog."}]}},
        },
    )["created"]["t"]["id"]
    r2 = one(
        client,
        "Blob/get",
        {
            "accountId": acc,
            "ids": [text_id],
            "properties": ["data:asText", "digest:sha", "digest:sha-256", "size"],
            "offset": 4,
            "length": 9,
        },
    )
    assert r2["list"] == [
        {
            "id": text_id,
            "data:asText": "quick bro",
            "digest:sha": "QiRAPtfyX8K6tm1iOAtZ87Xj3Ww=",
            "digest:sha-256": "gdg9INW7lwHK6OQ9u0dwDz2ZY/gubi0En0xlFpKt0OA=",
            "size": 45,
        }
    ]


def test_blob_get_reads_large_messages_in_chunks(
    client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailx.blobs import resolve
    from mailx.store import blobs

    monkeypatch.setattr(resolve, "CHUNK", 1000)
    raw = b"".join(b"line %05d of a long message\r\n" % i for i in range(500))
    blobs.put(blobs.email_key(alice.account_id, "Mbig"), raw, "message/rfc822")
    result = one(
        client,
        "Blob/get",
        {
            "accountId": alice.account_id,
            "ids": ["Mbig"],
            "properties": ["digest:sha-256", "data", "size"],
            "offset": 7,
        },
    )
    [entry] = result["list"]
    assert entry["digest:sha-256"] == base64.b64encode(hashlib.sha256(raw[7:]).digest()).decode()
    assert entry["data:asText"] == raw[7:].decode()
    assert entry["size"] == len(raw)


def test_blob_get_argument_errors(client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    acc = alice.account_id
    blob_id = uploaded(client, acc, b"x" * 50)
    bad = [
        {"accountId": acc},
        {"accountId": acc, "ids": [blob_id], "properties": ["data", "digest:md5"]},
        {"accountId": acc, "ids": [blob_id], "offset": -1},
        {"accountId": acc, "ids": [blob_id], "length": "3"},
    ]
    for args in bad:
        [[name, result, _]] = jmap(client, [["Blob/get", args, "c"]])
        assert (name, result["type"]) == ("error", "invalidArguments"), args
    # Too much data for one response: requestTooLarge, with a hint
    from mailx.methods.blob import get

    monkeypatch.setattr(get, "MAX_DATA_OCTETS", 40)
    [[name, result, _]] = jmap(client, [["Blob/get", {"accountId": acc, "ids": [blob_id]}, "c"]])
    assert (name, result["type"]) == ("error", "requestTooLarge")
    size_only = one(client, "Blob/get", {"accountId": acc, "ids": [blob_id], "properties": ["size"]})
    assert size_only["list"] == [{"id": blob_id, "size": 50}]


def test_blob_methods_need_the_blob_capability(client: Any, alice: Any) -> None:
    [[name, result, _]] = jmap(
        client, [["Blob/get", {"accountId": alice.account_id, "ids": []}, "c"]], using=(CORE,)
    )
    assert (name, result["type"]) == ("error", "unknownMethod")


def _not_created(client: Any, account_id: str, upload: dict[str, Any]) -> dict[str, Any]:
    result = one(client, "Blob/upload", {"accountId": account_id, "create": {"k": upload}})
    assert result["created"] is None
    error: dict[str, Any] = result["notCreated"]["k"]
    return error


def test_blob_upload_set_errors(client: Any, alice: Any) -> None:
    acc = alice.account_id
    existing = uploaded(client, acc, b"0123456789")
    cases: list[tuple[dict[str, Any], str, list[str] | None]] = [
        ({"data": [{"data:asBase64": "not base64!"}]}, "invalidProperties", ["data"]),
        ({"data": [{"data:asBase64": "YWJj"}, {"data:asBase64": "YWJ"}]}, "invalidProperties", ["data"]),
        ({"data": [{"data:asText": "a", "data:asBase64": "YQ=="}]}, "invalidProperties", ["data"]),
        ({"data": [{}]}, "invalidProperties", ["data"]),
        ({"data": [{"data:asText": "a", "offset": 1}]}, "invalidProperties", ["data"]),
        ({"data": [{"blobId": existing, "offset": 11}]}, "invalidProperties", ["data"]),
        ({"data": [{"blobId": existing, "offset": 5, "length": 6}]}, "invalidProperties", ["data"]),
        ({"data": [{"blobId": existing, "length": -1}]}, "invalidProperties", ["data"]),
        ({"data": "text"}, "invalidProperties", ["data"]),
        ({}, "invalidProperties", ["data"]),
        ({"data": [], "type": "not a type"}, "invalidProperties", ["type"]),
        ({"data": [], "name": "x"}, "invalidProperties", ["name"]),
        ({"data": [{"data:asText": "x"}] * 65}, "invalidProperties", ["data"]),
    ]
    for upload, kind, properties in cases:
        error = _not_created(client, acc, upload)
        assert error["type"] == kind, (upload, error)
        assert error.get("properties") == properties, (upload, error)
    # Text that is not UTF-8 cannot even arrive: a lone surrogate makes the request not I-JSON
    body = json.dumps(
        {
            "using": [CORE, BLOB],
            "methodCalls": [
                [
                    "Blob/upload",
                    {"accountId": acc, "create": {"k": {"data": [{"data:asText": "\ud800"}]}}},
                    "c",
                ]
            ],
        }
    )
    response = client.post("/jmap/api", content=body, headers={**ALICE, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["type"] == "urn:ietf:params:jmap:error:notJSON"
    # Every unknown blob is named
    error = _not_created(
        client, acc, {"data": [{"blobId": "Bmissing1"}, {"blobId": existing}, {"blobId": "#nope"}]}
    )
    assert error == {
        "type": "blobNotFound",
        "description": error["description"],
        "notFound": ["Bmissing1", "#nope"],
    }


def test_blob_upload_limits(client: Any, alice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    acc = alice.account_id
    session = client.get("/jmap/session", headers=ALICE).json()
    advertised = session["accounts"][acc]["accountCapabilities"][BLOB]
    assert session["capabilities"][BLOB] == {}
    # maxDataSources sources are accepted...
    full = {"data": [{"data:asText": "x"}] * advertised["maxDataSources"]}
    ok = one(client, "Blob/upload", {"accountId": acc, "create": {"k": full}})
    assert ok["created"]["k"]["size"] == advertised["maxDataSources"]
    # ...and a blob over maxSizeBlobSet is tooLarge, found out before any octet is read
    chunk = uploaded(client, acc, b"z" * 1_000_000)
    sources = [{"blobId": chunk}] * (advertised["maxSizeBlobSet"] // 1_000_000 + 1)

    def no_reads(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("read a blob for a creation that was already too large")

    monkeypatch.setattr("mailx.store.blobs.get_range", no_reads)
    error = _not_created(client, acc, {"data": sources})
    assert error["type"] == "tooLarge"
    monkeypatch.undo()
    # exactly maxSizeBlobSet is fine
    at_limit = [{"blobId": chunk}] * (advertised["maxSizeBlobSet"] // 1_000_000)
    ok = one(client, "Blob/upload", {"accountId": acc, "create": {"k": {"data": at_limit}}})
    assert ok["created"]["k"]["size"] == advertised["maxSizeBlobSet"] // 1_000_000 * 1_000_000


def test_blob_upload_mixed_results_and_arguments(client: Any, alice: Any) -> None:
    acc = alice.account_id
    result = one(
        client,
        "Blob/upload",
        {
            "accountId": acc,
            "create": {
                "good": {"data": [{"data:asText": "ok"}], "type": "Text/Plain; charset=utf-8"},
                "empty": {"data": [], "type": None},
                "ref": {"data": [{"blobId": "#good"}, {"data:asBase64": None}]},
                "bad": {"data": [{"blobId": "#later"}]},
            },
        },
    )
    assert result["created"]["good"]["type"] == "text/plain; charset=utf-8"
    assert result["created"]["empty"] == {
        "id": result["created"]["empty"]["id"],
        "type": "application/octet-stream",
        "size": 0,
    }
    assert result["created"]["ref"]["size"] == 2
    assert result["notCreated"]["bad"]["type"] == "blobNotFound"
    for args in ({"accountId": acc}, {"accountId": acc, "create": {"bad id!": {"data": []}}}):
        [[name, error, _]] = jmap(client, [["Blob/upload", args, "c"]])
        assert (name, error["type"]) == ("error", "invalidArguments")
    [[name, error, _]] = jmap(client, [["Blob/upload", {"accountId": "Anope", "create": {}}, "c"]])
    assert (name, error["type"]) == ("error", "accountNotFound")


def test_blob_copy(client: Any, alice: Any, bob: Any) -> None:
    acc = alice.account_id
    blob_id = uploaded(client, acc, b"copy me")
    # Within one account the same blob comes back; unknown blobs are notFound
    result = one(
        client, "Blob/copy", {"fromAccountId": acc, "accountId": acc, "blobIds": [blob_id, "Bmissing"]}
    )
    assert result == {
        "fromAccountId": acc,
        "accountId": acc,
        "copied": {blob_id: blob_id},
        "notCopied": {
            "Bmissing": {"type": "notFound", "description": result["notCopied"]["Bmissing"]["description"]}
        },
    }
    none = one(client, "Blob/copy", {"fromAccountId": acc, "accountId": acc, "blobIds": ["Bmissing"]})
    assert none["copied"] is None
    all_ok = one(client, "Blob/copy", {"fromAccountId": acc, "accountId": acc, "blobIds": [blob_id]})
    assert all_ok["notCopied"] is None
    # Blob/copy is core: it needs no blob capability
    [[name, _, _]] = jmap(
        client, [["Blob/copy", {"fromAccountId": acc, "accountId": acc, "blobIds": []}, "c"]], using=(CORE,)
    )
    assert name == "Blob/copy"
    # Bob's account is not accessible to alice, as source or as target
    errors = {
        "fromAccountNotFound": {"fromAccountId": bob.account_id, "accountId": acc, "blobIds": [blob_id]},
        "accountNotFound": {"fromAccountId": acc, "accountId": bob.account_id, "blobIds": [blob_id]},
        "invalidArguments": {"fromAccountId": acc, "accountId": acc, "blobIds": "nope"},
    }
    for expected, args in errors.items():
        [[name, error, _]] = jmap(client, [["Blob/copy", args, "c"]])
        assert (name, error["type"]) == ("error", expected)


def test_copy_between_accounts_makes_an_independent_blob(client: Any, alice: Any, bob: Any) -> None:
    from mailx.blobs import find
    from mailx.blobs.copy import copy_blob
    from mailx.store import blobs

    source = uploaded(client, alice.account_id, b"shared bytes")
    copied = copy_blob(alice.account_id, bob.account_id, source)
    assert copied is not None and copied != source
    found = find(bob.account_id, copied)
    assert found is not None and found.read() == b"shared bytes"
    # Whole messages and parts copy too
    blobs.put(blobs.email_key(alice.account_id, "Mcopy"), b"Subject: x\r\n\r\nbody\r\n", "message/rfc822")
    message_copy = copy_blob(alice.account_id, bob.account_id, "Mcopy")
    assert message_copy is not None
    found = find(bob.account_id, message_copy)
    assert found is not None and found.read() == b"Subject: x\r\n\r\nbody\r\n"
    assert copy_blob(alice.account_id, bob.account_id, "Bmissing") is None
