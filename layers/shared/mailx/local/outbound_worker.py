"""The outbound consumer of RFC 8621 §7 sends, run in-process by the local runtime against moto's SQS.

On AWS the OutboundFunction receives the queue's messages; here a thread long-polls the same queue and
hands them to the same `mailx.mail.outbound_send.handle`. moto's queue is not kept across restarts (see
`mailx.local.wal`), so on start every submission still queued or sending is queued again: the
consumer's claim makes a duplicate message harmless.
"""

from __future__ import annotations

import logging
import threading

from mailx import aws
from mailx.local.workers import RuntimeInfo
from mailx.mail import outbound, outbound_send
from mailx.mail.relay.base import Relay

logger = logging.getLogger("mailx.local.outbound")
POLL_SECONDS = 1  # long-poll wait: stop() returns within about this long


def default_relay() -> Relay:
    """The configured relay (RELAY=auto is the local relay here, as AWS is an endpoint override)."""
    from mailx.mail.relay.select import get_relay
    from mailx.store.config_store import effective_settings

    return get_relay(effective_settings())


def poll_once(relay: Relay, *, wait_seconds: int = 0, max_messages: int = 10) -> int:
    """Receive up to MAX_MESSAGES, handle them, delete the ones done; the number received."""
    sqs = aws.sqs()
    url = outbound.queue_url()
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=max_messages,
        WaitTimeSeconds=wait_seconds,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    received = [outbound.from_sqs(dict(m)) for m in response.get("Messages", [])]
    for message in received:
        if outbound_send.handle(message, relay):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message.receipt_handle)
    return len(received)


def requeue_unfinished() -> int:
    """Queue again every send that was waiting when the runtime stopped; how many."""
    from mailx.admin.accounts import list_accounts
    from mailx.store import submissions

    count = 0
    for account in list_accounts():
        for record in submissions.unfinished(account.account_id):
            outbound.enqueue(account.account_id, record.submission_id)
            count += 1
    return count


class OutboundWorker:
    """A thread polling the outbound queue until stopped."""

    name = "outbound"

    def __init__(self, info: RuntimeInfo, relay: Relay | None = None) -> None:
        self.info = info
        self.relay = relay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailx-outbound", daemon=True)

    def start(self) -> None:
        if self.relay is None:
            self.relay = default_relay()
        requeued = requeue_unfinished()
        if requeued:
            logger.info("queued %d unfinished sends again", requeued)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=POLL_SECONDS + 5)

    def _run(self) -> None:
        assert self.relay is not None
        while not self._stop.is_set():
            try:
                poll_once(self.relay, wait_seconds=POLL_SECONDS)
            except Exception:  # moto going away at shutdown, or a bug: log, pause, go on
                logger.exception("outbound poll failed")
                self._stop.wait(POLL_SECONDS)


def factory(info: RuntimeInfo) -> OutboundWorker:
    """The WORKERS entry."""
    return OutboundWorker(info)
