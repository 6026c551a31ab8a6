"""Inbound routing by envelope recipient: addresses, subaddresses, postmaster, catch-all, unknown."""

from __future__ import annotations

from typing import Any

from mailx.mail.routing import route
from mailx.store import config_store
from mailx.store.config_store import DomainRecord


def test_assigned_address_and_subaddress(alice: Any, bob: Any) -> None:
    result = route(["Alice@Example.com", "bob+lists@example.com", "alice@example.com"])
    assert [(r.recipient, r.account_id, r.reason) for r in result.routes] == [
        ("Alice@Example.com", alice.account_id, "address"),
        ("bob+lists@example.com", bob.account_id, "subaddress"),
    ]
    assert result.unknown == []
    assert result.accounts == [alice.account_id, bob.account_id]


def test_unknown_recipients_and_foreign_domains(alice: Any) -> None:
    result = route(["nobody@example.com", "alice@elsewhere.org", "not-an-address", "<>"])
    assert result.routes == []
    assert result.unknown == ["nobody@example.com", "alice@elsewhere.org", "not-an-address", "<>"]


def test_postmaster_defaults_to_first_account_then_configured(alice: Any, bob: Any) -> None:
    first = route(["postmaster@example.com"]).routes[0]
    assert (first.account_id, first.reason) == (alice.account_id, "postmaster")
    config_store.put_domain(DomainRecord("example.com", bob.account_id, None))
    assert route(["PostMaster@example.com"]).routes[0].account_id == bob.account_id
    # postmaster of a domain that is not ours is unknown
    assert route(["postmaster@elsewhere.org"]).unknown == ["postmaster@elsewhere.org"]


def test_catch_all_takes_unknown_local_parts_of_its_domain(alice: Any, bob: Any) -> None:
    config_store.put_domain(DomainRecord("catch.example", None, bob.account_id))
    result = route(["anything@catch.example", "else+tag@catch.example", "who@example.com"])
    assert [(r.account_id, r.reason) for r in result.routes] == [
        (bob.account_id, "catch-all"),
        (bob.account_id, "catch-all"),
    ]
    assert result.accounts == [bob.account_id]
    assert result.unknown == ["who@example.com"]
