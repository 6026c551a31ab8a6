"""The change feed in the local runtime: moto's DynamoDB Stream of the accounts table, read in a thread.

On AWS the stream invokes the push function; here a thread reads the same stream through the same API
(GetRecords against moto) and hands each batch to the same `mailx.push.fanout.deliver` and the same
sinks, with the local WebSocket hub as the poster, plus the wake-ups of streaming event sources. It
starts at the stream's end (LATEST): what the write-log replay put in before it started is history.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from mailx import aws
from mailx.config import get_settings
from mailx.local.websocket_hub import HUB
from mailx.local.workers import RuntimeInfo
from mailx.push import fanout, wakeups
from mailx.push.feed import Sink
from mailx.push.sinks import push_sinks
from mailx.push.stream_records import parse_records

logger = logging.getLogger("mailx.local.feed")
IDLE_SECONDS = 0.05  # how long the reader waits when a read found nothing (push latency vs CPU)
BATCH = 100


def local_sinks() -> tuple[Sink, ...]:
    """The Lambda's push paths posting to the local sockets, and the event source's wake-ups."""
    return (*push_sinks(HUB.post), wakeups.sink)


class FeedWorker:
    """A thread following every shard of the accounts table's stream until stopped."""

    name = "change-feed"

    def __init__(self, info: RuntimeInfo, sinks: tuple[Sink, ...] | None = None) -> None:
        self.info = info
        self.sinks = sinks if sinks is not None else local_sinks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailx-change-feed", daemon=True)
        self._iterators: dict[str, str] = {}
        self.delivered = 0

    def _stream_arn(self) -> str:
        table = get_settings().table_prefix + "accounts"
        described: dict[str, Any] = aws.client("dynamodb").describe_table(TableName=table)["Table"]
        arn = described.get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {table} has no stream; the push change feed cannot start")
        return str(arn)

    def _open_shards(self, arn: str) -> None:
        streams = aws.client("dynamodbstreams")
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                found = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST"
                )
                self._iterators[shard_id] = found["ShardIterator"]

    def start(self) -> None:
        self._arn = self._stream_arn()
        self._open_shards(self._arn)
        wakeups.set_running(True)
        self._thread.start()

    def read_once(self) -> int:
        """Read every shard once and deliver what arrived; the number of records read."""
        streams = aws.client("dynamodbstreams")
        count = 0
        for shard_id, iterator in list(self._iterators.items()):
            answer = streams.get_records(ShardIterator=iterator, Limit=BATCH)
            records = answer.get("Records", [])
            next_iterator = answer.get("NextShardIterator")
            if next_iterator:
                self._iterators[shard_id] = next_iterator
            else:
                del self._iterators[shard_id]  # a closed shard: its successor is found below
            if records:
                count += len(records)
                outcome = fanout.deliver(parse_records(records), self.sinks)
                self.delivered += outcome.delivered
                if outcome.resume_from is not None:
                    logger.warning(
                        "push fan-out failed from record %s; those pushes are dropped", outcome.resume_from
                    )
        if not self._iterators:
            self._open_shards(self._arn)
        return count

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.read_once() == 0:
                    self._stop.wait(IDLE_SECONDS)
            except Exception:
                logger.exception("reading the change feed failed; retrying in a second")
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        wakeups.set_running(False)
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def factory(info: RuntimeInfo) -> FeedWorker:
    return FeedWorker(info)
