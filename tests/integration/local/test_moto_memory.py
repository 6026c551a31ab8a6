"""The test harness and the local runtime keep moto's memory flat (mailx.local.moto_memory)."""

from __future__ import annotations

import gc
from typing import Any

from mailx.mail.ingest import ingest
from tests.helpers.mailboxes import inbox_id
from tests.helpers.messages import mail


def _live(kind: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is kind)


def test_ingests_leave_no_item_versions_or_table_copies_behind(alice: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    inbox = inbox_id(alice.account_id)
    for n in range(40):
        ingest(alice.account_id, mail(f"m{n}@example.com", f"Memory {n}"), mailbox_ids=[inbox])
    stored = sum(
        len(list(table.all_items()))
        for backend in dynamodb_backends.values()
        for region in backend.values()
        for table in region.tables.values()
    )
    # Every transaction deep-copies the tables it touches and every write makes new Items; moto's
    # tracker used to keep all of them (here: tens of thousands of Items, hundreds of Tables).
    assert Item.instances_tracked == [] and Table.instances_tracked == []  # type: ignore[attr-defined]
    assert _live(Item) <= 2 * stored
    assert _live(Table) <= 2 * sum(len(r.tables) for b in dynamodb_backends.values() for r in b.values())


def test_a_cancelled_transaction_restores_exactly_the_items_it_touched(aws: None) -> None:
    """Transactions roll back item by item (no whole-table copies): a cancelled one leaves every item
    as it was, updated, replaced, deleted or created, and the next one sees the same state."""
    import boto3
    import pytest
    from botocore.exceptions import ClientError

    from mailx.config import get_settings

    db = boto3.client("dynamodb", region_name="us-east-1")
    table = f"{get_settings().table_prefix}kv"
    for key, value in (("a", "1"), ("b", "2"), ("c", "3")):
        db.put_item(
            TableName=table, Item={"key": {"S": key}, "value": {"S": value}, "blob": {"B": b"\x00\xff"}}
        )
    before = {i["key"]["S"]: i for i in db.scan(TableName=table)["Items"]}
    update = {
        "TableName": table,
        "Key": {"key": {"S": "a"}},
        "UpdateExpression": "SET #v = :v",
        "ExpressionAttributeNames": {"#v": "value"},
        "ExpressionAttributeValues": {":v": {"S": "9"}},
    }
    check = {
        "TableName": table,
        "Key": {"key": {"S": "zzz"}},
        "ConditionExpression": "attribute_exists(#k)",
        "ExpressionAttributeNames": {"#k": "key"},
    }
    items: list[Any] = [
        {"Update": update},
        {"Put": {"TableName": table, "Item": {"key": {"S": "b"}, "value": {"S": "replaced"}}}},
        {"Delete": {"TableName": table, "Key": {"key": {"S": "c"}}}},
        {"Put": {"TableName": table, "Item": {"key": {"S": "new"}, "value": {"S": "x"}}}},
        {"ConditionCheck": check},
    ]
    with pytest.raises(ClientError) as failed:
        db.transact_write_items(TransactItems=items)
    assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
    after = {i["key"]["S"]: i for i in db.scan(TableName=table)["Items"]}
    assert after == before
    # And without the failing check, the same transaction applies in full
    db.transact_write_items(TransactItems=items[:4])
    applied = {i["key"]["S"]: i["value"]["S"] for i in db.scan(TableName=table)["Items"]}
    assert applied == {"a": "9", "b": "replaced", "new": "x"}
