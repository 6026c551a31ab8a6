"""Creating the tables: the accounts table's stream (the push change feed), also on a table made before it."""

from __future__ import annotations

import boto3

from mailx.store import tables


def _stream(table: str) -> dict[str, object]:
    described = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=table)["Table"]
    return dict(described.get("StreamSpecification", {}))


def test_the_accounts_table_has_a_stream_with_both_images(aws: None) -> None:
    assert _stream("test-accounts") == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert _stream("test-kv") == {}  # only the change feed's table


def test_a_table_made_without_the_stream_gets_it(aws: None) -> None:
    # Given an accounts table as an older data folder has it: no stream
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.delete_table(TableName="test-accounts")
    client.create_table(
        TableName="test-accounts",
        KeySchema=[{"AttributeName": "account_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "account_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert _stream("test-accounts") == {}
    # When the tables are created again (every start of the local runtime)
    tables.create_all()
    # Then the stream is on
    assert _stream("test-accounts") == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
