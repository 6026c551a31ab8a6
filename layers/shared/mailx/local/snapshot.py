"""A snapshot of moto's DynamoDB and S3 state, so the local runtime starts in seconds at any size.

Replaying the write-ahead log costs time in proportion to everything ever written; loading a snapshot
costs only the live data. The snapshot is moto's own backend objects, pickled, with the length of the
log it covers: a start loads it and replays only the log written after it. It is written when the
runtime stops (nothing is writing then) and after a start that had to replay much of the log.

The log stays the record: a snapshot made by another moto version, or damaged, is ignored (the log is
replayed in full, and a new snapshot written), so upgrading moto costs one slow start, never data.
SQS queues are not in it: `prepare_storage` creates them at every start, and queued messages are not
kept anyway (see mailx.local.wal).
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import logging
import os
import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("mailx.local.snapshot")

SNAPSHOT_FILE = "moto-snapshot.pickle"
FORMAT = 2
SERVICES = ("dynamodb", "s3")


def _limited_size_dict(data: dict[str, Any]) -> Any:
    """Rebuild moto's LimitedSizeDict (an item's attributes) without its per-key size check, which sums
    every attribute again on each insertion: it was most of a load's time."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    rebuilt = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(rebuilt, data)
    return rebuilt


def _register_reducers() -> None:
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    copyreg.pickle(LimitedSizeDict, lambda value: (_limited_size_dict, (dict(value),)))


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Millions of small objects are made or walked at once: the cyclic collector would traverse them
    again and again (2.7 s instead of 0.45 s for 2,000 messages). Afterwards they are frozen, so later
    collections skip them too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


@dataclass(frozen=True)
class Loaded:
    """A snapshot put into moto: the log length it covers and how long loading took."""

    wal_offset: int
    seconds: float


def write(folder: Path, wal_offset: int) -> float:
    """Snapshot moto's DynamoDB and S3 backends as of WAL_OFFSET bytes of log; the seconds it took.

    The caller guarantees nothing writes meanwhile (runtime stopping, or not yet serving).
    """
    from moto.backends import get_backend
    from moto.s3.models import s3_backends

    _register_reducers()
    started = time.monotonic()
    state: dict[str, Any] = {"format": FORMAT, "moto": _moto_version(), "wal_offset": wal_offset}
    for service in SERVICES:
        backends: Any = get_backend(service)  # type: ignore[call-overload]
        state[service] = {account: dict(regions.items()) for account, regions in backends.items()}
    state["s3_bucket_accounts"] = dict(s3_backends.bucket_accounts)
    target = folder / SNAPSHOT_FILE
    partial = folder / f".{SNAPSHOT_FILE}.tmp"
    with open(partial, "wb") as handle, _no_collection():
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return time.monotonic() - started


def load(folder: Path, wal_size: int) -> Loaded | None:
    """Put the folder's snapshot into moto (before anything uses it); None when there is none usable."""
    from moto.backends import get_backend
    from moto.s3.models import s3_backends

    path = folder / SNAPSHOT_FILE
    if not path.exists():
        return None
    started = time.monotonic()
    try:
        with open(path, "rb") as handle, _no_collection():
            state: dict[str, Any] = pickle.load(handle)  # noqa: S301 - our own file, in our own data folder
    except Exception as exc:  # damaged, or classes moto no longer has: the log still holds everything
        logger.warning("ignoring the snapshot %s (%s); replaying the whole log", path, type(exc).__name__)
        return None
    usable = (
        state.get("format") == FORMAT
        and state.get("moto") == _moto_version()
        and 0 <= int(state.get("wal_offset", -1)) <= wal_size
    )
    if not usable:
        logger.warning(
            "ignoring the snapshot %s (made by moto %s); replaying the whole log", path, state.get("moto")
        )
        return None
    for service in SERVICES:
        backends: Any = get_backend(service)  # type: ignore[call-overload]
        for account, regions in state[service].items():
            for region, backend in regions.items():
                dict.__setitem__(backends[account], region, backend)
    s3_backends.bucket_accounts.update(state["s3_bucket_accounts"])
    return Loaded(int(state["wal_offset"]), time.monotonic() - started)
