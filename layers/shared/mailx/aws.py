"""Lazy AWS clients: nothing is built at import, everything honours a configured endpoint.

Tests swap the whole set with `reset()` after starting moto, so no client escapes the mock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mailx.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

_lock = threading.Lock()
_clients: dict[str, Any] = {}
_reset_hooks: list[Callable[[], None]] = []


def _make(service: str) -> Any:
    import boto3  # deferred: boto3 costs ~100 ms to import and not every cold path needs it
    from botocore.config import Config

    settings = get_settings()
    kwargs: dict[str, Any] = {
        "region_name": settings.aws_region,
        "config": Config(retries={"mode": "standard", "max_attempts": 5}, signature_version="s3v4"),
    }
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
    from botocore.session import get_session

    from mailx import botocore_loader

    session = boto3.session.Session(botocore_session=botocore_loader.install(get_session()))
    return session.client(service, **kwargs)  # type: ignore[call-overload]


def client(service: str) -> Any:
    """A cached boto3 client for SERVICE, created on first use."""
    cached = _clients.get(service)
    if cached is not None:
        return cached
    with _lock:
        if service not in _clients:
            _clients[service] = _make(service)
        return _clients[service]


def s3() -> S3Client:
    """The S3 client."""
    result: S3Client = client("s3")
    return result


def sqs() -> SQSClient:
    """The SQS client."""
    result: SQSClient = client("sqs")
    return result


def sesv2() -> Any:
    """The SESv2 client (outbound raw sending); untyped, as no sesv2 stubs are installed."""
    return client("sesv2")


def management_api(endpoint_url: str) -> Any:
    """The API Gateway Management API client for one WebSocket API stage, built once per endpoint: a
    warm push function reuses it (and its connection) instead of a new session every invocation."""
    key = f"apigatewaymanagementapi {endpoint_url}"
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _clients:
            _clients[key] = _make_management_api(endpoint_url)
        return _clients[key]


def _make_management_api(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config
    from botocore.session import get_session

    from mailx import botocore_loader

    settings = get_settings()
    session = boto3.session.Session(botocore_session=botocore_loader.install(get_session()))
    return session.client(
        "apigatewaymanagementapi",
        region_name=settings.aws_region,
        endpoint_url=endpoint_url,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5),
    )


def on_reset(hook: Callable[[], None]) -> None:
    """Run HOOK at every reset(): layers above (the pynamodb binding) drop what they built from us."""
    if hook not in _reset_hooks:
        _reset_hooks.append(hook)


def reset() -> None:
    """Drop every cached client and whatever registered with on_reset (tests, or a new endpoint)."""
    with _lock:
        _clients.clear()
    for hook in list(_reset_hooks):
        hook()
