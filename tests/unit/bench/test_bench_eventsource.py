"""bench.eventsource runs, and prices what it counts: two strong reads a steady buffered response."""

from __future__ import annotations

import pytest


def test_a_steady_response_is_two_reads_and_the_month_is_priced_from_them() -> None:
    from bench import harness

    harness.add_paths()
    from bench import eventsource

    steady, verify = eventsource.measure(runs=2)
    assert all(s.calls == {("GetItem", True): 1, ("Query", True): 1} for s in steady)
    assert all(s.rru == 2 for s in steady) and all(v.rru > 2 for v in verify)
    month = eventsource.monthly(steady, verify, retry=60, billed=(0.05, 0.15))
    assert month["responses"] == pytest.approx(30 * 86400 / 60.07, rel=1e-3)
    assert month["http_api"] == pytest.approx(month["responses"] / 1e6)
    assert month["dynamodb"] == pytest.approx(month["responses"] * 2.5 * 0.125 / 1e6)
