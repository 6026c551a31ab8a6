"""Binding pynamodb models to tables at first use, and creating the tables for local runs and tests.

Model classes carry placeholder table names; `bind()` sets the real names (TABLE_PREFIX + name), the
endpoint and region from Settings, so nothing is read from the environment at import.
"""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.connection import Connection
from pynamodb.models import Model

from mailx import aws, botocore_loader
from mailx.config import get_settings
from mailx.store import model_registry, models  # noqa: F401  (importing models registers them)

_lock = threading.Lock()
_bound = False
_models = model_registry.MODELS
_connection: Connection | None = None


# DynamoDB refuses (ValidationException) an empty key and a sort key over 1,024 bytes; such a key can
# name no item, so look-ups answer "not found" before asking rather than turning bad input into a 500.
MAX_KEY_BYTES = 1024


def key_can_exist(value: str) -> bool:
    """Whether VALUE could be a stored key at all (callers answer "not found" when it cannot)."""
    return 0 < len(value.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES


def all_models() -> list[type[Model]]:
    """Every registered model (importing store.models, above, registers them)."""
    return list(_models)


def bind() -> None:
    """Point every model at its table and endpoint; cheap after the first call."""
    global _bound, _connection
    if _bound:
        return
    with _lock:
        if _bound:
            return
        settings = get_settings()
        host = settings.aws_endpoint_url or None
        for model in _models:
            meta: Any = model.Meta
            meta.table_name = settings.table_prefix + meta.base_name
            meta.region = settings.aws_region
            meta.host = host
            meta.max_retry_attempts = 5
            model._connection = None
        _connection = Connection(region=settings.aws_region, host=host, max_retry_attempts=5)
        botocore_loader.install(_connection.session)
        # One botocore client for every table: each costs ~50-100 ms to build (cold start, tests).
        shared_client = _connection.client
        for model in _models:
            model._get_connection().connection._client = shared_client
        _bound = True


def unbind() -> None:
    """Forget the binding (tests that change settings or restart moto)."""
    global _bound, _connection
    with _lock:
        _bound = False
        _connection = None
        for model in _models:
            model._connection = None


def connection() -> Connection:
    """The low-level connection used for transactions across tables."""
    bind()
    assert _connection is not None
    return _connection


def create_all() -> None:
    """Create every table that does not exist yet, with TTL and streams where the model asks for them.

    Used by the local runtime and the tests; deployed stacks get their tables from template.yaml.
    """
    bind()
    for model in _models:
        if model.exists():
            _ensure_stream(model)
            continue
        model.create_table(billing_mode="PAY_PER_REQUEST", wait=False)  # moto: ACTIVE at once
        ttl_attr = getattr(model.Meta, "ttl_attribute", None)
        if ttl_attr:
            client: Any = model._get_connection().connection.client
            client.update_time_to_live(
                TableName=model.Meta.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attr},
            )


def _ensure_stream(model: type[Model]) -> None:
    """Turn on the model's stream on a table created before it had one (a data folder of an older run)."""
    view = getattr(model.Meta, "stream_view_type", None)
    if not view:
        return
    client: Any = model._get_connection().connection.client
    described = client.describe_table(TableName=model.Meta.table_name)["Table"]
    if not described.get("StreamSpecification", {}).get("StreamEnabled"):
        client.update_table(
            TableName=model.Meta.table_name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        )


aws.on_reset(unbind)
