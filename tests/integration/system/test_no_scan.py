"""The suite-wide Scan guard itself works: a Scan through the shared client fails loudly."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_scan_is_refused(aws: None) -> None:
    from mailx.store import tables
    from mailx.store.models import Account

    client: Any = tables.connection().client
    with pytest.raises(AssertionError, match="Scan"):
        client.scan(TableName=Account.Meta.table_name)
