"""Blocking work (DynamoDB, S3, password hashing) called from async routes: inline under Lambda.

A Lambda instance serves one request at a time, so a worker thread buys nothing there, and its first
use costs a cold start ~12 ms (anyio's thread machinery). Under uvicorn (`make dev`, containers) the
work goes to the thread pool so one slow request never stalls the others or an open event source.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

Params = ParamSpec("Params")
Result = TypeVar("Result")


def under_lambda() -> bool:
    """True inside a Lambda invocation (the runtime always sets the function name)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


async def offload(func: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs) -> Result:
    """FUNC(*ARGS, **KWARGS), run inline under Lambda and in the thread pool elsewhere."""
    if under_lambda():
        return func(*args, **kwargs)
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args, **kwargs)
