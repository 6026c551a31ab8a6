"""In-process background workers of the local runtime: what a worker is, starting and stopping them.

On AWS each consumer is its own Lambda function; in the local runtime the same logic runs in a thread
next to the API. `mailx.local.dev` lists the worker factories; it starts every worker after storage is
ready and stops them, in reverse order, before moto goes away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

logger = logging.getLogger("mailx.local.workers")


@dataclass(frozen=True)
class RuntimeInfo:
    """What a worker may need to know about the running local stack."""

    data_dir: Path
    aws_endpoint_url: str
    base_url: str


class Worker(Protocol):
    """A background task with an explicit lifetime; stop() must return promptly."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


WorkerFactory = Callable[[RuntimeInfo], Worker]


def start_all(info: RuntimeInfo, factories: list[WorkerFactory]) -> list[Worker]:
    """Build and start every worker of FACTORIES; if one fails, those already started are stopped."""
    started: list[Worker] = []
    try:
        for factory in factories:
            worker = factory(info)
            worker.start()
            logger.info("started worker %s", worker.name)
            started.append(worker)
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(workers: list[Worker]) -> None:
    """Stop workers in reverse start order; one failing to stop does not keep the others running."""
    for worker in reversed(workers):
        try:
            worker.stop()
        except Exception:
            logger.exception("worker %s failed to stop cleanly", worker.name)
