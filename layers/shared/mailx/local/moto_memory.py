"""Keep moto's memory flat: its DynamoDB items and tables are not tracked for ever.

moto's BaseModel appends every instance it ever makes to `<Model>.instances_tracked` (for its
dashboard), and nothing removes them until the mock is reset. Every DynamoDB write makes new `Item`s,
and every TransactWriteItems deep-copies each table it touches (to roll back on failure), so the
tracked lists keep every version of every item and a full copy of the tables per transaction: 300
ingests reached 2 GB, and `make fuzz` was killed at 24 GB. Items and tables are only ever reached
through the backend, so they simply stop being tracked. Used by the local runtime and the tests;
nothing of this runs in AWS.
"""

from __future__ import annotations

from typing import Any

_MARK = "_mailx_untracked"


def _untracked_new(cls: type, *_args: Any, **_kwargs: Any) -> Any:
    return object.__new__(cls)


def stop_tracking_dynamodb_models() -> None:
    """Make moto's DynamoDB Item and Table (and subclasses) untracked, and transactions roll back item
    by item (undo_transactions_by_item); idempotent, once per process."""
    undo_transactions_by_item()
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    for model in (Item, Table):
        if model.__dict__.get(_MARK):
            continue
        model.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign]
        setattr(model, _MARK, True)
        getattr(model, "instances_tracked").clear()  # noqa: B009  (moto sets it via a metaclass)


_UNDO_MARK = "_mailx_item_undo"


class _NoTableCopies:
    """Stands in for the `copy` module inside moto.dynamodb.models: a Table is not deep-copied.

    moto backs up every table a TransactWriteItems touches with copy.deepcopy (to roll back on failure),
    which costs time in proportion to the table: replaying the local runtime's write log got slower with
    every transaction (291 writes in 10.7 s, 693 in 54.6 s). `undo_transactions_by_item` keeps the
    rollback, item by item, instead.
    """

    def __init__(self, real: Any) -> None:
        self.real = real

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else self.real.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _touched_key(table: Any, op: dict[str, Any]) -> dict[str, Any] | None:
    if "Item" in op:
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    given = op.get("Key")
    return given if isinstance(given, dict) else None


def undo_transactions_by_item() -> None:
    """TransactWriteItems rolls back the items it touched (copies of those items only), not whole
    tables; same outcome, cost in proportion to the transaction. Idempotent, once per process."""
    import copy

    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend

    if DynamoDBBackend.__dict__.get(_UNDO_MARK):
        return
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        for entry in transact_items[:100]:
            try:
                _, op = next(iter(entry.items()))
                table = self.tables[op["TableName"]]
                key = _touched_key(table, op)
                if key is None:
                    continue
                hash_value, range_value = self.get_keys_value(table, key)
                current = table.get_item(hash_value, range_value)
            except Exception:  # noqa: S112 - malformed: moto's own checks answer it, nothing was changed
                continue
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                table.delete_item(hash_value, range_value)
                if item is not None and range_value is not None:
                    table.items[hash_value][range_value] = item
                elif item is not None:
                    table.items[hash_value] = item
            raise

    setattr(dynamodb_models, "copy", _NoTableCopies(copy))  # noqa: B010 - replaces the module it imported
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    setattr(DynamoDBBackend, _UNDO_MARK, True)
