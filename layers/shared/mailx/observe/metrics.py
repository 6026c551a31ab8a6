"""Counters as CloudWatch embedded-metric-format (EMF) lines, with what varies in dimensions, not names.

Each `count` is one Powertools `single_metric` line on stdout, which CloudWatch Logs turns into a metric
of the `mailx` namespace. It is emitted under Lambda only (or with MAILX_METRICS=emf, for tests): the
local runtime and the test suite would otherwise print a JSON blob per request. Powertools is imported
on the first count, not at cold start.
"""

from __future__ import annotations

import os

NAMESPACE = "mailx"
_service = {"name": ""}


def set_service(name: str) -> None:
    """The `service` dimension of every count from this process (the function's name, e.g. mailx-jmap)."""
    _service["name"] = name


def enabled() -> bool:
    """Whether counts are emitted: inside a Lambda function, or when MAILX_METRICS=emf asks for them."""
    wanted = os.environ.get("MAILX_METRICS", "").strip().lower()
    if wanted in ("off", "0", "false"):
        return False
    return wanted == "emf" or bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Add VALUE to metric NAME under DIMENSIONS (plus `service`, the function); zero counts are skipped."""
    if not value or not enabled():
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    service = _service["name"] or os.environ.get("POWERTOOLS_SERVICE_NAME") or "mailx"
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=NAMESPACE,
        default_dimensions={"service": service},
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension or "none")
