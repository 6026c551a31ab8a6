"""bench.push's arithmetic: latency percentiles, and the month of one connected client from counted steps."""

from __future__ import annotations

from bench.push import Step, monthly, percentiles


def test_percentiles_are_nearest_rank() -> None:
    figures = percentiles([float(n) for n in range(100, 0, -1)])
    assert figures == {"p50": 50.0, "p90": 90.0, "p99": 99.0, "max": 100.0}
    # Nearest rank rounds the rank up: the 90th of 5 is the 5th, the median of 6 the 3rd.
    assert percentiles([1.0, 2.0, 3.0, 4.0, 5.0])["p90"] == 5.0
    assert percentiles([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])["p50"] == 3.0
    assert percentiles([7.0]) == {"p50": 7.0, "p90": 7.0, "p99": 7.0, "max": 7.0}


def test_the_month_counts_reconnects_keepalives_and_pushes() -> None:
    names = (
        "$connect authorizer",
        "$connect x",
        "WebSocketPushEnable x",
        "keep-alive x",
        "push x",
        "$disconnect",
    )
    steps = [Step(name, rru=1.0, writes=1, calls="", seconds=0.0) for name in names]
    items = {name: (count, dollars) for name, count, dollars in monthly(steps, changes=1000, billed_ms=50)}
    # 360 reconnects (every 2 h), 4,800 keep-alives (every 9 min), 1,000 pushes
    assert items["API Gateway messages (in + out)"][0] == 360 * 2 + 4800 * 2 + 1000
    assert items["API Gateway connection-minutes"][0] == 43200
    assert round(items["API Gateway connection-minutes"][1], 6) == 0.0108
    assert items["Lambda requests (WebSocket + push)"][0] == 360 * 4 + 4800 + 1000
    assert items["DynamoDB read units"][0] == 360 * 4 + 4800 + 1000
    assert items["DynamoDB write units"][0] == 360 * 3
