"""moto for the benchmarks: environment, tables and bucket, the app client, and AWS call meters."""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PATHS = (
    ROOT / "layers" / "shared",
    ROOT / "functions" / "jmap",
    ROOT / "functions" / "websocket",
    ROOT / "functions" / "push",
)

ENV = {
    "TOKEN_SECRET": "bench-token-secret-0123456789abcdef",
    "MANAGEMENT_KEY": "bench-management-key",
    "PUBLIC_BASE_URL": "https://mail.example.test",
    "DOMAIN": '["example.com"]',
    "TABLE_PREFIX": "bench-",
    "BUCKET_NAME": "mailx-bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
USER, PASSWORD = "alice", "correct horse battery"

_CAPACITY_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem",
                                  "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                                  "TransactGetItems"})  # fmt: skip

# DynamoDB bills reads in 4 KB units (strongly consistent), writes in 1 KB units, transactions double.
_READ_UNIT, _WRITE_UNIT = 4096, 1024


def add_paths() -> None:
    """Make `mailx` and `jmap_api` importable when run as `python -m bench` from the repo root."""
    for path in PATHS:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def reset_caches() -> None:
    """Forget settings, clients, the table binding and the sign-in caches (as the tests do)."""
    from mailx import aws, config
    from mailx.auth import authenticate
    from mailx.store import config_store

    config.reset_settings()
    aws.reset()
    authenticate.forget_cache()
    config_store.forget_cache()


@contextmanager
def moto() -> Iterator[None]:
    """An in-process moto with every table and the bucket created, and the environment pointing at it."""
    add_paths()
    saved = dict(os.environ)
    os.environ.update(ENV)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    from moto import mock_aws

    try:
        with mock_aws():
            reset_caches()
            from mailx.store import blobs, tables

            tables.create_all()
            blobs.ensure_bucket()
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()


def item_size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules (attribute names plus values), from its wire form."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return len(str(inner).lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    return sum(len(str(v).encode()) for v in inner)  # SS, NS, BS


@dataclass
class Meter:
    """DynamoDB and S3 calls by operation, items read and written, and estimated capacity units."""

    dynamodb: Counter[str] = field(default_factory=Counter)
    s3: Counter[str] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)  # SQS and anything else metered
    read: Counter[str] = field(default_factory=Counter)
    written: int = 0
    bytes_put: int = 0  # sizes of the whole items put (updates and deletes carry no item size)
    rcu: float = 0.0
    wcu: float = 0.0
    reported: float = 0.0  # ConsumedCapacity as moto returns it: 1 per item or call, whatever the size

    @property
    def ddb_calls(self) -> int:
        return sum(self.dynamodb.values())

    @property
    def s3_calls(self) -> int:
        return sum(self.s3.values())

    @property
    def items_read(self) -> int:
        return sum(self.read.values())

    def on_s3(self, event_name: str, **_: Any) -> None:
        self.s3[event_name.rsplit(".", 1)[-1]] += 1

    def on_other(self, event_name: str, **_: Any) -> None:
        parts = event_name.split(".")
        self.other[f"{parts[1].upper()} {parts[-1]}"] += 1

    def on_request(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.dynamodb[operation] += 1
        if operation in _CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")  # what DynamoDB would bill (moto: a guess)
        for item, transactional in _written_items(operation, params):
            self.written += 1
            self.bytes_put += item_size(item) if item else 0
            units = max(1, math.ceil(item_size(item) / _WRITE_UNIT)) if item else 1
            self.wcu += units * (2 if transactional else 1)

    def on_reply(self, event_name: str, parsed: dict[str, Any], **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        for entry in _as_list(parsed.get("ConsumedCapacity")):
            self.reported += float(entry.get("CapacityUnits", 0))
        if operation in ("Query", "Scan"):
            self.read[operation] += int(parsed.get("Count", 0))
            size = sum(item_size(i) for i in parsed.get("Items", []))
            self.rcu += max(1, math.ceil(size / _READ_UNIT))
        elif operation == "BatchGetItem":
            found = [i for items in parsed.get("Responses", {}).values() for i in items]
            self.read[operation] += len(found)
            self.rcu += sum(max(1, math.ceil(item_size(i) / _READ_UNIT)) for i in found)
        elif operation == "GetItem":
            self.read[operation] += int("Item" in parsed)
            self.rcu += max(1, math.ceil(item_size(parsed.get("Item", {})) / _READ_UNIT))


def _as_list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _written_items(operation: str, params: dict[str, Any]) -> Iterator[tuple[dict[str, Any], bool]]:
    """(item or {} when its size is unknown, transactional?) for every item a write call changes."""
    if operation == "PutItem":
        yield params.get("Item", {}), False
    elif operation in ("UpdateItem", "DeleteItem"):
        yield {}, False
    elif operation == "BatchWriteItem":
        for requests in params.get("RequestItems", {}).values():
            for request in requests:
                yield request.get("PutRequest", {}).get("Item", {}), False
    elif operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            if "ConditionCheck" not in entry:
                yield entry.get("Put", {}).get("Item", {}), True


@contextmanager
def metering() -> Iterator[Meter]:
    """Meter every call on the shared pynamodb client and the shared S3 client while active."""
    from mailx import aws
    from mailx.store import tables

    meter = Meter()
    s3_events = aws.s3().meta.events
    ddb_events = tables.connection().client.meta.events
    hooks: list[tuple[Any, str, Callable[..., None]]] = [
        (s3_events, "before-call.s3.*", meter.on_s3),
        (aws.sqs().meta.events, "before-call.sqs.*", meter.on_other),
        (ddb_events, "before-parameter-build.dynamodb.*", meter.on_request),
        (ddb_events, "after-call.dynamodb.*", meter.on_reply),
    ]
    for events, name, hook in hooks:
        events.register(name, hook)
    try:
        yield meter
    finally:
        for events, name, hook in hooks:
            events.unregister(name, hook)
