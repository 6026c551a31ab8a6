"""A progress bar on a terminal (rich): messages done of total, octets, rate and time left.

Off a terminal (a pipe, a log, the tests) nothing is drawn; the final summary is printed either way.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Progress:
    """advance() from any thread; a no-op when disabled or when rich is not installed."""

    def __init__(self, label: str, enabled: bool | None = None, width: int | None = None) -> None:
        self.label = label
        self.width = width
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def start(self, count: int | None, octets: int | None) -> None:
        if not self.enabled:
            return
        try:
            from rich import filesize
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar
        except ImportError:
            return
        self._bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("messages  {task.fields[octets]}  {task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True, width=self.width),
        )
        self._bar.start()
        self._octets = 0
        self._total = f" of {filesize.decimal(octets)}" if octets else ""
        self._task = self._bar.add_task(self.label, total=count, octets="", rate="")

    def advance(self, count: int, octets: int) -> None:
        if self._bar is None:
            return
        from rich import filesize

        self._octets += octets
        task = self._bar.tasks[0]
        seconds = max(task.elapsed or 0.0, 1e-3)
        self._bar.update(
            self._task,
            advance=count,
            octets=f"{filesize.decimal(self._octets)}{self._total}",
            rate=f"{(task.completed + count) / seconds:.1f} msg/s, "
            f"{filesize.decimal(int(self._octets / seconds))}/s",
        )

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
