"""One live local runtime per test session (per xdist worker); the tail of its log is attached to every failed
test's report. The runtime itself and the accounts and mail around it are in tests/helpers/e2e.py."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from tests.helpers.e2e import LOG_TAIL, Runtime, start, stop

_RUNNING: list[Runtime] = []


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """The session's one runtime (per xdist worker), stopped with SIGINT at the end."""
    started = start(tmp_path_factory.mktemp("mailx-e2e") / "dev-data")
    _RUNNING.append(started)
    try:
        yield started
    finally:
        stop(started)
        _RUNNING.remove(started)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the tail of the runtime's log to every failed test."""
    report = yield
    if report.failed and _RUNNING:
        report.sections.append((f"mailx runtime log (last {LOG_TAIL} lines)", _RUNNING[0].tail()))
    return report
