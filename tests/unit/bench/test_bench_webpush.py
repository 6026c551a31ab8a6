"""bench.webpush runs: every round's push reaches the receiver, one Query a round, and the month is priced."""

from __future__ import annotations

import pytest


def test_each_round_pushes_to_every_subscription_with_one_query() -> None:
    from bench import harness

    harness.add_paths()
    from bench import webpush

    result = webpush.measure(rounds=3, subscriptions=2)
    assert len(result.latencies_ms) == 6 and len(result.durations_ms) == 3
    assert all(latency > 0 for latency in result.latencies_ms)
    assert result.ddb_calls == 1  # the subscriptions' Query; a delivered push writes nothing
    month = webpush.monthly(6000, 150, 0.5)
    assert month["lambda_duration"] == pytest.approx(6000 * 0.15 * 0.0000133334)
    assert month["dynamodb"] == pytest.approx(6000 * 0.5 * 0.125 / 1e6)
    assert month["logs"] == pytest.approx(6000 * 350 / 1e9 * 0.50)  # docs/push.md's 2.1 MB, US$0.0010
    from bench.report import percentile

    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
