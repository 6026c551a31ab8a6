"""Lambda entry for the JMAP function: Powertools logging around Mangum, nothing else."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from jmap_api.app import app

logger = Logger(service="mailx-jmap")
_adapter: Any = None


def _mangum() -> Any:
    global _adapter
    if _adapter is None:
        from mangum import Mangum

        _adapter = Mangum(app, lifespan="off", api_gateway_base_path="/")
    return _adapter


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) event in, HTTP response out."""
    result: dict[str, Any] = _mangum()(event, context)
    return result
