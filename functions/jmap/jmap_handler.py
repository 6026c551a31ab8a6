"""Lambda entry for the JMAP function: Powertools logging around Mangum, nothing else.

Each invocation is one HTTP request, logged once as a `request` line (jmap_api.request_log) with the
API Gateway request id as correlation id; the shared package's loggers write through the same JSON
handler.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from jmap_api.app import app
from mailx.observe import metrics
from mailx.observe.lambda_log import function_logger

logger = function_logger("mailx-jmap")
_adapter: Any = None


def _mangum() -> Any:
    global _adapter
    if _adapter is None:
        from mangum import Mangum

        _adapter = Mangum(app, lifespan="off", api_gateway_base_path="/")
    return _adapter


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) event in, HTTP response out."""
    metrics.set_service(logger.service)  # the counts' service dimension, whatever else was imported
    result: dict[str, Any] = _mangum()(event, context)
    return result
