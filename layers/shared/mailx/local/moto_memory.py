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
    """Make moto's DynamoDB Item and Table (and subclasses) untracked; idempotent, once per process."""
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    for model in (Item, Table):
        if model.__dict__.get(_MARK):
            continue
        model.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign]
        setattr(model, _MARK, True)
        getattr(model, "instances_tracked").clear()  # noqa: B009  (moto sets it via a metaclass)
