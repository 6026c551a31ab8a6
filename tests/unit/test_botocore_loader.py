"""DirectLoader answers service-name checks from one directory and otherwise behaves like botocore's."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from mailx import botocore_loader


def test_names_are_checked_without_listing_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = botocore_loader.DirectLoader()

    def refuse(*_: object) -> list[str]:
        raise AssertionError("the whole service list was built")

    monkeypatch.setattr(Loader, "list_available_services", refuse)
    names = loader.list_available_services("service-2")
    assert "dynamodb" in names and "s3" in names and "sesv2" in names
    assert "no-such-service" not in names and "../dynamodb" not in names and "" not in names
    assert "dynamodb" in loader.list_available_services("endpoint-rule-set-1")


def test_iterating_gives_botocores_own_list() -> None:
    names = botocore_loader.DirectLoader().list_available_services("service-2")
    assert list(names) == Loader().list_available_services("service-2")
    assert len(names) > 100 and names[0] == sorted(names)[0]


def test_a_session_with_it_builds_clients_and_still_rejects_unknown_services() -> None:
    session = botocore_loader.install(botocore.session.get_session())
    client = session.create_client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    assert client.meta.service_model.service_name == "dynamodb"
    with pytest.raises(UnknownServiceError):
        session.create_client("no-such-service", region_name="us-east-1")
