"""RFC 9404 §4.2 Blob/get ranges: what is selected, and exactly when isTruncated is set."""

from __future__ import annotations

import pytest

from mailx.methods.blob.get import _Range


@pytest.mark.parametrize(
    ("offset", "length", "size", "bounds", "truncated"),
    [
        (0, None, 10, (0, 10), False),
        (4, 3, 10, (4, 7), False),
        (4, 6, 10, (4, 10), False),
        (4, 7, 10, (4, 10), True),
        (10, None, 10, (10, 10), False),  # at the end, no length: nothing asked past the end
        (11, None, 10, (10, 10), True),  # RFC 9404 §4.2: only a start past the end warns
        (10, 0, 10, (10, 10), False),
        (20, 100, 11, (11, 11), True),
    ],
)
def test_blob_get_range_rules(
    offset: int, length: int | None, size: int, bounds: tuple[int, int], truncated: bool
) -> None:
    selected = _Range(offset, length)
    assert selected.bounds(size) == bounds
    assert selected.truncated(size) is truncated
