"""`mailx quota show|set|reset` against the real app under uvicorn (moto behind it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.cli import KEY, run, run_json


def test_quota_show_set_reset(url: str, alice: Any, capsys: pytest.CaptureFixture[str]) -> None:
    common = ("--url", url, "--key", KEY)
    # Given an account on the deployment defaults
    code, out, err = run(capsys, *common, "quota", "show", "alice@example.com")
    assert code == 0, err
    assert out.splitlines() == [
        f"account {alice.account_id} (deployment defaults)",
        "quota   used  hard limit   warn limit  soft limit",
        "octets  0     10737418240  -           -",
        "count   0     1000000      -           -",
    ]
    # When it gets its own limits
    data = run_json(
        capsys,
        *common,
        "quota",
        "set",
        "alice",
        "--octets",
        "5000000",
        "--warn-octets",
        "4000000",
        "--count",
        "500",
    )
    assert data["custom"] is True
    assert data["quotas"]["octets"] == {
        "used": 0,
        "hardLimit": 5000000,
        "warnLimit": 4000000,
        "softLimit": None,
    }
    assert data["quotas"]["count"] == {"used": 0, "hardLimit": 500, "warnLimit": None, "softLimit": None}
    # Then the JMAP Quota objects show them
    from mailx.store import quota

    view, _ = quota.read(alice.account_id)
    assert view.limits["octets"] == quota.Limit(5000000, 4000000, None)
    # An inconsistent set is refused with the server's reason
    code, _, err = run(capsys, *common, "quota", "set", "alice", "--count", "10", "--warn-count", "20")
    assert code == 1 and "warnLimit <= softLimit <= hardLimit" in err
    # And reset goes back to the defaults
    code, out, _ = run(capsys, *common, "quota", "reset", "alice")
    assert code == 0 and "(deployment defaults)" in out
    code, out, _ = run(capsys, *common, "quota", "recount", "alice")
    assert code == 0 and out.splitlines()[2].startswith("octets  0")
    code, _, err = run(capsys, *common, "quota", "show", "nobody")
    assert code == 1 and "no such account" in err
