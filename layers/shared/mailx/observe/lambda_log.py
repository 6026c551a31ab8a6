"""Powertools logging for every function: library loggers routed through it, one line per invocation.

The `mailx.*` loggers of the shared package would otherwise print plain text through Lambda's root
handler, and at Lambda's default WARNING level their INFO lines were dropped. Routed here they share the
function's JSON formatter — and so its keys: the cold-start flag, the request id, the correlation id.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

LIBRARY_LOGGERS = ("mailx", "jmap_api")
Handler = TypeVar("Handler", bound=Callable[..., Any])


def function_logger(service: str) -> Logger:
    """The function's Powertools Logger, with the shared package's loggers writing through it."""
    from mailx.observe import metrics

    logger = Logger(service=service)
    route_library_loggers(logger)
    metrics.set_service(service)
    return logger


def route_library_loggers(logger: Logger) -> None:
    """Send mailx.* (and the app's) records to LOGGER's JSON handler at its level, and only there."""
    handler = logger.registered_handler
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers = [handler]
        library.setLevel(logger.log_level)
        library.propagate = False


def _summary(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        if "statusCode" in result:
            return {"status": result["statusCode"]}
        if "batchItemFailures" in result:
            return {"batchItemFailures": len(result["batchItemFailures"])}
    return {}


def log_invocation(
    logger: Logger, *, records: Callable[[dict[str, Any]], int] | None = None
) -> Callable[[Handler], Handler]:
    """Decorator: one `invocation` line per call (outcome, duration, record count), errors included."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(event: dict[str, Any], context: Any) -> Any:
            from mailx.observe import metrics

            metrics.set_service(logger.service)  # per invocation: one process may import several handlers
            started = time.perf_counter()
            extra: dict[str, Any] = {}
            if records is not None:
                extra["records"] = records(event)
            try:
                result = handler(event, context)
            except Exception as exc:
                extra.update(outcome="error", error=type(exc).__name__)
                raise
            else:
                extra.update(outcome="ok", **_summary(result))
                return result
            finally:
                extra["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
                logger.info("invocation", extra=extra)

        return run  # type: ignore[return-value]

    return wrap


def record_count(event: dict[str, Any]) -> int:
    """How many records an SQS or SES event carries."""
    items = event.get("Records")
    return len(items) if isinstance(items, list) else 0
