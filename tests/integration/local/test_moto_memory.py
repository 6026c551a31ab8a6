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
