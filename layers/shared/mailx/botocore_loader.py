"""A botocore data loader that checks a service name by looking in one directory, not all of them.

botocore's Loader confirms that a service exists by listing every service directory it ships (~400
`listdir` calls) — twice per client (API model and endpoint rules), ~25 ms of a Lambda cold start.
`DirectLoader` answers `name in list_available_services(...)` from that service's own directory and
builds the full list only if something iterates it. Installed on the sessions behind every client
(`install()`); the loaded models and endpoint data are exactly botocore's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from botocore.loaders import Loader, create_loader


class ServiceNames(Sequence[str]):
    """The available services: `in` looks at one directory; the full list is built on first iteration."""

    def __init__(self, has_service: Callable[[str], bool], every_service: Callable[[], list[str]]) -> None:
        self._has_service = has_service
        self._every_service = every_service
        self._all: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._has_service(name)

    def _names(self) -> list[str]:
        if self._all is None:
            self._all = self._every_service()
        return self._all

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class DirectLoader(Loader):
    """botocore's Loader with a cheap service-name check (callers only test `in` and iterate)."""

    def list_available_services(self, type_name: str) -> ServiceNames:  # type: ignore[override]
        def every_service() -> list[str]:
            names: list[str] = Loader.list_available_services(self, type_name)
            return names

        return ServiceNames(lambda name: self._has_service(name, type_name), every_service)

    def _has_service(self, name: str, type_name: str) -> bool:
        """Like botocore: some API version directory of NAME holds a TYPE_NAME file."""
        if not name or os.sep in name or name.startswith("."):
            return False
        for path in self.search_paths:
            service_dir = os.path.join(path, name)
            if not os.path.isdir(service_dir):
                continue
            for version in os.listdir(service_dir):
                if self.file_loader.exists(os.path.join(service_dir, version, type_name)):
                    return True
        return False


def install(session: Any) -> Any:
    """Give a botocore SESSION the DirectLoader (same search path as its own would have); returns it."""
    default: Loader = create_loader(session.get_config_variable("data_path"))
    loader = DirectLoader(extra_search_paths=list(default.search_paths), include_default_search_paths=False)
    session.register_component("data_loader", loader)
    return session
